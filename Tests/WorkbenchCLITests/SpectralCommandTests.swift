// SpectralCommandTests.swift — `workbench spectral …` end to end: output, JSON, plots, and a
// one-line error with exit status 2 for every kind of bad matrix (shared test functions in CLITestSupport.swift).

import Foundation
import XCTest

@testable import WorkbenchCLI

final class SpectralCommandTests: XCTestCase {
    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("spectral-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testEigOfTheHomeworkMatrixPrintsPointNineAndPointFour() {
        let r = runCLI(["spectral", "eig", "--matrix", "0.58,0.24;0.24,0.72"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("eigenvalues (descending |λ|): 0.9, 0.4"), r.out)
        XCTAssertTrue(r.out.contains("residual ‖WQ − QΛ‖_F"))
        XCTAssertTrue(r.out.contains("Q⁻¹:"))
    }

    /// Saturation, nilpotency and defectiveness are stated, never printed as nan or a wrong verdict.
    func testExplicitStatesReachTheText() {
        let saturated = runCLI(["spectral", "rnn", "--matrix", "20,0;0,20", "--n", "10"])
        XCTAssertEqual(saturated.status, 0, saturated.err)
        XCTAssertTrue(saturated.out.contains("behaviour: VANISHED TO ZERO"), saturated.out)
        XCTAssertFalse(saturated.out.contains("nan"), saturated.out)
        let jordan = runCLI(["spectral", "eig", "--matrix", "0,1,0;0,0,1;0,0,0"])
        XCTAssertTrue(jordan.out.contains("eigenbasis DEFECTIVE"), jordan.out)
        XCTAssertFalse(jordan.out.lowercased().contains("nan"), jordan.out)
        let healthy = runCLI(["spectral", "eig", "--matrix", "0.58,0.24;0.24,0.72"])
        XCTAssertTrue(healthy.out.contains("eigenbasis diagonalizable"), healthy.out)
        let nilpotent = runCLI(["spectral", "power", "--matrix", "0,1;0,0", "--n", "3"])
        XCTAssertTrue(nilpotent.out.contains("exactly the zero matrix"), nilpotent.out)
    }

    func testEigJSONDecodesWithTheEigenvalues() throws {
        let r = runCLI(["spectral", "eig", "--matrix", "0,-1;1,0", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let values = try XCTUnwrap(object["eigenvalues"] as? [[String: Double]])
        XCTAssertEqual(values.count, 2)
        XCTAssertEqual(values[0]["im"] ?? 0, 1, accuracy: 1e-15)
        XCTAssertEqual(values[1]["im"] ?? 0, -1, accuracy: 1e-15)
        XCTAssertNotNil(object["relativeResidual"])
    }

    func testPowerComparesWithThePrintedSolutionAndWritesAPlot() throws {
        let folder = try temporaryFolder()
        let plot = folder.appendingPathComponent("norms.svg").path
        let r = runCLI(["spectral", "power", "--n", "30", "--plot", plot])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("[0.015261  0.020348]"), r.out)
        XCTAssertTrue(r.out.contains("0.015260") && r.out.contains("DIFFERS"), r.out)
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0 != "norms.svg" }
        XCTAssertEqual(leftovers, [], "the temporary file must be renamed away")
    }

    func testRegimesAndRNNRunWithJSON() throws {
        for sub in ["regimes", "rnn"] {
            let r = runCLI(["spectral", sub, "--json", "--n", "12"])
            XCTAssertEqual(r.status, 0, "\(sub): \(r.err)")
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(r.out.utf8)), sub)
        }
        let text = runCLI(["spectral", "regimes"])
        XCTAssertTrue(text.out.contains("verdict: WRONG"), text.out)
    }

    func testMatrixFileWithCommentsAndBlankLines() throws {
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("w.txt").path
        try "# the homework matrix\n\n0.58 0.24\n0.24, 0.72  # second row\n".write(toFile: path, atomically: true, encoding: .utf8)
        let r = runCLI(["spectral", "eig", "--matrix-file", path])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("0.9, 0.4"))
    }

    func testNonSquareMatrixIsAUsageError() {
        assertUsageError(["spectral", "eig", "--matrix", "1,2,3;4,5,6"], mentions: "2×3 but must be square")
    }

    func testEmptyMatrixIsAUsageError() {
        assertUsageError(["spectral", "power", "--matrix", ""], mentions: "the matrix is empty")
    }

    func testNonNumericEntryIsAUsageErrorNamingRowAndValue() {
        assertUsageError(["spectral", "eig", "--matrix", "1,2;3,abc"], mentions: "row 2, entry 2: 'abc' is not a number")
    }

    func testNaNAndInfinityAreUsageErrors() {
        assertUsageError(["spectral", "eig", "--matrix", "nan,0;0,1"], mentions: "row 1, entry 1: 'nan' is not finite")
        assertUsageError(["spectral", "regimes", "--matrix", "1,0;0,inf"], mentions: "row 2, entry 2: 'inf' is not finite")
    }

    func testRaggedRowsAreAUsageError() {
        assertUsageError(["spectral", "rnn", "--matrix", "1,2;3"], mentions: "row 2 has 1 entries but row 1 has 2")
    }

    func testBadMatrixFileNamesTheFileAndLine() throws {
        let folder = try temporaryFolder()
        let path = folder.appendingPathComponent("bad.txt").path
        try "1 2\n\n# comment\n3 x\n".write(toFile: path, atomically: true, encoding: .utf8)
        assertUsageError(["spectral", "eig", "--matrix-file", path], mentions: "bad.txt line 4: row 2, entry 2: 'x' is not a number")
        assertUsageError(["spectral", "eig", "--matrix-file", folder.appendingPathComponent("missing.txt").path], mentions: "no such file")
    }

    func testConflictingAndOutOfRangeOptionsAreUsageErrors() {
        assertUsageError(["spectral", "eig", "--matrix", "1", "--matrix-file", "w.txt"], mentions: "not both")
        assertUsageError(["spectral", "power", "--n", "-1"], mentions: "--n")
        assertUsageError(["spectral", "power", "--plot", "out.png"], mentions: "ending in .svg")
        assertUsageError(["spectral", "power", "--plot", "/nonexistent-folder-xyz/out.svg"], mentions: "does not exist")
        let big = Array(repeating: Array(repeating: "0", count: 33).joined(separator: ","), count: 33).joined(separator: ";")
        assertUsageError(["spectral", "rnn", "--matrix", big], mentions: "at most 32×32")
        let huge = Array(repeating: Array(repeating: "0", count: 201).joined(separator: ","), count: 201).joined(separator: ";")
        assertUsageError(["spectral", "eig", "--matrix", huge], mentions: "at most 200×200")
    }

    func testHelpListsTheSubcommandsAndOptions() {
        let r = runCLI(["spectral", "--help"])
        XCTAssertEqual(r.status, 0)
        for word in ["eig", "power", "regimes", "rnn"] { XCTAssertTrue(r.out.contains(word), word) }
        let p = runCLI(["spectral", "power", "--help"])
        for option in ["--matrix", "--matrix-file", "--n", "--plot", "--json"] { XCTAssertTrue(p.out.contains(option), option) }
    }
}
