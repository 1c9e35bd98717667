// Norms.swift — vector and matrix norms that neither overflow, underflow nor drop a NaN, and
// the power-of-two scaling that keeps the eigen- and singular-value routines inside Double's
// range.
//
// Notation: ‖x‖₂ = √(Σ x_i²), ‖A‖_F = √(Σ a_ij²). A sum of squares overflows as soon as one
// |x_i| exceeds ~1.3e154 and underflows to zero below ~1.5e-154, long before the norm itself
// leaves Double's range (1.8e308 … 2.2e-308). LAPACK's dlassq avoids this by keeping the sum as
// scale² · ssq with scale = max |x_i| seen so far, so that every term enters as (x_i / scale)²;
// `ScaledSumOfSquares` is that accumulator. Swift's `max`/`min` silently return the other
// argument when one is NaN, so every maximum here tracks NaN explicitly: a NaN entry gives a
// NaN norm, an infinite one +∞ — never a quietly smaller number.
//
// Scaling: multiplying a matrix by 2^k changes no significand bit (unless an entry leaves the
// normal range), so an algorithm can run on 2^k A and its eigen- or singular values be scaled
// back by 2^−k exactly. `rangeExponent` picks k as LAPACK's drivers do (dgeev, dsyev, dgesvd):
// only when max |a_ij| lies outside a safe window, and then only as far as the window's edge.
// Leaves out: other p-norms.

import Foundation
import WorkbenchNumerics

/// Σ x_i² kept as scale² · sumOfSquares (LAPACK's dlassq), with NaN and ∞ tracked explicitly.
struct ScaledSumOfSquares {
    /// max |x_i| over the finite non-zero terms so far.
    private(set) var scale = 0.0
    /// Σ (x_i / scale)².
    private(set) var sumOfSquares = 1.0
    private var sawNaN = false
    private var sawInfinity = false

    /// Adds x² to the sum.
    mutating func add(_ x: Double) {
        if x.isNaN { sawNaN = true; return }
        let a = abs(x)
        if a == 0 { return }
        if a == .infinity { sawInfinity = true; return }
        if scale < a {
            let r = scale / a
            sumOfSquares = 1 + sumOfSquares * r * r
            scale = a
        } else {
            let r = a / scale
            sumOfSquares += r * r
        }
    }

    /// √(Σ x_i²): NaN if any term was NaN, +∞ if any was infinite (or the norm overflows).
    var norm: Double {
        if sawNaN { return .nan }
        if sawInfinity { return .infinity }
        return scale * sumOfSquares.squareRoot()
    }
}

/// ‖x‖₂ of `count` entries `x[0], x[stride], …` (LAPACK's dnrm2), without overflow or underflow.
func euclideanNorm(_ x: UnsafePointer<Double>, count: Int, stride: Int = 1) -> Double {
    var s = ScaledSumOfSquares()
    for i in 0..<count { s.add(x[i * stride]) }
    return s.norm
}

/// ‖x‖₂ of an array, without overflow or underflow; NaN if an entry is NaN.
func euclideanNorm(_ x: [Double]) -> Double {
    x.withUnsafeBufferPointer { euclideanNorm($0.baseAddress!, count: $0.count) }
}

/// max |x_i|, NaN if any entry is NaN (0 for an empty array).
func maxAbsPropagatingNaN(_ x: [Double]) -> Double {
    var m = 0.0
    for v in x {
        if v.isNaN { return .nan }
        let a = abs(v)
        if a > m { m = a }
    }
    return m
}

/// ‖A‖_F of a real matrix without overflow or underflow; NaN if an entry is NaN.
func frobeniusNormPropagatingNaN(_ a: Matrix<Double>) -> Double {
    var s = ScaledSumOfSquares()
    for x in a.storage { s.add(x) }
    return s.norm
}

/// The exponent k for which 2^k · maxAbs lies in [lower, upper], moving only as far as needed:
/// 0 when maxAbs is already inside (or is 0, or not finite). `lower` ≤ `upper` must be normal.
func rangeExponent(maxAbs: Double, lower: Double, upper: Double) -> Int {
    guard maxAbs > 0, maxAbs.isFinite else { return 0 }
    if maxAbs > upper {
        // maxAbs < 2^(e+1), so 2^k maxAbs < 2^(upper.exponent) ≤ upper.
        return Int(upper.exponent) - Int(maxAbs.exponent) - 1
    }
    if maxAbs < lower {
        // maxAbs ≥ 2^e, so 2^k maxAbs ≥ 2^(lower.exponent + 1) > lower.
        return Int(lower.exponent) - Int(maxAbs.exponent) + 1
    }
    return 0
}

/// x · 2^k, exactly unless the result leaves the normal range (then ±∞ or a rounded subnormal).
@inline(__always)
func timesPowerOfTwo(_ x: Double, _ k: Int) -> Double { k == 0 ? x : scalbn(x, k) }

/// The safe window of LAPACK's dgeev / dsyev: [√safmin / ε, ε / √safmin] ≈ [6.7e-139, 1.5e138].
/// Inside it, squares of entries and sums of N² of them stay well within Double's range.
enum SafeRange {
    static let lower = Double.leastNormalMagnitude.squareRoot() / Double.ulpOfOne
    static let upper = 1 / lower
}

extension ComplexMatrix {
    /// √(Σ |a_ij|²) without overflow or underflow; NaN if any entry is NaN, +∞ if one is infinite.
    public func frobeniusNorm() -> Double {
        var s = ScaledSumOfSquares()
        for k in 0..<re.count { s.add(re[k]); s.add(im[k]) }
        return s.norm
    }

    /// max |a_ij| (NaN if any entry is NaN).
    public func maxModulus() -> Double {
        var m = 0.0
        for k in 0..<re.count {
            let z = hypot(re[k], im[k])
            if z.isNaN { return .nan }
            if z > m { m = z }
        }
        return m
    }

    /// max |Im a_ij|: how far the matrix is from real (NaN if any imaginary part is NaN).
    public var maxAbsImaginary: Double { maxAbsPropagatingNaN(im) }

    /// Whether every entry is finite.
    public var isFinite: Bool { re.allSatisfy(\.isFinite) && im.allSatisfy(\.isFinite) }
}
