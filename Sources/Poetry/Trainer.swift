// Trainer.swift — the training loop of the poem model: batches, clipping, Adam/SGD, resume.
//
// Dimension letters: N training poems, B batch size, P parameters.
// Notation: PyTorch's `clip_grad_norm_` (g ← g · min(1, c / (‖g‖₂ + 1e−6))) and `Adam`
// (m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)),
// β₁ = 0.9, β₂ = 0.999, ε = 1e−8. One epoch = ⌊N / B⌋ batches (the remainder is dropped,
// as the homework does); the order of the poems is shuffled in place at the start of each
// epoch with the run's seeded generator.
// Everything a run needs to continue bit for bit is in `TrainingState`; `run` can stop after
// any step (a step limit, an interrupt) and a new trainer built from the saved model and
// state continues exactly where it stopped — with the same options and the same corpus, in
// the same order (both are recorded in the state and checked). The workflow around the loop
// (files, saving policy, locking, resuming a run) is TrainingRun.swift.

import Foundation
import PoemEngine
import WorkbenchNumerics

/// The optimizer.
public enum OptimizerKind: String, Sendable, Codable, CaseIterable { case adam, sgd }

/// Options of a training run (defaults are the homework's).
public struct TrainingOptions: Equatable, Sendable {
    public var epochs = 30
    public var batchSize = 32
    public var learningRate: Float = 3e-3
    public var optimizer = OptimizerKind.adam
    /// Gradient-norm clipping threshold; 0 turns clipping off.
    public var clip: Float = 1
    public var seed: UInt64 = 0
    public var shuffle = true
    /// Stop after this many optimizer steps in total (nil: run all epochs).
    public var maxSteps: Int?
    /// Worker threads; results do not depend on it. Default: the number of cores.
    public var threads = TrainingOptions.defaultThreads
    /// Fraction of the poems held out for validation (0: train on all, as the homework).
    public var validationFraction = 0.0
    /// The micro-kernel tile (nil: the one measured fastest on this machine). Speed only:
    /// results do not depend on it.
    public var kernels: KernelChoice?

    public init() {}

    /// The number of cores this process may use.
    public static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// The options that must match when a run is resumed (each value prints its exact bits:
    /// Swift's shortest round-trip decimal for Float and Double).
    var fingerprint: [String: String] {
        [
            "batch_size": String(batchSize), "lr": String(learningRate), "optimizer": optimizer.rawValue,
            "clip": String(clip), "seed": String(seed), "shuffle": String(shuffle),
            "validation": String(validationFraction),
        ]
    }

    /// The options a fingerprint was made from (`epochs`, `maxSteps` and `threads` keep their
    /// defaults); nil when a value is missing or malformed.
    init?(fingerprint f: [String: String]) {
        guard let batchSize = f["batch_size"].flatMap({ Int($0) }), batchSize > 0,
            let lr = f["lr"].flatMap({ Float($0) }), let optimizer = f["optimizer"].flatMap(OptimizerKind.init(rawValue:)),
            let clip = f["clip"].flatMap({ Float($0) }), let seed = f["seed"].flatMap({ UInt64($0) }),
            let shuffle = f["shuffle"].flatMap({ Bool($0) }), let validation = f["validation"].flatMap({ Double($0) })
        else {
            return nil
        }
        self.init()
        self.batchSize = batchSize
        self.learningRate = lr
        self.optimizer = optimizer
        self.clip = clip
        self.seed = seed
        self.shuffle = shuffle
        self.validationFraction = validation
    }
}

/// What the trainer tells its caller while it runs.
public struct TrainingProgress: Sendable {
    public var epoch: Int
    public var epochs: Int
    public var batch: Int
    public var batchesPerEpoch: Int
    public var step: Int
    public var loss: Float
    /// Poems per second since the run (or resume) started.
    public var poemsPerSecond: Double
    /// Estimated seconds left.
    public var secondsLeft: Double
    /// Set on the last batch of an epoch.
    public var epochSummary: EpochSummary?
}

/// One finished epoch.
public struct EpochSummary: Equatable, Sendable, Codable {
    public var epoch: Int
    public var meanLoss: Double
    public var validationLoss: Double?
    public var validationPerplexity: Double?
    public var seconds: Double
}

/// How a run ended.
public enum TrainingStop: Equatable, Sendable, Codable {
    case finished
    case stepLimit
    case interrupted
    /// The loss or the gradient was not finite at this step; the model is the one before it.
    case diverged(step: Int, loss: Float)
}

