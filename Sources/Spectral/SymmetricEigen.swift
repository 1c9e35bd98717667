// SymmetricEigen.swift — eigenvalues and orthonormal eigenvectors of a real symmetric matrix
// by the cyclic Jacobi method.
//
// Dimension letters: N, the matrix order. Notation: A = Q Λ Qᵀ with Q orthogonal (N, N) and
// Λ = diag(λ_1 … λ_N); column i of Q is the eigenvector of λ_i. Each Jacobi rotation
// J(p, q, θ) zeroes the pair a_pq = a_qp; a sweep visits every pair p < q once, and the
// off-diagonal mass falls quadratically once it is small. The sweep runs on 2^k A with k chosen
// so that squares of entries neither overflow nor underflow (the eigenvalues are scaled back
// exactly); without it, entries beyond ~1e154 overflowed the off-diagonal mass and the sweep
// stopped at once with wrong eigenvalues. Leaves out: the threshold and
// sorting refinements of LAPACK's dsyevj; N is at most a few hundred here.

import Foundation
import WorkbenchNumerics

/// The eigen-decomposition A = Q Λ Qᵀ of a real symmetric matrix.
///
/// Conventions: eigenvalues sorted by descending |λ| (ties: larger λ first); each eigenvector
/// has unit 2-norm and its largest-magnitude component positive (on a tie in magnitude, the
/// first such component), so the result does not depend on the sign the iteration produced.
public struct SymmetricEigenDecomposition: Codable, Sendable {
    /// λ_1 … λ_N, descending |λ|.
    public var eigenvalues: [Double]
    /// Q, (N, N): column i is the unit eigenvector of `eigenvalues[i]`.
    public var eigenvectors: Matrix<Double>
    /// Jacobi sweeps used.
    public var sweeps: Int
}

/// Eigenvalues and orthonormal eigenvectors of the symmetric matrix `a` (cyclic Jacobi).
///
/// - Parameters:
///   - a: the matrix, (N, N), finite and symmetric within `symmetryTolerance`.
///   - symmetryTolerance: the largest |a_ij − a_ji| accepted, relative to max |a_ij|
///     (default 1e-12); the symmetric part (A + Aᵀ)/2 is decomposed.
/// A matrix with max |a_ij| outside [2^-300, 2^300] is multiplied by a power of 2 first (exactly)
/// and the eigenvalues scaled back, as LAPACK's dsyev does.
/// - Throws: `SpectralError` for an empty, non-square, non-finite or non-symmetric matrix,
///   when 60 sweeps do not converge, or for an eigenvalue beyond Double's range.
public func symmetricEigen(_ a: Matrix<Double>, symmetryTolerance: Double = 1e-12) throws -> SymmetricEigenDecomposition {
    try validateSquare(a)
    let n = a.rows
    let scale = a.maxAbs()
    for i in 0..<n {
        for j in (i + 1)..<n where abs(a[i, j] - a[j, i]) > symmetryTolerance * scale {
            throw SpectralError.notSymmetric(row: i, col: j, difference: abs(a[i, j] - a[j, i]))
        }
    }
    // Work on 2^k times the symmetric part, stored full (N, N), with max |a_ij| in
    // [2^-300, 2^300]: every sum of squares below stays far from overflow and underflow.
    let exponent = rangeExponent(maxAbs: scale, lower: 0x1p-300, upper: 0x1p300)
    var m = a.storage.map { timesPowerOfTwo($0, exponent) }
    for i in 0..<n { for j in (i + 1)..<n { let s = 0.5 * m[i * n + j] + 0.5 * m[j * n + i]; m[i * n + j] = s; m[j * n + i] = s } }
    var v = Matrix<Double>.identity(n).storage
    let maxSweeps = 60
    var sweeps = 0
    try m.withUnsafeMutableBufferPointer { A in
        try v.withUnsafeMutableBufferPointer { V in
            while true {
                var off = 0.0, total = 0.0
                for i in 0..<n {
                    for j in 0..<n {
                        let x = A[i * n + j] * A[i * n + j]
                        total += x
                        if i != j { off += x }
                    }
                }
                if off <= 1e-32 * total || off == 0 { break }
                if sweeps == maxSweeps { throw SpectralError.noConvergence(algorithm: "cyclic Jacobi", iterations: maxSweeps) }
                sweeps += 1
                for p in 0..<(n - 1) {
                    for q in (p + 1)..<n {
                        let apq = A[p * n + q]
                        if apq == 0 { continue }
                        let app = A[p * n + p], aqq = A[q * n + q]
                        // Rotation angle: tan θ = t, the smaller root of t² + 2ζt − 1 = 0.
                        let zeta = (aqq - app) / (2 * apq)
                        let t = (zeta >= 0 ? 1.0 : -1.0) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
                        let c = 1 / (1 + t * t).squareRoot(), s = t * c
                        // A ← Jᵀ A J on rows/columns p and q.
                        for k in 0..<n {
                            let akp = A[k * n + p], akq = A[k * n + q]
                            A[k * n + p] = c * akp - s * akq
                            A[k * n + q] = s * akp + c * akq
                        }
                        for k in 0..<n {
                            let apk = A[p * n + k], aqk = A[q * n + k]
                            A[p * n + k] = c * apk - s * aqk
                            A[q * n + k] = s * apk + c * aqk
                        }
                        A[p * n + q] = 0
                        A[q * n + p] = 0
                        for k in 0..<n {
                            let vkp = V[k * n + p], vkq = V[k * n + q]
                            V[k * n + p] = c * vkp - s * vkq
                            V[k * n + q] = s * vkp + c * vkq
                        }
                    }
                }
            }
        }
    }
    let lambdas = (0..<n).map { timesPowerOfTwo(m[$0 * n + $0], -exponent) }
    if let k = lambdas.firstIndex(where: { !$0.isFinite }) {
        throw SpectralError.outOfRange(
            quantity: "an eigenvalue of W", log10Magnitude: log10(abs(m[k * n + k])) - Double(exponent) * log10(2.0))
    }
    let order = (0..<n).sorted { i, j in
        abs(lambdas[i]) != abs(lambdas[j]) ? abs(lambdas[i]) > abs(lambdas[j]) : lambdas[i] > lambdas[j]
    }
    var q = Matrix<Double>(rows: n, cols: n)
    for (col, src) in order.enumerated() {
        var vec = (0..<n).map { v[$0 * n + src] }
        normalizeSign(&vec)
        for i in 0..<n { q[i, col] = vec[i] }
    }
    return SymmetricEigenDecomposition(eigenvalues: order.map { lambdas[$0] }, eigenvectors: q, sweeps: sweeps)
}

/// Flips `v` so that its largest-magnitude component (the first, on ties) is positive.
func normalizeSign(_ v: inout [Double]) {
    var best = 0
    for i in v.indices where abs(v[i]) > abs(v[best]) { best = i }
    if v.indices.contains(best), v[best] < 0 { for i in v.indices { v[i] = -v[i] } }
}
