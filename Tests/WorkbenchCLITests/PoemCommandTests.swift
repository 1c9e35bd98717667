// PoemCommandTests.swift — `workbench poem …` end to end on tiny synthetic corpora.

import XCTest
@testable import WorkbenchCLI
import PoemEngine
import Poetry

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
        let (code, out, err) = run(["poem", "train"] + resumed + ["--steps", "9", "--resume", path("split/poem.safetensors"), "--out", path("split")])
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

    func testHelpListsEveryOption() {
        let (code, out, _) = run(["poem", "train", "--help"])
        XCTAssertEqual(code, 0)
        for o in ["--corpus", "--epochs", "--batch-size", "--lr", "--optimizer", "--clip", "--seed", "--no-shuffle", "--steps",
                  "--threads", "--validation", "--init-from", "--resume", "--out", "--quiet"] {
            XCTAssertTrue(out.contains(o), o)
        }
    }
}