/// The result of `PoemTrainer.run`.
public struct TrainingReport: Sendable, Codable {
    public var poems: Int
    public var trainingPoems: Int
    public var validationPoems: Int
    public var vocabulary: Int
    public var parameters: Int
    public var batchesPerEpoch: Int
    public var stepsTaken: Int
    public var totalSteps: Int
    public var epochs: [EpochSummary]
    public var stop: TrainingStop
    public var seconds: Double
    public var poemsPerSecond: Double
    public var timings: PhaseTimings
}

/// Errors of the training loop.
public enum TrainingError: WorkbenchError, Equatable {
    case resumeMismatch(String)
    /// The corpus is not the one the saved run trained on (`CorpusFingerprint.difference`).
    case corpusMismatch(String)
    case modelMismatch(String)
    case emptyTrainingSet(poems: Int, validationFraction: Double)

    public var description: String {
        switch self {
        case .emptyTrainingSet(let n, let f):
            return "no poem is left for training (\(n) poem(s), validation fraction \(f)); lower --validation"
        case .resumeMismatch(let s): return "cannot resume: \(s)"
        case .corpusMismatch(let s): return "cannot resume on this corpus: \(s)"
        case .modelMismatch(let s): return "model does not fit the corpus: \(s)"
        }
    }
}

/// Trains a `PoemModel` on encoded poems.
public final class PoemTrainer {
    public private(set) var model: PoemModel
    public private(set) var state: TrainingState
    public let options: TrainingOptions
    public let network: PoemNetwork
    /// Encoded poems (with G and E) used for training / validation.
    public let trainingPoems: [[Int32]]
    public let validationPoems: [[Int32]]
    let padding: Int32
    private var gradient: [Float]

    /// - Parameters:
    ///   - poems: every poem of the corpus, encoded (`G` … `E`).
    ///   - state: a saved state to continue from (its options must match), or nil.
    public init(poems: [[Int32]], model: PoemModel, options: TrainingOptions, state: TrainingState? = nil) throws {
        self.model = model
        self.options = options
        self.padding = Int32(model.config.rows - 1)
        if let bad = poems.first(where: { $0.contains { $0 < 0 || Int($0) >= model.config.rows } }) {
            throw TrainingError.modelMismatch("a poem uses token \(bad.max() ?? 0) but the model has \(model.config.rows) rows")
        }
        // Validation split: a seeded choice of poems, independent of the training order.
        var indices = Array(0..<poems.count)
        let holdOut = Int((Double(poems.count) * options.validationFraction).rounded())
        if holdOut > 0 {
            var splitter = SeededGenerator(seed: options.seed ^ 0x5EED_0F_5A11)
            splitter.shuffle(&indices)
        }
        let validationSet = Set(indices.suffix(holdOut))
        trainingPoems = (0..<poems.count).filter { !validationSet.contains($0) }.map { poems[$0] }
        validationPoems = indices.suffix(holdOut).sorted().map { poems[$0] }
        guard !trainingPoems.isEmpty else {
            throw TrainingError.emptyTrainingSet(poems: poems.count, validationFraction: options.validationFraction)
        }
        network = PoemNetwork(layout: model.layout, threads: options.threads, kernels: options.kernels ?? .preferred)
        gradient = [Float](repeating: 0, count: model.layout.count)
        let corpus = CorpusFingerprint(poems: poems)
        if var s = state {
            for (k, v) in options.fingerprint where s.options[k] != v {
                throw TrainingError.resumeMismatch("option \(k) was \(s.options[k] ?? "unset") in the saved run, now \(v)")
            }
            if let saved = s.corpus, let difference = corpus.difference(fromSaved: saved) {
                throw TrainingError.corpusMismatch(difference)
            }
            guard s.order.count == trainingPoems.count else {
                throw TrainingError.resumeMismatch(
                    "the saved run had \(s.order.count) training poems, this corpus gives \(trainingPoems.count)")
            }
            if options.optimizer == .adam {
                guard s.firstMoment.count == model.layout.count, s.secondMoment.count == model.layout.count else {
                    throw TrainingError.resumeMismatch(
                        "saved optimizer moments have \(s.firstMoment.count) entries, the model \(model.layout.count)")
                }
            }
            s.options = options.fingerprint
            s.corpus = corpus
            self.state = s
        } else {
            var s = TrainingState()
            s.rngState = SeededGenerator(seed: options.seed &+ 1).state
            s.order = (0..<trainingPoems.count).map { Int32($0) }
            if options.optimizer == .adam {
                s.firstMoment = [Float](repeating: 0, count: model.layout.count)
                s.secondMoment = [Float](repeating: 0, count: model.layout.count)
            }
            s.options = options.fingerprint
            s.corpus = corpus
            self.state = s
        }
    }

