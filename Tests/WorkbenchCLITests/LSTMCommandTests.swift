// LSTMCommandTests.swift — end-to-end tests of `workbench lstm …` and `workbench check lstm`:
// output, JSON, help text, exit codes and the atomic plot file.

import Foundation
import XCTest

@testable import WorkbenchCLI

final class LSTMCommandTests: XCTestCase {
    /// Runs the CLI; returns (exit status, stdout, stderr).
    func run(_ arguments: [String]) -> (Int32, String, String) {
        var out = "", err = ""
        let console = Console(out: { out += $0 }, err: { err += $0 })
        let status = Workbench.main(arguments: arguments, console: console)
        return (status, out, err)
    }

    func testCellStateWithForgetOneInputZeroPrintsIdentityDeviationZero() {
        let (status, out, err) = run(["lstm", "cell-state", "--forget", "1", "--input", "0", "--steps", "4"])
        XCTAssertEqual(status, 0, err)
        XCTAssertTrue(out.contains("max deviation from the identity:      0"), out)
        XCTAssertTrue(out.contains("other forced settings"), out)
    }

    func testCellStateMatricesAreIdentityWhenForgetIsOneAndInputZero() throws {
        let (status, out, _) = run(["lstm", "cell-state", "--steps", "2", "--hidden", "2", "--matrices"])
        XCTAssertEqual(status, 0)
        XCTAssertTrue(out.contains("∂C_2/∂C_0 =\n[1.000000  0.000000]\n[0.000000  1.000000]"), out)
        let (_, json, _) = run(["lstm", "cell-state", "--steps", "2", "--hidden", "2", "--matrices", "--json"])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual((object["jacobians"] as? [[Any]])?.map(\.count), [1, 2, 3])
    }

    func testCellStateJSONReportsDeviationBelowOneInATrillion() throws {
        let (status, out, _) = run(["lstm", "cell-state", "--steps", "5", "--hidden", "3", "--json"])
        XCTAssertEqual(status, 0)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        XCTAssertLessThanOrEqual(try XCTUnwrap(json["maxDeviationFromIdentity"] as? Double), 1e-12)
        XCTAssertEqual((json["rows"] as? [Any])?.count, 21)
    }

    func testGatesJacobianAndLagPrintTheirTables() {
        let (s1, gates, _) = run(["lstm", "gates", "--trials", "10", "--steps", "5"])
        XCTAssertEqual(s1, 0)
        XCTAssertTrue(gates.contains("f (forget gate f_t)") && gates.contains("yes") && gates.contains("no"), gates)
        let (s2, jac, _) = run(["lstm", "jacobian", "--steps", "6", "--hidden", "3", "--forget-bias", "1"])
        XCTAssertEqual(s2, 0)
        XCTAssertTrue(jac.contains("‖Π diag f‖_F"), jac)
        let (s3, lag, _) = run(["lstm", "lag", "--steps", "8", "--hidden", "6", "--batch", "2"])
        XCTAssertEqual(s3, 0)
        XCTAssertTrue(lag.contains("decay rate per step") && lag.contains("LSTM b_f=3"), lag)
    }

    func testLagPlotIsWrittenAsCompleteSVGWithNoTemporaryFilesLeft() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lstm-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("lag.svg").path
        let (status, out, err) = run(["lstm", "lag", "--steps", "6", "--hidden", "4", "--batch", "1", "--plot", path])
        XCTAssertEqual(status, 0, err)
        XCTAssertTrue(out.contains("plot written to"), out)
        let svg = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<?xml") && svg.contains("<svg"), String(svg.prefix(60)))
        XCTAssertTrue(svg.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</svg>"), String(svg.suffix(40)))
        XCTAssertTrue(svg.contains("LSTM b_f=3"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["lag.svg"])
    }

    /// The README's command works every time, not every second time: an existing plot is replaced.
    func testPlotOverAnExistingFileReplacesIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lstm-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("again.svg").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        for _ in 0..<2 {
            let (status, _, err) = run(["lstm", "lag", "--steps", "3", "--hidden", "2", "--batch", "1", "--plot", path])
            XCTAssertEqual(status, 0, err)
            XCTAssertTrue(try String(contentsOfFile: path, encoding: .utf8).contains("<svg"))
        }
    }

    func testPlotIntoMissingFolderFailsBeforeAnyWorkWithOneLine() {
        let (status, out, err) = run(["lstm", "lag", "--steps", "3", "--plot", "/nonexistent-folder-xyz/lag.svg"])
        XCTAssertEqual(status, 2)
        XCTAssertEqual(out, "")
        XCTAssertTrue(err.hasPrefix("error: option --plot: folder '/nonexistent-folder-xyz' does not exist"), err)
        XCTAssertEqual(err.filter { $0 == "\n" }.count, 1)
    }

    func testBadValuesExitTwoWithOneLineNamingTheOption() {
        let cases: [([String], String)] = [
            (["lstm", "cell-state", "--forget", "2"], "--forget"),
            (["lstm", "cell-state", "--input", "abc"], "--input"),
            (["lstm", "cell-state", "--steps", "0"], "--steps"),
            (["lstm", "gates", "--hidden", "-3"], "--hidden"),
            (["lstm", "jacobian", "--forget-bias", "nan"], "--forget-bias"),
            (["lstm", "lag", "--seed", "-1"], "--seed"),
            (["lstm", "lag", "--bogus"], "--bogus"),
            (["check", "lstm", "--loss", "hinge"], "--loss"),
            (["lstm", "wat"], "wat"),
        ]
        for (args, name) in cases {
            let (status, out, err) = run(args)
            XCTAssertEqual(status, 2, "\(args): \(err)")
            XCTAssertEqual(out, "", "\(args)")
            XCTAssertTrue(err.hasPrefix("error:") && err.contains(name), "\(args): \(err)")
            XCTAssertEqual(err.filter { $0 == "\n" }.count, 1, "\(args): \(err)")
        }
    }

    func testHelpListsEveryOption() {
        let (status, out, _) = run(["lstm", "cell-state", "--help"])
        XCTAssertEqual(status, 0)
        for option in ["--forget", "--input", "--steps", "--hidden", "--seed", "--json"] {
            XCTAssertTrue(out.contains(option), option)
        }
        let (_, group, _) = run(["lstm", "--help"])
        for sub in ["cell-state", "gates", "jacobian", "lag"] { XCTAssertTrue(group.contains(sub), sub) }
    }

    func testCheckLSTMPassesAndCheckSuiteHasLSTMRows() throws {
        let (status, out, err) = run(["check", "lstm", "--layers", "1", "--steps", "3", "--json"])
        XCTAssertEqual(status, 0, err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        XCTAssertEqual(json["passed"] as? Bool, true)
        let (s2, suite, _) = run(["check", "--family", "lstm", "--max-steps", "2"])
        XCTAssertEqual(s2, 0, suite)
        XCTAssertTrue(suite.contains("hand BPTT vs autodiff") && suite.contains("exercise 3c") && suite.contains("caught"), suite)
    }
}
