import XCTest
@testable import Worksheet

final class SmokeTests: XCTestCase {
    func testExample() throws {
        let url = Bundle.module.url(forResource: "nndl-rnn", withExtension: "grad", subdirectory: "Fixtures")!
        let sheet = try Worksheet(contentsOf: url.path)
        let report = try sheet.check()
        for c in report.claims {
            print(c.line, c.text, c.instances, c.verdict, c.maxRelativeError, c.diagnosis as Any, c.finiteDifferences, c.toolFault as Any)
        }
    }
}
