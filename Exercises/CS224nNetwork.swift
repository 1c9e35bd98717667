// CS224nNetwork.swift — the language model of seed 002 in the seed's column layout, with a batch
// of B examples, on the autodiff tape; shared by the seed-002 exercises.
//
//   e^(t) = E x^(t),  z^(t) = W_h h^(t−1) + W_e e^(t) + b₁,  h^(t) = σ(z^(t)),
//   θ^(t) = U h^(t) + b₂,  ŷ^(t) = softmax(θ^(t)),  J^(t) = −Σ_b log ŷ^(t)[w_b^(t+1)]
//
// Dimension letters: V vocabulary, d embedding, D_h hidden, B batch, T steps. Columns are
// examples: x^(t) is [V, B] (one-hot), e^(t) and z^(t), h^(t) are [d, B] and [D_h, B], as the
// seed's shape list states. `words[t]` holds the B word indices read at step t + 1; the loss
// J^(t) predicts `words[t]` from h^(t) (t = 1 … T). Untied copies give the contribution of
// one step to the gradient of a shared weight (`W_h|_(i)` in the seed's notation).

import Autodiff
import WorkbenchNumerics

/// The parameters of seed 002's language model.
struct LanguageModel {
    var embedding: Matrix<Double>  // E (d, V)
    var recurrent: Matrix<Double>  // W_h (D_h, D_h)
    var input: Matrix<Double>  // W_e (D_h, d)
    var b1: Matrix<Double>  // (D_h, 1)
    var output: Matrix<Double>  // U (V, D_h)
    var b2: Matrix<Double>  // (V, 1)
    var h0: Matrix<Double>  // h^(0) (D_h, B)

    var vocabulary: Int { output.rows }

    static func random(vocabulary V: Int, embedding d: Int, hidden H: Int, batch B: Int, seed: UInt64) -> LanguageModel {
        var rng = SeededGenerator(seed: seed)
        return LanguageModel(
            embedding: .random(d, V, using: &rng), recurrent: .random(H, H, in: -0.8...0.8, using: &rng),
            input: .random(H, d, using: &rng), b1: .random(H, 1, in: -0.2...0.2, using: &rng),
            output: .random(V, H, using: &rng), b2: .random(V, 1, in: -0.2...0.2, using: &rng),
            h0: .random(H, B, in: -0.5...0.5, using: &rng))
    }

    /// The one-hot [V, B] matrix of `words`.
    func oneHot(_ words: [Int]) -> Matrix<Double> {
        var x = Matrix<Double>.zeros(vocabulary, words.count)
        for (b, w) in words.enumerated() { x[w, b] = 1 }
        return x
    }

    /// Plain forward: e^(1…T), z^(1…T), h^(0…T) and ŷ^(1…T), each [·, B].
    func forward(_ words: [[Int]], steps T: Int) -> (e: [Matrix<Double>], z: [Matrix<Double>], h: [Matrix<Double>], yhat: [Matrix<Double>])
    {
        var e: [Matrix<Double>] = [], z: [Matrix<Double>] = [], h = [h0], yhat: [Matrix<Double>] = []
        for t in 1...T {
            let et = embedding * oneHot(words[t - 1])
            var zt = recurrent * h[t - 1] + input * et
            for i in 0..<zt.rows { for b in 0..<zt.cols { zt[i, b] += b1[i, 0] } }
            let ht = zt.map { Double.sigmoid($0) }
            var theta = output * ht
            for v in 0..<theta.rows { for b in 0..<theta.cols { theta[v, b] += b2[v, 0] } }
            e.append(et); z.append(zt); h.append(ht); yhat.append(columnSoftmax(theta))
        }
        return (e, z, h, yhat)
    }
}

/// Softmax of every column.
func columnSoftmax(_ theta: Matrix<Double>) -> Matrix<Double> {
    var p = theta
    for b in 0..<theta.cols {
        let col = theta.column(b)
        let m = col.max() ?? 0
        let ex = col.map { Double.exp($0 - m) }
        let s = ex.reduce(0, +)
        for v in 0..<theta.rows { p[v, b] = ex[v] / s }
    }
    return p
}

/// The model on a tape, with one copy of W_h and W_e per step (tied: the same variable).
struct LanguageModelTape {
    let tape = Tape<Double>()
    var recurrentCopies: [Variable<Double>] = []  // W_h at steps 1 … T
    var inputCopies: [Variable<Double>] = []  // W_e at steps 1 … T
    var embeddings: [Variable<Double>] = []  // e^(1…T) as leaves (d, B)
    var output: Variable<Double>  // U
    var loss: Variable<Double>  // J^(T)

    /// J^(T) = −Σ_b log ŷ^(T)[words[T][b]]; `untied`: one variable per step.
    init(_ m: LanguageModel, words: [[Int]], steps T: Int, untied: Bool) {
        let tiedH = tape.variable(m.recurrent), tiedE = tape.variable(m.input)
        output = tape.variable(m.output)
        let b1 = tape.constant(m.b1), b2 = tape.constant(m.b2)
        var h = tape.constant(m.h0)
        for t in 1...T {
            let wh = untied ? tape.variable(m.recurrent) : tiedH
            let we = untied ? tape.variable(m.input) : tiedE
            let e = tape.variable(m.embedding * m.oneHot(words[t - 1]))
            recurrentCopies.append(wh); inputCopies.append(we); embeddings.append(e)
            h = (wh.matmul(h) + we.matmul(e)).addingColumn(b1).sigmoid()
        }
        let theta = output.matmul(h).addingColumn(b2)
        loss = theta.transposed().softmaxCrossEntropy(targets: words[T], reduction: .sum)
        tape.backward(loss)
    }
}
