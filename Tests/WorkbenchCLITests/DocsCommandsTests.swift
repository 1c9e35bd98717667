// Every `workbench` command shown in README.md and docs/*.md runs as written and succeeds.
//
// Commands inside ```sh blocks that start with `swift run -c release workbench`,
// `swift run workbench` or `workbench` are run in-process (in a temporary directory, so files they write go there).
// A command whose comment says it needs something absent here (`# needs the corpus`,
// `# needs torch`) is skipped when that thing is missing; one marked `# exits 2` must fail
// with a usage error. Any other `# needs …` (torch, a trained checkpoint) is shown, not run.

import XCTest
import Foundation
import WorkbenchCLI

final class DocsCommandsTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A workbench invocation, or (when `shell` is true) a `printf … > FILE` line that prepares
    /// a file for the commands after it.
    struct DocCommand { let file: String; let line: String; let arguments: [String]; let comment: String; var shell = false }

    static func commands() throws -> [DocCommand] {
        let docs = packageRoot.appendingPathComponent("docs")
        var files = [packageRoot.appendingPathComponent("README.md")]
        files += try FileManager.default.contentsOfDirectory(at: docs, includingPropertiesForKeys: nil).filter { $0.pathExtension == "md" }
        var found: [DocCommand] = []
        for file in files {
            var inShell = false
            for raw in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("```") { inShell = line == "```sh" || line == "```bash"; continue }
                guard inShell else { continue }
                if line.hasPrefix("printf ") && line.contains(" > ") {
                    found.append(DocCommand(file: file.lastPathComponent, line: line, arguments: [], comment: "", shell: true))
                    continue
                }
                var command = line, comment = ""
                if let hash = line.range(of: " #") { command = String(line[..<hash.lowerBound]); comment = String(line[hash.upperBound...]) }
                for prefix in ["swift run -c release workbench", "swift run workbench", "workbench"] where command.hasPrefix(prefix + " ") || command == prefix {
                    let rest = String(command.dropFirst(prefix.count))
                    found.append(DocCommand(file: file.lastPathComponent, line: line, arguments: shellWords(rest), comment: comment))
                    break
                }
            }
        }
        return found
    }

    func testEveryDocumentedCommandWorks() throws {
        let commands = try Self.commands()
        XCTAssertGreaterThan(commands.count, 10)
        let corpusPresent = FileManager.default.fileExists(atPath: Self.packageRoot.appendingPathComponent("../shared/data/subset_poems.txt").path)
            || ProcessInfo.processInfo.environment["WORKBENCH_CORPUS"] != nil
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-docs-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(work.path)
        defer { FileManager.default.changeCurrentDirectoryPath(previous); try? FileManager.default.removeItem(at: work) }
        var seen = Set<[String]>()
        for c in commands where c.shell || seen.insert(c.arguments).inserted {
            if c.shell {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/bin/sh")
                p.arguments = ["-c", c.line]
                p.currentDirectoryURL = work
                try p.run()
                p.waitUntilExit()
                XCTAssertEqual(p.terminationStatus, 0, "\(c.file): `\(c.line)`")
                continue
            }
            if c.comment.contains("needs the corpus") && !corpusPresent { continue }
            if c.comment.contains("needs") && !c.comment.contains("needs the corpus") { continue }   // torch, a trained checkpoint
            if c.arguments.contains("train") || c.arguments.contains("bench") { continue }   // long jobs: benchmarks, not tests
            let r = runCLI(c.arguments)
            if c.comment.contains("exits 2") {
                XCTAssertEqual(r.status, 2, "\(c.file): \(c.line)")
            } else {
                XCTAssertEqual(r.status, 0, "\(c.file): `\(c.line)` failed: \(r.err)")
            }
        }
    }
}
