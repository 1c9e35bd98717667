// VanillaRNN.swift — the simple recurrent network of NNDL chapter 6, in its notation.
//
//   z_k = U h_{k-1} + W x_k + b,     h_k = f(z_k),     k = 1 … T
//   L   = Σ_{t=1}^{T} L_t,           L_t a loss on h_t
//
// Dimension letters: D input size, H hidden size, C classes of the softmax output layer,
// T sequence length. Vectors are columns: x_k (D, 1), h_k and z_k (H, 1).
//
// Notation warning: Homework 5 writes h_t = σ(W h_{t-1} + U x_t), so its W is NNDL's U (the
// recurrent weight) and its U is NNDL's W (the input weight). This file uses NNDL's names.
//
// Two losses L_t are provided:
//   squared:  L_t = ½ ‖h_t − y_t‖²                              (y_t (H, 1) a target vector)
//   softmax:  o_t = V h_t + c,  L_t = −log softmax(o_t)[y_t]    (y_t a class index, V (C, H))

import WorkbenchNumerics

/// The loss L_t applied at every step.
public enum RNNLossKind: String, CaseIterable, Codable, Sendable {
    case squared, softmax
}

/// A vanilla RNN with its parameters, in NNDL notation.
public struct VanillaRNN: Codable, Sendable {
    /// U (H, H): the recurrent weight (Homework 5 calls it W).
    public var recurrentWeight: Matrix<Double>
    /// W (H, D): the input weight (Homework 5 calls it U).
    public var inputWeight: Matrix<Double>
    /// b (H, 1).
    public var bias: Matrix<Double>
    /// h_0 (H, 1): the initial state. When it is zero the k = 1 terms of ∂L/∂U vanish.
    public var initialState: Matrix<Double>
    /// V (C, H): the output layer of the softmax loss.
    public var outputWeight: Matrix<Double>
    /// c (C, 1).
    public var outputBias: Matrix<Double>
    public var activation: Activation

    public var hiddenSize: Int { recurrentWeight.rows }
    public var inputSize: Int { inputWeight.cols }
    public var classCount: Int { outputWeight.rows }

    public init(
        recurrentWeight: Matrix<Double>, inputWeight: Matrix<Double>, bias: Matrix<Double>,
        initialState: Matrix<Double>, outputWeight: Matrix<Double>, outputBias: Matrix<Double>,
        activation: Activation
    ) {
        let h = recurrentWeight.rows
        precondition(
            recurrentWeight.cols == h && inputWeight.rows == h && bias.hasShape(h, 1) && initialState.hasShape(h, 1),
            "inconsistent RNN shapes")
        precondition(outputWeight.cols == h && outputBias.hasShape(outputWeight.rows, 1), "inconsistent output layer shapes")
        self.recurrentWeight = recurrentWeight
        self.inputWeight = inputWeight
        self.bias = bias
        self.initialState = initialState
        self.outputWeight = outputWeight
        self.outputBias = outputBias
        self.activation = activation
    }

    /// A random network: U, W, V uniform in ±1/√fan-in, b, c uniform in ±0.1 (so relu units are
    /// not all dead), h_0 uniform in ±0.5 or zero.
    public static func random(
        inputSize d: Int, hiddenSize h: Int, classCount c: Int = 5, activation: Activation,
        nonzeroInitialState: Bool = true, using rng: inout SeededGenerator
    ) -> VanillaRNN {
        let su = 1 / Double(h).squareRoot(), sw = 1 / Double(max(d, 1)).squareRoot()
        return VanillaRNN(
            recurrentWeight: .random(h, h, in: -su...su, using: &rng),
            inputWeight: .random(h, d, in: -sw...sw, using: &rng),
            bias: .random(h, 1, in: -0.1...0.1, using: &rng),
            initialState: nonzeroInitialState ? .random(h, 1, in: -0.5...0.5, using: &rng) : .zeros(h, 1),
            outputWeight: .random(c, h, in: -su...su, using: &rng),
            outputBias: .random(c, 1, in: -0.1...0.1, using: &rng),
            activation: activation)
    }

