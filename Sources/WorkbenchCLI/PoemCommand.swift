// PoemCommand.swift — `workbench poem`: train, sample, evaluate and benchmark the poem LSTM.
//
// A thin layer over the Poetry module: options are parsed and checked here, the work and
// every figure come from library values (TrainingReport, SampleReport, EvaluationReport,
// BenchmarkReport), and this file only formats them (text or --json).

import Dispatch
import Foundation
import PoemEngine
import Poetry

/// A flag set from a signal handler and read by the training loop.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    func raise() { lock.lock(); raised = true; lock.unlock() }
    var isRaised: Bool { lock.lock(); defer { lock.unlock() }; return raised }
}

enum PoemCommand {
    static var spec: CommandSpec {
        CommandSpec(
            name: "poem",
            abstract: "Train the homework's poem LSTM, sample poems, evaluate and benchmark it.",
            discussion: """
            The model is the homework's: embedding 100 → 2-layer LSTM (hidden 128) → linear, trained
            with Adam (lr 3e-3), gradient clipping at 1, batches of 32, 30 epochs. Checkpoints are
            safetensors files with PyTorch's parameter names.
            """,
            subcommands: [trainSpec, sampleSpec, evalSpec, benchSpec])
    }

    // MARK: - Shared helpers

    static func loadCorpus(_ args: ParsedArguments) throws -> PoemCorpus {
        do {
            if let path = args.string("--corpus") { return try PoemCorpus.load(path: path) }
            return try PoemCorpus.loadDefault()
        } catch let e as CorpusError {
            throw RuntimeError(e.description)
        }
    }

    static func readCheckpoint(_ path: String) throws -> PoemCheckpoint {
        do { return try PoemCheckpoint.read(path: path) } catch let e as CheckpointError { throw RuntimeError(e.description) }
    }

    /// Encodes the poems with `vocabulary`; poems with characters it lacks are an error.
    static func encode(_ corpus: PoemCorpus, _ vocabulary: Vocabulary, checkpoint: String) throws -> [[Int32]] {
        var unknown: [Character] = []
        for poem in corpus.poems {
            for ch in poem where vocabulary.id(of: ch) == nil && !unknown.contains(ch) { unknown.append(ch) }
        }
        if !unknown.isEmpty {
            throw RuntimeError("corpus '\(corpus.source)' uses \(unknown.count) character(s) missing from the vocabulary of '\(checkpoint)' (e.g. \(String(unknown.prefix(10)))); train from scratch or use the same corpus")
        }
        return corpus.poems.map { vocabulary.encode(poem: $0) }
    }

