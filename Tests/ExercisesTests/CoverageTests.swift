// CoverageTests.swift — docs/coverage.md and the README stay true: every exercise id the
// coverage table names exists and every exercise is in it, every finding's seed lines fall in a
// row that names its exercise, no worksheet is left "planned", and the counts that the README and
// the coverage page state are the catalog's counts.

import Foundation
import XCTest

@testable import Exercises

/// The package root (three levels above this file).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// One row of the coverage table: its seed, its line ranges, and the exercise ids it names.
struct CoverageRow {
    let document: String
    let ranges: [ClosedRange<Int>]
    let exercises: Set<String>
    let text: String
}

/// "003:316–320" or "004:20–21, 51" → ("003", [316…320]) or ("004", [20…21, 51…51]).
func seedLines(_ cell: String) -> (document: String, ranges: [ClosedRange<Int>])? {
    let trimmed = cell.trimmingCharacters(in: .whitespaces)
    guard let colon = trimmed.firstIndex(of: ":") else { return nil }
    let document = String(trimmed[..<colon])
    var ranges: [ClosedRange<Int>] = []
    for part in trimmed[trimmed.index(after: colon)...].split(separator: ",") {
        let bounds = part.trimmingCharacters(in: .whitespaces).split(separator: "–").compactMap { Int($0.prefix { $0.isNumber }) }
        if let a = bounds.first { ranges.append(a...(bounds.count > 1 ? bounds[1] : a)) }
    }
    return ranges.isEmpty ? nil : (document, ranges)
}

func coverageRows(_ text: String) -> [CoverageRow] {
    var rows: [CoverageRow] = []
    for line in text.split(separator: "\n") where line.hasPrefix("| ") {
        // "\|" is a literal bar inside a cell.
        let cells = line.replacingOccurrences(of: "\\|", with: "¦").split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard cells.count >= 5, let (document, ranges) = seedLines(cells[1]) else { continue }
        let ticked = cells[3].components(separatedBy: "`").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        let ids = Set(ticked.filter { !$0.contains(" ") && !$0.hasSuffix(".grad") })
        rows.append(CoverageRow(document: document, ranges: ranges, exercises: ids, text: String(line)))
    }
    return rows
}

/// "18 exercises; 33 errata, 4 typos, 19 confirmations and 12 completed by the workbench" → the numbers.
func statedCounts(_ text: String) -> [Int]? {
    let pattern = #"(\d+) exercises[^0-9]*?(\d+) errata, (\d+) typos,\s+(\d+) confirmations and (\d+) completed by the workbench"#
    guard let regex = try? NSRegularExpression(pattern: pattern),
        let m = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
    else { return nil }
    return (1...5).compactMap { Range(m.range(at: $0), in: text).flatMap { Int(text[$0]) } }
}

/// N in "and N finding(s) on the homework corpus".
func statedCorpusFindings(_ text: String) -> Int? {
    let pattern = #"and\s+(\d+)\s+findings?\s+on\s+the\s+homework\s+corpus"#
    guard let regex = try? NSRegularExpression(pattern: pattern),
        let m = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
        let r = Range(m.range(at: 1), in: text)
    else { return nil }
    return Int(text[r])
}

final class CoverageTests: XCTestCase {
    func read(_ path: String) throws -> String {
        let url = packageRoot.appendingPathComponent(path)
        try XCTSkipUnless(FileManager.default.fileExists(atPath: url.path), "\(path) is not beside the package")
        return try String(contentsOf: url, encoding: .utf8)
    }

    func testCoverageTableNamesExistingExercisesAndEveryExercise() throws {
        let rows = coverageRows(try read("docs/coverage.md"))
        XCTAssertGreaterThan(rows.count, 60)
        let ids = Set(ExerciseCatalog.all.map(\.id))
        for row in rows {
            for id in row.exercises {
                XCTAssertTrue(ids.contains(id), "docs/coverage.md names an exercise that does not exist: \(id) in \(row.text)")
            }
            XCTAssertFalse(row.text.contains("planned"), "a worksheet still planned: \(row.text)")
        }
        let named = rows.reduce(Set<String>()) { $0.union($1.exercises) }
        XCTAssertEqual(ids.subtracting(named), [], "exercises missing from docs/coverage.md")
    }

    func testEveryFindingFallsInARowThatNamesItsExercise() throws {
        let rows = coverageRows(try read("docs/coverage.md"))
        for report in Reports.all {
            for finding in report.findings {
                guard let lines = finding.lines, let (document, ranges) = seedLines(lines), let first = ranges.first?.lowerBound else {
                    continue
                }
                let found = rows.contains {
                    $0.document == document && $0.exercises.contains(report.id) && $0.ranges.contains { $0.contains(first) }
                }
                XCTAssertTrue(found, "\(report.id): no row of docs/coverage.md for \(lines) (\(finding.claim))")
            }
        }
    }

    func testStatedCountsAreTheCatalogs() throws {
        let tally = ExerciseTally(Reports.all)
        let expected = [tally.exercises, tally.errata, tally.typos, tally.confirmations, tally.completions]
        for path in ["README.md", "docs/coverage.md"] {
            let stated = statedCounts(try read(path))
            XCTAssertEqual(stated, expected, "\(path) states \(stated.map { "\($0)" } ?? "no counts"); the catalog has \(tally.sentence)")
            // The findings on the homework corpus: counted where it is present, skipped (with
            // their checks) where it is not; the counts above are the same either way.
            let corpus = statedCorpusFindings(try read(path))
            XCTAssertNotNil(corpus, "\(path) does not state the findings on the homework corpus")
            if tally.corpusFindings > 0 {
                XCTAssertEqual(corpus, tally.corpusFindings, "\(path): findings on the corpus")
            } else {
                XCTAssertGreaterThan(tally.corpusChecksSkipped, 0, "no corpus findings, yet no corpus check was skipped")
            }
        }
    }
}
