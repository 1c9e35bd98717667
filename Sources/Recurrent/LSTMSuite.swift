// LSTMSuite.swift — the LSTM rows of `workbench check` and the detailed `workbench check lstm`.
//
// Dimension letters: B batch, T steps, D inputs, H hidden, L layers, V classes.
// Notation: PyTorch's (see LSTMCell.swift). Methods compared:
//   hand     — the hand-derived BPTT (B1)–(B8), LSTM.swift / LSTMCell.swift;
//   autodiff — the same network from tape ops, LSTMAutodiff.swift;
//   finite differences — GradCheck's fourth-order stencil.
// The fourth way, PyTorch, is a test (Tests/RecurrentTests/LSTMReferenceTests.swift): its
// fixtures are test resources, not part of the command-line tool.

import GradCheck
import WorkbenchNumerics

/// One LSTM gradient-check setting.
public struct LSTMCheckConfiguration: Codable, Sendable, Equatable {
    public enum Loss: String, Codable, Sendable, CaseIterable {
        /// Linear head + softmax cross-entropy, mean over B·T positions.
        case crossEntropy = "cross-entropy"
        /// Linear head + ½ Σ ‖y_t − target_t‖².
        case squared
    }
    public var layers: Int
    public var steps: Int
    public var hidden: Int
    public var input: Int
    public var classes: Int
    public var batch: Int
    public var loss: Loss
    public var seed: UInt64
    public var nonzeroInitialState: Bool

    public init(
        layers: Int = 2, steps: Int = 5, hidden: Int = 4, input: Int = 3, classes: Int = 5, batch: Int = 2,
        loss: Loss = .crossEntropy, seed: UInt64 = 0, nonzeroInitialState: Bool = true
    ) {
        self.layers = layers
        self.steps = steps
        self.hidden = hidden
        self.input = input
        self.classes = classes
        self.batch = batch
        self.loss = loss
        self.seed = seed
        self.nonzeroInitialState = nonzeroInitialState
    }

    /// The seeded problem this setting describes.
    public func makeProblem() -> LSTMProblem<Double> {
        .random(
            inputSize: input, hiddenSize: hidden, layers: layers, outputs: classes, batch: batch, steps: steps,
            nonzeroInitial: nonzeroInitialState, crossEntropy: loss == .crossEntropy, seed: seed)
    }
}

/// Every comparison for one LSTM setting.
public struct LSTMCheckReport: Codable, Sendable {
    public var configuration: LSTMCheckConfiguration
    public var loss: Double
    public var handVsAutodiff: GradientCheckReport
    public var handVsFiniteDifferences: GradientCheckReport
    public var autodiffVsFiniteDifferences: GradientCheckReport

    public var passed: Bool { handVsAutodiff.passed && handVsFiniteDifferences.passed && autodiffVsFiniteDifferences.passed }
}

/// Finite-difference settings for the LSTM: the fourth-order stencil at ε = 1e-3, bound 1e-6.
/// The losses here are up to ~50 while some gradient entries are ~1e-5, so the rounding noise
/// u·|L|/ε dominates at small ε; the stencil's truncation error (∝ ε⁴) is still far below it at
/// 1e-3. Measured worst on the test settings: 2.3e-7 (1.2e-6 at ε = 1e-4).
public let lstmFiniteDifferenceOptions = GradCheckOptions(
    epsilon: 1e-3, stencil: .fourthOrder,
    maxRelativeError: GradCheckOptions.finiteDifferenceBound)

/// What a long LSTM check is doing: the phase and, for the finite differences, the entries done.
public typealias LSTMCheckProgress = RNNCheckProgress

