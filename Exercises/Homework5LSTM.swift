// Homework5LSTM.swift — Homework 5, exercise 3 (a)–(c) (seed 003): LSTM gates, positivity, and
// ∂C_t/∂C_k with the gates forced.
//
// Notation: PyTorch's LSTM (gates i, f, g, o; g is the homework's C̃_t, c is C_t), one layer,
// rows (1, H) per step. The homework's W_f, W_i, W_c, W_o acting on [h_{t−1}; x_t] are the
// blocks f, i, g, o of PyTorch's [W_hh | W_ih] (rows H…2H−1 for f, 3H…4H−1 for o).
// Dimension letters: D inputs, H hidden units, T steps.
// Every exercise here runs the LSTM step through its `step` ingredient (default: Recurrent's
// `lstmStepForward`), so a test can hand it a wrong step (a gate that ignores its forcing, a
// tanh where a sigmoid belongs) and see the verdict turn.
// Leaves out: the gradient ∂L/∂θ that the statement routes through C_t (a forgotten W_o path,
// the neglected dependence of the gates on W): the gradient worksheet hw5-3c-gradients checks it.

import Autodiff
import GradCheck
import Recurrent
import WorkbenchNumerics

/// One LSTM step's values: the new state and the gates, each (1, H).
public struct LSTMStepValues: Sendable {
    public var h: Matrix<Double>
    public var c: Matrix<Double>
    public var input: Matrix<Double>
    public var forget: Matrix<Double>
    public var candidate: Matrix<Double>
    public var output: Matrix<Double>

    public init(
        h: Matrix<Double>, c: Matrix<Double>, input: Matrix<Double>, forget: Matrix<Double>,
        candidate: Matrix<Double>, output: Matrix<Double>
    ) {
        self.h = h
        self.c = c
        self.input = input
        self.forget = forget
        self.candidate = candidate
        self.output = output
    }
}

/// One LSTM step: (layer, x (1, D), h_{t−1} (1, H), C_{t−1} (1, H), forced gates) → values.
public typealias LSTMStepFunction =
    @Sendable (
        LSTMLayerParameters<Double>, Matrix<Double>, Matrix<Double>, Matrix<Double>,
        LSTMGateOverride
    ) -> LSTMStepValues

/// The LSTM step the exercises use by default: Recurrent's (L1)–(L4).
public let pytorchLSTMStep: LSTMStepFunction = { p, x, h, c, override in
    let s = lstmStepForward(p, x: x, h: h, c: c, override: override)
    return LSTMStepValues(
        h: s.h, c: s.c, input: s.cache.inputGate, forget: s.cache.forgetGate,
        candidate: s.cache.candidate, output: s.cache.outputGate)
}

/// Homework 5, exercise 3 (a): what f, i and o do, shown by forcing them.
public struct Homework5Gates: Exercise {
    public let id = "hw5-3a"
    public let title = "What the forget, input and output gates do"
    public let source = Seeds.homework5("Exercise 3 (a)")
    public let notation = Notation.pytorch

    // Ingredients.
    public var step: LSTMStepFunction = pytorchLSTMStep
    public var layer: LSTMLayerParameters<Double>
    /// x_t (1, D), h_{t−1} and C_{t−1} (1, H).
    public var x: Matrix<Double>
    public var previousHidden: Matrix<Double>
    public var previousCell: Matrix<Double>

    public init() {
        var rng = SeededGenerator(seed: 33)
        let (d, h) = (3, 4)
        layer = LSTMLayerParameters<Double>.random(inputSize: d, hiddenSize: h, using: &rng)
        x = Matrix<Double>.randomNormal(1, d, using: &rng)
        previousHidden = Matrix<Double>.random(1, h, in: -1...1, using: &rng)
        previousCell = Matrix<Double>.random(1, h, in: -1...1, using: &rng)
    }

