// SpectralCommand.swift — `workbench spectral eig|power|regimes|rnn`: eigen-decompositions,
// matrix powers and the vanishing / exploding gradient experiments of homework 5, exercise 2.
//
// Thin layer: each subcommand reads its options, calls one library function of the Spectral
// module (eigReport, powerReport, regimesReport, rnnGradientReport) and formats the report
// as text or JSON; `--plot` draws ‖Wⁿ‖₂ (or ‖∂h_T/∂h_k‖₂) against n with the Plotting module.

import Foundation
import WorkbenchNumerics
import Plotting
import Spectral

enum SpectralCommand {
    static var spec: CommandSpec {
        CommandSpec(
            name: "spectral",
            abstract: "Eigenvalues, matrix powers and why RNN gradients vanish or explode.",
            discussion: """
            Matrices are given inline, rows separated by ';' and entries by ',' (quote them):
              --matrix "0.58,0.24;0.24,0.72"
            or in a file with one row per line (spaces or commas; blank lines and # comments
            ignored): --matrix-file W.txt. Without either, the homework's W is used.
            """,
            subcommands: [eig, power, regimes, rnn]
        )
    }

    // MARK: - Options

    static let matrixOption = OptionSpec("--matrix", value: "ROWS", help: "The matrix inline: rows separated by ';', entries by ',' (e.g. \"0.58,0.24;0.24,0.72\").")
    static let matrixFileOption = OptionSpec("--matrix-file", value: "PATH", help: "Read the matrix from a file: one row per line, entries separated by spaces or commas, '#' comments.")
    static let plotOption = OptionSpec("--plot", value: "FILE.svg", help: "Also write an SVG chart of ‖Wⁿ‖₂ against n to FILE.svg.")
    static let rnnPlotOption = OptionSpec("--plot", value: "FILE.svg", help: "Also write an SVG chart of ‖∂h_T/∂h_k‖₂ against T − k to FILE.svg.")

    static func nOption(_ help: String, default d: Int) -> OptionSpec {
        OptionSpec("--n", value: "N", help: help, default: String(d))
    }

    // MARK: - Subcommands

    static var eig: CommandSpec {
        CommandSpec(
            name: "eig",
            abstract: "Decompose W = Q Λ Q⁻¹ and report the residual ‖WQ − QΛ‖.",
            discussion: "Symmetric W: cyclic Jacobi. Any other square W: Hessenberg reduction + Francis double-shift QR, complex eigenvalues and eigenvectors, and the condition number κ₂(Q) (a Jordan block is reported as nearly defective).",
            options: [matrixOption, matrixFileOption, nOption("Largest power in the ‖Wⁿ‖₂ chart and sparkline.", default: 30), plotOption, .json],
            run: { args, console in
                try args.expectPositional(max: 0)
                let w = try loadMatrix(args) ?? HomeworkClaims.matrix
                let n = try args.int("--n", default: 30, range: 0...100_000)
                let plot = try plotPath(args)
                let report = try library { try eigReport(w) }
                let norms = powerNorms(w, maxN: n, spectralRadius: report.spectralRadius)
                if let path = plot { try writePlot(normsChart(title: "‖Wⁿ‖₂ against n", norms: norms), to: path) }
                if args.flag("--json") {
                    console.print(try jsonString(report))
                } else {
                    console.print(formatEig(report, norms: norms))
                }
                return 0
            }
        )
    }

    static var power: CommandSpec {
        CommandSpec(
            name: "power",
            abstract: "Compute Wⁿ by Q Λⁿ Q⁻¹ and by multiplication, and compare (homework 2(c)).",
            discussion: "For the homework's W and n = 30 the result is also compared, entry by entry, with the W³⁰ printed in the worked solution.",
            options: [matrixOption, matrixFileOption, nOption("The power n.", default: 30), plotOption, .json],
            run: { args, console in
                try args.expectPositional(max: 0)
                let w = try loadMatrix(args) ?? HomeworkClaims.matrix
                let n = try args.int("--n", default: 30, range: 0...1_000_000)
                let plot = try plotPath(args)
                let report = try library { try powerReport(w, n: n) }
                if let path = plot { try writePlot(normsChart(title: "‖Wⁿ‖₂ against n", norms: report.norms), to: path) }
                if args.flag("--json") {
                    console.print(try jsonString(report))
                } else {
                    console.print(formatPower(report))
                }
                return 0
            }
        )
    }

