// TrainingRunConfiguration.swift — what a training run is: its corpus, its folder, its
// hyper-parameters and targets, stored in its state so that resuming needs nothing else.
//
// A new run takes each setting the caller gave and the homework's default for the rest. A
// resumed run takes the saved configuration; a setting given again must equal the saved one
// (a different learning rate, batch size, optimizer, clipping, seed, shuffling or validation
// fraction would not continue the same run), except the two targets: `epochs` and `maxSteps`
// given on resume replace the saved ones — that is how a finished run is extended — and may not
// fall below what the run has already done. The thread count is not part of a run (results do
// not depend on it). Names in messages are those of the `workbench poem train` options.
// Leaves out: changing hyper-parameters in the middle of a run (start a new run with --init-from).

import Foundation

/// The whole configuration of a training run (stored in its state file).
public struct TrainingRunConfiguration: Equatable, Sendable {
    /// The corpus file, as an absolute path.
    public var corpus: String
    /// The folder the run writes to, as an absolute path (when resuming, the folder that holds
    /// the state file is the run's folder, so a run folder may be moved as a whole).
    public var outFolder: String
    /// The checkpoint whose weights a new run started from (`--init-from`), if any.
    public var initFrom: String?
    /// Epochs, step limit and hyper-parameters (`threads` is not stored).
    public var options: TrainingOptions

    public init(corpus: String, outFolder: String, initFrom: String? = nil, options: TrainingOptions) {
        self.corpus = corpus
        self.outFolder = outFolder
        self.initFrom = initFrom
        self.options = options
    }

    /// Equal when everything stored is equal (the thread count is not part of a run).
    public static func == (a: TrainingRunConfiguration, b: TrainingRunConfiguration) -> Bool {
        a.metadata == b.metadata && a.options.fingerprint == b.options.fingerprint
    }

    /// `path` made absolute against the current directory, with `.` and `..` resolved.
    public static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    // MARK: - In the state file

    /// The `run.*` metadata keys (the hyper-parameters are the state's `option.*` keys).
    var metadata: [String: String] {
        var m = [
            "run.corpus": corpus, "run.out": outFolder, "run.epochs": String(options.epochs),
            "run.steps": options.maxSteps.map(String.init) ?? "none",
        ]
        if let initFrom { m["run.init_from"] = initFrom }
        return m
    }

    /// The configuration in a state file's metadata, with the hyper-parameters `options`.
    init(metadata m: [String: String], options: TrainingOptions, path: String) throws {
        func bad(_ r: String) -> CheckpointError { .mismatch(path: path, reason: r) }
        guard let corpus = m["run.corpus"], let out = m["run.out"] else {
            throw bad("it lacks the run configuration (metadata run.corpus, run.out)")
        }
        guard let epochs = m["run.epochs"].flatMap({ Int($0) }), epochs > 0 else {
            throw bad("metadata run.epochs is missing or malformed")
        }
        var maxSteps: Int?
        switch m["run.steps"] {
        case "none": maxSteps = nil
        case let text?:
            guard let n = Int(text), n >= 0 else { throw bad("metadata run.steps is malformed") }
            maxSteps = n
        case nil: throw bad("metadata run.steps is missing")
        }
        var options = options
        options.epochs = epochs
        options.maxSteps = maxSteps
        self.init(corpus: corpus, outFolder: out, initFrom: m["run.init_from"], options: options)
    }
}

/// The settings a caller gave explicitly; nil means "not given".
public struct TrainingSettings: Equatable, Sendable {
    public var epochs: Int?
    public var batchSize: Int?
    public var learningRate: Float?
    public var optimizer: OptimizerKind?
    public var clip: Float?
    public var seed: UInt64?
    public var shuffle: Bool?
    public var maxSteps: Int?
    public var validationFraction: Double?

    public init(
        epochs: Int? = nil, batchSize: Int? = nil, learningRate: Float? = nil, optimizer: OptimizerKind? = nil,
        clip: Float? = nil, seed: UInt64? = nil, shuffle: Bool? = nil, maxSteps: Int? = nil,
        validationFraction: Double? = nil
    ) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.clip = clip
        self.seed = seed
        self.shuffle = shuffle
        self.maxSteps = maxSteps
        self.validationFraction = validationFraction
    }

    /// The options of a new run: each given setting, the default (the homework's) for the rest.
    public func newRunOptions(threads: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs ?? o.epochs
        o.batchSize = batchSize ?? o.batchSize
        o.learningRate = learningRate ?? o.learningRate
        o.optimizer = optimizer ?? o.optimizer
        o.clip = clip ?? o.clip
        o.seed = seed ?? o.seed
        o.shuffle = shuffle ?? o.shuffle
        o.maxSteps = maxSteps ?? o.maxSteps
        o.validationFraction = validationFraction ?? o.validationFraction
        o.threads = threads
        return o
    }

    /// The options of a resumed run: the saved ones, with the targets this request sets.
    /// Throws `TrainingRunError.conflictingSetting` for a hyper-parameter given with another
    /// value than the saved one, `.targetBelowProgress` for a target the run has passed.
    public func resumedRunOptions(saved: TrainingOptions, state: TrainingState, statePath: String, threads: Int) throws -> TrainingOptions {
        func check<T: Equatable>(_ given: T?, _ saved: T, _ option: String, _ show: (T) -> String) throws {
            if let given, given != saved {
                throw TrainingRunError.conflictingSetting(
                    option: option, given: show(given), saved: "saved with \(option) \(show(saved))", state: statePath)
            }
        }
        try check(batchSize, saved.batchSize, "--batch-size", String.init)
        try check(learningRate, saved.learningRate, "--lr", { String($0) })
        try check(optimizer, saved.optimizer, "--optimizer", \.rawValue)
        try check(clip, saved.clip, "--clip", { String($0) })
        try check(seed, saved.seed, "--seed", String.init)
        if let shuffle, shuffle != saved.shuffle {
            throw TrainingRunError.conflictingSetting(
                option: shuffle ? "shuffle" : "--no-shuffle", given: "",
                saved: saved.shuffle ? "it shuffles every epoch" : "it keeps the corpus order",
                state: statePath)
        }
        try check(validationFraction, saved.validationFraction, "--validation", { String($0) })
        var o = saved
        o.threads = threads
        if let epochs {
            let done = state.epoch
            guard epochs >= done else {
                throw TrainingRunError.targetBelowProgress(
                    option: "--epochs", given: epochs, done: done, what: "epoch(s)", state: statePath)
            }
            o.epochs = epochs
        }
        if let maxSteps {
            guard maxSteps >= state.step else {
                throw TrainingRunError.targetBelowProgress(
                    option: "--steps", given: maxSteps, done: state.step, what: "step(s)", state: statePath)
            }
            o.maxSteps = maxSteps
        }
        return o
    }
}
