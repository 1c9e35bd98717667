// Model.swift — the homework's poem model: its shape, its parameters and their names.
//
// Dimension letters: R = V + 1 rows of the embedding and output layers (V vocabulary entries
// plus one spare row, as the homework's `vocab_len = len(word_int_map) + 1`), E embedding
// width (100), H hidden width (128), L LSTM layers (2), G = 4H gate rows.
// Notation: PyTorch (`nn.Embedding` → `nn.LSTM(batch_first=True, num_layers=2)` → `nn.Linear`),
// gates stacked in the order (i, f, g, o). Parameter names are the homework's `state_dict`
// names, so a checkpoint loads into its `RNN_model` with `strict=True`.
// All parameters live in one flat Float32 buffer; `ParameterLayout` names the slices, so the
// optimizer, clipping and checkpoints treat the model as one vector.

import WorkbenchNumerics

/// The hyper-parameters that fix the model's shapes.
public struct PoemModelConfig: Equatable, Sendable, Codable {
    /// R = V + 1: rows of the embedding table and outputs of the linear layer.
    public var rows: Int
    /// E: embedding width.
    public var embeddingDim: Int
    /// H: hidden width of every LSTM layer.
    public var hiddenSize: Int
    /// L: number of stacked LSTM layers.
    public var layers: Int

    /// The homework's model for a vocabulary of `vocabularyCount` entries.
    public static func homework(vocabularyCount: Int) -> PoemModelConfig {
        PoemModelConfig(rows: vocabularyCount + 1, embeddingDim: 100, hiddenSize: 128, layers: 2)
    }

    public init(rows: Int, embeddingDim: Int, hiddenSize: Int, layers: Int) {
        self.rows = rows
        self.embeddingDim = embeddingDim
        self.hiddenSize = hiddenSize
        self.layers = layers
    }

    /// Input width of LSTM layer `l`.
    public func inputSize(layer l: Int) -> Int { l == 0 ? embeddingDim : hiddenSize }
}

/// One named slice of the flat parameter buffer.
public struct ParameterSlice: Equatable, Sendable {
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public var count: Int { shape.reduce(1, *) }
    public var range: Range<Int> { offset..<(offset + count) }
}

/// Names, shapes and offsets of the model's parameters, in `state_dict` order.
public struct ParameterLayout: Equatable, Sendable {
    public let config: PoemModelConfig
    public let slices: [ParameterSlice]
    /// Total number of parameters.
    public let count: Int

    public static let embeddingName = "word_embedding_lookup.word_embedding.weight"

    public init(config c: PoemModelConfig) {
        self.config = c
        var slices: [ParameterSlice] = []
        var offset = 0
        func add(_ name: String, _ shape: [Int]) {
            slices.append(ParameterSlice(name: name, shape: shape, offset: offset))
            offset += shape.reduce(1, *)
        }
        let g = 4 * c.hiddenSize
        add(Self.embeddingName, [c.rows, c.embeddingDim])
        for l in 0..<c.layers {
            add("rnn_lstm.weight_ih_l\(l)", [g, c.inputSize(layer: l)])
            add("rnn_lstm.weight_hh_l\(l)", [g, c.hiddenSize])
            add("rnn_lstm.bias_ih_l\(l)", [g])
            add("rnn_lstm.bias_hh_l\(l)", [g])
        }
        add("fc.weight", [c.rows, c.hiddenSize])
        add("fc.bias", [c.rows])
        self.slices = slices
        self.count = offset
    }

    public subscript(name: String) -> ParameterSlice {
        // fatalError, not a precondition: this target is built with -Ounchecked, which drops those.
        guard let s = slices.first(where: { $0.name == name }) else { fatalError("no parameter \(name)") }
        return s
    }

    /// Offsets of the parameters used by the kernels.
    package var embedding: ParameterSlice { slices[0] }
    package func weightIH(_ l: Int) -> ParameterSlice { slices[1 + 4 * l] }
    package func weightHH(_ l: Int) -> ParameterSlice { slices[2 + 4 * l] }
    package func biasIH(_ l: Int) -> ParameterSlice { slices[3 + 4 * l] }
    package func biasHH(_ l: Int) -> ParameterSlice { slices[4 + 4 * l] }
    package var fcWeight: ParameterSlice { slices[1 + 4 * config.layers] }
    package var fcBias: ParameterSlice { slices[2 + 4 * config.layers] }
}

/// The poem model: its layout and its parameter values. (P = layout.count)
public struct PoemModel: Equatable, Sendable {
    public let layout: ParameterLayout
    /// All parameters, in layout order. (P)
    public var parameters: [Float]

    public var config: PoemModelConfig { layout.config }

    public init(layout: ParameterLayout, parameters: [Float]) {
        if parameters.count != layout.count { fatalError("parameter count \(parameters.count) != layout \(layout.count)") }
        self.layout = layout
        self.parameters = parameters
    }

    /// A freshly initialised model, as PyTorch initialises the homework's:
    /// embedding U(−1, 1); every LSTM weight and bias U(−1/√H, 1/√H); the output weight
    /// Xavier-uniform U(−a, a) with a = √(6 / (H + R)); the output bias U(−1/√H, 1/√H).
    public init(config: PoemModelConfig, seed: UInt64) {
        let layout = ParameterLayout(config: config)
        var rng = SeededGenerator(seed: seed)
        var p = [Float](repeating: 0, count: layout.count)
        func fill(_ s: ParameterSlice, _ bound: Double) {
            for i in s.range { p[i] = Float(rng.uniform(-bound, bound)) }
        }
        let k = 1 / Double(config.hiddenSize).squareRoot()
        fill(layout.embedding, 1)
        for l in 0..<config.layers {
            fill(layout.weightIH(l), k)
            fill(layout.weightHH(l), k)
            fill(layout.biasIH(l), k)
            fill(layout.biasHH(l), k)
        }
        fill(layout.fcWeight, (6 / Double(config.hiddenSize + config.rows)).squareRoot())
        fill(layout.fcBias, k)
        self.init(layout: layout, parameters: p)
    }

    /// The values of one named parameter.
    public func values(_ name: String) -> ArraySlice<Float> { parameters[layout[name].range] }
}
