// CheckCommand.swift — `workbench check`: the gradient-verification suite and its parts.
//
//   workbench check                       every family, one row per quantity and method pair
//   workbench check FILE.grad             a worksheet: every claim against autodiff, failed ones diagnosed
//   workbench check rnn [options]         one vanilla-RNN configuration, every comparison
//   workbench check lstm [options]        one LSTM configuration (LSTMCommand.swift)
//   workbench check formula 6.31 --i --j  formula (6.31) against forward recursion
//   workbench check formula 6.40 | 6.41   both sides of (6.40) / (6.41)

import Foundation
import GradCheck
import Recurrent
import WorkbenchNumerics
import Worksheet

extension Activation: EnumerableOptionValue {}
extension RNNLossKind: EnumerableOptionValue {}
extension Stencil: EnumerableOptionValue {}

struct CheckCommand: ParsableCommand {
    /// Families that contribute rows to `workbench check`. Each returns its rows.
    /// `progress(done, total)` counts the family's configurations.
    static var families:
        [(name: String, rows: (_ maxSteps: Int, _ seed: UInt64, _ progress: @escaping (Int, Int) -> Void) -> [CheckSuiteRow])]
    {
        [
            ("rnn", { maxSteps, seed, progress in rnnSuiteRows(steps: 1...maxSteps, seed: seed, progress: progress) }),
            ("lstm", { maxSteps, seed, progress in lstmSuiteRows(maxSteps: maxSteps, seed: seed, progress: progress) }),
        ]
    }

    static let configuration = CommandConfiguration(
        name: "check",
        abstract: "Run the gradient checks, or check the claims of a worksheet (FILE.grad).",
        discussion: """
            Without a subcommand, runs the whole suite and prints one row per quantity: what was
            checked, the methods compared, the worst relative error over all cases, the bound and a
            verdict. A deliberately wrong gradient (truncated BPTT) must be 'caught'. The exit status
            is 0 only if every row succeeds.

            With a worksheet (workbench check my.grad), checks every claim dA/dB = expr of the file on
            seeded random values: the claim against reverse-mode autodiff (cross-checked by finite
            differences) for every instance of its ranges, and names the mistake of each failed claim
            (sign, scale, transpose, dropped-dependence, partial-loss, derivative-rule, or
            unexplained). Exit status 0 when every claim holds, 1 when one fails, 2 for a malformed
            worksheet (the error names the line and column).
            """,
        subcommands: [RNN.self, LSTMCommand.Check.self, Formula.self])

    @Argument(placeholder: "<worksheet>", help: "A worksheet FILE.grad: check its claims instead of running the suite.")
    var worksheet: String?
    @Option(placeholder: "T", help: "Check sequence lengths 1…T (the suite only; its time grows about as T²).", range: 1...100)
    var maxSteps = 20
    @Option(help: "Seed of the random models and data (of the worksheet's parameters and inputs).")
    var seed: UInt64 = 0
    @Option(
        help: "Only this family (\(families.map(\.name).joined(separator: ", "))), the suite only.",
        check: { name in families.contains { $0.name == name } ? nil : "must be one of: \(families.map(\.name).joined(separator: ", "))" })
    var family: String?
    @Flag(help: "With a worksheet: report every instance of every claim, not only the worst.")
    var allInstances: Bool
    @OptionGroup var output: OutputOptions

    init() {}

    func validate() throws {
        guard let path = worksheet else {
            if allInstances {
                throw UsageError("option --all-instances applies to a worksheet (workbench check FILE.grad --all-instances)")
            }
            return
        }
        for state in [$maxSteps, $family] where state.isSet {
            throw UsageError("option \(state.name) applies to the check suite, not to a worksheet ('\(path)')")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            let subcommands = Self.configuration.subcommands.map { $0.configuration.name }
            var message =
                "'\(path)' is neither a subcommand of 'workbench check' (\(subcommands.joined(separator: ", "))) nor an existing file"
            if let guess = suggestion(for: path, among: subcommands) { message += "; did you mean '\(guess)'?" }
            throw UsageError(message)
        }
        if isDirectory.boolValue {
            throw UsageError("'\(path)' is a directory; give a worksheet file (workbench check FILE.grad)")
        }
    }

