// PoemBenchCommand.swift — `workbench poem bench`: seconds per epoch, GFLOP/s per phase, and the
// same epoch in PyTorch for comparison.

import Foundation
import Poetry

struct PoemBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        name: "bench", abstract: "Time the trainer (s/epoch, poems/s, GFLOP/s per phase) and compare with PyTorch.")

    @OptionGroup var corpus: PoemCommand.CorpusOption
    @Option(placeholder: "N", help: "Time N batches and project the epoch (0 = a whole epoch).", range: 0...1_000_000)
    var batches = 40
    @OptionGroup var threads: PoemCommand.ThreadsOption
    @Option(placeholder: "PATH", help: "Python with torch.", defaultText: "python3, then /tmp/torchenv/bin/python")
    var python: String?
    @Option(placeholder: "FILE", help: "The PyTorch reference trainer.")
    var torchScript = "../shared/bench/torch_poem_reference.py"
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

    struct TorchFigures: Codable {
        var python: String
        var projectedEpochSeconds: Double
        var meanLoss: Double
        var version: String
    }

    static func findPython(_ explicit: String?) -> String? {
        let candidates = explicit.map { [$0] } ?? ["python3", "/tmp/torchenv/bin/python"]
        for p in candidates {
            let proc = Process()
            proc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            proc.arguments = [p, "-c", "import torch"]
            proc.standardOutput = FileHandle.nullDevice
            proc.standardError = FileHandle.nullDevice
            guard (try? proc.run()) != nil else { continue }
            proc.waitUntilExit()
            if proc.terminationStatus == 0 { return p }
        }
        return nil
    }

    static func runTorch(python: String, script: String, corpus: String, threads: Int, batches: Int) throws -> TorchFigures {
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        proc.arguments = [python, script, corpus, "--threads", String(threads), "--batches", String(batches)]
        let pipe = Pipe()
        proc.standardOutput = pipe
        proc.standardError = FileHandle.nullDevice
        do { try proc.run() } catch { throw RuntimeError("cannot run \(python) \(script)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        proc.waitUntilExit()
        guard proc.terminationStatus == 0,
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let epochs = obj["epochs"] as? [[String: Any]], let first = epochs.first,
              let seconds = (first["projected_epoch_seconds"] as? NSNumber)?.doubleValue,
              let loss = (first["mean_loss"] as? NSNumber)?.doubleValue else {
            throw RuntimeError("the PyTorch reference '\(script)' failed (exit \(proc.terminationStatus)); run it by hand to see why, or pass --no-torch")
        }
        return TorchFigures(python: python, projectedEpochSeconds: seconds, meanLoss: loss, version: obj["torch"] as? String ?? "?")
    }

    func run(_ console: Console) throws -> Int32 {
        let corpus = try self.corpus.load()
        let vocabulary = Vocabulary(poems: corpus.poems)
        let poems = corpus.poems.map { vocabulary.encode(poem: $0) }
        let report = try PoemBenchmark.run(poems: poems, vocabulary: vocabulary.count, threads: threads.threads, batches: batches)
        var torch: TorchFigures?
        var torchNote: String?
        if !noTorch {
            if !FileManager.default.fileExists(atPath: torchScript) {
                torchNote = "PyTorch comparison skipped: no script at \(torchScript) (pass --torch-script)"
            } else if let python = Self.findPython(python) {
                torch = try Self.runTorch(python: python, script: torchScript, corpus: corpus.source, threads: threads.threads, batches: batches)
            } else {
                torchNote = "PyTorch comparison skipped: no python with torch found (pass --python)"
            }
        }
        let fmt = PoemCommand.fmt
        if output.json {
            struct Out: Encodable { let swift: BenchmarkReport; let torch: TorchFigures?; let ratio: Double? }
            console.print(try jsonString(Out(swift: report, torch: torch, ratio: torch.map { report.projectedEpochSeconds / $0.projectedEpochSeconds })))
            return 0
        }
        console.print("corpus \(corpus.source): \(report.poems) poems, vocabulary \(report.vocabulary), batch \(report.batchSize), \(report.threads) thread(s)")
        console.print("timed \(report.batchesTimed) of \(report.batchesPerEpoch) batches in \(fmt(report.seconds, 2)) s: \(fmt(report.secondsPerBatch * 1000, 2)) ms/batch")
        console.print("projected epoch \(fmt(report.projectedEpochSeconds, 2)) s, \(Int(report.poemsPerSecond)) poems/s, overall \(fmt(report.totalGflopPerSecond, 1)) GFLOP/s, mean loss \(fmt(report.meanLoss, 4))")
        console.print("")
        console.print("phase                           seconds    GFLOP   GFLOP/s")
        for p in report.phases {
            console.print(p.phase.padding(toLength: 30, withPad: " ", startingAt: 0)
                          + String(format: "%9.3f %8.1f %9.1f", p.seconds, p.gflop, p.gflopPerSecond))
        }
        if let mib = report.peakMemoryMiB { console.print("\npeak resident memory \(fmt(mib, 1)) MiB") }
        if let t = torch {
            console.print("PyTorch \(t.version) (\(t.python)): projected epoch \(fmt(t.projectedEpochSeconds, 2)) s, mean loss \(fmt(t.meanLoss, 4))")
            console.print("ratio Swift / PyTorch epoch time: \(fmt(report.projectedEpochSeconds / t.projectedEpochSeconds, 3))")
        } else if let note = torchNote {
            console.print(note)
        }
        return 0
    }
}