    static func fmt(_ x: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", x) }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "--:--" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%02d:%02d", t / 60, t % 60)
    }

    // MARK: - train

    static var trainSpec: CommandSpec {
        CommandSpec(
            name: "train", abstract: "Train the poem model (defaults: the homework's hyper-parameters).",
            options: [
                OptionSpec("--corpus", value: "FILE", help: "Poems, one per line (or title:poem); default ./subset_poems.txt, then tang300."),
                OptionSpec("--epochs", value: "N", help: "Passes over the corpus.", default: "30"),
                OptionSpec("--batch-size", value: "B", help: "Poems per batch.", default: "32"),
                OptionSpec("--lr", value: "RATE", help: "Learning rate.", default: "0.003"),
                OptionSpec("--optimizer", value: "adam|sgd", help: "Optimizer.", default: "adam"),
                OptionSpec("--clip", value: "NORM", help: "Clip the gradient norm to NORM (0 = off).", default: "1"),
                OptionSpec("--seed", value: "S", help: "Seed of the initial weights and of the shuffles.", default: "0"),
                OptionSpec("--no-shuffle", help: "Keep the corpus order in every epoch."),
                OptionSpec("--steps", value: "N", help: "Stop after N optimizer steps in total (0: just write the initial model)."),
                OptionSpec("--threads", value: "T", help: "Worker threads (results do not depend on it).", default: "2"),
                OptionSpec("--validation", value: "FRACTION", help: "Hold out this fraction of poems; report its loss and perplexity per epoch (0 = the homework exactly).", default: "0"),
                OptionSpec("--init-from", value: "FILE", help: "Start from the weights (and vocabulary) of this checkpoint."),
                OptionSpec("--resume", value: "FILE", help: "Continue the run saved in this checkpoint and its .state file."),
                OptionSpec("--out", value: "DIR", help: "Where poem.safetensors, its .state file and loss.svg go.", default: "poem-run"),
                OptionSpec("--quiet", help: "Print only the final report."),
                OptionSpec("--embedding-dim", value: "E", help: "Embedding width of a new model.", default: "100"),
                OptionSpec("--hidden-size", value: "H", help: "LSTM width of a new model.", default: "128"),
                OptionSpec("--layers", value: "L", help: "LSTM layers of a new model.", default: "2"),
                .json,
            ],
            run: runTrain)
    }

    static func trainingOptions(_ args: ParsedArguments) throws -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = try args.int("--epochs", default: 30, range: 1...100_000)
        o.batchSize = try args.int("--batch-size", default: 32, range: 1...4096)
        o.learningRate = Float(try args.double("--lr", default: 3e-3, range: 1e-9...10))
        o.optimizer = OptimizerKind(rawValue: try args.choice("--optimizer", ["adam", "sgd"], default: "adam"))!
        o.clip = Float(try args.double("--clip", default: 1, range: 0...1e9))
        o.seed = try args.seed(default: 0)
        o.shuffle = !args.flag("--no-shuffle")
        o.maxSteps = try args.optionalInt("--steps", range: 0...Int(Int32.max))
        o.threads = try args.int("--threads", default: 2, range: 1...256)
        o.validationFraction = try args.double("--validation", default: 0, range: 0...0.9)
        return o
    }

    static func runTrain(_ args: ParsedArguments, _ console: Console) throws -> Int32 {
        try args.expectPositional(max: 0)
        let options = try trainingOptions(args)
        if args.has("--resume") && args.has("--init-from") { throw UsageError("use either --resume or --init-from, not both") }
        let outDir = args.string("--out", default: "poem-run")
        let corpus = try loadCorpus(args)
        let quiet = args.flag("--quiet") || args.flag("--json")

        var vocabulary: Vocabulary
        var model: PoemModel
        var state: TrainingState?
        if let path = args.string("--resume") {
            let ck = try readCheckpoint(path)
            let statePath = TrainingState.path(forCheckpoint: path)
            do { state = try TrainingState.read(path: statePath) } catch let e as CheckpointError {
                throw RuntimeError("\(e.description) (a resumable run keeps it next to the checkpoint)")
            }
            vocabulary = ck.vocabulary
            model = ck.model
        } else if let path = args.string("--init-from") {
            let ck = try readCheckpoint(path)
            vocabulary = ck.vocabulary
            model = ck.model
        } else {
            vocabulary = Vocabulary(poems: corpus.poems)
            var config = PoemModelConfig.homework(vocabularyCount: vocabulary.count)
            config.embeddingDim = try args.int("--embedding-dim", default: 100, range: 1...4096)
            config.hiddenSize = try args.int("--hidden-size", default: 128, range: 1...4096)
            config.layers = try args.int("--layers", default: 2, range: 1...8)
            model = PoemModel(config: config, seed: options.seed)
        }
        let poems = try encode(corpus, vocabulary, checkpoint: args.string("--resume") ?? args.string("--init-from") ?? corpus.source)
        let trainer: PoemTrainer
        do { trainer = try PoemTrainer(poems: poems, model: model, options: options, state: state) } catch let e as TrainingError {
            throw RuntimeError(e.description)
        }
        do { try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true) } catch {
            throw RuntimeError("cannot create output directory '\(outDir)'")
        }
        let checkpointPath = (outDir as NSString).appendingPathComponent("poem.safetensors")
        if !quiet {
            console.printError("corpus \(corpus.source): \(corpus.poems.count) poems, \(corpus.skipped.count) skipped, vocabulary \(vocabulary.count); training on \(trainer.trainingPoems.count), validation \(trainer.validationPoems.count); \(trainer.batchesPerEpoch) batches/epoch, \(options.threads) thread(s)")
            for s in corpus.skipped.prefix(5) { console.printError("  skipped line \(s.line): \(s.reason)") }
            if corpus.skipped.count > 5 { console.printError("  … and \(corpus.skipped.count - 5) more skipped lines") }
        }

        func save() throws {
            var info = ["corpus": corpus.source, "step": String(trainer.state.step), "epoch": String(trainer.state.epoch)]
            if let last = trainer.state.epochLosses.last { info["train_loss"] = String(last) }
            do {
                try trainer.state.write(to: TrainingState.path(forCheckpoint: checkpointPath))
                try PoemCheckpoint(model: trainer.model, vocabulary: vocabulary, info: info).write(to: checkpointPath)
            } catch let e as CheckpointError { throw RuntimeError(e.description) }
        }

        // Ctrl-C: finish the current step, save a resumable checkpoint, exit 130.
        let stopFlag = StopFlag()
        let previous = signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { stopFlag.raise() }
        source.resume()
        defer { source.cancel(); signal(SIGINT, previous) }

        var saveError: Error?
        var lastDraw: UInt64 = 0
        let report = trainer.run(progress: { p in
            if let summary = p.epochSummary {
                do { try save() } catch { saveError = error; stopFlag.raise() }
                if !quiet {
                    if console.isTerminal { console.writeError("\r\u{1B}[K") }
                    var line = "epoch \(summary.epoch + 1)/\(p.epochs)  loss \(fmt(summary.meanLoss))"
                    if let v = summary.validationLoss, let ppl = summary.validationPerplexity {
                        line += "  validation loss \(fmt(v))  perplexity \(fmt(ppl, 2))"
                    }
                    line += "  \(fmt(summary.seconds, 1)) s  \(Int(p.poemsPerSecond)) poems/s"
                    console.printError(line)
                }
            } else if !quiet && console.isTerminal {
                // At most ten redraws a second.
                let tick = DispatchTime.now().uptimeNanoseconds
                if tick - lastDraw < 100_000_000 && p.batch != 1 { return }
                lastDraw = tick
                let width = 24
                let filled = width * p.batch / max(1, p.batchesPerEpoch)
                let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
                console.writeError("\r\u{1B}[Kepoch \(p.epoch + 1)/\(p.epochs) [\(bar)] \(p.batch)/\(p.batchesPerEpoch)  loss \(fmt(Double(p.loss)))  \(Int(p.poemsPerSecond)) poems/s  ETA \(duration(p.secondsLeft))")
            }
        }, shouldStop: { stopFlag.isRaised })
        if let saveError { throw saveError }
        if !quiet && console.isTerminal { console.writeError("\r\u{1B}[K") }

        var exit: Int32 = 0
        switch report.stop {
        case .finished, .stepLimit, .interrupted:
            try save()
            if report.stop == .interrupted {
                console.printError("interrupted at step \(trainer.state.step); resume with: workbench poem train --resume \(checkpointPath)\(args.has("--corpus") ? " --corpus \(args.string("--corpus")!)" : "")")
                exit = 130
            }
        case let .diverged(step, loss):
            let kept = FileManager.default.fileExists(atPath: checkpointPath) ? "the last good checkpoint is kept at \(checkpointPath)" : "no checkpoint was written"
            console.printError("error: the loss became \(loss) at step \(step); stopped without applying that step (\(kept)). Try a smaller --lr or --clip 1.")
            exit = 1
        }
        var svgPath: String?
        if !trainer.state.stepLosses.isEmpty {
            let path = (outDir as NSString).appendingPathComponent("loss.svg")
            if (try? SafetensorsFile.atomicWrite(Data(LossCurve.svg(stepLosses: trainer.state.stepLosses, epochLosses: trainer.state.epochLosses, validationLosses: trainer.state.validationLosses,
                                                                   batchesPerEpoch: trainer.batchesPerEpoch).utf8), to: path)) != nil {
                svgPath = path
            }
        }
        if args.flag("--json") {
            struct Out: Encodable { let report: TrainingReport; let checkpoint: String; let lossCurve: String? }
            console.print(try jsonString(Out(report: report, checkpoint: checkpointPath, lossCurve: svgPath)))
        } else {
            console.print("steps \(trainer.state.step) (this run \(report.stepsTaken)), epochs done \(trainer.state.epoch), \(fmt(report.seconds, 1)) s, \(Int(report.poemsPerSecond)) poems/s")
            if let last = report.epochs.last {
                console.print("final epoch mean loss \(fmt(last.meanLoss))" + (last.validationLoss.map { "  validation \(fmt($0))  perplexity \(fmt(Foundation.exp($0), 2))" } ?? ""))
            } else if let l = trainer.state.stepLosses.last {
                console.print("last batch loss \(fmt(Double(l)))")
            }
            console.print("checkpoint \(checkpointPath)" + (svgPath.map { ", loss curve \($0)" } ?? ""))
        }
        return exit
    }

    // MARK: - eval

    static var evalSpec: CommandSpec {
        CommandSpec(
            name: "eval", abstract: "Mean cross-entropy and perplexity of a checkpoint on a corpus.",
            options: [
                OptionSpec("--checkpoint", value: "FILE", help: "A checkpoint written by 'poem train' (required)."),
                OptionSpec("--corpus", value: "FILE", help: "Poems to score; default ./subset_poems.txt, then tang300."),
                OptionSpec("--threads", value: "T", help: "Worker threads.", default: "2"),
                .json,
            ],
            run: { args, console in
                try args.expectPositional(max: 0)
                guard let path = args.string("--checkpoint") else { throw UsageError("poem eval needs --checkpoint FILE") }
                let threads = try args.int("--threads", default: 2, range: 1...256)
                let ck = try readCheckpoint(path)
                let corpus = try loadCorpus(args)
                let poems = try encode(corpus, ck.vocabulary, checkpoint: path)
                let report = PoemTrainer.evaluate(poems: poems, model: ck.model, network: PoemNetwork(layout: ck.model.layout, threads: threads), batchSize: 32)
                if args.flag("--json") {
                    console.print(try jsonString(report))
                } else {
                    console.print("poems \(report.poems), positions \(report.positions)")
                    console.print("mean cross-entropy \(fmt(report.meanCrossEntropy))  perplexity \(fmt(report.perplexity, 3))")
                }
                return 0
            })
    }

    // MARK: - bench

    static var benchSpec: CommandSpec {
        CommandSpec(
            name: "bench", abstract: "Time the trainer (s/epoch, poems/s, GFLOP/s per phase) and compare with PyTorch.",
            options: [
                OptionSpec("--corpus", value: "FILE", help: "Poems; default ./subset_poems.txt, then tang300."),
                OptionSpec("--batches", value: "N", help: "Time N batches and project the epoch (0 = a whole epoch).", default: "40"),
                OptionSpec("--threads", value: "T", help: "Threads for both trainers.", default: "2"),
                OptionSpec("--python", value: "PATH", help: "Python with torch (default: python3, then /tmp/torchenv/bin/python)."),
                OptionSpec("--torch-script", value: "FILE", help: "The PyTorch reference trainer.", default: "../shared/bench/torch_poem_reference.py"),
                OptionSpec("--no-torch", help: "Skip the PyTorch comparison."),
                .json,
            ],
            run: runBench)
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

    static func runBench(_ args: ParsedArguments, _ console: Console) throws -> Int32 {
        try args.expectPositional(max: 0)
        let batches = try args.int("--batches", default: 40, range: 0...1_000_000)
        let threads = try args.int("--threads", default: 2, range: 1...256)
        let corpus = try loadCorpus(args)
        let vocabulary = Vocabulary(poems: corpus.poems)
        let poems = corpus.poems.map { vocabulary.encode(poem: $0) }
        let report = try PoemBenchmark.run(poems: poems, vocabulary: vocabulary.count, threads: threads, batches: batches)
        var torch: TorchFigures?
        var torchNote: String?
        if !args.flag("--no-torch") {
            let script = args.string("--torch-script", default: "../shared/bench/torch_poem_reference.py")
            if !FileManager.default.fileExists(atPath: script) {
                torchNote = "PyTorch comparison skipped: no script at \(script) (pass --torch-script)"
            } else if let python = findPython(args.string("--python")) {
                torch = try runTorch(python: python, script: script, corpus: corpus.source, threads: threads, batches: batches)
            } else {
                torchNote = "PyTorch comparison skipped: no python with torch found (pass --python)"
            }
        }
        if args.flag("--json") {
            struct Out: Encodable { let swift: BenchmarkReport; let torch: TorchFigures?; let ratio: Double? }
            console.print(try jsonString(Out(swift: report, torch: torch, ratio: torch.map { report.projectedEpochSeconds / $0.projectedEpochSeconds })))
            return 0
        }
        console.print("corpus \(corpus.source): \(report.poems) poems, vocabulary \(report.vocabulary), batch \(report.batchSize), \(report.threads) thread(s)")
        console.print("timed \(report.batchesTimed) of \(report.batchesPerEpoch) batches in \(fmt(report.seconds, 2)) s: \(fmt(report.secondsPerBatch * 1000, 2)) ms/batch")
        console.print("projected epoch \(fmt(report.projectedEpochSeconds, 2)) s, \(Int(report.poemsPerSecond)) poems/s, overall \(fmt(report.totalGflopPerSecond, 1)) GFLOP/s, mean loss \(fmt(report.meanLoss))")
        console.print("")
        console.print("phase                           seconds    GFLOP   GFLOP/s")
        for p in report.phases {
            console.print(p.phase.padding(toLength: 30, withPad: " ", startingAt: 0)
                          + String(format: "%9.3f %8.1f %9.1f", p.seconds, p.gflop, p.gflopPerSecond))
        }
        if let mib = report.peakMemoryMiB { console.print("\npeak resident memory \(fmt(mib, 1)) MiB") }
        if let t = torch {
            console.print("PyTorch \(t.version) (\(t.python)): projected epoch \(fmt(t.projectedEpochSeconds, 2)) s, mean loss \(fmt(t.meanLoss))")
            console.print("ratio Swift / PyTorch epoch time: \(fmt(report.projectedEpochSeconds / t.projectedEpochSeconds, 3))")
        } else if let note = torchNote {
            console.print(note)
        }
        return 0
    }
}

