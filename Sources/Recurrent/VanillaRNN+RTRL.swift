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

import GradCheck
import WorkbenchNumerics

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
    /// How the two exact sides are compared (`maxRelativeDifference`).
    public static let exactOptions = GradCheckOptions.exact
    /// How the sides are compared with finite differences (`maxFiniteDifferenceError`); its
    /// stencil computes the finite differences.
    public static let finiteDifferenceOptions = GradCheckOptions.finiteDifferencesStrict
    /// The bound on `maxRelativeDifference` (two exact methods).
    public var exactBound: Double { GradCheckOptions.exactBound }
    /// The bound on `maxFiniteDifferenceError`.
    public var finiteDifferenceBound: Double { GradCheckOptions.finiteDifferenceBound }
    /// Whether both sides agree and finite differences confirm them.
    public var passed: Bool {
        Self.exactOptions.accepts(relativeError: maxRelativeDifference)
            && Self.finiteDifferenceOptions.accepts(relativeError: maxFiniteDifferenceError)
    }

    /// The report of `steps`; the two headline errors are the largest per-step errors.
    public init(i: Int, j: Int, steps: [Step], termsAtLastStep: [Term]) {
        self.i = i
        self.j = j
        self.steps = steps
        self.termsAtLastStep = termsAtLastStep
        // A NaN step makes the headline infinite (GradCheckOptions.relativeError), never hides.
        let scale = Self.scale(of: steps)
        let errors = steps.map { Self.errors($0, scale: scale) }
        self.maxRelativeDifference = errors.map(\.exact).max() ?? 0
        self.maxFiniteDifferenceError = errors.map(\.finiteDifference).max() ?? 0
    }

    /// The largest |value| over every step and method: the scale of the relative-error floor.
    static func scale(of steps: [Step]) -> Double {
        steps.reduce(0.0) { max($0, abs($1.directPartialSum), abs($1.forwardRecursion), abs($1.finiteDifference)) }
    }

    /// The relative errors of step `s`: direct-partial sum vs forward recursion, and vs finite differences.
    static func errors(_ s: Step, scale: Double) -> (exact: Double, finiteDifference: Double) {
        (
            exactOptions.relativeError(s.directPartialSum, s.forwardRecursion, scale: scale),
            finiteDifferenceOptions.relativeError(s.directPartialSum, s.finiteDifference, scale: scale)
        )
    }

    /// The relative difference of the two exact sides at step `s`, measured as `maxRelativeDifference` is.
    public func relativeDifference(_ s: Step) -> Double { Self.errors(s, scale: Self.scale(of: steps)).exact }
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

    /// Checks (6.31) for u_ij (zero-based `i`, `j`) at every step t. The finite differences
    /// of L_t use `Formula631Report.finiteDifferenceOptions`' stencil, at step `epsilon`.
    public func formula631(
        _ sequence: RNNSequence, i: Int, j: Int,
        epsilon: Double = Formula631Report.finiteDifferenceOptions.epsilon
    ) -> Formula631Report {
        precondition((0..<hiddenSize).contains(i) && (0..<hiddenSize).contains(j), "u_ij index out of range")
        let fwd = forward(sequence)
        let terms = errorTerms(fwd)
        let sens = forwardSensitivities(fwd, i: i, j: j)
        // ∂L_t/∂u_ij for every t from the same shifted runs: one forward pass per shift gives every L_t.
        let fds = Formula631Report.finiteDifferenceOptions.stencil.derivatives(epsilon: epsilon) { shift in
            var shifted = self
            shifted.recurrentWeight[i, j] += shift
            return shifted.forward(sequence).stepLosses
        }
        var steps: [Formula631Report.Step] = []
        for t in stride(from: 1, through: fwd.length, by: 1) {
            var direct = 0.0
            for k in 1...t { direct += fwd.h[k - 1][j, 0] * terms[t, k][i, 0] }
            let recursion = terms[t, t].dot(sens[t])
            steps.append(.init(t: t, directPartialSum: direct, forwardRecursion: recursion, finiteDifference: fds[t]))
        }
        let T = fwd.length
        let lastTerms =
            T == 0
            ? []
            : (1...T).map { k in
                Formula631Report.Term(
                    k: k, directPartial: fwd.h[k - 1][j, 0], delta: terms[T, k][i, 0],
                    product: fwd.h[k - 1][j, 0] * terms[T, k][i, 0])
            }
        // Relative differences with GradCheckOptions' floor rule (against the largest value over
        // every t), so values at rounding level do not dominate.
        return Formula631Report(i: i + 1, j: j + 1, steps: steps, termsAtLastStep: lastTerms)
    }
}