    public func run() -> ExerciseReport {
        let hs = layer.hiddenSize
        /// ∂(C_t or h_t)/∂C_{t−1} and ∂C_t/∂x_t by central differences, with gates forced.
        func cellByCell(_ o: LSTMGateOverride) -> Matrix<Double> {
            rowJacobian(at: previousCell) { step(layer, x, previousHidden, $0, o).c }
        }
        func hiddenByCell(_ o: LSTMGateOverride) -> Matrix<Double> {
            rowJacobian(at: previousCell) { step(layer, x, previousHidden, $0, o).h }
        }
        func cellByInput(_ o: LSTMGateOverride) -> Matrix<Double> {
            rowJacobian(at: x) { step(layer, $0, previousHidden, previousCell, o).c }
        }

        let forgetOff = cellByCell(LSTMGateOverride(forget: 0)).maxAbs()
        let forgetOnDeviation = (cellByCell(LSTMGateOverride(forget: 1)) - .identity(hs)).maxAbs()
        let inputOff = cellByInput(LSTMGateOverride(input: 0, forget: 0.5)).maxAbs()
        let inputOn = cellByInput(LSTMGateOverride(input: 1, forget: 0.5)).frobeniusNorm()
        let inputOffForgetFree = cellByInput(LSTMGateOverride(input: 0)).frobeniusNorm()
        let outputOff = hiddenByCell(LSTMGateOverride(output: 0)).maxAbs()
        let openValues = step(layer, x, previousHidden, previousCell, LSTMGateOverride(forget: 1, output: 1))
        let tanhPrime = Matrix.diagonal(openValues.c.storage.map { 1 - Double.tanh($0) * Double.tanh($0) })
        let outputOnDeviation = (hiddenByCell(LSTMGateOverride(forget: 1, output: 1)) - tanhPrime).maxAbs()

        let evidence = [
            Quantity("f = 0: max |∂C_t/∂C_{t−1}|", scientific: forgetOff),
            Quantity("f = 1: max |∂C_t/∂C_{t−1} − I|", scientific: forgetOnDeviation),
            Quantity("i = 0 (f held at 0.5): max |∂C_t/∂x_t|", scientific: inputOff),
            Quantity("i = 1 (f held at 0.5): ‖∂C_t/∂x_t‖_F", inputOn, digits: 6),
            Quantity("o = 0: max |∂h_t/∂C_{t−1}|", scientific: outputOff),
            Quantity("o = 1, f = 1: max |∂h_t/∂C_{t−1} − diag(1 − tanh² C_t)|", scientific: outputOnDeviation),
        ]
        return report(
            summary:
                "One LSTM step (D = \(layer.inputSize), H = \(hs)) with single gates forced to 0 or 1; every sensitivity is a Jacobian by central differences (ε = 1e-5) through the step.",
            quantities: evidence + [Quantity("i = 0, f not forced: ‖∂C_t/∂x_t‖_F", inputOffForgetFree, digits: 6)],
            checks: [
                .atMost("f = 0: max |∂C_t/∂C_{t−1}| (C_{t−1} is forgotten)", forgetOff, 1e-9),
                .atMost("f = 1: max |∂C_t/∂C_{t−1} − I| (C_{t−1} is kept whole)", forgetOnDeviation, 1e-8),
                .atMost("i = 0, f held at 0.5: max |∂C_t/∂x_t| (nothing of x_t is written)", inputOff, 1e-9),
                .atLeast("i = 1, f held at 0.5: ‖∂C_t/∂x_t‖_F (x_t is written)", inputOn, 1e-2),
                .atLeast("i = 0, f not forced: ‖∂C_t/∂x_t‖_F (x_t still reaches C_t through f_t)", inputOffForgetFree, 1e-3),
                .atMost("o = 0: max |∂h_t/∂C_{t−1}| (the cell is hidden from h_t)", outputOff, 1e-9),
                .atMost("o = 1, f = 1: max |∂h_t/∂C_{t−1} − diag(1 − tanh² C_t)| (the cell reaches h_t whole)", outputOnDeviation, 1e-8),
            ],
            findings: [
                .confirmation(
                    at: "003:308, 310",
                    "The forget gate chooses how much of C_{t−1} goes into C_t; the output gate chooses how much of the cell state reaches the hidden state h_t.",
                    "Forcing the gates shows exactly these roles: f = 0 cuts C_{t−1} out of C_t and f = 1 keeps it whole (∂C_t/∂C_{t−1} = I); o = 0 hides the cell from h_t and o = 1 passes it through tanh.",
                    [evidence[0], evidence[1], evidence[4], evidence[5]]),
                .confirmation(
                    at: "003:309",
                    "The input gate decides which information of the current input x_t is kept in the cell C_t or discarded.",
                    "With the forget gate held fixed, i = 0 writes nothing of x_t into C_t and i = 1 writes it.",
                    [evidence[2], evidence[3]]),
                .completion(
                    at: "003:309",
                    "The answer describes the input gate as the gate through which x_t reaches C_t.",
                    "It is not the only one: the forget gate is computed from x_t too, so with i = 0 and f left free, x_t still changes C_t through f_t ⊙ C_{t−1}. Only a forget gate held fixed makes i = 0 shut x_t out.",
                    [Quantity("i = 0, f not forced: ‖∂C_t/∂x_t‖_F", inputOffForgetFree, digits: 6), evidence[2]]),
            ],
            commands: ["workbench lstm cell-state --forget 1 --input 0", "workbench lstm cell-state --forget 0.9 --input 0"])
    }
}

