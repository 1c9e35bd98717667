import Foundation
import WorkbenchCLI
import XCTest

final class CheckCommandTests: XCTestCase {
    func testHelpEverywhere() {
        for args in [
            ["--help"], ["check", "--help"], ["check", "rnn", "--help"], ["check", "formula", "--help"], ["check", "rnn", "-h"],
        ] {
            let r = runCLI(args)
            XCTAssertEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.out.contains("OVERVIEW:"), "\(args)")
            XCTAssertTrue(r.out.contains("USAGE: workbench"), "\(args)")
        }
        XCTAssertTrue(runCLI(["check", "rnn", "--help"]).out.contains("--activation"))
        XCTAssertTrue(runCLI([]).out.contains("SUBCOMMANDS:"))
    }

    func testCheckSuitePassesAndCatchesTruncatedBPTT() throws {
        let r = runCLI(["check", "--max-steps", "4"])
        XCTAssertEqual(r.status, 0, r.out)
        XCTAssertTrue(r.out.contains("textbook double sum vs autodiff"))
        XCTAssertTrue(r.out.contains("truncated BPTT"))
        XCTAssertTrue(r.out.contains("caught"))
        XCTAssertTrue(r.out.contains("verdict: pass"))

        let json = runCLI(["check", "--max-steps", "3", "--json"])
        XCTAssertEqual(json.status, 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        let rows = try XCTUnwrap(object?["rows"] as? [[String: Any]])
        XCTAssertGreaterThan(rows.count, 30)
        XCTAssertTrue(rows.contains { ($0["verdict"] as? String) == "caught" })
    }

    func testCheckRNNReportsEveryComparisonAndTheTruncatedFailure() throws {
        let r = runCLI(["check", "rnn", "--activation", "sigmoid", "--loss", "softmax", "--steps", "5", "--delta", "5,2"])
        XCTAssertEqual(r.status, 0, r.out + r.err)
        for fragment in [
            "textbook vs autodiff", "O(T) vs double sum", "textbook vs finite differences",
            "autodiff vs finite differences", "truncated BPTT", "→ caught", "δ_{5,2}", "formula (6.31)",
        ] {
            XCTAssertTrue(r.out.contains(fragment), "missing '\(fragment)'")
        }
        let directional = runCLI(["check", "rnn", "--steps", "6", "--directions", "2"])
        XCTAssertEqual(directional.status, 0)
        XCTAssertTrue(directional.out.contains("directional check"))
        assertUsageError(["check", "rnn", "--directions", "-1"], mentions: "--directions")
        let json = runCLI(["check", "rnn", "--steps", "3", "--json", "--zero-initial-state"])
        XCTAssertEqual(json.status, 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        XCTAssertEqual(object?["passed"] as? Bool, true)
    }

    func testFormulaCommands() throws {
        let f631 = runCLI(["check", "formula", "6.31", "--i", "2", "--j", "3", "--steps", "4"])
        XCTAssertEqual(f631.status, 0, f631.err)
        XCTAssertTrue(f631.out.contains("u_23"))
        XCTAssertTrue(f631.out.contains("forward recursion"))
        for f in ["6.39", "6.40", "6.41"] {
            let r = runCLI(["check", "formula", f, "--steps", "3", "--activation", "relu"])
            XCTAssertEqual(r.status, 0, "\(f): \(r.err)")
            XCTAssertTrue(r.out.contains("(\(f))"))
            XCTAssertTrue(r.out.contains("right side, the double sum"))
        }
        let json = runCLI(["check", "formula", "6.40", "--json"])
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(json.out.utf8)))
    }

    func testMalformedOptionsGiveOneLineErrorAndStatus2() {
        assertUsageError(["check", "rnn", "--activation", "softplus"], mentions: "softplus")
        assertUsageError(["check", "rnn", "--hidden", "-3"], mentions: "--hidden")
        assertUsageError(["check", "rnn", "--steps", "0"], mentions: "--steps")
        assertUsageError(["check", "rnn", "--steps", "many"], mentions: "many")
        assertUsageError(["check", "rnn", "--input", "-1"], mentions: "--input")
        assertUsageError(["check", "rnn", "--loss", "hinge"], mentions: "hinge")
        assertUsageError(["check", "rnn", "--seed", "-5"], mentions: "--seed")
        assertUsageError(["check", "rnn", "--bogus"], mentions: "--bogus")
        assertUsageError(["check", "rnn", "--steps"], mentions: "--steps")
        assertUsageError(["check", "rnn", "--delta", "3,4", "--steps", "3"], mentions: "δ_{t,k}")
        assertUsageError(["check", "formula", "6.31", "--i", "9"], mentions: "--i")
        assertUsageError(["check", "formula", "6.31", "--j", "0", "--hidden", "3"], mentions: "--j")
        assertUsageError(["check", "formula", "6.99"], mentions: "6.99")
        assertUsageError(["check", "formula"], mentions: "which formula")
        assertUsageError(["check", "nonsense"], mentions: "nonsense")
        assertUsageError(["frobnicate"], mentions: "frobnicate")
        assertUsageError(["check", "--family", "gru"], mentions: "gru")
        // Settings whose cost is out of proportion are refused up front, with the way out.
        assertUsageError(["check", "rnn", "--steps", "1000", "--hidden", "256"], mentions: "T·H ≤ 64000")
        assertUsageError(["check", "formula", "6.40", "--steps", "500", "--hidden", "200"], mentions: "T·H ≤ 64000")
        assertUsageError(["check", "--max-steps", "101"], mentions: "--max-steps")
        assertUsageError(["check", "formula", "6.39", "--steps", "250", "--hidden", "256"], mentions: "T·H²")
    }

    func testALargeCheckProbesASampleAndSaysSo() throws {
        let r = runCLI(["check", "rnn", "--hidden", "64", "--steps", "2"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("64×64, FD on "), r.out)
        XCTAssertTrue(r.err.isEmpty, "no progress line when standard error is not a terminal: \(r.err)")
    }

    func testBuiltExecutableExitCodes() throws {
        guard let exe = workbenchExecutable() else {
            return XCTFail("the workbench executable was not found next to the test bundle")
        }
        func run(_ args: [String]) throws -> (Int32, String) {
            let p = Process()
            p.executableURL = exe
            p.arguments = args
            let errPipe = Pipe()
            p.standardError = errPipe
            p.standardOutput = Pipe()
            try p.run()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        let (ok, _) = try run(["check", "rnn", "--steps", "2"])
        XCTAssertEqual(ok, 0)
        let (bad, message) = try run(["check", "rnn", "--activation", "nope"])
        XCTAssertEqual(bad, 2)
        XCTAssertTrue(message.contains("nope"))
    }
}
