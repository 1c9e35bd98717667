// Homework5BPTT.swift — Homework 5, exercises 1 (a) and 1 (b) (seed 003).
//
// Both are pure derivations: the gradient worksheets hw5-1a.grad and hw5-1b.grad are to replace
// them (docs/coverage.md). Exercise 2 (a), the products of diag(σ′) W, is Homework5Products.swift.
//
// Homework 5 notation: h_t = σ(W h_{t-1} + U x_t), L = Σ_{t=0}^{T} L_t. Its W is the recurrent
// weight (NNDL's U) and its U the input weight (NNDL's W). The code maps it onto the NNDL
// implementation with b = 0 and says which name is which.

import WorkbenchNumerics
import Autodiff
import GradCheck
import Recurrent

/// Homework 5, exercise 1 (a): the Jacobian of y = σ(Wx).
public struct Homework5Jacobian: Exercise {
    public init() {}
    public let id = "hw5-1a"
    public let title = "The Jacobian ∂y/∂x = diag(σ′) W of y = σ(Wx)"
    public let source = Seeds.homework5("Exercise 1 (a)")
    public let notation = Notation.homework5

    public func run() -> ExerciseReport {
        var rng = SeededGenerator(seed: 11)
        let (n, d) = (4, 3)
        let w = Matrix<Double>.random(n, d, in: -1.5...1.5, using: &rng)
        let x = Matrix<Double>.random(d, 1, using: &rng)
        let numeric = jacobian(at: x) { (w * $0).map { Double.sigmoid($0) } }
        let p = w * x
        let claimed = Matrix.diagonal(p.storage.map { Double.sigmoid($0) * (1 - Double.sigmoid($0)) }) * w
        let inner = jacobian(at: p) { $0.map { Double.sigmoid($0) } }     // ∂σ(p)/∂p
        var offDiagonal = 0.0
        for i in 0..<n { for j in 0..<n where i != j { offDiagonal = max(offDiagonal, abs(inner[i, j])) } }
        return report(
            summary: "Compares a finite-difference Jacobian of y = σ(Wx) (n = 4, d = 3) with diag(σ′(Wx)) W.",
            quantities: [Quantity("∂y/∂x by finite differences", matrix: numeric), Quantity("diag(σ′(Wx)) W", matrix: claimed)],
            checks: [.atMost("∂y/∂x = diag(σ′(Wx)) W", relativeDifference(numeric, claimed), 1e-9),
                     .that("∂y/∂x is n × d", numeric.rows == n && numeric.cols == d),
                     .atMost("∂σ(p)/∂p is diagonal", offDiagonal, 1e-12)],
            findings: [
                .confirmation("∂y/∂x = diag(σ′) W ∈ ℝ^{n×d}.", "Finite differences agree; the shape is n × d.",
                              [Quantity("rel diff", scientific: relativeDifference(numeric, claimed))]),
                .erratum("The intermediate matrix ∂σ(Wx)/∂(Wx) is printed with entries such as ∂y_2/∂p_1 in the first row and ∂y_2/∂p_2 repeated across the second, and the expansion of Wx mixes the sizes m and d and repeats a row label (w_31 before w_n1).",
                         "The matrix is diagonal: σ acts entry by entry, so ∂y_i/∂p_j = 0 for i ≠ j and the diagonal is σ′(p_i). The conclusion survives the typos.",
                         [Quantity("max |off-diagonal| of ∂σ(p)/∂p", scientific: offDiagonal)]),
            ])
    }
}

/// Homework 5, exercise 1 (b): the double sum for ∂L/∂W and where k starts.
public struct Homework5DoubleSum: Exercise {
    public init() {}
    public let id = "hw5-1b"
    public let title = "∂L/∂W = Σ_t Σ_k ∂L_t/∂h_t ∂h_t/∂h_k ∂h_k/∂W — does k start at 0 or 1?"
    public let source = Seeds.homework5("Exercise 1 (b)")
    public let notation = Notation.homework5

    public func run() -> ExerciseReport {
        // Homework 5's W (recurrent) is NNDL's U. Steps t = 0…T in the homework are steps 1…T+1
        // here, so the homework's k = 0 term is NNDL's k = 1 term δ_{t,1} h_{-1}ᵀ, where h_{-1}
        // (the seed calls it h_f) is the state before h_0.
        func problem(previousState: Bool) -> (VanillaRNN, RNNSequence) {
            let config = RNNCheckConfiguration(activation: .sigmoid, loss: .squared, steps: 5, hidden: 3, input: 2, seed: 15,
                                               nonzeroInitialState: previousState)
            var (model, sequence) = config.makeProblem()
            model.bias = .zeros(3, 1)
            sequence.targetVectors = sequence.targetVectors.map { $0.map { $0 + 0.5 } }
            return (model, sequence)
        }
        var rows: [Quantity] = []
        var checks: [ExerciseCheck] = []
        var gapWithState = 0.0, gapWithoutState = 0.0
        for previous in [false, true] {
            let (model, sequence) = problem(previousState: previous)
            let fwd = model.forward(sequence)
            let terms = model.errorTerms(fwd)
            let full = model.autodiffGradients(sequence).recurrentWeight          // ∂L/∂W (homework's W)
            var fromZero = Matrix<Double>.zeros(3, 3), fromOne = Matrix<Double>.zeros(3, 3)
            for t in 1...sequence.length {
                for k in 1...t {
                    let term = terms[t, k] * fwd.h[k - 1].transposed
                    fromZero += term                    // homework k = 0…t
                    if k >= 2 { fromOne += term }       // homework k = 1…t
                }
            }
            let label = previous ? "h_0 = σ(W h_f + U x_0) with h_f ≠ 0" : "h_0 = σ(U x_0), i.e. h_f = 0"
            let gapZero = relativeDifference(fromZero, full), gapOne = relativeDifference(fromOne, full)
            rows.append(Quantity("\(label): rel diff, sum from k = 0", scientific: gapZero))
            rows.append(Quantity("\(label): rel diff, sum from k = 1", scientific: gapOne))
            checks.append(.atMost("\(label): Σ from k = 0 equals autodiff", gapZero, 1e-10))
            if previous { gapWithState = gapOne } else { gapWithoutState = gapOne }
        }
        checks.append(.that("with h_f ≠ 0 the sum from k = 1 misses a term", gapWithState > 1e-3, "rel diff \(sci(gapWithState))"))
        checks.append(.atMost("with h_f = 0 the sum from k = 1 is complete", gapWithoutState, 1e-10))

        return report(
            summary: "Sigmoid RNN in Homework 5's notation (W recurrent, b = 0), L = Σ_{t=0}^{4} L_t with squared losses. Compares the double sum started at k = 0 and at k = 1 with autodiff, with and without a state h_f before h_0.",
            quantities: rows,
            checks: checks,
            findings: [
                .erratum(at: "003:169", "The answer concludes that the question is wrong and that k must start at 0, not 1 (after adding, in its equation 6, a state h_f before h_0 so that h_0 = σ(W h_f + U x_0) depends on W).",
                         "Whether k starts at 0 or 1 depends on the initial state. If h_0 is computed with W from a nonzero earlier state h_f, the k = 0 term ∂L_t/∂h_t ∂h_t/∂h_0 ∂⁺h_0/∂W is needed and the sum from k = 1 is wrong; if h_f = 0 (or h_0 is a given constant) that term is zero and k = 1 is complete.",
                         rows),
            ],
            commands: ["workbench check rnn --activation sigmoid --zero-initial-state", "workbench check rnn --activation sigmoid"])
    }
}