    func run(_ console: Console) throws -> Int32 {
        if let path = worksheet {
            let sheet = try Worksheet(contentsOf: path)
            let report = try sheet.check(WorksheetCheckOptions(seed: seed, allInstances: allInstances))
            console.print(output.json ? try jsonString(report) : worksheetReportText(report))
            return report.verdict == .pass ? 0 : 1
        }
        let selected = Self.families.filter { family == nil || $0.name == family }
        let line = ProgressLine(console: console)
        let report = CheckSuiteReport(
            rows: selected.flatMap { family in
                family.rows(maxSteps, seed) { done, total in line.show("checking \(family.name): \(done) of \(total) configurations") }
            })
        line.finish()
        console.print(output.json ? try jsonString(report) : report.table())
        return report.verdict == .pass ? 0 : 1
    }

    // MARK: - Model options shared by `check rnn` and `check formula`

    /// The vanilla RNN to check, in NNDL notation; defaults from `RNNCheckConfiguration`.
    struct ModelOptions: ParsableArguments {
        static let defaults = RNNCheckConfiguration()
        @Option(help: "f in h_k = f(z_k).")
        var activation = defaults.activation
        @Option(help: "squared (½‖h_t − y_t‖²) or softmax (cross-entropy through o_t = V h_t + c).")
        var loss = defaults.loss
        @Option(placeholder: "T", help: "Sequence length T (T·H at most 64,000).", range: 1...1000)
        var steps = defaults.steps
        @Option(placeholder: "H", help: "Hidden size H.", range: 1...256)
        var hidden = defaults.hidden
        @Option(placeholder: "D", help: "Input size D.", range: 1...256)
        var input = defaults.input
        @Option(placeholder: "C", help: "Output classes C of the softmax loss.", range: 2...1000)
        var classes = defaults.classes
        @Option(help: "Seed of the random model and sequence.")
        var seed = defaults.seed
        @Flag(help: "Use h_0 = 0 (then every k = 1 term of ∂L/∂U vanishes).")
        var zeroInitialState: Bool

        init() {}

        /// The largest T·H checked: the textbook double sums cost O(T²H²) (about 40 s at
        /// T = 250, H = 256 or T = 1000, H = 64), so T = 1000 with H = 256 would take many minutes.
        static let maxStepsTimesHidden = 64_000

        func validate() throws {
            if $classes.isSet && loss != .softmax {
                throw UsageError("option --classes applies to the softmax loss only (add --loss softmax)")
            }
            if steps * hidden > Self.maxStepsTimesHidden {
                throw UsageError(
                    "--steps \(steps) with --hidden \(hidden) is too large a check: the textbook double sums "
                        + "cost O(T²·H²); choose T·H ≤ \(Self.maxStepsTimesHidden) (e.g. --steps 250 --hidden 256 or "
                        + "--steps 1000 --hidden 64)")
            }
        }

        var configuration: RNNCheckConfiguration {
            RNNCheckConfiguration(
                activation: activation, loss: loss, steps: steps, hidden: hidden, input: input,
                classes: classes, seed: seed, nonzeroInitialState: !zeroInitialState)
        }
    }

    static func describe(_ c: RNNCheckConfiguration) -> String {
        var s = "vanilla RNN (NNDL notation): z_k = U h_{k-1} + W x_k + b, h_k = \(c.activation.rawValue)(z_k); "
        s += c.loss == .squared ? "L = Σ_t ½‖h_t − y_t‖²" : "L = Σ_t CE(softmax(V h_t + c), y_t)"
        s += "\nT = \(c.steps), H = \(c.hidden), D = \(c.input)"
        if c.loss == .softmax { s += ", C = \(c.classes)" }
        s += ", seed \(c.seed), h_0 \(c.nonzeroInitialState ? "random (nonzero)" : "= 0")"
        return s
    }

    /// `--delta t,k`: the error term δ_{t,k} to print.
    struct DeltaIndex: OptionValue {
        let t: Int, k: Int
        static func parse(_ word: String) -> DeltaIndex? {
            let parts = word.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let t = parts[0], let k = parts[1] else { return nil }
            return DeltaIndex(t: t, k: k)
        }
        static var placeholder: String { "t,k" }
        static var expectation: String { "'t,k' (two integers)" }

        func validate(steps: Int) throws {
            guard (1...steps).contains(t), (1...t).contains(k) else {
                throw UsageError("option --delta: δ_{t,k} exists only for 1 ≤ k ≤ t ≤ T = \(steps), got t = \(t), k = \(k)")
            }
        }
    }

    static let deltaHelp = "Also print the error term δ_{t,k} = ∂L_t/∂z_k (1 ≤ k ≤ t ≤ T)."

