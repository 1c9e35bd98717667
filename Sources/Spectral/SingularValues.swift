// SingularValues.swift — singular values by Householder bidiagonalization and the implicit QL
// iteration, the 2-norm, the spectral radius, and the inverse of a complex matrix.
//
// Dimension letters: M rows, N columns (M ≥ N after an optional transpose). Route (Golub &
// Kahan 1965; Golub & Van Loan, "Matrix Computations", §8.6):
// 1. Scale: when max |a_ij| lies outside [6.7e-139, 1.5e138], A ← 2^k A up to that window's
//    edge (exact; σ scaled back by 2^−k, as LAPACK's dgesvd does), so that matrices with
//    entries from ~1e-300 to ~1e300 have the same relative accuracy.
// 2. Bidiagonalize: U₀ᵀ A V₀ = B, upper bidiagonal with diagonal d and superdiagonal e, by
//    alternating left and right Householder reflectors (column-major storage, so that both
//    kinds of update run along contiguous columns).
// 3. The singular values of B are the non-negative eigenvalues of the 2N × 2N symmetric
//    tridiagonal matrix with zero diagonal and off-diagonal (d₁, e₁, d₂, e₂, …, d_N) (the
//    Golub–Kahan form; its eigenvalues are ±σ_i), found by the implicit QL iteration with
//    Wilkinson shifts (tql1). Absolute accuracy ε σ_max, enough for κ₂ = σ_max / σ_min up to
//    ~1/ε; smaller σ come out as rounding-sized numbers.
// A complex matrix C = X + iY has the singular values of the real [[X, −Y], [Y, X]], each
// twice. Leaves out: singular vectors; the high relative accuracy of one-sided Jacobi for
// tiny singular values of graded matrices.

import Foundation
import WorkbenchNumerics

/// The singular values of `a`, descending (min(M, N) of them; empty for an empty matrix;
/// all NaN when an entry is NaN or infinite).
public func singularValues(_ a: Matrix<Double>) -> [Double] {
    let transposed = a.rows < a.cols
    let m = max(a.rows, a.cols), n = min(a.rows, a.cols)
    guard n > 0 else { return [] }
    guard a.storage.allSatisfy(\.isFinite) else { return Array(repeating: .nan, count: n) }
    let largest = a.maxAbs()
    guard largest > 0 else { return Array(repeating: 0, count: n) }
    let exponent = rangeExponent(maxAbs: largest, lower: SafeRange.lower, upper: SafeRange.upper)
    // Column-major (M, N): column j at [j·M ..< (j+1)·M].
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<a.rows {
        for j in 0..<a.cols {
            let x = timesPowerOfTwo(a.storage[i * a.cols + j], exponent)
            if transposed { c[i * m + j] = x } else { c[j * m + i] = x }
        }
    }
    var d = [Double](repeating: 0, count: n), e = [Double](repeating: 0, count: n)
    c.withUnsafeMutableBufferPointer { bidiagonalize($0.baseAddress!, m, n, &d, &e) }
    // Golub–Kahan tridiagonal: zero diagonal, off-diagonal d₁, e₁, …, d_N.
    var off = [Double](repeating: 0, count: 2 * n)
    for k in 0..<n {
        off[2 * k] = d[k]
        if k + 1 < n { off[2 * k + 1] = e[k] }
    }
    var diag = [Double](repeating: 0, count: 2 * n)
    symmetricTridiagonalEigenvalues(&diag, &off)
    let sigma = diag.sorted(by: >).prefix(n).map { timesPowerOfTwo(abs($0), -exponent) }
    return sigma.sorted(by: >)
}

/// The singular values of a complex matrix, descending (via the real form [[X, −Y], [Y, X]]).
public func singularValues(_ a: ComplexMatrix) -> [Double] {
    let rows = a.rows, cols = a.cols
    guard min(rows, cols) > 0 else { return [] }
    if a.isReal { return singularValues(a.realPart) }
    var embedding = Matrix<Double>(rows: 2 * rows, cols: 2 * cols)
    for i in 0..<rows {
        for j in 0..<cols {
            let x = a.re[i * cols + j], y = a.im[i * cols + j]
            embedding[i, j] = x
            embedding[i, cols + j] = -y
            embedding[rows + i, j] = y
            embedding[rows + i, cols + j] = x
        }
    }
    let doubled = singularValues(embedding)
    return stride(from: 0, to: doubled.count, by: 2).map { doubled[$0] }
}

