// VanillaRNN+Autodiff.swift — the same network built from tape operations.
//
// Nothing here knows a derivative: the tape differentiates the forward computation, which is
// what makes it an independent check of the textbook formulas.
//
// An oracle, kept on purpose: `recordLoss` is a second vanilla-RNN forward pass, written again
// from z_k = U h_{k-1} + W x_k + b with tape ops; it must not call `forward(_:)` or `states(_:)`,
// or the textbook-vs-autodiff comparison would agree with itself.

import Autodiff
import WorkbenchNumerics

extension VanillaRNN {
    /// L(θ) recorded on `tape` with θ = [U, W, b, h_0, V, c] as tape variables: the independent
    /// oracle forward pass (see the file header).
    public func recordLoss(_ sequence: RNNSequence, on tape: Tape<Double>, parameters p: [Variable<Double>]) -> Variable<Double> {
        let (u, w, b, h0, v, c) = (p[0], p[1], p[2], p[3], p[4], p[5])
        var h = h0
        var stepLosses: [Variable<Double>] = []
        for k in 0..<sequence.length {
            let z = u.matmul(h) + w.matmul(tape.constant(sequence.inputs[k])) + b
            switch activation {
            case .tanh: h = z.tanh()
            case .sigmoid: h = z.sigmoid()
            case .relu: h = z.relu()
            case .identity: h = z
            }
            switch sequence.loss {
            case .squared:
                stepLosses.append(h.squaredError(target: sequence.targetVectors[k]))
            case .softmax:
                let logits = v.matmul(h) + c  // (C, 1)
                stepLosses.append(logits.transposed().softmaxCrossEntropy(targets: [sequence.targetClasses[k]], reduction: .sum))
            }
        }
        return Variable.concatRows(stepLosses).sum()
    }

    /// Gradients of L by reverse-mode autodiff.
    public func autodiffGradients(_ sequence: RNNSequence) -> RNNGradients {
        let tape = Tape<Double>()
        let vars = parameters.map { tape.variable($0) }
        let loss = recordLoss(sequence, on: tape, parameters: vars)
        tape.backward(loss)
        return RNNGradients(list: vars.map { tape.gradient(of: $0) })
    }
}
