// Every `workbench` command shown in README.md and docs/*.md runs as written and succeeds, and
// every output a page shows is the output the tool gives.
//
// Commands inside ```sh blocks that start with `swift run -c release workbench`,
// `swift run workbench` or `workbench` are run in-process (in a temporary directory, so files they write go there).
// A command whose comment says it needs something absent here (`# needs the corpus`,
// `# needs torch`) is skipped when that thing is missing; one marked `# exits N` must end with
// status N (a usage error is 2, a failed claim 1). Any other `# needs …` (torch, a trained
// checkpoint) is shown, not run. A command may end with `> FILE`: its output is written there.
//
// Two HTML comments give the block after them a role:
//   <!-- file: NAME -->                    the block is written to NAME, for the commands after it;
//   <!-- output of: workbench ARGS -->     the command is run there and then, and what it prints
//                                          (standard output, then standard error) must equal
//                                          the block, with two allowances for other platforms:
//                                          runs of blanks compare as one (tables align to the
//                                          width of their numbers), and numbers below 1e-6 in
//                                          size (rounding noise: 0, 4.4e-16, 2.5e-11) compare
//                                          equal, since their digits depend on the math library.
//                                          A line that is only `…` in the block stands for any
//                                          number of lines the page leaves out.
// Pages are read in order (README.md first, then docs/ by name) in one directory, so a file
// written by one step is there for the steps after it.

import Foundation
import WorkbenchCLI
import XCTest

