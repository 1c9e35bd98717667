// LSTMExperiments.swift — the cell-state experiments of homework 5, exercise 3, as library
// functions returning report values (the CLI `workbench lstm …` only formats them).
//
// Dimension letters: T steps, H hidden units, D inputs, B sequences.
// Notation: PyTorch's gates (i, f, g, o) = the homework's (i_t, f_t, C̃_t, o_t); C_t = c_t.
//
//   - cellStateExperiment: force f and/or i and measure ∂C_t/∂C_k (all paths) against the
//     forget-gate product Π diag(f); f = 1, i = 0 must give the identity.
//   - gateRangeExperiment: which of i, f, o, g, C, h are always positive.
//   - jacobianExperiment: the full ∂C_T/∂C_k against the homework's Π diag(f), per lag.
//   - lagExperiment: ‖∂L_T/∂h_k‖ of vanilla tanh / sigmoid RNNs against ‖∂L_T/∂C_k‖ of LSTMs
//     with forget-gate bias 0, 1, 3.
// Leaves out: trained networks (all weights here are random, seeded).

import WorkbenchNumerics

/// Invalid settings for an experiment.
public enum LSTMExperimentError: WorkbenchError, Equatable {
    /// Invalid settings are a malformed request.
    public var exitStatus: Int32 { 2 }

    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let message): return message
        }
    }
}

/// Throws "name must be in a...b, got value" unless `range` holds `value`.
private func require(_ name: String, _ value: Int, in range: ClosedRange<Int>) throws {
    try require(range.contains(value), "\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
}

private func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw LSTMExperimentError.invalid(message()) }
}

