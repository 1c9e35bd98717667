// OptimizerKernels.swift — the element-wise passes of the optimizer: gradient norm, scaling,
// the finiteness test and Adam, 16 lanes at a time.
//
// Each pass gives the same bits for any thread count: element-wise updates do not depend on
// the split, and the norm adds fixed 4,096-entry chunks in a fixed order. Square roots are
// vector instructions (the target is built with -fno-math-errno).

import Foundation

package enum OptimizerKernels {
    /// Whether every entry is finite (x·0 is 0 for finite x, NaN otherwise).
    package static func allFinite(_ x: [Float]) -> Bool {
        x.withUnsafeBufferPointer { p in
            var acc = SIMD16<Float>()
            var i = 0
            while i < p.count {
                let k = min(16, p.count - i)
                acc += Kernels.load(p.baseAddress! + i, k) * 0
                i += 16
            }
            return acc.sum() == 0
        }
    }

    /// ‖g‖₂ in a fixed order whatever the thread count: sums of squares of 4,096-entry chunks
    /// (16 lanes each, lanes added in order), then the chunk sums added in order.
    package static func norm(_ g: [Float], threads: Int = 1, pool: WorkerPool? = nil) -> Float {
        let chunk = 4096
        let chunks = (g.count + chunk - 1) / chunk
        var partial = [Float](repeating: 0, count: chunks)
        g.withUnsafeBufferPointer { p in
            partial.withUnsafeMutableBufferPointer { out in
                parallelTasks(chunks, pool: threads > 1 ? pool : nil) { q, _ in
                    let base = p.baseAddress! + q * chunk
                    let n = min(chunk, p.count - q * chunk)
                    var acc = SIMD16<Float>()
                    var i = 0
                    while i < n { let v = Kernels.load(base + i, min(16, n - i)); acc = acc.addingProduct(v, v); i += 16 }
                    out[q] = acc.sum()
                }
            }
        }
        var s: Float = 0
        for x in partial { s += x }
        return s.squareRoot()
    }

    package static func scale(_ g: inout [Float], by c: Float) {
        g.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count {
                let k = min(16, p.count - i)
                Kernels.store(Kernels.load(p.baseAddress! + i, k) * SIMD16(repeating: c), p.baseAddress! + i, k)
                i += 16
            }
        }
    }

    package static func axpy(_ y: inout [Float], _ x: [Float], _ a: Float) {
        for i in y.indices { y[i] += a * x[i] }
    }

    /// Adam on `count` entries, 16 lanes at a time (the same operations as the scalar formula):
    /// g ← s·g, m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η · m / (√v / √(1−β₂ᵗ) + ε).
    @inline(__always)
    static func adamChunk(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
        _ v: UnsafeMutablePointer<Float>, _ count: Int, stepSize: Float, bc2Sqrt: Float, gradientScale: Float
    ) {
        typealias V = SIMD16<Float>
        let b1 = V(repeating: 0.9), c1 = V(repeating: 1 - 0.9 as Float)
        let b2 = V(repeating: 0.999), c2 = V(repeating: 1 - 0.999 as Float)
        let eps = V(repeating: 1e-8), lr = V(repeating: stepSize), bcInverse = V(repeating: 1 / bc2Sqrt)
        var i = 0
        while i < count {
            let k = min(16, count - i)
            let gi = Kernels.load(g + i, k) * V(repeating: gradientScale)
            let mi = b1 * Kernels.load(m + i, k) + c1 * gi
            let vi = b2 * Kernels.load(v + i, k) + c2 * gi * gi
            Kernels.store(mi, m + i, k)
            Kernels.store(vi, v + i, k)
            // √v / √(1−β₂ᵗ) as a product with the reciprocal: one division per entry, not two.
            Kernels.store(Kernels.load(p + i, k) - lr * (mi / (vi.squareRoot() * bcInverse + eps)), p + i, k)
            i += 16
        }
    }

    /// One Adam step on every parameter, in chunks of 4,096 entries split between the pool's
    /// threads (element-wise, so any split gives the same bits).
    /// - Parameters:
    ///   - stepSize: η = lr / (1 − β₁ᵗ).
    ///   - bc2Sqrt: √(1 − β₂ᵗ).
    ///   - gradientScale: the clipping factor folded into the gradient.
    package static func adam(
        parameters: inout [Float], gradient: [Float], firstMoment: inout [Float], secondMoment: inout [Float],
        stepSize: Float, bc2Sqrt: Float, gradientScale: Float, pool: WorkerPool
    ) {
        let n = parameters.count
        if gradient.count != n || firstMoment.count != n || secondMoment.count != n { fatalError("Adam: arrays of different lengths") }
        let chunk = 4096
        let chunks = (n + chunk - 1) / chunk
        parameters.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in
                firstMoment.withUnsafeMutableBufferPointer { m in
                    secondMoment.withUnsafeMutableBufferPointer { v in
                        let pp = p.baseAddress!, gp = g.baseAddress!, mp = m.baseAddress!, vp = v.baseAddress!
                        parallelTasks(chunks, pool: pool) { q, _ in
                            let lo = q * chunk, hi = min(n, lo + chunk)
                            adamChunk(
                                pp + lo, gp + lo, mp + lo, vp + lo, hi - lo, stepSize: stepSize, bc2Sqrt: bc2Sqrt,
                                gradientScale: gradientScale)
                        }
                    }
                }
            }
        }
    }
}
