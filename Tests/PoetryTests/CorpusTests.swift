// CorpusTests.swift — corpus parsing and the homework's vocabulary, on synthetic text.

import XCTest

@testable import Poetry

/// Where the homework corpus is, if this machine has it (never committed to the project).
func homeworkCorpusPath() -> String? {
    if let env = ProcessInfo.processInfo.environment["WORKBENCH_CORPUS"], FileManager.default.fileExists(atPath: env) { return env }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let path = root.deletingLastPathComponent().appendingPathComponent("shared/data/subset_poems.txt").path
    return FileManager.default.fileExists(atPath: path) ? path : nil
}

/// A scratch directory removed at the end of the test.
func scratchDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("poetry-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

final class CorpusTests: XCTestCase {
    func testParsesPlainAndTitledLinesAndReportsSkippedOnes() throws {
        let text = "ab，cd。\n\n题目:ef，gh。\r\nxyE，z。\n题：\nq\nlast，one。"
        let c = try PoemCorpus.parse(text, source: "mem")
        XCTAssertEqual(c.poems.map { String($0) }, ["ab，cd。", "ef，gh。", "last，one。"])
        XCTAssertEqual(c.skipped.map(\.line), [4, 5, 6])
        XCTAssertTrue(c.skipped[0].reason.contains("'E'"), c.skipped[0].reason)
        XCTAssertTrue(c.skipped[2].reason.contains("length 1"), c.skipped[2].reason)
    }

    func testEmptyAndUnusableCorporaAreErrorsNamingTheFile() throws {
        XCTAssertThrowsError(try PoemCorpus.parse("\n \n", source: "a.txt")) { e in
            XCTAssertEqual(e as? CorpusError, .empty(path: "a.txt"))
        }
        XCTAssertThrowsError(try PoemCorpus.parse("GG\nx\n", source: "b.txt")) { e in
            XCTAssertEqual(e as? CorpusError, .noUsablePoem(path: "b.txt", skipped: 2))
            XCTAssertTrue("\(e)".contains("b.txt"))
        }
        let dir = try scratchDirectory(self)
        let bad = dir.appendingPathComponent("latin1.txt")
        try Data([0x61, 0xE9, 0xFF, 0x0A]).write(to: bad)
        XCTAssertThrowsError(try PoemCorpus.load(path: bad.path)) { e in
            XCTAssertEqual(e as? CorpusError, .notUTF8(path: bad.path))
        }
        XCTAssertThrowsError(try PoemCorpus.load(path: dir.appendingPathComponent("none.txt").path)) { e in
            XCTAssertTrue("\(e)".contains("no such file"), "\(e)")
        }
        XCTAssertThrowsError(try PoemCorpus.loadDefault(searching: [dir.appendingPathComponent("x").path])) { e in
            XCTAssertTrue("\(e)".contains("--corpus"), "\(e)")
        }
    }

    func testFortuneFileKeepsFiveCharacterCouplets() throws {
        let couplet1 = "一二三四五，六七八九十。", couplet2 = "甲乙丙丁戊，己庚辛壬癸。"
        let text =
            "\u{1B}[32m《题》\u{1B}[m\n\u{1B}[33m作者：某\u{1B}[m\n\(couplet1)\n\(couplet2)\n%\n\u{1B}[32m《长》\u{1B}[m\n七个字的一句诗，七个字的二句诗。\n%\n"
        let c = try PoemCorpus.parse(text, source: "t")  // plain parse treats it as lines
        XCTAssertFalse(c.poems.isEmpty)
        let f = try PoemCorpus.parseFortunes(text, source: "tang")
        XCTAssertEqual(f.poems.map { String($0) }, [couplet1 + couplet2])
        XCTAssertEqual(f.skipped.count, 1)
    }

    func testVocabularyOrdersByCountThenFirstOccurrence() {
        // counts: G 3, E 3, a 3, b 1, c 2, d 2 → ties in first-occurrence order: G, a, E / c, d.
        let v = Vocabulary(poems: [Array("ab"), Array("ca"), Array("cadd")])
        XCTAssertEqual(String(v.characters), "GaEcdb")
        XCTAssertEqual(v.counts, [3, 3, 3, 2, 2, 1])
        XCTAssertEqual(v.encode(poem: Array("ca")), [0, 3, 1, 2])
        XCTAssertEqual(v.modelRows, 7)
        XCTAssertEqual(v.unknownCharacters(in: "axyx"), ["x", "y"])
    }

    func testHomeworkCorpusHasTheDocumentedShape() throws {
        guard let path = homeworkCorpusPath() else { throw XCTSkip("homework corpus not present (set WORKBENCH_CORPUS)") }
        let c = try PoemCorpus.load(path: path)
        XCTAssertEqual(c.poems.count, 12_842)
        XCTAssertTrue(c.skipped.isEmpty)
        let v = Vocabulary(poems: c.poems)
        XCTAssertEqual(v.count, 2_001)
        XCTAssertEqual(Array(v.characters.prefix(2)), ["，", "。"])
        XCTAssertTrue(c.poems.allSatisfy { v.encode(poem: $0).count == 26 })
        // FNV-1a 64 of the vocabulary in index order, as Python's `sorted(Counter(...))` gives it.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in v.joined.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        XCTAssertEqual(h, 0x83dd_55a6_a4d2_f6c2, "vocabulary order differs from Python's stable sort")
    }
}
