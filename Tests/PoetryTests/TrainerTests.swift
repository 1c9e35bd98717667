// TrainerTests.swift — the training loop: resume bit for bit, thread independence,
// interruption, divergence, and that it learns — all on tiny synthetic corpora.

import WorkbenchNumerics
import XCTest

@testable import Poetry

/// A synthetic corpus of quatrains over a small set of characters (no real poems).
func syntheticQuatrains(_ count: Int, seed: UInt64, alphabet: String = "山水月风花雪云天日江春秋夜人归来") -> [[Character]] {
    var rng = SeededGenerator(seed: seed)
    let chars = Array(alphabet)
    return (0..<count).map { _ in
        var poem: [Character] = []
        for line in 0..<4 {
            // Each line repeats a short motif so the model has something to learn.
            let a = rng.int(below: chars.count)
            for k in 0..<5 { poem.append(chars[(a + k) % chars.count]) }
            poem.append(line % 2 == 0 ? "，" : "。")
        }
        return poem
    }
}

final class TrainerTests: XCTestCase {
    let config = { (rows: Int) in PoemModelConfig(rows: rows, embeddingDim: 6, hiddenSize: 8, layers: 2) }

    func setup(_ n: Int = 40) -> (poems: [[Int32]], model: PoemModel) {
        let corpus = syntheticQuatrains(n, seed: 1)
        let v = Vocabulary(poems: corpus)
        return (corpus.map { v.encode(poem: $0) }, PoemModel(config: config(v.modelRows), seed: 2))
    }

    func options(steps: Int, threads: Int = 1) -> TrainingOptions {
        var o = TrainingOptions()
        o.batchSize = 8
        o.epochs = 100
        o.maxSteps = steps
        o.threads = threads
        o.seed = 5
        return o
    }

    func testResumedRunContinuesBitForBit() throws {
        let (poems, model) = setup()
        let straight = try PoemTrainer(poems: poems, model: model, options: options(steps: 12))
        XCTAssertEqual(straight.run().stop, .stepLimit)
        // 5 batches per epoch: stop at 7 (inside the second epoch), save, reload, go on to 12.
        let first = try PoemTrainer(poems: poems, model: model, options: options(steps: 7))
        _ = first.run()
        let dir = try scratchDirectory(self)
        let mPath = dir.appendingPathComponent("m.safetensors").path
        try PoemCheckpoint(model: first.model, vocabulary: Vocabulary(characters: Array("x")), info: [:]).file().write(to: mPath)
        try first.state.write(to: TrainingState.path(forCheckpoint: mPath))
        let savedModel = try SafetensorsFile.read(path: mPath)
        var restored = model
        for s in restored.layout.slices { restored.parameters.replaceSubrange(s.range, with: savedModel[s.name]!.floats) }
        let state = try TrainingState.read(path: TrainingState.path(forCheckpoint: mPath))
        let second = try PoemTrainer(poems: poems, model: restored, options: options(steps: 12), state: state)
        _ = second.run()
        XCTAssertEqual(second.state.step, 12)
        XCTAssertTrue(second.model.parameters == straight.model.parameters, "resumed weights differ from the straight run")
        XCTAssertEqual(second.state.firstMoment, straight.state.firstMoment)
        XCTAssertEqual(second.state.stepLosses, straight.state.stepLosses)
        XCTAssertEqual(second.state.epochLosses, straight.state.epochLosses)
    }

    func testResumeRefusesChangedOptions() throws {
        let (poems, model) = setup()
        let first = try PoemTrainer(poems: poems, model: model, options: options(steps: 2))
        _ = first.run()
        var changed = options(steps: 4)
        changed.learningRate = 0.1
        XCTAssertThrowsError(try PoemTrainer(poems: poems, model: first.model, options: changed, state: first.state)) { e in
            XCTAssertTrue("\(e)".contains("lr"), "\(e)")
        }
    }

    func testTrainingIsBitIdenticalForOneAndTwoThreads() throws {
        let (poems, model) = setup()
        let one = try PoemTrainer(poems: poems, model: model, options: options(steps: 6, threads: 1))
        let two = try PoemTrainer(poems: poems, model: model, options: options(steps: 6, threads: 2))
        _ = one.run()
        _ = two.run()
        XCTAssertTrue(one.model.parameters == two.model.parameters)
    }

