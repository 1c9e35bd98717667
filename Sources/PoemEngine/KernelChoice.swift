// KernelChoice.swift — which micro-kernel tile the poem trainer's products use, and how the
// choice for this machine is made.
//
// The candidates are the tiles of MicroTiles.swift; each runs on every CPU, only the speed
// differs. The choice is made once per process at first use by a short measurement (the
// planner idea of FFTW): each candidate multiplies a (192 × 128) by a (128 × 512) matrix on
// one thread, seven times in turn, and the fastest (least of its times) wins. A choice can
// also be forced by its id, e.g. to rerun a measurement or to resume a run on the tile it used.
// Results do not depend on the choice: every tile sums each entry as the same chain of fused
// multiply-adds (see MicroTiles.swift), and the trainer's other kernels do not look at it.
// Leaves out: caching the choice on disk (measuring takes a few milliseconds).

import Foundation

/// A micro-kernel tile for the products of the poem trainer, named by a stable id.
public enum KernelChoice: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// 8 × 32 tile of 16-lane vectors: 16 accumulators of 512 bits (AVX-512).
    case tile8x32 = "8x32-simd16"
    /// 6 × 16 tile of 8-lane vectors: 12 accumulators of 256 bits (AVX2 + FMA).
    case tile6x16 = "6x16-simd8"
    /// 12 × 8 tile of 4-lane vectors: 24 accumulators of 128 bits (arm64 NEON).
    case tile12x8 = "12x8-simd4"

    /// The stable id (stored with a training run).
    public var id: String { rawValue }
    public var description: String { rawValue }

    /// The choice named `id`, or nil when no candidate has that id.
    public init?(id: String) { self.init(rawValue: id) }

    /// MR: rows of the tile.
    public var rows: Int { tile.mr }
    /// NR: columns of the tile.
    public var columns: Int { tile.nr }

    var tile: any MicroTile.Type {
        switch self {
        case .tile8x32: return Tile8x32.self
        case .tile6x16: return Tile6x16.self
        case .tile12x8: return Tile12x8.self
        }
    }

    /// The choice for this machine: measured once per process, at first use.
    public static var preferred: KernelChoice { selection.choice }

    /// How `preferred` was chosen (the measurement), for reports.
    public static let selection: KernelSelection = KernelSelection.measure()
}

/// The measurement behind `KernelChoice.preferred`: each candidate's speed on one thread.
public struct KernelSelection: Sendable, Codable, Equatable {
    public struct Candidate: Sendable, Codable, Equatable {
        public var id: String
        /// Best speed seen, GFLOP/s on one thread.
        public var gflopPerSecond: Double
    }

    public var choice: KernelChoice
    public var candidates: [Candidate]

    /// Times every candidate on the same product, in turn, `rounds` times; the fastest wins.
    public static func measure(rounds: Int = 7) -> KernelSelection {
        let m = 192, n = 512, k = 128
        var rng = UInt32(12345)
        func next() -> Float {
            rng = rng &* 1_664_525 &+ 1_013_904_223
            return Float(rng >> 8) / Float(1 << 24) - 0.5
        }
        let a = (0..<(m * k)).map { _ in next() }
        let b = (0..<(k * n)).map { _ in next() }
        var c = [Float](repeating: 0, count: m * n)
        let choices = KernelChoice.allCases
        var best = [Double](repeating: .infinity, count: choices.count)
        let workspaces = choices.map { Kernels.Workspace(threads: 1, kernels: $0) }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    for _ in 0..<rounds {
                        for (i, ws) in workspaces.enumerated() {
                            let t0 = now()
                            Kernels.gemm(
                                m: m, n: n, k: k, a: .rowMajor(pa.baseAddress!, cols: k),
                                b: .rowMajor(pb.baseAddress!, cols: n), c: pc.baseAddress!, ldc: n,
                                accumulate: false, workspace: ws)
                            best[i] = min(best[i], now() - t0)
                        }
                    }
                }
            }
        }
        let flops = 2 * Double(m * n * k)
        let candidates = zip(choices, best).map { Candidate(id: $0.id, gflopPerSecond: flops / max($1, 1e-12) / 1e9) }
        let fastest = zip(choices, best).min { $0.1 < $1.1 }!.0
        return KernelSelection(choice: fastest, candidates: candidates)
    }
}
