// LSTM.swift — a stacked, batch-first LSTM (PyTorch `nn.LSTM(batch_first=True)`): forward
// over a sequence and backpropagation through time by hand.
//
// Dimension letters: B batch, T time steps, D input features, H hidden units, L layers.
// Notation: PyTorch's; the step equations (L1)–(L4) and (B1)–(B8) are in LSTMCell.swift and
// derived in docs/lstm-backward.md.
//
// Layout: a sequence is an array of T matrices, each (B, D) — entry t holds x_t for every
// batch row. PyTorch's (B, T, D) tensor `x` corresponds to `inputs[t] = x[:, t, :]`.
// Layer l > 0 reads the hidden states of layer l − 1 (so its D is H).
// Leaves out: bidirectional layers, dropout between layers, packed sequences.

import WorkbenchNumerics

/// The state (h, c) of every layer: `hidden[l]` and `cell[l]` are (B, H).
/// PyTorch's `(h_0, c_0)` tensors of shape (L, B, H) correspond to `hidden[l] = h_0[l]`.
public struct LSTMState<Scalar: RealScalar>: Codable, Equatable, Sendable {
    /// h of every layer: L matrices (B, H).
    public var hidden: [Matrix<Scalar>]
    /// c of every layer: L matrices (B, H).
    public var cell: [Matrix<Scalar>]

    public init(hidden: [Matrix<Scalar>], cell: [Matrix<Scalar>]) {
        precondition(hidden.count == cell.count, "LSTM state needs as many h as c")
        self.hidden = hidden
        self.cell = cell
    }

    /// The zero state (PyTorch's default when no (h_0, c_0) is given).
    public static func zeros(layers: Int, batch: Int, hidden: Int) -> Self {
        Self(
            hidden: Array(repeating: .zeros(batch, hidden), count: layers),
            cell: Array(repeating: .zeros(batch, hidden), count: layers))
    }
}

/// A stacked LSTM with PyTorch's parameter names and shapes.
public struct LSTM<Scalar: RealScalar>: Codable, Equatable, Sendable {
    /// The layers, bottom first: `layers[l]` holds `weight_ih_l{l}` … `bias_hh_l{l}`.
    public var layers: [LSTMLayerParameters<Scalar>]

    public init(layers: [LSTMLayerParameters<Scalar>]) {
        precondition(!layers.isEmpty, "an LSTM needs at least one layer")
        for l in 1..<layers.count {
            precondition(layers[l].inputSize == layers[l - 1].hiddenSize, "layer \(l) must read H = \(layers[l - 1].hiddenSize) inputs")
        }
        self.layers = layers
    }

