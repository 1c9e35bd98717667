// RealSchur.swift — Householder reduction to Hessenberg form and the Francis double-shift
// QR iteration to the real Schur form A = Z T Zᵀ.
//
// Dimension letters: N, the matrix order. Notation: Z (N, N) orthogonal, T (N, N)
// quasi-upper-triangular: 1×1 diagonal blocks hold real eigenvalues, 2×2 blocks hold complex
// conjugate pairs (a 2×2 block with real eigenvalues is rotated to triangular form).
//
// Algorithm (Golub & Van Loan, "Matrix Computations", §7.4–7.5; Wilkinson & Reinsch's hqr2):
// 1. H = Q₀ᵀ A Q₀ is upper Hessenberg (h_ij = 0 for i > j + 1), by N − 2 Householder
//    reflectors.
// 2. Francis step on the active window [lo, hi]: the shifts σ₁, σ₂ are the eigenvalues of
//    the trailing 2×2 block (s = σ₁ + σ₂ its trace, t = σ₁σ₂ its determinant); the first
//    column of (H − σ₁I)(H − σ₂I) = H² − sH + tI has three non-zeros, a 3×3 reflector
//    introduces a bulge, and further reflectors chase it down the subdiagonal. All
//    arithmetic stays real.
// 3. Deflation: a subdiagonal entry with |h_{l,l−1}| ≤ ε (|h_{l−1,l−1}| + |h_{ll}|) is set
//    to zero and the problem splits. After 10, 20, … iterations without deflation an
//    exceptional shift breaks cycles (e.g. for permutation matrices).
// The transformations are applied to the whole of H (not only the window), so that T is the
// full Schur form needed for eigenvectors. Leaves out: balancing, aggressive early
// deflation, multishift sweeps — this is the textbook algorithm, for N up to a few hundred.

import Foundation
import WorkbenchNumerics

/// The real Schur form A = Z T Zᵀ.
public struct RealSchurForm: Sendable {
    /// T, (N, N): quasi-upper-triangular.
    public var t: Matrix<Double>
    /// Z, (N, N): orthogonal, A = Z T Zᵀ.
    public var z: Matrix<Double>
    /// Francis steps used.
    public var iterations: Int
}

/// The real Schur form of the square matrix `a` (Hessenberg reduction + Francis QR).
///
/// - Throws: `SpectralError` for an empty, non-square or non-finite matrix, or when the
///   iteration does not converge in max(300, 30 N) Francis steps.
public func realSchur(_ a: Matrix<Double>) throws -> RealSchurForm {
    try validateSquare(a)
    let n = a.rows
    var h = a.storage                          // (N, N) becomes T
    var z = Matrix<Double>.identity(n).storage // (N, N) accumulates every reflector
    var iterations = 0
    try h.withUnsafeMutableBufferPointer { H in
        try z.withUnsafeMutableBufferPointer { Z in
            hessenbergReduce(H, Z, n)
            iterations = try francisQR(H, Z, n)
        }
    }
    return RealSchurForm(t: Matrix(rows: n, cols: n, storage: h), z: Matrix(rows: n, cols: n, storage: z), iterations: iterations)
}

// MARK: - Householder reflectors

/// Applies P = I − τ v vᵀ (v of length `r`, acting on indices `k ..< k + r`) from the left
/// to columns `cols` of the (N, N) matrix M: rows k … k + r − 1 change.
private func reflectRows(_ M: UnsafeMutableBufferPointer<Double>, _ n: Int, _ v: [Double], _ tau: Double, _ k: Int, _ cols: Range<Int>) {
    let r = v.count
    for j in cols {
        var s = 0.0
        for i in 0..<r { s += v[i] * M[(k + i) * n + j] }
        s *= tau
        if s == 0 { continue }
        for i in 0..<r { M[(k + i) * n + j] -= s * v[i] }
    }
}

/// Applies P = I − τ v vᵀ from the right to rows `rows` of M: columns k … k + r − 1 change.
private func reflectColumns(_ M: UnsafeMutableBufferPointer<Double>, _ n: Int, _ v: [Double], _ tau: Double, _ k: Int, _ rows: Range<Int>) {
    let r = v.count
    for i in rows {
        var s = 0.0
        for j in 0..<r { s += M[i * n + k + j] * v[j] }
        s *= tau
        if s == 0 { continue }
        for j in 0..<r { M[i * n + k + j] -= s * v[j] }
    }
}

/// The reflector that maps x to (α, 0, …, 0) with α = −sign(x₀) ‖x‖: returns (v, τ, α),
/// or nil when x = 0.
private func householder(_ x: [Double]) -> (v: [Double], tau: Double, alpha: Double)? {
    let scale = x.reduce(0) { max($0, abs($1)) }
    guard scale > 0 else { return nil }
    var norm = 0.0
    for e in x { let y = e / scale; norm += y * y }
    norm = scale * norm.squareRoot()
    let alpha = x[0] > 0 ? -norm : norm
    var v = x
    v[0] -= alpha
    var vv = 0.0
    for e in v { vv += e * e }
    guard vv > 0 else { return nil }
    return (v, 2 / vv, alpha)
}

// MARK: - Step 1: Hessenberg reduction

/// H ← Pᵀ H P column by column so that H is upper Hessenberg; Z ← Z P.
private func hessenbergReduce(_ H: UnsafeMutableBufferPointer<Double>, _ Z: UnsafeMutableBufferPointer<Double>, _ n: Int) {
    guard n > 2 else { return }
    for k in 0..<(n - 2) {
        let x = ((k + 1)..<n).map { H[$0 * n + k] }
        guard let (v, tau, alpha) = householder(x) else { continue }
        reflectRows(H, n, v, tau, k + 1, k..<n)
        reflectColumns(H, n, v, tau, k + 1, 0..<n)
        reflectColumns(Z, n, v, tau, k + 1, 0..<n)
        H[(k + 1) * n + k] = alpha
        for i in (k + 2)..<n { H[i * n + k] = 0 }
    }
}

