// PoemQualityCommand.swift — `workbench poem quality`: quatrains from every decoding mode,
// measured (form, repeats, distinct-n, copied lines, log-likelihood). Formats a
// `PoemQualityReport`; the measures are defined in Sources/Poetry/PoemQuality.swift.

import Foundation
import Poetry

struct PoemQualityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        name: "quality",
        abstract: "Write quatrains with each decoding mode (greedy, temperature, top-k, beam) and measure them.",
        discussion: """
            The same N first characters, drawn from the model's own distribution after the start token,
            start one quatrain per mode. Per mode: the share of well-formed quatrains, the model's own
            probability of what the form allowed, repeated characters within a poem, distinct-1 and
            distinct-2 over all poems, the share of lines copied verbatim from --corpus, and the mean
            log-likelihood per character of the poems under the model (nats; higher is more probable).
            """)
    static let defaults = QualityOptions()

    @Option(placeholder: "FILE", help: "A checkpoint written by 'poem train' (required).")
    var checkpoint: String?
    @Option(placeholder: "FILE", help: "The training corpus, to count lines copied from it (optional).")
    var corpus: String?
    @Option(placeholder: "N", help: "Quatrains per decoding mode.", range: 1...100_000)
    var count = defaults.count
    @Option(help: "Seed of the first characters and of the sampling modes.")
    var seed = defaults.seed
    @Option(placeholder: "T", help: "Temperature of the temperature and top-k modes.", range: 0.01...100)
    var temperature = defaults.temperature
    @Option(placeholder: "K", help: "K of the top-k mode.", range: 1...1_000_000)
    var topK = defaults.topK
    @Option(placeholder: "W", help: "Width of the beam mode.", range: 2...256)
    var beam = defaults.beam
    @OptionGroup var output: OutputOptions

    init() {}

    func validate() throws {
        if checkpoint == nil { throw UsageError("poem quality needs --checkpoint FILE") }
    }

    func run(_ console: Console) throws -> Int32 {
        let ck = try PoemCheckpoint.read(path: checkpoint!)
        let corpus = try self.corpus.map { try PoemCorpus.load(path: $0) }
        var o = QualityOptions()
        o.count = count
        o.seed = seed
        o.temperature = temperature
        o.topK = topK
        o.beam = beam
        let report = try PoemQuality.measure(sampler: PoemSampler(checkpoint: ck), corpus: corpus, options: o)
        if output.json {
            console.print(try jsonString(report))
        } else {
            for line in Self.table(report) { console.print(line) }
        }
        return 0
    }

    /// The report as a table, one row per mode, then an example poem of each mode.
    static func table(_ r: PoemQualityReport) -> [String] {
        func pct(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
        let header = [
            "mode", "setting", "valid form", "model agrees", "repeats/poem", "with repeats",
            "distinct-1", "distinct-2", "copied lines", "log-lik/char", "ms/poem",
        ]
        var rows = [header]
        for m in r.modes {
            rows.append([
                m.mode.rawValue, m.setting, pct(m.validForm), pct(m.formAgreement),
                String(format: "%.2f", m.repeatsPerPoem), pct(m.poemsWithRepeats),
                String(format: "%.3f", m.distinct1), String(format: "%.3f", m.distinct2),
                m.copiedLines.map(pct) ?? "-", String(format: "%.3f", m.meanLogLikelihood),
                String(format: "%.2f", m.millisecondsPerPoem),
            ])
        }
        let widths = header.indices.map { c in rows.map { $0[c].count }.max()! }
        var lines = [
            "\(r.options.count) quatrain(s) per mode, first characters drawn from the model after G (seed \(r.options.seed))"
                + (r.corpus.map { "; copied lines looked up in \($0) (\(r.corpusLines ?? 0) distinct lines)" } ?? "")
        ]
        for row in rows {
            lines.append(
                row.enumerated().map { c, cell in
                    c < 2
                        ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[c] - cell.count) + cell
                }.joined(separator: "  "))
        }
        for m in r.modes { lines.append("\(m.mode.rawValue): \(m.examples.first ?? "")") }
        return lines
    }
}