    // MARK: - check rnn

    struct RNN: ParsableCommand {
        static let configuration = CommandConfiguration(
            name: "rnn",
            abstract: "Check a vanilla RNN's gradients: textbook BPTT, autodiff, finite differences.",
            discussion: """
                Computes ∂L/∂U, ∂L/∂W, ∂L/∂b, ∂L/∂h_0 (and ∂L/∂V, ∂L/∂c for the softmax loss) by the
                textbook double sums over δ_{t,k}, by the O(T) backward accumulation, by reverse-mode
                autodiff and by finite differences, and shows that truncated BPTT (k = t only) is caught.
                """)

        @OptionGroup var model: ModelOptions
        @Option(help: "The finite-difference formula.")
        var stencil = GradCheckOptions.finiteDifferencesStrict.stencil
        @Option(
            placeholder: "ε", help: "Finite-difference step.", range: 1e-12...1,
            defaultText: "1e-4 for the fourth-order stencil, 1e-6 for central")
        var epsilon: Double = GradCheckOptions.finiteDifferencesStrict.epsilon
        @Option(placeholder: "N", help: "Also run the fast directional check along N random unit directions (0 = off).", range: 0...100)
        var directions = 0
        @Option(help: CheckCommand.deltaHelp)
        var delta: DeltaIndex?
        @OptionGroup var output: OutputOptions

        init() {}

        func validate() throws { try delta?.validate(steps: model.steps) }

        func run(_ console: Console) throws -> Int32 {
            let config = model.configuration
            var options = GradCheckOptions.finiteDifferencesStrict
            options.stencil = stencil
            options.epsilon = $epsilon.isSet ? epsilon : (stencil == .central ? GradCheckOptions.finiteDifferences.epsilon : epsilon)
            let line = ProgressLine(console: console)
            let report = checkRNN(config, options: options) { p in
                line.show(p.total > 1 ? "checking: \(p.phase), \(p.done) of \(p.total) entries" : "checking: \(p.phase)…")
            }
            line.finish()
            var directional: DirectionalCheckReport?
            if directions > 0 {
                let (model, sequence) = config.makeProblem()
                directional = directionalRNNCheck(model, sequence, count: directions, seed: config.seed, options: options)
            }
            let passed = report.passed && (directional?.verdict ?? .pass) == .pass
            var requested: Matrix<Double>?
            if let d = delta {
                let (model, sequence) = config.makeProblem()
                requested = model.errorTerms(model.forward(sequence))[d.t, d.k]
            }
            if output.json {
                struct Output: Encodable {
                    let report: RNNCheckReport; let passed: Bool; let delta: Matrix<Double>?; let directional: DirectionalCheckReport?
                }
                console.print(try jsonString(Output(report: report, passed: passed, delta: requested, directional: directional)))
                return passed ? 0 : 1
            }
            console.print(describe(config))
            console.print("L = \(formatScalar(report.loss, digits: 12))\n")
            for part in [
                report.textbookVsAutodiff, report.doubleSumVsAccumulation,
                report.textbookVsFiniteDifferences, report.autodiffVsFiniteDifferences,
            ] {
                console.print(part.table() + "\n")
            }
            if let truncated = report.truncatedVsFiniteDifferences, !report.truncationChangesGradient {
                console.print(truncated.table())
                console.print(
                    "→ here truncation changes nothing (every path back in time is cut, e.g. all relu units off), so there is nothing to catch.\n"
                )
            } else if let truncated = report.truncatedVsFiniteDifferences {
                console.print(truncated.table())
                console.print(
                    report.truncatedCaught
                        ? "→ caught: the checker flags truncated BPTT as a wrong gradient.\n"
                        : "→ MISSED: the checker did not flag truncated BPTT.\n")
            } else {
                console.print("truncated BPTT: with T = 1 only the k = t term exists, so truncation changes nothing.\n")
            }
            let f = report.formula631
            console.print(
                "formula (6.31) at u_\(f.i)\(f.j): direct partials vs forward recursion, max rel diff \(sci(f.maxRelativeDifference)) over t = 1…\(config.steps); vs finite differences \(sci(f.maxFiniteDifferenceError))"
            )
            if let d = delta, let value = requested {
                console.print("\nδ_{\(d.t),\(d.k)} = ∂L_\(d.t)/∂z_\(d.k) =\n\(value.transposed.formatted(digits: 8))ᵀ")
            }
            if let directional { console.print("\n" + directional.table()) }
            console.print("\nverdict: \(passed ? "pass" : "fail")")
            return passed ? 0 : 1
        }
    }