    static var regimes: CommandSpec {
        CommandSpec(
            name: "regimes",
            abstract: "Wⁿ when all |λ| < 1, some |λ| > 1, |λ| = 1 — with counterexamples and verdicts.",
            discussion: "Built-in cases: the homework's W, a non-normal contraction, one eigenvalue above 1, the identity, a rotation, a reflection and the Jordan block [[1,1],[0,1]]. --matrix adds your own.",
            options: [matrixOption, matrixFileOption, nOption("Largest power examined.", default: 30), plotOption, .json],
            run: { args, console in
                try args.expectPositional(max: 0)
                let extra = try loadMatrix(args)
                let n = try args.int("--n", default: 30, range: 1...100_000)
                let plot = try plotPath(args)
                let report = try library { try regimesReport(n: n, extra: extra) }
                if let path = plot {
                    let chart = LineChart(title: "‖Wⁿ‖₂ against n in each regime", xLabel: "n", yLabel: "‖Wⁿ‖₂", logY: true,
                                          series: report.cases.map { c in .init(name: c.name, points: c.norms.map { (Double($0.n), $0.norm) }) })
                    try writePlot(chart, to: path)
                }
                if args.flag("--json") {
                    console.print(try jsonString(report))
                } else {
                    console.print(formatRegimes(report))
                }
                return 0
            }
        )
    }

    static var rnn: CommandSpec {
        CommandSpec(
            name: "rnn",
            abstract: "Measure ‖∂h_T/∂h_k‖ in seeded RNN runs against the bound (σ_max γ)^(T−k).",
            discussion: "The backpropagated product is Π diag(f'(z_j)) W, not Wⁿ. The cases show a W with spectral radius > 1 whose gradient still vanishes, and the sufficient condition σ_max(W) < 1/γ (Pascanu, Mikolov & Bengio 2013). --matrix adds a tanh run with your own W.",
            options: [matrixOption, matrixFileOption, nOption("Time steps T.", default: 40),
                      OptionSpec("--hidden", value: "H", help: "Hidden units H of the built-in cases.", default: "8"),
                      OptionSpec("--seed", value: "SEED", help: "Seed of the weights and inputs.", default: "1"),
                      rnnPlotOption, .json],
            run: { args, console in
                try args.expectPositional(max: 0)
                let custom = try loadMatrix(args)
                if let w = custom, w.rows > 32 {
                    throw UsageError("--matrix: rnn takes a recurrent W of at most 32×32, got \(w.rows)×\(w.cols)")
                }
                let steps = try args.int("--n", default: 40, range: 1...1_000)
                let hidden = try args.int("--hidden", default: 8, range: 1...32)
                let seed = try args.seed(default: 1)
                let plot = try plotPath(args)
                let report = try library { try rnnGradientReport(seed: seed, hidden: hidden, steps: steps, customW: custom) }
                if let path = plot {
                    var series = report.cases.map { c in
                        LineChart.Series(name: "\(c.name): measured", points: c.points.map { (Double($0.distance), $0.measured) })
                    }
                    for c in report.cases where c.pascanuConditionHolds {
                        series.append(.init(name: "\(c.name): bound (σ_max γ)^(T−k)", points: c.points.map { (Double($0.distance), $0.bound) }))
                    }
                    try writePlot(LineChart(title: "‖∂h_T/∂h_k‖₂ against T − k", xLabel: "T − k", yLabel: "‖∂h_T/∂h_k‖₂", logY: true, series: series), to: path)
                }
                if args.flag("--json") {
                    console.print(try jsonString(report))
                } else {
                    console.print(formatRNN(report))
                }
                return 0
            }
        )
    }

