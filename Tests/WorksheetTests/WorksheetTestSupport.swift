// WorksheetTestSupport.swift — fixtures and helpers shared by the worksheet tests.

import XCTest

@testable import Worksheet

/// The worksheets under Tests/WorksheetTests/Fixtures.
enum Fixture {
    static func path(_ name: String) -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: "grad", subdirectory: "Fixtures") else {
            fatalError("missing fixture \(name).grad")
        }
        return url.path
    }

    static func text(_ name: String) -> String {
        (try? String(contentsOfFile: path(name), encoding: .utf8)) ?? ""
    }
}

/// Checks a worksheet's text; every claim that holds must carry no diagnosis, and every failed
/// claim one (unless the tool itself is at fault).
func checkWorksheet(
    _ text: String, seed: UInt64 = 0, allInstances: Bool = false,
    file: StaticString = #filePath, line: UInt = #line
) throws -> WorksheetReport {
    let report = try Worksheet(text: text, name: "test.grad").check(WorksheetCheckOptions(seed: seed, allInstances: allInstances))
    for c in report.claims {
        if c.verdict == .pass {
            XCTAssertNil(c.diagnosis, "a claim that holds got a diagnosis: line \(c.line) \(c.text)", file: file, line: line)
        } else if c.toolFault == nil {
            XCTAssertNotNil(c.diagnosis, "a failed claim has no diagnosis: line \(c.line) \(c.text)", file: file, line: line)
        }
    }
    return report
}

extension WorksheetReport {
    /// The claim that starts on `line`.
    func claim(line: Int) -> ClaimReport? { claims.first { $0.line == line } }

    /// The claims added after the model: the last `count` claims.
    func last(_ count: Int) -> ArraySlice<ClaimReport> { claims.suffix(count) }
}

/// The static error of a worksheet, or nil when it is valid.
func staticError(_ text: String) -> WorksheetError? {
    do {
        _ = try Worksheet(text: text, name: "bad.grad")
        return nil
    } catch let error as WorksheetError {
        return error
    } catch {
        XCTFail("not a WorksheetError: \(error)")
        return nil
    }
}

/// Asserts that `text` is refused before evaluation with `kind` at `line`:`column`.
func assertStaticError(
    _ text: String, _ kind: WorksheetError.Kind, line: Int, column: Int, mentions: String? = nil,
    file: StaticString = #filePath, at testLine: UInt = #line
) {
    guard let error = staticError(text) else {
        XCTFail("expected a \(kind.rawValue) error, the worksheet was accepted", file: file, line: testLine)
        return
    }
    XCTAssertEqual(error.kind, kind, error.description, file: file, line: testLine)
    XCTAssertEqual(error.line, line, error.description, file: file, line: testLine)
    XCTAssertEqual(error.column, column, error.description, file: file, line: testLine)
    XCTAssertEqual(error.exitStatus, 2, file: file, line: testLine)
    if let mentions {
        XCTAssertTrue(
            error.message.contains(mentions), "message should mention '\(mentions)': \(error.message)", file: file, line: testLine)
    }
}