    // MARK: - Parameters as a list (for checkers)

    /// The parameter names in the order of `parameters`, in NNDL notation.
    public static let parameterNames = ["U", "W", "b", "h0", "V", "c"]

    /// [U, W, b, h_0, V, c].
    public var parameters: [Matrix<Double>] {
        [recurrentWeight, inputWeight, bias, initialState, outputWeight, outputBias]
    }

    /// The same network with parameters replaced (in the order of `parameters`).
    public func with(parameters p: [Matrix<Double>]) -> VanillaRNN {
        VanillaRNN(
            recurrentWeight: p[0], inputWeight: p[1], bias: p[2], initialState: p[3],
            outputWeight: p[4], outputBias: p[5], activation: activation)
    }
}

/// An input sequence with the targets of the loss.
public struct RNNSequence: Codable, Sendable {
    /// x_1 … x_T, each (D, 1).
    public var inputs: [Matrix<Double>]
    public var loss: RNNLossKind
    /// Squared loss: y_1 … y_T, each (H, 1).
    public var targetVectors: [Matrix<Double>]
    /// Softmax loss: class indices y_1 … y_T in 0..<C.
    public var targetClasses: [Int]

    public var length: Int { inputs.count }

    public init(inputs: [Matrix<Double>], loss: RNNLossKind, targetVectors: [Matrix<Double>] = [], targetClasses: [Int] = []) {
        self.inputs = inputs
        self.loss = loss
        self.targetVectors = targetVectors
        self.targetClasses = targetClasses
    }

    /// Random inputs in ±1 and random targets for `model`.
    public static func random(length: Int, for model: VanillaRNN, loss: RNNLossKind, using rng: inout SeededGenerator) -> RNNSequence {
        let xs = (0..<length).map { _ in Matrix<Double>.random(model.inputSize, 1, using: &rng) }
        switch loss {
        case .squared:
            let ys = (0..<length).map { _ in Matrix<Double>.random(model.hiddenSize, 1, in: -0.5...0.5, using: &rng) }
            return RNNSequence(inputs: xs, loss: .squared, targetVectors: ys)
        case .softmax:
            let ys = (0..<length).map { _ in rng.int(below: model.classCount) }
            return RNNSequence(inputs: xs, loss: .softmax, targetClasses: ys)
        }
    }
}

/// What the forward pass keeps for the backward pass.
public struct RNNForward: Sendable {
    /// z_1 … z_T at indices 1…T (index 0 holds a zero vector and is never used).
    public let z: [Matrix<Double>]
    /// h_0 … h_T at indices 0…T.
    public let h: [Matrix<Double>]
    /// L_1 … L_T at indices 1…T (index 0 is 0).
    public let stepLosses: [Double]
    /// ∂L_t/∂h_t at indices 1…T: the gradient of each step's own loss with respect to its state.
    public let outputGradients: [Matrix<Double>]
    /// Softmax loss only: p_t − onehot(y_t) at indices 1…T, (C, 1).
    public let outputErrors: [Matrix<Double>]

    /// L = Σ_t L_t.
    public var loss: Double { stepLosses.reduce(0, +) }
    public var length: Int { h.count - 1 }
}

extension VanillaRNN {
    /// The recurrence alone, without a loss: z_k = U h_{k-1} + W x_k + b, h_k = f(z_k) for
    /// inputs x_1 … x_T (each (D, 1)). Returns z at indices 1…T (index 0 holds a zero vector)
    /// and h_0 … h_T at indices 0…T, as `RNNForward` keeps them.
    public func states(_ inputs: [Matrix<Double>]) -> (z: [Matrix<Double>], h: [Matrix<Double>]) {
        var z = [Matrix<Double>.zeros(hiddenSize, 1)]
        var h = [initialState]
        for x in inputs {
            let zk = recurrentWeight * h[h.count - 1] + inputWeight * x + bias
            z.append(zk)
            h.append(zk.map { activation.value($0) })
        }
        return (z, h)
    }

