// PoemSampleQualityCommandTests.swift — `workbench poem sample` refusals and forms, and
// `workbench poem quality`, end to end on a tiny model trained here on a generated corpus.

import Foundation
import Poetry
import XCTest

@testable import WorkbenchCLI

final class PoemSampleQualityCommandTests: XCTestCase {
    /// A generated corpus (motifs over 16 characters, no real poems) and a model trained on it
    /// for 30 steps through the CLI; made once for the whole class.
    static let fixture: (corpus: String, checkpoint: String) = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("poem-sample-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let chars = Array("山水月风花雪云天日江春秋夜人归来")
        let poems = (0..<32).map { n -> String in
            (0..<4).map { line in String((0..<5).map { chars[(n * 3 + line * 5 + $0) % chars.count] }) + (line % 2 == 0 ? "，" : "。") }
                .joined()
        }
        let corpus = dir.appendingPathComponent("corpus.txt").path
        try! poems.joined(separator: "\n").write(toFile: corpus, atomically: true, encoding: .utf8)
        let r = runCLI([
            "poem", "train", "--corpus", corpus, "--steps", "30", "--batch-size", "4", "--embedding-dim", "6",
            "--hidden-size", "8", "--quiet", "--out", dir.appendingPathComponent("run").path,
        ])
        precondition(r.status == 0, r.err)
        return (corpus, dir.appendingPathComponent("run/poem.safetensors").path)
    }()

    var checkpoint: String { Self.fixture.checkpoint }
    func sample(_ args: [String]) -> [String] { ["poem", "sample", "--checkpoint", checkpoint] + args }

    func assertQuatrains(_ out: String, count: Int, line: UInt = #line) {
        let poems = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(poems.count, count, out, line: line)
        for p in poems {
            let c = Array(p)
            XCTAssertEqual(c.count, 24, p, line: line)
            for (k, ch) in c.enumerated() {
                let mark: Character? = k % 12 == 5 ? "，" : k % 12 == 11 ? "。" : nil
                XCTAssertTrue(mark.map { ch == $0 } ?? !(ch.isPunctuation || ch == "G" || ch == "E"), "\(p) at \(k)", line: line)
            }
        }
    }

    func testEveryDecodingModeWritesQuatrains() {
        var r = runCLI(sample(["--form", "quatrain", "--start", "山水"]))
        XCTAssertEqual(r.status, 0, r.err)
        assertQuatrains(r.out, count: 1)
        XCTAssertTrue(r.out.hasPrefix("山水"))
        r = runCLI(sample(["--form", "quatrain", "--temperature", "1.5", "--top-k", "4", "--count", "5", "--seed", "3"]))
        assertQuatrains(r.out, count: 5)
        r = runCLI(sample(["--form", "quatrain", "--temperature", "2", "--count", "5"]))
        assertQuatrains(r.out, count: 5)
        r = runCLI(sample(["--form", "quatrain", "--beam", "3", "--acrostic", "春秋夜月"]))
        assertQuatrains(r.out, count: 1)
        XCTAssertEqual([0, 6, 12, 18].map { Array(r.out)[$0] }, ["春", "秋", "夜", "月"])
        r = runCLI(sample(["--max-length", "9"]))
        XCTAssertEqual(r.status, 0, r.err)
        let free = r.out.trimmingCharacters(in: .newlines)
        XCTAssertTrue(!free.isEmpty && free.count <= 9 && "。？！".contains(free.last!), free)
    }

