import Foundation
import WorkbenchCLI
import XCTest

/// The result of one CLI invocation.
struct CLIResult {
    let status: Int32
    let out: String
    let err: String
}

/// Runs the CLI in-process with captured output.
func runCLI(_ arguments: [String]) -> CLIResult {
    var out = "", err = ""
    let console = Console(out: { out += $0 }, err: { err += $0 })
    let status = Workbench.main(arguments: arguments, console: console)
    return CLIResult(status: status, out: out, err: err)
}

/// The built `workbench` executable next to the test bundle.
func workbenchExecutable() -> URL? {
    var dir = Bundle.main.bundleURL
    for _ in 0..<3 {
        let candidate = dir.appendingPathComponent("workbench")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return nil
}

/// Asserts a usage error: exit status 2, one line on standard error, nothing on standard output.
func assertUsageError(_ arguments: [String], mentions: String, file: StaticString = #filePath, line: UInt = #line) {
    let r = runCLI(arguments)
    XCTAssertEqual(r.status, 2, "\(arguments): \(r.err)", file: file, line: line)
    XCTAssertEqual(r.err.split(separator: "\n").count, 1, "expected a one-line error, got: \(r.err)", file: file, line: line)
    XCTAssertTrue(r.err.hasPrefix("error: "), r.err, file: file, line: line)
    XCTAssertTrue(r.err.contains(mentions), "error should mention '\(mentions)': \(r.err)", file: file, line: line)
    XCTAssertEqual(r.out, "", file: file, line: line)
}

/// Splits a command line like a shell: spaces separate words, single or double quotes group them.
func shellWords(_ line: String) -> [String] {
    var words: [String] = [], current = "", quote: Character?, inWord = false
    for ch in line {
        if let q = quote {
            if ch == q { quote = nil } else { current.append(ch) }
        } else if ch == "'" || ch == "\"" {
            quote = ch; inWord = true
        } else if ch == " " {
            if inWord { words.append(current); current = ""; inWord = false }
        } else {
            current.append(ch); inWord = true
        }
    }
    if inWord { words.append(current) }
    return words
}
