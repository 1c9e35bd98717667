// LSTMAutodiff.swift — the same LSTM problem built from the autodiff tape's primitive ops, as
// an independent second way to get every gradient (no hand-derived derivative is used here).
//
// An oracle, kept on purpose: this is a second LSTM forward pass, written again from (L1)–(L4)
// with tape ops, and it must not call `lstmStepForward` or `LSTM.forward`. A shared forward
// pass would make the hand-vs-autodiff comparison agree with itself. (The cross-entropy head
// shares WorkbenchNumerics' `SoftmaxCrossEntropy` with the hand-derived head; the autodiff op
// built on it is checked against finite differences in AutodiffTests.)
//
// Dimension letters: B batch, T steps, D inputs, H hidden, L layers, V outputs.
// Notation: PyTorch's, equations (L1)–(L4) of LSTMCell.swift. The tape differentiates them
// with its own vector-Jacobian products (Sources/Autodiff/Ops.swift).

import Autodiff
import WorkbenchNumerics

extension LSTMProblem {
    /// The loss and the gradient of every named tensor, by reverse-mode autodiff on the tape:
    /// the independent oracle for `handGradients()` (its own forward pass, see the file header).
    public func autodiffGradients() -> (loss: Scalar, gradients: [String: Matrix<Scalar>]) {
        let tape = Tape<Scalar>()
        var leaves: [String: Variable<Scalar>] = [:]
        for name in parameterNames { leaves[name] = tape.variable(tensor(named: name)!) }
        let hs = lstm.hiddenSize
        let b = inputs[0].rows
        var sequence = inputs.map { tape.constant($0) }  // x_t: (B, D)
        for l in 0..<lstm.layerCount {
            let wih = leaves["weight_ih_l\(l)"]!, whh = leaves["weight_hh_l\(l)"]!
            let bih = leaves["bias_ih_l\(l)"]!, bhh = leaves["bias_hh_l\(l)"]!
            var h = leaves["h0_l\(l)"]!, c = leaves["c0_l\(l)"]!
            var outputs: [Variable<Scalar>] = []
            for x in sequence {
                // (L1) z = x W_ihᵀ + h W_hhᵀ + b_ih + b_hh: (B, 4H)
                let z = (x.matmul(wih.transposed()) + h.matmul(whh.transposed())).addingRow(bih).addingRow(bhh)
                // (L2) gates, blocks (i, f, g, o); a forced gate is a constant
                func gate(_ k: Int, _ forced: Double?, tanh: Bool) -> Variable<Scalar> {
                    if let v = forced { return tape.constant(Matrix(rows: b, cols: hs, repeating: Scalar(v))) }
                    let pre = z.columns((k * hs)..<((k + 1) * hs))
                    return tanh ? pre.tanh() : pre.sigmoid()
                }
                let i = gate(0, override.input, tanh: false)
                let f = gate(1, override.forget, tanh: false)
                let g = gate(2, override.candidate, tanh: true)
                let o = gate(3, override.output, tanh: false)
                c = f * c + i * g  // (L3)
                h = o * c.tanh()  // (L4)
                outputs.append(h)
            }
            sequence = outputs
        }
        let w = leaves["fc.weight"]!, bias = leaves["fc.bias"]!
        let logits = sequence.map { $0.matmul(w.transposed()).addingRow(bias) }  // T of (B, V)
        let loss: Variable<Scalar>
        switch self.loss {
        case .crossEntropy(let targets):
            // Rows ordered (t, b); the mean over all B·T rows does not depend on the order.
            loss = Variable.concatRows(logits).softmaxCrossEntropy(targets: targets.flatMap { $0 })
        case .sumOfSquares(let targets):
            loss = zip(logits, targets).map { $0.squaredError(target: $1.converted(to: Scalar.self)) }.reduce(nil as Variable<Scalar>?) {
                acc, term in acc.map { $0 + term } ?? term
            }!
        }
        tape.backward(loss)
        var grads: [String: Matrix<Scalar>] = [:]
        for (name, v) in leaves { grads[name] = tape.gradient(of: v) }
        return (loss.scalar, grads)
    }
}
