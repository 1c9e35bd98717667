// PoemBenchCommandTests.swift — `workbench poem bench` on a tiny corpus: the report names the
// tile and the FMA peak; a named Python or script that cannot run is an error, not a skip.

import XCTest

@testable import WorkbenchCLI

final class PoemBenchCommandTests: XCTestCase {
    var dir: URL!
    var corpus: String { dir.appendingPathComponent("corpus.txt").path }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("poem-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let chars = Array("山水月风花雪云天日江春秋夜人归来")
        let lines = (0..<8).map { n in String((0..<10).map { chars[(n * 5 + $0) % chars.count] }) }
        try lines.joined(separator: "\n").write(toFile: corpus, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testReportNamesTheForcedTileThePeakAndEveryPhase() {
        let r = runCLI(["poem", "bench", "--corpus", corpus, "--batches", "1", "--threads", "1", "--kernels", "12x8-simd4", "--no-torch"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("micro-kernel tile 12x8-simd4 (forced)"), r.out)
        XCTAssertTrue(r.out.contains("FMA peak"), r.out)
        for phase in ["recurrent steps", "LSTM projections", "output layer", "softmax + loss", "optimizer"] {
            XCTAssertTrue(r.out.contains(phase), "missing phase \(phase): \(r.out)")
        }
    }

    func testAnUnknownTileIsAUsageError() {
        assertUsageError(["poem", "bench", "--corpus", corpus, "--kernels", "8x32"], mentions: "--kernels")
    }

    func testAPythonThatDoesNotExistIsAnError() {
        let r = runCLI(["poem", "bench", "--corpus", corpus, "--batches", "1", "--python", dir.appendingPathComponent("no-python").path])
        XCTAssertEqual(r.status, 1, r.out)
        XCTAssertTrue(r.err.contains("does not exist or cannot run"), r.err)
        XCTAssertEqual(r.out, "", "nothing is timed when the comparison cannot run")
    }

    func testAPythonWithoutTorchIsAnErrorWhenNamed() {
        let r = runCLI(["poem", "bench", "--corpus", corpus, "--batches", "1", "--python", "/bin/false"])
        XCTAssertEqual(r.status, 1, r.out)
        XCTAssertTrue(r.err.contains("cannot import torch"), r.err)
    }

    func testAMissingScriptIsAnError() {
        let r = runCLI([
            "poem", "bench", "--corpus", corpus, "--batches", "1", "--torch-script", dir.appendingPathComponent("none.py").path,
        ])
        XCTAssertEqual(r.status, 1, r.out)
        XCTAssertTrue(r.err.contains("no PyTorch script at"), r.err)
    }
}