    /// A randomly initialised LSTM (PyTorch's default: U(−1/√H, 1/√H)).
    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, using rng: inout SeededGenerator) {
        var ls: [LSTMLayerParameters<Scalar>] = []
        for l in 0..<layers {
            ls.append(.random(inputSize: l == 0 ? inputSize : hiddenSize, hiddenSize: hiddenSize, using: &rng))
        }
        self.init(layers: ls)
    }

    /// D of the first layer.
    public var inputSize: Int { layers[0].inputSize }
    /// H.
    public var hiddenSize: Int { layers[0].hiddenSize }
    /// L.
    public var layerCount: Int { layers.count }

    // MARK: - Named parameters (PyTorch's names)

    /// The parameter names in PyTorch's order: `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`,
    /// `bias_hh_l0`, `weight_ih_l1`, ….
    public var parameterNames: [String] {
        (0..<layers.count).flatMap { l in ["weight_ih_l\(l)", "weight_hh_l\(l)", "bias_ih_l\(l)", "bias_hh_l\(l)"] }
    }

    /// The parameter called `name` (biases as (1, 4H)); nil for an unknown name.
    public func parameter(named name: String) -> Matrix<Scalar>? {
        guard let (l, kind) = Self.parse(name), l < layers.count else { return nil }
        return layers[l][keyPath: kind]
    }

    /// Replaces the parameter called `name`; returns false for an unknown name or wrong shape.
    @discardableResult
    public mutating func setParameter(named name: String, to value: Matrix<Scalar>) -> Bool {
        guard let (l, kind) = Self.parse(name), l < layers.count else { return false }
        let old = layers[l][keyPath: kind]
        guard value.hasShape(old.rows, old.cols) else { return false }
        layers[l][keyPath: kind] = value
        return true
    }

    static func parse(_ name: String) -> (Int, WritableKeyPath<LSTMLayerParameters<Scalar>, Matrix<Scalar>>)? {
        let kinds: [(String, WritableKeyPath<LSTMLayerParameters<Scalar>, Matrix<Scalar>>)] = [
            ("weight_ih_l", \.weightIH), ("weight_hh_l", \.weightHH), ("bias_ih_l", \.biasIH), ("bias_hh_l", \.biasHH),
        ]
        for (prefix, path) in kinds where name.hasPrefix(prefix) {
            if let l = Int(name.dropFirst(prefix.count)), l >= 0 { return (l, path) }
        }
        return nil
    }

    // MARK: - Forward

    /// Runs the sequence through every layer.
    ///
    /// - Parameters:
    ///   - inputs: T matrices (B, D).
    ///   - initial: (h_0, c_0) of every layer; zeros when nil.
    ///   - override: forced gate values, applied in every layer and step (experiments only).
    public func forward(
        _ inputs: [Matrix<Scalar>], initial: LSTMState<Scalar>? = nil,
        override: LSTMGateOverride = .none
    ) -> LSTMForwardResult<Scalar> {
        precondition(!inputs.isEmpty, "an LSTM sequence needs at least one step")
        let b = inputs[0].rows
        let state0 = initial ?? .zeros(layers: layers.count, batch: b, hidden: hiddenSize)
        precondition(state0.hidden.count == layers.count, "initial state needs one (h, c) per layer")
        var caches: [[LSTMStepCache<Scalar>]] = []
        var final = state0
        var layerInput = inputs
        for (l, p) in layers.enumerated() {
            var h = state0.hidden[l], c = state0.cell[l]
            var outputs: [Matrix<Scalar>] = []
            var layerCaches: [LSTMStepCache<Scalar>] = []
            outputs.reserveCapacity(inputs.count)
            for x in layerInput {
                let step = lstmStepForward(p, x: x, h: h, c: c, override: override)
                h = step.h
                c = step.c
                outputs.append(h)
                layerCaches.append(step.cache)
            }
            final.hidden[l] = h
            final.cell[l] = c
            caches.append(layerCaches)
            layerInput = outputs
        }
        return LSTMForwardResult(outputs: layerInput, final: final, caches: caches, override: override)
    }

    // MARK: - Backward (BPTT)

    /// Backpropagation through time. Adds into `grads` (same shapes as the parameters) and
    /// returns the gradients of the inputs and of the initial state.
    ///
    /// - Parameters:
    ///   - result: the forward pass's result (its caches).
    ///   - dOutputs: ∂L/∂h_t of the top layer, T matrices (B, H).
    ///   - dFinal: ∂L/∂(h_T, c_T) of every layer, if the loss reads the final state.
    ///   - grads: one accumulator per layer; the parameter gradients are added into it.
    ///   - record: whether to return the total ∂L/∂h_t and ∂L/∂c_t of every layer and step.
    public func backward(
        _ result: LSTMForwardResult<Scalar>, dOutputs: [Matrix<Scalar>],
        dFinal: LSTMState<Scalar>? = nil, into grads: inout [LSTMLayerParameters<Scalar>],
        record: Bool = false
    ) -> LSTMBackwardResult<Scalar> {
        backwardPass(result, dOutputs: dOutputs, dFinal: dFinal, into: &grads, record: record, cellPathOnly: false)
    }

    /// The BPTT loop. With `cellPathOnly` the gradient goes back in time only through c
    /// ((B7)) and the recurrent term dz W_hh of (B8) is dropped — a deliberately wrong
    /// gradient (the "C-path only" picture of the homework) that the check suite must catch.
    func backwardPass(
        _ result: LSTMForwardResult<Scalar>, dOutputs: [Matrix<Scalar>],
        dFinal: LSTMState<Scalar>?, into grads: inout [LSTMLayerParameters<Scalar>],
        record: Bool, cellPathOnly: Bool
    ) -> LSTMBackwardResult<Scalar> {
        let steps = result.outputs.count
        precondition(dOutputs.count == steps, "need ∂L/∂h_t for all \(steps) steps")
        precondition(grads.count == layers.count, "need one gradient accumulator per layer")
        let b = dOutputs[0].rows, hs = hiddenSize
        var dInitial = LSTMState<Scalar>.zeros(layers: layers.count, batch: b, hidden: hs)
        var recordedH: [[Matrix<Scalar>]] = Array(repeating: [], count: layers.count)
        var recordedC: [[Matrix<Scalar>]] = Array(repeating: [], count: layers.count)
        var dAbove = dOutputs  // ∂L/∂(output of layer l) at each step
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            let p = layers[l]
            var dhNext = dFinal?.hidden[l] ?? .zeros(b, hs)  // ∂L/∂h_t through step t+1
            var dcNext = dFinal?.cell[l] ?? .zeros(b, hs)  // ∂L/∂c_t through step t+1
            var dBelow = [Matrix<Scalar>](repeating: Matrix(rows: 0, cols: 0), count: steps)
            if record {
                recordedH[l] = Array(repeating: Matrix(rows: 0, cols: 0), count: steps)
                recordedC[l] = Array(repeating: Matrix(rows: 0, cols: 0), count: steps)
            }
            for t in stride(from: steps - 1, through: 0, by: -1) {
                // ∂L/∂h_t = (from above or the loss) + (from step t+1)
                let dh = dAbove[t] + dhNext
                let step = lstmStepBackward(
                    p, cache: result.caches[l][t], dh: dh, dcNext: dcNext,
                    grads: &grads[l], override: result.override)
                if record {
                    recordedH[l][t] = dh
                    recordedC[l][t] = step.dc
                }
                dBelow[t] = step.dx
                dhNext = cellPathOnly ? .zeros(b, hs) : step.dhPrev
                dcNext = step.dcPrev
            }
            dInitial.hidden[l] = dhNext
            dInitial.cell[l] = dcNext
            dAbove = dBelow
        }
        return LSTMBackwardResult(
            dInputs: dAbove, dInitial: dInitial,
            dHidden: record ? recordedH : nil, dCell: record ? recordedC : nil)
    }

    /// Zero gradient accumulators, one per layer.
    public func zeroGradients() -> [LSTMLayerParameters<Scalar>] {
        layers.map { .zeros(inputSize: $0.inputSize, hiddenSize: $0.hiddenSize) }
    }
}