/// Homework 5, exercise 3 (b): which quantities are always positive.
public struct Homework5Positivity: Exercise {
    public let id = "hw5-3b"
    public let title = "Which LSTM quantities are always positive"
    public let source = Seeds.homework5("Exercise 3 (b)")
    public let notation = Notation.pytorch

    // Ingredients.
    public var step: LSTMStepFunction = pytorchLSTMStep
    /// Where the initial cell state C_0 is drawn from.
    public var initialCellRange: ClosedRange<Double> = -1...1
    public var trials = 60
    public var steps = 20
    public var hidden = 8

    public init() {}

    public func run() -> ExerciseReport {
        var rng = SeededGenerator(seed: 3)
        let d = 4
        // Observed minimum and maximum of i, f, o, C̃, C, h.
        var lo = [Double](repeating: .infinity, count: 6), hi = [Double](repeating: -.infinity, count: 6)
        func observe(_ q: Int, _ m: Matrix<Double>) { for v in m.storage { lo[q] = min(lo[q], v); hi[q] = max(hi[q], v) } }
        for _ in 0..<trials {
            // Weight scales from 0.1 to 4 (log-uniform), so that gates saturate in some trials.
            let s = Double.exp(rng.uniform(Double.log(0.1), Double.log(4)))
            let layer = LSTMLayerParameters<Double>(
                weightIH: .random(4 * hidden, d, in: -s...s, using: &rng), weightHH: .random(4 * hidden, hidden, in: -s...s, using: &rng),
                biasIH: .random(1, 4 * hidden, in: -s...s, using: &rng), biasHH: .random(1, 4 * hidden, in: -s...s, using: &rng))
            var h = Matrix<Double>.random(1, hidden, in: -1...1, using: &rng)
            var c = Matrix<Double>.random(1, hidden, in: initialCellRange, using: &rng)
            for _ in 0..<steps {
                let v = step(layer, 2 * Matrix<Double>.randomNormal(1, d, using: &rng), h, c, .none)
                observe(0, v.input); observe(1, v.forget); observe(2, v.output)
                observe(3, v.candidate); observe(4, v.c); observe(5, v.h)
                h = v.h
                c = v.c
            }
        }
        let names = [
            "i_t (input gate)", "f_t (forget gate)", "o_t (output gate)", "C̃_t (candidate)", "C_t (cell state)", "h_t (hidden state)",
        ]
        let ranges = (0..<6).map { Quantity("\(names[$0]): observed min, max", value: .matrix(Matrix(row: [lo[$0], hi[$0]]), digits: 4)) }
        // Positive in exact arithmetic; in floating point σ(z) underflows to 0 far out.
        let underflowDouble = Double.sigmoid(-800), underflowFloat = Float.sigmoid(-120)
        var checks: [ExerciseCheck] = []
        for q in 0..<3 { checks.append(.above("\(names[q]): smallest observed value (positive)", lo[q], 0)) }
        for q in 3..<6 { checks.append(.below("\(names[q]): smallest observed value (takes negative values)", lo[q], 0)) }
        return report(
            summary:
                "Runs \(trials) random LSTMs (H = \(hidden), D = \(d), weight scales 0.1 … 4, inputs 2·N(0,1)) for \(steps) steps each and records the range of every quantity.",
            quantities: ranges + [
                Quantity("σ(−800) in Double", underflowDouble, digits: 3), Quantity("σ(−120) in Float", Double(underflowFloat), digits: 3),
            ],
            checks: checks,
            findings: [
                .confirmation(
                    at: "003:328",
                    "f_t, i_t and o_t are sigmoids, whose values lie in (0, 1), so they are always positive.",
                    "The smallest observed gate values are above 0, the largest below 1. One caveat of floating point: σ(z) rounds to exactly 0 for very negative z (σ(−800) in Double, σ(−120) in Float), so 'positive' holds in exact arithmetic and 'non-negative' in practice.",
                    Array(ranges[0..<3]) + [Quantity("σ(−800) in Double", underflowDouble, digits: 3)]),
                .confirmation(
                    at: "003:330",
                    "C̃_t is a tanh, with values in (−1, 1), so C̃_t, h_t and C_t can all be negative.",
                    "All three took negative values.", Array(ranges[3..<6])),
            ],
            commands: ["workbench lstm gates"])
    }
}

