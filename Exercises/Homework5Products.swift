// Homework5Products.swift — Homework 5, exercise 2 (a) (seed 003): the shape of the step
// Jacobian ∂h_t/∂h_{t−1} that backpropagation multiplies.
//
// Homework 5 notation: h_t = σ(W h_{t-1} + U x_t) for t = 0 … T, with a state h_f before h_0
// (the solution's equation 6); W is recurrent (NNDL's U), n hidden units, d inputs.
// Dimension letters: n = 3, d = 2, T = 3.
//
// What it checks: equation (10), ∂h_t/∂h_{t−1} = diag(σ′(z_t)) W, against finite differences
// through the forward pass, and the shape of that Jacobian, which (10) states as n × d.
// Leaves out: the expansion (9) of ∂L/∂W for T = 3, the chain of three factors and the powers
// of equation (11), all derivations: the gradient worksheet hw5-2a-expansion checks them.

import GradCheck
import WorkbenchNumerics

/// Homework 5, exercise 2 (a): the step Jacobian diag(σ′(z_t)) W and its shape.
public struct Homework5Expansion: Exercise {
    public let id = "hw5-2a"
    public let title = "The step Jacobian ∂h_t/∂h_{t−1} = diag(σ′) W is n × n"
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
        let squareAndNotNByD = stepFD.rows == n && stepFD.cols == n && n != d

        return report(
            summary:
                "Sigmoid RNN in Homework 5's notation (n = \(n), d = \(d), steps 0…\(T), a state h_f before h_0). Compares ∂h_t/∂h_{t−1}, by finite differences through the forward pass (fourth-order, ε = 1e-4), with diag(σ′(z_t)) W, and takes its shape. (The expansion (9) and the powers of (11) are the worksheet hw5-2a-expansion.)",
            quantities: [
                Quantity("∂h_\(T)/∂h_\(T - 1) by finite differences", matrix: stepFD),
                Quantity("diag(σ′(z_\(T))) W", matrix: stepJacobian(zs[T], recurrentWeight)),
            ],
            checks: [
                .atMost("(10) ∂h_t/∂h_{t−1}: finite differences vs diag(σ′(z_t)) W, every t: max relative difference", worstStep, 1e-9),
                .that(
                    "∂h_t/∂h_{t−1} (finite differences) is n × n, which differs from the n × d of (10) (n = \(n), d = \(d))",
                    squareAndNotNByD,
                    "shape \(stepFD.rows)×\(stepFD.cols)"),
            ],
            findings: [
                .erratum(
                    at: "003:198",
                    "Equation (10) gives ∂h_t/∂h_{t−1} = diag(σ′) W ∈ ℝ^{n×d}.",
                    "The formula is right (it matches finite differences), but the shape is not: W here is the recurrent weight, n × n, and h_t and h_{t−1} both have n entries, so the Jacobian is n × n; n × d is the shape of exercise 1 (a)'s input Jacobian.",
                    [
                        Quantity("shape of ∂h_t/∂h_{t−1} (finite differences)", shape: [stepFD.rows, stepFD.cols]),
                        Quantity("the shape claimed, n × d", shape: [n, d]),
                        Quantity("rel diff, finite differences vs diag(σ′(z_t)) W", scientific: worstStep),
                    ])
            ],
            commands: ["workbench exercise run hw5-2a-expansion", "workbench spectral rnn"])
    }
}
