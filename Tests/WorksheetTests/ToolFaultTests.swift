// ToolFaultTests.swift — when the workbench's own derivative disagrees with finite differences,
// the claim is not blamed: the report names a fault of the tool.

import XCTest
@testable import Worksheet

final class ToolFaultTests: XCTestCase {
    func testADisagreementWithFiniteDifferencesIsReportedAsAToolFault() throws {
        var sheet = try Worksheet(text: Fixture.text("nndl-rnn"))
        // The same worksheet and path: without the fault every claim holds and finite differences agree.
        let clean = try sheet.check()
        XCTAssertEqual(clean.verdict, .pass)
        XCTAssertTrue(clean.claims.allSatisfy { $0.toolFault == nil && $0.finiteDifferences.verdict == .pass })

        // A wrong autodiff value (0.1% too large) fed through the same path.
        sheet.autodiffPerturbation = { $0 * 1.001 }
        let faulty = try sheet.check()
        XCTAssertEqual(faulty.verdict, .fail)
        for c in faulty.claims {
            XCTAssertEqual(c.verdict, .fail)
            XCTAssertNotNil(c.toolFault, c.text)
            XCTAssertTrue(c.toolFault?.contains("fault of the tool") == true)
            XCTAssertNil(c.diagnosis, "a fault of the tool is not the claim's mistake")
            XCTAssertEqual(c.finiteDifferences.verdict, .fail)
        }
        let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(faulty)) as? [String: Any]
        let claims = try XCTUnwrap(object?["claims"] as? [[String: Any]])
        XCTAssertNotNil(claims[0]["tool_fault"] as? String)
    }
}
