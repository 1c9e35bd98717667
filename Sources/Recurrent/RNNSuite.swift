// RNNSuite.swift — the vanilla-RNN rows of `workbench check` and the formula reports.

import GradCheck
import WorkbenchNumerics

// MARK: - Suite

/// Runs `checkRNN` for every activation and loss at every length in `steps`, and summarises
/// each comparison as one row (the worst case over all lengths). `progress(done, total)` counts
/// the configurations checked.
public func rnnSuiteRows(
    steps: ClosedRange<Int> = 1...20, hidden: Int = 4, input: Int = 3, seed: UInt64 = 0,
    progress: ((Int, Int) -> Void)? = nil
) -> [CheckSuiteRow] {
    let finiteDifferences = GradCheckOptions.finiteDifferencesStrict
    var rows: [CheckSuiteRow] = []
    let cases = "T = \(steps.lowerBound)…\(steps.upperBound)"
    var formulaErrors: [String: (exact: Double, fd: Double)] = [:]
    var truncatedCaught = true, truncatedWorst = Double.infinity, truncatedCases = 0
    var rtrlWorst = 0.0, rtrlFD = 0.0
    // Every configuration is independent: run them on all cores, then summarise in order.
    let configurations = Activation.allCases.flatMap { activation in
        RNNLossKind.allCases.flatMap { loss in
            steps.map { t in
                RNNCheckConfiguration(activation: activation, loss: loss, steps: t, hidden: hidden, input: input, seed: seed &+ UInt64(t))
            }
        }
    }
    var reports = parallelMap(configurations, progress: progress) { checkRNN($0, options: finiteDifferences) }[...]
    for activation in Activation.allCases {
        for loss in RNNLossKind.allCases {
            var worst = [0.0, 0.0, 0.0, 0.0]
            var ok = [true, true, true, true]
            for _ in steps {
                let report = reports.removeFirst()
                let parts = [
                    report.textbookVsAutodiff, report.doubleSumVsAccumulation,
                    report.textbookVsFiniteDifferences, report.autodiffVsFiniteDifferences,
                ]
                for (n, part) in parts.enumerated() {
                    worst[n] = max(worst[n], part.maxRelativeError)
                    ok[n] = ok[n] && part.passed
                }
                for p in report.textbookVsAutodiff.parameters {
                    let fd = report.textbookVsFiniteDifferences.parameters.first { $0.name == p.name }?.maxRelativeError ?? 0
                    let old = formulaErrors[p.name] ?? (0, 0)
                    formulaErrors[p.name] = (max(old.exact, p.maxRelativeError), max(old.fd, fd))
                }
                if let truncated = report.truncatedVsFiniteDifferences, report.truncationChangesGradient {
                    truncatedCases += 1
                    truncatedCaught = truncatedCaught && !truncated.passed
                    truncatedWorst = min(truncatedWorst, truncated.maxRelativeError)
                }
                rtrlWorst = max(rtrlWorst, report.formula631.maxRelativeDifference)
                rtrlFD = max(rtrlFD, report.formula631.maxFiniteDifferenceError)
            }
            let quantity = "\(activation.rawValue), \(loss.rawValue) loss: " + (loss == .softmax ? "∂L/∂{U,W,b,h0,V,c}" : "∂L/∂{U,W,b,h0}")
            let methods = [
                "textbook double sum vs autodiff", "O(T) accumulation vs double sum",
                "textbook vs finite differences", "autodiff vs finite differences",
            ]
            let judgedBy = [GradCheckOptions.exact, .exact, finiteDifferences, finiteDifferences]
            for n in 0..<4 {
                rows.append(
                    CheckSuiteRow(
                        family: "rnn", quantity: quantity, methods: methods[n], cases: cases,
                        maxRelativeError: worst[n], bound: judgedBy[n].maxRelativeError,
                        verdict: ok[n] ? .pass : .fail))
            }
        }
    }
    let all = "4 activations × 2 losses, " + cases
    for (formula, name) in [("(6.39)", "∂L/∂U"), ("(6.40)", "∂L/∂W"), ("(6.41)", "∂L/∂b")] {
        let e = formulaErrors[name] ?? (0, 0)
        let quantity = "formula \(formula) \(name) = Σ_t Σ_k≤t δ_{t,k}…"
        rows.append(
            CheckSuiteRow(
                family: "rnn", quantity: quantity, methods: "double sum vs autodiff",
                cases: all, maxRelativeError: e.exact, judgedBy: .exact))
        rows.append(
            CheckSuiteRow(
                family: "rnn", quantity: quantity, methods: "double sum vs finite differences",
                cases: all, maxRelativeError: e.fd, judgedBy: finiteDifferences))
    }
    let rtrl = "formula (6.31) ∂L_t/∂u_ij, every t"
    rows.append(
        CheckSuiteRow(
            family: "rnn", quantity: rtrl, methods: "direct partials Σ_k vs forward recursion (RTRL)",
            cases: all, maxRelativeError: rtrlWorst, judgedBy: .exact))
    rows.append(
        CheckSuiteRow(
            family: "rnn", quantity: rtrl, methods: "direct partials Σ_k vs finite differences",
            cases: all, maxRelativeError: rtrlFD, judgedBy: Formula631Report.finiteDifferenceOptions))
    rows.append(
        CheckSuiteRow(
            family: "rnn", quantity: "truncated BPTT (k = t only) — a wrong gradient", methods: "truncated vs finite differences",
            cases: "\(truncatedCases) cases where truncation changes the gradient",
            maxRelativeError: truncatedWorst.isFinite ? truncatedWorst : 0, bound: nil,
            verdict: truncatedCases == 0 ? .skipped : truncatedCaught ? .caught : .missed))
    return rows
}

