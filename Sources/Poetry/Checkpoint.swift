// Checkpoint.swift — the poem model and its training state on disk.
//
// A model checkpoint is a safetensors file holding exactly the homework model's `state_dict`
// (names and shapes of `RNN_model`, Float32), so PyTorch loads it with
// `model.load_state_dict(safetensors.torch.load_file(path), strict=True)`. Its
// `__metadata__` holds the vocabulary (one string, index order) and the hyper-parameters.
// The training state (Adam moments, step, epoch, position in the epoch, RNG state, shuffle
// order, loss history, the options and a fingerprint of the corpus) goes in a sibling file
// `<name>.state.safetensors`; a training run (TrainingRun.swift) adds the weights, the run's
// configuration and the weights file's checksum to that file (SavedRun.swift), which makes it
// the single commit point of a save.

import Foundation
import WorkbenchNumerics

/// A model together with its vocabulary: everything needed to sample or evaluate.
public struct PoemCheckpoint: Sendable {
    public static let format = "rnn-workbench-poem-1"

    public var model: PoemModel
    public var vocabulary: Vocabulary
    /// Free-form facts kept with the weights (corpus, steps, loss).
    public var info: [String: String]

    public init(model: PoemModel, vocabulary: Vocabulary, info: [String: String] = [:]) {
        self.model = model
        self.vocabulary = vocabulary
        self.info = info
    }

    /// The safetensors contents.
    public func file() -> SafetensorsFile {
        let c = model.config
        var meta = info
        meta["format"] = Self.format
        meta["vocabulary"] = vocabulary.joined
        meta["rows"] = String(c.rows)
        meta["embedding_dim"] = String(c.embeddingDim)
        meta["hidden_size"] = String(c.hiddenSize)
        meta["layers"] = String(c.layers)
        let tensors = model.layout.slices.map {
            SafeTensor(name: $0.name, floats: Array(model.parameters[$0.range]), shape: $0.shape)
        }
        return SafetensorsFile(tensors: tensors, metadata: meta)
    }

    /// Writes the checkpoint atomically (`AtomicFile`).
    public func write(to path: String) throws { try file().write(to: path) }

    /// Reads and checks a checkpoint: every expected tensor present with its shape, no others,
    /// the vocabulary consistent with the shapes, and all values finite.
    public static func read(path: String) throws -> PoemCheckpoint {
        try PoemCheckpoint(file: try SafetensorsFile.read(path: path), path: path)
    }

    /// Checks and decodes the contents of a checkpoint file; `path` is only used in messages.
    public init(file f: SafetensorsFile, path: String) throws {
        func mismatch(_ r: String) -> CheckpointError { .mismatch(path: path, reason: r) }
        let meta = f.metadata
        guard let vocabText = meta["vocabulary"] else {
            throw mismatch("no vocabulary in its metadata (was it written by `workbench poem train`?)")
        }
        let vocabulary = Vocabulary(characters: Array(vocabText))
        func intMeta(_ key: String, _ fallback: Int?) throws -> Int {
            if let s = meta[key] {
                guard let v = Int(s), v > 0 else { throw mismatch("metadata \(key) = '\(s)' is not a positive integer") }
                return v
            }
            if let d = fallback { return d }
            throw mismatch("metadata lacks \(key)")
        }
        let embeddingRows = f[ParameterLayout.embeddingName]?.shape.first
        let config = PoemModelConfig(
            rows: try intMeta("rows", embeddingRows ?? vocabulary.count + 1),
            embeddingDim: try intMeta("embedding_dim", 100),
            hiddenSize: try intMeta("hidden_size", 128),
            layers: try intMeta("layers", 2))
        guard config.rows == vocabulary.count + 1 else {
            throw mismatch("the vocabulary has \(vocabulary.count) entries but the model has \(config.rows) rows (expected vocabulary + 1)")
        }
        guard config.layers <= 16, config.hiddenSize <= 1 << 14, config.embeddingDim <= 1 << 14 else {
            throw mismatch("implausible sizes (layers \(config.layers), hidden \(config.hiddenSize), embedding \(config.embeddingDim))")
        }
        let layout = ParameterLayout(config: config)
        // Check every tensor before allocating: the sizes then come from data the file holds.
        for slice in layout.slices {
            guard let t = f[slice.name] else { throw mismatch("tensor '\(slice.name)' is missing") }
            guard t.dtype == .f32 else { throw mismatch("tensor '\(slice.name)' is \(t.dtype.rawValue), expected F32") }
            guard t.shape == slice.shape else {
                throw mismatch("tensor '\(slice.name)' has shape \(t.shape), expected \(slice.shape)")
            }
        }
        var parameters = [Float](repeating: 0, count: layout.count)
        for slice in layout.slices {
            let values = f[slice.name]!.floats
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw mismatch("tensor '\(slice.name)' holds a non-finite value at flat index \(bad)")
            }
            parameters.replaceSubrange(slice.range, with: values)
        }
        let expected = Set(layout.slices.map(\.name))
        if let extra = f.tensors.first(where: { !expected.contains($0.name) }) {
            throw mismatch("unexpected tensor '\(extra.name)'")
        }
        var info = meta
        for k in ["format", "vocabulary", "rows", "embedding_dim", "hidden_size", "layers"] { info[k] = nil }
        self.init(model: PoemModel(layout: layout, parameters: parameters), vocabulary: vocabulary, info: info)
    }
}