/// Homework 5, exercise 3 (c): ∂C_t/∂C_k with f = 1 and i = 0.
public struct Homework5CellState: Exercise {
    public let id = "hw5-3c"
    public let title = "∂C_t/∂C_k when f_t = 1 and i_t = 0"
    public let source = Seeds.homework5("Exercise 3 (c)")
    public let notation = Notation.pytorch

    /// ∂C_t/∂C_k for every k ≤ t along the forward pass: `full[t][k]`, (H, H).
    public typealias CellJacobians =
        @Sendable (
            LSTMLayerParameters<Double>, [Matrix<Double>], Matrix<Double>, Matrix<Double>,
            LSTMGateOverride
        ) -> [[Matrix<Double>]]

    // Ingredients.
    /// The forced gate values of part (c).
    public var forcedForget = 1.0
    public var forcedInput = 0.0
    /// The LSTM (H = 4, D = 3).
    public var layer: LSTMLayerParameters<Double>
    /// How ∂C_t/∂C_k is computed: through every path, by forward mode.
    public var cellJacobians: CellJacobians = { p, xs, h0, c0, o in lstmCellStateJacobians(p, inputs: xs, h0: h0, c0: c0, override: o).full
    }

    let inputs: [Matrix<Double>]
    let h0: Matrix<Double>
    let c0: Matrix<Double>

    public init() {
        var rng = SeededGenerator(seed: 3)
        let (d, h, t) = (3, 4, 8)
        layer = LSTMLayerParameters<Double>(
            weightIH: .randomNormal(4 * h, d, std: 0.7, using: &rng),
            weightHH: .randomNormal(4 * h, h, std: 0.7, using: &rng),
            biasIH: .random(1, 4 * h, in: -0.5...0.5, using: &rng),
            biasHH: .random(1, 4 * h, in: -0.5...0.5, using: &rng))
        inputs = (0..<t).map { _ in Matrix<Double>.randomNormal(1, d, using: &rng) }
        h0 = .random(1, h, in: -1...1, using: &rng)
        c0 = .random(1, h, in: -1...1, using: &rng)
    }

