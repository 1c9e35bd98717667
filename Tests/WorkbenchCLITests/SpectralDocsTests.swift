// SpectralDocsTests.swift — every `swift run workbench spectral …` command shown in
// docs/eigenvalues.md runs and exits 0, and every output the page shows is what the command
// prints (run in a temporary working folder, so that files the page writes land there).

import Foundation
import WorkbenchCLI
import XCTest

final class SpectralDocsTests: XCTestCase {
    func testEveryCommandInTheEigenvaluesPageRuns() throws {
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/eigenvalues.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("spectral-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(folder.path)
        defer {
            FileManager.default.changeCurrentDirectoryPath(previous)
            try? FileManager.default.removeItem(at: folder)
        }
        // Fenced blocks: ```sh holds commands; a plain ``` block right after holds (part of)
        // the output of the last command above it: every line must occur in that output,
        // a line with "…" only up to the "…", and a line that is just "…" stands for omitted lines.
        var block: String?, commands = 0, lastOutput: String?
        var blockLines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("```") {
                if block == nil {
                    block = String(line.dropFirst(3))
                    blockLines = []
                    continue
                }
                if block == "", let output = lastOutput {
                    let outputLines = output.split(separator: "\n").map { String($0).trimmingCharacters(in: .whitespaces) }
                    for expected in blockLines where expected != "…" {
                        let wanted = expected.components(separatedBy: "…")[0].trimmingCharacters(in: .whitespaces)
                        XCTAssertTrue(
                            outputLines.contains { $0.hasPrefix(wanted) }, "the page shows '\(expected)', the command printed:\n\(output)")
                    }
                    lastOutput = nil
                }
                block = nil
                continue
            }
            guard let kind = block else { continue }
            if kind != "sh" { blockLines.append(line); continue }
            guard !line.isEmpty else { continue }
            let words = shellWords(line)
            if words.first == "printf", words.count == 4, words[2] == ">" {
                try words[1].replacingOccurrences(of: "\\n", with: "\n").write(toFile: words[3], atomically: true, encoding: .utf8)
                continue
            }
            XCTAssertEqual(Array(words.prefix(3)), ["swift", "run", "workbench"], "unexpected command in the page: \(line)")
            let result = runCLI(Array(words.dropFirst(3)))
            XCTAssertEqual(result.status, 0, "\(line) failed: \(result.err)")
            XCTAssertFalse(result.out.isEmpty, line)
            lastOutput = result.out
            commands += 1
        }
        XCTAssertGreaterThanOrEqual(commands, 7, "the page shows at least seven commands")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("regimes.svg").path))
    }
}