/// The result of `LSTM.forward`.
public struct LSTMForwardResult<Scalar: RealScalar>: Sendable {
    /// h_t of the top layer: T matrices (B, H) (PyTorch's `output[:, t, :]`).
    public var outputs: [Matrix<Scalar>]
    /// (h_T, c_T) of every layer (PyTorch's `(h_n, c_n)`).
    public var final: LSTMState<Scalar>
    /// Saved for backward: `caches[l][t]`.
    public var caches: [[LSTMStepCache<Scalar>]]
    /// The gate override used in the forward pass (backward must use the same).
    public var override: LSTMGateOverride
}

/// The result of `LSTM.backward`.
public struct LSTMBackwardResult<Scalar: RealScalar>: Sendable {
    /// ∂L/∂x_t: T matrices (B, D).
    public var dInputs: [Matrix<Scalar>]
    /// ∂L/∂h_0 and ∂L/∂c_0 of every layer.
    public var dInitial: LSTMState<Scalar>
    /// If recorded: `dHidden[l][t]` = total ∂L/∂h_t of layer l (B, H).
    public var dHidden: [[Matrix<Scalar>]]?
    /// If recorded: `dCell[l][t]` = total ∂L/∂c_t of layer l (B, H), including the path
    /// through h_t = o_t ⊙ tanh(c_t).
    public var dCell: [[Matrix<Scalar>]]?
}
