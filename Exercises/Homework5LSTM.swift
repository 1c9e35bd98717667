// Homework5LSTM.swift — Homework 5, exercise 3 (a)–(c): LSTM gates, positivity, ∂C_t/∂C_k.
//
// Notation: PyTorch's LSTM (gates i, f, g, o; g is the homework's C̃_t, c is C_t). The
// experiments use `Recurrent`'s LSTM with gates forced to constants where a question asks
// "what if f = 1 and i = 0".

import WorkbenchNumerics
import GradCheck
import Recurrent

/// Homework 5, exercise 3 (a): what f, i and o do, shown by forcing them.
public struct Homework5Gates: Exercise {
    public init() {}
    public let id = "hw5-3a"
    public let title = "What the forget, input and output gates do"
    public let source = Seeds.homework5("Exercise 3 (a)")
    public let notation = Notation.pytorch

    public func run() -> ExerciseReport {
        var rng = SeededGenerator(seed: 33)
        let (d, h) = (3, 4)
        let layer = LSTMLayerParameters<Double>.random(inputSize: d, hiddenSize: h, using: &rng)
        let x = Matrix<Double>.randomNormal(1, d, using: &rng)
        let h0 = Matrix<Double>.random(1, h, in: -1...1, using: &rng)
        let c0 = Matrix<Double>.random(1, h, in: -1...1, using: &rng)
        /// ‖∂(output)/∂(input)‖ by central differences over every entry of `input`.
        func sensitivity(_ override: LSTMGateOverride, of output: (Matrix<Double>, Matrix<Double>) -> Matrix<Double>,
                         wrt which: Int) -> Double {
            var total = 0.0
            let base: Matrix<Double> = which == 0 ? c0 : x
            for e in 0..<base.count {
                var plus = base, minus = base
                plus.storage[e] += 1e-5; minus.storage[e] -= 1e-5
                func eval(_ v: Matrix<Double>) -> Matrix<Double> {
                    let s = which == 0 ? lstmStepForward(layer, x: x, h: h0, c: v, override: override)
                                       : lstmStepForward(layer, x: v, h: h0, c: c0, override: override)
                    return output(s.h, s.c)
                }
                let dcol = (eval(plus) - eval(minus)) / 2e-5
                total += dcol.dot(dcol)
            }
            return total.squareRoot()
        }
        let cell: (Matrix<Double>, Matrix<Double>) -> Matrix<Double> = { _, c in c }
        let hidden: (Matrix<Double>, Matrix<Double>) -> Matrix<Double> = { hv, _ in hv }
        let forgetOff = sensitivity(LSTMGateOverride(forget: 0), of: cell, wrt: 0)
        let forgetOn = sensitivity(LSTMGateOverride(forget: 1), of: cell, wrt: 0)
        let inputOff = sensitivity(LSTMGateOverride(input: 0, forget: 0.5), of: cell, wrt: 1)
        let inputOn = sensitivity(LSTMGateOverride(input: 1, forget: 0.5), of: cell, wrt: 1)
        let keep = lstmStepForward(layer, x: x, h: h0, c: c0, override: LSTMGateOverride(input: 0, forget: 1))
        let closed = lstmStepForward(layer, x: x, h: h0, c: c0, override: LSTMGateOverride(output: 0))
        let open = lstmStepForward(layer, x: x, h: h0, c: c0, override: LSTMGateOverride(output: 1))
        let carried = (keep.c - c0).maxAbs()
        let exposed = (open.h - open.c.map { Double.tanh($0) }).maxAbs()
        let evidence = [
            Quantity("‖∂C_t/∂C_{t−1}‖ with f = 0", forgetOff), Quantity("‖∂C_t/∂C_{t−1}‖ with f = 1 (= √H)", forgetOn),
            Quantity("‖∂C_t/∂x_t‖ with i = 0 (f held at 0.5)", inputOff), Quantity("‖∂C_t/∂x_t‖ with i = 1 (f held at 0.5)", inputOn),
            Quantity("max |C_t − C_{t−1}| with f = 1, i = 0", carried), Quantity("max |h_t| with o = 0", closed.h.maxAbs()),
            Quantity("max |h_t − tanh(C_t)| with o = 1", exposed),
        ]
        return report(
            summary: "One LSTM step (D = 3, H = 4) with single gates forced to 0 or 1; the sensitivities are measured by finite differences.",
            quantities: evidence,
            checks: [.atMost("f = 0: C_t forgets C_{t−1}", forgetOff, 1e-9),
                     .atMost("f = 1: ∂C_t/∂C_{t−1} = I (norm √H)", abs(forgetOn - Double(h).squareRoot()), 1e-8),
                     .atMost("i = 0 (f held fixed): the input x_t does not reach C_t", inputOff, 1e-9),
                     .that("i = 1: the input reaches C_t", inputOn > 1e-2),
                     .atMost("f = 1, i = 0: C_t = C_{t−1}", carried, 0),
                     .atMost("o = 0: h_t = 0 whatever C_t", closed.h.maxAbs(), 0),
                     .atMost("o = 1: h_t = tanh(C_t)", exposed, 0)],
            findings: [
                .confirmation("The forget gate decides how much of C_{t−1} is kept in C_t, the input gate how much of the new candidate (and so of x_t) is written, and the output gate how much of the cell reaches h_t.",
                              "Forcing each gate to 0 or 1 shows exactly these roles: f = 0 cuts C_{t−1} out of C_t; i = 0 cuts x_t out of C_t once f is held fixed (an unforced f still lets x_t scale the old cell); o = 0 hides the cell from h_t.",
                              evidence),
            ],
            commands: ["workbench lstm cell-state --forget 1 --input 0", "workbench lstm cell-state --forget 0.9 --input 0"])
    }
}

