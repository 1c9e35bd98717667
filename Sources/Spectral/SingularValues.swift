// SingularValues.swift — singular values by one-sided (Hestenes) Jacobi, the 2-norm, the
// spectral radius, and the inverse of a complex matrix.
//
// Dimension letters: M rows, N columns (M ≥ N after an optional transpose). One-sided
// Jacobi rotates pairs of columns of A until all are mutually orthogonal; the singular
// values are then the column norms. For a pair (a_p, a_q) with α = ‖a_p‖², β = ‖a_q‖²,
// γ = a_pᴴ a_q, the rotation with tan θ = t, t the smaller root of t² + 2ζt − 1 = 0,
// ζ = (β − α) / (2|γ|), makes them orthogonal (complex case: a_q is first multiplied by
// the phase of γ̄). Working on A itself rather than AᵀA keeps small singular values
// accurate, which matters for κ₂(V) = σ_max / σ_min. Leaves out: singular vectors.

import Foundation
import WorkbenchNumerics

/// The singular values of `a`, descending (min(M, N) of them; empty for an empty matrix).
public func singularValues(_ a: Matrix<Double>) -> [Double] {
    singularValues(ComplexMatrix(a))
}

/// The singular values of a complex matrix, descending.
public func singularValues(_ a: ComplexMatrix) -> [Double] {
    var m = a
    if m.rows < m.cols { m = m.adjoint }
    let rows = m.rows, cols = m.cols
    guard rows > 0, cols > 0 else { return [] }
    // NaN or infinite entries: the rotations would never converge; say so with NaN.
    guard m.re.allSatisfy(\.isFinite), m.im.allSatisfy(\.isFinite) else { return Array(repeating: .nan, count: cols) }
    // Column-major copies: column j is re[j*rows ..< (j+1)*rows].
    var re = [Double](repeating: 0, count: rows * cols), im = re
    for i in 0..<rows { for j in 0..<cols { re[j * rows + i] = m.re[i * cols + j]; im[j * rows + i] = m.im[i * cols + j] } }
    let isReal = im.allSatisfy { $0 == 0 }
    let eps = Double.ulpOfOne
    re.withUnsafeMutableBufferPointer { R in
        im.withUnsafeMutableBufferPointer { I in
            for _ in 0..<80 {
                var rotated = false
                for p in 0..<(cols - 1) {
                    for q in (p + 1)..<cols {
                        let op = p * rows, oq = q * rows
                        var alpha = 0.0, beta = 0.0, gr = 0.0, gi = 0.0
                        for k in 0..<rows {
                            let pr = R[op + k], qr = R[oq + k]
                            alpha += pr * pr
                            beta += qr * qr
                            gr += pr * qr
                        }
                        if !isReal {
                            for k in 0..<rows {
                                let pr = R[op + k], pi = I[op + k], qr = R[oq + k], qi = I[oq + k]
                                alpha += pi * pi
                                beta += qi * qi
                                gr += pi * qi            // Re(conj(a_p) a_q) = pr qr + pi qi
                                gi += pr * qi - pi * qr  // Im(conj(a_p) a_q)
                            }
                        }
                        let g = hypot(gr, gi)
                        if g == 0 || g <= eps * (alpha * beta).squareRoot() { continue }
                        rotated = true
                        let zeta = (beta - alpha) / (2 * g)
                        let t = (zeta >= 0 ? 1.0 : -1.0) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
                        let c = 1 / (1 + t * t).squareRoot(), s = c * t
                        if isReal {
                            // The phase of a real γ is its sign: a_q ← sign(γ) a_q.
                            let sign = gr >= 0 ? 1.0 : -1.0
                            for k in 0..<rows {
                                let pr = R[op + k], qr = sign * R[oq + k]
                                R[op + k] = c * pr - s * qr
                                R[oq + k] = s * pr + c * qr
                            }
                            continue
                        }
                        // a_q ← e^{−iφ} a_q with e^{iφ} = γ/|γ|, so that a_pᴴ a_q = |γ| is real.
                        let er = gr / g, ei = -gi / g
                        for k in 0..<rows {
                            let qr = R[oq + k] * er - I[oq + k] * ei
                            let qi = R[oq + k] * ei + I[oq + k] * er
                            let pr = R[op + k], pi = I[op + k]
                            R[op + k] = c * pr - s * qr
                            I[op + k] = c * pi - s * qi
                            R[oq + k] = s * pr + c * qr
                            I[oq + k] = s * pi + c * qi
                        }
                    }
                }
                if !rotated { break }
            }
        }
    }
    var sigma: [Double] = []
    for j in 0..<cols {
        var s = 0.0
        for k in 0..<rows { s = hypot(s, hypot(re[j * rows + k], im[j * rows + k])) }
        sigma.append(s)
    }
    return sigma.sorted(by: >)
}

/// ‖A‖₂ = σ_max(A) (0 for an empty matrix).
public func twoNorm(_ a: Matrix<Double>) -> Double { singularValues(a).first ?? 0 }

/// ρ(A) = max |λ_i|.
public func spectralRadius(_ a: Matrix<Double>) throws -> Double { try eigen(a).spectralRadius }

/// A⁻¹ by LU with partial pivoting, or nil when a pivot is exactly zero (A singular).
public func inverse(_ a: ComplexMatrix) -> ComplexMatrix? {
    precondition(a.rows == a.cols, "inverse needs a square matrix")
    let n = a.rows
    var lu = a
    var inv = ComplexMatrix.identity(n)
    for col in 0..<n {
        var pivotRow = col
        for r in col..<n where lu[r, col].modulus > lu[pivotRow, col].modulus { pivotRow = r }
        let pivot = lu[pivotRow, col]
        if pivot.modulus == 0 { return nil }
        if pivotRow != col {
            for j in 0..<n {
                let t = lu[col, j]; lu[col, j] = lu[pivotRow, j]; lu[pivotRow, j] = t
                let u = inv[col, j]; inv[col, j] = inv[pivotRow, j]; inv[pivotRow, j] = u
            }
        }
        for r in 0..<n where r != col {
            let f = lu[r, col] / pivot
            if f == .zero { continue }
            for j in col..<n { lu[r, j] -= f * lu[col, j] }
            for j in 0..<n { inv[r, j] -= f * inv[col, j] }
        }
    }
    for r in 0..<n {
        let d = lu[r, r]
        for j in 0..<n { inv[r, j] = inv[r, j] / d }
    }
    return inv
}
