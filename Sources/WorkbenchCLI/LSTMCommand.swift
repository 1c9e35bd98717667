// LSTMCommand.swift — `workbench lstm …`: the cell-state experiments of homework 5,
// exercise 3 (gate ranges, ∂C_t/∂C_k under forced gates, the full Jacobian against
// Π diag(f), gradient norm against time lag).
//
// Each subcommand calls one library function in Recurrent/LSTMExperiments.swift and formats
// its report as a table or, with --json, as JSON. Notation: PyTorch's gates (i, f, g, o) =
// the homework's (i_t, f_t, C̃_t, o_t).

import Foundation
import GradCheck
import WorkbenchNumerics
import Plotting
import Recurrent

enum LSTMCommand {
    static var spec: CommandSpec {
        CommandSpec(
            name: "lstm", abstract: "LSTM cell-state experiments: gate ranges, ∂C_t/∂C_k, gradient decay with lag.",
            discussion: """
            Random, seeded LSTMs in PyTorch's notation (gates i, f, g = C̃, o; c' = f⊙c + i⊙g;
            h' = o⊙tanh(c')). Jacobians go through every path, including through h.
            """,
            subcommands: [cellState, gates, jacobian, lag])
    }

    static let seedOption = OptionSpec("--seed", value: "N", help: "Seed of the random weights and inputs.", default: "1")

    // MARK: - check lstm (a subcommand of `workbench check`)

    static var checkSpec: CommandSpec {
        CommandSpec(
            name: "lstm",
            abstract: "Check an LSTM's gradients: hand-derived BPTT, autodiff, finite differences.",
            discussion: """
            Builds a seeded PyTorch-style LSTM (batch-first, gates i, f, g, o) with a linear head and
            compares every gradient — all layers' weight_ih, weight_hh, bias_ih, bias_hh, fc.weight,
            fc.bias and the initial states h0, c0 — three ways. (The PyTorch fixtures are compared by
            the test suite.)
            """,
            options: [
                OptionSpec("--layers", value: "L", help: "Stacked layers (1...4).", default: "2"),
                OptionSpec("--steps", value: "T", help: "Sequence length (1...200).", default: "5"),
                OptionSpec("--hidden", value: "H", help: "Hidden size (1...64).", default: "4"),
                OptionSpec("--input", value: "D", help: "Input size (1...64).", default: "3"),
                OptionSpec("--classes", value: "V", help: "Output classes of the linear head (2...100).", default: "5"),
                OptionSpec("--batch", value: "B", help: "Batch size (1...16).", default: "2"),
                OptionSpec("--loss", value: "KIND", help: "cross-entropy (mean over B·T) or squared (½‖y − target‖²).", default: "cross-entropy"),
                OptionSpec("--seed", value: "N", help: "Seed of the random model and data.", default: "0"),
                OptionSpec("--zero-initial-state", help: "Use h0 = c0 = 0 (PyTorch's default)."),
                OptionSpec("--epsilon", value: "ε", help: "Finite-difference step of the fourth-order stencil (1e-8...0.1).", default: "1e-3"),
                .json,
            ],
            run: { args, console in
                try args.expectPositional(max: 0)
                let loss = try args.choice("--loss", LSTMCheckConfiguration.Loss.allCases.map(\.rawValue), default: "cross-entropy")
                let config = LSTMCheckConfiguration(
                    layers: try args.int("--layers", default: 2, range: 1...4), steps: try args.int("--steps", default: 5, range: 1...200),
                    hidden: try args.int("--hidden", default: 4, range: 1...64), input: try args.int("--input", default: 3, range: 1...64),
                    classes: try args.int("--classes", default: 5, range: 2...100), batch: try args.int("--batch", default: 2, range: 1...16),
                    loss: LSTMCheckConfiguration.Loss(rawValue: loss)!, seed: try args.seed(default: 0),
                    nonzeroInitialState: !args.flag("--zero-initial-state"))
                var options = lstmFiniteDifferenceOptions
                options.epsilon = try args.double("--epsilon", default: options.epsilon, range: 1e-8...0.1)
                let report = checkLSTM(config, options: options)
                if args.flag("--json") {
                    struct Output: Encodable { let report: LSTMCheckReport; let passed: Bool }
                    console.print(try jsonString(Output(report: report, passed: report.passed)))
                } else {
                    let c = config
                    console.print("LSTM (PyTorch notation), L = \(c.layers), T = \(c.steps), H = \(c.hidden), D = \(c.input), V = \(c.classes), B = \(c.batch), \(c.loss.rawValue) loss, seed \(c.seed), h0/c0 \(c.nonzeroInitialState ? "random" : "zero")")
                    console.print("L = \(formatScalar(report.loss, digits: 12))\n")
                    for part in [report.handVsAutodiff, report.handVsFiniteDifferences, report.autodiffVsFiniteDifferences] {
                        console.print(part.table() + "\n")
                    }
                    console.print("verdict: \(report.passed ? "pass" : "fail")")
                }
                return report.passed ? 0 : 1
            })
    }

