// RNNCheck.swift — the vanilla RNN's gradients compared every way the workbench knows.
//
// For one configuration (activation, loss, T, sizes, seed) this computes the gradients of
// L = Σ_t L_t with respect to U, W, b, h_0 (and V, c for the softmax loss) by
//   1. the textbook double sums (6.39)–(6.41) over every δ_{t,k},
//   2. the O(T) backward accumulation,
//   3. the autodiff tape,
//   4. central finite differences,
// plus formula (6.31) against forward recursion, and truncated BPTT (only k = t), which is
// wrong and must be flagged.

import GradCheck
import WorkbenchNumerics

/// What to check.
public struct RNNCheckConfiguration: Codable, Sendable, Equatable {
    public var activation: Activation
    public var loss: RNNLossKind
    /// T.
    public var steps: Int
    /// H.
    public var hidden: Int
    /// D.
    public var input: Int
    /// C (softmax loss only).
    public var classes: Int
    public var seed: UInt64
    /// Whether h_0 is random (true) or zero.
    public var nonzeroInitialState: Bool

    public init(
        activation: Activation = .tanh, loss: RNNLossKind = .squared, steps: Int = 6, hidden: Int = 4,
        input: Int = 3, classes: Int = 5, seed: UInt64 = 0, nonzeroInitialState: Bool = true
    ) {
        self.activation = activation
        self.loss = loss
        self.steps = steps
        self.hidden = hidden
        self.input = input
        self.classes = classes
        self.seed = seed
        self.nonzeroInitialState = nonzeroInitialState
    }

    /// The seeded model and sequence this configuration describes.
    public func makeProblem() -> (VanillaRNN, RNNSequence) {
        var rng = SeededGenerator(seed: seed)
        let model = VanillaRNN.random(
            inputSize: input, hiddenSize: hidden, classCount: classes, activation: activation,
            nonzeroInitialState: nonzeroInitialState, using: &rng)
        return (model, RNNSequence.random(length: steps, for: model, loss: loss, using: &rng))
    }
}

/// Every comparison for one configuration.
public struct RNNCheckReport: Codable, Sendable {
    public let configuration: RNNCheckConfiguration
    public let loss: Double
    public let textbookVsAutodiff: GradientCheckReport
    public let doubleSumVsAccumulation: GradientCheckReport
    public let textbookVsFiniteDifferences: GradientCheckReport
    public let autodiffVsFiniteDifferences: GradientCheckReport
    /// Truncated BPTT (k = t only) against finite differences: must be flagged (T ≥ 2).
    public let truncatedVsFiniteDifferences: GradientCheckReport?
    /// Whether truncation changes the gradient at all. It does not when T = 1, or when every
    /// path back in time is cut (e.g. every relu unit is off), and then there is nothing to catch.
    public let truncationChangesGradient: Bool
    public let formula631: Formula631Report

    /// The correct methods agree and the wrong one was caught.
    public var passed: Bool {
        textbookVsAutodiff.passed && doubleSumVsAccumulation.passed && textbookVsFiniteDifferences.passed
            && autodiffVsFiniteDifferences.passed && truncatedCaught && formula631.passed
    }

    /// Whether truncated BPTT was flagged (vacuously true where truncation changes nothing).
    public var truncatedCaught: Bool {
        guard let t = truncatedVsFiniteDifferences, truncationChangesGradient else { return true }
        return !t.passed
    }
}

/// The parameters a loss depends on: the squared loss ignores the output layer.
func checkedParameterIndices(_ loss: RNNLossKind) -> [Int] {
    loss == .softmax ? [0, 1, 2, 3, 4, 5] : [0, 1, 2, 3]
}

/// What a long check is doing: the phase and, for the finite differences, the entries done.
public struct RNNCheckProgress: Sendable {
    public let phase: String
    public let done: Int
    public let total: Int
}

/// How many entries of each parameter the finite differences probe: every entry of a small
/// model; for a large one a seeded random sample, sized so that the probe costs about as much
/// as 2·10⁹ floating-point operations of forward passes (at least 16 entries a parameter). The
/// reports say how many entries were probed. A wrong gradient shows in almost any entries; a
/// full probe of a 256 × 256 U over 1,000 steps would take hours.
public func rnnFiniteDifferenceEntryLimit(_ c: RNNCheckConfiguration) -> Int {
    let outputs = c.loss == .softmax ? c.classes : 0
    let forwardCost = 2 * Double(c.steps) * Double(c.hidden) * Double(c.hidden + c.input + outputs + 4)
    let parameters = Double(checkedParameterIndices(c.loss).count)
    // About six loss evaluations an entry (the stencil, the kink test, a refinement now and then).
    return max(16, min(256, Int(2e9 / (6 * forwardCost * parameters))))
}

