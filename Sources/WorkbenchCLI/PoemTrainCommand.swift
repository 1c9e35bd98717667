// PoemTrainCommand.swift — `workbench poem train`: options, progress and the final report over
// Poetry's `TrainingRun`, which owns the workflow (new / --init-from / --resume, saving after
// every epoch and at the end, the folder lock, stop requests, the loss curve).
//
// Signals: SIGINT (Ctrl-C) and SIGTERM both ask the run to stop after the step in progress; it
// saves and the command exits with 128 + the signal (130, 143), as a shell reports a process
// ended by that signal, after printing the command that continues the run. Progress goes to
// standard error, the report to standard output; a failed standard output never stops a save.

import Dispatch
import Foundation
import Poetry

/// SIGINT and SIGTERM raise a stop request instead of ending the process, until `cancel`.
final class StopSignals {
    static let handled: [Int32] = [SIGINT, SIGTERM]
    private var sources: [DispatchSourceSignal] = []
    /// Puts back the dispositions found at start (the handler type differs between platforms).
    private var restore: [() -> Void] = []

    init(raising stop: StopRequest) {
        for number in Self.handled {
            let previous = signal(number, SIG_IGN)
            restore.append { _ = signal(number, previous) }
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.request(signal: number) }
            source.resume()
            sources.append(source)
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
        for put in restore { put() }
        sources = []
        restore = []
    }

    /// The name of a signal in messages.
    static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: return "SIGINT (Ctrl-C)"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(number)"
        }
    }
}