/// Homework 5, exercise 3 (b): which quantities are always positive.
public struct Homework5Positivity: Exercise {
    public init() {}
    public let id = "hw5-3b"
    public let title = "Which LSTM quantities are always positive"
    public let source = Seeds.homework5("Exercise 3 (b)")
    public let notation = Notation.pytorch

    public func run() -> ExerciseReport {
        guard let ranges = try? gateRangeExperiment(trials: 100, steps: 20, hidden: 8, seed: 3) else {
            return report(summary: "", checks: [.that("gate range experiment ran", false)])
        }
        var checks: [ExerciseCheck] = []
        var evidence: [Quantity] = []
        for q in ranges.quantities {
            evidence.append(Quantity(q.name, "observed [\(formatScalar(q.observedMin, digits: 4)), \(formatScalar(q.observedMax, digits: 4))] — \(q.reason)"))
            if q.alwaysPositive {
                checks.append(.that("\(q.name) is never negative", q.observedMin >= 0))
            } else {
                checks.append(.that("\(q.name) takes negative values", q.observedNegative))
            }
        }
        // Positive in exact arithmetic; in floating point σ(z) underflows to 0 far out.
        let underflowDouble = Double.sigmoid(-800), underflowFloat = Float.sigmoid(-120)
        return report(
            summary: "Runs \(ranges.trials) random LSTMs (\(ranges.sampling)) for \(ranges.steps) steps and records the range of each quantity.",
            quantities: evidence + [Quantity("σ(−800) in Double", underflowDouble), Quantity("σ(−120) in Float", Double(underflowFloat))],
            checks: checks,
            findings: [
                .confirmation("f_t, i_t and o_t are sigmoids with values in (0, 1), hence positive; C̃_t (a tanh), C_t and h_t can be negative.",
                              "The observed ranges agree: the three gates never went below 0, while C̃, C and h took negative values. One caveat of floating point: σ(z) rounds to exactly 0 for very negative z, so 'positive' holds in exact arithmetic and 'non-negative' in practice.",
                              evidence.filter { !$0.name.hasPrefix("σ") }),
            ],
            commands: ["workbench lstm gates"])
    }
}

/// Homework 5, exercise 3 (c): ∂C_t/∂C_k with f = 1 and i = 0.
public struct Homework5CellState: Exercise {
    public init() {}
    public let id = "hw5-3c"
    public let title = "∂C_t/∂C_k when f_t = 1 and i_t = 0"
    public let source = Seeds.homework5("Exercise 3 (c)")
    public let notation = Notation.pytorch

    public func run() -> ExerciseReport {
        guard let forced = try? cellStateExperiment(forget: 1, input: 0, steps: 8, hidden: 4, seed: 3, includeMatrices: true),
              let full = try? jacobianExperiment(steps: 10, hidden: 8, forgetBias: 0, seed: 3) else {
            return report(summary: "", checks: [.that("cell-state experiments ran", false)])
        }
        let sample = forced.jacobians?[8][2] ?? .zeros(0, 0)
        let byLag = Dictionary(full.rows.map { ($0.lag, $0.relativeDifference) }, uniquingKeysWith: { a, _ in a })
        let neglected = [1, 2, 5, 10].compactMap { lag in byLag[lag].map { Quantity("lag \(lag): ‖J − Π diag f‖ / ‖J‖", sci($0)) } }
        return report(
            summary: "Forces f = 1 and i = 0 in a random LSTM (H = 4, T = 8) and computes every ∂C_t/∂C_k through all paths (forward-mode Jacobians, including the paths through h); then, without forcing, compares the full Jacobian with the product of forget gates.",
            quantities: [Quantity("∂C_8/∂C_2 with f = 1, i = 0", matrix: sample), Quantity("max |∂C_t/∂C_k − I| over all k ≤ t", forced.maxDeviationFromIdentity)],
            checks: [.atMost("f = 1, i = 0: every ∂C_t/∂C_k is the identity", forced.maxDeviationFromIdentity, 1e-12),
                     .that("the Jacobian is an H × H matrix", sample.rows == 4 && sample.cols == 4),
                     .that("unforced, the neglected terms are not small", (byLag[5] ?? 0) > 0.1)],
            findings: [
                .confirmation("With f_t = 1 and i_t = 0 the cell is copied, C_t = C_{t−1}, so the gradient passes unchanged from C_t to C_k.",
                              "Every ∂C_t/∂C_k computed through all paths is the identity to the last bit.",
                              [Quantity("max |∂C_t/∂C_k − I|", forced.maxDeviationFromIdentity)]),
                .erratum("The answer writes ∂C_t/∂C_k = Π_{i=k+1}^{t} ∂C_t/∂C_{t−1} = Π 1 = 1.",
                         "The factors should be ∂C_i/∂C_{i−1} (the product index never appears in the printed factor), and the result is the H × H identity matrix I, not the number 1.",
                         [Quantity("shape of ∂C_8/∂C_2", "\(sample.rows)×\(sample.cols)"), Quantity("max |∂C_8/∂C_2 − I|", sci((sample - .identity(4)).maxAbs()))]),
                .erratum("The exercise text says the dependence of C_t on C_{t−1} through f_t, i_t and C̃_t can be neglected, leaving ∂C_t/∂C_{t−1} ≈ diag(f_t).",
                         "Through h_{t−1} every gate depends on C_{t−1}; for an ordinary random LSTM those neglected terms are a large part of the Jacobian, and more so at longer lags. The simplification is exact only when the gates are constant, as in part (c).",
                         neglected),
            ],
            commands: ["workbench lstm cell-state --forget 1 --input 0", "workbench lstm jacobian --steps 10"])
    }
}
