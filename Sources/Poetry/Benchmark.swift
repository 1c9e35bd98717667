// Benchmark.swift — timing the fast trainer on a corpus: seconds per epoch, GFLOP/s by phase,
// and the machine's limit beside them.
//
// Dimension letters: as in Network.swift. The benchmark trains the homework's model for
// `batches` steps (0: a whole epoch) from a fresh seeded initialisation and projects the
// time of a full epoch. Beside each phase's GFLOP/s it puts the ratio to the measured FMA
// peak of the same thread count (FMAPeak.swift): the share of the machine's limit reached.
// It also reports the micro-kernel tile used and the measurement that chose it.
// Peak memory is the process's VmHWM from /proc/self/status (Linux).

import Foundation
import PoemEngine

/// One phase of the passes with its share of the time.
public struct PhaseFigure: Equatable, Sendable, Codable {
    public var phase: String
    public var seconds: Double
    public var gflop: Double
    public var gflopPerSecond: Double
    /// GFLOP/s over the measured FMA peak with the same threads (nil for phases without a FLOP count).
    public var shareOfPeak: Double?
}

/// What `PoemBenchmark.run` measured.
public struct BenchmarkReport: Sendable, Codable {
    public var poems: Int
    public var vocabulary: Int
    public var batchSize: Int
    /// Threads asked for.
    public var threads: Int
    /// Threads that ran: those asked for, at most the cores.
    public var workers: Int
    public var batchesTimed: Int
    public var batchesPerEpoch: Int
    public var seconds: Double
    public var secondsPerBatch: Double
    public var projectedEpochSeconds: Double
    public var poemsPerSecond: Double
    public var meanLoss: Double
    public var phases: [PhaseFigure]
    public var totalGflopPerSecond: Double
    /// Peak resident memory in MiB (nil where /proc is not available).
    public var peakMemoryMiB: Double?
    /// The micro-kernel tile used (a `KernelChoice` id).
    public var kernels: String
    /// Whether the tile was forced (else: measured fastest on this machine).
    public var kernelsForced: Bool
    /// The measurement that chose the tile for this machine.
    public var kernelSelection: KernelSelection
    /// The register-only FMA peak for 1…threads threads.
    public var fmaPeak: [FMAPeakFigure]
    /// The peak with `threads` threads, GFLOP/s.
    public var peakGflopPerSecond: Double { fmaPeak.last?.gflopPerSecond ?? .nan }
    /// The epoch's FLOP over the peak: the shortest epoch this machine allows.
    public var limitEpochSeconds: Double
}

public enum PoemBenchmark {
    /// Trains `batches` steps (0: one epoch) and reports the timings.
    /// - Parameter kernels: the micro-kernel tile; nil: the one measured fastest here.
    public static func run(
        poems: [[Int32]], vocabulary: Int, threads: Int, batches: Int, batchSize: Int = 32, seed: UInt64 = 0,
        kernels: KernelChoice? = nil
    ) throws -> BenchmarkReport {
        let selection = KernelChoice.selection
        let workers = min(max(1, threads), max(1, ProcessInfo.processInfo.activeProcessorCount))
        let peak = FMAPeak.measure(threads: workers)
        let peakGflops = peak.last?.gflopPerSecond ?? .nan
        let model = PoemModel(config: .homework(vocabularyCount: vocabulary), seed: seed)
        var options = TrainingOptions()
        options.kernels = kernels ?? selection.choice
        options.threads = threads
        options.batchSize = batchSize
        options.seed = seed
        options.epochs = 1
        let batchSize = max(1, min(batchSize, poems.count))
        let nb = max(1, poems.count / batchSize)
        options.maxSteps = batches <= 0 ? nb : min(batches, nb)
        let bounded = try PoemTrainer(poems: poems, model: model, options: options)
        var losses: [Float] = []
        let report = bounded.run(progress: { losses.append($0.loss) })
        let t = report.timings
        func figure(_ name: String, _ s: Double, _ f: Double) -> PhaseFigure {
            let rate = s > 0 ? f / 1e9 / s : 0
            return PhaseFigure(phase: name, seconds: s, gflop: f / 1e9, gflopPerSecond: rate, shareOfPeak: f > 0 ? rate / peakGflops : nil)
        }
        let phases = [
            figure("recurrent steps", t.recurrentSeconds, t.recurrentFlops),
            figure("LSTM projections", t.projectionSeconds, t.projectionFlops),
            figure("output layer", t.outputSeconds, t.outputFlops),
            figure("softmax + loss", t.softmaxSeconds, t.softmaxFlops),
            figure("optimizer (clip, Adam)", t.optimizerSeconds, 0),
            figure("other (embedding)", t.otherSeconds, 0),
        ]
        let flops = t.recurrentFlops + t.projectionFlops + t.outputFlops + t.softmaxFlops
        let perBatch = report.seconds / Double(max(1, report.stepsTaken))
        return BenchmarkReport(
            poems: poems.count, vocabulary: vocabulary, batchSize: bounded.effectiveBatchSize, threads: threads,
            workers: bounded.network.workers,
            batchesTimed: report.stepsTaken, batchesPerEpoch: nb, seconds: report.seconds,
            secondsPerBatch: perBatch, projectedEpochSeconds: perBatch * Double(nb),
            poemsPerSecond: report.poemsPerSecond,
            meanLoss: losses.isEmpty ? .nan : losses.map(Double.init).reduce(0, +) / Double(losses.count),
            phases: phases, totalGflopPerSecond: flops / 1e9 / max(report.seconds, 1e-9),
            peakMemoryMiB: peakResidentMiB(), kernels: bounded.network.kernels.id, kernelsForced: kernels != nil,
            kernelSelection: selection, fmaPeak: peak,
            limitEpochSeconds: flops / Double(max(1, report.stepsTaken)) * Double(nb) / 1e9 / peakGflops)
    }

    /// VmHWM of this process in MiB, from /proc/self/status.
    public static func peakResidentMiB() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").compactMap { Double($0) }
            if let kb = digits.first { return kb / 1024 }
        }
        return nil
    }
}
