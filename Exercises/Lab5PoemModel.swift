// Lab5PoemModel.swift — Lab 5, the code exercise (seed 001): the poem LSTM as the homework
// writes it, against the workbench's poem model, trainer and vocabulary.
//
// The seed completes `RNN_model` (embedding → 2-layer batch-first LSTM → linear) and
// `process_poems`; Lab5HomeworkCode.swift transcribes both as the seed states them. This exercise
// (1) derives the state_dict from the model's declaration and compares the workbench's layout
// with it, for the homework's sizes and two others; (2) runs the seed's forward pass (zero
// initial state, `out.view(-1, H)`, `out[-1]` at test time) on a small random model and compares
// it with the workbench's Float32 trainer and with Recurrent's LSTM; (3) runs `process_poems` on
// a small built-in corpus with tied counts, and on the homework corpus when it is here, and
// compares the vocabulary and the encoding with the workbench's.
// Dimension letters: B batch, T steps, R = V + 1 rows, E embedding, H hidden.
// Training and sampling are `workbench poem …`.

import Foundation
import GradCheck
import PoemEngine
import Poetry
import Recurrent
import WorkbenchNumerics

public struct Lab5PoemModel: Exercise {
    public let id = "lab5-code"
    public let title = "The poem LSTM: the model, its forward pass and the corpus encoding, as the homework writes them"
    public let source = Seeds.lab5("code exercise (RNN_model, process_poems)")
    public let notation = Notation.pytorch

    // Ingredients.
    /// The workbench's parameter layout for a configuration: names and shapes in order.
    public var layout: @Sendable (PoemModelConfig) -> [(name: String, shape: [Int])] = { config in
        ParameterLayout(config: config).slices.map { ($0.name, $0.shape) }
    }
    /// The workbench's vocabulary order for poems (without G and E).
    public var vocabularyOrder: @Sendable ([[Character]]) -> [Character] = { Vocabulary(poems: $0).characters }
    /// Where `out.view(-1, H)` puts sequence b's step t.
    public var flattenedRow: @Sendable (_ b: Int, _ t: Int, _ batch: Int, _ steps: Int) -> Int = { b, t, _, steps in b * steps + t }
    /// Every entry of (h0, c0).
    public var initialState = 0.0
    /// The row returned at test time.
    public var testRow: @Sendable (_ rows: Int) -> Int = { $0 - 1 }
    /// Where the homework corpus is looked for ($WORKBENCH_CORPUS, ./subset_poems.txt, the
    /// shared data folder beside the package); empty: never read it.
    public var corpusCandidates: [String] = Lab5PoemModel.defaultCorpusCandidates

    public init() {}

    public static var defaultCorpusCandidates: [String] {
        var paths: [String] = []
        if let env = ProcessInfo.processInfo.environment["WORKBENCH_CORPUS"] { paths.append(env) }
        paths.append("subset_poems.txt")
        paths.append("../shared/data/subset_poems.txt")
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        paths.append(packageRoot.appendingPathComponent("../shared/data/subset_poems.txt").standardized.path)
        return paths
    }

    /// A small corpus with tied counts whose first-occurrence order differs from code-point order.
    static let tiedCorpus = ["dcba", "abcd", "xyzy", "zzxw", "wvut"]

