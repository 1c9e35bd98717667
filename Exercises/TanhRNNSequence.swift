// TanhRNNSequence.swift — seed 004's model as it first states it, with both biases, over the
// whole sequence:
//
//   h_t = tanh(W_H h_{t-1} + W_X x_t + b_h),   o_t = W_O h_t + b_q,
//   L_t = ½‖o_t − y_t‖²,   L = Σ_{t=1}^{T} L_t,   h_0 = 0.
//
// Dimension letters: K input and output size, H hidden size, T steps. W_H is NNDL's U.
// The seed drops b_h and b_q between its first statement of the model (lines 20–21) and its
// derivation (lines 48–49), asks for ∂L/∂W but derives only per-step chains ∂L_t/∂W, and never
// sums them. This exercise measures what that leaves out: the biases' gradients and the sum
// over t. Every gradient here is compared with reverse-mode autodiff of L.

import Autodiff
import GradCheck
import WorkbenchNumerics

public struct TanhRNNSequence: Exercise {
    public let id = "tanh-sequence"
    public let title = "The whole sequence with both biases: ∂L/∂b_h, ∂L/∂b_q and ∂L/∂W = Σ_t ∂L_t/∂W"
    public let source = Seeds.tanhRNN("the model (H_t, O_t with b_h, b_q) and L = Σ_t L_t")
    public let notation = Notation.tanhOutputLayer

    // Ingredients.
    /// Whether the model has the biases b_h and b_q of lines 20–21 (false: the model of lines 48–49).
    public var includesBiases = true
    /// T.
    public var steps = 6
    /// The losses L_t the hand formulas sum (nil: every t = 1 … T).
    public var summedSteps: ClosedRange<Int>? = nil
    /// Whether ∂L/∂b_h sums δ_{t,k} over every k ≤ t (false: only k = t, truncated BPTT).
    public var sumsEveryEarlierStep = true

    public init() {}

    struct Model {
        var wH: Matrix<Double>  // (H, H)
        var wX: Matrix<Double>  // (H, K)
        var wO: Matrix<Double>  // (K, H)
        var bH: Matrix<Double>  // (H, 1)
        var bQ: Matrix<Double>  // (K, 1)
    }

    /// Gradients of Σ_{t ∈ losses} L_t by autodiff: (W_H, W_X, W_O, b_h, b_q).
    func autodiff(_ m: Model, _ xs: [Matrix<Double>], _ ys: [Matrix<Double>], losses: ClosedRange<Int>, biases: Bool) -> [Matrix<Double>] {
        let tape = Tape<Double>()
        let wH = tape.variable(m.wH), wX = tape.variable(m.wX), wO = tape.variable(m.wO)
        let bH = biases ? tape.variable(m.bH) : tape.constant(.zeros(m.bH.rows, 1))
        let bQ = biases ? tape.variable(m.bQ) : tape.constant(.zeros(m.bQ.rows, 1))
        var h = tape.constant(.zeros(m.wH.rows, 1))
        var loss: Variable<Double>?
        for t in 1...xs.count {
            h = (wH.matmul(h) + wX.matmul(tape.constant(xs[t - 1])) + bH).tanh()
            if losses.contains(t) {
                let term = (wO.matmul(h) + bQ).squaredError(target: ys[t - 1])
                loss = loss.map { $0 + term } ?? term
            }
        }
        tape.backward(loss!)
        // Without biases b_h and b_q are not parameters: no gradient.
        let zeroH = Matrix<Double>.zeros(m.bH.rows, 1), zeroQ = Matrix<Double>.zeros(m.bQ.rows, 1)
        return [
            tape.gradient(of: wH), tape.gradient(of: wX), tape.gradient(of: wO),
            biases ? tape.gradient(of: bH) : zeroH, biases ? tape.gradient(of: bQ) : zeroQ,
        ]
    }

