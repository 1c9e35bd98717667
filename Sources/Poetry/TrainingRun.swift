// TrainingRun.swift — the poem training workflow: start a run (new, from a checkpoint's
// weights, or resumed), train it, save it, stop it, and report.
//
// A run lives in one folder: `poem.safetensors` (the weights, PyTorch's state_dict),
// `poem.state.safetensors` (everything else, the commit point of a save; SavedRun.swift) and
// `loss.svg` (the loss curve). The workflow:
//   - open: lock the folder (RunFolderLock.swift; a second run on the same folder is refused),
//     remove temporary files left there by killed processes, then
//       new        — a fresh model of the requested shape, seeded;
//       init-from  — the weights and vocabulary of a checkpoint, a fresh optimizer;
//       resume     — the saved run, exactly: weights, optimizer state, configuration (so that
//                    `--resume FILE` alone continues it into its own folder), after checking
//                    that the weights file belongs to the state and that the corpus is the one
//                    the run trained on, in the same order;
//   - saving policy: after every epoch, and when the run ends (finished, step limit, or a stop
//     request); a diverged run is not saved, so the last good checkpoint stays;
//   - stop: a `StopRequest` (raised by a signal handler, a test, a UI) is checked before every
//     step; the step in progress finishes, the run saves and reports `.interrupted` with the
//     signal that asked for it (the command-line tool exits 128 + that signal: 130, 143);
//   - every file goes through `AtomicFile.write`; a failed save (a full disk) stops the run and
//     names what is still intact.
// Leaves out: printing (the report is a value; the command-line tool formats it) and installing
// signal handlers (the caller's job).

import Foundation

/// A request to stop a run, safe to raise from any thread (a signal handler's queue).
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    private var signalNumber: Int32?

    public init() {}

    /// Asks the run to stop after the step in progress; the first request's signal is kept.
    public func request(signal: Int32? = nil) {
        lock.lock(); defer { lock.unlock() }
        if !requested { signalNumber = signal }
        requested = true
    }

    public var isRequested: Bool { lock.lock(); defer { lock.unlock() }; return requested }
    /// The signal that asked for the stop (nil: none, or not asked by a signal).
    public var signal: Int32? { lock.lock(); defer { lock.unlock() }; return signalNumber }
}

/// How to start a run.
public struct TrainingRunRequest: Sendable {
    public enum Start: Equatable, Sendable {
        /// A fresh model of this shape (the vocabulary comes from the corpus).
        case new(embeddingDim: Int, hiddenSize: Int, layers: Int)
        /// The weights and vocabulary of this checkpoint, a fresh optimizer and schedule.
        case initFrom(String)
        /// The run saved with this checkpoint (or in this folder), continued exactly.
        case resume(String)
    }

    /// The folder of a new run when none is given.
    public static let defaultOutFolder = "poem-run"

    public var start: Start
    /// The corpus file (nil: the default search for a new run, the saved corpus on resume).
    public var corpus: String?
    /// The run's folder (nil: `poem-run` for a new run; on resume the run's own folder, the only one allowed).
    public var outFolder: String?
    /// Settings given explicitly (TrainingRunConfiguration.swift says how they combine).
    public var settings: TrainingSettings
    /// Worker threads (results do not depend on it).
    public var threads: Int

    public init(
        start: Start, corpus: String? = nil, outFolder: String? = nil, settings: TrainingSettings = TrainingSettings(),
        threads: Int = TrainingOptions.defaultThreads
    ) {
        self.start = start
        self.corpus = corpus
        self.outFolder = outFolder
        self.settings = settings
        self.threads = threads
    }
}

/// What a run did, for the caller to print.
public struct TrainingRunReport: Sendable, Codable {
    /// The training loop's report for this session (steps, epochs, stop reason, speed).
    public var report: TrainingReport
    public var checkpoint: String
    public var state: String
    /// The loss curve, when one was written.
    public var lossCurve: String?
    /// The corpus file the run trains on.
    public var corpus: String
    /// Optimizer steps of the whole run so far.
    public var step: Int
    /// Epochs finished, and the run's target.
    public var epochsDone: Int
    public var epochs: Int
    /// The run's step limit, if any.
    public var maxSteps: Int?
    /// The step saved in the folder at the end (nil: nothing saved).
    public var savedStep: Int?
    /// The signal that stopped an interrupted run.
    public var stopSignal: Int32?
    /// The loss of the last step of the run.
    public var lastBatchLoss: Float?
    /// Things the run did that the user should know (stale files removed, a save recovered).
    public var notes: [String]
}