    // MARK: - Input

    /// The matrix from --matrix or --matrix-file (nil when neither is given). Bad input is a
    /// usage error (exit 2) naming the row and the value.
    static func loadMatrix(_ args: ParsedArguments) throws -> Matrix<Double>? {
        let inline = args.string("--matrix"), file = args.string("--matrix-file")
        if inline != nil && file != nil { throw UsageError("give either --matrix or --matrix-file, not both") }
        do {
            if let text = inline { return try MatrixText.parseInline(text) }
            if let path = file {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                    throw UsageError("--matrix-file: no such file '\(path)'")
                }
                guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                    throw UsageError("--matrix-file: cannot read '\(path)' as UTF-8 text")
                }
                return try MatrixText.parseFile(contents: text, path: path)
            }
        } catch let error as MatrixInputError {
            throw UsageError(error.description)
        }
        return nil
    }

    /// The --plot path, checked before any work: it must end in .svg and its folder must exist.
    static func plotPath(_ args: ParsedArguments) throws -> String? {
        guard let path = args.string("--plot") else { return nil }
        guard path.lowercased().hasSuffix(".svg") else { throw UsageError("--plot: '\(path)' must end in .svg") }
        let folder = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !folder.isEmpty, !(FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw UsageError("--plot: folder '\(folder)' does not exist")
        }
        return path
    }

    /// Runs a library call, turning its typed errors into CLI errors.
    static func library<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SpectralError {
            switch error {
            case .noConvergence: throw RuntimeError(error.description)
            default: throw UsageError(error.description)
            }
        }
    }

    /// Writes the chart to a temporary file beside `path`, then renames it into place, so
    /// that `path` is either the old file or the complete new one.
    static func writePlot(_ chart: LineChart, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try Data(chart.svg(width: 760, height: 480 + 16 * max(0, chart.series.count - 2)).utf8).write(to: temp)
            if rename(temp.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temp)
                throw RuntimeError("--plot: cannot move the chart into '\(path)': \(reason)")
            }
        } catch let error as RuntimeError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw RuntimeError("--plot: cannot write '\(path)': \(error.localizedDescription)")
        }
    }

    static func normsChart(title: String, norms: [NormPoint]) -> LineChart {
        LineChart(title: title, xLabel: "n", yLabel: "norm", logY: true, series: [
            .init(name: "‖Wⁿ‖₂", points: norms.map { (Double($0.n), $0.norm) }, markers: norms.count <= 60),
            .init(name: "ρ(W)ⁿ", points: norms.map { (Double($0.n), $0.spectralRadiusPower) }),
        ])
    }

    // MARK: - Text formatting

    static func g(_ x: Double) -> String { formatScalar(x, digits: 6) }
    static func g3(_ x: Double) -> String { formatScalar(x, digits: 3) }

    static func indent(_ text: String, _ spaces: Int = 2) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { String(repeating: " ", count: spaces) + $0 }.joined(separator: "\n")
    }

    static func complexBlock(_ m: ComplexMatrix) -> String {
        m.isReal ? indent(m.realPart.formatted(digits: 6)) : indent(m.formatted(digits: 6))
    }

    /// A sparkline of log₁₀ of positive values, rounded to 1e-9 so that rounding noise in a
    /// constant series (‖Rⁿ‖₂ = 1 ± 1e-16 for a rotation) does not show as structure.
    static func logSparkline(_ values: [Double]) -> String {
        sparkline(values.map { $0 > 0 ? (log10($0) * 1e9).rounded() / 1e9 : .nan })
    }

    /// "n=0 1, n=1 0.9, …" at a few n, plus a sparkline over all sampled n.
    static func normLines(_ norms: [NormPoint]) -> [String] {
        guard let last = norms.last else { return [] }
        let marks = Set([0, 1, 2, 5, 10, 20, 30, 50, 100, last.n])
        let picked = norms.filter { marks.contains($0.n) }
        return [
            "‖Wⁿ‖₂ for n = 0…\(last.n): " + logSparkline(norms.map(\.norm)) + "  (log scale)",
            "  " + picked.map { "n=\($0.n): \(g3($0.norm))" }.joined(separator: ", "),
            "  ρⁿ at n=\(last.n): \(g3(last.spectralRadiusPower))",
        ]
    }

    static func formatEig(_ r: EigReport, norms: [NormPoint]) -> String {
        var lines: [String] = []
        lines.append("W (\(r.matrix.rows)×\(r.matrix.cols)):")
        lines.append(indent(r.matrix.formatted(digits: 6)))
        lines.append("method: \(r.method)")
        lines.append("eigenvalues (descending |λ|): " + r.eigenvalues.map { $0.formatted(digits: 6) }.joined(separator: ", "))
        lines.append("Q (unit eigenvectors in columns):")
        lines.append(complexBlock(r.q))
        lines.append("Λ:")
        lines.append(complexBlock(r.lambda))
        if let qi = r.qInverse {
            lines.append("Q⁻¹:")
            lines.append(complexBlock(qi))
        } else {
            lines.append("Q⁻¹: does not exist (Q is singular)")
        }
        lines.append("residual ‖WQ − QΛ‖_F = \(g3(r.residual))  (relative to ‖W‖_F: \(g3(r.relativeResidual)))")
        if let e = r.reconstructionError { lines.append("reconstruction ‖W − QΛQ⁻¹‖_F / ‖W‖_F = \(g3(e))") }
        if let o = r.orthogonalityError { lines.append("orthogonality ‖QᵀQ − I‖_F = \(g3(o))") }
        lines.append("κ₂(Q) = \(g3(r.conditionNumber))\(r.isNearlyDefective ? "  NEARLY DEFECTIVE" : ""); spectral radius ρ = \(g(r.spectralRadius)); ‖W‖₂ = σ_max = \(g(r.singularValues.first ?? 0))")
        lines.append("singular values: " + r.singularValues.prefix(12).map(g).joined(separator: ", ") + (r.singularValues.count > 12 ? ", …" : ""))
        lines.append(contentsOf: normLines(norms))
        if !r.notes.isEmpty {
            lines.append("notes:")
            lines.append(contentsOf: r.notes.map { "  - " + $0 })
        }
        return lines.joined(separator: "\n")
    }

    static func formatPower(_ r: PowerReport) -> String {
        var lines: [String] = []
        let fixed = { (m: Matrix<Double>) in indent(m.formatted(digits: 6, fixed: true)) }
        lines.append("W (\(r.matrix.rows)×\(r.matrix.cols)), eigenvalues " + r.eigenvalues.map { $0.formatted(digits: 6) }.joined(separator: ", ") + ", n = \(r.n)")
        if let e = r.byEigenDecomposition {
            lines.append("W^\(r.n) by Q Λ^\(r.n) Q⁻¹ (max |imaginary residue| \(g3(r.eigenImaginaryResidue ?? 0))):")
            lines.append(fixed(e))
        } else {
            lines.append("W^\(r.n) by Q Λ^\(r.n) Q⁻¹: not available (Q is singular)")
        }
        lines.append("W^\(r.n) by repeated squaring (\(r.squaringMultiplications) products):")
        lines.append(fixed(r.byRepeatedSquaring))
        if let s = r.bySuccessiveMultiplication {
            lines.append("W^\(r.n) by successive multiplication W·W·…·W: max |difference| from squaring \(r.successiveVersusSquaring.map(g3) ?? "— (overflow)")")
            if r.matrix.rows <= 6 { lines.append(fixed(s)) }
        }
        if let d = r.eigenVersusSquaring {
            lines.append("max |Q Λⁿ Q⁻¹ − squaring| = \(g3(d)) (relative \(g3(r.eigenVersusSquaringRelative ?? 0)))")
        }
        lines.append("κ₂(Q) = \(g3(r.conditionNumber))\(r.isNearlyDefective ? "  NEARLY DEFECTIVE" : ""), ρ = \(g(r.spectralRadius))")
        if let c = r.printedComparison {
            lines.append("")
            lines.append("Compared with \(c.source):")
            lines.append("  entry   computed        rounded   printed   verdict")
            for e in c.entries {
                let computed = formatScalar(e.computed, digits: 10, fixed: true)
                lines.append("  (\(e.row),\(e.col))   \(computed)   \(e.computedRounded)  \(e.claimed)  \(e.agrees ? "ok" : "DIFFERS"): \(e.explanation)")
            }
            lines.append("  " + c.summary)
        }
        lines.append("")
        lines.append(contentsOf: normLines(r.norms))
        if !r.notes.isEmpty {
            lines.append("notes:")
            lines.append(contentsOf: r.notes.map { "  - " + $0 })
        }
        return lines.joined(separator: "\n")
    }

    static func formatRegimes(_ r: RegimesReport) -> String {
        var lines: [String] = ["Powers Wⁿ for n = 0…\(r.n)", ""]
        for c in r.cases {
            lines.append("\(c.name) [\(c.regime)]: W = \(c.matrix.formatted(digits: 4).replacingOccurrences(of: "\n", with: " "))")
            lines.append("  eigenvalues " + c.eigenvalues.map { $0.formatted(digits: 4) }.joined(separator: ", ")
                         + ", ρ = \(g3(c.spectralRadius)), κ₂(Q) = \(g3(c.conditionNumber))\(c.isNearlyDefective ? " (nearly defective)" : "")")
            lines.append("  ‖Wⁿ‖₂: " + logSparkline(c.norms.map(\.norm))
                         + "  n=1: \(g3(c.norms.count > 1 ? c.norms[1].norm : .nan)), peak \(g3(c.peakNorm)) at n=\(c.peakAt), n=\(r.n): \(g3(c.norms.last!.norm))")
            lines.append("  " + c.observation)
            lines.append("")
        }
        lines.append("The worked solution's statements (homework 5, exercise 2(c)), checked:")
        for s in r.statements {
            lines.append("  \(s.number). \(s.claim)")
            lines.append("     verdict: \(s.verdict.uppercased()). \(s.evidence)")
        }
        return lines.joined(separator: "\n")
    }

    static func formatRNN(_ r: RNNGradientReport) -> String {
        var lines: [String] = [r.notation, ""]
        for c in r.cases {
            lines.append("\(c.name)  (\(c.activation.rawValue), H = \(c.hidden), T = \(c.steps), seed \(c.seed), inputs \(g3(c.inputScale))·N(0,1), bias \(g3(c.bias)))")
            lines.append("  ρ(W) = \(g3(c.spectralRadius)), σ_max(W) = \(g3(c.sigmaMax)), γ = \(g3(c.gamma)), σ_max γ = \(g3(c.boundRate)) → Pascanu condition σ_max < 1/γ \(c.pascanuConditionHolds ? "holds" : "does not hold"); mean f' = \(g3(c.meanDerivative))")
            lines.append("  T−k     ‖∂h_T/∂h_k‖₂   (σ_max γ)^(T−k)   ‖W^(T−k)‖₂")
            let marks = Set([1, 2, 5, 10, 20, 30, 40, c.steps])
            for p in c.points where marks.contains(p.distance) {
                lines.append("  " + [String(p.distance), g3(p.measured), g3(p.bound), g3(p.wPowerNorm)]
                    .enumerated().map { $0.element.padding(toLength: [8, 15, 18, 12][$0.offset], withPad: " ", startingAt: 0) }.joined())
            }
            lines.append("  measured: " + logSparkline(c.points.map(\.measured)) + "  (log scale, T−k = 1…\(c.steps))")
            lines.append("  " + c.observation)
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }
}