/// ‖A‖₂ = σ_max(A) (0 for an empty matrix).
public func twoNorm(_ a: Matrix<Double>) -> Double { singularValues(a).first ?? 0 }

/// ρ(A) = max |λ_i|.
public func spectralRadius(_ a: Matrix<Double>) throws -> Double { try eigen(a).spectralRadius }

// MARK: - Bidiagonalization

/// Reduces the column-major (M, N) matrix at `a` (M ≥ N) to upper bidiagonal form:
/// diagonal `d` (N), superdiagonal `e` (N − 1 used). `a` is overwritten.
private func bidiagonalize(_ a: UnsafeMutablePointer<Double>, _ m: Int, _ n: Int, _ d: inout [Double], _ e: inout [Double]) {
    var w = [Double](repeating: 0, count: m)  // (M) workspace for A v
    var v = [Double](repeating: 0, count: n)  // (N) the right reflector
    for k in 0..<n {
        // Left reflector from column k, rows k..<M.
        let col = a + k * m
        var alpha = col[k]
        let tau = makeReflector(alpha: &alpha, col + k + 1, count: m - k - 1, stride: 1)
        d[k] = alpha
        if tau != 0 {
            col[k] = 1  // v = (1, u) in place
            for j in (k + 1)..<n {
                let cj = a + j * m
                var s = 0.0
                for i in k..<m { s += col[i] * cj[i] }
                s *= tau
                if s != 0 { for i in k..<m { cj[i] -= s * col[i] } }
            }
        }
        guard k + 1 < n else { break }
        // Right reflector from row k, columns k+1..<N.
        var beta = a[(k + 1) * m + k]
        for j in (k + 2)..<n { v[j] = a[j * m + k] }
        let tauR = v.withUnsafeMutableBufferPointer { V in
            makeReflector(alpha: &beta, V.baseAddress! + k + 2, count: n - k - 2, stride: 1)
        }
        e[k] = beta
        if tauR == 0 { continue }
        v[k + 1] = 1
        // A[k+1..<M, k+1..<N] −= τ (A v) vᵀ, with A v accumulated column by column.
        w.withUnsafeMutableBufferPointer { W in
            let wp = W.baseAddress!
            for i in (k + 1)..<m { wp[i] = 0 }
            for j in (k + 1)..<n {
                let vj = v[j], cj = a + j * m
                if vj == 0 { continue }
                for i in (k + 1)..<m { wp[i] += vj * cj[i] }
            }
            for j in (k + 1)..<n {
                let f = tauR * v[j], cj = a + j * m
                if f == 0 { continue }
                for i in (k + 1)..<m { cj[i] -= f * wp[i] }
            }
        }
    }
}

// MARK: - Symmetric tridiagonal eigenvalues (implicit QL, tql1)

/// Eigenvalues of the symmetric tridiagonal matrix with diagonal `d` and off-diagonal `e`
/// (e[i] couples d[i] and d[i+1]; the last entry of e is ignored), into `d`, unsorted.
/// Implicit QL with Wilkinson's shift; an off-diagonal entry is dropped when
/// |e_i| ≤ ε (|d_i| + |d_{i+1}|) or when it is below ε · safmin⁻¹-scaled noise of the whole matrix.
func symmetricTridiagonalEigenvalues(_ d: inout [Double], _ e: inout [Double]) {
    let n = d.count
    guard n > 1 else { return }
    e[n - 1] = 0
    let eps = Double.ulpOfOne
    var tnorm = 0.0
    for i in 0..<n { tnorm = max(tnorm, abs(d[i]) + abs(e[i]) + (i > 0 ? abs(e[i - 1]) : 0)) }
    let floor = eps * eps * tnorm  // far below anything that matters
    for l in 0..<n {
        var iterations = 0
        while true {
            var m = l
            while m < n - 1 {
                let dd = abs(d[m]) + abs(d[m + 1])
                if abs(e[m]) <= eps * dd || abs(e[m]) <= floor { break }
                m += 1
            }
            if m == l { break }
            if m == l + 1 {
                // A 2×2 block: its eigenvalues in closed form (LAPACK's dlae2), exact for
                // [[0, b], [b, 0]] and the like.
                (d[l], d[l + 1]) = symmetric2x2Eigenvalues(d[l], e[l], d[l + 1])
                e[l] = 0
                break
            }
            iterations += 1
            if iterations > 60 { e[l] = 0; break }  // give up on this entry (does not happen in practice)
            var g = (d[l + 1] - d[l]) / (2 * e[l])
            var r = hypot(g, 1)
            g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r))
            var s = 1.0, c = 1.0, p = 0.0
            var i = m - 1
            var deflatedEarly = false
            while i >= l {
                let f = s * e[i], b = c * e[i]
                r = hypot(f, g)
                e[i + 1] = r
                if r == 0 {
                    d[i + 1] -= p
                    e[m] = 0
                    deflatedEarly = true
                    break
                }
                s = f / r
                c = g / r
                g = d[i + 1] - p
                r = (d[i] - g) * s + 2 * c * b
                p = s * r
                d[i + 1] = g + p
                g = c * r - b
                i -= 1
            }
            if deflatedEarly { continue }
            d[l] -= p
            e[l] = g
            e[m] = 0
        }
    }
}