    // MARK: - cell-state

    static var cellState: CommandSpec {
        CommandSpec(
            name: "cell-state", abstract: "Force f and i and print ∂C_t/∂C_k for all k ≤ t (f = 1, i = 0 gives I).",
            discussion: """
            Forces the forget gate f and/or the input gate i to constants in every step, then
            propagates tangents forward through all paths (also through h and the other gates)
            to get ∂C_t/∂C_k, and compares it with the identity and with Π_{j=k+1}^t diag(f_j).
            """,
            options: [
                OptionSpec("--forget", value: "F", help: "Forced forget gate in [0, 1], or 'free' to compute it.", default: "1"),
                OptionSpec("--input", value: "I", help: "Forced input gate in [0, 1], or 'free' to compute it.", default: "0"),
                OptionSpec("--steps", value: "T", help: "Number of time steps (1...200).", default: "6"),
                OptionSpec("--hidden", value: "H", help: "Hidden units (1...256).", default: "4"),
                OptionSpec("--matrices", help: "Also print every ∂C_t/∂C_k matrix (and include them in --json)."),
                seedOption, .json,
            ],
            run: { args, console in
                try args.expectPositional(max: 0)
                let forget = try gateValue(args, "--forget", default: 1)
                let input = try gateValue(args, "--input", default: 0)
                let steps = try args.int("--steps", default: 6, range: 1...200)
                let hidden = try args.int("--hidden", default: 4, range: 1...256)
                let seed = try args.seed(default: 1)
                let report = try usage { try cellStateExperiment(forget: forget, input: input, steps: steps, hidden: hidden, seed: seed,
                                                                 includeMatrices: args.flag("--matrices")) }
                if args.flag("--json") { console.print(try jsonString(report)); return 0 }
                console.print(formatCellState(report))
                return 0
            })
    }

    static func gateValue(_ args: ParsedArguments, _ name: String, default d: Double) throws -> Double? {
        guard let raw = args.string(name) else { return d }
        if raw == "free" { return nil }
        guard let v = Double(raw), v.isFinite, v >= 0, v <= 1 else {
            throw UsageError("option \(name) expects a gate value in [0, 1] or 'free', got '\(raw)'")
        }
        return v
    }

    static func describe(_ v: Double?) -> String { v.map { formatScalar($0, digits: 4) } ?? "free" }