/// Why a run could not be started or saved.
public enum TrainingRunError: WorkbenchError, Equatable {
    case folderInUse(folder: String, pid: Int32?)
    case lockFailed(folder: String, reason: String)
    case cannotCreateFolder(folder: String, reason: String)
    case missingState(checkpoint: String, state: String)
    case mismatchedPair(weights: String, weightsStep: Int?, state: String, stateStep: Int)
    case outFolderConflict(given: String, runFolder: String)
    case conflictingSetting(option: String, given: String, saved: String, state: String)
    case targetBelowProgress(option: String, given: Int, done: Int, what: String, state: String)
    case corpusMissing(corpus: String, state: String)
    case corpusDiffers(corpus: String, state: String, reason: String)
    case cannotResume(state: String, reason: String)
    case unknownCharacters(corpus: String, vocabularyOf: String, characters: String, count: Int)
    case saveFailed(step: Int, reason: String, savedStep: Int?, folder: String)

    public var exitStatus: Int32 {
        switch self {
        case .outFolderConflict, .conflictingSetting, .targetBelowProgress: return 2
        default: return 1
        }
    }

    public var description: String {
        switch self {
        case .folderInUse(let folder, let pid):
            let owner = pid.map { "process \($0)" } ?? "another process"
            let stop =
                pid.map { "; wait for it to finish, or stop it with `kill -INT \($0)` (it saves first)" } ?? "; wait for it to finish"
            return
                "folder '\(folder)' is in use by another training run (\(owner), lock file \(RunFolderLock.fileName))\(stop), or choose another --out"
        case .lockFailed(let folder, let reason):
            return "cannot lock folder '\(folder)' for training: \(reason)"
        case .cannotCreateFolder(let folder, let reason):
            return "cannot create output folder '\(folder)': \(reason)"
        case .missingState(let checkpoint, let state):
            return
                "cannot resume from '\(checkpoint)': its training state '\(state)' is missing (a resumable run keeps it next to the weights); start a new run from these weights with --init-from \(checkpoint)"
        case .mismatchedPair(let weights, let weightsStep, let state, let stateStep):
            let at = weightsStep.map { " (step \($0))" } ?? ""
            return
                "'\(weights)'\(at) and '\(state)' (step \(stateStep)) are not a pair: the state was saved with other weights, so resuming would not continue that run; put back the weights file saved with that state, or start a new run from these weights with --init-from \(weights)"
        case .outFolderConflict(let given, let runFolder):
            return
                "option --out '\(given)' does not apply with --resume: a resumed run continues in its own folder '\(runFolder)' (copy that folder to branch the run)"
        case .conflictingSetting(let option, let given, let saved, let state):
            let option = given.isEmpty ? option : "\(option) \(given)"
            return
                "option \(option) conflicts with the run saved in '\(state)' (\(saved)): a resumed run keeps its settings; leave the option out, or start a new run with --init-from"
        case .targetBelowProgress(let option, let given, let done, let what, let state):
            return "option \(option) \(given) is below what the run saved in '\(state)' has done (\(done) \(what)); give at least \(done)"
        case .corpusMissing(let corpus, let state):
            return "the corpus '\(corpus)' of the run saved in '\(state)' is missing; pass --corpus FILE with the same poems"
        case .corpusDiffers(let corpus, let state, let reason):
            return "cannot resume the run saved in '\(state)' on corpus '\(corpus)': \(reason)"
        case .cannotResume(let state, let reason):
            return "cannot resume the run saved in '\(state)': \(reason)"
        case .unknownCharacters(let corpus, let checkpoint, let characters, let count):
            return
                "corpus '\(corpus)' uses \(count) character(s) missing from the vocabulary of '\(checkpoint)' (e.g. \(characters)); train from scratch or use the same corpus"
        case .saveFailed(let step, let reason, let savedStep, let folder):
            let kept =
                savedStep.map { "the run saved at step \($0) in '\(folder)' is intact; fix this and resume it" }
                ?? "nothing of this run was saved in '\(folder)'"
            return "could not save step \(step): \(reason); \(kept)"
        }
    }
}

/// A training run: its folder, its model and trainer, its saving policy.
public final class TrainingRun {
    /// The run's configuration (stored in its state file at every save).
    public private(set) var configuration: TrainingRunConfiguration
    public let corpus: PoemCorpus
    public let vocabulary: Vocabulary
    public let trainer: PoemTrainer
    public let checkpointPath: String
    public let statePath: String
    public let lossCurvePath: String
    /// Things done while opening that the user should know.
    public private(set) var notes: [String]
    /// The step saved in the folder (nil: nothing of this run saved yet).
    public private(set) var savedStep: Int?

