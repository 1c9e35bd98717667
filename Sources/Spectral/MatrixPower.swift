// MatrixPower.swift — Wⁿ two ways: by repeated squaring, and by the eigen-decomposition
// Wⁿ = Q Λⁿ Q⁻¹ (homework 5, exercise 2(b)), with the difference between them.
//
// Dimension letters: N, the matrix order. Repeated squaring needs about 2 log₂ n products
// and is exact up to rounding for any W. Q Λⁿ Q⁻¹ needs W diagonalisable; for a complex
// pair, Q and Λ are complex and the imaginary parts cancel in the product (the residue is
// reported). For a defective W (a Jordan block), Q is singular or nearly so and the formula
// does not hold: the report shows how far it is off. Powers that leave Double's range are
// carried as M · 2^e (`ScaledMatrix`) so that an overflowing entry or norm is ±∞ with the right
// sign, never the NaN of ∞ · 0. Leaves out: non-integer powers.

import Foundation
import WorkbenchNumerics

/// Wⁿ by binary exponentiation (repeated squaring); `multiplications` counts the products.
///
/// When Wⁿ overflows Double, the overflowing entries come out as ±∞ with the right sign (the
/// product is recomputed on a scaled representation, `ScaledMatrix`), never as the NaN that
/// ∞ · 0 or ∞ − ∞ would give.
public func matrixPowerBySquaring(_ w: Matrix<Double>, _ n: Int) -> (power: Matrix<Double>, multiplications: Int) {
    precondition(w.rows == w.cols && n >= 0, "matrixPowerBySquaring needs a square matrix and n ≥ 0")
    let plain = binaryPower(w, n, one: Matrix<Double>.identity(w.rows), times: denseProduct)
    if plain.power.isFinite || !w.isFinite { return plain }
    let scaled = binaryPower(ScaledMatrix(w), n, one: ScaledMatrix(.identity(w.rows)), times: *)
    return (scaled.power.value, scaled.multiplications)
}

/// xⁿ by repeated squaring for any product `times` with unit `one`.
func binaryPower<M>(_ x: M, _ n: Int, one: M, times: (M, M) -> M) -> (power: M, multiplications: Int) {
    var result = one
    var base = x
    var e = n
    var count = 0
    var resultIsOne = true
    while e > 0 {
        if e & 1 == 1 {
            if resultIsOne { result = base; resultIsOne = false } else { result = times(result, base); count += 1 }
        }
        e >>= 1
        if e > 0 { base = times(base, base); count += 1 }
    }
    return (result, count)
}

/// A real matrix held as M · 2^e with max |m_ij| in [1, 2) (or M = 0, e = 0): a product of many
/// such factors neither overflows nor underflows as a whole, and its entries are turned into
/// Doubles only at the end (±∞ beyond 1.8e308, 0 below the subnormal range, never NaN).
struct ScaledMatrix {
    /// M, (N, N).
    var mantissa: Matrix<Double>
    /// e: the matrix is M · 2^e.
    var exponent: Int

    /// A finite matrix, normalised.
    init(_ m: Matrix<Double>, exponent: Int = 0) {
        let largest = m.maxAbs()
        guard largest > 0, largest.isFinite else { mantissa = m; self.exponent = largest > 0 ? exponent : 0; return }
        let k = -Int(largest.exponent)
        mantissa = k == 0 ? m : m.map { timesPowerOfTwo($0, k) }
        self.exponent = exponent - k
    }

    /// M · 2^e as Doubles.
    var value: Matrix<Double> { exponent == 0 ? mantissa : mantissa.map { timesPowerOfTwo($0, exponent) } }

    /// ‖M‖₂ · 2^e (+∞ when it exceeds Double's range).
    var twoNorm: Double { timesPowerOfTwo(Spectral.twoNorm(mantissa), exponent) }

    /// Whether the matrix is exactly zero.
    var isZero: Bool { mantissa.maxAbs() == 0 }

    /// Whether ‖M · 2^e‖₂ exceeds Double's range. max |m_ij| ≤ ‖M‖₂ ≤ N max |m_ij| decides
    /// without an SVD except in that factor-N band.
    var exceedsDoubleRange: Bool {
        let largest = mantissa.maxAbs()
        guard largest > 0 else { return false }
        if timesPowerOfTwo(largest, exponent) == .infinity { return true }
        if timesPowerOfTwo(largest * Double(max(mantissa.rows, mantissa.cols)), exponent).isFinite { return false }
        return twoNorm == .infinity
    }

    /// log₁₀ ‖M · 2^e‖₂, finite even when the norm itself is not representable (−∞ for 0).
    var log10TwoNorm: Double { log10(Spectral.twoNorm(mantissa)) + Double(exponent) * log10(2.0) }

    static func * (a: ScaledMatrix, b: ScaledMatrix) -> ScaledMatrix {
        ScaledMatrix(denseProduct(a.mantissa, b.mantissa), exponent: a.exponent + b.exponent)
    }
}

/// A · B for Double matrices ((M, K) · (K, N) → (M, N)), with exactly the loop order of
/// WorkbenchNumerics' `gemm` (i-k-j, a zero a_ik skipped), hence the same rounding. `gemm` is
/// generic over the scalar type and is not specialized across the module boundary; the
/// repeated products of powers and Jacobian chains run several times faster on this copy.
func denseProduct(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Matrix<Double> {
    precondition(a.cols == b.rows, "matmul shape mismatch: (\(a.rows), \(a.cols)) · (\(b.rows), \(b.cols))")
    let m = a.rows, k = a.cols, n = b.cols
    var c = [Double](repeating: 0, count: m * n)
    a.storage.withUnsafeBufferPointer { pa in
        b.storage.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                for i in 0..<m {
                    let rowC = pc.baseAddress! + i * n
                    for p in 0..<k {
                        let aip = pa[i * k + p]
                        if aip == 0 { continue }
                        let rowB = pb.baseAddress! + p * n
                        for j in 0..<n { rowC[j] += aip * rowB[j] }
                    }
                }
            }
        }
    }
    return Matrix(rows: m, cols: n, storage: c)
}