    // MARK: - check formula

    enum FormulaNumber: String, EnumerableOptionValue {
        case f631 = "6.31", f639 = "6.39", f640 = "6.40", f641 = "6.41"
    }

    struct Formula: ParsableCommand {
        static let configuration = CommandConfiguration(
            name: "formula",
            abstract: "Show both sides of a textbook formula: 6.31, 6.39, 6.40 or 6.41.",
            discussion: """
                6.31: ∂L_t/∂u_ij = Σ_k (∂⁺z_k/∂u_ij)ᵀ δ_{t,k} (direct partials) against the forward recursion
                      dz_k/du_ij = ∂⁺z_k/∂u_ij + U diag(f'(z_{k-1})) dz_{k-1}/du_ij, for every t.
                6.39: ∂L/∂U = Σ_t Σ_k δ_{t,k} h_{k-1}ᵀ;  6.40: ∂L/∂W = Σ_t Σ_k δ_{t,k} x_kᵀ;  6.41: ∂L/∂b = Σ_t Σ_k δ_{t,k}
                (double sums against autodiff and finite differences). Indices i, j are one-based as in u_ij.
                """)

        @Argument(placeholder: "<formula>", help: "6.31, 6.39, 6.40 or 6.41.")
        var formula: FormulaNumber?
        @OptionGroup var model: ModelOptions
        @Option(placeholder: "I", help: "Row i of u_ij, for 6.31 (1…H).", range: 1...256, defaultText: "1")
        var i: Int?
        @Option(placeholder: "J", help: "Column j of u_ij, for 6.31 (1…H).", range: 1...256, defaultText: "2, or 1 when H = 1")
        var j: Int?
        @Option(help: CheckCommand.deltaHelp + " For 6.39, 6.40 and 6.41.")
        var delta: DeltaIndex?
        @OptionGroup var output: OutputOptions

        init() {}

        func validate() throws {
            guard let formula else {
                throw UsageError("which formula? expected one of: 6.31, 6.39, 6.40, 6.41 (e.g. 'workbench check formula 6.40')")
            }
            if formula == .f631 {
                if $delta.isSet { throw UsageError("option --delta applies to formulas 6.39, 6.40 and 6.41, not 6.31") }
                for (value, state) in [(i, $i), (j, $j)] {
                    if let v = value, v > model.hidden {
                        throw UsageError("option \(state.name) must be in 1…\(model.hidden) (the hidden size H), got \(v)")
                    }
                }
            } else {
                for state in [$i, $j] where state.isSet {
                    throw UsageError("option \(state.name) applies to formula 6.31 only (u_ij), not \(formula.rawValue)")
                }
                try delta?.validate(steps: model.steps)
                if formula == .f639 && model.steps * model.hidden * model.hidden > Self.maxStepsTimesHiddenSquared {
                    throw UsageError(
                        "formula 6.39 with --steps \(model.steps) --hidden \(model.hidden) is too large: finite differences of every "
                            + "entry of U cost O(T·H⁴); choose T·H² ≤ \(Self.maxStepsTimesHiddenSquared) (e.g. --steps 250 --hidden 64), "
                            + "or run 'workbench check rnn', which probes a sample of U")
                }
            }
        }

        /// The largest T·H² for formula 6.39: its finite differences probe all H² entries of U,
        /// each with a few T-step forward passes, O(T·H⁴) (about 20 s at T = 250, H = 64).
        static let maxStepsTimesHiddenSquared = 1_048_576

        func run(_ console: Console) throws -> Int32 {
            let config = model.configuration
            let (network, sequence) = config.makeProblem()
            let line = ProgressLine(console: console)
            line.show("checking formula \(formula!.rawValue), T = \(config.steps), H = \(config.hidden)…")
            defer { line.finish() }
            switch formula! {
            case .f631:
                let report = network.formula631(sequence, i: (i ?? 1) - 1, j: (j ?? min(2, config.hidden)) - 1)
                if output.json {
                    struct Output: Encodable { let configuration: RNNCheckConfiguration; let report: Formula631Report; let passed: Bool }
                    console.print(try jsonString(Output(configuration: config, report: report, passed: report.passed)))
                } else {
                    console.print(formula631Text(report, config))
                }
                return report.passed ? 0 : 1
            case .f639, .f640, .f641:
                let parameter: VanillaRNN.SummedParameter = formula == .f639 ? .recurrentWeight : formula == .f640 ? .inputWeight : .bias
                let report = network.formulaSum(sequence, parameter: parameter, configuration: config, delta: delta.map { ($0.t, $0.k) })
                if output.json {
                    struct Output: Encodable { let report: FormulaSumReport; let passed: Bool }
                    console.print(try jsonString(Output(report: report, passed: report.passed)))
                } else {
                    console.print(formulaSumText(report))
                }
                return report.passed ? 0 : 1
            }
        }
    }