    public func run() -> ExerciseReport {
        let hs = layer.hiddenSize, T = inputs.count
        // (c) Forced f and i: every ∂C_t/∂C_k should be the identity.
        let forced = LSTMGateOverride(input: forcedInput, forget: forcedForget)
        let forcedJ = cellJacobians(layer, inputs, h0, c0, forced)
        var deviation = 0.0
        for t in 0...T { for k in 0...t { deviation = max(deviation, (forcedJ[t][k] - .identity(hs)).maxAbs()) } }
        let sample = forcedJ[T][2]

        // Unforced: the Jacobian ingredient against finite differences of C_T in C_2 (all paths:
        // h_2 = o_2 ⊙ tanh(C_2) moves with C_2).
        let free = cellJacobians(layer, inputs, h0, c0, .none)
        var hk = h0, ck = c0
        var o2 = Matrix<Double>.zeros(1, hs)
        for t in 0..<2 { let s = lstmStepForward(layer, x: inputs[t], h: hk, c: ck); hk = s.h; ck = s.c; o2 = s.cache.outputGate }
        let fd = rowJacobian(at: ck, epsilon: 1e-6) { c2 in
            var h = o2.hadamard(c2.map { Double.tanh($0) }), c = c2
            for t in 2..<T { let s = lstmStepForward(layer, x: inputs[t], h: h, c: c); h = s.h; c = s.c }
            return c
        }
        let modeVsFD = relativeDifference(free[T][2], fd)

        // The printed product Π_{i=k+1}^{t} ∂C_t/∂C_{t−1}: its factor does not depend on i, so it is
        // the (t − k)-th power of ∂C_t/∂C_{t−1}; with the index, Π ∂C_i/∂C_{i−1}.
        var printed = Matrix<Double>.identity(hs), indexed = Matrix<Double>.identity(hs)
        for i in 3...T { printed = free[T][T - 1] * printed; indexed = free[i][i - 1] * indexed }
        let powerVsProduct = relativeDifference(printed, indexed)

        // What the simplified product Π diag(f_j) leaves out, at lag 5.
        var forgets: [Matrix<Double>] = []
        var h = h0, c = c0
        for x in inputs { let s = lstmStepForward(layer, x: x, h: h, c: c); forgets.append(s.cache.forgetGate); h = s.h; c = s.c }
        func forgetProduct(_ t: Int, _ k: Int) -> Matrix<Double> {
            var p = [Double](repeating: 1, count: hs)
            for j in (k + 1)...t { for m in 0..<hs { p[m] *= forgets[j - 1].storage[m] } }
            return .diagonal(p)
        }
        let lags = [1, 2, 5].map { lag in
            (lag, (free[T][T - lag] - forgetProduct(T, T - lag)).frobeniusNorm() / free[T][T - lag].frobeniusNorm())
        }
        let lag5 = lags.first { $0.0 == 5 }!.1

        let lagQuantities = lags.map { Quantity("lag \($0.0): ‖∂C_t/∂C_{t−\($0.0)} − Π diag f‖ / ‖∂C_t/∂C_{t−\($0.0)}‖", $0.1, digits: 3) }
        return report(
            summary:
                "A random LSTM (H = \(hs), D = \(layer.inputSize), T = \(T)). With f = 1 and i = 0 forced, every ∂C_t/∂C_k is computed through all paths (forward-mode Jacobians, including the paths through h); unforced, the same Jacobians are checked against finite differences and compared with the printed product and with Π diag(f); the lags show what the simplified product leaves out: the gates' dependence on C_{t−1} through h_{t−1}. (The statement's gradient ∂L/∂θ through C_t is the worksheet hw5-3c-gradients.)",
            quantities: [
                Quantity("∂C_\(T)/∂C_2 with f = 1, i = 0", matrix: sample),
                Quantity("max |∂C_t/∂C_k − I| over all k ≤ t", scientific: deviation),
            ] + lagQuantities,
            checks: [
                .atMost(
                    "f = \(formatScalar(forcedForget, digits: 3)), i = \(formatScalar(forcedInput, digits: 3)): max over k ≤ t ≤ \(T) of max |∂C_t/∂C_k − I| (all paths)",
                    deviation, 1e-12),
                .atMost("unforced: ∂C_\(T)/∂C_2 by the Jacobian ingredient vs finite differences: relative difference", modeVsFD, 1e-7),
                .atLeast(
                    "unforced: (∂C_t/∂C_{t−1})^{t−k} (the printed factor) vs Π_{i=k+1}^{t} ∂C_i/∂C_{i−1} (t = \(T), k = 2): relative difference",
                    powerVsProduct, 1e-2),
                .atLeast("unforced, lag 5: ‖∂C_t/∂C_{t−5} − Π diag f‖ / ‖∂C_t/∂C_{t−5}‖ (what the simplified product drops)", lag5, 0.1),
            ],
            findings: [
                .confirmation(
                    at: "003:340",
                    "With f_t = 1 and i_t = 0 the cell is copied, C_t = C_{t−1}, so the gradient passes from C_t to C_k unchanged.",
                    "Every ∂C_t/∂C_k computed through all paths, including those through h, is the identity to the last bit.",
                    [Quantity("max |∂C_t/∂C_k − I|", scientific: deviation)]),
                .erratum(
                    at: "003:334, 340",
                    "The exercise statement writes ∂C_t/∂C_k = Π_{i=k+1}^{t} ∂C_t/∂C_{t−1}, and the answer copies the product.",
                    "The printed factor does not contain the product index i, so read literally the product is the (t − k)-th power of ∂C_t/∂C_{t−1}; the factors must be ∂C_i/∂C_{i−1}. On an ordinary LSTM the two differ; with f = 1 and i = 0 both are I, which hides the slip in part (c).",
                    [Quantity("rel diff, (∂C_8/∂C_7)⁶ vs Π_{i=3}^{8} ∂C_i/∂C_{i−1}", powerVsProduct, digits: 3)]),
                .erratum(
                    at: "003:340",
                    "The answer ends with Π 1 = 1.",
                    "∂C_t/∂C_k is a Jacobian between two H-vectors: the H × H identity matrix I, not the number 1.",
                    [
                        Quantity("shape of ∂C_\(T)/∂C_2", shape: [sample.rows, sample.cols]),
                        Quantity("max |∂C_\(T)/∂C_2 − I|", scientific: (sample - .identity(hs)).maxAbs()),
                    ]),
            ],
            commands: ["workbench lstm cell-state --forget 1 --input 0", "workbench lstm jacobian --steps 10"])
    }
}
