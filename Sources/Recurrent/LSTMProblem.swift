// LSTMProblem.swift — an LSTM with a linear output layer and a loss, as one differentiable
// function of named tensors: the object every LSTM gradient check works on.
//
// Dimension letters: B batch, T steps, D inputs, H hidden, L layers, V outputs (classes).
// Notation: PyTorch's. The head is `fc = nn.Linear(H, V)`: y_t = h_t W_fcᵀ + b_fc, (B, V).
// Losses:
//   - cross-entropy: softmax over V, mean over all B·T positions (PyTorch's
//     `CrossEntropyLoss()` applied to the (B·T, V) logits);
//   - sum of squares: L = ½ Σ_t Σ_b ‖y_t − target_t‖².
// Named tensors: the LSTM's PyTorch names (`weight_ih_l0` …), `fc.weight` (V, H),
// `fc.bias` (1, V) and the initial states `h0_l{l}`, `c0_l{l}` (B, H) — PyTorch's `h0[l]`.
// Leaves out: padding / ignored targets, label smoothing.

import WorkbenchNumerics

/// The loss on top of the output layer.
public enum LSTMLossKind: Codable, Equatable, Sendable {
    /// Softmax cross-entropy, mean over B·T; `targets[t][b]` is a class index in 0..<V.
    case crossEntropy(targets: [[Int]])
    /// ½ Σ ‖y_t − target_t‖²; `targets[t]` is (B, V).
    case sumOfSquares(targets: [Matrix<Double>])
}

/// An LSTM, a linear head, inputs, initial state and a loss.
public struct LSTMProblem<Scalar: RealScalar>: Sendable {
    public var lstm: LSTM<Scalar>
    /// `fc.weight`: (V, H).
    public var fcWeight: Matrix<Scalar>
    /// `fc.bias`: (1, V).
    public var fcBias: Matrix<Scalar>
    /// (h_0, c_0) of every layer.
    public var initial: LSTMState<Scalar>
    /// x_t: T matrices (B, D).
    public var inputs: [Matrix<Scalar>]
    public var loss: LSTMLossKind
    /// Forced gate values (experiments); `.none` for the ordinary LSTM.
    public var override: LSTMGateOverride = .none

    public init(
        lstm: LSTM<Scalar>, fcWeight: Matrix<Scalar>, fcBias: Matrix<Scalar>, initial: LSTMState<Scalar>,
        inputs: [Matrix<Scalar>], loss: LSTMLossKind
    ) {
        self.lstm = lstm
        self.fcWeight = fcWeight
        self.fcBias = fcBias
        self.initial = initial
        self.inputs = inputs
        self.loss = loss
    }

    /// A seeded random problem: PyTorch-style init for the LSTM and head, inputs N(0, 1),
    /// initial states U(−1, 1) when `nonzeroInitial` (zeros otherwise).
    public static func random(
        inputSize: Int, hiddenSize: Int, layers: Int, outputs: Int, batch: Int, steps: Int,
        nonzeroInitial: Bool, crossEntropy: Bool = true, seed: UInt64
    ) -> Self {
        var rng = SeededGenerator(seed: seed)
        let lstm = LSTM<Scalar>(inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, using: &rng)
        let k = 1 / Scalar(hiddenSize).squareRoot()
        let w = Matrix<Scalar>.random(outputs, hiddenSize, in: -k...k, using: &rng)
        let bias = Matrix<Scalar>.random(1, outputs, in: -k...k, using: &rng)
        let inputs = (0..<steps).map { _ in Matrix<Scalar>.randomNormal(batch, inputSize, using: &rng) }
        var initial = LSTMState<Scalar>.zeros(layers: layers, batch: batch, hidden: hiddenSize)
        if nonzeroInitial {
            for l in 0..<layers {
                initial.hidden[l] = .random(batch, hiddenSize, in: -1...1, using: &rng)
                initial.cell[l] = .random(batch, hiddenSize, in: -1...1, using: &rng)
            }
        }
        let loss: LSTMLossKind
        if crossEntropy {
            loss = .crossEntropy(targets: (0..<steps).map { _ in (0..<batch).map { _ in rng.int(below: outputs) } })
        } else {
            loss = .sumOfSquares(targets: (0..<steps).map { _ in Matrix<Double>.randomNormal(batch, outputs, using: &rng) })
        }
        return Self(lstm: lstm, fcWeight: w, fcBias: bias, initial: initial, inputs: inputs, loss: loss)
    }

    // MARK: - Named tensors

    /// Every differentiable tensor: the LSTM's parameters, `fc.weight`, `fc.bias`, then
    /// `h0_l{l}` and `c0_l{l}` of every layer.
    public var parameterNames: [String] {
        lstm.parameterNames + ["fc.weight", "fc.bias"]
            + (0..<lstm.layerCount).flatMap { ["h0_l\($0)", "c0_l\($0)"] }
    }

    /// The tensor called `name`, or nil.
    public func tensor(named name: String) -> Matrix<Scalar>? {
        switch name {
        case "fc.weight": return fcWeight
        case "fc.bias": return fcBias
        default:
            if let l = Self.stateLayer(name, prefix: "h0_l"), l < initial.hidden.count { return initial.hidden[l] }
            if let l = Self.stateLayer(name, prefix: "c0_l"), l < initial.cell.count { return initial.cell[l] }
            return lstm.parameter(named: name)
        }
    }

