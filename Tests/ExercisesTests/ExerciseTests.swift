// ExerciseTests.swift — every exercise verifies, with findings that carry typed numbers, and the
// report model turns its verdict on a failing or an all-skipped run.

import WorkbenchNumerics
import XCTest

@testable import Exercises

/// The catalog's exercises, run once for the whole test target (they are deterministic).
enum Reports {
    static let all: [ExerciseReport] = ExerciseCatalog.all.map { $0.run() }
    static func report(_ id: String) -> ExerciseReport { all.first { $0.id == id }! }
}

/// Asserts a report verifies, with findings that carry numbers.
@discardableResult
func assertVerifies(_ report: ExerciseReport, minimumFindings: Int = 1, file: StaticString = #filePath, line: UInt = #line)
    -> ExerciseReport
{
    let failing = report.checks.filter { $0.status == .fail }.map {
        "\($0.name): \($0.measured.map { "\($0)" } ?? "-") vs \($0.bound.map { "\($0)" } ?? "-") \($0.detail)"
    }
    XCTAssertEqual(report.verdict, .verified, "\(report.id) failed: \(failing)", file: file, line: line)
    XCTAssertGreaterThanOrEqual(report.findings.count, minimumFindings, file: file, line: line)
    for finding in report.findings where finding.kind != .typo {
        XCTAssertTrue(finding.hasNumericEvidence, "\(report.id): finding without a number: \(finding.claim)", file: file, line: line)
    }
    return report
}

final class ExerciseTests: XCTestCase {
    func testEveryExerciseVerifies() {
        for r in Reports.all { assertVerifies(r) }
    }

    func testEveryErratumCarriesANumberAndEveryNewFindingItsSeedLine() {
        for r in Reports.all {
            for f in r.findings {
                if f.kind == .erratum { XCTAssertTrue(f.hasNumericEvidence, "\(r.id): \(f.claim)") }
                XCTAssertNotNil(f.lines, "\(r.id): \(f.claim) has no seed line")
            }
        }
    }

    func testLab5Formulas640And641() {
        let r = Reports.report("lab5-t1")
        XCTAssertEqual(r.notation, .nndl)
        XCTAssertEqual(r.findings(.erratum).map(\.lines), ["001:28–29", "001:29"])
        XCTAssertEqual(r.findings(.confirmation).map(\.lines), ["001:35–49"])
    }

    func testHomework5PowersJudgesTheStatementsFromTheMeasuredCases() {
        let r = Reports.report("hw5-2c")
        let errata = r.findings(.erratum)
        XCTAssertTrue(errata.contains { $0.claim.contains("[−0.8, 0.5]") })
        XCTAssertTrue(errata.contains { $0.finding.contains("0.015261") })
        // Statement 2 says the powers eventually become small: a confirmation, with the caveat.
        let two = r.findings.first { $0.claim.hasPrefix("Statement 2") }!
        XCTAssertEqual(two.kind, .confirmation)
        XCTAssertTrue(two.finding.contains("non-normal"))
        XCTAssertEqual(r.findings.first { $0.claim.hasPrefix("Statement 1") }?.kind, .confirmation)
        XCTAssertEqual(r.findings.first { $0.claim.hasPrefix("Statement 3") }?.kind, .erratum)
        XCTAssertEqual(r.findings.first { $0.claim.hasPrefix("Statement 4") }?.kind, .erratum)
        XCTAssertEqual(errata.count, 4)
    }

    func testHomework5ProductsHoldsTheMovedShapeErratum() {
        let r = Reports.report("hw5-2a")
        let shape = r.findings.first { $0.lines == "003:198" }!
        XCTAssertEqual(shape.evidence.first?.value, .shape([3, 3]))
        XCTAssertFalse(Reports.report("hw5-1b").findings.contains { $0.claim.contains("Equation (10)") })
    }

    func testHomework5CellStateKeepsWhatAWorksheetCannotExpress() {
        let r = Reports.report("hw5-3c")
        XCTAssertEqual(Set(r.findings.compactMap(\.lines)), ["003:340", "003:334, 340"])
        XCTAssertTrue(r.findings.contains { $0.lines == "003:334, 340" && $0.claim.contains("statement") })
        // The gradient through C_t moved to the worksheet: the neglect and the forgotten W_o.
        let sheet = Reports.report("hw5-3c-gradients")
        XCTAssertEqual(sheet.findings(.erratum).map(\.lines), ["003:324", "003:316–320"])
    }

    func testCompletionsAreNotCalledConfirmations() {
        let tanh = Reports.report("tanh-output")
        XCTAssertEqual(tanh.findings(.confirmation).count, 0)
        XCTAssertEqual(tanh.findings(.completion).map(\.lines), ["004:25, 90"])
        XCTAssertEqual(Reports.report("tanh-output-gradients").findings(.completion).map(\.lines), ["004:58–67", "004:56"])
        XCTAssertTrue(Reports.report("cs224n-perplexity").findings(.completion).contains { $0.claim.contains("sum of per-step") })
    }

    func testLab5PoemModelRunsSeedCheckedWithoutTheCorpus() {
        var exercise = Lab5PoemModel()
        exercise.corpusCandidates = []
        let r = exercise.run()
        XCTAssertEqual(r.verdict, .verified)
        XCTAssertEqual(r.skippedChecks.count, 3)
        XCTAssertFalse(r.findings.contains { $0.claim.contains("12842") }, "no confirmation of the corpus numbers without the corpus")
    }

    func testLab5PoemModelWithTheCorpusWhenItIsHere() throws {
        let found = Lab5PoemModel.defaultCorpusCandidates.first { FileManager.default.fileExists(atPath: $0) }
        try XCTSkipIf(found == nil, "the homework corpus is not here")
        let r = Reports.report("lab5-code")
        XCTAssertEqual(r.skippedChecks.count, 0)
        XCTAssertTrue(r.findings.contains { $0.claim.contains("12842") })
    }

    func testEverySeedDocumentIsCovered() {
        XCTAssertEqual(Set(ExerciseCatalog.all.map(\.source.document)), ["000/001", "002", "003", "004"])
    }

    func testCatalogIdsAreUniqueAndFindable() {
        let ids = ExerciseCatalog.all.map(\.id)
        XCTAssertEqual(Set(ids).count, ids.count)
        for id in ids { XCTAssertNotNil(ExerciseCatalog.exercise(id: id)) }
        XCTAssertNil(ExerciseCatalog.exercise(id: "nope"))
        XCTAssertTrue(Set(ExerciseCatalog.worksheetExercises.map(\.id)).isSubset(of: Set(ids)))
    }

    func testVerdictIsFailedSkippedOrVerified() {
        func report(_ checks: [ExerciseCheck]) -> ExerciseReport {
            ExerciseReport(
                id: "x", title: "x", source: Seeds.lab5("x"), notation: .nndl, summary: "",
                quantities: [], checks: checks, findings: [], commands: [])
        }
        XCTAssertEqual(report([.atMost("too big", 1, 0.5)]).verdict, .failed)
        XCTAssertEqual(report([.atLeast("too small", 0.1, 0.5), .atMost("fine", 0, 1)]).verdict, .failed)
        XCTAssertEqual(report([.atMost("NaN never passes", .nan, 1)]).verdict, .failed)
        XCTAssertEqual(
            report([.skipped("needs data", because: "absent")]).verdict, .skipped,
            "an exercise whose every check skipped has verified nothing")
        XCTAssertEqual(report([.skipped("needs data", because: "absent"), .above("positive", 1e-300, 0)]).verdict, .verified)
        XCTAssertEqual(report([.below("negative", 0, 0)]).verdict, .failed)
    }

    func testTallyCountsEveryKind() {
        let tally = ExerciseTally(Reports.all)
        XCTAssertEqual(tally.exercises, ExerciseCatalog.all.count)
        XCTAssertEqual(
            tally.errata + tally.typos + tally.confirmations + tally.completions + tally.corpusFindings,
            Reports.all.flatMap(\.findings).count)
        // Findings on the corpus are counted apart, so the main counts do not depend on it.
        XCTAssertEqual(tally.corpusFindings, Reports.all.flatMap(\.findings).filter(\.onCorpus).count)
        XCTAssertGreaterThanOrEqual(tally.errata, 28)
    }

    func testEvidenceIsTypedInJSON() throws {
        let data = try JSONEncoder().encode(Quantity("x", 0.5, digits: 3))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let value = object?["value"] as? [String: Any]
        XCTAssertEqual(value?["kind"] as? String, "real")
        XCTAssertEqual(value?["value"] as? Double, 0.5)
        XCTAssertEqual(value?["text"] as? String, "0.5")
    }
}