    static func formatCellState(_ r: LSTMCellStateReport) -> String {
        var lines = ["∂C_t/∂C_k through all paths, f = \(describe(r.forget)), i = \(describe(r.input)), T = \(r.steps), H = \(r.hidden), seed \(r.seed)"]
        var rows = [["t", "k", "diag mean", "max |off-diag|", "mean Π f", "max |J − Π diag f|", "max |J − I|"]]
        for row in r.rows {
            rows.append(["\(row.t)", "\(row.k)", formatScalar(row.diagonalMean, digits: 6), sci(row.offDiagonalMaxAbs),
                         formatScalar(row.forgetProductMean, digits: 6), sci(row.deviationFromForgetProduct), sci(row.deviationFromIdentity)])
        }
        lines.append(renderTable(rows))
        lines.append("max deviation from the identity:      \(sci(r.maxDeviationFromIdentity))")
        lines.append("max deviation from Π_{j=k+1}^t diag(f_j): \(sci(r.maxDeviationFromForgetProduct))")
        lines.append("")
        lines.append("other forced settings (T = \(r.steps)):")
        var other = [["f", "i", "max |J − Π diag f|", "diag mean ∂C_T/∂C_0", "mean Π f", "why"]]
        for c in r.otherCases {
            other.append([describe(c.forget), describe(c.input), sci(c.maxDeviationFromForgetProduct),
                          formatScalar(c.diagonalMeanAtLongestLag, digits: 6), formatScalar(c.forgetProductMeanAtLongestLag, digits: 6),
                          c.explanation])
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

    static var gates: CommandSpec {
        CommandSpec(
            name: "gates", abstract: "Observed ranges of i, f, o, g (C̃), C and h over many random LSTMs.",
            options: [
                OptionSpec("--trials", value: "N", help: "Number of random networks (1...100000).", default: "200"),
                OptionSpec("--steps", value: "T", help: "Time steps per network (1...10000).", default: "20"),
                OptionSpec("--hidden", value: "H", help: "Hidden units (1...1024).", default: "8"),
                seedOption, .json,
            ],
            run: { args, console in
                try args.expectPositional(max: 0)
                let trials = try args.int("--trials", default: 200, range: 1...100_000)
                let steps = try args.int("--steps", default: 20, range: 1...10_000)
                let hidden = try args.int("--hidden", default: 8, range: 1...1024)
                let seed = try args.seed(default: 1)
                let r = try usage { try gateRangeExperiment(trials: trials, steps: steps, hidden: hidden, seed: seed) }
                if args.flag("--json") { console.print(try jsonString(r)); return 0 }
                var rows = [["quantity", "observed min", "observed max", "allowed range", "always > 0", "why"]]
                for q in r.quantities {
                    rows.append([q.name, formatScalar(q.observedMin, digits: 6), formatScalar(q.observedMax, digits: 6), q.range,
                                 q.alwaysPositive ? "yes" : "no", q.reason])
                }
                console.print("\(r.trials) random LSTMs × \(r.steps) steps, H = \(r.hidden), seed \(r.seed) (\(r.sampling))")
                console.print(renderTable(rows))
                return 0
            })
    }

    // MARK: - jacobian

    static var jacobian: CommandSpec {
        CommandSpec(
            name: "jacobian", abstract: "Full ∂C_T/∂C_k (all paths) against the homework's Π diag(f), per lag.",
            options: [
                OptionSpec("--steps", value: "T", help: "Time steps (1...500).", default: "20"),
                OptionSpec("--hidden", value: "H", help: "Hidden units (1...128).", default: "8"),
                OptionSpec("--forget-bias", value: "B", help: "Forget-gate bias b_f (−20...20).", default: "0"),
                seedOption, .json,
            ],
            run: { args, console in
                try args.expectPositional(max: 0)
                let steps = try args.int("--steps", default: 20, range: 1...500)
                let hidden = try args.int("--hidden", default: 8, range: 1...128)
                let bias = try args.double("--forget-bias", default: 0, range: -20...20)
                let seed = try args.seed(default: 1)
                let r = try usage { try jacobianExperiment(steps: steps, hidden: hidden, forgetBias: bias, seed: seed) }
                if args.flag("--json") { console.print(try jsonString(r)); return 0 }
                var rows = [["lag T−k", "k", "‖∂C_T/∂C_k‖_F", "‖Π diag f‖_F", "‖difference‖_F", "relative"]]
                for row in r.rows {
                    rows.append(["\(row.lag)", "\(row.k)", sci(row.fullNorm, 4), sci(row.forgetProductNorm, 4), sci(row.differenceNorm, 4),
                                 sci(row.relativeDifference, 3)])
                }
                console.print("random LSTM, T = \(r.steps), H = \(r.hidden), b_f = \(formatScalar(r.forgetBias, digits: 4)), seed \(r.seed); mean f = \(formatScalar(r.meanForget, digits: 4))")
                console.print(renderTable(rows))
                return 0
            })
    }

    // MARK: - lag

    static var lag: CommandSpec {
        CommandSpec(
            name: "lag", abstract: "Gradient norm against time lag: vanilla tanh/sigmoid RNN vs LSTM with b_f = 0, 1, 3.",
            discussion: """
            For a loss at the last step, L_T = Σ_b uᵀ h_T[b], prints ‖∂L_T/∂h_k‖ of a tanh and a
            sigmoid RNN and ‖∂L_T/∂C_k‖ of LSTMs with forget-gate bias 0, 1 and 3, for k = T … 0,
            with each model's per-step decay rate (‖g_0‖/‖g_T‖)^(1/T) and, for the LSTMs, the mean
            forget gate.
            """,
            options: [
                OptionSpec("--steps", value: "T", help: "Time steps (1...2000).", default: "50"),
                OptionSpec("--hidden", value: "H", help: "Hidden units (1...512).", default: "32"),
                OptionSpec("--batch", value: "B", help: "Sequences averaged in the norm (1...256).", default: "8"),
                seedOption,
                OptionSpec("--plot", value: "FILE.svg", help: "Also write a log-scale SVG plot of the norms."),
                .json,
            ],
            run: { args, console in
                try args.expectPositional(max: 0)
                let steps = try args.int("--steps", default: 50, range: 1...2000)
                let hidden = try args.int("--hidden", default: 32, range: 1...512)
                let batch = try args.int("--batch", default: 8, range: 1...256)
                let seed = try args.seed(default: 1)
                let plot = args.string("--plot")
                if let path = plot, path.isEmpty || path.hasSuffix("/") {
                    throw UsageError("option --plot expects a file name, got '\(path)'")
                }
                let r = try usage { try lagExperiment(steps: steps, hidden: hidden, batch: batch, seed: seed) }
                if let path = plot { try writeLagPlot(r, to: path) }
                if args.flag("--json") { console.print(try jsonString(r)); return 0 }
                console.print(formatLag(r))
                if let path = plot { console.print("plot written to \(path)") }
                return 0
            })
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

    /// Writes the SVG atomically: to a temporary file beside the target, then renamed.
    static func writeLagPlot(_ r: LSTMLagReport, to path: String) throws {
        let series = r.models.map { m in
            LineChart.Series(name: "\(m.name) ‖∂L_T/∂\(m.state)‖", points: (0...r.steps).map { k in (Double(r.steps - k), m.norms[k]) })
        }
        let chart = LineChart(title: "Gradient norm against time lag (T = \(r.steps), H = \(r.hidden))", xLabel: "lag T − k",
                              yLabel: "norm", logY: true, series: series)
        try writeAtomically(chart.svg(width: 760, height: 460), to: path)
    }

    static func writeAtomically(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw RuntimeError("cannot write \(path): folder \(dir.path) does not exist")
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try Data(text.utf8).write(to: tmp)
            if FileManager.default.fileExists(atPath: url.path) {
                _ = try FileManager.default.replaceItemAt(url, withItemAt: tmp)
            } else {
                try FileManager.default.moveItem(at: tmp, to: url)
            }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw RuntimeError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Runs a library call, turning its invalid-settings error into a usage error (exit 2).
    static func usage<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as LSTMExperimentError { throw UsageError(e.description) }
    }
}