    /// Runs the network over `sequence`, keeping z_k, h_k, L_t and ∂L_t/∂h_t.
    public func forward(_ sequence: RNNSequence) -> RNNForward {
        let (z, h) = states(sequence.inputs)
        var losses = [0.0]
        var dh = [Matrix<Double>.zeros(hiddenSize, 1)]
        var errors = [Matrix<Double>.zeros(classCount, 1)]
        for k in stride(from: 1, through: sequence.length, by: 1) {
            let hk = h[k]
            switch sequence.loss {
            case .squared:
                let diff = hk - sequence.targetVectors[k - 1]
                losses.append(diff.dot(diff) / 2)
                dh.append(diff)
                errors.append(.zeros(classCount, 1))
            case .softmax:
                // o_t = V h_t + c (C, 1); L_t = −log softmax(o_t)[y_t]; p_t − e_{y_t} = ∂L_t/∂o_t
                let o = outputWeight * hk + outputBias
                let ce = SoftmaxCrossEntropy(logits: o.transposed, targets: [sequence.targetClasses[k - 1]])
                let outputError = ce.logitGradient().transposed
                losses.append(ce.totalLoss)
                errors.append(outputError)
                dh.append(matmul(outputWeight, .transpose, outputError, .none))
            }
        }
        return RNNForward(z: z, h: h, stepLosses: losses, outputGradients: dh, outputErrors: errors)
    }

    /// L = Σ_t L_t for a sequence.
    public func loss(_ sequence: RNNSequence) -> Double { forward(sequence).loss }

    /// L_t alone (1 ≤ t ≤ T).
    public func stepLoss(_ sequence: RNNSequence, step t: Int) -> Double { forward(sequence).stepLosses[t] }

    /// f'(z_k) as a column.
    func derivative(_ z: Matrix<Double>) -> Matrix<Double> { z.map { activation.derivative($0) } }
}

/// Gradients of L with respect to every parameter, in NNDL notation.
public struct RNNGradients: Codable, Sendable {
    public var recurrentWeight: Matrix<Double>  // ∂L/∂U (H, H)
    public var inputWeight: Matrix<Double>  // ∂L/∂W (H, D)
    public var bias: Matrix<Double>  // ∂L/∂b (H, 1)
    public var initialState: Matrix<Double>  // ∂L/∂h_0 (H, 1)
    public var outputWeight: Matrix<Double>  // ∂L/∂V (C, H)
    public var outputBias: Matrix<Double>  // ∂L/∂c (C, 1)

    /// Zero gradients shaped like `model`'s parameters.
    public init(zerosLike model: VanillaRNN) {
        recurrentWeight = .zeros(model.hiddenSize, model.hiddenSize)
        inputWeight = .zeros(model.hiddenSize, model.inputSize)
        bias = .zeros(model.hiddenSize, 1)
        initialState = .zeros(model.hiddenSize, 1)
        outputWeight = .zeros(model.classCount, model.hiddenSize)
        outputBias = .zeros(model.classCount, 1)
    }

    init(list p: [Matrix<Double>]) {
        recurrentWeight = p[0]; inputWeight = p[1]; bias = p[2]; initialState = p[3]; outputWeight = p[4]; outputBias = p[5]
    }

    /// In the order of `VanillaRNN.parameters`.
    public var list: [Matrix<Double>] { [recurrentWeight, inputWeight, bias, initialState, outputWeight, outputBias] }

    /// "∂L/∂U", "∂L/∂W", … for reports.
    public static let names = VanillaRNN.parameterNames.map { "∂L/∂\($0)" }
}
