// Homework5Products.swift — Homework 5, exercise 2 (a) (seed 003): the Jacobians ∂h_t/∂h_k
// that backpropagation multiplies, and whether they are powers of one diag(σ′) W.
//
// Homework 5 notation: h_t = σ(W h_{t-1} + U x_t) for t = 0 … T, with a state h_f before h_0
// (the solution's equation 6); W is recurrent (NNDL's U), n hidden units, d inputs.
// Dimension letters: n = 3, d = 2, T = 3.
//
// What it checks: equation (10), ∂h_t/∂h_{t−1} = diag(σ′(z_t)) W, and the chain
// ∂h_3/∂h_0 = Π_{k=1}^{3} diag(σ′(z_k)) W, both against finite differences through the
// forward pass; and equation (11)'s powers (diag(σ′) W)ᵏ against the true products.
// Leaves out: the T = 3 expansion of ∂L/∂W itself (equation 9), a derivation that the gradient
// worksheet hw5-2a.grad is to check.

import WorkbenchNumerics
import GradCheck

/// Homework 5, exercise 2 (a): products of diag(σ′(z_k)) W, not powers of one.
public struct Homework5Expansion: Exercise {
    public let id = "hw5-2a"
    public let title = "∂h_t/∂h_k is a product of different diag(σ′(z_j)) W, not a power of one"
    public let source = Seeds.homework5("Exercise 2 (a)")
    public let notation = Notation.homework5

    // Ingredients.
    /// W, recurrent (n, n).
    public var recurrentWeight: Matrix<Double>
    /// U, input (n, d).
    public var inputWeight: Matrix<Double>
    /// x_0 … x_3, each (d, 1).
    public var inputs: [Matrix<Double>]
    /// h_f, the state before h_0 (n, 1).
    public var previousState: Matrix<Double>
    /// ∂h_t/∂h_{t−1} as a formula of z_t and W: diag(σ′(z_t)) W, equation (10).
    public var stepJacobian: @Sendable (_ z: Matrix<Double>, _ w: Matrix<Double>) -> Matrix<Double> = { z, w in
        Matrix.diagonal(z.storage.map { Double.sigmoid($0) * (1 - Double.sigmoid($0)) }) * w
    }

    public init() {
        var rng = SeededGenerator(seed: 23)
        // W strong enough that σ′ differs visibly between steps.
        recurrentWeight = Matrix<Double>.random(3, 3, in: -1.5...1.5, using: &rng)
        inputWeight = Matrix<Double>.random(3, 2, using: &rng)
        inputs = (0..<4).map { _ in Matrix<Double>.randomNormal(2, 1, using: &rng) }
        previousState = Matrix<Double>.random(3, 1, in: -1...1, using: &rng)
    }

    /// h_t = σ(W h_{t−1} + U x_t) from h_{t−1}.
    func step(_ h: Matrix<Double>, _ t: Int) -> (z: Matrix<Double>, h: Matrix<Double>) {
        let z = recurrentWeight * h + inputWeight * inputs[t]
        return (z, z.map { Double.sigmoid($0) })
    }

