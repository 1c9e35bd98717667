// TrainingRunTests.swift — the training workflow: saving policy, stop requests, resuming from
// the saved configuration alone, the single commit point of a save, the corpus fingerprint,
// the folder lock, stale temporaries and a full disk. Tiny synthetic corpora (no real poems).

import XCTest

@testable import Poetry
@testable import WorkbenchNumerics  // FileWriteError(path:code:operation:) to simulate a full disk

final class TrainingRunTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try scratchDirectory(self)
        try corpusText(syntheticQuatrains(24, seed: 3)).write(to: corpusURL, atomically: true, encoding: .utf8)
    }

    var corpusURL: URL { dir.appendingPathComponent("corpus.txt") }
    func folder(_ name: String) -> String { dir.appendingPathComponent(name).path }
    func corpusText(_ poems: [[Character]]) -> String { poems.map { String($0) }.joined(separator: "\n") + "\n" }

    /// A new run: 24 poems, batches of 8 (3 batches per epoch), a tiny model.
    func request(_ out: String, epochs: Int = 4, maxSteps: Int? = nil) -> TrainingRunRequest {
        TrainingRunRequest(
            start: .new(embeddingDim: 6, hiddenSize: 8, layers: 2), corpus: corpusURL.path, outFolder: folder(out),
            settings: TrainingSettings(epochs: epochs, batchSize: 8, learningRate: 0.01, seed: 7, maxSteps: maxSteps),
            threads: 1)
    }

    func resume(_ out: String, settings: TrainingSettings = TrainingSettings(), corpus: String? = nil) -> TrainingRunRequest {
        TrainingRunRequest(start: .resume(folder(out) + "/poem.safetensors"), corpus: corpus, settings: settings, threads: 1)
    }

    /// The weights of a straight run of `epochs` epochs, for comparisons (computed once: every
    /// test writes the same corpus).
    func straightWeights(epochs: Int = 4) throws -> [Float] {
        if let known = Self.straight[epochs] { return known }
        let run = try TrainingRun.open(request("straight-\(epochs)", epochs: epochs))
        _ = try run.run()
        let weights = try PoemCheckpoint.read(path: run.checkpointPath).model.parameters
        Self.straight[epochs] = weights
        return weights
    }
    nonisolated(unsafe) static var straight: [Int: [Float]] = [:]

    func weights(_ out: String) throws -> [Float] {
        try PoemCheckpoint.read(path: folder(out) + "/poem.safetensors").model.parameters
    }

    /// Records the files written, in order, and fails with ENOSPC from write number `failFrom` on.
    final class Recorder {
        var written: [String] = []
        var failFrom = Int.max
        var failPath: String?
        func write(_ data: Data, _ path: String) throws {
            if written.count + 1 >= failFrom || failPath.map({ path.hasSuffix($0) }) == true {
                throw FileWriteError(path: path, code: ENOSPC, operation: "write")
            }
            try AtomicFile.write(data, to: path)
            written.append((path as NSString).lastPathComponent)
        }
    }

    // MARK: - Saving policy and stop

    func testSavesStateThenWeightsThenCurveAfterEveryEpochAndNothingTwice() throws {
        let run = try TrainingRun.open(request("policy", epochs: 2))
        let recorder = Recorder()
        run.writeFile = recorder.write
        var savedAtEpochEnd: [Int] = []
        let result = try run.run(progress: { p in
            if p.epochSummary != nil { savedAtEpochEnd.append(run.savedStep ?? -1) }
        })
        XCTAssertEqual(result.report.stop, .finished)
        XCTAssertEqual(savedAtEpochEnd, [3, 6], "the save comes before the epoch's progress report")
        let one = ["poem.state.safetensors", "poem.safetensors", "loss.svg"]
        XCTAssertEqual(recorder.written, one + one, "one save per epoch (state first: the commit point), none repeated at the end")
        XCTAssertEqual(result.savedStep, 6)
        XCTAssertEqual(result.lossCurve, folder("policy") + "/loss.svg")
        let saved = try SavedRun.read(path: folder("policy") + "/poem.state.safetensors")
        XCTAssertEqual(saved.configuration.options.epochs, 2)
        XCTAssertEqual(saved.configuration.corpus, corpusURL.standardizedFileURL.path)
        XCTAssertEqual(saved.configuration.outFolder, folder("policy"))
        XCTAssertEqual(saved.configuration.options.learningRate, 0.01)
        XCTAssertEqual(saved.checkpoint.model.parameters, try weights("policy"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder("policy") + "/" + RunFolderLock.fileName), "the lock is released")
    }

    func testAStopRequestSavesAndResumeAloneContinuesTheSameRunBitForBit() throws {
        let straight = try straightWeights()
        let run = try TrainingRun.open(request("stopped"))
        let stop = StopRequest()
        let first = try run.run(progress: { if $0.step == 5 { stop.request(signal: SIGTERM) } }, stop: stop)
        XCTAssertEqual(first.report.stop, .interrupted)
        XCTAssertEqual(first.stopSignal, SIGTERM)
        XCTAssertEqual(first.step, 5)
        XCTAssertEqual(first.savedStep, 5, "the partial epoch is saved")
        // Nothing but the checkpoint: corpus, folder, epochs and hyper-parameters come from the state.
        let resumed = try TrainingRun.open(resume("stopped"))
        XCTAssertEqual(resumed.checkpointPath, folder("stopped") + "/poem.safetensors")
        XCTAssertEqual(resumed.trainer.options.epochs, 4)
        XCTAssertEqual(resumed.trainer.options.learningRate, 0.01)
        let second = try resumed.run()
        XCTAssertEqual(second.report.stop, .finished)
        XCTAssertEqual(second.step, 12)
        XCTAssertTrue(try weights("stopped") == straight, "the resumed run differs from the straight one")
    }

    // MARK: - The pair of files

    func testAKillBetweenTheTwoRenamesResumesFromTheStateBitForBit() throws {
        let straight = try straightWeights()
        // Epoch 1 saved whole; the save of epoch 2 dies after the state's rename, before the weights'.
        let run = try TrainingRun.open(request("killed"))
        let recorder = Recorder()
        recorder.failFrom = 5  // writes 1–3: epoch 1; 4: epoch 2's state; 5: its weights
        run.writeFile = recorder.write
        XCTAssertThrowsError(try run.run())
        let state = try SavedRun.read(path: folder("killed") + "/poem.state.safetensors")
        XCTAssertEqual(state.state.step, 6)
        XCTAssertNotEqual(try weights("killed"), state.checkpoint.model.parameters, "the weights file is the older one")
        let resumed = try TrainingRun.open(resume("killed"))
        XCTAssertTrue(resumed.notes.contains { $0.contains("interrupted") }, "\(resumed.notes)")
        XCTAssertEqual(resumed.trainer.state.step, 6)
        XCTAssertEqual(try weights("killed"), state.checkpoint.model.parameters, "the weights file is written again at once")
        _ = try resumed.run()
        XCTAssertTrue(try weights("killed") == straight, "the resumed run differs from the straight one")
    }

    func testAHandMixedPairIsRefusedNamingBothFiles() throws {
        // (With the same seed, run a's weights would be run b's after epoch 1: the file b replaced,
        // which resuming rightly takes for an interrupted save.)
        var other = request("a", epochs: 1)
        other.settings.seed = 8
        _ = try TrainingRun.open(other).run()
        _ = try TrainingRun.open(request("b", epochs: 2)).run()
        try FileManager.default.removeItem(atPath: folder("b") + "/poem.safetensors")
        try FileManager.default.copyItem(atPath: folder("a") + "/poem.safetensors", toPath: folder("b") + "/poem.safetensors")
        XCTAssertThrowsError(try TrainingRun.open(resume("b"))) { e in
            let text = "\(e)"
            XCTAssertEqual(
                e as? TrainingRunError,
                .mismatchedPair(
                    weights: folder("b") + "/poem.safetensors", weightsStep: 3,
                    state: folder("b") + "/poem.state.safetensors", stateStep: 6))
            XCTAssertTrue(text.contains("not a pair") && text.contains("--init-from"), text)
        }
    }

    // MARK: - Corpus and configuration

    func testResumeOnAReorderedCorpusIsRefused() throws {
        _ = try TrainingRun.open(request("order", maxSteps: 2)).run()
        let poems = syntheticQuatrains(24, seed: 3)
        let moved = dir.appendingPathComponent("moved.txt")
        try corpusText(poems).write(to: moved, atomically: true, encoding: .utf8)
        // The same poems at another path: fine, and the new path is kept.
        let same = try TrainingRun.open(resume("order", corpus: moved.path))
        XCTAssertEqual(same.configuration.corpus, moved.path)
        same.close()
        try corpusText(poems.reversed()).write(to: corpusURL, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TrainingRun.open(resume("order", corpus: corpusURL.path))) { e in
            guard case .corpusDiffers(let corpus, _, let reason)? = e as? TrainingRunError else { return XCTFail("\(e)") }
            XCTAssertEqual(corpus, corpusURL.path)
            XCTAssertTrue(reason.contains("different order"), reason)
        }
    }

    func testResumeKeepsTheSavedSettingsRefusesConflictsAndExtendsTargets() throws {
        _ = try TrainingRun.open(request("config", epochs: 2)).run()
        func refusal(_ settings: TrainingSettings, out: String? = nil) -> TrainingRunError? {
            var r = resume("config", settings: settings)
            r.outFolder = out
            do { try TrainingRun.open(r).close(); return nil } catch { return error as? TrainingRunError }
        }
        let conflict = refusal(TrainingSettings(learningRate: 0.02))
        XCTAssertEqual(
            conflict,
            .conflictingSetting(
                option: "--lr", given: "0.02", saved: "saved with --lr 0.01", state: folder("config") + "/poem.state.safetensors"))
        XCTAssertEqual(conflict?.exitStatus, 2)
        XCTAssertNil(refusal(TrainingSettings(batchSize: 8, learningRate: 0.01)), "the saved values may be given again")
        XCTAssertEqual(
            refusal(TrainingSettings(epochs: 1)),
            .targetBelowProgress(
                option: "--epochs", given: 1, done: 2, what: "epoch(s)", state: folder("config") + "/poem.state.safetensors"))
        XCTAssertEqual(
            refusal(TrainingSettings(), out: folder("elsewhere")),
            .outFolderConflict(given: folder("elsewhere"), runFolder: folder("config")))
        // The finished run resumed as it is: nothing to do. Extended by one epoch: 3 more steps, saved.
        let again = try TrainingRun.open(resume("config")).run()
        XCTAssertEqual(again.report.stepsTaken, 0)
        XCTAssertEqual(again.report.stop, .finished)
        let longer = try TrainingRun.open(resume("config", settings: TrainingSettings(epochs: 3))).run()
        XCTAssertEqual(longer.step, 9)
        XCTAssertEqual(try SavedRun.read(path: folder("config") + "/poem.state.safetensors").configuration.options.epochs, 3)
        XCTAssertTrue(try weights("config") == straightWeights(epochs: 3), "an extended run equals a run of that length")
    }

    // MARK: - The folder

    func testASecondRunOnTheSameFolderIsRefusedUntilTheFirstEnds() throws {
        let first = try TrainingRun.open(request("shared"))
        XCTAssertThrowsError(try TrainingRun.open(request("shared"))) { e in
            XCTAssertEqual(e as? TrainingRunError, .folderInUse(folder: folder("shared"), pid: getpid()))
            XCTAssertTrue("\(e)".contains("in use by another training run (process \(getpid())"), "\(e)")
        }
        let stopAtOnce = StopRequest()
        stopAtOnce.request()
        let stopped = try first.run(stop: stopAtOnce)
        XCTAssertEqual(stopped.step, 0)
        XCTAssertEqual(stopped.savedStep, 0, "a run stopped before its first step still saves (its initial model)")
        // The first run has ended: the folder is free again.
        let second = try TrainingRun.open(resume("shared"))
        XCTAssertTrue(second.notes.isEmpty, "\(second.notes)")
        second.close()
    }

    func testStaleLocksAndTemporariesOfDeadProcessesAreCleanedOnOpen() throws {
        let dead = try deadPid()
        try FileManager.default.createDirectory(atPath: folder("stale"), withIntermediateDirectories: true)
        try "\(dead)\n".write(toFile: folder("stale") + "/" + RunFolderLock.fileName, atomically: false, encoding: .utf8)
        let temporary = folder("stale") + "/.poem.state.safetensors.tmp-\(dead)-3"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: temporary))
        let run = try TrainingRun.open(request("stale"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: temporary))
        XCTAssertTrue(run.notes.contains { $0.contains("process \(dead)") }, "\(run.notes)")
        XCTAssertTrue(run.notes.contains { $0.contains("removed 1 temporary file") }, "\(run.notes)")
        run.close()
    }

    func testAFullDiskStopsTheRunNamesItAndKeepsTheLastSave() throws {
        let straight = try straightWeights()
        let run = try TrainingRun.open(request("full"))
        let recorder = Recorder()
        recorder.failFrom = 4  // epoch 2's state cannot be written
        run.writeFile = recorder.write
        XCTAssertThrowsError(try run.run()) { e in
            XCTAssertEqual((e as? TrainingRunError)?.exitStatus, 1)
            let text = "\(e)"
            XCTAssertTrue(text.contains("could not save step 6") && text.contains("the disk is full"), text)
            XCTAssertTrue(text.contains("the run saved at step 3"), text)
        }
        XCTAssertEqual(run.trainer.state.step, 6, "the run stops at the failed save")
        XCTAssertEqual(try SavedRun.read(path: folder("full") + "/poem.state.safetensors").state.step, 3)
        // Space again: the run goes on from epoch 1 and ends where a straight run ends.
        _ = try TrainingRun.open(resume("full")).run()
        XCTAssertTrue(try weights("full") == straight)
    }

    /// The pid of a process that has ended.
    func deadPid() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "exit 0"]
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }
}