// MARK: - Step 2–3: Francis double-shift QR

/// Reduces the Hessenberg matrix H to real Schur form in place, accumulating into Z.
/// Returns the number of Francis steps.
private func francisQR(_ H: UnsafeMutableBufferPointer<Double>, _ Z: UnsafeMutableBufferPointer<Double>, _ n: Int) throws -> Int {
    let eps = Double.ulpOfOne
    var norm = 0.0
    for x in H { norm = max(norm, abs(x)) }
    let maxIterations = max(300, 30 * n)
    var total = 0
    var sinceDeflation = 0
    var hi = n - 1
    while hi >= 0 {
        // Find the top `lo` of the unreduced window ending at `hi`.
        var lo = hi
        while lo > 0 {
            var s = abs(H[(lo - 1) * n + lo - 1]) + abs(H[lo * n + lo])
            if s == 0 { s = norm }
            if abs(H[lo * n + lo - 1]) <= eps * s {
                H[lo * n + lo - 1] = 0
                break
            }
            lo -= 1
        }
        if lo == hi {                       // 1×1 block: a real eigenvalue
            hi -= 1
            sinceDeflation = 0
            continue
        }
        if lo == hi - 1 {                   // 2×2 block: split it if its eigenvalues are real
            standardize2x2(H, Z, n, hi - 1)
            hi -= 2
            sinceDeflation = 0
            continue
        }
        total += 1
        sinceDeflation += 1
        if total > maxIterations {
            throw SpectralError.noConvergence(algorithm: "Francis double-shift QR", iterations: maxIterations)
        }
        // Shifts: eigenvalues of the trailing 2×2 block, via their sum s and product t.
        var s: Double, t: Double
        if sinceDeflation % 10 == 0 {
            let w = abs(H[hi * n + hi - 1]) + abs(H[(hi - 1) * n + hi - 2])
            s = 1.5 * w
            t = w * w
        } else {
            let a = H[(hi - 1) * n + hi - 1], b = H[(hi - 1) * n + hi]
            let c = H[hi * n + hi - 1], d = H[hi * n + hi]
            s = a + d
            t = a * d - b * c
        }
        // First column of H² − sH + tI (rows lo, lo+1, lo+2).
        let h00 = H[lo * n + lo], h01 = H[lo * n + lo + 1]
        let h10 = H[(lo + 1) * n + lo], h11 = H[(lo + 1) * n + lo + 1]
        let h21 = H[(lo + 2) * n + lo + 1]
        var x = h00 * h00 + h01 * h10 - s * h00 + t
        var y = h10 * (h00 + h11 - s)
        var zz = h10 * h21
        // Introduce the bulge at lo and chase it down to hi.
        for k in lo..<hi {
            let r = min(3, hi - k + 1)
            if k > lo {
                x = H[k * n + k - 1]
                y = H[(k + 1) * n + k - 1]
                zz = r == 3 ? H[(k + 2) * n + k - 1] : 0
            }
            let vec = r == 3 ? [x, y, zz] : [x, y]
            guard let (v, tau, alpha) = householder(vec) else { continue }
            reflectRows(H, n, v, tau, k, (k > lo ? k - 1 : lo)..<n)
            reflectColumns(H, n, v, tau, k, 0..<(min(k + 3, hi) + 1))
            reflectColumns(Z, n, v, tau, k, 0..<n)
            if k > lo {
                H[k * n + k - 1] = alpha
                H[(k + 1) * n + k - 1] = 0
                if r == 3 { H[(k + 2) * n + k - 1] = 0 }
            }
        }
    }
    return total
}

/// If the 2×2 diagonal block at rows/columns (p, p + 1) has real eigenvalues, rotates it to
/// upper-triangular form (applied to all of H and to Z). A block with complex eigenvalues is
/// left as it is.
private func standardize2x2(_ H: UnsafeMutableBufferPointer<Double>, _ Z: UnsafeMutableBufferPointer<Double>, _ n: Int, _ p: Int) {
    let q = p + 1
    let a = H[p * n + p], b = H[p * n + q], c = H[q * n + p], d = H[q * n + q]
    if c == 0 { return }
    let half = 0.5 * (a - d)
    let disc = half * half + b * c
    if disc < 0 { return }
    // λ₁ = d + w with w = half ± √disc (the larger in magnitude); (w, c) is its eigenvector.
    let w = half + (half >= 0 ? 1 : -1) * disc.squareRoot()
    let r = hypot(w, c)
    let cs = w / r, sn = c / r
    for j in p..<n {                        // rows p, q ← Gᵀ [row p; row q]
        let hp = H[p * n + j], hq = H[q * n + j]
        H[p * n + j] = cs * hp + sn * hq
        H[q * n + j] = -sn * hp + cs * hq
    }
    for i in 0...q {                        // columns p, q ← [col p, col q] G
        let hp = H[i * n + p], hq = H[i * n + q]
        H[i * n + p] = cs * hp + sn * hq
        H[i * n + q] = -sn * hp + cs * hq
    }
    for i in 0..<n {
        let zp = Z[i * n + p], zq = Z[i * n + q]
        Z[i * n + p] = cs * zp + sn * zq
        Z[i * n + q] = -sn * zp + cs * zq
    }
    H[q * n + p] = 0
}