    func testInterruptStopsAfterTheCurrentStep() throws {
        let (poems, model) = setup()
        let t = try PoemTrainer(poems: poems, model: model, options: options(steps: 50))
        // A stop raised while step 3 runs (its progress report is the last thing it does).
        var stop = false
        let report = t.run(progress: { if $0.step == 3 { stop = true } }, shouldStop: { stop })
        XCTAssertEqual(report.stop, .interrupted)
        XCTAssertEqual(t.state.step, 3)
        // A stop raised before the run starts: no step at all.
        let idle = try PoemTrainer(poems: poems, model: model, options: options(steps: 50))
        XCTAssertEqual(idle.run(shouldStop: { true }).stop, .interrupted)
        XCTAssertEqual(idle.state.step, 0)
        XCTAssertTrue(idle.model.parameters == model.parameters)
    }

    func testResumeRefusesAReorderedOrDifferentCorpus() throws {
        let (poems, model) = setup()
        let first = try PoemTrainer(poems: poems, model: model, options: options(steps: 3))
        _ = first.run()
        XCTAssertNoThrow(try PoemTrainer(poems: poems, model: first.model, options: options(steps: 6), state: first.state))
        // The same poems, two swapped: the shuffles would draw other batches.
        var reordered = poems
        reordered.swapAt(0, 7)
        XCTAssertThrowsError(try PoemTrainer(poems: reordered, model: first.model, options: options(steps: 6), state: first.state)) { e in
            XCTAssertEqual(
                e as? TrainingError, .corpusMismatch(CorpusFingerprint(poems: reordered).difference(fromSaved: first.state.corpus!)!))
            XCTAssertTrue("\(e)".contains("different order"), "\(e)")
        }
        // As many poems, one token changed.
        var other = poems
        other[5][2] = other[5][3]
        XCTAssertThrowsError(try PoemTrainer(poems: other, model: first.model, options: options(steps: 6), state: first.state)) { e in
            XCTAssertTrue("\(e)".contains("other poems"), "\(e)")
        }
    }

    func testDivergingLossStopsWithoutApplyingTheStep() throws {
        let (poems, model) = setup()
        var o = options(steps: 200)
        o.optimizer = .sgd
        o.clip = 0
        o.learningRate = 1e30
        let t = try PoemTrainer(poems: poems, model: model, options: o)
        let report = t.run()
        guard case .diverged(let step, _) = report.stop else { return XCTFail("expected divergence, got \(report.stop)") }
        XCTAssertEqual(step, t.state.step + 1)
        XCTAssertTrue(t.model.parameters.allSatisfy(\.isFinite), "the model kept a non-finite weight")
    }

    func testLossFallsAndValidationIsReported() throws {
        let (poems, model) = setup(64)
        var o = options(steps: 10_000)
        o.epochs = 12
        o.validationFraction = 0.25
        o.learningRate = 0.01
        let t = try PoemTrainer(poems: poems, model: model, options: o)
        XCTAssertEqual(t.validationPoems.count, 16)
        let report = t.run()
        XCTAssertEqual(report.stop, .finished)
        XCTAssertEqual(report.epochs.count, 12)
        let first = report.epochs.first!, last = report.epochs.last!
        XCTAssertLessThan(last.meanLoss, first.meanLoss - 0.3, "training loss did not fall: \(first.meanLoss) → \(last.meanLoss)")
        XCTAssertNotNil(last.validationLoss)
        XCTAssertEqual(last.validationPerplexity!, Foundation.exp(last.validationLoss!), accuracy: 1e-9)
    }

    func testValidationThatLeavesNothingToTrainOnIsAnError() throws {
        let (poems, model) = setup(2)
        var o = options(steps: 1)
        o.validationFraction = 0.9
        XCTAssertThrowsError(try PoemTrainer(poems: poems, model: model, options: o)) { e in
            XCTAssertTrue("\(e)".contains("--validation"), "\(e)")
        }
    }

    func testSGDStepIsPlainGradientDescent() throws {
        let (poems, model) = setup(8)
        var o = options(steps: 1)
        o.optimizer = .sgd
        o.clip = 0
        o.learningRate = 0.5
        o.shuffle = false
        let t = try PoemTrainer(poems: poems, model: model, options: o)
        _ = t.run()
        let batch = PoemBatch(poems: poems, padding: Int32(model.config.rows - 1))
        let g = PoemTrainer.lossAndGradient(model: model, batch: batch).gradient
        for i in stride(from: 0, to: g.count, by: 97) {
            XCTAssertEqual(t.model.parameters[i], model.parameters[i] - 0.5 * g[i], accuracy: 1e-6)
        }
    }
}
