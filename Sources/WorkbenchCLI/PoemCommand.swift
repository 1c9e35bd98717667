// PoemCommand.swift — `workbench poem`: train, sample, evaluate and benchmark the poem LSTM.
//
// A thin layer over the Poetry module: each subcommand (one file each) declares its options,
// calls the library and formats the report value it returns (text or --json). This file holds
// the group and the pieces the subcommands share.

import Foundation
import Poetry

extension OptimizerKind: EnumerableOptionValue {}
extension PoemForm: EnumerableOptionValue {}

struct PoemCommand: CommandGroup {
    static let configuration = CommandConfiguration(
        name: "poem",
        abstract: "Train the homework's poem LSTM, sample poems, evaluate and benchmark it.",
        discussion: """
            The model is the homework's: embedding 100 → 2-layer LSTM (hidden 128) → linear, trained
            with Adam (lr 3e-3), gradient clipping at 1, batches of 32, 30 epochs. Checkpoints are
            safetensors files with PyTorch's parameter names.
            """,
        subcommands: [PoemTrainCommand.self, PoemSampleCommand.self, PoemQualityCommand.self, PoemEvalCommand.self, PoemBenchCommand.self])

    init() {}

    /// `--corpus FILE`: the poems, one per line.
    struct CorpusOption: ParsableArguments {
        @Option(
            placeholder: "FILE", help: "Poems, one per line (or title:poem).",
            defaultText: "\(PoemCorpus.defaultPaths.joined(separator: ", then "))")
        var corpus: String?
        init() {}

        func load() throws -> PoemCorpus {
            if let path = corpus { return try PoemCorpus.load(path: path) }
            return try PoemCorpus.loadDefault()
        }
    }

    /// `--threads T`.
    struct ThreadsOption: ParsableArguments {
        @Option(
            placeholder: "T", help: "Worker threads (results do not depend on it).", range: 1...256,
            defaultText: "the number of cores, \(TrainingOptions.defaultThreads) here")
        var threads = TrainingOptions.defaultThreads
        init() {}
    }

    /// Encodes the poems with `vocabulary`; poems with characters it lacks are an error.
    static func encode(_ corpus: PoemCorpus, _ vocabulary: Vocabulary, checkpoint: String) throws -> [[Int32]] {
        var unknown: [Character] = []
        for poem in corpus.poems {
            for ch in poem where vocabulary.id(of: ch) == nil && !unknown.contains(ch) { unknown.append(ch) }
        }
        if !unknown.isEmpty {
            throw RuntimeError(
                "corpus '\(corpus.source)' uses \(unknown.count) character(s) missing from the vocabulary of '\(checkpoint)' (e.g. \(String(unknown.prefix(10)))); train from scratch or use the same corpus"
            )
        }
        return corpus.poems.map { vocabulary.encode(poem: $0) }
    }

    static func fmt(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", x) }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "--:--" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%02d:%02d", t / 60, t % 60)
    }
}
