// PoemBenchCommand.swift — `workbench poem bench`: seconds per epoch, GFLOP/s per phase beside
// the machine's measured FMA peak, the micro-kernel tile chosen, and the same epoch in PyTorch
// (the project's scripts/torch_poem_bench.py) for comparison. Formats the library's reports.

import Foundation
import Poetry

extension KernelChoice: EnumerableOptionValue {}

struct PoemBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        name: "bench", abstract: "Time the trainer (s/epoch, GFLOP/s per phase, share of the FMA peak) and compare with PyTorch.",
        discussion: """
            The PyTorch side runs scripts/torch_poem_bench.py (the homework's model and loop in
            PyTorch) with the same corpus, threads and batches. Environment variables pass through:
            ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2 restrict
            PyTorch to AVX2, as WORKBENCH_TARGET_CPU=x86-64-v3 restricts a release build of the kernels.
            """)

    @OptionGroup var corpus: PoemCommand.CorpusOption
    @Option(placeholder: "N", help: "Time N batches and project the epoch (0 = a whole epoch).", range: 0...1_000_000)
    var batches = 40
    @OptionGroup var threads: PoemCommand.ThreadsOption
    @Option(help: "Micro-kernel tile (results do not depend on it).", defaultText: "the fastest here, measured at start")
    var kernels: KernelChoice?
    @Option(placeholder: "PATH", help: "Python with torch for the comparison.", defaultText: TorchReference.defaultPython)
    var python: String?
    @Option(placeholder: "FILE", help: "The PyTorch trainer.", defaultText: TorchReference.scriptPath + " of the project")
    var torchScript: String?
    @Flag(help: "Skip the PyTorch comparison.")
    var noTorch: Bool
    @OptionGroup var output: OutputOptions

    init() {}

    func validate() throws {
        if noTorch {
            for state in [$python, $torchScript] where state.isSet {
                throw UsageError("option \(state.name) does not apply with --no-torch")
            }
        }
    }

    func run(_ console: Console) throws -> Int32 {
        let corpus = try self.corpus.load()
        // Check the comparison's ingredients before the (long) Swift run. Without --python,
        // a python3 that lacks torch is a note, not an error; a named one must work.
        var torchReference: TorchReference?
        var torchNote: String?
        if !noTorch {
            do {
                torchReference = try TorchReference(python: python, script: torchScript)
            } catch let error as TorchReferenceError {
                if case .noTorch = error, python == nil { torchNote = "PyTorch comparison skipped: \(error)" } else { throw error }
            }
        }
        let vocabulary = Vocabulary(poems: corpus.poems)
        let poems = corpus.poems.map { vocabulary.encode(poem: $0) }
        let report = try PoemBenchmark.run(
            poems: poems, vocabulary: vocabulary.count, threads: threads.threads, batches: batches,
            kernels: kernels)
        let torch = try torchReference?.run(corpus: corpus.source, threads: threads.threads, batches: batches)
        let ratio = torch.map { report.projectedEpochSeconds / $0.projectedEpochSeconds }
        if output.json {
            struct Out: Encodable { let swift: BenchmarkReport; let torch: TorchFigures?; let ratio: Double? }
            console.print(try jsonString(Out(swift: report, torch: torch, ratio: ratio)))
            return 0
        }
        let fmt = PoemCommand.fmt
        let threadText =
            report.workers == report.threads
            ? "\(report.threads) thread(s)"
            : "\(report.workers) thread(s) (\(report.threads) asked; no more run than the \(report.workers) cores)"
        console.print(
            "corpus \(corpus.source): \(report.poems) poems, vocabulary \(report.vocabulary), batch \(report.batchSize), \(threadText)")
        let measured = report.kernelSelection.candidates.map { "\($0.id) \(fmt($0.gflopPerSecond, 1))" }.joined(separator: ", ")
        console.print(
            "micro-kernel tile \(report.kernels) (\(report.kernelsForced ? "forced" : "fastest here")); one-thread GFLOP/s: \(measured)")
        let peaks = report.fmaPeak.map { "\($0.threads) thread(s) \(fmt($0.gflopPerSecond, 1))" }.joined(separator: ", ")
        console.print("FMA peak (register-only loop, \(report.fmaPeak.last?.lanes ?? 0) lanes), GFLOP/s: \(peaks)")
        console.print(
            "timed \(report.batchesTimed) of \(report.batchesPerEpoch) batches in \(fmt(report.seconds, 2)) s: \(fmt(report.secondsPerBatch * 1000, 2)) ms/batch"
        )
        console.print(
            "projected epoch \(fmt(report.projectedEpochSeconds, 2)) s (the peak allows \(fmt(report.limitEpochSeconds, 2)) s), \(Int(report.poemsPerSecond)) poems/s, overall \(fmt(report.totalGflopPerSecond, 1)) GFLOP/s, mean loss \(fmt(report.meanLoss, 4))"
        )
        console.print("")
        console.print("phase                           seconds    GFLOP   GFLOP/s  of peak")
        for p in report.phases {
            let share = p.shareOfPeak.map { String(format: "%7.0f%%", $0 * 100) } ?? "       -"
            console.print(
                p.phase.padding(toLength: 30, withPad: " ", startingAt: 0)
                    + String(format: "%9.3f %8.1f %9.1f", p.seconds, p.gflop, p.gflopPerSecond) + share)
        }
        if let mib = report.peakMemoryMiB { console.print("\npeak resident memory \(fmt(mib, 1)) MiB") }
        if let t = torch, let ratio {
            console.print(
                "PyTorch \(t.version), \(t.cpuCapability), \(t.threads) thread(s) (\(t.python) \(t.script)): projected epoch \(fmt(t.projectedEpochSeconds, 2)) s, mean loss \(fmt(t.meanLoss, 4))"
            )
            console.print(
                "ratio Swift / PyTorch epoch time: \(fmt(ratio, 3)); Swift epoch / the peak's limit: \(fmt(report.projectedEpochSeconds / report.limitEpochSeconds, 2))"
            )
        } else if let note = torchNote {
            console.print(note)
        }
        return 0
    }
}
