// PoemCommandTests.swift — `workbench poem …` end to end on tiny synthetic corpora.

import PoemEngine
import Poetry
import XCTest

@testable import WorkbenchCLI

final class PoemCommandTests: XCTestCase {
    /// Runs the CLI, returning (exit status, stdout, stderr).
    func run(_ args: [String]) -> (Int32, String, String) {
        var out = "", err = ""
        let console = Console(out: { out += $0 }, err: { err += $0 })
        let code = Workbench.main(arguments: args, console: console)
        return (code, out, err)
    }

    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("poem-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // A synthetic corpus: quatrains built from a fixed motif over a few characters.
        let chars = Array("山水月风花雪云天日江春秋夜人归来")
        var lines: [String] = []
        for n in 0..<24 {
            var poem = ""
            for line in 0..<4 {
                for k in 0..<5 { poem.append(chars[(n * 3 + line + k) % chars.count]) }
                poem.append(line % 2 == 0 ? "，" : "。")
            }
            lines.append(n == 3 ? "题\(n):\(poem)" : poem)
        }
        lines.insert("", at: 5)
        try lines.joined(separator: "\n").write(to: corpus, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    var corpus: URL { dir.appendingPathComponent("corpus.txt") }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    var shape: [String] { ["--embedding-dim", "6", "--hidden-size", "8"] }
    var small: [String] { ["--corpus", corpus.path, "--batch-size", "4", "--quiet"] + shape }
    /// The options of a resumed run: the model's shape comes from the checkpoint.
    var resumed: [String] { ["--corpus", corpus.path, "--batch-size", "4", "--quiet"] }

    func testTrainWritesCheckpointStateAndLossCurve() throws {
        let (code, out, _) = run(["poem", "train"] + small + ["--epochs", "2", "--out", path("run")])
        XCTAssertEqual(code, 0, out)
        for f in ["poem.safetensors", "poem.state.safetensors", "loss.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path("run/\(f)")), f)
        }
        XCTAssertTrue(out.contains("final epoch mean loss"), out)
        let ck = try PoemCheckpoint.read(path: path("run/poem.safetensors"))
        XCTAssertEqual(ck.model.config.hiddenSize, 8)
        XCTAssertTrue(try String(contentsOfFile: path("run/loss.svg"), encoding: .utf8).contains("<svg"))
    }

    func testResumeAfterAStepLimitMatchesAStraightRun() throws {
        XCTAssertEqual(run(["poem", "train"] + small + ["--steps", "9", "--out", path("straight")]).0, 0)
        XCTAssertEqual(run(["poem", "train"] + small + ["--steps", "4", "--out", path("split")]).0, 0)
        let (code, out, err) = run(
            ["poem", "train"] + resumed + ["--steps", "9", "--resume", path("split/poem.safetensors"), "--out", path("split")])
        XCTAssertEqual(code, 0, out + err)
        let a = try PoemCheckpoint.read(path: path("straight/poem.safetensors")).model.parameters
        let b = try PoemCheckpoint.read(path: path("split/poem.safetensors")).model.parameters
        XCTAssertTrue(a == b, "resumed weights differ from the straight run")
    }

    func testEvalAndJSON() throws {
        XCTAssertEqual(run(["poem", "train"] + small + ["--steps", "3", "--out", path("e")]).0, 0)
        let (code, out, _) = run(["poem", "eval", "--checkpoint", path("e/poem.safetensors"), "--corpus", corpus.path, "--json"])
        XCTAssertEqual(code, 0)
        let obj = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        let ce = (obj["meanCrossEntropy"] as! NSNumber).doubleValue
        XCTAssertEqual((obj["perplexity"] as! NSNumber).doubleValue, Foundation.exp(ce), accuracy: 1e-6 * Foundation.exp(ce))
        XCTAssertEqual(obj["poems"] as? Int, 24)
    }

    func testSampleQuatrainAndUnknownStartCharacters() throws {
        XCTAssertEqual(run(["poem", "train"] + small + ["--steps", "3", "--out", path("s")]).0, 0)
        let ck = path("s/poem.safetensors")
        let (code, out, _) = run(["poem", "sample", "--checkpoint", ck, "--start", "山水", "--form", "quatrain"])
        XCTAssertEqual(code, 0)
        let poem = Array(out.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(poem.count, 24, String(poem))
        XCTAssertEqual([poem[5], poem[11], poem[17], poem[23]], ["，", "。", "，", "。"])
        let (bad, _, err) = run(["poem", "sample", "--checkpoint", ck, "--start", "山鹤"])
        XCTAssertEqual(bad, 2)
        XCTAssertTrue(err.contains("'鹤'"), err)
        XCTAssertEqual(run(["poem", "sample", "--checkpoint", ck, "--beam", "3"]).0, 2, "--beam needs the quatrain form")
    }

    func testBadInputGivesOneLineErrors() throws {
        var (code, _, err) = run(["poem", "train", "--corpus", path("missing.txt")])
        XCTAssertEqual(code, 1)
        XCTAssertTrue(err.contains("missing.txt") && err.contains("no such file"), err)
        (code, _, err) = run(["poem", "train"] + small + ["--epochs", "0"])
        XCTAssertEqual(code, 2)
        XCTAssertTrue(err.contains("--epochs"), err)
        (code, _, err) = run(["poem", "train"] + small + ["--optimizer", "rmsprop"])
        XCTAssertEqual(code, 2)
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: path("junk.safetensors")))
        (code, _, err) = run(["poem", "sample", "--checkpoint", path("junk.safetensors")])
        XCTAssertEqual(code, 1)
        XCTAssertTrue(err.contains("junk.safetensors") && err.contains("corrupt"), err)
        (code, _, err) = run(["poem", "sample"])
        XCTAssertEqual(code, 2)
        XCTAssertTrue(err.contains("--checkpoint"), err)
        (code, _, err) = run(["poem", "train"] + resumed + ["--resume", path("nothing.safetensors")])
        XCTAssertEqual(code, 1)
        XCTAssertEqual(err.split(separator: "\n").count, 1, err)
    }

    // MARK: - Signals, the resume hint, the folder lock, standard output (issue 11)

    func testSigintAndSigtermSaveAndTheHintAloneContinuesTheRun() throws {
        guard let exe = workbenchExecutable() else { throw XCTSkip("workbench executable not built") }
        for (signal, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            let out = path("signal-\(signal)")
            let p = Process()
            p.executableURL = exe
            p.arguments =
                ["poem", "train", "--corpus", corpus.path, "--batch-size", "4", "--epochs", "100000", "--threads", "1", "--out", out]
                + shape
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            var text = ""
            while !text.contains("epoch 2/") {  // an epoch saved, the run well under way
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            kill(p.processIdentifier, signal)
            text += String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationReason, .exit, text)
            XCTAssertEqual(p.terminationStatus, status, text)
            guard let hint = text.split(separator: "\n").first(where: { $0.contains("continue the run with: ") }),
                let at = hint.range(of: "at step "), let step = Int(hint[at.upperBound...].prefix { $0.isNumber })
            else {
                return XCTFail("no resume hint: \(text)")
            }
            let command = shellWords(String(hint[hint.range(of: "continue the run with: ")!.upperBound...]))
            XCTAssertEqual(command, ["workbench", "poem", "train", "--resume", out + "/poem.safetensors"])
            XCTAssertEqual(try TrainingState.read(path: out + "/poem.state.safetensors").step, step, "the partial epoch is saved")
            // The hint as printed (a step limit added to end the test) continues the same run into the same folder.
            let resumed = runCLI(Array(command.dropFirst()) + ["--steps", "\(step + 5)", "--quiet"])
            XCTAssertEqual(resumed.status, 0, resumed.err)
            let straight = runCLI(
                [
                    "poem", "train", "--corpus", corpus.path, "--batch-size", "4", "--epochs", "100000", "--quiet",
                    "--steps", "\(step + 5)", "--out", path("straight-\(signal)"),
                ] + shape)
            XCTAssertEqual(straight.status, 0, straight.err)
            let a = try PoemCheckpoint.read(path: out + "/poem.safetensors").model.parameters
            let b = try PoemCheckpoint.read(path: path("straight-\(signal)/poem.safetensors")).model.parameters
            XCTAssertTrue(a == b, "signal \(signal): the resumed run differs from the straight run")
        }
    }

    func testASecondTrainerOnTheSameFolderIsRefused() throws {
        try FileManager.default.createDirectory(atPath: path("busy"), withIntermediateDirectories: true)
        let owner = try RunFolderLock.acquire(folder: path("busy"))
        let r = runCLI(["poem", "train"] + small + ["--steps", "2", "--out", path("busy")])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
        XCTAssertTrue(r.err.contains("in use by another training run (process \(getpid())"), r.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("busy")), [RunFolderLock.fileName], "nothing written")
        owner.release()
        XCTAssertEqual(runCLI(["poem", "train"] + small + ["--steps", "2", "--out", path("busy")]).status, 0)
    }

