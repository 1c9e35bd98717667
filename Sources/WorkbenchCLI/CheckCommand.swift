// CheckCommand.swift — `workbench check`: the gradient-verification suite and its parts.
//
//   workbench check                       every family, one row per quantity and method pair
//   workbench check rnn [options]         one vanilla-RNN configuration, every comparison
//   workbench check lstm [options]        one LSTM configuration (LSTMCommand.swift)
//   workbench check formula 6.31 --i --j  formula (6.31) against forward recursion
//   workbench check formula 6.40 | 6.41   both sides of (6.40) / (6.41)

import Foundation
import WorkbenchNumerics
import GradCheck
import Recurrent

enum CheckCommand {
    /// Families that contribute rows to `workbench check`. Each returns its rows.
    static var families: [(name: String, rows: (_ maxSteps: Int, _ seed: UInt64) -> [CheckSuiteRow])] {
        [
            ("rnn", { maxSteps, seed in rnnSuiteRows(steps: 1...maxSteps, seed: seed) }),
            ("lstm", { maxSteps, seed in lstmSuiteRows(maxSteps: maxSteps, seed: seed) }),
        ]
    }

    static var spec: CommandSpec {
        CommandSpec(
            name: "check",
            abstract: "Run the gradient checks: every family, or one of them in detail.",
            discussion: """
            Without a subcommand, runs the whole suite and prints one row per quantity: what was
            checked, the methods compared, the worst relative error over all cases, the bound and a
            verdict. A deliberately wrong gradient (truncated BPTT) must be 'caught'. The exit status
            is 0 only if every row succeeds.
            """,
            options: [
                OptionSpec("--max-steps", value: "T", help: "Check sequence lengths 1…T.", default: "20"),
                OptionSpec("--seed", value: "N", help: "Seed of the random models and data.", default: "0"),
                OptionSpec("--family", value: "NAME", help: "Only this family (\(families.map(\.name).joined(separator: ", ")))."),
                .json,
            ],
            subcommands: [rnnSpec, LSTMCommand.checkSpec, formulaSpec],
            run: { args, console in
                try args.expectPositional(max: 0)
                let maxSteps = try args.int("--max-steps", default: 20, range: 1...200)
                let seed = try args.seed(default: 0)
                var selected = families
                if let only = args.string("--family") {
                    selected = families.filter { $0.name == only }
                    if selected.isEmpty {
                        throw UsageError("option --family: unknown family '\(only)' (expected one of: \(families.map(\.name).joined(separator: ", ")))")
                    }
                }
                let report = CheckSuiteReport(rows: selected.flatMap { $0.rows(maxSteps, seed) })
                if args.flag("--json") {
                    console.print(try jsonString(report))
                } else {
                    console.print(report.table())
                }
                return report.verdict == .pass ? 0 : 1
            })
    }

    // MARK: - Model options shared by `check rnn` and `check formula`

    static let modelOptions: [OptionSpec] = [
        OptionSpec("--activation", value: "NAME", help: "f in h_k = f(z_k): tanh, sigmoid, relu or identity.", default: "tanh"),
        OptionSpec("--loss", value: "KIND", help: "squared (½‖h_t − y_t‖²) or softmax (cross-entropy through o_t = V h_t + c).", default: "squared"),
        OptionSpec("--steps", value: "T", help: "Sequence length T (1…1000).", default: "6"),
        OptionSpec("--hidden", value: "H", help: "Hidden size H (1…256).", default: "4"),
        OptionSpec("--input", value: "D", help: "Input size D (1…256).", default: "3"),
        OptionSpec("--classes", value: "C", help: "Output classes C of the softmax loss (2…1000).", default: "5"),
        OptionSpec("--seed", value: "N", help: "Seed of the random model and sequence.", default: "0"),
        OptionSpec("--zero-initial-state", help: "Use h_0 = 0 (then every k = 1 term of ∂L/∂U vanishes)."),
    ]