/// How many entries of each parameter the finite differences probe: every entry of a small
/// model; for a large one a seeded random sample, sized so that the probe costs about as much as
/// 2·10⁹ floating-point operations of loss evaluations (at least 2 entries a parameter, at most
/// 256). The reports say how many entries were probed.
public func lstmFiniteDifferenceEntryLimit(_ c: LSTMCheckConfiguration) -> Int {
    var cost = 0.0
    for layer in 0..<c.layers {
        let inputs = Double(layer == 0 ? c.input : c.hidden)
        cost += 8 * Double(c.hidden) * (inputs + Double(c.hidden) + 4)
    }
    cost = Double(c.batch * c.steps) * (cost + 2 * Double(c.hidden * c.classes))
    let parameters = Double(4 * c.layers + 4)
    // About six loss evaluations an entry (the stencil, the kink test, a refinement now and then).
    return max(2, min(256, Int(2e9 / (6 * cost * parameters))))
}

/// Compares hand-derived BPTT, autodiff and finite differences on one setting. `progress` is
/// told each phase, and how many finite-difference entries are done.
public func checkLSTM(
    _ config: LSTMCheckConfiguration, options: GradCheckOptions = lstmFiniteDifferenceOptions,
    progress: ((LSTMCheckProgress) -> Void)? = nil
) -> LSTMCheckReport {
    checkLSTMKeepingFiniteDifferences(config, options: options, progress: progress).report
}

/// `checkLSTM`, also returning the finite-difference probe (in `parameterNames` order) so that
/// the suite can compare a deliberately wrong gradient with it without probing again.
func checkLSTMKeepingFiniteDifferences(
    _ config: LSTMCheckConfiguration, options: GradCheckOptions,
    progress: ((LSTMCheckProgress) -> Void)? = nil
)
    -> (report: LSTMCheckReport, finiteDifferences: FiniteDifferenceProbe)
{
    let problem = config.makeProblem()
    let names = problem.parameterNames
    progress?(LSTMCheckProgress(phase: "hand-derived BPTT", done: 0, total: 1))
    let hand = problem.handGradients()
    progress?(LSTMCheckProgress(phase: "reverse-mode autodiff", done: 0, total: 1))
    let auto = problem.autodiffGradients()
    let title = "LSTM L = \(config.layers), T = \(config.steps), \(config.loss.rawValue)"
    let handList = names.map { hand.gradients[$0]! }, autoList = names.map { auto.gradients[$0]! }
    let exact = compareGradients(
        names: names, candidate: handList, reference: autoList, methods: "hand vs autodiff",
        title: title + ": hand-derived BPTT vs autodiff", options: .exact)
    let lossOf: ([Matrix<Double>]) -> Double = { theta in
        var p = problem
        for (k, name) in names.enumerated() { p.setTensor(named: name, to: theta[k]) }
        return p.lossValue()
    }
    let parameters = names.map { problem.tensor(named: $0)! }
    var probe = FiniteDifferenceProbe(
        parameters: parameters, options: options, entryLimit: lstmFiniteDifferenceEntryLimit(config),
        seed: config.seed,
        progress: progress.map { report in { report(LSTMCheckProgress(phase: "finite differences", done: $0, total: $1)) } },
        loss: lossOf)
    probe.estimateError(for: [handList, autoList], parameters: parameters, loss: lossOf)
    func fdCheck(_ list: [Matrix<Double>], _ method: String, title: String) -> GradientCheckReport {
        let named = names.indices.map { NamedGradient(name: names[$0], parameter: parameters[$0], gradient: list[$0]) }
        return checkGradients(named, against: probe, method: method, title: title)
    }
    let handFD = fdCheck(handList, "hand", title: title + ": hand-derived BPTT vs finite differences")
    let autoFD = fdCheck(autoList, "autodiff", title: title + ": autodiff vs finite differences")
    return (
        LSTMCheckReport(
            configuration: config, loss: hand.loss, handVsAutodiff: exact,
            handVsFiniteDifferences: handFD, autodiffVsFiniteDifferences: autoFD), probe
    )
}

