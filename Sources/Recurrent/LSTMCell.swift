// LSTMCell.swift — one time step of one LSTM layer for a batch: forward and hand-derived
// backward, side by side.
//
// Dimension letters: B batch, D input features, H hidden units (gates are 4H wide).
// Notation: PyTorch's `nn.LSTM` (also the homework's, with C̃ = g):
//
//     z  = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh            (B, 4H), split as (i, f, g, o)   (L1)
//     i  = σ(z_i)   f = σ(z_f)   g = tanh(z_g)   o = σ(z_o)                            (L2)
//     c' = f ⊙ c + i ⊙ g                                                               (L3)
//     h' = o ⊙ tanh(c')                                                                (L4)
//
// Rows are batch entries (batch-first, like PyTorch). The backward equations (B1)–(B8) are
// derived in docs/lstm-backward.md. A gate can be forced to a constant (`LSTMGateOverride`)
// for the cell-state experiments; a forced gate has no derivative.
// Leaves out: peepholes, projections (`proj_size`), dropout between layers.

import WorkbenchNumerics

// MARK: - Parameters

/// The parameters of one LSTM layer, named and shaped as PyTorch's `nn.LSTM` layer `l`.
///
/// Biases are stored as (1, 4H) rows; PyTorch's tensors have shape (4H). The 4H rows of the
/// weights (and entries of the biases) are the blocks (i, f, g, o), H each, in that order.
public struct LSTMLayerParameters<Scalar: RealScalar>: Codable, Equatable, Sendable {
    /// `weight_ih_l{l}`: (4H, D).
    public var weightIH: Matrix<Scalar>
    /// `weight_hh_l{l}`: (4H, H).
    public var weightHH: Matrix<Scalar>
    /// `bias_ih_l{l}`: (1, 4H).
    public var biasIH: Matrix<Scalar>
    /// `bias_hh_l{l}`: (1, 4H).
    public var biasHH: Matrix<Scalar>

    public init(weightIH: Matrix<Scalar>, weightHH: Matrix<Scalar>, biasIH: Matrix<Scalar>, biasHH: Matrix<Scalar>) {
        let fourH = weightHH.rows
        precondition(fourH % 4 == 0 && weightHH.cols * 4 == fourH, "weight_hh must be (4H, H), is (\(weightHH.rows), \(weightHH.cols))")
        precondition(weightIH.rows == fourH, "weight_ih must have 4H = \(fourH) rows, has \(weightIH.rows)")
        precondition(biasIH.hasShape(1, fourH) && biasHH.hasShape(1, fourH), "biases must be (1, 4H = \(fourH))")
        self.weightIH = weightIH
        self.weightHH = weightHH
        self.biasIH = biasIH
        self.biasHH = biasHH
    }

    /// All-zero parameters (the shape of a gradient accumulator).
    public static func zeros(inputSize: Int, hiddenSize: Int) -> Self {
        Self(
            weightIH: .zeros(4 * hiddenSize, inputSize), weightHH: .zeros(4 * hiddenSize, hiddenSize),
            biasIH: .zeros(1, 4 * hiddenSize), biasHH: .zeros(1, 4 * hiddenSize))
    }

    /// PyTorch's default initialisation: every entry U(−1/√H, 1/√H).
    public static func random(inputSize: Int, hiddenSize: Int, using rng: inout SeededGenerator) -> Self {
        let k = 1 / Scalar(hiddenSize).squareRoot()
        return Self(
            weightIH: .random(4 * hiddenSize, inputSize, in: -k...k, using: &rng),
            weightHH: .random(4 * hiddenSize, hiddenSize, in: -k...k, using: &rng),
            biasIH: .random(1, 4 * hiddenSize, in: -k...k, using: &rng),
            biasHH: .random(1, 4 * hiddenSize, in: -k...k, using: &rng))
    }

    /// H.
    public var hiddenSize: Int { weightHH.cols }
    /// D.
    public var inputSize: Int { weightIH.cols }
}

/// Gate values forced to constants, for experiments (e.g. f = 1, i = 0 makes c' = c).
/// A forced gate ignores its pre-activation and has zero derivative.
public struct LSTMGateOverride: Codable, Equatable, Sendable {
    /// Forced input gate i, if any.
    public var input: Double?
    /// Forced forget gate f, if any.
    public var forget: Double?
    /// Forced cell candidate g (C̃), if any.
    public var candidate: Double?
    /// Forced output gate o, if any.
    public var output: Double?