    static func configuration(_ args: ParsedArguments) throws -> RNNCheckConfiguration {
        let activation = try args.choice("--activation", Activation.allCases.map(\.rawValue), default: "tanh")
        let loss = try args.choice("--loss", RNNLossKind.allCases.map(\.rawValue), default: "squared")
        return RNNCheckConfiguration(
            activation: Activation(rawValue: activation)!, loss: RNNLossKind(rawValue: loss)!,
            steps: try args.int("--steps", default: 6, range: 1...1000),
            hidden: try args.int("--hidden", default: 4, range: 1...256),
            input: try args.int("--input", default: 3, range: 1...256),
            classes: try args.int("--classes", default: 5, range: 2...1000),
            seed: try args.seed(default: 0),
            nonzeroInitialState: !args.flag("--zero-initial-state"))
    }

    static func describe(_ c: RNNCheckConfiguration) -> String {
        var s = "vanilla RNN (NNDL notation): z_k = U h_{k-1} + W x_k + b, h_k = \(c.activation.rawValue)(z_k); "
        s += c.loss == .squared ? "L = Σ_t ½‖h_t − y_t‖²" : "L = Σ_t CE(softmax(V h_t + c), y_t)"
        s += "\nT = \(c.steps), H = \(c.hidden), D = \(c.input)"
        if c.loss == .softmax { s += ", C = \(c.classes)" }
        s += ", seed \(c.seed), h_0 \(c.nonzeroInitialState ? "random (nonzero)" : "= 0")"
        return s
    }

    /// `--delta t,k` → (t, k), validated against T.
    static func deltaOption(_ args: ParsedArguments, steps: Int) throws -> (t: Int, k: Int)? {
        guard let raw = args.string("--delta") else { return nil }
        let parts = raw.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let t = parts[0], let k = parts[1] else {
            throw UsageError("option --delta expects 't,k' (two integers), got '\(raw)'")
        }
        guard (1...steps).contains(t), (1...t).contains(k) else {
            throw UsageError("option --delta: δ_{t,k} exists only for 1 ≤ k ≤ t ≤ T = \(steps), got t = \(t), k = \(k)")
        }
        return (t, k)
    }

    static let deltaSpec = OptionSpec("--delta", value: "t,k", help: "Also print the error term δ_{t,k} = ∂L_t/∂z_k (1 ≤ k ≤ t ≤ T).")

    // MARK: - check rnn