final class DocsCommandsTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A workbench invocation, or (when `shell` is true) a `printf … > FILE` line that prepares
    /// a file for the commands after it.
    struct DocCommand { let file: String; let line: String; let arguments: [String]; let comment: String; var shell = false }

    /// One step of a page, in page order.
    enum Step {
        case command(DocCommand)
        /// A block written to a file.
        case write(page: String, name: String, content: String)
        /// A command whose output the page shows.
        case output(page: String, line: Int, arguments: [String], expected: String)
    }

    static func pages() throws -> [URL] {
        let docs = packageRoot.appendingPathComponent("docs")
        let files = try FileManager.default.contentsOfDirectory(at: docs, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "md" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        return [packageRoot.appendingPathComponent("README.md")] + files
    }

    /// The workbench arguments of a command line, or nil when it is not a workbench command.
    static func workbenchArguments(_ command: String) -> [String]? {
        for prefix in ["swift run -c release workbench", "swift run workbench", "workbench"]
        where command.hasPrefix(prefix + " ") || command == prefix {
            return shellWords(String(command.dropFirst(prefix.count)))
        }
        return nil
    }

    static func steps() throws -> [Step] {
        var found: [Step] = []
        for file in try pages() {
            let page = file.lastPathComponent
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(
                String.init)
            var inShell = false, inBlock = false
            var role: (kind: String, value: String, line: Int)?
            var block: [String] = []
            for (offset, raw) in lines.enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("```") {
                    if inBlock {
                        if let r = role {
                            let content = block.joined(separator: "\n")
                            if r.kind == "file" {
                                found.append(.write(page: page, name: r.value, content: content + "\n"))
                            } else if let arguments = workbenchArguments(r.value) {
                                found.append(.output(page: page, line: r.line, arguments: arguments, expected: content))
                            }
                        }
                        inBlock = false; inShell = false; role = nil; block = []
                    } else {
                        inBlock = true
                        inShell = line == "```sh" || line == "```bash"
                    }
                    continue
                }
                if inBlock {
                    block.append(raw)
                } else if line.hasPrefix("<!-- "), line.hasSuffix(" -->") {
                    let inner = line.dropFirst(5).dropLast(4)
                    for kind in ["file", "output of"] where inner.hasPrefix(kind + ": ") {
                        role = (kind, String(inner.dropFirst(kind.count + 2)).trimmingCharacters(in: .whitespaces), offset + 1)
                    }
                    continue
                }
                guard inShell, role == nil else { continue }
                if line.hasPrefix("printf ") && line.contains(" > ") {
                    found.append(.command(DocCommand(file: page, line: line, arguments: [], comment: "", shell: true)))
                    continue
                }
                var command = line, comment = ""
                if let hash = line.range(of: " #") {
                    command = String(line[..<hash.lowerBound]); comment = String(line[hash.upperBound...])
                }
                if let arguments = workbenchArguments(command) {
                    found.append(.command(DocCommand(file: page, line: line, arguments: arguments, comment: comment)))
                }
            }
        }
        return found
    }

    /// Runs the CLI; a trailing `> FILE` writes standard output to FILE.
    static func run(_ arguments: [String], in work: URL) -> CLIResult {
        if arguments.count >= 2, arguments[arguments.count - 2] == ">" {
            let r = runCLI(Array(arguments.dropLast(2)))
            try? r.out.write(to: work.appendingPathComponent(arguments.last!), atomically: true, encoding: .utf8)
            return CLIResult(status: r.status, out: "", err: r.err)
        }
        return runCLI(arguments)
    }

    /// Output as compared: blanks collapsed, numbers below 1e-6 in size read as one token.
    static func comparable(_ text: String) -> String {
        let number = try! NSRegularExpression(pattern: #"(?<![\w.])-?(?:\d+(?:\.\d+)?e[-+]?\d+|0)(?![\w.])"#)
        var out = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var s = String(line)
            for m in number.matches(in: s, range: NSRange(s.startIndex..., in: s)).reversed() {
                guard let r = Range(m.range, in: s), let v = Double(s[r]), abs(v) < 1e-6 else { continue }
                s.replaceSubrange(r, with: "≈0")
            }
            out += s.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") + "\n"
        }
        return out.trimmingCharacters(in: .newlines)
    }

    /// Whether `actual` equals `expected`, where an expected line `…` matches any run of lines.
    static func matches(_ actual: String, _ expected: String) -> Bool {
        let a = actual.components(separatedBy: "\n"), e = expected.components(separatedBy: "\n")
        func match(_ i: Int, _ j: Int) -> Bool {
            if j == e.count { return i == a.count }
            if e[j] == "…" { return (i...a.count).contains { match($0, j + 1) } }
            return i < a.count && a[i] == e[j] && match(i + 1, j + 1)
        }
        return match(0, 0)
    }

    func testElisionMatchesAnyRunOfLinesAndNothingElse() {
        XCTAssertTrue(Self.matches("a\nb\nc\nd", "a\n…\nd"))
        XCTAssertTrue(Self.matches("a\nd", "a\n…\nd"))
        XCTAssertFalse(Self.matches("a\nb\nc\ne", "a\n…\nd"))
        XCTAssertFalse(Self.matches("a\nb", "a"))
    }

    func testComparableOutputKeepsWhatMatters() {
        XCTAssertEqual(Self.comparable("a   0   4.4e-16  2.5e-11 pass\n"), Self.comparable("a 2.2e-16 0 3.1e-11 pass"))
        XCTAssertNotEqual(Self.comparable("max rel err 1.8e+00"), Self.comparable("max rel err 1.7e+00"))
        XCTAssertNotEqual(Self.comparable("claim 0.14242267 vs true -0.06"), Self.comparable("claim 0.14242268 vs true -0.06"))
        XCTAssertNotEqual(Self.comparable("fail (sign)"), Self.comparable("fail (scale)"))
        XCTAssertNotEqual(Self.comparable("rel 2.0e-06"), Self.comparable("rel 9.0e-07"))
    }

    func testEveryDocumentedCommandWorksAndEveryShownOutputIsTheTools() throws {
        let steps = try Self.steps()
        XCTAssertGreaterThan(steps.filter { if case .command = $0 { return true } else { return false } }.count, 10)
        XCTAssertGreaterThan(steps.filter { if case .output = $0 { return true } else { return false } }.count, 3)
        let corpusPresent =
            FileManager.default.fileExists(atPath: Self.packageRoot.appendingPathComponent("../shared/data/subset_poems.txt").path)
            || ProcessInfo.processInfo.environment["WORKBENCH_CORPUS"] != nil
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("workbench-docs-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(work.path)
        defer { FileManager.default.changeCurrentDirectoryPath(previous); try? FileManager.default.removeItem(at: work) }
        var seen = Set<[String]>()
        for step in steps {
            switch step {
            case .write(let page, let name, let content):
                let url = work.appendingPathComponent(name)
                XCTAssertNoThrow(
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true))
                XCTAssertNoThrow(try content.write(to: url, atomically: true, encoding: .utf8), "\(page): \(name)")
            case .output(let page, let line, let arguments, let expected):
                let r = Self.run(arguments, in: work)
                XCTAssertTrue(
                    Self.matches(Self.comparable(r.out + r.err), Self.comparable(expected)),
                    "\(Self.comparable(r.out + r.err))\n---\n\(page), line \(line): the block after <!-- output of: workbench \(arguments.joined(separator: " ")) --> is not what the command prints"
                )
            case .command(let c):
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
                // A command that writes a file runs every time (a later step may need the file).
                guard c.arguments.contains(">") || seen.insert(c.arguments).inserted else { continue }
                if c.comment.contains("needs the corpus") && !corpusPresent { continue }
                if c.comment.contains("needs") && !c.comment.contains("needs the corpus") { continue }  // torch, a trained checkpoint
                if c.arguments.contains("train") || c.arguments.contains("bench") { continue }  // long jobs: benchmarks, not tests
                let r = Self.run(c.arguments, in: work)
                if let range = c.comment.range(of: #"exits \d+"#, options: .regularExpression),
                    let status = Int32(c.comment[range].dropFirst(6))
                {
                    XCTAssertEqual(r.status, status, "\(c.file): \(c.line)")
                } else {
                    XCTAssertEqual(r.status, 0, "\(c.file): `\(c.line)` failed: \(r.err)")
                }
            }
        }
    }
}