    public init(input: Double? = nil, forget: Double? = nil, candidate: Double? = nil, output: Double? = nil) {
        self.input = input
        self.forget = forget
        self.candidate = candidate
        self.output = output
    }

    /// No gate forced: the ordinary LSTM.
    public static var none: LSTMGateOverride { LSTMGateOverride() }

    /// The forced value of gate block `gate` (0 i, 1 f, 2 g, 3 o).
    func value(gate: Int) -> Double? {
        switch gate {
        case 0: return input
        case 1: return forget
        case 2: return candidate
        default: return output
        }
    }
}

// MARK: - Forward

/// What the forward step saves for the backward step — exactly what (B1)–(B8) read.
public struct LSTMStepCache<Scalar: RealScalar>: Sendable {
    /// x: (B, D), the layer's input at this step.
    public var input: Matrix<Scalar>
    /// h_{t−1}: (B, H).
    public var previousHidden: Matrix<Scalar>
    /// c_{t−1}: (B, H).
    public var previousCell: Matrix<Scalar>
    /// Gate activations i, f, g, o, each (B, H).
    public var inputGate: Matrix<Scalar>
    public var forgetGate: Matrix<Scalar>
    public var candidate: Matrix<Scalar>
    public var outputGate: Matrix<Scalar>
    /// tanh(c_t): (B, H).
    public var tanhCell: Matrix<Scalar>
}

/// One LSTM step (L1)–(L4). Returns (h', c', cache).
///
/// - Parameters:
///   - p: the layer's parameters.
///   - x: (B, D).
///   - h: (B, H), the previous hidden state.
///   - c: (B, H), the previous cell state.
///   - override: forced gate values (experiments); `.none` for the ordinary LSTM.
public func lstmStepForward<Scalar: RealScalar>(
    _ p: LSTMLayerParameters<Scalar>, x: Matrix<Scalar>, h: Matrix<Scalar>, c: Matrix<Scalar>,
    override: LSTMGateOverride = .none
) -> (h: Matrix<Scalar>, c: Matrix<Scalar>, cache: LSTMStepCache<Scalar>) {
    let b = x.rows, hs = p.hiddenSize
    precondition(x.cols == p.inputSize, "LSTM input must have D = \(p.inputSize) columns, has \(x.cols)")
    precondition(h.hasShape(b, hs) && c.hasShape(b, hs), "LSTM state must be (B, H) = (\(b), \(hs))")
    // (L1) z = x W_ihᵀ + h W_hhᵀ + b_ih + b_hh: (B, 4H)
    var z = matmul(x, .none, p.weightIH, .transpose)
    gemm(h, .none, p.weightHH, .transpose, into: &z, beta: 1)
    var gates = [Matrix<Scalar>](repeating: Matrix(rows: b, cols: hs), count: 4)
    for gate in 0..<4 {
        let forced = override.value(gate: gate).map { Scalar($0) }
        for r in 0..<b {
            for j in 0..<hs {
                let col = gate * hs + j
                let pre = z.storage[r * 4 * hs + col] + p.biasIH.storage[col] + p.biasHH.storage[col]
                // (L2) σ for i, f, o; tanh for g
                let value = forced ?? (gate == 2 ? Scalar.tanh(pre) : Scalar.sigmoid(pre))
                gates[gate].storage[r * hs + j] = value
            }
        }
    }
    var cNew = Matrix<Scalar>(rows: b, cols: hs)
    var tanhC = Matrix<Scalar>(rows: b, cols: hs)
    var hNew = Matrix<Scalar>(rows: b, cols: hs)
    for n in 0..<(b * hs) {
        // (L3) c' = f ⊙ c + i ⊙ g
        cNew.storage[n] = gates[1].storage[n] * c.storage[n] + gates[0].storage[n] * gates[2].storage[n]
        // (L4) h' = o ⊙ tanh(c')
        tanhC.storage[n] = Scalar.tanh(cNew.storage[n])
        hNew.storage[n] = gates[3].storage[n] * tanhC.storage[n]
    }
    let cache = LSTMStepCache(
        input: x, previousHidden: h, previousCell: c,
        inputGate: gates[0], forgetGate: gates[1], candidate: gates[2], outputGate: gates[3],
        tanhCell: tanhC)
    return (hNew, cNew, cache)
}

// MARK: - Backward

