// ReferenceStep.swift — one step of the poem model, written plainly: the readable reference
// beside the fast batched passes of PoemEngine, and the step the sampler runs on.
//
// Dimension letters: R = V + 1 rows of the embedding and output layers, E embedding width,
// H hidden width, G = 4H gate rows, L stacked LSTM layers.
// Notation: PyTorch's `nn.Embedding` → `nn.LSTM` → `nn.Linear`, for one sequence (B = 1) and
// one token at a time. For layer l with input x (x = the embedding row for l = 0, the hidden
// state of layer l − 1 above that):
//
//     z  = W_ih x + b_ih + W_hh h + b_hh          (G), split into four blocks of H
//     i  = σ(z[0..<H])   f = σ(z[H..<2H])   g = tanh(z[2H..<3H])   o = σ(z[3H..<4H])
//     c' = f ⊙ c + i ⊙ g
//     h' = o ⊙ tanh(c')
//
// and the logits of the next character are W_fc h_top + b_fc (R). The state (h, c) of every
// layer is carried from one step to the next; it starts at zero, as in training.
// Leaves out: batches, padding, the backward pass and the loss (all in PoemEngine's
// `PoemNetwork`, which a test checks against this step on the same weights).

import Foundation
import WorkbenchNumerics

/// One step of the poem model for a single sequence, on copies of its weights.
public struct PoemReferenceStep: Sendable {
    /// The weights of one LSTM layer, as PyTorch names them.
    public struct Layer: Sendable {
        /// W_ih: (G, E) for layer 0, (G, H) above.
        public let weightIH: Matrix<Float>
        /// W_hh: (G, H).
        public let weightHH: Matrix<Float>
        /// b_ih: (G).
        public let biasIH: [Float]
        /// b_hh: (G).
        public let biasHH: [Float]
    }

    /// The recurrent state of every layer: h and c, each (L, H).
    public struct State: Equatable, Sendable {
        public var h: [[Float]]
        public var c: [[Float]]
    }

    /// The embedding table: row t is the input vector of token t. (R, E)
    public let embedding: Matrix<Float>
    /// The stacked LSTM layers, bottom first. (L)
    public let layers: [Layer]
    /// W_fc: (R, H).
    public let outputWeight: Matrix<Float>
    /// b_fc: (R).
    public let outputBias: [Float]

    /// H: hidden width.
    public var hiddenSize: Int { outputWeight.cols }
    /// R: number of logits (and of embedding rows).
    public var rows: Int { outputWeight.rows }

    /// Copies the weights of `model` out of its flat buffer, by their PyTorch names.
    public init(model: PoemModel) {
        let c = model.config
        func matrix(_ name: String) -> Matrix<Float> {
            let s = model.layout[name]
            return Matrix(rows: s.shape[0], cols: s.shape[1], storage: Array(model.parameters[s.range]))
        }
        func vector(_ name: String) -> [Float] { Array(model.values(name)) }
        embedding = matrix(ParameterLayout.embeddingName)
        layers = (0..<c.layers).map { l in
            Layer(
                weightIH: matrix("rnn_lstm.weight_ih_l\(l)"), weightHH: matrix("rnn_lstm.weight_hh_l\(l)"),
                biasIH: vector("rnn_lstm.bias_ih_l\(l)"), biasHH: vector("rnn_lstm.bias_hh_l\(l)"))
        }
        outputWeight = matrix("fc.weight")
        outputBias = vector("fc.bias")
    }

    /// The zero state of training and sampling.
    public func initialState() -> State {
        let zero = [[Float]](repeating: [Float](repeating: 0, count: hiddenSize), count: layers.count)
        return State(h: zero, c: zero)
    }

    /// Feeds `token` (clamped to 0..<R, as the fast pass clamps it), advances `state`, and
    /// returns the logits of the next character. (R)
    public func callAsFunction(_ token: Int, _ state: inout State) -> [Float] {
        let H = hiddenSize
        var x = embedding.row(min(max(token, 0), rows - 1))  // (E)
        for (l, layer) in layers.enumerated() {
            // z = W_ih x + b_ih + W_hh h + b_hh                                       (G)
            let fromInput = Self.affine(layer.weightIH, x, layer.biasIH)
            let fromState = Self.affine(layer.weightHH, state.h[l], layer.biasHH)
            for j in 0..<H {
                let i = Self.sigmoid(fromInput[j] + fromState[j])
                let f = Self.sigmoid(fromInput[H + j] + fromState[H + j])
                let g = Foundation.tanh(fromInput[2 * H + j] + fromState[2 * H + j])
                let o = Self.sigmoid(fromInput[3 * H + j] + fromState[3 * H + j])
                state.c[l][j] = f * state.c[l][j] + i * g  // c' = f ⊙ c + i ⊙ g
                state.h[l][j] = o * Foundation.tanh(state.c[l][j])  // h' = o ⊙ tanh(c')
            }
            x = state.h[l]
        }
        return Self.affine(outputWeight, x, outputBias)  // W_fc h + b_fc   (R)
    }

    /// The logits after each token of `tokens`, from the zero state. (T, R)
    public func logits(feeding tokens: [Int]) -> [[Float]] {
        var state = initialState()
        return tokens.map { self($0, &state) }
    }

    /// σ(x) = 1 / (1 + e^{−x}).
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }

    /// W x + b for W (m, n), x (n), b (m): one dot product per entry.
    static func affine(_ w: Matrix<Float>, _ x: [Float], _ b: [Float]) -> [Float] {
        precondition(x.count == w.cols && b.count == w.rows, "affine: W is \(w.rows)×\(w.cols), x has \(x.count), b has \(b.count)")
        let n = w.cols
        var y = b
        w.storage.withUnsafeBufferPointer { wp in
            x.withUnsafeBufferPointer { xp in
                for r in 0..<w.rows { y[r] += dot(wp.baseAddress! + r * n, xp.baseAddress!, n) }
            }
        }
        return y
    }

    /// Σ_{k<n} a_k b_k, as four partial sums (k mod 4) added at the end. One running sum would
    /// make every addition wait for the previous one (the compiler may not reorder Float
    /// additions); four independent ones run side by side, about three times as fast, which
    /// keeps a quatrain of the homework's model within a few milliseconds.
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var k = 0
        while k + 4 <= n {
            s0 += a[k] * b[k]
            s1 += a[k + 1] * b[k + 1]
            s2 += a[k + 2] * b[k + 2]
            s3 += a[k + 3] * b[k + 3]
            k += 4
        }
        while k < n { s0 += a[k] * b[k]; k += 1 }
        return (s0 + s1) + (s2 + s3)
    }
}
