// LSTMCommand.swift — `workbench lstm …`: the cell-state experiments of homework 5,
// exercise 3 (gate ranges, ∂C_t/∂C_k under forced gates, the full Jacobian against
// Π diag(f), gradient norm against time lag).
//
// Each subcommand calls one library function in Recurrent/LSTMExperiments.swift and formats
// its report as a table or, with --json, as JSON. Notation: PyTorch's gates (i, f, g, o) =
// the homework's (i_t, f_t, C̃_t, o_t).

import Foundation
import GradCheck
import Plotting
import Recurrent
import WorkbenchNumerics

extension LSTMCheckConfiguration.Loss: EnumerableOptionValue {}

struct LSTMCommand: CommandGroup {
    static let configuration = CommandConfiguration(
        name: "lstm", abstract: "LSTM cell-state experiments: gate ranges, ∂C_t/∂C_k, gradient decay with lag.",
        discussion: """
            Random, seeded LSTMs in PyTorch's notation (gates i, f, g = C̃, o; c' = f⊙c + i⊙g;
            h' = o⊙tanh(c')). Jacobians go through every path, including through h.
            """,
        subcommands: [CellState.self, Gates.self, Jacobian.self, Lag.self])

    init() {}

    /// The seed of the experiments' random weights and inputs.
    struct SeedOption: ParsableArguments {
        @Option(help: "Seed of the random weights and inputs.")
        var seed: UInt64 = 1
        init() {}
    }