/// Runs every comparison for `configuration`. `progress` is told each phase, and how many
/// finite-difference entries are done (the part that can take long for a large H or T).
public func checkRNN(
    _ configuration: RNNCheckConfiguration, options: GradCheckOptions = .finiteDifferencesStrict,
    progress: ((RNNCheckProgress) -> Void)? = nil
) -> RNNCheckReport {
    let (model, sequence) = configuration.makeProblem()
    let indices = checkedParameterIndices(configuration.loss)
    let names = indices.map { RNNGradients.names[$0] }
    func pick(_ g: RNNGradients) -> [Matrix<Double>] { indices.map { g.list[$0] } }

    progress?(
        RNNCheckProgress(
            phase: "the textbook double sums over \(configuration.steps * (configuration.steps + 1) / 2) error terms", done: 0, total: 1))
    let textbook = model.textbookGradients(sequence)
    let accumulated = model.backpropagationThroughTime(sequence)
    progress?(RNNCheckProgress(phase: "reverse-mode autodiff", done: 0, total: 1))
    let autodiff = model.autodiffGradients(sequence)
    // Finite differences once; the textbook, autodiff and truncated gradients are all compared with them.
    let lossOf: ([Matrix<Double>]) -> Double = { theta in
        var p = model.parameters
        for (slot, value) in zip(indices, theta) { p[slot] = value }
        return model.with(parameters: p).loss(sequence)
    }
    var probe = FiniteDifferenceProbe(
        parameters: indices.map { model.parameters[$0] }, options: options,
        entryLimit: rnnFiniteDifferenceEntryLimit(configuration), seed: configuration.seed,
        progress: progress.map { report in { report(RNNCheckProgress(phase: "finite differences", done: $0, total: $1)) } },
        loss: lossOf)
    // Where the two correct methods disagree with finite differences, measure the differences' own error.
    progress?(RNNCheckProgress(phase: "finite differences again where they disagree, on a ladder of steps", done: 0, total: 1))
    probe.estimateError(for: [pick(textbook), pick(autodiff)], parameters: indices.map { model.parameters[$0] }, loss: lossOf)
    func fdCheck(_ g: RNNGradients, _ method: String, title: String) -> GradientCheckReport {
        let named = indices.indices.map { NamedGradient(name: names[$0], parameter: model.parameters[indices[$0]], gradient: pick(g)[$0]) }
        return checkGradients(named, against: probe, method: method, title: title)
    }
    let tag = "\(configuration.activation.rawValue), \(configuration.loss.rawValue) loss, T = \(configuration.steps)"
    let truncatedGradients = model.textbookGradients(sequence, truncated: true)
    let truncated: GradientCheckReport? =
        configuration.steps >= 2
        ? fdCheck(truncatedGradients, "truncated BPTT (k = t only)", title: "truncated BPTT vs finite differences (\(tag))")
        : nil
    // Truncation matters where it moves the gradient by more than the finite-difference check
    // could resolve: otherwise there is nothing for that check to catch.
    let changes = zip(pick(truncatedGradients), pick(textbook)).contains { t, full in
        (t - full).maxAbs() > GradCheckOptions.finiteDifferenceBound * max(full.maxAbs(), options.absoluteFloor)
    }
    progress?(RNNCheckProgress(phase: "formula (6.31) by forward recursion and finite differences", done: 0, total: 1))
    let formula631 = model.formula631(sequence, i: 0, j: min(1, configuration.hidden - 1))
    return RNNCheckReport(
        configuration: configuration,
        loss: model.loss(sequence),
        textbookVsAutodiff: compareGradients(
            names: names, candidate: pick(textbook), reference: pick(autodiff),
            methods: "textbook vs autodiff", title: "textbook double sum vs autodiff (\(tag))"),
        doubleSumVsAccumulation: compareGradients(
            names: names, candidate: pick(accumulated), reference: pick(textbook),
            methods: "O(T) vs double sum", title: "O(T) accumulation vs double sum (\(tag))"),
        textbookVsFiniteDifferences: fdCheck(textbook, "textbook", title: "textbook vs finite differences (\(tag))"),
        autodiffVsFiniteDifferences: fdCheck(autodiff, "autodiff", title: "autodiff vs finite differences (\(tag))"),
        truncatedVsFiniteDifferences: truncated,
        truncationChangesGradient: changes,
        formula631: formula631)
}

/// The fast check: ⟨∇L, v⟩ against the finite difference of L along random unit directions v
/// in the space of all parameters (textbook gradient).
public func directionalRNNCheck(
    _ model: VanillaRNN, _ sequence: RNNSequence, count: Int, seed: UInt64,
    options: GradCheckOptions = .finiteDifferencesStrict
) -> DirectionalCheckReport {
    let indices = checkedParameterIndices(sequence.loss)
    let g = model.textbookGradients(sequence)
    let named = indices.map { NamedGradient(name: RNNGradients.names[$0], parameter: model.parameters[$0], gradient: g.list[$0]) }
    return directionalCheck(named, method: "textbook", title: "directional check", count: count, seed: seed, options: options) { theta in
        var p = model.parameters
        for (slot, value) in zip(indices, theta) { p[slot] = value }
        return model.with(parameters: p).loss(sequence)
    }
}