    private var lock: RunFolderLock?
    /// The checksum of the weights file in the folder (nil: none).
    private var weightsOnDisk: UInt64?
    private var lossCurveWritten = false
    /// Writes one file atomically (tests put a failing writer here).
    var writeFile: (Data, String) throws -> Void = { try AtomicFile.write($0, to: $1) }

    private init(
        configuration: TrainingRunConfiguration, corpus: PoemCorpus, vocabulary: Vocabulary, trainer: PoemTrainer,
        checkpointPath: String, lock: RunFolderLock, notes: [String], weightsOnDisk: UInt64?, savedStep: Int?
    ) {
        self.configuration = configuration
        self.corpus = corpus
        self.vocabulary = vocabulary
        self.trainer = trainer
        self.checkpointPath = checkpointPath
        self.statePath = TrainingState.path(forCheckpoint: checkpointPath)
        self.lossCurvePath = ((checkpointPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("loss.svg")
        self.lock = lock
        self.notes = notes
        self.weightsOnDisk = weightsOnDisk
        self.savedStep = savedStep
    }

    deinit { lock?.release() }

    /// The weights file's name in a run folder.
    public static let checkpointName = "poem.safetensors"

    // MARK: - Opening

    /// Opens a run as `request` asks: locks its folder, cleans it, loads or builds the model.
    public static func open(_ request: TrainingRunRequest) throws -> TrainingRun {
        if case .resume(let path) = request.start { return try resume(path, request) }
        let folder = request.outFolder ?? TrainingRunRequest.defaultOutFolder
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw TrainingRunError.cannotCreateFolder(folder: folder, reason: reason(error))
        }
        let checkpointPath = (folder as NSString).appendingPathComponent(checkpointName)
        let (lock, notes) = try lockAndClean(folder)
        var allNotes = notes
        if FileManager.default.fileExists(atPath: TrainingState.path(forCheckpoint: checkpointPath)) {
            allNotes.append(
                "this new run replaces the run saved in '\(folder)' at its first save (to continue that run instead, resume it from \(checkpointPath))"
            )
        }
        let corpus = try request.corpus.map { try PoemCorpus.load(path: $0) } ?? PoemCorpus.loadDefault()
        let options = request.settings.newRunOptions(threads: request.threads)
        let vocabulary: Vocabulary, model: PoemModel, initFrom: String?, vocabularySource: String
        switch request.start {
        case .initFrom(let path):
            let ck = try PoemCheckpoint.read(path: path)
            vocabulary = ck.vocabulary
            model = ck.model
            initFrom = TrainingRunConfiguration.absolute(path)
            vocabularySource = path
        case .resume:
            preconditionFailure("a resumed run is opened by resume(_:_:)")
        case .new(let embeddingDim, let hiddenSize, let layers):
            vocabulary = Vocabulary(poems: corpus.poems)
            let config = PoemModelConfig(rows: vocabulary.modelRows, embeddingDim: embeddingDim, hiddenSize: hiddenSize, layers: layers)
            model = PoemModel(config: config, seed: options.seed)
            initFrom = nil
            vocabularySource = corpus.source
        }
        let poems = try encode(corpus, vocabulary, vocabularyOf: vocabularySource)
        let trainer = try PoemTrainer(poems: poems, model: model, options: options)
        let configuration = TrainingRunConfiguration(
            corpus: TrainingRunConfiguration.absolute(corpus.source),
            outFolder: TrainingRunConfiguration.absolute(folder),
            initFrom: initFrom, options: options)
        let onDisk = FileManager.default.contents(atPath: checkpointPath).map(ContentHash.of)
        return TrainingRun(
            configuration: configuration, corpus: corpus, vocabulary: vocabulary, trainer: trainer,
            checkpointPath: checkpointPath, lock: lock, notes: allNotes, weightsOnDisk: onDisk, savedStep: nil)
    }

    /// Opens the run saved with the checkpoint `given` (or in the folder `given`).
    private static func resume(_ given: String, _ request: TrainingRunRequest) throws -> TrainingRun {
        var checkpointPath = given
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: given, isDirectory: &isFolder), isFolder.boolValue {
            checkpointPath = (given as NSString).appendingPathComponent(checkpointName)
        } else if given.hasSuffix(".state.safetensors") {
            checkpointPath = String(given.dropLast(".state.safetensors".count)) + ".safetensors"
        }
        let statePath = TrainingState.path(forCheckpoint: checkpointPath)
        let folderText = (checkpointPath as NSString).deletingLastPathComponent
        let folder = folderText.isEmpty ? "." : folderText
        if let out = request.outFolder, TrainingRunConfiguration.absolute(out) != TrainingRunConfiguration.absolute(folder) {
            throw TrainingRunError.outFolderConflict(given: out, runFolder: folder)
        }
        guard FileManager.default.fileExists(atPath: statePath) else {
            if !FileManager.default.fileExists(atPath: checkpointPath) {
                throw CheckpointError.unreadable(path: checkpointPath, reason: "no such file")
            }
            throw TrainingRunError.missingState(checkpoint: checkpointPath, state: statePath)
        }
        // Lock before reading, so that no other run is half-way through a save.
        let (lock, cleanNotes) = try lockAndClean(folder)
        var notes = cleanNotes
        let saved = try SavedRun.read(path: statePath)

        // The pair: the weights file must be the one saved with the state, or the one before it
        // (a save interrupted between its two renames), or missing.
        let weightsData = FileManager.default.contents(atPath: checkpointPath)
        let onDisk = weightsData.map(ContentHash.of)
        var rewriteWeights = false
        if onDisk != saved.weightsChecksum {
            if weightsData == nil || onDisk == saved.previousWeightsChecksum {
                rewriteWeights = true
                notes.append(
                    weightsData == nil
                        ? "'\(checkpointPath)' was missing; it is written again from the copy of the weights in '\(statePath)' (step \(saved.state.step))"
                        : "the last save was interrupted before '\(checkpointPath)' was replaced; the run continues from the weights in '\(statePath)' (step \(saved.state.step)) and writes that file again"
                )
            } else {
                let weightsStep = weightsData.flatMap { try? SafetensorsFile.decode([UInt8]($0), path: checkpointPath) }?.metadata["step"]
                    .flatMap { Int($0) }
                throw TrainingRunError.mismatchedPair(
                    weights: checkpointPath, weightsStep: weightsStep, state: statePath, stateStep: saved.state.step)
            }
        }

        let options = try request.settings.resumedRunOptions(
            saved: saved.configuration.options, state: saved.state,
            statePath: statePath, threads: request.threads)
        let corpusPath = request.corpus ?? saved.configuration.corpus
        if request.corpus == nil, !FileManager.default.fileExists(atPath: corpusPath) {
            throw TrainingRunError.corpusMissing(corpus: corpusPath, state: statePath)
        }
        let corpus = try PoemCorpus.load(path: corpusPath)
        let poems = try encode(corpus, saved.checkpoint.vocabulary, vocabularyOf: checkpointPath)
        let trainer: PoemTrainer
        do {
            trainer = try PoemTrainer(poems: poems, model: saved.checkpoint.model, options: options, state: saved.state)
        } catch let TrainingError.corpusMismatch(reason) {
            throw TrainingRunError.corpusDiffers(corpus: corpusPath, state: statePath, reason: reason)
        } catch let TrainingError.resumeMismatch(reason) {
            throw TrainingRunError.cannotResume(state: statePath, reason: reason)
        }
        var configuration = saved.configuration
        configuration.options = options
        configuration.corpus = TrainingRunConfiguration.absolute(corpusPath)
        configuration.outFolder = TrainingRunConfiguration.absolute(folder)
        // A changed configuration (a new target, a moved folder or corpus) is saved at the end even without a step.
        let run = TrainingRun(
            configuration: configuration, corpus: corpus, vocabulary: saved.checkpoint.vocabulary, trainer: trainer,
            checkpointPath: checkpointPath, lock: lock, notes: notes, weightsOnDisk: onDisk,
            savedStep: configuration == saved.configuration ? saved.state.step : nil)
        if rewriteWeights {
            do { try run.save() } catch {
                throw TrainingRunError.saveFailed(
                    step: saved.state.step, reason: reason(error), savedStep: saved.state.step, folder: folder)
            }
        }
        return run
    }

