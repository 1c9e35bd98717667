// FMAPeak.swift — the machine's measured limit: a loop of fused multiply-adds on registers only.
//
// Each thread runs `iterations` steps of ten independent chains acc_c ← acc_c + x ⊙ y
// (no memory traffic; ten chains cover the latency of two FMA units of four cycles), on
// 8-lane and on 16-lane vectors, compiled with the same flags as the kernels. The faster of
// the two widths is the build's peak: 16 lanes on AVX-512, 8 lanes where 16-lane vectors
// are split in two (AVX2) — there ten 16-lane chains would not fit the registers.
// FLOP count: 2 per lane per step (a multiply and an add).
// Leaves out: turbo and thermal effects beyond what the best of a few repetitions hides.

import Foundation

/// The measured peak for one thread count.
public struct FMAPeakFigure: Sendable, Codable, Equatable {
    public var threads: Int
    /// Best over repetitions and vector widths, in GFLOP/s (all threads together).
    public var gflopPerSecond: Double
    /// Lanes of the vector width that reached it.
    public var lanes: Int
}

package enum FMAPeak {
    /// Ten independent FMA chains of `V` for `iterations` steps; returns a value that
    /// depends on every chain, so that no step can be left out.
    @inline(never)
    static func chains<V: SIMD>(_: V.Type, iterations: Int, seed: Float) -> Float where V.Scalar == Float {
        let x = V(repeating: 0.999_9), y = V(repeating: seed * 1e-6)
        var a0 = V(repeating: seed), a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3, a4 = a0 + 4
        var a5 = a0 + 5, a6 = a0 + 6, a7 = a0 + 7, a8 = a0 + 8, a9 = a0 + 9
        for _ in 0..<iterations {
            a0 = a0.addingProduct(x, y); a1 = a1.addingProduct(x, y); a2 = a2.addingProduct(x, y)
            a3 = a3.addingProduct(x, y); a4 = a4.addingProduct(x, y); a5 = a5.addingProduct(x, y)
            a6 = a6.addingProduct(x, y); a7 = a7.addingProduct(x, y); a8 = a8.addingProduct(x, y)
            a9 = a9.addingProduct(x, y)
        }
        let s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + (a8 + a9)
        return s.sum()
    }

    /// The peak with 1…`threads` threads (one figure per count), best of `repetitions`.
    /// The number of steps is doubled until one run of the loop takes at least `minimumSeconds`.
    package static func measure(threads: Int, repetitions: Int = 5, minimumSeconds: Double = 0.005) -> [FMAPeakFigure] {
        let pool = WorkerPool(threads: max(1, threads))
        let sink = UnsafeMutablePointer<Float>.allocate(capacity: max(1, threads))
        sink.initialize(repeating: 0, count: max(1, threads))
        defer { sink.deallocate() }
        /// Seconds for `used` threads each running `iterations` steps of `lanes`-lane chains.
        func time(_ used: Int, _ lanes: Int, _ iterations: Int) -> Double {
            let t0 = now()
            parallelFor(used, pool: pool) { t in
                sink[t] +=
                    lanes == 8
                    ? chains(SIMD8<Float>.self, iterations: iterations, seed: Float(t + 1))
                    : chains(SIMD16<Float>.self, iterations: iterations / 2, seed: Float(t + 1))
            }
            return now() - t0
        }
        var iterations = 8_192
        while time(1, 8, iterations) < minimumSeconds && iterations < 1 << 30 { iterations *= 2 }
        var figures: [FMAPeakFigure] = []
        for used in 1...max(1, threads) {
            var best = (gflops: 0.0, lanes: 0)
            for lanes in [8, 16] {
                for _ in 0..<repetitions {
                    // 10 chains · 8 lanes (or 16 lanes for half the steps) · 2 FLOP per step.
                    let flops = Double(used) * Double(iterations) * 10 * 8 * 2
                    let gflops = flops / max(time(used, lanes, iterations), 1e-12) / 1e9
                    if gflops > best.gflops { best = (gflops, lanes) }
                }
            }
            figures.append(FMAPeakFigure(threads: used, gflopPerSecond: best.gflops, lanes: best.lanes))
        }
        return figures
    }
}