struct PoemTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        name: "train", abstract: "Train the poem model (defaults: the homework's hyper-parameters).",
        discussion: """
            Saves after every epoch and at the end. Ctrl-C (SIGINT) or SIGTERM: the step in progress
            finishes, the run saves and exits with status 130 or 143, printing the command that
            continues it (`--resume FILE` alone: the corpus, folder and settings are in the state).
            One trainer at a time per --out folder.
            """)
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
    @Option(
        placeholder: "FRACTION",
        help: "Hold out this fraction of poems; report its loss and perplexity per epoch (0 = the homework exactly).", range: 0...0.9)
    var validation = defaults.validationFraction
    @Option(placeholder: "FILE", help: "Start from the weights (and vocabulary) of this checkpoint.")
    var initFrom: String?
    @Option(
        placeholder: "FILE",
        help:
            "Continue the run saved with this checkpoint (or in this folder): its corpus, folder and settings are stored in its .state file; --epochs or --steps given here extend it."
    )
    var resume: String?
    @Option(
        placeholder: "DIR", help: "Where poem.safetensors, its .state file and loss.svg go.",
        defaultText: "\(TrainingRunRequest.defaultOutFolder); with --resume, the run's own folder")
    var out: String?
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
        if out?.isEmpty == true { throw UsageError("option --out needs a folder name") }
    }

    /// The settings given on the command line (nil where an option was left out).
    var settings: TrainingSettings {
        TrainingSettings(
            epochs: $epochs.isSet ? epochs : nil, batchSize: $batchSize.isSet ? batchSize : nil,
            learningRate: $lr.isSet ? lr : nil, optimizer: $optimizer.isSet ? optimizer : nil,
            clip: $clip.isSet ? clip : nil, seed: $seed.isSet ? seed : nil, shuffle: noShuffle ? false : nil,
            maxSteps: steps, validationFraction: $validation.isSet ? validation : nil)
    }

    var request: TrainingRunRequest {
        let start: TrainingRunRequest.Start
        if let resume {
            start = .resume(resume)
        } else if let initFrom {
            start = .initFrom(initFrom)
        } else {
            start = .new(embeddingDim: embeddingDim, hiddenSize: hiddenSize, layers: layers)
        }
        return TrainingRunRequest(start: start, corpus: corpus.corpus, outFolder: out, settings: settings, threads: threads.threads)
    }

    func run(_ console: Console) throws -> Int32 {
        // Signals first: a stop asked for while the run opens takes effect before its first step.
        let stop = StopRequest()
        let signals = StopSignals(raising: stop)
        defer { signals.cancel() }
        let training = try TrainingRun.open(request)
        let quiet = self.quiet || output.json
        let trainer = training.trainer, corpus = training.corpus
        if !output.json {
            for note in training.notes { console.printError("note: \(note)") }
        }
        if !quiet {
            console.printError(
                "corpus \(corpus.source): \(corpus.poems.count) poems, \(corpus.skipped.count) skipped, vocabulary \(training.vocabulary.count); training on \(trainer.trainingPoems.count), validation \(trainer.validationPoems.count); \(trainer.batchesPerEpoch) batches/epoch, \(trainer.options.threads) thread(s)"
            )
            for s in corpus.skipped.prefix(5) { console.printError("  skipped line \(s.line): \(s.reason)") }
            if corpus.skipped.count > 5 { console.printError("  … and \(corpus.skipped.count - 5) more skipped lines") }
            if trainer.state.step > 0 {
                console.printError(
                    "resuming at step \(trainer.state.step), epoch \(trainer.state.epoch + 1)/\(trainer.options.epochs), into \((training.checkpointPath as NSString).deletingLastPathComponent)"
                )
            }
        }

        var lastDraw: UInt64 = 0
        let fmt = PoemCommand.fmt
        let result = try training.run(
            progress: { p in
                if let summary = p.epochSummary {
                    guard !quiet else { return }
                    if console.isTerminal { console.writeError("\r\u{1B}[K") }
                    var line = "epoch \(summary.epoch + 1)/\(p.epochs)  loss \(fmt(summary.meanLoss, 4))"
                    if let v = summary.validationLoss, let ppl = summary.validationPerplexity {
                        line += "  validation loss \(fmt(v, 4))  perplexity \(fmt(ppl, 2))"
                    }
                    line += "  \(fmt(summary.seconds, 1)) s  \(Int(p.poemsPerSecond)) poems/s"
                    console.printError(line)
                } else if !quiet && console.isTerminal {
                    // At most ten redraws a second.
                    let tick = DispatchTime.now().uptimeNanoseconds
                    if tick - lastDraw < 100_000_000 && p.batch != 1 { return }
                    lastDraw = tick
                    let width = 24
                    let filled = width * p.batch / max(1, p.batchesPerEpoch)
                    let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
                    console.writeError(
                        "\r\u{1B}[Kepoch \(p.epoch + 1)/\(p.epochs) [\(bar)] \(p.batch)/\(p.batchesPerEpoch)  loss \(fmt(Double(p.loss), 4))  \(Int(p.poemsPerSecond)) poems/s  ETA \(PoemCommand.duration(p.secondsLeft))"
                    )
                }
            }, stop: stop)
        if !quiet && console.isTerminal { console.writeError("\r\u{1B}[K") }

        var exit: Int32 = 0
        let report = result.report
        switch report.stop {
        case .finished, .stepLimit:
            break
        case .interrupted:
            let signal = result.stopSignal ?? SIGINT
            console.printError(
                "stopped by \(StopSignals.name(signal)) at step \(result.step) and saved; continue the run with: workbench poem train --resume \(Self.shellQuoted(result.checkpoint))"
            )
            exit = 128 + signal
        case .diverged(let step, let loss):
            let kept =
                result.savedStep.map { "the checkpoint of step \($0) is kept at \(result.checkpoint)" } ?? "no checkpoint was written"
            console.printError(
                "error: the loss became \(loss) at step \(step); stopped without applying that step (\(kept)). Try a smaller --lr or --clip 1."
            )
            exit = 1
        }
        if output.json {
            console.print(try jsonString(result))
        } else {
            console.print(
                "steps \(result.step) (this run \(report.stepsTaken)), epochs done \(result.epochsDone), \(fmt(report.seconds, 1)) s, \(Int(report.poemsPerSecond)) poems/s"
            )
            if report.stop == .stepLimit, let limit = result.maxSteps, result.epochsDone < result.epochs {
                console.print("stopped at the step limit \(limit) (--steps); give --steps N or --epochs N with --resume to go on")
            }
            if let last = report.epochs.last {
                console.print(
                    "final epoch mean loss \(fmt(last.meanLoss, 4))"
                        + (last.validationLoss.map { "  validation \(fmt($0, 4))  perplexity \(fmt(Foundation.exp($0), 2))" } ?? ""))
            } else if let l = result.lastBatchLoss {
                console.print("last batch loss \(fmt(Double(l), 4))")
            }
            if result.savedStep != nil {
                console.print("checkpoint \(result.checkpoint)" + (result.lossCurve.map { ", loss curve \($0)" } ?? ""))
            }
        }
        return exit
    }

    /// `path` as one shell word (single-quoted when it holds anything but safe characters).
    static func shellQuoted(_ path: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+:@%,=")
        if !path.isEmpty && path.allSatisfy({ safe.contains($0) }) { return path }
        return "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