// MARK: - Formulas (6.40) and (6.41)

/// Both sides of (6.40) or (6.41) for one configuration, with every δ_{t,k} available.
public struct FormulaSumReport: Codable, Sendable {
    public let formula: String
    public let statement: String
    public let configuration: RNNCheckConfiguration
    /// ‖δ_{t,k}‖₂ for 1 ≤ k ≤ t ≤ T: `deltaNorms[t-1][k-1]`.
    public let deltaNorms: [[Double]]
    /// The right-hand side: the explicit double sum over δ_{t,k}.
    public let doubleSum: Matrix<Double>
    /// The left-hand side by reverse-mode autodiff.
    public let autodiff: Matrix<Double>
    /// The left-hand side by finite differences (`GradCheckOptions.finiteDifferencesStrict`).
    public let finiteDifferences: Matrix<Double>
    public let doubleSumVsAutodiff: ParameterComparison
    public let doubleSumVsFiniteDifferences: ParameterComparison
    /// A requested δ_{t,k}, if any.
    public let requestedDelta: RequestedDelta?

    public struct RequestedDelta: Codable, Sendable {
        public let t: Int
        public let k: Int
        public let value: Matrix<Double>
    }

    public var passed: Bool { doubleSumVsAutodiff.verdict == .pass && doubleSumVsFiniteDifferences.verdict == .pass }
}

extension VanillaRNN {
    /// (6.40) for `parameter` = W, or (6.41) for `parameter` = b (or (6.39) for U).
    public enum SummedParameter: String, Codable, Sendable { case recurrentWeight = "U", inputWeight = "W", bias = "b" }

    public func formulaSum(
        _ sequence: RNNSequence, parameter: SummedParameter, configuration: RNNCheckConfiguration,
        delta: (t: Int, k: Int)? = nil
    ) -> FormulaSumReport {
        let fwd = forward(sequence)
        let terms = errorTerms(fwd)
        let T = fwd.length
        var norms: [[Double]] = []
        for t in stride(from: 1, through: T, by: 1) {
            norms.append((1...t).map { terms[t, $0].frobeniusNorm() })
        }
        let slot: Int
        let formula: String, statement: String
        switch parameter {
        case .recurrentWeight: slot = 0; formula = "(6.39)"; statement = "∂L/∂U = Σ_{t=1}^{T} Σ_{k=1}^{t} δ_{t,k} h_{k-1}ᵀ"
        case .inputWeight: slot = 1; formula = "(6.40)"; statement = "∂L/∂W = Σ_{t=1}^{T} Σ_{k=1}^{t} δ_{t,k} x_kᵀ"
        case .bias: slot = 2; formula = "(6.41)"; statement = "∂L/∂b = Σ_{t=1}^{T} Σ_{k=1}^{t} δ_{t,k}"
        }
        let sum = textbookGradients(sequence).list[slot]
        let auto = autodiffGradients(sequence).list[slot]
        let options = GradCheckOptions.finiteDifferencesStrict
        let fd = finiteDifferenceGradients(parameters: [parameters[slot]], epsilon: options.epsilon, stencil: options.stencil) { theta in
            var p = parameters
            p[slot] = theta[0]
            return with(parameters: p).loss(sequence)
        }[0]
        let name = "∂L/∂\(parameter.rawValue)"
        var requested: FormulaSumReport.RequestedDelta?
        if let d = delta { requested = .init(t: d.t, k: d.k, value: terms[d.t, d.k]) }
        return FormulaSumReport(
            formula: formula, statement: statement, configuration: configuration, deltaNorms: norms,
            doubleSum: sum, autodiff: auto, finiteDifferences: fd,
            doubleSumVsAutodiff: compare(name: name, candidate: sum, reference: auto, methods: "double sum vs autodiff"),
            doubleSumVsFiniteDifferences: compare(
                name: name, candidate: sum, reference: fd, methods: "double sum vs finite differences",
                options: options),
            requestedDelta: requested)
    }
}