    // MARK: - check lstm (a subcommand of `workbench check`)

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            name: "lstm",
            abstract: "Check an LSTM's gradients: hand-derived BPTT, autodiff, finite differences.",
            discussion: """
                Builds a seeded PyTorch-style LSTM (batch-first, gates i, f, g, o) with a linear head and
                compares every gradient — all layers' weight_ih, weight_hh, bias_ih, bias_hh, fc.weight,
                fc.bias and the initial states h0, c0 — three ways. (The PyTorch fixtures are compared by
                the test suite.)
                """)
        static let defaults = LSTMCheckConfiguration()

        @Option(placeholder: "L", help: "Stacked layers.", range: 1...4)
        var layers = defaults.layers
        @Option(placeholder: "T", help: "Sequence length.", range: 1...200)
        var steps = defaults.steps
        @Option(placeholder: "H", help: "Hidden size.", range: 1...64)
        var hidden = defaults.hidden
        @Option(placeholder: "D", help: "Input size.", range: 1...64)
        var input = defaults.input
        @Option(placeholder: "V", help: "Output classes of the linear head.", range: 2...100)
        var classes = defaults.classes
        @Option(placeholder: "B", help: "Batch size.", range: 1...16)
        var batch = defaults.batch
        @Option(help: "cross-entropy (mean over B·T) or squared (½‖y − target‖²).")
        var loss = defaults.loss
        @Option(help: "Seed of the random model and data.")
        var seed = defaults.seed
        @Flag(help: "Use h0 = c0 = 0 (PyTorch's default).")
        var zeroInitialState: Bool
        @Option(placeholder: "ε", help: "Finite-difference step of the fourth-order stencil.", range: 1e-8...0.1)
        var epsilon = lstmFiniteDifferenceOptions.epsilon
        @OptionGroup var output: OutputOptions

        init() {}

        func run(_ console: Console) throws -> Int32 {
            let config = LSTMCheckConfiguration(
                layers: layers, steps: steps, hidden: hidden, input: input, classes: classes,
                batch: batch, loss: loss, seed: seed, nonzeroInitialState: !zeroInitialState)
            var options = lstmFiniteDifferenceOptions
            options.epsilon = epsilon
            let line = ProgressLine(console: console)
            let report = checkLSTM(config, options: options) { p in
                line.show(p.total > 1 ? "checking: \(p.phase), \(p.done) of \(p.total) entries" : "checking: \(p.phase)…")
            }
            line.finish()
            if output.json {
                struct Output: Encodable { let report: LSTMCheckReport; let passed: Bool }
                console.print(try jsonString(Output(report: report, passed: report.passed)))
                return report.passed ? 0 : 1
            }
            let c = config
            console.print(
                "LSTM (PyTorch notation), L = \(c.layers), T = \(c.steps), H = \(c.hidden), D = \(c.input), V = \(c.classes), B = \(c.batch), \(c.loss.rawValue) loss, seed \(c.seed), h0/c0 \(c.nonzeroInitialState ? "random" : "zero")"
            )
            console.print("L = \(formatScalar(report.loss, digits: 12))\n")
            for part in [report.handVsAutodiff, report.handVsFiniteDifferences, report.autodiffVsFiniteDifferences] {
                console.print(part.table() + "\n")
            }
            console.print("verdict: \(report.passed ? "pass" : "fail")")
            return report.passed ? 0 : 1
        }
    }

    // MARK: - cell-state

    /// A gate forced to a constant in [0, 1], or left free to be computed.
    enum GateSetting: OptionValue, Equatable {
        case forced(Double), free
        static func parse(_ word: String) -> GateSetting? {
            if word == "free" { return .free }
            guard let v = Double(word), v.isFinite, v >= 0, v <= 1 else { return nil }
            return .forced(v)
        }
        static var placeholder: String { "VALUE" }
        static var expectation: String { "a gate value in [0, 1] or 'free'" }
        var helpDescription: String { value.map { formatScalar($0, digits: 4) } ?? "free" }
        var value: Double? { if case .forced(let v) = self { return v } else { return nil } }
    }

    struct CellState: ParsableCommand {
        static let configuration = CommandConfiguration(
            name: "cell-state", abstract: "Force f and i and print ∂C_t/∂C_k for all k ≤ t (f = 1, i = 0 gives I).",
            discussion: """
                Forces the forget gate f and/or the input gate i to constants in every step, then
                propagates tangents forward through all paths (also through h and the other gates)
                to get ∂C_t/∂C_k, and compares it with the identity and with Π_{j=k+1}^t diag(f_j).
                """)

        @Option(help: "Forced forget gate in [0, 1], or 'free' to compute it.")
        var forget = GateSetting.forced(1)
        @Option(help: "Forced input gate in [0, 1], or 'free' to compute it.")
        var input = GateSetting.forced(0)
        @Option(placeholder: "T", help: "Number of time steps.", range: 1...200)
        var steps = 6
        @Option(placeholder: "H", help: "Hidden units.", range: 1...256)
        var hidden = 4
        @Flag(help: "Also print every ∂C_t/∂C_k matrix (and include them in --json).")
        var matrices: Bool
        @OptionGroup var seed: SeedOption
        @OptionGroup var output: OutputOptions

        init() {}

        func run(_ console: Console) throws -> Int32 {
            let report = try cellStateExperiment(
                forget: forget.value, input: input.value, steps: steps, hidden: hidden,
                seed: seed.seed, includeMatrices: matrices)
            console.print(output.json ? try jsonString(report) : formatCellState(report))
            return 0
        }
    }

    static func describe(_ v: Double?) -> String { v.map { formatScalar($0, digits: 4) } ?? "free" }

    static func formatCellState(_ r: LSTMCellStateReport) -> String {
        var lines = [
            "∂C_t/∂C_k through all paths, f = \(describe(r.forget)), i = \(describe(r.input)), T = \(r.steps), H = \(r.hidden), seed \(r.seed)"
        ]
        var rows = [["t", "k", "diag mean", "max |off-diag|", "mean Π f", "max |J − Π diag f|", "max |J − I|"]]
        for row in r.rows {
            rows.append([
                "\(row.t)", "\(row.k)", formatScalar(row.diagonalMean, digits: 6), sci(row.offDiagonalMaxAbs),
                formatScalar(row.forgetProductMean, digits: 6), sci(row.deviationFromForgetProduct), sci(row.deviationFromIdentity),
            ])
        }
        lines.append(renderTable(rows))
        lines.append("max deviation from the identity:      \(sci(r.maxDeviationFromIdentity))")
        lines.append("max deviation from Π_{j=k+1}^t diag(f_j): \(sci(r.maxDeviationFromForgetProduct))")
        lines.append("")
        lines.append("other forced settings (T = \(r.steps)):")
        var other = [["f", "i", "max |J − Π diag f|", "diag mean ∂C_T/∂C_0", "mean Π f", "why"]]
        for c in r.otherCases {
            other.append([
                describe(c.forget), describe(c.input), sci(c.maxDeviationFromForgetProduct),
                formatScalar(c.diagonalMeanAtLongestLag, digits: 6), formatScalar(c.forgetProductMeanAtLongestLag, digits: 6),
                c.explanation,
            ])
        }
        lines.append(renderTable(other))
        if let matrices = r.jacobians {
            for t in matrices.indices {
                for k in matrices[t].indices {
                    lines.append("")
                    lines.append("∂C_\(t)/∂C_\(k) =")
                    lines.append(matrices[t][k].formatted(digits: 6))
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - gates

    struct Gates: ParsableCommand {
        static let configuration = CommandConfiguration(
            name: "gates", abstract: "Observed ranges of i, f, o, g (C̃), C and h over many random LSTMs.")

        @Option(placeholder: "N", help: "Number of random networks.", range: 1...100_000)
        var trials = 200
        @Option(placeholder: "T", help: "Time steps per network.", range: 1...10_000)
        var steps = 20
        @Option(placeholder: "H", help: "Hidden units.", range: 1...1024)
        var hidden = 8
        @OptionGroup var seed: SeedOption
        @OptionGroup var output: OutputOptions

        init() {}

        func run(_ console: Console) throws -> Int32 {
            let r = try gateRangeExperiment(trials: trials, steps: steps, hidden: hidden, seed: seed.seed)
            if output.json { console.print(try jsonString(r)); return 0 }
            var rows = [["quantity", "observed min", "observed max", "allowed range", "always > 0", "why"]]
            for q in r.quantities {
                rows.append([
                    q.name, formatScalar(q.observedMin, digits: 6), formatScalar(q.observedMax, digits: 6), q.range,
                    q.alwaysPositive ? "yes" : "no", q.reason,
                ])
            }
            console.print("\(r.trials) random LSTMs × \(r.steps) steps, H = \(r.hidden), seed \(r.seed) (\(r.sampling))")
            console.print(renderTable(rows))
            return 0
        }
    }

    // MARK: - jacobian

    struct Jacobian: ParsableCommand {
        static let configuration = CommandConfiguration(
            name: "jacobian", abstract: "Full ∂C_T/∂C_k (all paths) against the homework's Π diag(f), per lag.")

        @Option(placeholder: "T", help: "Time steps.", range: 1...500)
        var steps = 20
        @Option(placeholder: "H", help: "Hidden units.", range: 1...128)
        var hidden = 8
        @Option(placeholder: "B", help: "Forget-gate bias b_f.", range: -20...20)
        var forgetBias = 0.0
        @OptionGroup var seed: SeedOption
        @OptionGroup var output: OutputOptions

        init() {}

        func run(_ console: Console) throws -> Int32 {
            let r = try jacobianExperiment(steps: steps, hidden: hidden, forgetBias: forgetBias, seed: seed.seed)
            if output.json { console.print(try jsonString(r)); return 0 }
            var rows = [["lag T−k", "k", "‖∂C_T/∂C_k‖_F", "‖Π diag f‖_F", "‖difference‖_F", "relative"]]
            for row in r.rows {
                rows.append([
                    "\(row.lag)", "\(row.k)", sci(row.fullNorm, 4), sci(row.forgetProductNorm, 4), sci(row.differenceNorm, 4),
                    sci(row.relativeDifference, 3),
                ])
            }
            console.print(
                "random LSTM, T = \(r.steps), H = \(r.hidden), b_f = \(formatScalar(r.forgetBias, digits: 4)), seed \(r.seed); mean f = \(formatScalar(r.meanForget, digits: 4))"
            )
            console.print(renderTable(rows))
            return 0
        }
    }

    // MARK: - lag

    struct Lag: ParsableCommand {
        static let configuration = CommandConfiguration(
            name: "lag", abstract: "Gradient norm against time lag: vanilla tanh/sigmoid RNN vs LSTM with b_f = 0, 1, 3.",
            discussion: """
                For a loss at the last step, L_T = Σ_b uᵀ h_T[b], prints ‖∂L_T/∂h_k‖ of a tanh and a
                sigmoid RNN and ‖∂L_T/∂C_k‖ of LSTMs with forget-gate bias 0, 1 and 3, for k = T … 0,
                with each model's per-step decay rate (‖g_0‖/‖g_T‖)^(1/T) and, for the LSTMs, the mean
                forget gate.
                """)

        @Option(placeholder: "T", help: "Time steps.", range: 1...2000)
        var steps = 50
        @Option(placeholder: "H", help: "Hidden units.", range: 1...512)
        var hidden = 32
        @Option(placeholder: "B", help: "Sequences averaged in the norm.", range: 1...256)
        var batch = 8
        @OptionGroup var seed: SeedOption
        @Option(placeholder: "FILE.svg", help: "Also write a log-scale SVG plot of the norms (replaces the file).")
        var plot: String?
        @OptionGroup var output: OutputOptions

        init() {}

        func validate() throws { try checkPlotPath(plot) }

        func run(_ console: Console) throws -> Int32 {
            let r = try lagExperiment(steps: steps, hidden: hidden, batch: batch, seed: seed.seed)
            if let path = plot { try writeLagPlot(r, to: path) }
            if output.json { console.print(try jsonString(r)); return 0 }
            console.print(formatLag(r))
            if let path = plot { console.print("plot written to \(path)") }
            return 0
        }
    }

    static func formatLag(_ r: LSTMLagReport) -> String {
        var lines = ["gradient norm against lag, T = \(r.steps), H = \(r.hidden), B = \(r.batch), seed \(r.seed); \(r.loss)"]
        var header = ["k", "lag"]
        header += r.models.map { "\($0.name) ‖∂L/∂\($0.state)‖" }
        var rows = [header]
        // Every step for short sequences, otherwise about 20 rows (always k = T and k = 0).
        let stride = max(1, r.steps / 20)
        var ks = Array(Swift.stride(from: r.steps, through: 0, by: -stride))
        if ks.last != 0 { ks.append(0) }
        for k in ks {
            rows.append(["\(k)", "\(r.steps - k)"] + r.models.map { sci($0.norms[k], 3) })
        }
        lines.append(renderTable(rows))
        lines.append("")
        var summary = [["model", "decay rate per step", "mean forget gate"]]
        for m in r.models {
            summary.append([m.name, formatScalar(m.decayRate, digits: 4), m.meanForget.map { formatScalar($0, digits: 4) } ?? "-"])
        }
        lines.append(renderTable(summary))
        return lines.joined(separator: "\n")
    }

    /// Writes the SVG atomically (the old file, if any, is replaced whole).
    static func writeLagPlot(_ r: LSTMLagReport, to path: String) throws {
        let series = r.models.map { m in
            LineChart.Series(name: "\(m.name) ‖∂L_T/∂\(m.state)‖", points: (0...r.steps).map { k in (Double(r.steps - k), m.norms[k]) })
        }
        let chart = LineChart(
            title: "Gradient norm against time lag (T = \(r.steps), H = \(r.hidden))", xLabel: "lag T − k",
            yLabel: "norm", logY: true, series: series)
        try writePlot(chart, to: path)
    }
}
