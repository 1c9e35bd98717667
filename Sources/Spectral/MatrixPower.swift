// MatrixPower.swift — Wⁿ two ways: by repeated squaring, and by the eigen-decomposition
// Wⁿ = Q Λⁿ Q⁻¹ (homework 5, exercise 2(b)), with the difference between them.
//
// Dimension letters: N, the matrix order. Repeated squaring needs about 2 log₂ n products
// and is exact up to rounding for any W. Q Λⁿ Q⁻¹ needs W diagonalisable; for a complex
// pair, Q and Λ are complex and the imaginary parts cancel in the product (the residue is
// reported). For a defective W (a Jordan block), Q is singular or nearly so and the formula
// does not hold: the report shows how far it is off. Leaves out: non-integer powers.

import Foundation
import WorkbenchNumerics

/// Wⁿ by binary exponentiation (repeated squaring); `multiplications` counts the products.
public func matrixPowerBySquaring(_ w: Matrix<Double>, _ n: Int) -> (power: Matrix<Double>, multiplications: Int) {
    precondition(w.rows == w.cols && n >= 0, "matrixPowerBySquaring needs a square matrix and n ≥ 0")
    var result = Matrix<Double>.identity(w.rows)
    var base = w
    var e = n
    var count = 0
    var resultIsIdentity = true
    while e > 0 {
        if e & 1 == 1 {
            if resultIsIdentity { result = base; resultIsIdentity = false } else { result = result * base; count += 1 }
        }
        e >>= 1
        if e > 0 { base = base * base; count += 1 }
    }
    return (result, count)
}

/// Wⁿ computed as Q Λⁿ Q⁻¹ from an eigen-decomposition of W.
public struct EigenPower: Codable, Sendable {
    /// Re(Q Λⁿ Q⁻¹), (N, N).
    public var power: Matrix<Double>
    /// max |Im(Q Λⁿ Q⁻¹)|: zero in exact arithmetic for a real W.
    public var maxImaginaryResidue: Double
}

/// Q Λⁿ Q⁻¹ for the decomposition `d` (of a real matrix); nil when Q is exactly singular.
public func matrixPowerByEigen(_ d: EigenDecomposition, _ n: Int) -> EigenPower? {
    precondition(n >= 0, "matrixPowerByEigen needs n ≥ 0")
    let q = d.eigenvectors
    guard let qInverse = inverse(q) else { return nil }
    let lambdaN = ComplexMatrix.diagonal(d.eigenvalues.map { $0.power(n) })
    let product = q * lambdaN * qInverse
    return EigenPower(power: product.realPart, maxImaginaryResidue: product.maxAbsImaginary)
}

/// ‖Wⁿ‖₂ for n = 0, step, 2·step, … ≤ maxN (successive products by W^step), with ρⁿ beside it.
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
    -> (norms: [NormPoint], maxChangeFromW: Double) {
    precondition(w.rows == w.cols && maxN >= 0, "powerTrajectory needs a square matrix and maxN ≥ 0")
    let step = max(1, Int((Double(maxN) / Double(max(maxPoints - 1, 1))).rounded(.up)))
    let stepPower = matrixPowerBySquaring(w, step).power
    var p = Matrix<Double>.identity(w.rows)
    var out: [NormPoint] = []
    var maxChange = 0.0
    var n = 0
    while true {
        out.append(NormPoint(n: n, norm: p.isFinite ? twoNorm(p) : .infinity, spectralRadiusPower: pow(rho, Double(n))))
        if n >= 1 { maxChange = max(maxChange, (p - w).maxAbs()) }
        if n + step > maxN { break }
        p = p * stepPower
        n += step
    }
    return (out, maxChange)
}
