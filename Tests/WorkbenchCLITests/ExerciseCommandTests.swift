import Foundation
import WorkbenchCLI
import XCTest

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

    func testWorksheetExercisesAreListedAndShown() throws {
        let list = runCLI(["exercise", "list", "--json"])
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [[String: Any]])
        let sheets = rows.filter { $0["worksheet"] as? Bool == true }.compactMap { $0["id"] as? String }
        XCTAssertTrue(sheets.contains("hw5-1b") && sheets.contains("tanh-output-gradients"), "\(sheets)")
        XCTAssertFalse(sheets.contains("hw5-2c"))
        // `show` prints the worksheet exactly: it checks as a file, with its seed claims failing.
        let shown = runCLI(["exercise", "show", "hw5-1b"])
        XCTAssertEqual(shown.status, 0)
        XCTAssertTrue(shown.out.hasPrefix("# Homework 5, exercise 1 (b)"))
        XCTAssertTrue(shown.out.hasSuffix("\n") && !shown.out.hasSuffix("\n\n"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("shown-\(getpid()).grad").path
        try shown.out.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let check = runCLI(["check", path])
        XCTAssertEqual(check.status, 1)
        XCTAssertTrue(check.out.contains("fail (dropped-dependence)"))
        XCTAssertEqual(runCLI(["exercise", "show", "template"]).status, 0)
        XCTAssertTrue(runCLI(["exercise", "show", "gru"]).out.contains("gated recurrent unit (NNDL section 6.6)"))
        assertUsageError(["exercise", "show"], mentions: "which worksheet")
        assertUsageError(["exercise", "show", "hw5-1"], mentions: "did you mean 'hw5-1a'")
        assertUsageError(["exercise", "show", "hw5-2c"], mentions: "written as a program")
    }

    func testBadExerciseIdsAreUsageErrors() {
        assertUsageError(["exercise", "run", "hw9-9z"], mentions: "hw9-9z")
        assertUsageError(["exercise", "run"], mentions: "which exercise")
        assertUsageError(["exercise", "list", "extra"], mentions: "extra")
        XCTAssertEqual(runCLI(["exercise", "--help"]).status, 0)
        XCTAssertEqual(runCLI(["exercise", "run", "--help"]).status, 0)
    }
}