/// The lengths the suite checks: 1, 2, 5, 10, 20 up to `maxSteps` (and `maxSteps` itself when
/// below 20). Longer sequences are left to `workbench check lstm --steps T`: there the loss's
/// higher derivatives grow with T and finite differences, not the gradients, become the limit
/// (hand vs autodiff stays ~1e-14 at T = 120, while the fourth-order stencil drifts to ~1e-6).
public func lstmSuiteLengths(maxSteps: Int) -> [Int] {
    let top = min(max(1, maxSteps), 20)
    return Array(Set([1, 2, 5, 10, 20].filter { $0 <= top } + [top])).sorted()
}

/// The LSTM rows of `workbench check`: for 1 and 2 layers and both losses, hand vs autodiff,
/// hand vs finite differences and autodiff vs finite differences (worst over the lengths);
/// a deliberately wrong gradient (BPTT through c only) that must be caught; then exercise 3(c) (f = 1, i = 0 ⇒ ∂C_t/∂C_k = I) and forward-mode ∂C_T/∂C_k against the
/// backward pass. `progress(done, total)` counts the configurations checked.
public func lstmSuiteRows(maxSteps: Int = 20, seed: UInt64 = 0, progress: ((Int, Int) -> Void)? = nil) -> [CheckSuiteRow] {
    let options = lstmFiniteDifferenceOptions
    let lengths = lstmSuiteLengths(maxSteps: maxSteps)
    let cases = "T ∈ {" + lengths.map(String.init).joined(separator: ", ") + "}, h0/c0 random"
    var rows: [CheckSuiteRow] = []
    func configuration(layers: Int, loss: LSTMCheckConfiguration.Loss, steps t: Int) -> LSTMCheckConfiguration {
        LSTMCheckConfiguration(
            layers: layers, steps: t, hidden: 3, input: 2, classes: 4, batch: 2,
            loss: loss, seed: seed &+ UInt64(t), nonzeroInitialState: true)
    }
    // Every configuration is independent: run them on all cores, then summarise in order.
    let configurations = [1, 2].flatMap { layers in
        LSTMCheckConfiguration.Loss.allCases.flatMap { loss in lengths.map { configuration(layers: layers, loss: loss, steps: $0) } }
    }
    let results = parallelMap(configurations, progress: progress) { checkLSTMKeepingFiniteDifferences($0, options: options) }
    var pending = results[...]
    for layers in [1, 2] {
        for loss in LSTMCheckConfiguration.Loss.allCases {
            var worst = [0.0, 0.0, 0.0], ok = [true, true, true]
            for _ in lengths {
                let r = pending.removeFirst().report
                for (n, part) in [r.handVsAutodiff, r.handVsFiniteDifferences, r.autodiffVsFiniteDifferences].enumerated() {
                    worst[n] = max(worst[n], part.maxRelativeError)
                    ok[n] = ok[n] && part.passed
                }
            }
            let quantity = "\(layers)-layer, \(loss.rawValue): ∂L/∂{weight_ih,weight_hh,bias_ih,bias_hh,fc,h0,c0}"
            let methods = ["hand BPTT vs autodiff", "hand BPTT vs finite differences", "autodiff vs finite differences"]
            let judgedBy = [GradCheckOptions.exact, options, options]
            for n in 0..<3 {
                rows.append(
                    CheckSuiteRow(
                        family: "lstm", quantity: quantity, methods: methods[n], cases: cases,
                        maxRelativeError: worst[n], bound: judgedBy[n].maxRelativeError,
                        verdict: ok[n] ? .pass : .fail))
            }
        }
    }
    // A deliberately wrong gradient: BPTT through c only (the recurrence dz W_hh dropped).
    var caughtAll = true, caughtCases = 0, smallest = Double.infinity
    for t in lengths where t >= 2 {
        let config = configuration(layers: 1, loss: .crossEntropy, steps: t)
        let problem = config.makeProblem()
        let names = problem.parameterNames
        let wrong = problem.handGradients(cellPathOnly: true).gradients
        // The finite differences of this very configuration, computed above for the right gradients.
        let probe = results[configurations.firstIndex(of: config)!].finiteDifferences
        let named = names.map { NamedGradient(name: $0, parameter: problem.tensor(named: $0)!, gradient: wrong[$0]!) }
        let report = checkGradients(named, against: probe, method: "cell-path-only BPTT")
        caughtCases += 1
        caughtAll = caughtAll && !report.passed
        smallest = min(smallest, report.maxRelativeError)
    }
    rows.append(
        CheckSuiteRow(
            family: "lstm", quantity: "BPTT through c only (dz W_hh dropped) — a wrong gradient",
            methods: "cell-path-only vs finite differences", cases: "\(caughtCases) lengths T ≥ 2",
            maxRelativeError: smallest.isFinite ? smallest : 0, bound: nil,
            verdict: caughtCases == 0 ? .skipped : caughtAll ? .caught : .missed))
    // Exercise 3(c): with f = 1 and i = 0 forced, ∂C_t/∂C_k = I through every path.
    let steps = min(maxSteps, 20)
    let identity =
        (try? cellStateExperiment(forget: 1, input: 0, steps: steps, hidden: 4, seed: seed))?.maxDeviationFromIdentity ?? .infinity
    rows.append(
        CheckSuiteRow(
            family: "lstm", quantity: "f = 1, i = 0 forced: ∂C_t/∂C_k = I for all k ≤ t (exercise 3c)",
            methods: "forward-mode Jacobian vs identity", cases: "T = \(steps), H = 4",
            maxRelativeError: identity, judgedBy: .exact))
    // ∂C_T/∂C_k by forward mode (J1)–(J4) against the backward pass's ∂L/∂c_k (B1).
    let agreement = cellJacobianAgreement(steps: steps, hidden: 4, seed: seed)
    rows.append(
        CheckSuiteRow(
            family: "lstm", quantity: "∂C_T/∂C_k through all paths, every k",
            methods: "forward mode (J1–J4) vs backward (B1)", cases: "T = \(steps), H = 4",
            maxRelativeError: agreement, judgedBy: .exact))
    return rows
}