/// Everything besides the weights that a resumed run needs to continue bit for bit.
public struct TrainingState: Equatable, Sendable {
    /// The format of a state file (the run's options and the corpus fingerprint are part of it).
    public static let format = "rnn-workbench-poem-state-2"
    /// The names of the state's tensors.
    static let tensorNames: Set<String> = ["adam.exp_avg", "adam.exp_avg_sq", "order", "step_losses"]

    /// Optimizer steps taken so far.
    public var step: Int
    /// The epoch in progress (0-based).
    public var epoch: Int
    /// The next batch of that epoch (0-based).
    public var batch: Int
    /// Adam's first and second moments (P each; empty for SGD).
    public var firstMoment: [Float]
    public var secondMoment: [Float]
    /// The RNG state after the current epoch's shuffle.
    public var rngState: [UInt64]
    /// The current order of the training poems (indices into the training set). (N_train)
    public var order: [Int32]
    /// Sum of the batch losses of the epoch in progress (Double, to continue the mean).
    public var epochLossSum: Double
    /// Mean training loss of each finished epoch.
    public var epochLosses: [Double]
    /// Held-out loss of each finished epoch (empty without validation).
    public var validationLosses: [Double]
    /// Loss of every step so far (for the loss curve).
    public var stepLosses: [Float]
    /// Options the run was started with (checked on resume; `TrainingOptions.fingerprint`).
    public var options: [String: String]
    /// The encoded corpus the run trains on (checked on resume; nil only in hand-made states).
    public var corpus: CorpusFingerprint?

    public init(
        step: Int = 0, epoch: Int = 0, batch: Int = 0, firstMoment: [Float] = [], secondMoment: [Float] = [],
        rngState: [UInt64] = [], order: [Int32] = [], epochLossSum: Double = 0, epochLosses: [Double] = [],
        validationLosses: [Double] = [], stepLosses: [Float] = [], options: [String: String] = [:],
        corpus: CorpusFingerprint? = nil
    ) {
        self.step = step
        self.epoch = epoch
        self.batch = batch
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
        self.rngState = rngState
        self.order = order
        self.epochLossSum = epochLossSum
        self.epochLosses = epochLosses
        self.validationLosses = validationLosses
        self.stepLosses = stepLosses
        self.options = options
        self.corpus = corpus
    }

    /// The sibling path of a model checkpoint: `x.safetensors` → `x.state.safetensors`.
    public static func path(forCheckpoint path: String) -> String {
        if path.hasSuffix(".safetensors") { return String(path.dropLast(".safetensors".count)) + ".state.safetensors" }
        return path + ".state.safetensors"
    }