    public func run() -> ExerciseReport {
        let T = inputs.count - 1
        let (n, d) = (recurrentWeight.rows, inputWeight.cols)
        // Forward: z_0 … z_T, h_0 … h_T.
        var zs: [Matrix<Double>] = [], hs: [Matrix<Double>] = []
        var h = previousState
        for t in 0...T { let s = step(h, t); zs.append(s.z); hs.append(s.h); h = s.h }

        // (10) ∂h_t/∂h_{t−1} for every t ≥ 1: the formula against finite differences.
        var worstStep = 0.0
        var stepFD = Matrix<Double>.zeros(0, 0)
        for t in 1...T {
            let numeric = jacobian(at: hs[t - 1]) { step($0, t).h }
            worstStep = max(worstStep, relativeDifference(numeric, stepJacobian(zs[t], recurrentWeight)))
            if t == T { stepFD = numeric }
        }
        // ∂h_T/∂h_0: finite differences through T steps against Π_{k=1}^{T} diag(σ′(z_k)) W.
        let chainFD = jacobian(at: hs[0]) { h0 in
            var h = h0
            for t in 1...T { h = step(h, t).h }
            return h
        }
        var product = Matrix<Double>.identity(n)
        for k in 1...T { product = stepJacobian(zs[k], recurrentWeight) * product }
        // (11): the power of one factor, σ′ taken at the last step.
        var power = Matrix<Double>.identity(n)
        for _ in 1...T { power = stepJacobian(zs[T], recurrentWeight) * power }
        let chainError = relativeDifference(chainFD, product)
        let powerError = relativeDifference(power, product)
        let sigmaPrimes = (1...T).map { k in zs[k].storage.map { Double.sigmoid($0) * (1 - Double.sigmoid($0)) } }
        let spread = (0..<n).map { i in (sigmaPrimes.map { $0[i] }.max() ?? 0) - (sigmaPrimes.map { $0[i] }.min() ?? 0) }.max() ?? 0

        return report(
            summary: "Sigmoid RNN in Homework 5's notation (n = \(n), d = \(d), steps 0…\(T), a state h_f before h_0). Compares ∂h_t/∂h_{t−1} and ∂h_\(T)/∂h_0, by finite differences through the forward pass (fourth-order, ε = 1e-4), with diag(σ′(z_t)) W and with the product Π_k diag(σ′(z_k)) W, and that product with the power (diag(σ′) W)^\(T) that the solution writes.",
            quantities: [Quantity("∂h_\(T)/∂h_0 by finite differences", matrix: chainFD), Quantity("Π_{k=1}^{\(T)} diag(σ′(z_k)) W", matrix: product),
                         Quantity("(diag(σ′(z_\(T))) W)^\(T)", matrix: power),
                         Quantity("largest spread of σ′(z_k)_i over k = 1…\(T)", spread, digits: 4)],
            checks: [.atMost("(10) ∂h_t/∂h_{t−1}: finite differences vs diag(σ′(z_t)) W, every t: max relative difference", worstStep, 1e-9),
                     .atMost("∂h_\(T)/∂h_0: finite differences vs Π_k diag(σ′(z_k)) W: relative difference", chainError, 1e-9),
                     .atLeast("(11) the power (diag(σ′(z_\(T))) W)^\(T) vs the true product: relative difference", powerError, 1e-2)],
            findings: [
                .confirmation(at: "003:211",
                              "For T = 3, the longest chain (the k = 0 term of L_3) multiplies three factors diag(σ′) W.",
                              "∂h_\(T)/∂h_0 computed by finite differences through the forward pass equals the product of the three per-step Jacobians diag(σ′(z_k)) W.",
                              [Quantity("rel diff, finite differences vs product", scientific: chainError)]),
                .erratum(at: "003:205–207",
                         "Equation (11) writes the chains as powers (diag(σ′) W)², (diag(σ′) W)³; the exercise statement (line 177) already speaks of multiplying diag(σ′) W \"n times with itself\".",
                         "σ′ is evaluated at a different z_k at every step, so ∂h_t/∂h_k = Π_j diag(σ′(z_j)) W is a product of different matrices, not a power of one; the power is right only if every z_j gives the same σ′.",
                         [Quantity("rel diff, power vs true product", scientific: powerError, digits: 3),
                          Quantity("largest spread of σ′(z_k)_i over the steps", spread, digits: 4)]),
                .erratum(at: "003:198",
                         "Equation (10) gives ∂h_t/∂h_{t−1} = diag(σ′) W ∈ ℝ^{n×d}.",
                         "The formula is right (it matches finite differences), but the shape is not: W here is the recurrent weight, n × n, and h_t and h_{t−1} both have n entries, so the Jacobian is n × n; n × d is the shape of exercise 1 (a)'s input Jacobian.",
                         [Quantity("shape of ∂h_t/∂h_{t−1} (finite differences)", shape: [stepFD.rows, stepFD.cols]),
                          Quantity("the shape claimed, n × d", shape: [n, d]),
                          Quantity("rel diff, finite differences vs diag(σ′(z_t)) W", scientific: worstStep)]),
            ],
            commands: ["workbench spectral rnn"])
    }
}