    /// Replaces the tensor called `name` (same shape); returns false when it does not exist.
    @discardableResult
    public mutating func setTensor(named name: String, to value: Matrix<Scalar>) -> Bool {
        guard let old = tensor(named: name), value.hasShape(old.rows, old.cols) else { return false }
        switch name {
        case "fc.weight": fcWeight = value
        case "fc.bias": fcBias = value
        default:
            if let l = Self.stateLayer(name, prefix: "h0_l") { initial.hidden[l] = value; return true }
            if let l = Self.stateLayer(name, prefix: "c0_l") { initial.cell[l] = value; return true }
            return lstm.setParameter(named: name, to: value)
        }
        return true
    }

    private static func stateLayer(_ name: String, prefix: String) -> Int? {
        guard name.hasPrefix(prefix), let l = Int(name.dropFirst(prefix.count)), l >= 0 else { return nil }
        return l
    }

    // MARK: - Loss and hand-derived gradients

    /// The loss value (forward only).
    public func lossValue() -> Scalar {
        let result = lstm.forward(inputs, initial: initial, override: override)
        return headLoss(result.outputs, wantGradient: false).loss
    }

    /// The loss and the gradient of every named tensor, by the hand-derived backward pass.
    public func handGradients() -> (loss: Scalar, gradients: [String: Matrix<Scalar>]) {
        handGradients(cellPathOnly: false)
    }

    /// `cellPathOnly`: the deliberately wrong variant of `LSTM.backwardPass` (no recurrence
    /// through h), for the suite's "caught" row.
    func handGradients(cellPathOnly: Bool) -> (loss: Scalar, gradients: [String: Matrix<Scalar>]) {
        let result = lstm.forward(inputs, initial: initial, override: override)
        let head = headLoss(result.outputs, wantGradient: true)
        var grads = lstm.zeroGradients()
        let back = lstm.backwardPass(
            result, dOutputs: head.dOutputs, dFinal: nil, into: &grads, record: false,
            cellPathOnly: cellPathOnly)
        var out: [String: Matrix<Scalar>] = ["fc.weight": head.dWeight, "fc.bias": head.dBias]
        for (l, g) in grads.enumerated() {
            out["weight_ih_l\(l)"] = g.weightIH
            out["weight_hh_l\(l)"] = g.weightHH
            out["bias_ih_l\(l)"] = g.biasIH
            out["bias_hh_l\(l)"] = g.biasHH
            out["h0_l\(l)"] = back.dInitial.hidden[l]
            out["c0_l\(l)"] = back.dInitial.cell[l]
        }
        return (head.loss, out)
    }

    /// The head y_t = h_t W_fcᵀ + b_fc and the loss; with `wantGradient`, the backward of both:
    /// ∂L/∂h_t (T of (B, H)), ∂L/∂W_fc = Σ_t dy_tᵀ h_t, ∂L/∂b_fc = Σ_t Σ_rows dy_t.
    func headLoss(_ outputs: [Matrix<Scalar>], wantGradient: Bool)
        -> (loss: Scalar, dOutputs: [Matrix<Scalar>], dWeight: Matrix<Scalar>, dBias: Matrix<Scalar>)
    {
        let v = fcWeight.rows
        var total: Scalar = 0
        var dOutputs: [Matrix<Scalar>] = []
        var dWeight = Matrix<Scalar>.zeros(v, fcWeight.cols)
        var dBias = Matrix<Scalar>.zeros(1, v)
        let positions = outputs.count * (outputs.first?.rows ?? 0)
        for (t, h) in outputs.enumerated() {
            var y = matmul(h, .none, fcWeight, .transpose)  // (B, V)
            for r in 0..<y.rows { for j in 0..<v { y.storage[r * v + j] += fcBias.storage[j] } }
            var dy = Matrix<Scalar>.zeros(y.rows, v)
            switch loss {
            case .crossEntropy(let targets):
                // L = (1 / BT) Σ −log softmax(y)[target];  ∂L/∂y = (softmax(y) − onehot) / BT
                let ce = SoftmaxCrossEntropy(logits: y, targets: targets[t])
                total += ce.totalLoss
                dy = ce.logitGradient(scale: 1 / Scalar(positions))
            case .sumOfSquares(let targets):
                // L = ½ Σ (y − target)²;  ∂L/∂y = y − target
                for n in 0..<y.count {
                    let d = y.storage[n] - Scalar(targets[t].storage[n])
                    total += d * d / 2
                    dy.storage[n] = d
                }
            }
            if wantGradient {
                dOutputs.append(matmul(dy, .none, fcWeight, .none))  // (B, H)
                gemm(dy, .transpose, h, .none, into: &dWeight, beta: 1)  // (V, H)
                dBias += dy.sumRows()  // (1, V)
            }
        }
        if case .crossEntropy = loss { total /= Scalar(positions) }
        return (total, dOutputs, dWeight, dBias)
    }
}
