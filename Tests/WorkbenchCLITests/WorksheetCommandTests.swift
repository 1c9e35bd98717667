// WorksheetCommandTests.swift — `workbench check FILE.grad`: exit statuses, the text and JSON
// reports, --all-instances, --seed, and the usage errors of mixing suite and worksheet options.

import Foundation
import WorkbenchCLI
import XCTest

final class WorksheetCommandTests: XCTestCase {
    static let example = """
        # NNDL (6.40)/(6.41) for a tanh RNN with squared loss on every step
        size H = 4, D = 3, T = 5
        param U[H,H], W[H,D], b[H]
        input x[t][D] for t = 1..T
        input y[t][H] for t = 1..T
        input h[0][H]
        W = [0.5, -0.2, 0.1; 0.3, 0.8, -0.4; 0.0, 0.2, 0.6; -0.1, 0.4, 0.9]

        z[t] = U @ h[t-1] + W @ x[t] + b            for t = 1..T
        h[t] = tanh(z[t])                           for t = 1..T
        L[t] = 0.5 * sum((h[t] - y[t])^2)           for t = 1..T
        L = sum(t = 1..T, L[t])

        let delta[t,k] = (1 - h[t]^2) * (h[t] - y[t])         for t = 1..T, k = t
        let delta[t,k] = (1 - h[k]^2) * (U' @ delta[t,k+1])   for t = 1..T, k = 1..t-1

        claim dL[t]/dz[k] = delta[t,k]                        for t = 1..T, k = 1..t
        claim dL/dW = sum(t = 1..T, sum(k = 1..t, delta[t,k] @ x[k]'))
        claim dL/db = sum(t = 1..T, sum(k = 1..t, delta[t,k]))
        claim dL[t]/dU[i,j] = sum(k = 1..t, delta[t,k][i] * h[k-1][j])   for t = 1..T, i = 1..H, j = 1..H
        claim dh[t]/dh[t-1] = diag(1 - h[t]^2) @ U            for t = 1..T

        """

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("worksheet-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func write(_ text: String, _ name: String = "sheet.grad") throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func testAWorksheetThatHoldsExitsZeroWithOneRowPerClaim() throws {
        let path = try write(Self.example)
        let r = runCLI(["check", path])
        XCTAssertEqual(r.status, 0, r.out + r.err)
        XCTAssertEqual(r.err, "")
        for fragment in [
            "line  claim", "instances", "max rel err", "autodiff vs fd", "dL[t]/dz[k] = delta[t,k]", "≤ 1e-10",
            "5 of 5 claims hold — verdict: pass",
        ] {
            XCTAssertTrue(r.out.contains(fragment), "missing '\(fragment)' in\n\(r.out)")
        }
    }

    func testAFailedClaimExitsOneWithItsDiagnosisAndWorstEntries() throws {
        let path = try write(Self.example + "claim dL/dW = sum(t = 1..T, delta[t,t] @ x[t]')\n")
        let r = runCLI(["check", path])
        XCTAssertEqual(r.status, 1, r.out + r.err)
        XCTAssertTrue(r.out.contains("fail (dropped-dependence)"), r.out)
        XCTAssertTrue(r.out.contains("diagnosis (dropped-dependence): the claim leaves out the dependence of z[t] on h[t-1]"), r.out)
        XCTAssertTrue(r.out.contains("worst entries (row, column): ("), r.out)
        XCTAssertTrue(r.out.contains("5 of 6 claims hold — verdict: fail"), r.out)
    }

    func testJSONIsTheStableForm() throws {
        let path = try write(Self.example + "claim dL/db = 2 * sum(t = 1..T, sum(k = 1..t, delta[t,k]))\n")
        let r = runCLI(["check", path, "--json", "--seed", "3"])
        XCTAssertEqual(r.status, 1)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["verdict", "seed", "claims"])
        XCTAssertEqual(object["seed"] as? Int, 3)
        XCTAssertEqual(object["verdict"] as? String, "fail")
        let claims = try XCTUnwrap(object["claims"] as? [[String: Any]])
        XCTAssertEqual(claims.map { $0["line"] as? Int }, [17, 18, 19, 20, 21, 22])
        XCTAssertEqual(claims.map { $0["instances"] as? Int }, [15, 1, 1, 80, 5, 1])
        for c in claims { XCTAssertEqual(Set(c.keys), ["line", "text", "instances", "verdict", "max_rel_error", "diagnosis"]) }
        let scale = try XCTUnwrap(claims.last?["diagnosis"] as? [String: Any])
        XCTAssertEqual(scale["kind"] as? String, "scale")
        XCTAssertTrue((scale["detail"] as? String)?.contains("2 times") == true)
    }

    func testAllInstances() throws {
        let path = try write(Self.example)
        let r = runCLI(["check", path, "--all-instances"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.out.contains("every instance:"), r.out)
        XCTAssertTrue(r.out.contains("t = 5, k = 5: max rel err"), r.out)
        XCTAssertTrue(r.out.contains("t = 5, i = 4, j = 4: max rel err"), r.out)
        let json = runCLI(["check", path, "--all-instances", "--json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let claims = try XCTUnwrap(object["claims"] as? [[String: Any]])
        XCTAssertEqual((claims[0]["instance_results"] as? [Any])?.count, 15)
    }

    func testAMalformedWorksheetExitsTwoWithLineColumnAndCaret() throws {
        let path = try write("size H = 4, D = 3\nparam U[H,H]\ninput x[D]\nz = U @ x\n", "bad.grad")
        let r = runCLI(["check", path])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.out, "")
        let lines = r.err.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, r.err)
        XCTAssertTrue(lines[0].hasPrefix("error: \(path), line 4, column 5: `U @ x` multiplies 4×4 by 3×1"), lines[0])
        XCTAssertEqual(lines[1], "    4 | z = U @ x")
        XCTAssertEqual(lines[2], "      |     ^~~~~")
    }

    func testSuiteOptionsAndWorksheetOptionsDoNotMix() throws {
        let path = try write(Self.example)
        assertUsageError(["check", path, "--max-steps", "3"], mentions: "--max-steps")
        assertUsageError(["check", path, "--family", "rnn"], mentions: "--family")
        assertUsageError(["check", "--all-instances"], mentions: "--all-instances")
        assertUsageError(["check", "--max-steps", "3", "--all-instances"], mentions: "applies to a worksheet")
    }

    func testAWordThatIsNeitherASubcommandNorAFile() throws {
        assertUsageError(["check", "rnm"], mentions: "did you mean 'rnn'?")
        assertUsageError(
            ["check", "nosuch.grad"], mentions: "neither a subcommand of 'workbench check' (rnn, lstm, formula) nor an existing file")
        assertUsageError(["check", directory.path], mentions: "is a directory")
        XCTAssertEqual(runCLI(["check", "rnn", "--steps", "2"]).status, 0, "a subcommand still wins")
    }

    func testHelpNamesTheWorksheetForm() {
        let r = runCLI(["check", "--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.out.contains("<worksheet>"))
        XCTAssertTrue(r.out.contains("--all-instances"))
        XCTAssertTrue(r.out.contains("FILE.grad"))
    }
}
