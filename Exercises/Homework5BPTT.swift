// Homework5BPTT.swift — Homework 5, exercises 1 (a), 1 (b) and 2 (a) (seed 003).
//
// Homework 5 notation: h_t = σ(W h_{t-1} + U x_t), L = Σ_{t=0}^{T} L_t. Its W is the recurrent
// weight (NNDL's U) and its U the input weight (NNDL's W). The code maps it onto the NNDL
// implementation with b = 0 and says which name is which.

import WorkbenchNumerics
import Autodiff
import GradCheck
import Recurrent

/// Finite-difference Jacobian of a vector function (columns in, columns out), fourth-order
/// stencil with ε = 1e-4.
func jacobian(at x: Matrix<Double>, _ f: (Matrix<Double>) -> Matrix<Double>) -> Matrix<Double> {
    let y0 = f(x)
    var j = Matrix<Double>.zeros(y0.rows, x.rows)
    for c in 0..<x.rows {
        var plus = x, minus = x, plus2 = x, minus2 = x
        plus[c, 0] += 1e-4; minus[c, 0] -= 1e-4; plus2[c, 0] += 2e-4; minus2[c, 0] -= 2e-4
        let d = (f(minus2) - f(plus2) + 8 * (f(plus) - f(minus))) / 12e-4
        for r in 0..<y0.rows { j[r, c] = d[r, 0] }
    }
    return j
}

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
                              [Quantity("rel diff", sci(relativeDifference(numeric, claimed)))]),
                .erratum("The intermediate matrix ∂σ(Wx)/∂(Wx) is printed with entries such as ∂y_2/∂p_1 in the first row and ∂y_2/∂p_2 repeated across the second, and the expansion of Wx mixes the sizes m and d and repeats a row label (w_31 before w_n1).",
                         "The matrix is diagonal: σ acts entry by entry, so ∂y_i/∂p_j = 0 for i ≠ j and the diagonal is σ′(p_i). The conclusion survives the typos.",
                         [Quantity("max |off-diagonal| of ∂σ(p)/∂p", sci(offDiagonal))]),
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
            rows.append(Quantity("\(label): rel diff, sum from k = 0", sci(gapZero)))
            rows.append(Quantity("\(label): rel diff, sum from k = 1", sci(gapOne)))
            checks.append(.atMost("\(label): Σ from k = 0 equals autodiff", gapZero, 1e-10))
            if previous { gapWithState = gapOne } else { gapWithoutState = gapOne }
        }
        checks.append(.that("with h_f ≠ 0 the sum from k = 1 misses a term", gapWithState > 1e-3, "rel diff \(sci(gapWithState))"))
        checks.append(.atMost("with h_f = 0 the sum from k = 1 is complete", gapWithoutState, 1e-10))

        // ∂h_t/∂h_{t-1} is square.
        let (model, sequence) = problem(previousState: true)
        let fwd = model.forward(sequence)
        let step = jacobian(at: fwd.h[2]) { h in
            (model.recurrentWeight * h + model.inputWeight * sequence.inputs[2]).map { Double.sigmoid($0) }
        }
        checks.append(.that("∂h_t/∂h_{t−1} is n × n", step.rows == 3 && step.cols == 3))
        return report(
            summary: "Sigmoid RNN in Homework 5's notation (W recurrent, b = 0), L = Σ_{t=0}^{4} L_t with squared losses. Compares the double sum started at k = 0 and at k = 1 with autodiff, with and without a state h_f before h_0.",
            quantities: rows + [Quantity("∂h_t/∂h_{t−1} (finite differences)", matrix: step)],
            checks: checks,
            findings: [
                .erratum("The question sums k from 1, while the solution's own expansion (its equation 6) makes h_0 = σ(W h_f + U x_0) depend on W and then carries ∂h_0/∂W terms.",
                         "Whether k starts at 0 or 1 depends on the initial state. If h_0 is computed with W from a nonzero earlier state h_f, the k = 0 term ∂L_t/∂h_t ∂h_t/∂h_0 ∂⁺h_0/∂W is needed and the sum from k = 1 is wrong; if h_f = 0 (or h_0 is a given constant) that term is zero and k = 1 is complete.",
                         rows),
                .erratum("Equation (10) gives ∂h_t/∂h_{t−1} = diag(σ′) W ∈ ℝ^{n×d}.",
                         "Here W is the recurrent weight, n × n, so the Jacobian is n × n; n × d is the shape of exercise 1 (a)'s input Jacobian.",
                         [Quantity("shape of ∂h_t/∂h_{t−1}", "\(step.rows)×\(step.cols)")]),
            ],
            commands: ["workbench check rnn --activation sigmoid --zero-initial-state", "workbench check rnn --activation sigmoid"])
    }
}