/// The eigenvalues (rt1, rt2), |rt1| ≥ |rt2|, of [[a, b], [b, c]] (LAPACK's dlae2).
func symmetric2x2Eigenvalues(_ a: Double, _ b: Double, _ c: Double) -> (Double, Double) {
    let sm = a + c, df = a - c, adf = abs(df), tb = b + b, ab = abs(tb)
    let (acmx, acmn) = abs(a) > abs(c) ? (a, c) : (c, a)
    let rt: Double
    if adf > ab {
        rt = adf * (1 + (ab / adf) * (ab / adf)).squareRoot()
    } else if adf < ab {
        rt = ab * (1 + (adf / ab) * (adf / ab)).squareRoot()
    } else {
        rt = ab * 2.0.squareRoot()
    }
    if sm < 0 {
        let rt1 = 0.5 * (sm - rt)
        return (rt1, (acmx / rt1) * acmn - (b / rt1) * b)
    } else if sm > 0 {
        let rt1 = 0.5 * (sm + rt)
        return (rt1, (acmx / rt1) * acmn - (b / rt1) * b)
    }
    return (0.5 * rt, -0.5 * rt)
}

// MARK: - Inverse

/// A⁻¹ by Gauss–Jordan elimination with partial pivoting, or nil when a pivot is exactly zero
/// (A singular) or the inverse overflows.
public func inverse(_ a: ComplexMatrix) -> ComplexMatrix? {
    precondition(a.rows == a.cols, "inverse needs a square matrix")
    let n = a.rows
    // [A | I] as two (N, 2N) row-major arrays.
    let w = 2 * n
    var re = [Double](repeating: 0, count: n * w), im = re
    for i in 0..<n {
        for j in 0..<n { re[i * w + j] = a.re[i * n + j]; im[i * w + j] = a.im[i * n + j] }
        re[i * w + n + i] = 1
    }
    let ok = re.withUnsafeMutableBufferPointer { R in
        im.withUnsafeMutableBufferPointer { I -> Bool in
            let rp = R.baseAddress!, ip = I.baseAddress!
            for col in 0..<n {
                var pivotRow = col, best = -1.0
                for r in col..<n {
                    let m = hypot(rp[r * w + col], ip[r * w + col])
                    if m > best { best = m; pivotRow = r }
                }
                if !(best > 0) { return false }
                if pivotRow != col {
                    for j in 0..<w {
                        R.swapAt(col * w + j, pivotRow * w + j)
                        I.swapAt(col * w + j, pivotRow * w + j)
                    }
                }
                // Row col ← row col / pivot.
                let pivot = Complex(rp[col * w + col], ip[col * w + col])
                let inv = Complex.one / pivot
                for j in col..<w {
                    let x = Complex(rp[col * w + j], ip[col * w + j]) * inv
                    rp[col * w + j] = x.re; ip[col * w + j] = x.im
                }
                for r in 0..<n where r != col {
                    let fr = rp[r * w + col], fi = ip[r * w + col]
                    if fr == 0 && fi == 0 { continue }
                    let pr = rp + col * w, pi = ip + col * w, qr = rp + r * w, qi = ip + r * w
                    for j in col..<w {
                        qr[j] -= fr * pr[j] - fi * pi[j]
                        qi[j] -= fr * pi[j] + fi * pr[j]
                    }
                }
            }
            return true
        }
    }
    guard ok else { return nil }
    var out = ComplexMatrix(rows: n, cols: n)
    for i in 0..<n {
        for j in 0..<n { out.re[i * n + j] = re[i * w + n + j]; out.im[i * n + j] = im[i * w + n + j] }
    }
    return out.isFinite ? out : nil
}
