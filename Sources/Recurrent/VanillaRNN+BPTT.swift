// VanillaRNN+BPTT.swift — backpropagation through time by the textbook's formulas.
//
// Error terms (NNDL 6.35–6.36): δ_{t,k} = ∂L_t/∂z_k for 1 ≤ k ≤ t ≤ T,
//   δ_{t,t} = f'(z_t) ⊙ ∂L_t/∂h_t
//   δ_{t,k} = diag(f'(z_k)) Uᵀ δ_{t,k+1}                         (k < t)
// Gradients (every δ_{t,k} times the direct partial of z_k with respect to the parameter):
//   ∂L/∂U = Σ_t Σ_{k=1}^{t} δ_{t,k} h_{k-1}ᵀ                     (6.39)
//   ∂L/∂W = Σ_t Σ_{k=1}^{t} δ_{t,k} x_kᵀ                         (6.40)
//   ∂L/∂b = Σ_t Σ_{k=1}^{t} δ_{t,k}                              (6.41)
//   ∂L/∂h_0 = Σ_t Uᵀ δ_{t,1}
// and, for the softmax loss, the output layer: ∂L/∂V = Σ_t (p_t − e_{y_t}) h_tᵀ,
// ∂L/∂c = Σ_t (p_t − e_{y_t}).
//
// Two schedules compute the same sums: the explicit double sum keeps every δ_{t,k} (O(T²H)
// memory, so a learner can print any of them), and the usual O(T) accumulation propagates
// δ_k = Σ_{t≥k} δ_{t,k} = f'(z_k) ⊙ (∂L_k/∂h_k + Uᵀ δ_{k+1}) once backwards.

import WorkbenchNumerics

/// All error terms δ_{t,k} of one sequence: `deltas[t][k]` for 1 ≤ k ≤ t ≤ T (H, 1).
/// Index 0 and k > t are empty placeholders.
public struct ErrorTerms: Sendable {
    public let deltas: [[Matrix<Double>?]]
    public var length: Int { deltas.count - 1 }

    /// δ_{t,k}.
    public subscript(t: Int, k: Int) -> Matrix<Double> {
        guard let d = deltas[t][k] else { preconditionFailure("δ_{\(t),\(k)} exists only for 1 ≤ k ≤ t ≤ T") }
        return d
    }
}

extension VanillaRNN {
    /// Every error term δ_{t,k} = ∂L_t/∂z_k by the recursion δ_{t,k} = diag(f'(z_k)) Uᵀ δ_{t,k+1}.
    public func errorTerms(_ forward: RNNForward) -> ErrorTerms {
        let T = forward.length
        var deltas: [[Matrix<Double>?]] = [Array(repeating: nil, count: T + 1)]
        for t in stride(from: 1, through: T, by: 1) {
            deltas.append(
                errorTerms(z: forward.z, step: t, outputGradient: forward.outputGradients[t])
                    + Array(repeating: nil, count: T - t))
        }
        return ErrorTerms(deltas: deltas)
    }

    /// The error terms of one loss L_t that reads h_t alone, given ∂L_t/∂h_t (H, 1):
    ///   δ_{t,t} = f'(z_t) ⊙ ∂L_t/∂h_t,   δ_{t,k} = diag(f'(z_k)) Uᵀ δ_{t,k+1}   (k < t).
    /// Returns δ_{t,k} at index k for 1 ≤ k ≤ t (index 0 is nil). ∂L_t/∂h_{k−1} = Uᵀ δ_{t,k}.
    ///
    /// - Parameters:
    ///   - z: z_1 … z_t at indices 1…t, as `states(_:)` and `forward(_:)` keep them.
    ///   - t: the step whose loss L_t is differentiated.
    ///   - outputGradient: ∂L_t/∂h_t, (H, 1).
    public func errorTerms(z: [Matrix<Double>], step t: Int, outputGradient: Matrix<Double>) -> [Matrix<Double>?] {
        var deltas = [Matrix<Double>?](repeating: nil, count: t + 1)
        var delta = derivative(z[t]).hadamard(outputGradient)  // δ_{t,t}
        deltas[t] = delta
        for k in stride(from: t - 1, through: 1, by: -1) {
            delta = derivative(z[k]).hadamard(matmul(recurrentWeight, .transpose, delta, .none))
            deltas[k] = delta
        }
        return deltas
    }

    /// Output-layer gradients (softmax loss; zero for the squared loss).
    func addOutputLayerGradients(_ forward: RNNForward, into g: inout RNNGradients) {
        for t in stride(from: 1, through: forward.length, by: 1) {
            g.outputWeight += forward.outputErrors[t] * forward.h[t].transposed
            g.outputBias += forward.outputErrors[t]
        }
    }

    /// Gradients by the explicit double sums (6.39)–(6.41) over 1 ≤ k ≤ t ≤ T.
    ///
    /// - Parameters:
    ///   - sequence: the inputs and targets.
    ///   - truncated: keep only the k = t terms (truncated BPTT with a window of one step).
    ///     This is a *wrong* gradient, there for the checker to catch.
    public func textbookGradients(_ sequence: RNNSequence, truncated: Bool = false) -> RNNGradients {
        let fwd = forward(sequence)
        let terms = errorTerms(fwd)
        var g = RNNGradients(zerosLike: self)
        for t in stride(from: 1, through: fwd.length, by: 1) {
            for k in stride(from: truncated ? t : 1, through: t, by: 1) {
                let delta = terms[t, k]
                g.recurrentWeight += delta * fwd.h[k - 1].transposed  // (6.39)
                g.inputWeight += delta * sequence.inputs[k - 1].transposed  // (6.40)
                g.bias += delta  // (6.41)
            }
            if !truncated || t == 1 {
                g.initialState += matmul(recurrentWeight, .transpose, terms[t, 1], .none)
            }
        }
        addOutputLayerGradients(fwd, into: &g)
        return g
    }

    /// Gradients by the O(T) backward accumulation δ_k = f'(z_k) ⊙ (∂L_k/∂h_k + Uᵀ δ_{k+1}).
    public func backpropagationThroughTime(_ sequence: RNNSequence) -> RNNGradients {
        let fwd = forward(sequence)
        var g = RNNGradients(zerosLike: self)
        var carried = Matrix<Double>.zeros(hiddenSize, 1)  // Uᵀ δ_{k+1}, i.e. ∂(Σ_{t>k} L_t)/∂h_k
        for k in stride(from: fwd.length, through: 1, by: -1) {
            let delta = derivative(fwd.z[k]).hadamard(fwd.outputGradients[k] + carried)
            g.recurrentWeight += delta * fwd.h[k - 1].transposed
            g.inputWeight += delta * sequence.inputs[k - 1].transposed
            g.bias += delta
            carried = matmul(recurrentWeight, .transpose, delta, .none)
        }
        g.initialState = carried
        addOutputLayerGradients(fwd, into: &g)
        return g
    }
}