    private static func lockAndClean(_ folder: String) throws -> (RunFolderLock, [String]) {
        let lock = try RunFolderLock.acquire(folder: folder)
        var notes: [String] = []
        if let pid = lock.stalePid {
            notes.append("took over the lock of '\(folder)' left by process \(pid), which no longer holds it")
        }
        let removed = AtomicFile.removeStale(in: folder)
        if !removed.isEmpty {
            notes.append(
                "removed \(removed.count) temporary file(s) left in '\(folder)' by an interrupted process (\(removed.sorted().joined(separator: ", ")))"
            )
        }
        return (lock, notes)
    }

    /// The poems encoded with `vocabulary`; characters it lacks are an error.
    static func encode(_ corpus: PoemCorpus, _ vocabulary: Vocabulary, vocabularyOf source: String) throws -> [[Int32]] {
        var unknown: [Character] = []
        var seen = Set<Character>()
        for poem in corpus.poems {
            for ch in poem where vocabulary.id(of: ch) == nil && !seen.contains(ch) {
                seen.insert(ch)
                unknown.append(ch)
            }
        }
        if !unknown.isEmpty {
            throw TrainingRunError.unknownCharacters(
                corpus: corpus.source, vocabularyOf: source,
                characters: String(unknown.prefix(10)), count: unknown.count)
        }
        return corpus.poems.map { vocabulary.encode(poem: $0) }
    }

