// Lab5PoemModel.swift — Lab 5, the code exercise: the poem LSTM (seeds 000/001).
//
// The homework completes a PyTorch model (embedding → 2-layer LSTM → linear) and a corpus
// encoder, and states the shapes they must produce. This exercise checks those shapes with the
// workbench's own reader and model layout; training and sampling are `workbench poem …`.

import Foundation
import PoemEngine
import Poetry

public struct Lab5PoemModel: Exercise {
    public init() {}
    public let id = "lab5-code"
    public let title = "The poem LSTM: corpus encoding and model shapes"
    public let source = Seeds.lab5("code exercise (process_poems, RNN_model)")
    public let notation = Notation.pytorch

    /// Where the homework corpus is looked for: $WORKBENCH_CORPUS, ./subset_poems.txt, and the
    /// shared data folder beside the package.
    static var corpusCandidates: [String] {
        var paths: [String] = []
        if let env = ProcessInfo.processInfo.environment["WORKBENCH_CORPUS"] { paths.append(env) }
        paths.append("subset_poems.txt")
        paths.append("../shared/data/subset_poems.txt")
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        paths.append(packageRoot.appendingPathComponent("../shared/data/subset_poems.txt").standardized.path)
        return paths
    }

    public func run() -> ExerciseReport {
        var checks: [ExerciseCheck] = []
        var quantities: [Quantity] = []
        var findings: [Finding] = []

        // The layout of the homework model for a vocabulary of V entries: names and shapes as
        // the homework's state_dict. This part needs no data.
        let v = 2001
        let layout = ParameterLayout(config: .homework(vocabularyCount: v))
        let expected: [(String, [Int])] = [
            ("word_embedding_lookup.word_embedding.weight", [v + 1, 100]),
            ("rnn_lstm.weight_ih_l0", [512, 100]), ("rnn_lstm.weight_hh_l0", [512, 128]),
            ("rnn_lstm.bias_ih_l0", [512]), ("rnn_lstm.bias_hh_l0", [512]),
            ("rnn_lstm.weight_ih_l1", [512, 128]), ("rnn_lstm.weight_hh_l1", [512, 128]),
            ("rnn_lstm.bias_ih_l1", [512]), ("rnn_lstm.bias_hh_l1", [512]),
            ("fc.weight", [v + 1, 128]), ("fc.bias", [v + 1]),
        ]
        let layoutMatches = layout.slices.map { $0.name } == expected.map { $0.0 } && layout.slices.map(\.shape) == expected.map { $0.1 }
        checks.append(.that("state_dict names and shapes of the homework model (V = 2,001)", layoutMatches))
        quantities.append(Quantity("parameters of the homework model", "\(layout.count)"))

        if let path = Self.corpusCandidates.first(where: { FileManager.default.fileExists(atPath: $0) }),
           let corpus = try? PoemCorpus.load(path: path) {
            let vocabulary = Vocabulary(poems: corpus.poems)
            let encoded = corpus.poems.map { vocabulary.encode(poem: $0) }
            let lengths = Set(encoded.map(\.count))
            let rows = encoded.count, cols = lengths.count == 1 ? lengths.first! : -1
            quantities += [Quantity("poems read", "\(rows) (skipped \(corpus.skipped.count))"),
                           Quantity("encoded shape", "\(rows) × \(cols)"), Quantity("vocabulary (with G and E)", "\(vocabulary.count)")]
            checks.append(.that("encoded poems are 12,842 × 26", rows == 12_842 && cols == 26, "\(rows) × \(cols)"))
            checks.append(.that("the vocabulary has 2,001 entries", vocabulary.count == 2001, "\(vocabulary.count)"))
            checks.append(.that("G and E are in the vocabulary", vocabulary.id(of: "G") != nil && vocabulary.id(of: "E") != nil))
            findings.append(.confirmation(
                "The homework prints (12842, 26) for the encoded poems and 2001 for both maps.",
                "Reading the corpus with the workbench gives the same numbers: every quatrain is 24 characters plus G and E.",
                [Quantity("encoded shape", "\(rows) × \(cols)"), Quantity("vocabulary", "\(vocabulary.count)")]))
        } else {
            checks.append(.skipped("encoded poems are 12,842 × 26 and the vocabulary has 2,001 entries",
                                   because: "the homework corpus is not here (set WORKBENCH_CORPUS or put subset_poems.txt in the current folder)"))
        }
        findings.append(.confirmation(
            "The model is an embedding of vocab_len = V + 1 rows and width 100, a 2-layer batch-first LSTM of width 128, and a linear layer back to V + 1 outputs.",
            "The workbench's poem model has exactly the homework's state_dict names and shapes, so its safetensors checkpoints load into the homework's RNN_model with strict=True (scripts/check_poem_checkpoint.py).",
            [Quantity("embedding", "\(v + 1) × 100"), Quantity("fc.weight", "\(v + 1) × 128"), Quantity("parameters", "\(layout.count)")]))
        return report(
            summary: "Checks the homework's stated shapes: the encoded corpus, the vocabulary and the model's parameters. Training and sampling run with `workbench poem train` and `workbench poem sample`.",
            quantities: quantities, checks: checks, findings: findings,
            commands: ["workbench poem train --epochs 30", "workbench poem sample --checkpoint poem-run/poem.safetensors --start 日照香炉生"])
    }
}
