import XCTest
import Foundation
import WorkbenchCLI

final class ExerciseCommandTests: XCTestCase {
    func testListAndRunAll() throws {
        let list = runCLI(["exercise", "list"])
        XCTAssertEqual(list.status, 0)
        XCTAssertTrue(list.out.contains("hw5-1b"))
        XCTAssertTrue(list.out.contains("verified"))

        let all = runCLI(["exercise", "run", "all"])
        XCTAssertEqual(all.status, 0, all.out)
        XCTAssertTrue(all.out.contains("ERRATUM"))
        XCTAssertTrue(all.out.contains("exercises verified"))

        let json = runCLI(["exercise", "run", "lab5-t2", "--json"])
        XCTAssertEqual(json.status, 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        XCTAssertEqual(object?["id"] as? String, "lab5-t2")
    }

    func testBadExerciseIdsAreUsageErrors() {
        assertUsageError(["exercise", "run", "hw9-9z"], mentions: "hw9-9z")
        assertUsageError(["exercise", "run"], mentions: "which exercise")
        assertUsageError(["exercise", "list", "extra"], mentions: "extra")
        XCTAssertEqual(runCLI(["exercise", "--help"]).status, 0)
        XCTAssertEqual(runCLI(["exercise", "run", "--help"]).status, 0)
    }
}