    private static func reason(_ error: Error) -> String {
        if let e = error as? any WorkbenchError { return e.description }
        return (error as NSError).localizedDescription
    }

    // MARK: - Training

    /// Trains until the run ends (its epochs, its step limit, a stop request, divergence),
    /// saving after every epoch and at the end; then releases the folder.
    /// - Parameters:
    ///   - progress: called after every step (after the save, at the end of an epoch).
    ///   - stop: checked before every step.
    public func run(progress: (TrainingProgress) -> Void = { _ in }, stop: StopRequest = StopRequest()) throws -> TrainingRunReport {
        defer { close() }
        var saveError: Error?
        let report = trainer.run(
            progress: { p in
                if p.epochSummary != nil && saveError == nil {
                    do { try self.save() } catch { saveError = error }
                }
                progress(p)
            }, shouldStop: { saveError != nil || stop.isRequested })
        if let saveError { throw saveFailure(saveError) }
        switch report.stop {
        case .finished, .stepLimit, .interrupted:
            if savedStep != trainer.state.step {
                do { try save() } catch { throw saveFailure(error) }
            }
        case .diverged:
            break
        }
        return TrainingRunReport(
            report: report, checkpoint: checkpointPath, state: statePath,
            lossCurve: lossCurveWritten
                || (savedStep != nil && !trainer.state.stepLosses.isEmpty
                    && FileManager.default.fileExists(atPath: lossCurvePath))
                ? lossCurvePath : nil,
            corpus: configuration.corpus, step: trainer.state.step, epochsDone: trainer.state.epoch,
            epochs: configuration.options.epochs, maxSteps: configuration.options.maxSteps, savedStep: savedStep,
            stopSignal: report.stop == .interrupted ? stop.signal : nil, lastBatchLoss: trainer.state.stepLosses.last,
            notes: notes)
    }

    private func saveFailure(_ error: Error) -> TrainingRunError {
        .saveFailed(
            step: trainer.state.step, reason: Self.reason(error), savedStep: savedStep,
            folder: (checkpointPath as NSString).deletingLastPathComponent)
    }

    /// Saves the run: the state (the commit point), then the weights, then the loss curve.
    public func save() throws {
        let state = trainer.state
        var info = ["corpus": configuration.corpus, "step": String(state.step), "epoch": String(state.epoch)]
        if let last = state.epochLosses.last { info["train_loss"] = String(last) }
        let weights = PoemCheckpoint(model: trainer.model, vocabulary: vocabulary, info: info)
        let weightsBytes = Data(weights.file().encoded())
        let checksum = ContentHash.of(weightsBytes)
        let saved = SavedRun(
            checkpoint: PoemCheckpoint(model: trainer.model, vocabulary: vocabulary), state: state,
            configuration: configuration, weightsChecksum: checksum, previousWeightsChecksum: weightsOnDisk)
        try writeFile(Data(saved.file().encoded()), statePath)
        savedStep = state.step
        try writeFile(weightsBytes, checkpointPath)
        weightsOnDisk = checksum
        if !state.stepLosses.isEmpty {
            let svg = LossCurve.svg(
                stepLosses: state.stepLosses, epochLosses: state.epochLosses,
                validationLosses: state.validationLosses, batchesPerEpoch: trainer.batchesPerEpoch)
            try writeFile(Data(svg.utf8), lossCurvePath)
            lossCurveWritten = true
        }
    }

    /// Releases the folder's lock (`run` does this when it returns).
    public func close() {
        lock?.release()
        lock = nil
    }
}