    static var rnnSpec: CommandSpec {
        CommandSpec(
            name: "rnn",
            abstract: "Check a vanilla RNN's gradients: textbook BPTT, autodiff, finite differences.",
            discussion: """
            Computes ∂L/∂U, ∂L/∂W, ∂L/∂b, ∂L/∂h_0 (and ∂L/∂V, ∂L/∂c for the softmax loss) by the
            textbook double sums over δ_{t,k}, by the O(T) backward accumulation, by reverse-mode
            autodiff and by finite differences, and shows that truncated BPTT (k = t only) is caught.
            """,
            options: modelOptions + [
                OptionSpec("--epsilon", value: "ε", help: "Finite-difference step.", default: "1e-4 (fourth-order stencil)"),
                OptionSpec("--stencil", value: "KIND", help: "central or fourth-order.", default: "fourth-order"),
                OptionSpec("--directions", value: "N", help: "Also run the fast directional check along N random unit directions (0 = off).", default: "0"),
                deltaSpec, .json,
            ],
            run: { args, console in
                try args.expectPositional(max: 0)
                let config = try configuration(args)
                let directions = try args.int("--directions", default: 0, range: 0...100)
                var options = GradCheckOptions.finiteDifferencesStrict
                let stencil = try args.choice("--stencil", Stencil.allCases.map(\.rawValue), default: options.stencil.rawValue)
                options.stencil = Stencil(rawValue: stencil)!
                options.epsilon = try args.double("--epsilon", default: options.stencil == .central ? 1e-6 : 1e-4, range: 1e-12...1)
                let delta = try deltaOption(args, steps: config.steps)
                let report = checkRNN(config, options: options)
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
                if args.flag("--json") {
                    struct Output: Encodable { let report: RNNCheckReport; let passed: Bool; let delta: Matrix<Double>?; let directional: DirectionalCheckReport? }
                    console.print(try jsonString(Output(report: report, passed: passed, delta: requested, directional: directional)))
                } else {
                    console.print(describe(config))
                    console.print("L = \(formatScalar(report.loss, digits: 12))\n")
                    for part in [report.textbookVsAutodiff, report.doubleSumVsAccumulation,
                                 report.textbookVsFiniteDifferences, report.autodiffVsFiniteDifferences] {
                        console.print(part.table() + "\n")
                    }
                    if let truncated = report.truncatedVsFiniteDifferences, !report.truncationChangesGradient {
                        console.print(truncated.table())
                        console.print("→ here truncation changes nothing (every path back in time is cut, e.g. all relu units off), so there is nothing to catch.\n")
                    } else if let truncated = report.truncatedVsFiniteDifferences {
                        console.print(truncated.table())
                        console.print(report.truncatedCaught
                            ? "→ caught: the checker flags truncated BPTT as a wrong gradient.\n"
                            : "→ MISSED: the checker did not flag truncated BPTT.\n")
                    } else {
                        console.print("truncated BPTT: with T = 1 only the k = t term exists, so truncation changes nothing.\n")
                    }
                    let f = report.formula631
                    console.print("formula (6.31) at u_\(f.i)\(f.j): direct partials vs forward recursion, max rel diff \(sci(f.maxRelativeDifference)) over t = 1…\(config.steps); vs finite differences \(sci(f.maxFiniteDifferenceError))")
                    if let d = delta, let value = requested {
                        console.print("\nδ_{\(d.t),\(d.k)} = ∂L_\(d.t)/∂z_\(d.k) =\n\(value.transposed.formatted(digits: 8))ᵀ")
                    }
                    if let directional { console.print("\n" + directional.table()) }
                    console.print("\nverdict: \(passed ? "pass" : "fail")")
                }
                return passed ? 0 : 1
            })
    }

    // MARK: - check formula

    static var formulaSpec: CommandSpec {
        CommandSpec(
            name: "formula",
            abstract: "Show both sides of a textbook formula: 6.31, 6.39, 6.40 or 6.41.",
            discussion: """
            6.31: ∂L_t/∂u_ij = Σ_k (∂⁺z_k/∂u_ij)ᵀ δ_{t,k} (direct partials) against the forward recursion
                  dz_k/du_ij = ∂⁺z_k/∂u_ij + U diag(f'(z_{k-1})) dz_{k-1}/du_ij, for every t.
            6.39: ∂L/∂U = Σ_t Σ_k δ_{t,k} h_{k-1}ᵀ;  6.40: ∂L/∂W = Σ_t Σ_k δ_{t,k} x_kᵀ;  6.41: ∂L/∂b = Σ_t Σ_k δ_{t,k}
            (double sums against autodiff and finite differences). Indices i, j are one-based as in u_ij.
            """,
            arguments: [("<formula>", "6.31, 6.39, 6.40 or 6.41")],
            options: modelOptions + [
                OptionSpec("--i", value: "I", help: "Row i of u_ij for 6.31 (1…H).", default: "1"),
                OptionSpec("--j", value: "J", help: "Column j of u_ij for 6.31 (1…H).", default: "2, or 1 when H = 1"),
                deltaSpec, .json,
            ],
            run: { args, console in
                try args.expectPositional(max: 1)
                guard let which = args.positional.first else {
                    throw UsageError("which formula? expected one of: 6.31, 6.39, 6.40, 6.41 (e.g. 'workbench check formula 6.40')")
                }
                let config = try configuration(args)
                let (model, sequence) = config.makeProblem()
                switch which {
                case "6.31":
                    let i = try args.int("--i", default: 1, range: 1...config.hidden)
                    let j = try args.int("--j", default: min(2, config.hidden), range: 1...config.hidden)
                    let report = model.formula631(sequence, i: i - 1, j: j - 1)
                    let passed = report.maxRelativeDifference <= 1e-10 && report.maxFiniteDifferenceError <= 1e-6
                    if args.flag("--json") {
                        struct Output: Encodable { let configuration: RNNCheckConfiguration; let report: Formula631Report; let passed: Bool }
                        console.print(try jsonString(Output(configuration: config, report: report, passed: passed)))
                    } else {
                        console.print(formula631Text(report, config))
                    }
                    return passed ? 0 : 1
                case "6.39", "6.40", "6.41":
                    let parameter: VanillaRNN.SummedParameter = which == "6.39" ? .recurrentWeight : which == "6.40" ? .inputWeight : .bias
                    let delta = try deltaOption(args, steps: config.steps)
                    let report = model.formulaSum(sequence, parameter: parameter, configuration: config, delta: delta)
                    if args.flag("--json") {
                        struct Output: Encodable { let report: FormulaSumReport; let passed: Bool }
                        console.print(try jsonString(Output(report: report, passed: report.passed)))
                    } else {
                        console.print(formulaSumText(report))
                    }
                    return report.passed ? 0 : 1
                default:
                    throw UsageError("unknown formula '\(which)' (expected one of: 6.31, 6.39, 6.40, 6.41)")
                }
            })
    }