/// Homework 5, exercise 2 (a): T = 3 and the powers of diag(σ′) W.
public struct Homework5Expansion: Exercise {
    public init() {}
    public let id = "hw5-2a"
    public let title = "The T = 3 expansion of ∂L/∂W and the products of diag(σ′) W"
    public let source = Seeds.homework5("Exercise 2 (a)")
    public let notation = Notation.homework5

    public func run() -> ExerciseReport {
        let config = RNNCheckConfiguration(activation: .sigmoid, loss: .squared, steps: 4, hidden: 3, input: 2, seed: 23)
        var (model, sequence) = config.makeProblem()
        model.recurrentWeight = model.recurrentWeight * 3        // strong enough that σ′ varies between steps
        let fwd = model.forward(sequence)
        // Homework steps 0…3 are NNDL steps 1…4; ∂h_3/∂h_0 (homework) = Π_{k=2..4} diag(σ′(z_k)) W.
        func stepJacobian(_ k: Int) -> Matrix<Double> {
            Matrix.diagonal(fwd.z[k].storage.map { Activation.sigmoid.derivative($0) }) * model.recurrentWeight
        }
        let product = stepJacobian(4) * stepJacobian(3) * stepJacobian(2)
        let power = stepJacobian(4) * stepJacobian(4) * stepJacobian(4)
        let numeric = jacobian(at: fwd.h[1]) { h0 in
            var h = h0
            for k in 2...4 { h = (model.recurrentWeight * h + model.inputWeight * sequence.inputs[k - 1] + model.bias).map { Double.sigmoid($0) } }
            return h
        }
        // The expansion (9): Σ_t Σ_{k=0}^{t} ∂L_t/∂h_t (∂h_t/∂h_k) ∂⁺h_k/∂W with the true products.
        let terms = model.errorTerms(fwd)
        var expansion = Matrix<Double>.zeros(3, 3)
        var termCount = 0
        for t in 1...4 { for k in 1...t { expansion += terms[t, k] * fwd.h[k - 1].transposed; termCount += 1 } }
        let auto = model.autodiffGradients(sequence).recurrentWeight
        return report(
            summary: "Sigmoid RNN with T = 3 (steps 0…3, 10 terms in the expansion). Compares ∂h_3/∂h_0 by finite differences with the product of the per-step Jacobians diag(σ′(z_k)) W and with the power (diag(σ′) W)³ the solution writes.",
            quantities: [Quantity("∂h_3/∂h_0 by finite differences", matrix: numeric), Quantity("Π_k diag(σ′(z_k)) W", matrix: product),
                         Quantity("(diag(σ′(z_3)) W)³", matrix: power), Quantity("terms in the expansion", "\(termCount)")],
            checks: [.atMost("∂h_3/∂h_0 = Π_k diag(σ′(z_k)) W", relativeDifference(numeric, product), 1e-9),
                     .atMost("the expansion with true products equals autodiff", relativeDifference(expansion, auto), 1e-10),
                     .that("a power with one σ′ differs from the true product", relativeDifference(power, product) > 1e-2),
                     .that("T = 3 has 1 + 2 + 3 + 4 = 10 terms", termCount == 10)],
            findings: [
                .confirmation("For T = 3 the expansion has terms with 0, 1, 2 and 3 factors ∂h_j/∂h_{j−1}; the k = 0 term of L_3 multiplies three of them.",
                              "The expansion with the true Jacobian products equals autodiff.", [Quantity("rel diff", sci(relativeDifference(expansion, auto)))]),
                .erratum("Equation (11) writes the products as powers (diag(σ′) W)², (diag(σ′) W)³.",
                         "σ′ is evaluated at a different z_k at every step, so ∂h_t/∂h_k = Π_j diag(σ′(z_j)) W is a product of different matrices, not a power of one; the power is right only if every z_j gives the same σ′.",
                         [Quantity("rel diff, power vs true product", sci(relativeDifference(power, product)))]),
            ],
            commands: ["workbench spectral rnn"])
    }
}