// MARK: - sample

extension PoemCommand {
    static var sampleSpec: CommandSpec {
        CommandSpec(
            name: "sample", abstract: "Write poems with a trained checkpoint (greedy by default, as the homework).",
            options: [
                OptionSpec("--checkpoint", value: "FILE", help: "A checkpoint written by 'poem train' (required)."),
                OptionSpec("--start", value: "TEXT", help: "The poem's first characters.", default: "none"),
                OptionSpec("--acrostic", value: "CHARS", help: "First character of each line (e.g. 春夏秋冬)."),
                OptionSpec("--prefix", value: "TEXT", help: "Context fed to the model before the poem (not printed)."),
                OptionSpec("--form", value: "quatrain|free", help: "quatrain: 4 lines of 5 characters with ，and 。; free: until E or --max-length.", default: "free"),
                OptionSpec("--max-length", value: "N", help: "Longest free-form poem.", default: "64"),
                OptionSpec("--temperature", value: "T", help: "Sample from softmax(logits/T) (0 = greedy).", default: "0"),
                OptionSpec("--top-k", value: "K", help: "Sample among the K most likely characters (0 = all).", default: "0"),
                OptionSpec("--seed", value: "S", help: "Seed of the sampling.", default: "0"),
                OptionSpec("--count", value: "N", help: "Number of poems.", default: "1"),
                OptionSpec("--beam", value: "N", help: "Beam search of width N (quatrain form).", default: "0"),
                OptionSpec("--no-repeat", help: "Never repeat a character within a poem (punctuation excepted)."),
                OptionSpec("--repetition-penalty", value: "P", help: "Divide the logits of used characters by P (1 = off).", default: "1"),
                .json,
            ],
            run: runSample)
    }