/// The backward of one LSTM step. Adds the parameter gradients into `grads` and returns
/// (∂L/∂x, ∂L/∂h_{t−1}, ∂L/∂c_{t−1}).
///
/// - Parameters:
///   - p: the layer's parameters.
///   - cache: what the forward step saved.
///   - dh: ∂L/∂h_t (B, H): everything that reaches h_t (the layer above or the loss, plus
///     the next step's recurrence).
///   - dcNext: ∂L/∂c_t (B, H) arriving through c_{t+1} (the (B7) term of the next step).
///   - grads: the layer's gradient accumulator; (B6) is added into it.
///   - override: the gate override of the forward step (a forced gate has no derivative).
/// - Returns: dx (B, D), dhPrev (B, H), dcPrev (B, H), and dc: the total ∂L/∂c_t (B, H) of (B1).
public func lstmStepBackward<Scalar: RealScalar>(
    _ p: LSTMLayerParameters<Scalar>, cache: LSTMStepCache<Scalar>, dh: Matrix<Scalar>, dcNext: Matrix<Scalar>,
    grads: inout LSTMLayerParameters<Scalar>, override: LSTMGateOverride = .none
) -> (dx: Matrix<Scalar>, dhPrev: Matrix<Scalar>, dcPrev: Matrix<Scalar>, dc: Matrix<Scalar>) {
    let b = dh.rows, hs = p.hiddenSize
    var dz = Matrix<Scalar>(rows: b, cols: 4 * hs)  // ∂L/∂z: (B, 4H), blocks (i, f, g, o)
    var dc = Matrix<Scalar>(rows: b, cols: hs)
    var dcPrev = Matrix<Scalar>(rows: b, cols: hs)
    let forcedI = override.input != nil, forcedF = override.forget != nil
    let forcedG = override.candidate != nil, forcedO = override.output != nil
    for r in 0..<b {
        for j in 0..<hs {
            let n = r * hs + j
            let i = cache.inputGate.storage[n], f = cache.forgetGate.storage[n]
            let g = cache.candidate.storage[n], o = cache.outputGate.storage[n]
            let tc = cache.tanhCell.storage[n]
            let dhn = dh.storage[n]
            // (B1) ∂L/∂c_t = ∂L/∂c_t|next + ∂L/∂h_t ⊙ o ⊙ (1 − tanh²(c_t))
            let dcn = dcNext.storage[n] + dhn * o * (1 - tc * tc)
            dc.storage[n] = dcn
            // (B2) ∂L/∂z_o = ∂L/∂h_t ⊙ tanh(c_t) ⊙ o(1 − o)
            let dzo = forcedO ? 0 : dhn * tc * o * (1 - o)
            // (B3) ∂L/∂z_i = ∂L/∂c_t ⊙ g ⊙ i(1 − i)
            let dzi = forcedI ? 0 : dcn * g * i * (1 - i)
            // (B4) ∂L/∂z_f = ∂L/∂c_t ⊙ c_{t−1} ⊙ f(1 − f)
            let dzf = forcedF ? 0 : dcn * cache.previousCell.storage[n] * f * (1 - f)
            // (B5) ∂L/∂z_g = ∂L/∂c_t ⊙ i ⊙ (1 − g²)
            let dzg = forcedG ? 0 : dcn * i * (1 - g * g)
            let row = r * 4 * hs
            dz.storage[row + j] = dzi
            dz.storage[row + hs + j] = dzf
            dz.storage[row + 2 * hs + j] = dzg
            dz.storage[row + 3 * hs + j] = dzo
            // (B7) ∂L/∂c_{t−1} = ∂L/∂c_t ⊙ f
            dcPrev.storage[n] = dcn * f
        }
    }
    // (B6) ∂L/∂W_ih += dzᵀ x,  ∂L/∂W_hh += dzᵀ h_{t−1},  ∂L/∂b_ih = ∂L/∂b_hh += Σ_rows dz
    gemm(dz, .transpose, cache.input, .none, into: &grads.weightIH, beta: 1)
    gemm(dz, .transpose, cache.previousHidden, .none, into: &grads.weightHH, beta: 1)
    for r in 0..<b {
        for col in 0..<(4 * hs) {
            let v = dz.storage[r * 4 * hs + col]
            grads.biasIH.storage[col] += v
            grads.biasHH.storage[col] += v
        }
    }
    // (B8) ∂L/∂x = dz W_ih,  ∂L/∂h_{t−1} = dz W_hh
    let dx = matmul(dz, .none, p.weightIH, .none)
    let dhPrev = matmul(dz, .none, p.weightHH, .none)
    return (dx, dhPrev, dcPrev, dc)
}
