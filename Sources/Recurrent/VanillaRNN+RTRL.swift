// VanillaRNN+RTRL.swift — formula (6.31) and the forward recursion it abbreviates.
//
// For one entry u_ij of U (NNDL notation, zero-based i, j here):
//
//   (6.31)  ∂L_t/∂u_ij = Σ_{k=1}^{t} (∂⁺z_k/∂u_ij)ᵀ δ_{t,k}
//
// where ∂⁺z_k/∂u_ij is the *direct* partial — h_{k-1} held fixed — a vector that is zero
// except entry i, which is h_{k-1,j}. So each term is h_{k-1,j} · δ_{t,k}[i].
//
// Forward mode (real-time recurrent learning) differentiates z_k totally, through h_{k-1}:
//
//   dz_k/du_ij = ∂⁺z_k/∂u_ij + U diag(f'(z_{k-1})) dz_{k-1}/du_ij,    dz_1/du_ij = ∂⁺z_1/∂u_ij
//   ∂L_t/∂u_ij = (∂L_t/∂z_t)ᵀ dz_t/du_ij = δ_{t,t}ᵀ dz_t/du_ij
//
// The two agree: expanding the recursion gives Σ_k (Π U diag f') ∂⁺z_k/∂u_ij, and
// multiplying by δ_{t,t}ᵀ turns each product into δ_{t,k}ᵀ. This is the homework's claim.

import WorkbenchNumerics
import GradCheck

/// Formula (6.31) against the forward recursion, for one entry u_ij, at every step t.
public struct Formula631Report: Codable, Sendable {
    public struct Step: Codable, Sendable {
        public let t: Int
        /// Σ_k (∂⁺z_k/∂u_ij)ᵀ δ_{t,k}.
        public let directPartialSum: Double
        /// δ_{t,t}ᵀ dz_t/du_ij by forward recursion.
        public let forwardRecursion: Double
        /// (L_t(u_ij + ε) − L_t(u_ij − ε)) / 2ε.
        public let finiteDifference: Double
    }

    /// One term k of the sum for the last step t = T.
    public struct Term: Codable, Sendable {
        public let k: Int
        /// h_{k-1,j}: the only nonzero entry (row i) of ∂⁺z_k/∂u_ij.
        public let directPartial: Double
        /// δ_{T,k}[i].
        public let delta: Double
        public let product: Double
    }

    /// One-based indices as in the textbook's u_ij.
    public let i: Int
    public let j: Int
    public let steps: [Step]
    public let termsAtLastStep: [Term]
    /// max over t of the relative difference between the two exact sides.
    public let maxRelativeDifference: Double
    /// max over t of the relative difference to finite differences.
    public let maxFiniteDifferenceError: Double
    /// The bound on `maxRelativeDifference` (two exact methods).
    public var exactBound: Double { GradCheckOptions.exact.maxRelativeError! }
    /// The bound on `maxFiniteDifferenceError`.
    public var finiteDifferenceBound: Double { GradCheckOptions.finiteDifferencesStrict.maxRelativeError! }
    /// Whether both sides agree and finite differences confirm them.
    public var passed: Bool { maxRelativeDifference <= exactBound && maxFiniteDifferenceError <= finiteDifferenceBound }

    /// The relative difference of the two exact sides at step `s`, measured as `maxRelativeDifference` is.
    public func relativeDifference(_ s: Step) -> Double {
        let scale = steps.reduce(0.0) { max($0, abs($1.directPartialSum), abs($1.forwardRecursion), abs($1.finiteDifference)) }
        return GradCheckOptions.exact.relativeError(s.directPartialSum, s.forwardRecursion, scale: scale)
    }
}

extension VanillaRNN {
    /// dz_k/du_ij for k = 1…T by forward recursion (zero-based i, j); index 0 unused.
    public func forwardSensitivities(_ forward: RNNForward, i: Int, j: Int) -> [Matrix<Double>] {
        var s = [Matrix<Double>.zeros(hiddenSize, 1)]
        for k in stride(from: 1, through: forward.length, by: 1) {
            var direct = Matrix<Double>.zeros(hiddenSize, 1)
            direct[i, 0] = forward.h[k - 1][j, 0]
            if k == 1 {
                s.append(direct)
            } else {
                s.append(direct + recurrentWeight * derivative(forward.z[k - 1]).hadamard(s[k - 1]))
            }
        }
        return s
    }

    /// Checks (6.31) for u_ij (zero-based `i`, `j`) at every step t.
    /// L_t by the fourth-order finite-difference stencil at ε = 1e-4 (see GradCheckOptions).
    public func formula631(_ sequence: RNNSequence, i: Int, j: Int, epsilon: Double = 1e-4) -> Formula631Report {
        precondition((0..<hiddenSize).contains(i) && (0..<hiddenSize).contains(j), "u_ij index out of range")
        let fwd = forward(sequence)
        let terms = errorTerms(fwd)
        let sens = forwardSensitivities(fwd, i: i, j: j)
        var steps: [Formula631Report.Step] = []
        var maxRel = 0.0, maxFD = 0.0
        for t in stride(from: 1, through: fwd.length, by: 1) {
            var direct = 0.0
            for k in 1...t { direct += fwd.h[k - 1][j, 0] * terms[t, k][i, 0] }
            let recursion = terms[t, t].dot(sens[t])
            let fd = Stencil.fourthOrder.derivative(epsilon: epsilon) { shift in
                var shifted = self
                shifted.recurrentWeight[i, j] += shift
                return shifted.stepLoss(sequence, step: t)
            }
            steps.append(.init(t: t, directPartialSum: direct, forwardRecursion: recursion, finiteDifference: fd))
        }
        // Relative differences against at least 1e-3 of the largest value over t (and 1e-5):
        // the floor rule of GradCheckOptions, so values at rounding level do not dominate.
        let scale = steps.reduce(0.0) { max($0, abs($1.directPartialSum), abs($1.forwardRecursion), abs($1.finiteDifference)) }
        for s in steps {
            maxRel = max(maxRel, GradCheckOptions.exact.relativeError(s.directPartialSum, s.forwardRecursion, scale: scale))
            maxFD = max(maxFD, GradCheckOptions.finiteDifferencesStrict.relativeError(s.directPartialSum, s.finiteDifference, scale: scale))
        }
        let T = fwd.length
        let lastTerms = T == 0 ? [] : (1...T).map { k in
            Formula631Report.Term(k: k, directPartial: fwd.h[k - 1][j, 0], delta: terms[T, k][i, 0],
                                  product: fwd.h[k - 1][j, 0] * terms[T, k][i, 0])
        }
        return Formula631Report(i: i + 1, j: j + 1, steps: steps, termsAtLastStep: lastTerms,
                                maxRelativeDifference: maxRel, maxFiniteDifferenceError: maxFD)
    }
}