    static func formula631Text(_ r: Formula631Report, _ c: RNNCheckConfiguration) -> String {
        var lines = [describe(c), ""]
        lines.append("Formula (6.31) for u_\(r.i)\(r.j):  ∂L_t/∂u_ij = Σ_{k=1}^{t} (∂⁺z_k/∂u_ij)ᵀ δ_{t,k}")
        lines.append("∂⁺z_k/∂u_ij is zero except entry i, which is h_{k-1,j}; the forward recursion differentiates through h_{k-1}:")
        lines.append("dz_k/du_ij = ∂⁺z_k/∂u_ij + U diag(f'(z_{k-1})) dz_{k-1}/du_ij,  ∂L_t/∂u_ij = δ_{t,t}ᵀ dz_t/du_ij\n")
        var rows = [["t", "Σ_k direct partials · δ", "forward recursion", "finite differences", "rel diff"]]
        for s in r.steps {
            rows.append([
                "\(s.t)", formatScalar(s.directPartialSum, digits: 12), formatScalar(s.forwardRecursion, digits: 12),
                formatScalar(s.finiteDifference, digits: 12), sci(r.relativeDifference(s)),
            ])
        }
        lines.append(renderTable(rows))
        lines.append("\nterms of the sum at t = T = \(c.steps):")
        var terms = [["k", "∂⁺z_k/∂u_ij (entry i) = h_{k-1,j}", "δ_{T,k}[i]", "product"]]
        for t in r.termsAtLastStep {
            terms.append([
                "\(t.k)", formatScalar(t.directPartial, digits: 10), formatScalar(t.delta, digits: 10), formatScalar(t.product, digits: 10),
            ])
        }
        lines.append(renderTable(terms))
        lines.append("\nmax rel diff, direct partials vs recursion: \(sci(r.maxRelativeDifference)) (bound \(sci(r.exactBound, 0)))")
        lines.append(
            "max rel diff, direct partials vs finite differences: \(sci(r.maxFiniteDifferenceError)) (bound \(sci(r.finiteDifferenceBound, 0)))"
        )
        lines.append("verdict: \(r.passed ? "pass" : "fail")")
        return lines.joined(separator: "\n")
    }

    static func formulaSumText(_ r: FormulaSumReport) -> String {
        var lines = [describe(r.configuration), ""]
        lines.append("Formula \(r.formula):  \(r.statement)")
        lines.append("with δ_{t,k} = ∂L_t/∂z_k, δ_{t,t} = f'(z_t) ⊙ ∂L_t/∂h_t, δ_{t,k} = diag(f'(z_k)) Uᵀ δ_{t,k+1}\n")
        let T = r.deltaNorms.count
        if T <= 12 {
            lines.append("‖δ_{t,k}‖ (row t, column k):")
            var rows = [["t \\ k"] + (1...max(T, 1)).map { "\($0)" }]
            for (t, norms) in r.deltaNorms.enumerated() {
                rows.append(["\(t + 1)"] + norms.map { sci($0, 3) } + Array(repeating: "", count: T - norms.count))
            }
            lines.append(renderTable(rows) + "\n")
        } else {
            lines.append("(T > 12: the ‖δ_{t,k}‖ table is in --json output)\n")
        }
        if let d = r.requestedDelta {
            lines.append("δ_{\(d.t),\(d.k)} = \(d.value.transposed.formatted(digits: 8))ᵀ\n")
        }
        lines.append("right side, the double sum:\n\(r.doubleSum.formatted(digits: 10))\n")
        lines.append("left side by autodiff:\n\(r.autodiff.formatted(digits: 10))\n")
        lines.append("left side by finite differences:\n\(r.finiteDifferences.formatted(digits: 10))\n")
        lines.append(r.doubleSumVsAutodiff.summary)
        lines.append(r.doubleSumVsFiniteDifferences.summary)
        lines.append("verdict: \(r.passed ? "pass" : "fail")")
        return lines.joined(separator: "\n")
    }
}
