// SpectralCommand.swift — `workbench spectral eig|power|regimes|rnn`: eigen-decompositions,
// matrix powers and the vanishing / exploding gradient experiments of homework 5, exercise 2.
//
// Thin layer: each subcommand reads its options, calls one library function of the Spectral
// module (eigReport, powerReport, regimesReport, rnnGradientReport) and formats the report
// as text or JSON; `--plot` draws ‖Wⁿ‖₂ (or ‖∂h_T/∂h_k‖₂) against n with the Plotting module.

import Foundation
import Plotting
import Spectral
import WorkbenchNumerics

struct SpectralCommand: CommandGroup {
    static let configuration = CommandConfiguration(
        name: "spectral",
        abstract: "Eigenvalues, matrix powers and why RNN gradients vanish or explode.",
        discussion: """
            Matrices are given inline, rows separated by ';' and entries by ',' (quote them):
              --matrix "0.58,0.24;0.24,0.72"
            or in a file with one row per line (spaces or commas; blank lines and # comments
            ignored): --matrix-file W.txt. Without either, the homework's W is used.
            """,
        subcommands: [Eig.self, Power.self, Regimes.self, RNN.self])

    init() {}

    // MARK: - Options

    /// `--matrix` or `--matrix-file`, read and checked before any work.
    struct MatrixInput: ParsableArguments {
        @Option(placeholder: "ROWS", help: "The matrix inline: rows separated by ';', entries by ',' (e.g. \"0.58,0.24;0.24,0.72\").")
        var matrix: String?
        @Option(
            placeholder: "PATH", help: "Read the matrix from a file: one row per line, entries separated by spaces or commas, '#' comments."
        )
        var matrixFile: String?

        init() {}

        func validate() throws {
            if matrix != nil && matrixFile != nil { throw UsageError("give either --matrix or --matrix-file, not both") }
        }