    static func formula631Text(_ r: Formula631Report, _ c: RNNCheckConfiguration) -> String {
        var lines = [describe(c), ""]
        lines.append("Formula (6.31) for u_\(r.i)\(r.j):  ∂L_t/∂u_ij = Σ_{k=1}^{t} (∂⁺z_k/∂u_ij)ᵀ δ_{t,k}")
        lines.append("∂⁺z_k/∂u_ij is zero except entry i, which is h_{k-1,j}; the forward recursion differentiates through h_{k-1}:")
        lines.append("dz_k/du_ij = ∂⁺z_k/∂u_ij + U diag(f'(z_{k-1})) dz_{k-1}/du_ij,  ∂L_t/∂u_ij = δ_{t,t}ᵀ dz_t/du_ij\n")
        var rows = [["t", "Σ_k direct partials · δ", "forward recursion", "finite differences", "rel diff"]]
        for s in r.steps {
            let rel = abs(s.directPartialSum - s.forwardRecursion) / max(abs(s.directPartialSum), abs(s.forwardRecursion), 1e-300)
            rows.append(["\(s.t)", formatScalar(s.directPartialSum, digits: 12), formatScalar(s.forwardRecursion, digits: 12),
                         formatScalar(s.finiteDifference, digits: 12), sci(s.directPartialSum == s.forwardRecursion ? 0 : rel)])
        }
        lines.append(renderTable(rows))
        lines.append("\nterms of the sum at t = T = \(c.steps):")
        var terms = [["k", "∂⁺z_k/∂u_ij (entry i) = h_{k-1,j}", "δ_{T,k}[i]", "product"]]
        for t in r.termsAtLastStep {
            terms.append(["\(t.k)", formatScalar(t.directPartial, digits: 10), formatScalar(t.delta, digits: 10), formatScalar(t.product, digits: 10)])
        }
        lines.append(renderTable(terms))
        let passed = r.maxRelativeDifference <= 1e-10 && r.maxFiniteDifferenceError <= 1e-6
        lines.append("\nmax rel diff, direct partials vs recursion: \(sci(r.maxRelativeDifference)) (bound 1e-10)")
        lines.append("max rel diff, direct partials vs finite differences: \(sci(r.maxFiniteDifferenceError)) (bound 1e-6)")
        lines.append("verdict: \(passed ? "pass" : "fail")")
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