    func testResumeRefusesOptionsThatConflictWithTheSavedRun() throws {
        XCTAssertEqual(run(["poem", "train"] + small + ["--steps", "2", "--out", path("c")]).0, 0)
        let checkpoint = path("c/poem.safetensors")
        assertUsageError(["poem", "train", "--resume", checkpoint, "--lr", "0.5"], mentions: "--lr 0.5 conflicts")
        assertUsageError(["poem", "train", "--resume", checkpoint, "--out", path("d")], mentions: "own folder")
        assertUsageError(["poem", "train", "--resume", checkpoint, "--steps", "1"], mentions: "give at least 2")
        // The folder alone names the run too; the same values given again are fine.
        let r = runCLI(["poem", "train", "--resume", path("c"), "--batch-size", "4", "--steps", "3", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("steps 3 (this run 1)"), r.out)
    }

    func testAFailedStandardOutputNeverLosesTheCheckpoint() throws {
        var err = ""
        let console = Console(
            failableOut: { _ in false },
            err: {
                err += $0; return true
            }, isTerminal: false)
        let code = Workbench.main(arguments: ["poem", "train"] + small + ["--steps", "3", "--out", path("closed")], console: console)
        XCTAssertEqual(code, 1)
        XCTAssertTrue(err.hasPrefix("error: cannot write to standard output"), err)
        XCTAssertEqual(try TrainingState.read(path: path("closed/poem.state.safetensors")).step, 3)
        XCTAssertNoThrow(try PoemCheckpoint.read(path: path("closed/poem.safetensors")))
    }

    func testHelpListsEveryOption() {
        let (code, out, _) = run(["poem", "train", "--help"])
        XCTAssertEqual(code, 0)
        for o in [
            "--corpus", "--epochs", "--batch-size", "--lr", "--optimizer", "--clip", "--seed", "--no-shuffle", "--steps",
            "--threads", "--validation", "--init-from", "--resume", "--out", "--quiet",
        ] {
            XCTAssertTrue(out.contains(o), o)
        }
    }
}