    public func run() -> ExerciseReport {
        let (K, H, T) = (3, 4, steps)
        var rng = SeededGenerator(seed: 404)
        var m = Model(
            wH: .random(H, H, in: -0.7...0.7, using: &rng), wX: .random(H, K, using: &rng), wO: .random(K, H, using: &rng),
            bH: .random(H, 1, in: -0.5...0.5, using: &rng), bQ: .random(K, 1, in: -0.5...0.5, using: &rng))
        let xs = (0..<T).map { _ in Matrix<Double>.random(K, 1, using: &rng) }
        let ys = (0..<T).map { _ in Matrix<Double>.random(K, 1, using: &rng) }
        if !includesBiases { m.bH = .zeros(H, 1); m.bQ = .zeros(K, 1) }

        // Forward.
        var h = [Matrix<Double>.zeros(H, 1)], o: [Matrix<Double>] = []
        for t in 1...T {
            h.append((m.wH * h[t - 1] + m.wX * xs[t - 1] + m.bH).map { Double.tanh($0) })
            o.append(m.wO * h[t] + m.bQ)
        }
        let whole = autodiff(m, xs, ys, losses: 1...T, biases: includesBiases)
        // The model of lines 48–49 (no biases) at the same weights.
        var plain = m
        plain.bH = .zeros(H, 1); plain.bQ = .zeros(K, 1)
        let withoutBiases = autodiff(plain, xs, ys, losses: 1...T, biases: false)
        let lastOnly = autodiff(m, xs, ys, losses: T...T, biases: includesBiases)

        // The completed formulas, summed over the chosen losses.
        let summed = summedSteps ?? 1...T
        var gradBQ = Matrix<Double>.zeros(K, 1), gradBH = Matrix<Double>.zeros(H, 1), gradWH = Matrix<Double>.zeros(H, H)
        for t in summed where t >= 1 && t <= T {
            let err = o[t - 1] - ys[t - 1]  // ∂L_t/∂o_t
            gradBQ += err
            // δ_{t,t} = diag(1 − h_t²) W_Oᵀ (o_t − y_t); δ_{t,k} = diag(1 − h_k²) W_Hᵀ δ_{t,k+1}.
            var delta = h[t].map { 1 - $0 * $0 }.hadamard(matmul(m.wO, .transpose, err, .none))
            for k in stride(from: t, through: 1, by: -1) {
                if sumsEveryEarlierStep || k == t { gradBH += delta }
                if k > 1 { delta = h[k - 1].map { 1 - $0 * $0 }.hadamard(matmul(m.wH, .transpose, delta, .none)) }
            }
            gradWH += autodiff(m, xs, ys, losses: t...t, biases: includesBiases)[0]  // ∂L_t/∂W_H, one loss at a time
        }
        let normBH = whole[3].frobeniusNorm(), normBQ = whole[4].frobeniusNorm()
        let biasEffect = relativeDifference(whole[0], withoutBiases[0])
        let bqError = relativeDifference(gradBQ, whole[4]), bhError = relativeDifference(gradBH, whole[3])
        let sumError = relativeDifference(gradWH, whole[0])
        let lastOnlyGap = relativeDifference(lastOnly[0], whole[0])

        return report(
            summary:
                "K = \(K), H = \(H), T = \(T), h_0 = 0, squared-error losses on every step, biases drawn from U(−0.5, 0.5). Gradients of L = Σ_t L_t by autodiff, against the per-step gradients summed, the completed bias formulas, the last loss alone, and the bias-free model of the seed's derivation.",
            quantities: [
                Quantity("∂L/∂b_h (autodiff)", matrix: whole[3].transposed), Quantity("∂L/∂b_q (autodiff)", matrix: whole[4].transposed),
                Quantity("∂L/∂W_H (autodiff)", matrix: whole[0]),
            ],
            checks: [
                .atLeast("‖∂L/∂b_h‖ by autodiff (b_h is a parameter the derivation drops)", normBH, 1e-3),
                .atLeast("‖∂L/∂b_q‖ by autodiff (b_q is a parameter the derivation drops)", normBQ, 1e-3),
                .atLeast("∂L/∂W_H with the biases vs the bias-free model at the same weights: relative difference", biasEffect, 1e-2),
                .atMost("∂L/∂b_q = Σ_t (o_t − y_t) vs autodiff: relative difference", bqError, 1e-12),
                .atMost("∂L/∂b_h = Σ_t Σ_{k≤t} δ_{t,k} vs autodiff: relative difference", bhError, 1e-12),
                .atMost("∂L/∂W_H = Σ_t ∂L_t/∂W_H (each by autodiff, summed) vs autodiff of L: relative difference", sumError, 1e-12),
                .atLeast("∂L_T/∂W_H alone vs ∂L/∂W_H: relative difference", lastOnlyGap, 0.1),
            ],
            findings: [
                .erratum(
                    at: "004:20–22, 48–49, 56",
                    "The model is stated with biases, H_t = σ(W_H H_{t−1} + W_X X_t + b_h) and O_t = W_O H_t + b_q, and then said to have three parameters W_H, W_X, W_O; the derivation drops b_h and b_q and asks for three derivatives.",
                    "The model of lines 20–21 has five parameters. Both biases get gradients, and dropping them also changes the gradients of the weights, so the three derivatives of the bias-free model do not train the model first stated.",
                    [
                        Quantity("‖∂L/∂b_h‖", normBH, digits: 6), Quantity("‖∂L/∂b_q‖", normBQ, digits: 6),
                        Quantity("rel diff of ∂L/∂W_H, with vs without biases", scientific: biasEffect, digits: 3),
                    ]),
                .erratum(
                    at: "004:56–74",
                    "The derivation asks for ∂L/∂W_H, ∂L/∂W_X and ∂L/∂W_O of L = Σ_t L_t, announces the computation of ∂o_t/∂W_O, and then writes only the chains of one loss, ∂L_t/∂W_O and ∂L_t/∂W_H.",
                    "∂o_t/∂W_O is never computed, ∂L/∂W_X never derived, and the per-step gradients are never summed: ∂L/∂W = Σ_t ∂L_t/∂W, and one loss alone is far from it.",
                    [Quantity("rel diff of ∂L_T/∂W_H alone from ∂L/∂W_H", scientific: lastOnlyGap, digits: 3)]),
                .completion(
                    at: "004:20–21",
                    "The gradients of the biases are never derived.",
                    "∂L/∂b_q = Σ_t (o_t − y_t) and ∂L/∂b_h = Σ_t Σ_{k≤t} δ_{t,k} with δ_{t,t} = diag(1 − h_t²) W_Oᵀ(o_t − y_t), δ_{t,k} = diag(1 − h_k²) W_Hᵀ δ_{t,k+1} (the analogue of NNDL's (6.41)); both match autodiff.",
                    [Quantity("rel diff ∂L/∂b_q", scientific: bqError), Quantity("rel diff ∂L/∂b_h", scientific: bhError)]),
                .completion(
                    at: "004:51, 56",
                    "L = Σ_t L_t is defined, but the gradient of the sum is never formed.",
                    "∂L/∂W_H is the sum over t of the per-step gradients ∂L_t/∂W_H: summed, they match autodiff of L.",
                    [Quantity("rel diff Σ_t ∂L_t/∂W_H vs ∂L/∂W_H", scientific: sumError)]),
                .typo(at: "004:50", "L_t = f(o_t, y) uses one target y for every step.", "The target of step t is y_t: L_t = f(o_t, y_t)."),
                .typo(
                    at: "004:62, 71", "The chains for ∂L_t/∂W_O and ∂L_t/∂W_H start with ∂L/∂f(o_t, y).",
                    "They are derivatives of L_t, so the first factor is ∂L_t/∂f(o_t, y_t) (= 1); the value is unchanged because ∂L/∂L_t = 1."
                ),
                .typo(
                    at: "004:11", "Each state is said to be determined by the current state and the previous one.",
                    "The current state is determined by the current input and the previous state, H_t = f(H_{t−1}, X_t), as line 20 writes."
                ),
            ],
            commands: ["workbench exercise run tanh-output"])
    }
}