    /// Batch size actually used (the corpus may be smaller than B).
    public var effectiveBatchSize: Int { max(1, min(options.batchSize, trainingPoems.count)) }
    public var batchesPerEpoch: Int { max(1, trainingPoems.count / effectiveBatchSize) }

    /// Trains until the epochs are done, the step limit is reached, `shouldStop` returns true
    /// (checked before every step, so a stop requested during a step takes effect when that
    /// step is done) or the loss stops being finite.
    public func run(progress: (TrainingProgress) -> Void = { _ in }, shouldStop: () -> Bool = { false }) -> TrainingReport {
        let start = now()
        let nb = batchesPerEpoch, bs = effectiveBatchSize
        let totalSteps = min(options.epochs * nb, options.maxSteps ?? Int.max)
        let firstStep = state.step
        var summaries: [EpochSummary] = []
        for (e, loss) in state.epochLosses.enumerated() {
            let v = e < state.validationLosses.count ? state.validationLosses[e] : nil
            summaries.append(
                EpochSummary(epoch: e, meanLoss: loss, validationLoss: v, validationPerplexity: v.map { Foundation.exp($0) }, seconds: 0))
        }
        var stop = TrainingStop.finished
        var epochStart = now()
        network.timings = PhaseTimings()
        outer: while state.epoch < options.epochs {
            if state.step >= totalSteps { stop = .stepLimit; break }
            if shouldStop() { stop = .interrupted; break }
            if state.batch == 0 {
                if options.shuffle {
                    var rng = SeededGenerator(state: state.rngState)!
                    rng.shuffle(&state.order)
                    state.rngState = rng.state
                }
                state.epochLossSum = 0
                epochStart = now()
            }
            let b0 = state.batch * bs
            let poems = (b0..<(b0 + bs)).map { trainingPoems[Int(state.order[$0])] }
            let batch = PoemBatch(poems: poems, padding: padding)
            let loss = step(batch)
            guard let loss else {
                stop = .diverged(step: state.step + 1, loss: lastLoss)
                break outer
            }
            state.step += 1
            state.batch += 1
            state.epochLossSum += Double(loss)
            state.stepLosses.append(loss)
            var summary: EpochSummary?
            if state.batch == nb {
                let mean = state.epochLossSum / Double(nb)
                let v = validationPoems.isEmpty ? nil : evaluateLoss(validationPoems)
                summary = EpochSummary(
                    epoch: state.epoch, meanLoss: mean, validationLoss: v,
                    validationPerplexity: v.map { Foundation.exp($0) }, seconds: now() - epochStart)
                summaries.append(summary!)
                state.epochLosses.append(mean)
                if let v { state.validationLosses.append(v) }
                state.epoch += 1
                state.batch = 0
            }
            let elapsed = now() - start
            let done = state.step - firstStep
            let rate = Double(done * bs) / max(elapsed, 1e-9)
            progress(
                TrainingProgress(
                    epoch: summary?.epoch ?? state.epoch, epochs: options.epochs,
                    batch: summary == nil ? state.batch : nb, batchesPerEpoch: nb,
                    step: state.step, loss: loss, poemsPerSecond: rate,
                    secondsLeft: Double(totalSteps - state.step) * elapsed / Double(max(done, 1)),
                    epochSummary: summary))
        }
        if stop == .finished && state.epoch < options.epochs && state.step >= totalSteps { stop = .stepLimit }
        let elapsed = now() - start
        return TrainingReport(
            poems: trainingPoems.count + validationPoems.count, trainingPoems: trainingPoems.count,
            validationPoems: validationPoems.count, vocabulary: model.config.rows - 1,
            parameters: model.layout.count, batchesPerEpoch: nb, stepsTaken: state.step - firstStep,
            totalSteps: state.step, epochs: summaries, stop: stop, seconds: elapsed,
            poemsPerSecond: Double((state.step - firstStep) * bs) / max(elapsed, 1e-9),
            timings: network.timings)
    }

    private var lastLoss: Float = .nan
    private lazy var backup = [Float](repeating: 0, count: model.parameters.count)

