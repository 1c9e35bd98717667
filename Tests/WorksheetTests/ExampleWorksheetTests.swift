// ExampleWorksheetTests.swift — the worksheet of issue 9 (NNDL (6.40)/(6.41) for a tanh RNN):
// every claim holds, the JSON is the stable one, and the same path turns to "fail" when one
// ingredient of a claim is wrong.

import Foundation
import XCTest

@testable import Worksheet

final class ExampleWorksheetTests: XCTestCase {
    func testTheIssueWorksheetPassesEntirely() throws {
        let sheet = try Worksheet(contentsOf: Fixture.path("nndl-rnn"))
        XCTAssertEqual(sheet.claimCount, 5)
        let report = try sheet.check()
        XCTAssertEqual(report.verdict, .pass)
        XCTAssertEqual(report.seed, 0)
        // T = 5, H = 4: dL[t]/dz[k] for k ≤ t has 15 instances, dL[t]/dU[i,j] 5·4·4.
        XCTAssertEqual(report.claims.map(\.line), [17, 18, 19, 20, 21])
        XCTAssertEqual(report.claims.map(\.instances), [15, 1, 1, 80, 5])
        for c in report.claims {
            XCTAssertEqual(c.verdict, .pass, "line \(c.line): \(c.text) max rel \(c.maxRelativeError)")
            XCTAssertLessThanOrEqual(c.maxRelativeError, 1e-10)
            XCTAssertNil(c.diagnosis)
            XCTAssertNil(c.toolFault)
            XCTAssertEqual(c.finiteDifferences.verdict, .pass, "line \(c.line)")
            XCTAssertGreaterThan(c.finiteDifferences.instances, 0)
        }
        XCTAssertEqual(report.claims[0].text, "dL[t]/dz[k] = delta[t,k] for t = 1..T, k = 1..t")
    }

    func testAWrongIngredientTurnsTheVerdict() throws {
        // U' replaced by U in the δ recursion: the same claims, computed the same way, now fail.
        let wrong = Fixture.text("nndl-rnn").replacingOccurrences(of: "(U' @ delta[t,k+1])", with: "(U @ delta[t,k+1])")
        XCTAssertNotEqual(wrong, Fixture.text("nndl-rnn"))
        let report = try checkWorksheet(wrong)
        XCTAssertEqual(report.verdict, .fail)
        XCTAssertEqual(report.claim(line: 17)?.verdict, .fail)
        XCTAssertEqual(report.claim(line: 21)?.verdict, .pass, "dh[t]/dh[t-1] does not use δ")
        // Another seed draws other values; the right worksheet holds for it too.
        let other = try Worksheet(contentsOf: Fixture.path("nndl-rnn")).check(WorksheetCheckOptions(seed: 7))
        XCTAssertEqual(other.verdict, .pass)
        XCTAssertEqual(other.seed, 7)
    }

    func testStableJSON() throws {
        let report = try checkWorksheet(Fixture.text("nndl-rnn") + "claim dL/db = -sum(t = 1..T, sum(k = 1..t, delta[t,k]))\n")
        let encoder = JSONEncoder()
        let object = try JSONSerialization.jsonObject(with: try encoder.encode(report)) as? [String: Any]
        XCTAssertEqual(Set(object?.keys.map { $0 } ?? []), ["verdict", "seed", "claims"])
        XCTAssertEqual(object?["verdict"] as? String, "fail")
        XCTAssertEqual(object?["seed"] as? Int, 0)
        let claims = try XCTUnwrap(object?["claims"] as? [[String: Any]])
        XCTAssertEqual(claims.count, 6)
        for c in claims {
            XCTAssertEqual(Set(c.keys), ["line", "text", "instances", "verdict", "max_rel_error", "diagnosis"])
        }
        XCTAssertTrue(claims[0]["diagnosis"] is NSNull)
        XCTAssertEqual(claims[0]["verdict"] as? String, "pass")
        let last = try XCTUnwrap(claims.last)
        XCTAssertEqual(last["verdict"] as? String, "fail")
        XCTAssertEqual(last["line"] as? Int, 22)
        let diagnosis = try XCTUnwrap(last["diagnosis"] as? [String: Any])
        XCTAssertEqual(Set(diagnosis.keys), ["kind", "detail"])
        XCTAssertEqual(diagnosis["kind"] as? String, "sign")
        // The value decodes back.
        let decoded = try JSONDecoder().decode(WorksheetReport.self, from: try encoder.encode(report))
        XCTAssertEqual(decoded.claims.map(\.verdict), report.claims.map(\.verdict))
        XCTAssertEqual(decoded.claims.last?.diagnosis?.kind, .sign)
    }

    func testAllInstancesAreReportedWhenAsked() throws {
        let report = try checkWorksheet(Fixture.text("nndl-rnn"), allInstances: true)
        let first = try XCTUnwrap(report.claims.first?.allInstances)
        XCTAssertEqual(first.count, 15)
        XCTAssertEqual(first[0].indices, [IndexValue(name: "t", value: 1), IndexValue(name: "k", value: 1)])
        XCTAssertEqual(first.last?.label, "t = 5, k = 5")
        let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(report)) as? [String: Any]
        let claims = try XCTUnwrap(object?["claims"] as? [[String: Any]])
        XCTAssertEqual((claims[0]["instance_results"] as? [Any])?.count, 15)
        // Without the option the per-instance list is absent.
        XCTAssertNil(try checkWorksheet(Fixture.text("nndl-rnn")).claims[0].allInstances)
    }
}