/// Wⁿ computed as Q Λⁿ Q⁻¹ from an eigen-decomposition of W.
public struct EigenPower: Codable, Sendable {
    /// Re(Q Λⁿ Q⁻¹), (N, N); entries beyond Double's range are ±∞.
    public var power: Matrix<Double>
    /// max |Im(Q Λⁿ Q⁻¹)|: zero in exact arithmetic for a real W.
    public var maxImaginaryResidue: Double
}

/// Q Λⁿ Q⁻¹ for the decomposition `d` (of a real matrix); nil when Q is singular or Q⁻¹
/// overflows.
///
/// When λⁿ overflows, the product is formed as ρⁿ · Q (Λ/ρ)ⁿ Q⁻¹ with ρ = max |λ_i| and the
/// factor ρⁿ = 2^(n log₂ ρ) applied entry by entry, so overflowing entries are ±∞, not NaN.
public func matrixPowerByEigen(_ d: EigenDecomposition, _ n: Int) -> EigenPower? {
    precondition(n >= 0, "matrixPowerByEigen needs n ≥ 0")
    let q = d.eigenvectors
    guard let qInverse = inverse(q) else { return nil }
    let lambdaN = ComplexMatrix.diagonal(d.eigenvalues.map { $0.power(n) })
    let product = q * lambdaN * qInverse
    if product.isFinite { return EigenPower(power: product.realPart, maxImaginaryResidue: product.maxAbsImaginary) }
    // λⁿ overflowed (ρ > 1, n large): scale by ρⁿ.
    let rho = d.spectralRadius
    guard rho > 0, rho.isFinite else { return nil }
    let scaledLambda = ComplexMatrix.diagonal(d.eigenvalues.map { ((1 / rho) * $0).power(n) })
    var scaled = q * scaledLambda * qInverse
    let log2Factor = Double(n) * log2(rho)
    let whole = log2Factor.rounded(.down)
    let fraction = exp2(log2Factor - whole)
    let k = Int(min(max(whole, Double(Int32.min)), Double(Int32.max)))
    for i in scaled.re.indices {
        scaled.re[i] = timesPowerOfTwo(scaled.re[i] * fraction, k)
        scaled.im[i] = timesPowerOfTwo(scaled.im[i] * fraction, k)
    }
    return EigenPower(power: scaled.realPart, maxImaginaryResidue: scaled.maxAbsImaginary)
}

/// ‖Wⁿ‖₂ for n = 0, step, 2·step, … ≤ maxN (successive products by W^step), with ρⁿ beside it.
/// A value beyond Double's range is +∞ (an explicit overflow), never NaN.
public struct NormPoint: Codable, Sendable, Equatable {
    /// The exponent n.
    public var n: Int
    /// ‖Wⁿ‖₂ = σ_max(Wⁿ).
    public var norm: Double
    /// ρ(W)ⁿ, the rate the eigenvalues alone predict.
    public var spectralRadiusPower: Double
}

/// How many points of ‖Wⁿ‖₂ to sample by default: every point costs an SVD of an (N, N)
/// matrix, so fewer for larger N (201 up to N = 16, 51 up to N = 64, then 11).
public func defaultNormPoints(order: Int) -> Int {
    order <= 16 ? 201 : order <= 64 ? 51 : 11
}

/// ‖Wⁿ‖₂ against n for n in 0…maxN, at most about `maxPoints` points (default: see
/// `defaultNormPoints(order:)`).
public func powerNorms(_ w: Matrix<Double>, maxN: Int, spectralRadius rho: Double, maxPoints: Int? = nil) -> [NormPoint] {
    let maxPoints = maxPoints ?? defaultNormPoints(order: w.rows)
    return powerTrajectory(w, maxN: maxN, spectralRadius: rho, maxPoints: maxPoints).norms
}

/// ‖Wⁿ‖₂ at sampled n (0, step, 2·step, … ≤ maxN, successive products by W^step), and
/// max over those n ≥ 1 of max_ij |(Wⁿ − W)_ij| — how far the powers wander from W.
func powerTrajectory(_ w: Matrix<Double>, maxN: Int, spectralRadius rho: Double, maxPoints: Int)
    -> (norms: [NormPoint], maxChangeFromW: Double)
{
    precondition(w.rows == w.cols && maxN >= 0, "powerTrajectory needs a square matrix and maxN ≥ 0")
    let step = max(1, Int((Double(maxN) / Double(max(maxPoints - 1, 1))).rounded(.up)))
    // Powers are kept scaled (M · 2^e), so a norm beyond 1.8e308 is +∞ and never NaN.
    let stepPower = binaryPower(ScaledMatrix(w), step, one: ScaledMatrix(.identity(w.rows)), times: *).power
    var p = ScaledMatrix(.identity(w.rows))
    var out: [NormPoint] = []
    var maxChange = 0.0
    var n = 0
    while true {
        out.append(NormPoint(n: n, norm: p.twoNorm, spectralRadiusPower: pow(rho, Double(n))))
        if n >= 1 { maxChange = max(maxChange, maxAbsPropagatingNaN((p.value - w).storage)) }
        if n + step > maxN { break }
        p = p * stepPower
        n += step
    }
    return (out, maxChange)
}