        /// The matrix given, or nil when neither option is. Bad input names the row and the value (exit 2).
        func load() throws -> Matrix<Double>? {
            if let text = matrix { return try MatrixText.parseInline(text) }
            guard let path = matrixFile else { return nil }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw UsageError("option --matrix-file: no such file '\(path)'")
            }
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw UsageError("option --matrix-file: cannot read '\(path)' as UTF-8 text")
            }
            return try MatrixText.parseFile(contents: text, path: path)
        }
    }

    // MARK: - Subcommands

    struct Eig: ParsableCommand {
        static let configuration = CommandConfiguration(
            name: "eig",
            abstract: "Decompose W = Q Λ Q⁻¹ and report the residual ‖WQ − QΛ‖.",
            discussion:
                "Symmetric W: cyclic Jacobi. Any other square W: Hessenberg reduction + Francis double-shift QR, complex eigenvalues and eigenvectors, and the condition number κ₂(Q) (a Jordan block is reported as nearly defective)."
        )

        @OptionGroup var input: MatrixInput
        @Option(placeholder: "N", help: "Largest power in the ‖Wⁿ‖₂ chart and sparkline.", range: 0...100_000)
        var n = 30
        @Option(placeholder: "FILE.svg", help: "Also write an SVG chart of ‖Wⁿ‖₂ against n (replaces the file).")
        var plot: String?
        @OptionGroup var output: OutputOptions

        init() {}
        func validate() throws { try checkPlotPath(plot) }

        func run(_ console: Console) throws -> Int32 {
            let w = try input.load() ?? HomeworkClaims.matrix
            let report = try eigReport(w)
            let norms = powerNorms(w, maxN: n, spectralRadius: report.spectralRadius)
            if let path = plot { try writePlot(normsChart(title: "‖Wⁿ‖₂ against n", norms: norms), to: path) }
            console.print(output.json ? try jsonString(report) : formatEig(report, norms: norms))
            return 0
        }
    }

    struct Power: ParsableCommand {
        static let configuration = CommandConfiguration(
            name: "power",
            abstract: "Compute Wⁿ by Q Λⁿ Q⁻¹ and by multiplication, and compare (homework 2(c)).",
            discussion:
                "For the homework's W and n = 30 the result is also compared, entry by entry, with the W³⁰ printed in the worked solution.")

        @OptionGroup var input: MatrixInput
        @Option(placeholder: "N", help: "The power n.", range: 0...1_000_000)
        var n = 30
        @Option(placeholder: "FILE.svg", help: "Also write an SVG chart of ‖Wⁿ‖₂ against n (replaces the file).")
        var plot: String?
        @OptionGroup var output: OutputOptions

        init() {}
        func validate() throws { try checkPlotPath(plot) }

        func run(_ console: Console) throws -> Int32 {
            let w = try input.load() ?? HomeworkClaims.matrix
            let report = try powerReport(w, n: n)
            if let path = plot { try writePlot(normsChart(title: "‖Wⁿ‖₂ against n", norms: report.norms), to: path) }
            console.print(output.json ? try jsonString(report) : formatPower(report))
            return 0
        }
    }

    struct Regimes: ParsableCommand {
        static let configuration = CommandConfiguration(
            name: "regimes",
            abstract: "Wⁿ when all |λ| < 1, some |λ| > 1, |λ| = 1 — with counterexamples and verdicts.",
            discussion:
                "Built-in cases: the homework's W, a non-normal contraction, one eigenvalue above 1, the identity, a rotation, a reflection and the Jordan block [[1,1],[0,1]]. --matrix adds your own."
        )

        @OptionGroup var input: MatrixInput
        @Option(placeholder: "N", help: "Largest power examined.", range: 1...100_000)
        var n = 30
        @Option(placeholder: "FILE.svg", help: "Also write an SVG chart of ‖Wⁿ‖₂ in each regime (replaces the file).")
        var plot: String?
        @OptionGroup var output: OutputOptions

        init() {}
        func validate() throws { try checkPlotPath(plot) }

        func run(_ console: Console) throws -> Int32 {
            let report = try regimesReport(n: n, extra: try input.load())
            if let path = plot {
                let chart = LineChart(
                    title: "‖Wⁿ‖₂ against n in each regime", xLabel: "n", yLabel: "‖Wⁿ‖₂", logY: true,
                    series: report.cases.map { c in .init(name: c.name, points: c.norms.map { (Double($0.n), $0.norm) }) })
                try writePlot(chart, to: path, height: 480 + 16 * max(0, chart.series.count - 2))
            }
            console.print(output.json ? try jsonString(report) : formatRegimes(report))
            return 0
        }
    }

    struct RNN: ParsableCommand {
        static let configuration = CommandConfiguration(
            name: "rnn",
            abstract: "Measure ‖∂h_T/∂h_k‖ in seeded RNN runs against the bound (σ_max γ)^(T−k).",
            discussion:
                "The backpropagated product is Π diag(f'(z_j)) W, not Wⁿ. The cases show a W with spectral radius > 1 whose gradient still vanishes, and the sufficient condition σ_max(W) < 1/γ (Pascanu, Mikolov & Bengio 2013). --matrix adds a tanh run with your own W (at most 32×32)."
        )

        @OptionGroup var input: MatrixInput
        @Option(placeholder: "T", help: "Time steps T.", range: 1...1_000)
        var n = 40
        @Option(placeholder: "H", help: "Hidden units H of the built-in cases.", range: 1...32)
        var hidden = 8
        @Option(help: "Seed of the weights and inputs.")
        var seed: UInt64 = 1
        @Option(placeholder: "FILE.svg", help: "Also write an SVG chart of ‖∂h_T/∂h_k‖₂ against T − k (replaces the file).")
        var plot: String?
        @OptionGroup var output: OutputOptions

        init() {}
        func validate() throws { try checkPlotPath(plot) }

        func run(_ console: Console) throws -> Int32 {
            let custom = try input.load()
            if let w = custom, w.rows > 32 {
                throw UsageError("option --matrix: rnn takes a recurrent W of at most 32×32, got \(w.rows)×\(w.cols)")
            }
            let report = try rnnGradientReport(seed: seed, hidden: hidden, steps: n, customW: custom)
            if let path = plot {
                var series = report.cases.map { c in
                    LineChart.Series(name: "\(c.name): measured", points: c.points.map { (Double($0.distance), $0.measured) })
                }
                for c in report.cases where c.pascanuConditionHolds {
                    series.append(.init(name: "\(c.name): bound (σ_max γ)^(T−k)", points: c.points.map { (Double($0.distance), $0.bound) }))
                }
                try writePlot(
                    LineChart(title: "‖∂h_T/∂h_k‖₂ against T − k", xLabel: "T − k", yLabel: "‖∂h_T/∂h_k‖₂", logY: true, series: series),
                    to: path)
            }
            console.print(output.json ? try jsonString(report) : formatRNN(report))
            return 0
        }
    }

    static func normsChart(title: String, norms: [NormPoint]) -> LineChart {
        LineChart(
            title: title, xLabel: "n", yLabel: "norm", logY: true,
            series: [
                .init(name: "‖Wⁿ‖₂", points: norms.map { (Double($0.n), $0.norm) }, markers: norms.count <= 60),
                .init(name: "ρ(W)ⁿ", points: norms.map { (Double($0.n), $0.spectralRadiusPower) }),
            ])
    }

    // MARK: - Text formatting

    static func g(_ x: Double) -> String { formatScalar(x, digits: 6) }
    static func g3(_ x: Double) -> String { formatScalar(x, digits: 3) }

    static func indent(_ text: String, _ spaces: Int = 2) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { String(repeating: " ", count: spaces) + $0 }.joined(
            separator: "\n")
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
        lines.append(
            "κ₂(Q) = \(g3(r.conditionNumber)) (after balancing \(g3(r.balancedConditionNumber))): eigenbasis \(r.eigenbasis == .diagonalizable ? "diagonalizable" : r.eigenbasis.rawValue.uppercased()); spectral radius ρ = \(g(r.spectralRadius)); ‖W‖₂ = σ_max = \(g(r.singularValues.first ?? 0))"
        )
        lines.append(
            "singular values: " + r.singularValues.prefix(12).map(g).joined(separator: ", ") + (r.singularValues.count > 12 ? ", …" : ""))
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
        lines.append(
            "W (\(r.matrix.rows)×\(r.matrix.cols)), eigenvalues " + r.eigenvalues.map { $0.formatted(digits: 6) }.joined(separator: ", ")
                + ", n = \(r.n)")
        if let e = r.byEigenDecomposition {
            lines.append("W^\(r.n) by Q Λ^\(r.n) Q⁻¹ (max |imaginary residue| \(g3(r.eigenImaginaryResidue ?? 0))):")
            lines.append(fixed(e))
        } else {
            lines.append("W^\(r.n) by Q Λ^\(r.n) Q⁻¹: not available (Q is singular)")
        }
        lines.append("W^\(r.n) by repeated squaring (\(r.squaringMultiplications) products):")
        lines.append(fixed(r.byRepeatedSquaring))
        if let s = r.bySuccessiveMultiplication {
            lines.append(
                "W^\(r.n) by successive multiplication W·W·…·W: max |difference| from squaring \(r.successiveVersusSquaring.map(g3) ?? "— (overflow)")"
            )
            if r.matrix.rows <= 6 { lines.append(fixed(s)) }
        }
        switch r.magnitude {
        case .finite:
            if let d = r.eigenVersusSquaring {
                lines.append("max |Q Λⁿ Q⁻¹ − squaring| = \(g3(d))" + (r.eigenVersusSquaringRelative.map { " (relative \(g3($0)))" } ?? ""))
            }
        case .zero:
            lines.append("W^\(r.n) is exactly the zero matrix (W is nilpotent, or the entries underflowed)")
        case .overflow:
            lines.append("W^\(r.n) exceeds Double's range (entries shown as ±inf); no differences are computed")
        }
        lines.append("κ₂(Q) = \(g3(r.conditionNumber))\(r.isNearlyDefective ? "  NEARLY DEFECTIVE" : ""), ρ = \(g(r.spectralRadius))")
        if let c = r.printedComparison {
            lines.append("")
            lines.append("Compared with \(c.source):")
            lines.append("  entry   computed        rounded   printed   verdict")
            for e in c.entries {
                let computed = formatScalar(e.computed, digits: 10, fixed: true)
                lines.append(
                    "  (\(e.row),\(e.col))   \(computed)   \(e.computedRounded)  \(e.claimed)  \(e.agrees ? "ok" : "DIFFERS"): \(e.explanation)"
                )
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
            lines.append(
                "  eigenvalues " + c.eigenvalues.map { $0.formatted(digits: 4) }.joined(separator: ", ")
                    + ", ρ = \(g3(c.spectralRadius)), κ₂(Q) = \(g3(c.conditionNumber))\(c.isNearlyDefective ? " (nearly defective)" : "")")
            lines.append(
                "  ‖Wⁿ‖₂: " + logSparkline(c.norms.map(\.norm))
                    + "  n=1: \(g3(c.norms.count > 1 ? c.norms[1].norm : .nan)), peak \(g3(c.peakNorm)) at n=\(c.peakAt), n=\(r.n): \(g3(c.norms.last!.norm))"
            )
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
            lines.append(
                "\(c.name)  (\(c.activation.rawValue), H = \(c.hidden), T = \(c.steps), seed \(c.seed), inputs \(g3(c.inputScale))·N(0,1), bias \(g3(c.bias)))"
            )
            lines.append(
                "  ρ(W) = \(g3(c.spectralRadius)), σ_max(W) = \(g3(c.sigmaMax)), γ = \(g3(c.gamma)), σ_max γ = \(g3(c.boundRate)) → Pascanu condition σ_max < 1/γ \(c.pascanuConditionHolds ? "holds" : "does not hold"); mean f' = \(g3(c.meanDerivative))"
            )
            lines.append("  T−k     ‖∂h_T/∂h_k‖₂   (σ_max γ)^(T−k)   ‖W^(T−k)‖₂")
            let marks = Set([1, 2, 5, 10, 20, 30, 40, c.steps])
            for p in c.points where marks.contains(p.distance) {
                lines.append(
                    "  "
                        + [String(p.distance), g3(p.measured), g3(p.bound), g3(p.wPowerNorm)]
                        .enumerated().map { $0.element.padding(toLength: [8, 15, 18, 12][$0.offset], withPad: " ", startingAt: 0) }.joined()
                )
            }
            lines.append("  measured: " + logSparkline(c.points.map(\.measured)) + "  (log scale, T−k = 1…\(c.steps); a gap is an exact 0)")
            var verdict = "  behaviour: \(c.behaviour.rawValue.uppercased())"
            if let rate = c.measuredRate { verdict += ", measured rate per step \(g3(rate))" }
            if let z = c.zeroFromDistance { verdict += ", exactly 0 from T−k = \(z)" }
            if let o = c.overflowFromDistance { verdict += ", beyond Double's range from T−k = \(o)" }
            verdict += "; saturated units \(g3(100 * c.saturatedFraction))%"
            lines.append(verdict)
            lines.append("  " + c.observation)
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }
}