    static func runSample(_ args: ParsedArguments, _ console: Console) throws -> Int32 {
        try args.expectPositional(max: 0)
        guard let path = args.string("--checkpoint") else { throw UsageError("poem sample needs --checkpoint FILE") }
        var o = SamplingOptions()
        o.temperature = try args.double("--temperature", default: 0, range: 0...100)
        o.topK = try args.int("--top-k", default: 0, range: 0...1_000_000)
        o.seed = try args.seed(default: 0)
        o.form = PoemForm(rawValue: try args.choice("--form", ["quatrain", "free"], default: "free"))!
        o.maxLength = try args.int("--max-length", default: 64, range: 1...10_000)
        o.beam = try args.int("--beam", default: 0, range: 0...256)
        o.noRepeat = args.flag("--no-repeat")
        o.repetitionPenalty = try args.double("--repetition-penalty", default: 1, range: 0.01...100)
        let count = try args.int("--count", default: 1, range: 1...10_000)
        if o.beam > 1 && o.form != .quatrain { throw UsageError("--beam needs --form quatrain") }
        if o.beam > 1 && o.temperature > 0 { throw UsageError("--beam is deterministic; drop --temperature") }
        let ck = try readCheckpoint(path)
        let sampler = PoemSampler(checkpoint: ck)
        let start = args.string("--start", default: "")
        let t0 = DispatchTime.now().uptimeNanoseconds
        let poems: [String]
        do {
            poems = try sampler.generate(start: start, acrostic: args.string("--acrostic", default: ""),
                                         prefix: args.string("--prefix", default: ""), count: count, options: o)
        } catch let e as SamplingError {
            throw UsageError(e.description)
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        if args.flag("--json") {
            struct Out: Encodable { let poems: [String]; let milliseconds: Double }
            console.print(try jsonString(Out(poems: poems, milliseconds: ms)))
        } else {
            for p in poems { console.print(p) }
        }
        return 0
    }
}