    /// One optimizer step on `batch`; nil (and no update) when the loss or gradient is not finite.
    func step(_ batch: PoemBatch) -> Float? {
        let loss = model.parameters.withUnsafeBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { g in
                let l = network.forward(parameters: p.baseAddress!, batch: batch)
                network.backward(parameters: p.baseAddress!, gradient: g.baseAddress!)
                return Float(l)
            }
        }
        lastLoss = loss
        let t0 = now()
        defer { network.timings.optimizerSeconds += now() - t0 }
        guard loss.isFinite else { return nil }
        let norm = OptimizerKernels.norm(gradient, threads: network.workers, pool: network.workspace.pool)
        guard norm.isFinite else { lastLoss = .infinity; return nil }
        var coefficient: Float = 1
        if options.clip > 0 { coefficient = min(1, options.clip / (norm + 1e-6)) }
        switch options.optimizer {
        case .adam:
            // With a finite gradient Adam's moments and its bounded step (≈ lr / (1 − β₁) at
            // most) stay finite, so no copy of the weights is needed; clipping is folded in.
            adamStep(gradientScale: coefficient)
        case .sgd:
            if coefficient < 1 { OptimizerKernels.scale(&gradient, by: coefficient) }
            // Keep the weights before the update: if it overflows, the run stops on them.
            backup.withUnsafeMutableBufferPointer { b in
                model.parameters.withUnsafeBufferPointer { b.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
            }
            OptimizerKernels.axpy(&model.parameters, gradient, -options.learningRate)
            if !OptimizerKernels.allFinite(model.parameters) {
                swap(&backup, &model.parameters)
                lastLoss = .infinity
                return nil
            }
        }
        return loss
    }

    private func adamStep(gradientScale: Float) {
        let t = Double(state.step + 1)
        let bc1 = 1 - Foundation.pow(0.9, t), bc2 = 1 - Foundation.pow(0.999, t)
        // Move the moments out of `state` so that both can be borrowed at once.
        var firstMoment: [Float] = [], secondMoment: [Float] = []
        swap(&firstMoment, &state.firstMoment)
        swap(&secondMoment, &state.secondMoment)
        defer {
            swap(&firstMoment, &state.firstMoment)
            swap(&secondMoment, &state.secondMoment)
        }
        OptimizerKernels.adam(
            parameters: &model.parameters, gradient: gradient, firstMoment: &firstMoment, secondMoment: &secondMoment,
            stepSize: Float(Double(options.learningRate) / bc1), bc2Sqrt: Float(bc2.squareRoot()),
            gradientScale: gradientScale, pool: network.workspace.pool)
    }

    /// Mean cross-entropy over every target position of `poems` (batches of B, last one partial).
    public func evaluateLoss(_ poems: [[Int32]]) -> Double {
        Self.evaluate(poems: poems, model: model, network: network, batchSize: options.batchSize).meanCrossEntropy
    }

    /// Mean cross-entropy and perplexity of `model` on `poems`.
    public static func evaluate(poems: [[Int32]], model: PoemModel, network: PoemNetwork, batchSize: Int) -> EvaluationReport {
        let padding = Int32(model.config.rows - 1)
        var total = 0.0
        var positions = 0
        var start = 0
        let bs = max(1, batchSize)
        model.parameters.withUnsafeBufferPointer { p in
            while start < poems.count {
                let batch = PoemBatch(poems: Array(poems[start..<min(poems.count, start + bs)]), padding: padding)
                let mean = network.forward(parameters: p.baseAddress!, batch: batch)
                total += mean * Double(batch.targetCount)
                positions += batch.targetCount
                start += bs
            }
        }
        let mean = total / Double(max(1, positions))
        return EvaluationReport(poems: poems.count, positions: positions, meanCrossEntropy: mean, perplexity: Foundation.exp(mean))
    }

    /// The loss and gradient of `model` on `batch` (for tests and tools). (P)
    public static func lossAndGradient(model: PoemModel, batch: PoemBatch, threads: Int = 1) -> (loss: Double, gradient: [Float]) {
        let network = PoemNetwork(layout: model.layout, threads: threads)
        var g = [Float](repeating: 0, count: model.layout.count)
        let loss = model.parameters.withUnsafeBufferPointer { p in
            g.withUnsafeMutableBufferPointer { gp in
                let l = network.forward(parameters: p.baseAddress!, batch: batch)
                network.backward(parameters: p.baseAddress!, gradient: gp.baseAddress!)
                return l
            }
        }
        return (loss, g)
    }
}

/// Cross-entropy of a model on a set of poems.
public struct EvaluationReport: Equatable, Sendable, Codable {
    public var poems: Int
    /// Number of predicted positions (Σ (length − 1)).
    public var positions: Int
    public var meanCrossEntropy: Double
    public var perplexity: Double
}
