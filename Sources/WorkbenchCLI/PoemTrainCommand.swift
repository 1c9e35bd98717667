// PoemTrainCommand.swift — `workbench poem train`: train the poem model, save after every epoch,
// save and stop on Ctrl-C, resume bit for bit.

import Dispatch
import Foundation
import Poetry

/// A flag set from a signal handler and read by the training loop.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    func raise() { lock.lock(); raised = true; lock.unlock() }
    var isRaised: Bool { lock.lock(); defer { lock.unlock() }; return raised }
}

struct PoemTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        name: "train", abstract: "Train the poem model (defaults: the homework's hyper-parameters).")
    static let defaults = TrainingOptions()
    static let defaultModel = PoemModelConfig.homework(vocabularyCount: 0)

    @OptionGroup var corpus: PoemCommand.CorpusOption
    @Option(placeholder: "N", help: "Passes over the corpus.", range: 1...100_000)
    var epochs = defaults.epochs
    @Option(placeholder: "B", help: "Poems per batch.", range: 1...4096)
    var batchSize = defaults.batchSize
    @Option(placeholder: "RATE", help: "Learning rate.", range: 1e-9...10)
    var lr = defaults.learningRate
    @Option(help: "Optimizer.")
    var optimizer = defaults.optimizer
    @Option(placeholder: "NORM", help: "Clip the gradient norm to NORM (0 = off).", range: 0...1e9)
    var clip = defaults.clip
    @Option(help: "Seed of the initial weights and of the shuffles.")
    var seed = defaults.seed
    @Flag(help: "Keep the corpus order in every epoch.")
    var noShuffle: Bool
    @Option(placeholder: "N", help: "Stop after N optimizer steps in total (0: just write the initial model).", range: 0...Int(Int32.max))
    var steps: Int?
    @OptionGroup var threads: PoemCommand.ThreadsOption
    @Option(placeholder: "FRACTION", help: "Hold out this fraction of poems; report its loss and perplexity per epoch (0 = the homework exactly).", range: 0...0.9)
    var validation = defaults.validationFraction
    @Option(placeholder: "FILE", help: "Start from the weights (and vocabulary) of this checkpoint.")
    var initFrom: String?
    @Option(placeholder: "FILE", help: "Continue the run saved in this checkpoint and its .state file.")
    var resume: String?
    @Option(placeholder: "DIR", help: "Where poem.safetensors, its .state file and loss.svg go.")
    var out = "poem-run"
    @Flag(help: "Print only the final report.")
    var quiet: Bool
    @Option(placeholder: "E", help: "Embedding width of a new model.", range: 1...4096)
    var embeddingDim = defaultModel.embeddingDim
    @Option(placeholder: "H", help: "LSTM width of a new model.", range: 1...4096)
    var hiddenSize = defaultModel.hiddenSize
    @Option(placeholder: "L", help: "LSTM layers of a new model.", range: 1...8)
    var layers = defaultModel.layers
    @OptionGroup var output: OutputOptions

    init() {}

    func validate() throws {
        if resume != nil && initFrom != nil { throw UsageError("use either --resume or --init-from, not both") }
        if resume != nil || initFrom != nil {
            let source = resume != nil ? "--resume" : "--init-from"
            for state in [$embeddingDim, $hiddenSize, $layers] where state.isSet {
                throw UsageError("option \(state.name) does not apply with \(source): the model's shape comes from the checkpoint")
            }
        }
        if out.isEmpty { throw UsageError("option --out needs a folder name") }
    }

    var options: TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.batchSize = batchSize
        o.learningRate = lr
        o.optimizer = optimizer
        o.clip = clip
        o.seed = seed
        o.shuffle = !noShuffle
        o.maxSteps = steps
        o.threads = threads.threads
        o.validationFraction = validation
        return o
    }

    func run(_ console: Console) throws -> Int32 {
        let options = self.options
        let outDir = out
        let corpus = try self.corpus.load()
        let quiet = self.quiet || output.json

        var vocabulary: Vocabulary
        var model: PoemModel
        var state: TrainingState?
        if let path = resume {
            let ck = try PoemCheckpoint.read(path: path)
            let statePath = TrainingState.path(forCheckpoint: path)
            do { state = try TrainingState.read(path: statePath) } catch let e as CheckpointError {
                throw RuntimeError("\(e.description) (a resumable run keeps it next to the checkpoint)")
            }
            vocabulary = ck.vocabulary
            model = ck.model
        } else if let path = initFrom {
            let ck = try PoemCheckpoint.read(path: path)
            vocabulary = ck.vocabulary
            model = ck.model
        } else {
            vocabulary = Vocabulary(poems: corpus.poems)
            var config = PoemModelConfig.homework(vocabularyCount: vocabulary.count)
            config.embeddingDim = embeddingDim
            config.hiddenSize = hiddenSize
            config.layers = layers
            model = PoemModel(config: config, seed: options.seed)
        }
        let poems = try PoemCommand.encode(corpus, vocabulary, checkpoint: resume ?? initFrom ?? corpus.source)
        let trainer = try PoemTrainer(poems: poems, model: model, options: options, state: state)
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
            try trainer.state.write(to: TrainingState.path(forCheckpoint: checkpointPath))
            try PoemCheckpoint(model: trainer.model, vocabulary: vocabulary, info: info).write(to: checkpointPath)
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
        let fmt = PoemCommand.fmt
        let report = trainer.run(progress: { p in
            if let summary = p.epochSummary {
                do { try save() } catch { saveError = error; stopFlag.raise() }
                if !quiet {
                    if console.isTerminal { console.writeError("\r\u{1B}[K") }
                    var line = "epoch \(summary.epoch + 1)/\(p.epochs)  loss \(fmt(summary.meanLoss, 4))"
                    if let v = summary.validationLoss, let ppl = summary.validationPerplexity {
                        line += "  validation loss \(fmt(v, 4))  perplexity \(fmt(ppl, 2))"
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
                console.writeError("\r\u{1B}[Kepoch \(p.epoch + 1)/\(p.epochs) [\(bar)] \(p.batch)/\(p.batchesPerEpoch)  loss \(fmt(Double(p.loss), 4))  \(Int(p.poemsPerSecond)) poems/s  ETA \(PoemCommand.duration(p.secondsLeft))")
            }
        }, shouldStop: { stopFlag.isRaised })
        if let saveError { throw saveError }
        if !quiet && console.isTerminal { console.writeError("\r\u{1B}[K") }

        var exit: Int32 = 0
        switch report.stop {
        case .finished, .stepLimit, .interrupted:
            try save()
            if report.stop == .interrupted {
                console.printError("interrupted at step \(trainer.state.step); resume with: workbench poem train --resume \(checkpointPath)\(self.corpus.corpus.map { " --corpus \($0)" } ?? "")")
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
            let svg = LossCurve.svg(stepLosses: trainer.state.stepLosses, epochLosses: trainer.state.epochLosses,
                                    validationLosses: trainer.state.validationLosses, batchesPerEpoch: trainer.batchesPerEpoch)
            if (try? AtomicFile.write(svg, to: path)) != nil { svgPath = path }
        }
        if output.json {
            struct Out: Encodable { let report: TrainingReport; let checkpoint: String; let lossCurve: String? }
            console.print(try jsonString(Out(report: report, checkpoint: checkpointPath, lossCurve: svgPath)))
        } else {
            console.print("steps \(trainer.state.step) (this run \(report.stepsTaken)), epochs done \(trainer.state.epoch), \(fmt(report.seconds, 1)) s, \(Int(report.poemsPerSecond)) poems/s")
            if let last = report.epochs.last {
                console.print("final epoch mean loss \(fmt(last.meanLoss, 4))" + (last.validationLoss.map { "  validation \(fmt($0, 4))  perplexity \(fmt(Foundation.exp($0), 2))" } ?? ""))
            } else if let l = trainer.state.stepLosses.last {
                console.print("last batch loss \(fmt(Double(l), 4))")
            }
            console.print("checkpoint \(checkpointPath)" + (svgPath.map { ", loss curve \($0)" } ?? ""))
        }
        return exit
    }
}