    func testEachRefusalIsAOneLineErrorWithItsReason() {
        assertUsageError(sample(["--form", "quatrain", "--start", "山水月风花雪"]), mentions: "a start word may have at most 5; got 6")
        assertUsageError(sample(["--max-length", "3", "--start", "山水月"]), mentions: "can start with at most 2")
        assertUsageError(
            sample(["--form", "quatrain", "--acrostic", "春秋夜月", "--start", "山水"]),
            mentions: "--start begins with '山' but --acrostic makes the first line begin with '春'")
        assertUsageError(sample(["--start", "，。"]), mentions: "'，' is punctuation (the form places it)")
        assertUsageError(sample(["--form", "quatrain", "--acrostic", "，。，。"]), mentions: "--acrostic: '，' is punctuation")
        assertUsageError(sample(["--start", "G"]), mentions: "'G' is the model's start marker")
        assertUsageError(sample(["--start", "山E"]), mentions: "'E' is the model's end marker")
        assertUsageError(sample(["--prefix", "山G"]), mentions: "--prefix: 'G' is the model's start marker")
        assertUsageError(sample(["--form", "quatrain", "--acrostic", "春秋夜月山"]), mentions: "at most 4 characters; got 5")
        assertUsageError(sample(["--start", "山鹤"]), mentions: "'鹤'")
        assertUsageError(sample(["--count", "3"]), mentions: "--count applies only when sampling")
        assertUsageError(sample(["--form", "quatrain", "--beam", "3", "--count", "2"]), mentions: "--count applies only when sampling")
        assertUsageError(sample(["--no-repeat", "--repetition-penalty", "2"]), mentions: "no effect with --no-repeat")
        assertUsageError(sample(["--max-length", "1"]), mentions: "--max-length")
        // Accepted neighbours of the refusals above.
        XCTAssertEqual(runCLI(sample(["--form", "quatrain", "--start", "山水月风花"])).status, 0)
        XCTAssertEqual(runCLI(sample(["--form", "quatrain", "--acrostic", "春秋夜月", "--start", "春水"])).status, 0)
        XCTAssertEqual(runCLI(sample(["--form", "quatrain", "--prefix", "山水月风花，"])).status, 0)
    }

    func testAModelWithoutPunctuationSaysItCannotWriteTheForm() throws {
        let v = Vocabulary(poems: [Array("山水月风花雪")])
        let ck = PoemCheckpoint(
            model: PoemModel(config: PoemModelConfig(rows: v.modelRows, embeddingDim: 4, hiddenSize: 8, layers: 1), seed: 1),
            vocabulary: v)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("no-marks-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ck.write(to: path)
        assertUsageError(["poem", "sample", "--checkpoint", path], mentions: "lacks '，' '。', so it cannot write a poem of lines")
        assertUsageError(["poem", "sample", "--checkpoint", path, "--form", "quatrain"], mentions: "cannot write a quatrain")
        assertUsageError(["poem", "quality", "--checkpoint", path, "--count", "2"], mentions: "cannot write a quatrain")
    }

    func testQualityTableAndJSON() throws {
        let args = ["poem", "quality", "--checkpoint", checkpoint, "--count", "6", "--beam", "3"]
        let text = runCLI(args + ["--corpus", Self.fixture.corpus])
        XCTAssertEqual(text.status, 0, text.err)
        let rows = text.out.split(separator: "\n").map(String.init)
        for mode in ["greedy", "temperature", "top-k", "beam"] {
            let row = rows.first { $0.hasPrefix(mode + " ") }
            XCTAssertNotNil(row, "no row for \(mode): \(text.out)")
            XCTAssertTrue(row?.contains("100.0%") ?? false, row ?? "")
        }
        XCTAssertTrue(rows[1].contains("copied lines") && rows[1].contains("log-lik/char"), rows[1])

        let json = runCLI(args + ["--json"])
        XCTAssertEqual(json.status, 0, json.err)
        let report = try JSONDecoder().decode(PoemQualityReport.self, from: Data(json.out.utf8))
        XCTAssertEqual(report.modes.map(\.mode), DecodingMode.allCases)
        XCTAssertEqual(report.options.beam, 3)
        XCTAssertTrue(report.modes.allSatisfy { $0.validForm == 1 && $0.poems == 6 && $0.copiedLines == nil })
        // Same seed, same poems.
        let again = try JSONDecoder().decode(PoemQualityReport.self, from: Data(runCLI(args + ["--json"]).out.utf8))
        XCTAssertEqual(again.modes.map(\.examples), report.modes.map(\.examples))
    }

    func testQualityRefusals() {
        assertUsageError(["poem", "quality"], mentions: "--checkpoint")
        assertUsageError(["poem", "quality", "--checkpoint", checkpoint, "--beam", "1"], mentions: "--beam")
        assertUsageError(["poem", "quality", "--checkpoint", checkpoint, "--count", "0"], mentions: "--count")
    }
}
