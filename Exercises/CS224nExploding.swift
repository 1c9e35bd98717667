// CS224nExploding.swift — seed 002's section on exploding gradients, which has a heading and no
// text (line 151), completed for the seed's own sigmoid RNN.
//
//   h^(t) = σ(W_h h^(t−1) + W_e e^(t) + b₁),   ∂h^(t)/∂h^(k) = Π_{j=k+1}^{t} diag(h^(j) ⊙ (1 − h^(j))) W_h
//
// Since σ′ ≤ 1/4, every factor has ‖diag(σ′) W_h‖₂ ≤ σ_max(W_h)/4, so ‖∂h^(t)/∂h^(k)‖₂ ≤
// (σ_max(W_h)/4)^(t−k): the product can only grow when σ_max(W_h) > 4. At the fixed point h = ½
// (zero input, b₁ = −½ W_h 1) every σ′ is exactly 1/4 and the product is (W_h/4)^(t−k), which
// explodes when ρ(W_h/4) > 1. Dimension letters: D_h = 8 hidden units, T = 30 steps.

import Autodiff
import GradCheck
import Spectral
import WorkbenchNumerics

public struct CS224nExploding: Exercise {
    public let id = "cs224n-exploding"
    public let title = "When the sigmoid RNN's gradient can explode: σ′ ≤ 1/4 and σ_max(W_h) > 4"
    public let source = Seeds.cs224n("'the exploding-gradient problem' (an empty section)")
    public let notation = Notation.cs224n

    // Ingredients.
    /// σ′ written in the activation h = σ(z): h(1 − h).
    public var sigmoidDerivative: @Sendable (Double) -> Double = { h in h * (1 - h) }
    /// σ_max(W_h) of the three cases: below 4; above 4 with ρ(W_h/4) < 1; above 4 with ρ(W_h/4) > 1.
    public var smallScale = 2.0
    public var middleScale = 4.8
    public var largeScale = 12.0
    /// Whether b₁ = −½ W_h 1 holds h at the fixed point ½.
    public var biasAtFixedPoint = true
    public var steps = 30

    public init() {}

    /// ∂h^(T)/∂h^(0) by the product formula and by autodiff, W_h, and ρ(W_h/4).
    func measure(_ scale: Double) -> (formula: Matrix<Double>, autodiff: Matrix<Double>, w: Matrix<Double>, rho: Double) {
        let H = 8
        var rng = SeededGenerator(seed: 1)
        let base = Matrix<Double>.randomNormal(H, H, using: &rng)
        let w = base * (scale / twoNorm(base))
        let b1 = biasAtFixedPoint ? (w * Matrix<Double>(rows: H, cols: 1, repeating: 0.5)) * -1 : .zeros(H, 1)
        var h = Matrix<Double>(rows: H, cols: 1, repeating: 0.5)
        var product = Matrix<Double>.identity(H)
        let tape = Tape<Double>()
        let h0 = tape.variable(h)
        var hv = h0
        for _ in 0..<steps {
            h = (w * h + b1).map { Double.sigmoid($0) }
            product = Matrix.diagonal(h.storage.map(sigmoidDerivative)) * w * product
            hv = (tape.constant(w).matmul(hv) + tape.constant(b1)).sigmoid()
        }
        let rho = (try? spectralRadius(w * 0.25)) ?? .nan
        return (product, autodiffJacobian(tape, output: hv, input: h0), w, rho)
    }

    public func run() -> ExerciseReport {
        let n = steps
        let small = measure(smallScale), middle = measure(middleScale), large = measure(largeScale)
        let formulaError = [small, middle, large].map { relativeDifference($0.formula, $0.autodiff) }.max() ?? .nan
        let norms = [small, middle, large].map { twoNorm($0.autodiff) }
        let fixedPointError = relativeDifference(large.autodiff, matrixPowerBySquaring(large.w * 0.25, n).power)
        let scales = [smallScale, middleScale, largeScale]
        let rows = zip(scales, zip([small, middle, large], norms)).map { scale, pair in
            Quantity(
                "σ_max(W_h) = \(formatScalar(scale, digits: 3)), ρ(W_h/4) = \(formatScalar(pair.0.rho, digits: 3)): ‖∂h^(\(n))/∂h^(0)‖₂ (bound (σ_max/4)^\(n) = \(sci(Double.pow(scale / 4, Double(n)))))",
                scientific: pair.1)
        }
        return report(
            summary:
                "The seed's sigmoid RNN with D_h = 8, held at the fixed point h = ½ (zero input, b₁ = −½ W_h 1) for \(n) steps, for W_h scaled to σ_max = \(scales.map { formatScalar($0, digits: 3) }.joined(separator: ", ")). ∂h^(\(n))/∂h^(0) by the product formula and by autodiff (one backward pass per hidden unit).",
            quantities: rows,
            checks: [
                .atMost(
                    "∂h^(\(n))/∂h^(0): Π diag(h ⊙ (1 − h)) W_h vs autodiff, worst of the three cases: relative difference", formulaError,
                    1e-10),
                .atMost("σ_max(W_h) = \(formatScalar(smallScale, digits: 3)): ‖∂h^(\(n))/∂h^(0)‖₂ by autodiff (vanished)", norms[0], 1e-6),
                .atMost(
                    "σ_max(W_h) = \(formatScalar(middleScale, digits: 3)) > 4 with ρ(W_h/4) = \(formatScalar(middle.rho, digits: 3)): ‖∂h^(\(n))/∂h^(0)‖₂ by autodiff (need not explode: ≤ 0.1)",
                    norms[1], 0.1),
                .atLeast(
                    "σ_max(W_h) = \(formatScalar(largeScale, digits: 3)), ρ(W_h/4) = \(formatScalar(large.rho, digits: 3)) at the fixed point: ‖∂h^(\(n))/∂h^(0)‖₂ by autodiff (exploded)",
                    norms[2], 1e3),
                .atMost("at the fixed point: ∂h^(\(n))/∂h^(0) by autodiff vs (W_h/4)^\(n): relative difference", fixedPointError, 1e-10),
            ],
            findings: [
                .completion(
                    at: "002:151",
                    "The section on exploding gradients is a heading with nothing under it.",
                    "For this sigmoid RNN ∂h^(t)/∂h^(k) = Π_j diag(h^(j) ⊙ (1 − h^(j))) W_h, and σ′ ≤ 1/4 bounds it by (σ_max(W_h)/4)^(t−k): the gradient can only explode when σ_max(W_h) > 4, and even then only if the product's growth wins (at the fixed point h = ½, when ρ(W_h/4) > 1). Saturated units (σ′ ≈ 0) make it vanish instead.",
                    rows + [Quantity("rel diff, product formula vs autodiff", scientific: formulaError)])
            ],
            commands: ["workbench spectral rnn"])
    }
}
