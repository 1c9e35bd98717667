import Foundation
import XCTest

@testable import WorkbenchCLI

/// Strict parsing: every rule of the declared-once CLI, through the real command tree.
final class ParsingTests: XCTestCase {
    func testAnOptionMissingItsValueNeverTakesTheNextOption() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parsing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cwd = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(dir.path)
        defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
        assertUsageError(["poem", "train", "--out", "--quiet"], mentions: "option --out needs a value")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("--quiet").path))
        assertUsageError(["poem", "sample", "--checkpoint", "x", "--start", "--json"], mentions: "option --start needs a value")
        assertUsageError(["check", "rnn", "--steps"], mentions: "option --steps needs a value <T>")
        // A value that starts with '-' is given with '='; negative numbers are values.
        XCTAssertEqual(runCLI(["lstm", "jacobian", "--steps", "2", "--hidden", "2", "--forget-bias", "-3"]).status, 0)
    }

    func testARepeatedOptionIsAnError() {
        assertUsageError(["check", "rnn", "--steps", "3", "--steps", "4"], mentions: "--steps is given more than once")
        assertUsageError(["check", "--json", "--json"], mentions: "--json is given more than once")
    }

    func testOptionsThatDoNotApplyAreErrors() {
        assertUsageError(["check", "formula", "6.40", "--i", "3"], mentions: "--i applies to formula 6.31 only")
        assertUsageError(["check", "formula", "6.31", "--delta", "2,1"], mentions: "--delta applies to formulas 6.39")
        assertUsageError(["check", "rnn", "--classes", "3"], mentions: "--classes applies to the softmax loss only")
        assertUsageError(
            ["poem", "train", "--resume", "x.safetensors", "--hidden-size", "8"], mentions: "--hidden-size does not apply with --resume")
        assertUsageError(
            ["poem", "train", "--init-from", "x.safetensors", "--layers", "1"], mentions: "--layers does not apply with --init-from")
        assertUsageError(["poem", "sample", "--checkpoint", "x", "--top-k", "5"], mentions: "--top-k applies only when sampling")
        assertUsageError(["poem", "sample", "--checkpoint", "x", "--acrostic", "春夏秋冬"], mentions: "--acrostic needs --form quatrain")
        assertUsageError(
            ["poem", "sample", "--checkpoint", "x", "--form", "quatrain", "--max-length", "9"],
            mentions: "--max-length applies to --form free only")
        assertUsageError(["poem", "bench", "--no-torch", "--python", "python3"], mentions: "--python does not apply with --no-torch")
        assertUsageError(["spectral", "eig", "--matrix", "1", "--matrix-file", "w.txt"], mentions: "either --matrix or --matrix-file")
    }

    func testUnknownOptionsValuesAndSubcommandsGetSuggestions() {
        assertUsageError(["check", "rnn", "--stepz", "3"], mentions: "did you mean '--steps'?")
        assertUsageError(["check", "rnn", "--activation", "tahn"], mentions: "did you mean 'tanh'?")
        assertUsageError(["chek"], mentions: "did you mean 'check'?")
        assertUsageError(["spectral", "egi"], mentions: "did you mean 'eig'?")
        assertUsageError(["exercise", "run", "hw5-2x"], mentions: "did you mean")
        assertUsageError(["check", "formula", "6.4"], mentions: "unknown value '6.4'")
        assertUsageError(["check", "rnn", "--steps", "abc"], mentions: "expects an integer, got 'abc'")
        assertUsageError(["check", "rnn", "--steps", "0"], mentions: "must be in 1…1000")
        assertUsageError(["check", "rnn", "--json=yes"], mentions: "is a flag and takes no value")
        assertUsageError(["check", "rnn", "extra"], mentions: "unexpected argument 'extra'")
    }

    func testVersionAndHelp() {
        let version = runCLI(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertEqual(version.out, "workbench \(Workbench.version)\n")
        let help = runCLI(["check", "rnn", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.out.contains("--zero-initial-state"), help.out)
    }

    /// Every declared option of every command appears in its help, with its default and range;
    /// nothing is listed that is not declared.
    func testHelpIsGeneratedFromTheDeclarationsOfEveryCommand() {
        var visited = 0
        func visit(_ command: any ParsableCommand.Type, path: [String]) {
            visited += 1
            let help = command.helpText(path: path, isRoot: path.count == 1)
            let declared = declarations(of: command.init())
            for d in declared {
                XCTAssertTrue(help.contains(d.name!), "\(path.joined(separator: " ")): \(d.name!) missing from help")
                if let c = d.constraint { XCTAssertTrue(help.contains(c), "\(d.name!): range \(c) missing") }
                if let t = d.defaultText { XCTAssertTrue(help.contains("default: \(t)"), "\(d.name!): default \(t) missing") }
            }
            let optionsSection = help.components(separatedBy: "\nOPTIONS:\n").last ?? ""
            let listed = optionsSection.split(separator: "\n").compactMap { line -> String? in
                let word = line.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
                return word.hasPrefix("--") ? word : nil
            }
            for name in listed where !["--help", "--version"].contains(name) {
                XCTAssertTrue(declared.contains { $0.name == name }, "\(path.joined(separator: " ")): help lists undeclared \(name)")
            }
            for sub in command.configuration.subcommands { visit(sub, path: path + [sub.configuration.name]) }
        }
        visit(Workbench.self, path: ["workbench"])
        XCTAssertGreaterThan(visited, 15)
    }

    func testDefaultsComeFromTheLibraryConfiguration() {
        let help = runCLI(["poem", "train", "--help"]).out
        XCTAssertTrue(help.contains("--epochs <N>"), help)
        XCTAssertTrue(help.contains("default: 30"), help)
        let check = declarations(of: CheckCommand.RNN())
        XCTAssertEqual(check.first { $0.name == "--steps" }?.defaultText, "\(CheckCommand.ModelOptions.defaults.steps)")
    }

    func testOptionNamesFollowThePropertyNames() {
        XCTAssertEqual(kebab("hiddenSize"), "hidden-size")
        XCTAssertEqual(kebab("zeroInitialState"), "zero-initial-state")
        XCTAssertEqual(kebab("i"), "i")
        XCTAssertEqual(suggestion(for: "tahn", among: ["tanh", "relu"]), "tanh")
        XCTAssertNil(suggestion(for: "zzzz", among: ["tanh", "relu"]))
    }
}

/// Writing to standard output never traps: a closed pipe ends quietly, a closed descriptor is one line.
final class OutputFailureTests: XCTestCase {
    func testClosedStandardOutputIsReportedInOneLine() throws {
        guard let exe = workbenchExecutable() else { throw XCTSkip("workbench executable not built") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "\"$0\" --version >&-", exe.path]
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 1, text)
        XCTAssertEqual(p.terminationReason, .exit)
        XCTAssertTrue(text.hasPrefix("error: cannot write to standard output"), text)
        XCTAssertEqual(text.filter { $0 == "\n" }.count, 1, text)
    }

    func testAPipeClosedByItsReaderEndsQuietly() throws {
        guard let exe = workbenchExecutable() else { throw XCTSkip("workbench executable not built") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        // `spectral regimes` prints ~60 lines; `head -1` closes the pipe after the first.
        p.arguments = [
            "-c",
            "\"$0\" spectral regimes --n 5 2>/tmp/wb-pipe-err.$$ | head -1 >/dev/null; cat /tmp/wb-pipe-err.$$; rm -f /tmp/wb-pipe-err.$$",
            exe.path,
        ]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let stderrText = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(stderrText, "", "nothing on standard error after the reader closed the pipe")
    }
}