/// max_k of the normwise relative difference (`Matrix.relativeDifference(to:)`) between
/// uᵀ ∂C_T/∂C_k by forward mode and the backward pass's ∂L/∂C_k for L = uᵀ C_T, on a random layer.
public func cellJacobianAgreement(steps: Int, hidden: Int, seed: UInt64) -> Double {
    var rng = SeededGenerator(seed: seed)
    let layer = LSTMLayerParameters<Double>.random(inputSize: 3, hiddenSize: hidden, using: &rng)
    let inputs = (0..<steps).map { _ in Matrix<Double>.randomNormal(1, 3, using: &rng) }
    let h0 = Matrix<Double>.random(1, hidden, in: -1...1, using: &rng)
    let c0 = Matrix<Double>.random(1, hidden, in: -1...1, using: &rng)
    let u = Matrix<Double>.randomNormal(1, hidden, using: &rng)
    let j = lstmCellStateJacobians(layer, inputs: inputs, h0: h0, c0: c0)
    let lstm = LSTM(layers: [layer])
    let result = lstm.forward(inputs, initial: LSTMState(hidden: [h0], cell: [c0]))
    var grads = lstm.zeroGradients()
    let back = lstm.backward(
        result, dOutputs: Array(repeating: .zeros(1, hidden), count: steps),
        dFinal: LSTMState(hidden: [.zeros(1, hidden)], cell: [u]), into: &grads, record: true)
    var worst = 0.0
    for k in 0...steps {
        let reverse = k == 0 ? back.dInitial.cell[0] : back.dCell![0][k - 1]
        let forward = matmul(u, .none, j.full[steps][k], .none)
        let difference = reverse.relativeDifference(to: forward)
        if !(difference <= worst) { worst = difference }  // a NaN stays NaN and fails the row
    }
    return worst
}