    public func run() -> ExerciseReport {
        var checks: [ExerciseCheck] = []
        var quantities: [Quantity] = []
        var findings: [Finding] = []
        let declaration = HomeworkModelDeclaration()

        // (1) The declaration's state_dict against the workbench's layout.
        let configs = [
            PoemModelConfig.homework(vocabularyCount: 2001), PoemModelConfig(rows: 12, embeddingDim: 5, hiddenSize: 4, layers: 2),
            PoemModelConfig(rows: 30, embeddingDim: 7, hiddenSize: 6, layers: 2),
        ]
        var layoutMismatches = 0
        var firstMismatch = ""
        for c in configs {
            let seed = declaration.stateDict(
                vocabLength: c.rows, embeddingDim: c.embeddingDim, lstmDim: c.hiddenSize, embeddingRows: c.rows)
            let ours = layout(c)
            let pairs = max(seed.count, ours.count)
            for k in 0..<pairs {
                let a = k < seed.count ? "\(seed[k].name) \(seed[k].shape)" : "-",
                    b = k < ours.count ? "\(ours[k].name) \(ours[k].shape)" : "-"
                if a != b { layoutMismatches += 1; if firstMismatch.isEmpty { firstMismatch = "declared \(a), workbench \(b)" } }
            }
        }
        let homework = ParameterLayout(config: .homework(vocabularyCount: 2001))
        checks.append(
            .atMost(
                "state_dict names, shapes and order: RNN_model's declaration (PyTorch's rules) vs the workbench's layout, 3 sizes: entries that differ",
                Double(layoutMismatches), 0, firstMismatch))
        quantities.append(Quantity("parameters of the homework-sized model (V = 2,001)", integer: homework.count))

        // (2) The forward pass as written, on a small random model.
        let config = PoemModelConfig(rows: 12, embeddingDim: 5, hiddenSize: 4, layers: 2)
        let model = PoemModel(config: config, seed: 7)
        var tensors: [String: (shape: [Int], values: [Double])] = [:]
        for s in model.layout.slices { tensors[s.name] = (s.shape, model.values(s.name).map(Double.init)) }
        let parameters = HomeworkParameters(tensors: tensors)
        let forward = HomeworkForward(flattenedRow: flattenedRow, initialState: initialState, testRow: testRow)
        var rng = SeededGenerator(seed: 1001)
        let (B, T) = (3, 6)
        let sequences = (0..<B).map { _ in (0...T).map { _ in rng.int(below: config.rows - 1) } }  // T + 1 tokens each
        let inputs = sequences.map { Array($0.prefix(T)) }
        let out = forward(parameters, sentence: inputs, lstmDim: config.hiddenSize, isTest: false)  // (B·T, R)
        // The row the seed's comment and main.py's target layout y.view(-1) assume for sequence b, step t.
        let claimedRow = { (b: Int, t: Int) in b * T + t }
        // Mean cross-entropy of every row against the next token.
        var total = 0.0
        for b in 0..<B {
            for t in 0..<T {
                let r = claimedRow(b, t)
                guard r >= 0 && r < out.rows else { total = .nan; continue }
                let row = out.row(r)
                let m = row.max() ?? 0
                let lse = m + Double.log(row.reduce(0) { $0 + Double.exp($1 - m) })
                total += lse - row[sequences[b][t + 1]]
            }
        }
        let homeworkLoss = total / Double(B * T)
        let network = PoemNetwork(layout: model.layout, threads: 1)
        let batch = PoemBatch(poems: sequences.map { $0.map(Int32.init) }, padding: Int32(config.rows - 1))
        let trainerLoss = model.parameters.withUnsafeBufferPointer { network.forward(parameters: $0.baseAddress!, batch: batch) }
        let lossGap = relativeDifference(homeworkLoss, trainerLoss)
        checks.append(
            .atMost(
                "mean cross-entropy of the seed's forward (Double) vs the workbench trainer's (Float32), B = \(B), T = \(T): relative difference",
                lossGap, 1e-5))

        // Row b·T + t of the batch is sequence b alone at step t.
        var rowGap = 0.0
        for b in 0..<B {
            let alone = forward(parameters, sentence: [inputs[b]], lstmDim: config.hiddenSize, isTest: false)
            for t in 0..<T {
                let r = claimedRow(b, t)
                rowGap = max(rowGap, r >= 0 && r < out.rows ? (out.rows(r..<(r + 1)) - alone.rows(t..<(t + 1))).maxAbs() : .infinity)
            }
        }
        checks.append(.atMost("out.view(-1, H) row b·T + t vs sequence b run alone at step t, every b, t: max |difference|", rowGap, 1e-12))

        // At test time (batch 1): out[-1] after each prefix vs Recurrent's LSTM from a zero state.
        let lstm = LSTM<Double>(
            layers: (0..<2).map { l in
                LSTMLayerParameters(
                    weightIH: parameters.matrix("rnn_lstm.weight_ih_l\(l)"), weightHH: parameters.matrix("rnn_lstm.weight_hh_l\(l)"),
                    biasIH: parameters.matrix("rnn_lstm.bias_ih_l\(l)"), biasHH: parameters.matrix("rnn_lstm.bias_hh_l\(l)"))
            })
        let embedding = parameters.matrix("word_embedding_lookup.word_embedding.weight")
        let fcW = parameters.matrix("fc.weight"), fcB = parameters.matrix("fc.bias")
        var testGap = 0.0
        for length in 1...T {
            let prefix = Array(inputs[0].prefix(length))
            let predicted = forward(parameters, sentence: [prefix], lstmDim: config.hiddenSize, isTest: true)
            let states = lstm.forward(prefix.map { embedding.rows($0..<($0 + 1)) })
            let reference = states.outputs.last! * fcW.transposed + fcB
            testGap = max(testGap, (predicted - reference).maxAbs())
        }
        checks.append(
            .atMost(
                "test time, batch 1: out[-1] after each prefix (length 1…\(T)) vs Recurrent's LSTM from a zero state: max |difference|",
                testGap, 1e-12))
        let lastRowB = forward(parameters, sentence: inputs, lstmDim: config.hiddenSize, isTest: true)
        let firstSequenceLast = out.rows((T - 1)..<T)
        let lastRowGap = (lastRowB - firstSequenceLast).maxAbs()
        quantities += [
            Quantity("mean cross-entropy, seed's forward (Double)", homeworkLoss, digits: 8),
            Quantity("mean cross-entropy, workbench trainer (Float32)", trainerLoss, digits: 6),
        ]

        // (3) process_poems on the tied corpus, against the workbench's vocabulary.
        let process = HomeworkProcessPoems()
        func compare(_ lines: [String]) -> (orderMismatches: Int, encodingMismatches: Int, seed: [Character]) {
            let seed = process(lines: lines)
            let ours = vocabularyOrder(lines.map(Array.init))
            let orderMismatches = zip(seed.words, ours).filter { $0 != $1 }.count + abs(seed.words.count - ours.count)
            let vocabulary = Vocabulary(characters: ours)
            let encoded = lines.map { vocabulary.encode(poem: Array($0)).map(Int.init) }
            let encodingMismatches = zip(seed.vectors, encoded).filter { $0 != $1 }.count
            return (orderMismatches, encodingMismatches, seed.words)
        }
        let tied = compare(Self.tiedCorpus)
        checks.append(
            .atMost(
                "vocabulary order on a \(Self.tiedCorpus.count)-line corpus with tied counts: process_poems vs the workbench: positions that differ",
                Double(tied.orderMismatches), 0))
        checks.append(
            .atMost("encoded lines of that corpus: process_poems vs the workbench: lines that differ", Double(tied.encodingMismatches), 0))

        // The homework corpus, when it is here.
        let corpusPath = corpusCandidates.first { FileManager.default.fileExists(atPath: $0) }
        let corpusText = corpusPath.flatMap { FileManager.default.contents(atPath: $0) }.flatMap { String(data: $0, encoding: .utf8) }
        if let text = corpusText, let path = corpusPath, let corpus = try? PoemCorpus.load(path: path) {
            let lines = HomeworkProcessPoems.lines(of: text)
            let seed = process(lines: lines)
            let lengths = Set(seed.vectors.map(\.count))
            let rows = seed.vectors.count, cols = lengths.count == 1 ? lengths.first! : -1
            let ours = vocabularyOrder(corpus.poems)
            let orderMismatches = zip(seed.words, ours).filter { $0 != $1 }.count + abs(seed.words.count - ours.count)
            quantities += [
                Quantity("process_poems on the corpus: poems_vector", shape: [rows, cols]),
                Quantity("process_poems on the corpus: len(word_int_map)", integer: seed.words.count),
                Quantity("workbench: poems read", integer: corpus.poems.count),
                Quantity("workbench: lines skipped", integer: corpus.skipped.count),
            ]
            checks.append(
                .atMost(
                    "process_poems on the corpus vs the printed (12842, 26): |rows − 12842| + |columns − 26|",
                    Double(abs(rows - 12_842) + abs(cols - 26)), 0))
            checks.append(
                .atMost(
                    "process_poems on the corpus vs the printed 2001 entries: |len(word_int_map) − 2001|",
                    Double(abs(seed.words.count - 2001)), 0))
            checks.append(
                .atMost("vocabulary order on the corpus: process_poems vs the workbench: positions that differ", Double(orderMismatches), 0)
            )
            findings.append(
                .confirmation(
                    at: "001:176–178",
                    "process_poems prints (12842, 26) for the encoded poems and 2001 for both maps.",
                    "Running the seed's process_poems on the corpus gives the same numbers (every quatrain is 24 characters plus G and E), and the workbench's vocabulary has the same entries in the same order.",
                    [
                        Quantity("poems_vector", shape: [rows, cols]), Quantity("entries", integer: seed.words.count),
                        Quantity("positions that differ from the workbench's order", integer: orderMismatches),
                    ]
                ).computedOnCorpus())
        } else {
            let reason = corpusAbsentReason + " (set WORKBENCH_CORPUS or put subset_poems.txt in the current folder)"
            checks.append(.skipped("process_poems on the corpus vs the printed (12842, 26)", because: reason))
            checks.append(.skipped("process_poems on the corpus vs the printed 2001 entries", because: reason))
            checks.append(.skipped("vocabulary order on the corpus: process_poems vs the workbench", because: reason))
        }

        findings += [
            .confirmation(
                at: "001:93–118",
                "RNN_model stores the given embedding, declares a 2-layer batch-first LSTM from word_embedding_dim to lstm_hidden_dim, and a linear layer from lstm_hidden_dim to vocab_length.",
                "The state_dict these declarations give under PyTorch's rules (names, shapes, order) is the workbench's parameter layout, for the homework's sizes and for two others; so the workbench's checkpoints load into RNN_model with strict=True.",
                [Quantity("entries that differ", integer: layoutMismatches), Quantity("sizes compared", integer: configs.count)]),
            .completion(
                at: "001:93–100",
                "The seed passes vocab_len, embedding_dim and lstm_hidden_dim in as arguments and never gives their values, nor the embedding's class.",
                "The workbench's homework model uses the values of the homework's main.py: vocab_len = V + 1 = 2,002 rows (one spare row beyond the 2,001 entries), embedding width 100, LSTM width 128, an nn.Embedding stored as word_embedding.",
                [
                    Quantity("embedding", shape: [2002, 100]), Quantity("fc.weight", shape: [2002, 128]),
                    Quantity("parameters", integer: homework.count),
                ]),
            .confirmation(
                at: "001:120–136",
                "forward looks up the embeddings as (batch, steps, width), runs the LSTM from zero (h0, c0), flattens the output with view(-1, lstm_dim) and applies fc: out has batch_size · sequence_length rows.",
                "The seed's forward, run in Double, gives the same mean cross-entropy as the workbench's Float32 trainer, and row b·T + t of the flattened output is sequence b's step t.",
                [
                    Quantity("rel diff of the mean cross-entropy", scientific: lossGap),
                    Quantity("max |row b·T + t − sequence b alone|", scientific: rowGap),
                ]),
            .completion(
                at: "001:137–139",
                "At test time the seed returns out[-1, :], the last row, as the prediction.",
                "The last row is the last step of the last sequence in the batch: it is the next-character prediction because generation feeds one sequence (batch 1), where it equals the LSTM's output after the whole prefix from a zero state. With a batch of 3 it is sequence 3's last step, not sequence 1's.",
                [
                    Quantity("batch 1: max |out[-1] − LSTM after the prefix|", scientific: testGap),
                    Quantity("batch 3: max |out[-1] − sequence 1's last step|", lastRowGap, digits: 4),
                ]),
            .confirmation(
                at: "001:159–165",
                "process_poems sorts the characters by descending count (sorted with key −count over a Counter).",
                "Python's sort is stable and a Counter keeps first-insertion order, so ties keep the order of first occurrence; the workbench's vocabulary follows the same rule: on a corpus with tied counts the order and the encoding agree.",
                [
                    Quantity("positions that differ", integer: tied.orderMismatches),
                    Quantity("lines encoded differently", integer: tied.encodingMismatches),
                    Quantity("process_poems order", text: String(tied.seed)),
                ]),
        ]
        return report(
            summary:
                "Compares the homework's model, forward pass and corpus encoding, transcribed from the seed, with the workbench's poem model, trainer and vocabulary. Checks that need the homework corpus skip when it is absent.",
            quantities: quantities, checks: checks, findings: findings,
            commands: ["workbench poem train --epochs 30", "workbench poem sample --checkpoint poem-run/poem.safetensors --start 日照香炉生"])
    }
}
