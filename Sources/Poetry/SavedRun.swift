// SavedRun.swift — the state file of a training run, the single commit point of a save.
//
// A save writes the state `poem.state.safetensors` first, then the weights `poem.safetensors`
// (the model's state_dict and nothing else, so that PyTorch loads it with strict=True). The
// state file is complete on its own: besides the optimizer state it holds the weights, the
// vocabulary, the run's configuration, and the checksum (FNV-1a, Fingerprint.swift) of the
// weights file written after it, and of the weights file that one replaces. Its rename commits
// the save:
//   - killed before that rename, the folder holds the previous pair, untouched;
//   - killed after it, the weights file is still the previous one (or absent on a first save):
//     its checksum is the state's `previous`, and resuming continues from the state's copy of
//     the weights, bit for bit, and writes the weights file again;
//   - a weights file that matches neither checksum was not written with this state (copied in
//     by hand, or from another run): resuming refuses the pair and names both files.
// Metadata keys: the state's own (TrainingState.file), `model.*` (the checkpoint's),
// `run.*` (TrainingRunConfiguration), `weights.checksum`, `weights.previous_checksum`.
// Leaves out: keeping older generations of a run.

import Foundation

/// Everything a training run saves in its state file.
public struct SavedRun: Sendable {
    /// The weights and vocabulary (the same values as the weights file of the pair).
    public var checkpoint: PoemCheckpoint
    /// The optimizer state, the position in the run, the loss history, the corpus fingerprint.
    public var state: TrainingState
    /// How the run was asked for (corpus, folder, epochs, hyper-parameters).
    public var configuration: TrainingRunConfiguration
    /// The checksum of the weights file written with this state.
    public var weightsChecksum: UInt64
    /// The checksum of the weights file this save replaces (nil: there was none).
    public var previousWeightsChecksum: UInt64?

    public init(
        checkpoint: PoemCheckpoint, state: TrainingState, configuration: TrainingRunConfiguration,
        weightsChecksum: UInt64, previousWeightsChecksum: UInt64?
    ) {
        self.checkpoint = checkpoint
        self.state = state
        self.configuration = configuration
        self.weightsChecksum = weightsChecksum
        self.previousWeightsChecksum = previousWeightsChecksum
    }

    static let checksumKey = "weights.checksum"
    static let previousChecksumKey = "weights.previous_checksum"

    /// The file's contents: the state's tensors, the model's tensors, all metadata.
    public func file() -> SafetensorsFile {
        var f = state.file()
        let model = checkpoint.file()
        f.tensors += model.tensors
        for (k, v) in model.metadata { f.metadata["model." + k] = v }
        f.metadata.merge(configuration.metadata) { $1 }
        f.metadata[Self.checksumKey] = ContentHash.hex(weightsChecksum)
        if let previousWeightsChecksum { f.metadata[Self.previousChecksumKey] = ContentHash.hex(previousWeightsChecksum) }
        return f
    }

    public static func read(path: String) throws -> SavedRun {
        try SavedRun(file: try SafetensorsFile.read(path: path), path: path)
    }

    /// Checks and decodes a run's state file; `path` is only used in messages.
    public init(file f: SafetensorsFile, path: String) throws {
        func bad(_ r: String) -> CheckpointError { .mismatch(path: path, reason: r) }
        let state = try TrainingState(file: f, path: path)
        var modelMetadata: [String: String] = [:]
        for (k, v) in f.metadata where k.hasPrefix("model.") { modelMetadata[String(k.dropFirst("model.".count))] = v }
        guard !modelMetadata.isEmpty else {
            throw bad("it holds no weights (a bare training state, not the state of a `poem train` run)")
        }
        let model = SafetensorsFile(tensors: f.tensors.filter { !TrainingState.tensorNames.contains($0.name) }, metadata: modelMetadata)
        checkpoint = try PoemCheckpoint(file: model, path: path)
        guard let options = TrainingOptions(fingerprint: state.options) else {
            throw bad(
                "the saved options \(state.options.keys.sorted().map { "\($0)=\(state.options[$0]!)" }.joined(separator: ", ")) are incomplete or malformed"
            )
        }
        configuration = try TrainingRunConfiguration(metadata: f.metadata, options: options, path: path)
        guard state.corpus != nil else { throw bad("it lacks the corpus fingerprint") }
        guard let checksum = f.metadata[Self.checksumKey].flatMap({ UInt64($0, radix: 16) }) else {
            throw bad("metadata \(Self.checksumKey) is missing or malformed")
        }
        weightsChecksum = checksum
        if let text = f.metadata[Self.previousChecksumKey] {
            guard let previous = UInt64(text, radix: 16) else { throw bad("metadata \(Self.previousChecksumKey) is malformed") }
            previousWeightsChecksum = previous
        } else {
            previousWeightsChecksum = nil
        }
        if options.optimizer == .adam, state.firstMoment.count != checkpoint.model.parameters.count {
            throw bad("its Adam moments have \(state.firstMoment.count) entries, its model \(checkpoint.model.parameters.count)")
        }
        self.state = state
    }
}