/// max |a_ij − b_ij|.
private func maxAbsDifference(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double { (a - b).maxAbs() }

// MARK: - Cell state under forced gates

/// ∂C_t/∂C_k with forced gates, compared with Π_{j=k+1}^t diag(f_j).
public struct LSTMCellStateReport: Codable, Sendable {
    /// One pair (t, k).
    public struct Row: Codable, Sendable {
        public var t: Int
        public var k: Int
        /// Mean of the diagonal of ∂C_t/∂C_k.
        public var diagonalMean: Double
        /// max |off-diagonal entry| of ∂C_t/∂C_k.
        public var offDiagonalMaxAbs: Double
        /// Mean of the diagonal of Π_{j=k+1}^t diag(f_j) (f^(t−k) when f is forced).
        public var forgetProductMean: Double
        /// max |∂C_t/∂C_k − Π diag(f_j)|.
        public var deviationFromForgetProduct: Double
        /// max |∂C_t/∂C_k − I|.
        public var deviationFromIdentity: Double
    }
    /// Summary of one forced setting.
    public struct Case: Codable, Sendable {
        public var forget: Double?
        public var input: Double?
        /// max over all k ≤ t of |∂C_t/∂C_k − Π diag(f_j)|.
        public var maxDeviationFromForgetProduct: Double
        /// Mean diagonal of ∂C_T/∂C_0 and of Π_{j=1}^T diag(f_j).
        public var diagonalMeanAtLongestLag: Double
        public var forgetProductMeanAtLongestLag: Double
        /// Why the result is what it is.
        public var explanation: String
    }
    public var steps: Int
    public var hidden: Int
    public var seed: UInt64
    /// The requested forced values (nil: the gate is computed as usual).
    public var forget: Double?
    public var input: Double?
    /// Every pair 0 ≤ k ≤ t ≤ T for the requested setting.
    public var rows: [Row]
    /// max over all rows of `deviationFromIdentity` and `deviationFromForgetProduct`.
    public var maxDeviationFromIdentity: Double
    public var maxDeviationFromForgetProduct: Double
    /// Other forced settings, to show the general f-product (and where it stops holding).
    public var otherCases: [Case]
    /// If requested: `jacobians[t][k]` = ∂C_t/∂C_k (H, H) for the requested setting.
    public var jacobians: [[Matrix<Double>]]?
}

/// Forces f and/or i in a random LSTM (seeded) and measures ∂C_t/∂C_k through all paths
/// (forward mode, LSTMJacobian.swift).
///
/// - Parameters:
///   - forget: the forced forget gate f in [0, 1], or nil to compute it.
///   - input: the forced input gate i in [0, 1], or nil to compute it.
///   - steps: T, in 1...200.
///   - hidden: H, in 1...256.
///   - seed: the seed of the weights, inputs and initial state.
///   - includeMatrices: also return every ∂C_t/∂C_k matrix (T²H²/2 numbers).
public func cellStateExperiment(
    forget: Double?, input: Double?, steps: Int = 6, hidden: Int = 4,
    seed: UInt64 = 1, includeMatrices: Bool = false
) throws -> LSTMCellStateReport {
    try require("steps", steps, in: 1...200)
    try require("hidden", hidden, in: 1...256)
    for (name, value) in [("forget", forget), ("input", input)] {
        if let v = value { try require(v >= 0 && v <= 1 && v.isFinite, "a forced \(name) gate must be in [0, 1], got \(v)") }
    }
    var rng = SeededGenerator(seed: seed)
    let d = 3
    let layer = LSTMLayerParameters<Double>.random(inputSize: d, hiddenSize: hidden, using: &rng)
    let inputs = (0..<steps).map { _ in Matrix<Double>.randomNormal(1, d, using: &rng) }
    let h0 = Matrix<Double>.random(1, hidden, in: -1...1, using: &rng)
    let c0 = Matrix<Double>.random(1, hidden, in: -1...1, using: &rng)

    func run(_ f: Double?, _ i: Double?) -> (rows: [LSTMCellStateReport.Row], maxF: Double, maxI: Double, full: [[Matrix<Double>]]) {
        let j = lstmCellStateJacobians(layer, inputs: inputs, h0: h0, c0: c0, override: LSTMGateOverride(input: i, forget: f))
        var rows: [LSTMCellStateReport.Row] = []
        var maxF = 0.0, maxI = 0.0
        for t in 0...steps {
            for k in 0...t {
                let jac = j.full[t][k]
                let product = Matrix<Double>.diagonal(j.forgetProducts[t][k])
                var off = 0.0
                for a in 0..<hidden { for b in 0..<hidden where a != b { off = max(off, abs(jac[a, b])) } }
                let row = LSTMCellStateReport.Row(
                    t: t, k: k, diagonalMean: jac.diagonalEntries.reduce(0, +) / Double(hidden), offDiagonalMaxAbs: off,
                    forgetProductMean: j.forgetProducts[t][k].reduce(0, +) / Double(hidden),
                    deviationFromForgetProduct: maxAbsDifference(jac, product),
                    deviationFromIdentity: maxAbsDifference(jac, .identity(hidden)))
                maxF = max(maxF, row.deviationFromForgetProduct)
                maxI = max(maxI, row.deviationFromIdentity)
                rows.append(row)
            }
        }
        return (rows, maxF, maxI, j.full)
    }

    let requested = run(forget, input)
    let settings: [(Double?, Double?)] = [(1, 0), (0.9, 0), (0.5, 0), (0.9, 0.5), (1, nil), (nil, 0), (nil, nil)]
    let others = settings.map { (f, i) -> LSTMCellStateReport.Case in
        let r = run(f, i)
        let last = r.rows.first { $0.t == steps && $0.k == 0 }!
        let explanation: String
        switch (f, i) {
        case (.some(let fv), .some(0)):
            explanation =
                fv == 1
                ? "C_t = C_{t-1} exactly: every Jacobian is the identity"
                : "i = 0 cuts every path through g and i, and a forced f has no derivative: ∂C_t/∂C_k = f^(t-k) I exactly"
        case (.some, .some):
            explanation = "i ≠ 0: C_k also reaches C_t through h_k → g_{k+1} (weighted by i), so the Jacobian is not diagonal"
        case (.some, nil):
            explanation = "i is computed: paths through h_k → i, g add to the forced f-product"
        case (nil, .some(0)):
            explanation = "f is computed: ∂f_t/∂h_{t-1} adds C_{t-1} ⊙ ∂f paths to Π diag(f)"
        default:
            explanation = "ordinary LSTM: Π diag(f) is only the direct path; the others go through h"
        }
        return LSTMCellStateReport.Case(
            forget: f, input: i, maxDeviationFromForgetProduct: r.maxF,
            diagonalMeanAtLongestLag: last.diagonalMean,
            forgetProductMeanAtLongestLag: last.forgetProductMean, explanation: explanation)
    }
    return LSTMCellStateReport(
        steps: steps, hidden: hidden, seed: seed, forget: forget, input: input,
        rows: requested.rows, maxDeviationFromIdentity: requested.maxI,
        maxDeviationFromForgetProduct: requested.maxF, otherCases: others,
        jacobians: includeMatrices ? requested.full : nil)
}

extension LSTMLayerParameters {
    /// Sets the forget gate's total bias b_ih,f + b_hh,f to `value` in every unit (b_ih's
    /// forget block = value, b_hh's = 0).
    public mutating func setForgetBias(_ value: Scalar) {
        let hs = hiddenSize
        for j in hs..<(2 * hs) {
            biasIH.storage[j] = value
            biasHH.storage[j] = 0
        }
    }
}

// MARK: - Gate ranges

/// The observed range of every LSTM quantity over many random networks and inputs.
public struct LSTMGateRangeReport: Codable, Sendable {
    public struct Quantity: Codable, Sendable {
        /// PyTorch's name and the homework's.
        public var name: String
        public var observedMin: Double
        public var observedMax: Double
        /// The range the formula allows.
        public var range: String
        /// Whether the quantity is positive for every input (by its formula, not just observed).
        public var alwaysPositive: Bool
        /// Whether a negative value was observed.
        public var observedNegative: Bool
        public var reason: String
    }
    public var trials: Int
    public var steps: Int
    public var hidden: Int
    public var seed: UInt64
    /// How the random networks were drawn.
    public var sampling: String
    public var quantities: [Quantity]
}

/// Runs `trials` random LSTMs (weights U(−s, s) with s log-uniform in [0.1, 4], inputs
/// N(0, 2²), random initial state in (−1, 1)) for `steps` steps and records the range of
/// i, f, o, g, C and h.
public func gateRangeExperiment(trials: Int = 200, steps: Int = 20, hidden: Int = 8, seed: UInt64 = 1) throws -> LSTMGateRangeReport {
    try require("trials", trials, in: 1...100_000)
    try require("steps", steps, in: 1...10_000)
    try require("hidden", hidden, in: 1...1024)
    var rng = SeededGenerator(seed: seed)
    let d = 4
    var lo = [Double](repeating: .infinity, count: 6), hi = [Double](repeating: -.infinity, count: 6)
    func observe(_ q: Int, _ m: Matrix<Double>) {
        for v in m.storage { lo[q] = min(lo[q], v); hi[q] = max(hi[q], v) }
    }
    for _ in 0..<trials {
        let s = Double.exp(rng.uniform(Double.log(0.1), Double.log(4)))
        let layer = LSTMLayerParameters<Double>(
            weightIH: .random(4 * hidden, d, in: -s...s, using: &rng), weightHH: .random(4 * hidden, hidden, in: -s...s, using: &rng),
            biasIH: .random(1, 4 * hidden, in: -s...s, using: &rng), biasHH: .random(1, 4 * hidden, in: -s...s, using: &rng))
        var h = Matrix<Double>.random(1, hidden, in: -1...1, using: &rng)
        var c = Matrix<Double>.random(1, hidden, in: -1...1, using: &rng)
        for _ in 0..<steps {
            let x = 2 * Matrix<Double>.randomNormal(1, d, using: &rng)
            let step = lstmStepForward(layer, x: x, h: h, c: c)
            observe(0, step.cache.inputGate)
            observe(1, step.cache.forgetGate)
            observe(2, step.cache.outputGate)
            observe(3, step.cache.candidate)
            observe(4, step.c)
            observe(5, step.h)
            h = step.h
            c = step.c
        }
    }
    let info: [(String, String, Bool, String)] = [
        ("i (input gate i_t)", "(0, 1)", true, "σ(z) = 1/(1 + e^(−z)) > 0 for every z"),
        ("f (forget gate f_t)", "(0, 1)", true, "σ(z) > 0 for every z"),
        ("o (output gate o_t)", "(0, 1)", true, "σ(z) > 0 for every z"),
        ("g (candidate C̃_t)", "(−1, 1)", false, "tanh is odd: tanh(z) < 0 for z < 0"),
        ("c (cell state C_t)", "|C_t| < |C_0| + t", false, "C_t = f⊙C_{t−1} + i⊙g adds i⊙g, which has g's sign; C_0 may be negative too"),
        ("h (hidden state h_t)", "(−1, 1)", false, "h_t = o⊙tanh(C_t): o > 0 but tanh(C_t) has C_t's sign"),
    ]
    let quantities = info.enumerated().map { q, item in
        LSTMGateRangeReport.Quantity(
            name: item.0, observedMin: lo[q], observedMax: hi[q], range: item.1,
            alwaysPositive: item.2, observedNegative: lo[q] < 0, reason: item.3)
    }
    return LSTMGateRangeReport(
        trials: trials, steps: steps, hidden: hidden, seed: seed,
        sampling: "weights and biases U(−s, s), s log-uniform in [0.1, 4]; inputs N(0, 4); h_0, C_0 U(−1, 1)",
        quantities: quantities)
}

// MARK: - Full Jacobian against the homework's simplification

/// ∂C_T/∂C_k through all paths against Π_{j=k+1}^T diag(f_j), per lag T − k.
public struct LSTMJacobianReport: Codable, Sendable {
    public struct Row: Codable, Sendable {
        public var lag: Int
        public var k: Int
        /// ‖∂C_T/∂C_k‖_F (all paths).
        public var fullNorm: Double
        /// ‖Π diag(f)‖_F.
        public var forgetProductNorm: Double
        /// ‖∂C_T/∂C_k − Π diag(f)‖_F.
        public var differenceNorm: Double
        /// differenceNorm / fullNorm.
        public var relativeDifference: Double
    }
    public var steps: Int
    public var hidden: Int
    public var seed: UInt64
    public var forgetBias: Double
    /// Mean forget gate over the sequence.
    public var meanForget: Double
    public var rows: [Row]
}

/// A random LSTM (PyTorch init, forget-gate bias set to `forgetBias`), one input
/// sequence N(0, 1), zero initial state.
public func jacobianExperiment(steps: Int = 20, hidden: Int = 8, forgetBias: Double = 0, seed: UInt64 = 1) throws -> LSTMJacobianReport {
    try require("steps", steps, in: 1...500)
    try require("hidden", hidden, in: 1...128)
    var rng = SeededGenerator(seed: seed)
    let d = 4
    var layer = LSTMLayerParameters<Double>.random(inputSize: d, hiddenSize: hidden, using: &rng)
    layer.setForgetBias(forgetBias)
    let inputs = (0..<steps).map { _ in Matrix<Double>.randomNormal(1, d, using: &rng) }
    let j = lstmCellStateJacobians(layer, inputs: inputs, h0: .zeros(1, hidden), c0: .zeros(1, hidden))
    let meanF = j.caches.map { $0.forgetGate.sum() }.reduce(0, +) / Double(steps * hidden)
    let rows = stride(from: steps, through: 0, by: -1).map { k -> LSTMJacobianReport.Row in
        let full = j.full[steps][k]
        let product = Matrix<Double>.diagonal(j.forgetProducts[steps][k])
        let diff = (full - product).frobeniusNorm()
        let norm = full.frobeniusNorm()
        return .init(
            lag: steps - k, k: k, fullNorm: norm, forgetProductNorm: product.frobeniusNorm(),
            differenceNorm: diff, relativeDifference: norm > 0 ? diff / norm : (diff > 0 ? .infinity : 0))
    }
    return LSTMJacobianReport(steps: steps, hidden: hidden, seed: seed, forgetBias: forgetBias, meanForget: meanF, rows: rows)
}

// MARK: - Gradient norm against time lag

/// ‖∂L_T/∂h_k‖ (vanilla RNNs) and ‖∂L_T/∂C_k‖ (LSTMs) for k = T … 0.
public struct LSTMLagReport: Codable, Sendable {
    public struct Model: Codable, Sendable {
        public var name: String
        /// What is differentiated: "h_k" or "C_k".
        public var state: String
        /// `norms[k]` for k = 0 … T.
        public var norms: [Double]
        /// The fitted per-step decay rate (‖g_0‖ / ‖g_T‖)^(1/T): the geometric mean of the
        /// step-to-step ratios ‖g_{k−1}‖ / ‖g_k‖.
        public var decayRate: Double
        /// LSTMs: the mean forget gate over all steps, units and sequences.
        public var meanForget: Double?
    }
    public var steps: Int
    public var hidden: Int
    public var batch: Int
    public var seed: UInt64
    /// L_T = Σ_b uᵀ h_T[b] with a fixed random u.
    public var loss: String
    public var models: [Model]
}

/// ‖∂L_T/∂h_k‖_F over the batch for k = 0 … T, for L_T = Σ_b uᵀ h_T[b] on a vanilla RNN
/// h_t = f(W_hh h_{t−1} + W_ih x_t + b) with zero initial state — `VanillaRNN` (NNDL's U = W_hh,
/// W = W_ih) run on each batch row, and its error terms δ_{T,k}: ∂L_T/∂h_{k−1} = Uᵀ δ_{T,k}.
///
/// - Parameters:
///   - inputs: T matrices (B, D), PyTorch's batch-first rows.
///   - weightIH: (H, D); weightHH: (H, H); bias: (1, H); u: (1, H).
private func rnnLagNorms(
    inputs: [Matrix<Double>], weightIH: Matrix<Double>, weightHH: Matrix<Double>, bias: Matrix<Double>,
    activation: Activation, u: Matrix<Double>
) -> [Double] {
    let hs = weightHH.rows, steps = inputs.count
    let rnn = VanillaRNN(
        recurrentWeight: weightHH, inputWeight: weightIH, bias: bias.transposed, initialState: .zeros(hs, 1),
        outputWeight: .zeros(1, hs), outputBias: .zeros(1, 1), activation: activation)
    var squares = [Double](repeating: 0, count: steps + 1)
    for b in 0..<inputs[0].rows {
        let (z, _) = rnn.states(inputs.map { $0.rows(b..<(b + 1)).transposed })
        let deltas = rnn.errorTerms(z: z, step: steps, outputGradient: u.transposed)
        squares[steps] += u.dot(u)
        for k in stride(from: steps, through: 1, by: -1) {
            let dh = matmul(weightHH, .transpose, deltas[k]!, .none)  // ∂L_T/∂h_{k−1}
            squares[k - 1] += dh.dot(dh)
        }
    }
    return squares.map { $0.squareRoot() }
}

/// Compares how fast the gradient of a loss at the last step decays with the lag, for a tanh
/// and a sigmoid RNN and for LSTMs with forget-gate bias b_f = 0, 1 and 3 (all weights
/// PyTorch-initialised with U(−1/√H, 1/√H), the same inputs, zero initial state).
public func lagExperiment(steps: Int = 50, hidden: Int = 32, batch: Int = 8, seed: UInt64 = 1) throws -> LSTMLagReport {
    try require("steps", steps, in: 1...2000)
    try require("hidden", hidden, in: 1...512)
    try require("batch", batch, in: 1...256)
    var rng = SeededGenerator(seed: seed)
    let d = 4
    let inputs = (0..<steps).map { _ in Matrix<Double>.randomNormal(batch, d, using: &rng) }
    let u = Matrix<Double>.randomNormal(1, hidden, using: &rng)
    let k = 1 / Double(hidden).squareRoot()
    func decay(_ norms: [Double]) -> Double {
        guard norms[steps] > 0, norms[0] > 0 else { return 0 }
        return Double.exp((Double.log(norms[0]) - Double.log(norms[steps])) / Double(steps))
    }
    var models: [LSTMLagReport.Model] = []
    var rnnRng = SeededGenerator(seed: seed &+ 1)
    let wih = Matrix<Double>.random(hidden, d, in: -k...k, using: &rnnRng)
    let whh = Matrix<Double>.random(hidden, hidden, in: -k...k, using: &rnnRng)
    let bias = Matrix<Double>.random(1, hidden, in: -k...k, using: &rnnRng)
    for activation in [Activation.tanh, .sigmoid] {
        let norms = rnnLagNorms(inputs: inputs, weightIH: wih, weightHH: whh, bias: bias, activation: activation, u: u)
        models.append(.init(name: "\(activation.rawValue) RNN", state: "h_k", norms: norms, decayRate: decay(norms), meanForget: nil))
    }
    var lstmRng = SeededGenerator(seed: seed &+ 2)
    let base = LSTMLayerParameters<Double>.random(inputSize: d, hiddenSize: hidden, using: &lstmRng)
    for forgetBias in [0.0, 1.0, 3.0] {
        var layer = base
        layer.setForgetBias(forgetBias)
        let lstm = LSTM(layers: [layer])
        let result = lstm.forward(inputs)
        var grads = lstm.zeroGradients()
        var dOut = Array(repeating: Matrix<Double>.zeros(batch, hidden), count: steps)
        for r in 0..<batch { for j in 0..<hidden { dOut[steps - 1][r, j] = u.storage[j] } }
        let back = lstm.backward(result, dOutputs: dOut, into: &grads, record: true)
        var norms = [back.dInitial.cell[0].frobeniusNorm()]
        norms += back.dCell![0].map { $0.frobeniusNorm() }
        let meanF = result.caches[0].map { $0.forgetGate.sum() }.reduce(0, +) / Double(steps * hidden * batch)
        models.append(
            .init(
                name: "LSTM b_f=\(formatScalar(forgetBias, digits: 3))", state: "C_k", norms: norms,
                decayRate: decay(norms), meanForget: meanF))
    }
    return LSTMLagReport(
        steps: steps, hidden: hidden, batch: batch, seed: seed,
        loss: "L_T = Σ_b uᵀ h_T[b], u ~ N(0, I); ∂L_T/∂C_k includes the path through h_k",
        models: models)
}