    /// The safetensors contents: the arrays as tensors, the rest as metadata (Doubles as bit patterns).
    public func file() -> SafetensorsFile {
        var meta: [String: String] = [:]
        for (k, v) in options { meta["option." + k] = v }
        meta["format"] = Self.format
        meta["step"] = String(step)
        meta["epoch"] = String(epoch)
        meta["batch"] = String(batch)
        meta["rng_state"] = rngState.map(String.init).joined(separator: ",")
        meta["epoch_loss_sum"] = String(epochLossSum.bitPattern)
        meta["epoch_losses"] = epochLosses.map { String($0.bitPattern) }.joined(separator: ",")
        meta["validation_losses"] = validationLosses.map { String($0.bitPattern) }.joined(separator: ",")
        if let corpus { meta.merge(corpus.metadata) { $1 } }
        return SafetensorsFile(
            tensors: [
                SafeTensor(name: "adam.exp_avg", floats: firstMoment, shape: [firstMoment.count]),
                SafeTensor(name: "adam.exp_avg_sq", floats: secondMoment, shape: [secondMoment.count]),
                SafeTensor(name: "order", int32s: order, shape: [order.count]),
                SafeTensor(name: "step_losses", floats: stepLosses, shape: [stepLosses.count]),
            ], metadata: meta)
    }

    /// Writes the state atomically (`AtomicFile`).
    public func write(to path: String) throws { try file().write(to: path) }

    public static func read(path: String) throws -> TrainingState {
        try TrainingState(file: try SafetensorsFile.read(path: path), path: path)
    }

    /// Checks and decodes a state file's contents (other tensors and metadata keys are ignored);
    /// `path` is only used in messages.
    public init(file f: SafetensorsFile, path: String) throws {
        func bad(_ r: String) -> CheckpointError { .mismatch(path: path, reason: r) }
        let m = f.metadata
        guard m["format"] == Self.format else {
            if m["format"] == PoemCheckpoint.format + "-state" {
                throw bad(
                    "it was written by an older workbench and lacks the run configuration and the corpus fingerprint that resuming checks; start a new run from its weights with --init-from"
                )
            }
            throw bad("not a training-state file (format '\(m["format"] ?? "none")')")
        }
        func int(_ k: String) throws -> Int {
            guard let s = m[k], let v = Int(s), v >= 0 else { throw bad("metadata \(k) is missing or not a count") }
            return v
        }
        func doubles(_ k: String) throws -> [Double] {
            guard let s = m[k] else { throw bad("metadata \(k) is missing") }
            if s.isEmpty { return [] }
            return try s.split(separator: ",").map {
                guard let b = UInt64($0) else { throw bad("metadata \(k) is malformed") }
                return Double(bitPattern: b)
            }
        }
        let rng = (m["rng_state"] ?? "").split(separator: ",").compactMap { UInt64($0) }
        guard rng.count == 4, SeededGenerator(state: rng) != nil else { throw bad("metadata rng_state is malformed") }
        guard let sumBits = m["epoch_loss_sum"].flatMap({ UInt64($0) }) else { throw bad("metadata epoch_loss_sum is malformed") }
        guard let m1 = f["adam.exp_avg"], let m2 = f["adam.exp_avg_sq"], let order = f["order"], let losses = f["step_losses"],
            m1.dtype == .f32, m2.dtype == .f32, order.dtype == .i32, losses.dtype == .f32, m1.count == m2.count
        else {
            throw bad("tensors adam.exp_avg, adam.exp_avg_sq, order or step_losses are missing or mis-typed")
        }
        var options: [String: String] = [:]
        for (k, v) in m where k.hasPrefix("option.") { options[String(k.dropFirst("option.".count))] = v }
        let corpus: CorpusFingerprint?
        do { corpus = try CorpusFingerprint(metadata: m) } catch let reason as CorpusFingerprint.Malformed {
            throw bad(reason.description)
        }
        self.init(
            step: try int("step"), epoch: try int("epoch"), batch: try int("batch"),
            firstMoment: m1.floats, secondMoment: m2.floats, rngState: rng,
            order: order.ints.map { Int32($0) }, epochLossSum: Double(bitPattern: sumBits),
            epochLosses: try doubles("epoch_losses"), validationLosses: try doubles("validation_losses"),
            stepLosses: losses.floats, options: options, corpus: corpus)
    }
}
