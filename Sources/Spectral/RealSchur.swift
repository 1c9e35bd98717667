// RealSchur.swift — Householder reduction to Hessenberg form and the Francis double-shift QR
// iteration to the real Schur form A = Z T Zᵀ.
//
// Dimension letters: N, the matrix order. Notation: Z (N, N) orthogonal, T (N, N)
// quasi-upper-triangular: 1×1 diagonal blocks hold real eigenvalues, 2×2 blocks hold complex
// conjugate pairs in the standard form [[a, b], [c, a]] with b c < 0, so that λ = a ± i√(−bc).
// Storage: row-major, entry (i, j) of an (N, N) matrix at [i·N + j].
//
// Algorithm (Golub & Van Loan, "Matrix Computations", §7.4–7.5; LAPACK's dgehd2 and dlahqr):
// 1. H = Q₀ᵀ A Q₀ is upper Hessenberg (h_ij = 0 for i > j + 1), by Householder reflectors on
//    the rows/columns ilo…ihi left by balancing (Balancing.swift); Z starts as Q₀.
// 2. Francis step on the active window [l, i]: the shifts are the eigenvalues of the trailing
//    2×2 block (complex pair, or the real one nearer h_ii used twice). The step starts at the
//    lowest row m where two consecutive small subdiagonal entries allow it, introduces a
//    3-element bulge and chases it down with 3×3 reflectors. After 6 and 12 steps without
//    deflation an exceptional shift (LAPACK's 3/4 and −0.4375 rule) breaks cycles such as
//    permutation matrices.
// 3. Deflation: h_{k,k−1} is set to zero when |h_{k,k−1}| ≤ ε (|h_{k−1,k−1}| + |h_kk|) and, in
//    addition, the finer test of Ahues & Tisseur (LAPACK Working Note 122) holds, which keeps
//    small eigenvalues of graded matrices accurate. A converged 2×2 block is put into standard
//    form by one rotation (dlanv2), which also splits it when its eigenvalues are real.
// The transformations are applied to the whole of H, so that T is the full Schur form needed
// for eigenvectors. Leaves out: aggressive early deflation and multishift sweeps (LAPACK's
// dlaqr0 for large N); this is the double-shift algorithm, for N up to a few hundred.

import Foundation
import WorkbenchNumerics

/// The real Schur form A = Z T Zᵀ.
public struct RealSchurForm: Sendable {
    /// T, (N, N): quasi-upper-triangular, 2×2 blocks in standard form.
    public var t: Matrix<Double>
    /// Z, (N, N): orthogonal, A = Z T Zᵀ.
    public var z: Matrix<Double>
    /// Francis double-shift steps used.
    public var iterations: Int
}

/// The real Schur form of the square matrix `a` (Hessenberg reduction + Francis QR).
///
/// A matrix with max |a_ij| outside [6.7e-139, 1.5e138] is first multiplied by a power of 2
/// (exactly) and T scaled back at the end, so entries from ~1e-300 to ~1e300 are handled.
/// - Throws: `SpectralError` for an empty, non-square or non-finite matrix, or when the
///   iteration does not converge in 30 · max(10, N) steps per eigenvalue.
public func realSchur(_ a: Matrix<Double>) throws -> RealSchurForm {
    try validateSquare(a)
    let n = a.rows
    let exponent = rangeExponent(maxAbs: a.maxAbs(), lower: SafeRange.lower, upper: SafeRange.upper)
    var h = a.storage.map { timesPowerOfTwo($0, exponent) }  // (N, N) becomes T
    let schur = try schurInPlace(&h, n, ilo: 0, ihi: n - 1)
    for k in h.indices { h[k] = timesPowerOfTwo(h[k], -exponent) }
    return RealSchurForm(
        t: Matrix(rows: n, cols: n, storage: h), z: Matrix(rows: n, cols: n, storage: schur.z),
        iterations: schur.iterations)
}

/// The result of `schurInPlace`: Z, the eigenvalues w_k = wr_k + i wi_k in diagonal order
/// (a pair as wr ± i|wi|, +|wi| first), and the number of Francis steps.
struct SchurVectors {
    /// Z, (N, N) row-major.
    var z: [Double]
    var wr: [Double]
    var wi: [Double]
    var iterations: Int
}

/// Reduces the row-major (N, N) matrix `h` to real Schur form in place and returns Z. Rows and
/// columns outside ilo…ihi must already be upper triangular (as balancing leaves them).
func schurInPlace(_ h: inout [Double], _ n: Int, ilo: Int, ihi: Int) throws -> SchurVectors {
    var z = [Double](repeating: 0, count: n * n)  // (N, N)
    for i in 0..<n { z[i * n + i] = 1 }
    var wr = [Double](repeating: 0, count: n), wi = wr
    var iterations = 0
    try h.withUnsafeMutableBufferPointer { H in
        try z.withUnsafeMutableBufferPointer { Z in
            hessenbergReduce(H, Z, n, ilo: ilo, ihi: ihi)
            iterations = try francisQR(H, Z, n, ilo: ilo, ihi: ihi, wr: &wr, wi: &wi)
        }
    }
    for i in 0..<n where i < ilo || i > ihi { wr[i] = h[i * n + i]; wi[i] = 0 }
    return SchurVectors(z: z, wr: wr, wi: wi, iterations: iterations)
}

// MARK: - Step 1: Hessenberg reduction

/// H ← Pᵀ H P column by column (columns ilo … ihi − 2) so that H is upper Hessenberg; Z ← Z P.
private func hessenbergReduce(
    _ H: UnsafeMutableBufferPointer<Double>, _ Z: UnsafeMutableBufferPointer<Double>,
    _ n: Int, ilo: Int, ihi: Int
) {
    guard ihi - ilo >= 2 else { return }
    let p = H.baseAddress!, zp = Z.baseAddress!
    var v = [Double](repeating: 0, count: n)  // (N) the reflector, v[k + 1] = 1
    var w = [Double](repeating: 0, count: n)  // (N) workspace for vᵀ H
    v.withUnsafeMutableBufferPointer { V in
        w.withUnsafeMutableBufferPointer { W in
            for k in ilo..<(ihi - 1) {
                // Reflector from H[k+1 … ihi, k]: H[k+1, k] ← β, the rest ← u.
                var alpha = p[(k + 1) * n + k]
                let tau = makeReflector(alpha: &alpha, p + (k + 2) * n + k, count: ihi - k - 1, stride: n)
                V[k + 1] = 1
                for i in (k + 2)...ihi { V[i] = p[i * n + k]; p[i * n + k] = 0 }
                p[(k + 1) * n + k] = alpha
                if tau == 0 { continue }
                let lo = k + 1
                // From the right on rows 0 … ihi: H[r, lo…ihi] −= τ (H[r, lo…ihi] · v) vᵀ.
                applyRight(p, n, V, tau, lo, ihi, rows: 0...ihi)
                // From the left on columns lo … N−1: H[lo…ihi, :] −= τ v (vᵀ H[lo…ihi, :]).
                for j in lo..<n { W[j] = 0 }
                for i in lo...ihi {
                    let vi = V[i], row = p + i * n
                    for j in lo..<n { W[j] += vi * row[j] }
                }
                for i in lo...ihi {
                    let f = tau * V[i], row = p + i * n
                    if f == 0 { continue }
                    for j in lo..<n { row[j] -= f * W[j] }
                }
                // Z ← Z P on rows ilo … ihi (the other rows of Z are zero in these columns).
                applyRight(zp, n, V, tau, lo, ihi, rows: ilo...ihi)
            }
        }
    }
}

/// M[r, lo…hi] −= τ (M[r, lo…hi] · v[lo…hi]) v[lo…hi]ᵀ for r in `rows` (row-major, order N).
@inline(__always)
private func applyRight(
    _ m: UnsafeMutablePointer<Double>, _ n: Int, _ v: UnsafeMutableBufferPointer<Double>,
    _ tau: Double, _ lo: Int, _ hi: Int, rows: ClosedRange<Int>
) {
    for r in rows {
        let row = m + r * n
        var s = 0.0
        for j in lo...hi { s += row[j] * v[j] }
        s *= tau
        if s == 0 { continue }
        for j in lo...hi { row[j] -= s * v[j] }
    }
}

// MARK: - Steps 2–3: Francis double-shift QR (LAPACK's dlahqr with wantt = wantz = true)

/// Reduces the Hessenberg matrix H (active rows/columns ilo … ihi) to real Schur form,
/// accumulating into rows ilo … ihi of Z. Returns the number of Francis steps.
private func francisQR(
    _ H: UnsafeMutableBufferPointer<Double>, _ Z: UnsafeMutableBufferPointer<Double>, _ n: Int,
    ilo: Int, ihi: Int, wr: inout [Double], wi: inout [Double]
) throws -> Int {
    guard n > 0, ilo <= ihi else { return 0 }
    let p = H.baseAddress!, zp = Z.baseAddress!
    @inline(__always) func h(_ i: Int, _ j: Int) -> Double { p[i * n + j] }
    if ilo == ihi { wr[ilo] = h(ilo, ilo); wi[ilo] = 0; return 0 }
    // Clear anything below the first subdiagonal.
    if ilo <= ihi - 3 { for j in ilo...(ihi - 3) { p[(j + 2) * n + j] = 0; p[(j + 3) * n + j] = 0 } }
    if ilo <= ihi - 2 { p[ihi * n + ihi - 2] = 0 }
    let nh = ihi - ilo + 1
    let safmin = Double.leastNormalMagnitude
    let ulp = Double.ulpOfOne
    let smlnum = safmin * (Double(nh) / ulp)
    let itmax = 30 * max(10, nh)
    let exceptionalEvery = 6
    let dat1 = 0.75, dat2 = -0.4375
    var kdefl = 0
    var total = 0
    var i = ihi
    while i >= ilo {
        var l = ilo
        var converged = false
        for _ in 0...itmax {
            // Look for a single small subdiagonal entry.
            var k = i
            while k > l {
                let hkk1 = abs(h(k, k - 1))
                if hkk1 <= smlnum { break }
                var tst = abs(h(k - 1, k - 1)) + abs(h(k, k))
                if tst == 0 {
                    if k - 2 >= ilo { tst += abs(h(k - 1, k - 2)) }
                    if k + 1 <= ihi { tst += abs(h(k + 1, k)) }
                }
                if hkk1 <= ulp * tst {
                    // Ahues & Tisseur's conservative test.
                    let ab = max(hkk1, abs(h(k - 1, k))), ba = min(hkk1, abs(h(k - 1, k)))
                    let d = abs(h(k - 1, k - 1) - h(k, k))
                    let aa = max(abs(h(k, k)), d), bb = min(abs(h(k, k)), d)
                    let s = aa + ab
                    if ba * (ab / s) <= max(smlnum, ulp * (bb * (aa / s))) { break }
                }
                k -= 1
            }
            l = k
            if l > ilo { p[l * n + l - 1] = 0 }
            if l >= i - 1 { converged = true; break }
            kdefl += 1
            total += 1

            // Shifts: eigenvalues (rt1, rt2) of the trailing 2×2 block, or exceptional ones.
            var h11: Double, h12: Double, h21: Double, h22: Double
            if kdefl % (2 * exceptionalEvery) == 0 {
                let s = abs(h(i, i - 1)) + abs(h(i - 1, i - 2))
                h11 = dat1 * s + h(i, i); h12 = dat2 * s; h21 = s; h22 = h11
            } else if kdefl % exceptionalEvery == 0 {
                let s = abs(h(l + 1, l)) + abs(h(l + 2, l + 1))
                h11 = dat1 * s + h(l, l); h12 = dat2 * s; h21 = s; h22 = h11
            } else {
                h11 = h(i - 1, i - 1); h21 = h(i, i - 1); h12 = h(i - 1, i); h22 = h(i, i)
            }
            var rt1r = 0.0, rt1i = 0.0, rt2r = 0.0, rt2i = 0.0
            let s2 = abs(h11) + abs(h12) + abs(h21) + abs(h22)
            if s2 != 0 {
                h11 /= s2; h21 /= s2; h12 /= s2; h22 /= s2
                let tr = (h11 + h22) / 2
                let det = (h11 - tr) * (h22 - tr) - h12 * h21
                let rtdisc = abs(det).squareRoot()
                if det >= 0 {  // complex conjugate shifts
                    rt1r = tr * s2; rt2r = rt1r
                    rt1i = rtdisc * s2; rt2i = -rt1i
                } else {  // real shifts: use the one nearer h22 twice
                    rt1r = tr + rtdisc; rt2r = tr - rtdisc
                    if abs(rt1r - h22) <= abs(rt2r - h22) { rt1r *= s2; rt2r = rt1r } else { rt2r *= s2; rt1r = rt2r }
                    rt1i = 0; rt2i = 0
                }
            }

            // Look for two consecutive small subdiagonal entries: start the step at row m.
            var m = i - 2
            var v1 = 0.0, v2 = 0.0, v3 = 0.0
            while true {
                var h21s = h(m + 1, m)
                var s = abs(h(m, m) - rt2r) + abs(rt2i) + abs(h21s)
                h21s = h(m + 1, m) / s
                v1 = h21s * h(m, m + 1) + (h(m, m) - rt1r) * ((h(m, m) - rt2r) / s) - rt1i * (rt2i / s)
                v2 = h21s * (h(m, m) + h(m + 1, m + 1) - rt1r - rt2r)
                v3 = h21s * h(m + 2, m + 1)
                s = abs(v1) + abs(v2) + abs(v3)
                v1 /= s; v2 /= s; v3 /= s
                if m == l { break }
                let h00 = abs(h(m - 1, m - 1)), h11m = abs(h(m, m)), h22m = abs(h(m + 1, m + 1))
                if abs(h(m, m - 1)) * (abs(v2) + abs(v3)) <= ulp * abs(v1) * (h00 + h11m + h22m) { break }
                m -= 1
            }

            // The double-shift step: chase the bulge from row m down to row i.
            for k in m..<i {
                let nr = min(3, i - k + 1)
                if k > m {
                    v1 = h(k, k - 1); v2 = h(k + 1, k - 1)
                    v3 = nr == 3 ? h(k + 2, k - 1) : 0
                }
                // 2- or 3-element reflector (dlarfg): (v1, v2, v3) → (β, 0, 0).
                var tail = (v2, nr == 3 ? v3 : 0.0)
                let t1 = smallReflector(alpha: &v1, &tail)
                v2 = tail.0; v3 = tail.1
                if k > m {
                    p[k * n + k - 1] = v1
                    p[(k + 1) * n + k - 1] = 0
                    if k < i - 1 { p[(k + 2) * n + k - 1] = 0 }
                } else if m > l {
                    // h(k, k−1) ← h(k, k−1)(1 − τ), not −h(k, k−1), in case v2 and v3 underflowed.
                    p[k * n + k - 1] *= (1 - t1)
                }
                if t1 == 0 { continue }
                let t2 = t1 * v2
                if nr == 3 {
                    let t3 = t1 * v3
                    // From the left on rows k…k+2, columns k…N−1.
                    let r0 = p + k * n, r1 = r0 + n, r2 = r1 + n
                    for j in k..<n {
                        let sum = r0[j] + v2 * r1[j] + v3 * r2[j]
                        r0[j] -= sum * t1
                        r1[j] -= sum * t2
                        r2[j] -= sum * t3
                    }
                    // From the right on columns k…k+2, rows 0…min(k+3, i).
                    for j in 0...min(k + 3, i) {
                        let row = p + j * n + k
                        let sum = row[0] + v2 * row[1] + v3 * row[2]
                        row[0] -= sum * t1
                        row[1] -= sum * t2
                        row[2] -= sum * t3
                    }
                    for j in ilo...ihi {
                        let row = zp + j * n + k
                        let sum = row[0] + v2 * row[1] + v3 * row[2]
                        row[0] -= sum * t1
                        row[1] -= sum * t2
                        row[2] -= sum * t3
                    }
                } else {
                    let r0 = p + k * n, r1 = r0 + n
                    for j in k..<n {
                        let sum = r0[j] + v2 * r1[j]
                        r0[j] -= sum * t1
                        r1[j] -= sum * t2
                    }
                    for j in 0...i {
                        let row = p + j * n + k
                        let sum = row[0] + v2 * row[1]
                        row[0] -= sum * t1
                        row[1] -= sum * t2
                    }
                    for j in ilo...ihi {
                        let row = zp + j * n + k
                        let sum = row[0] + v2 * row[1]
                        row[0] -= sum * t1
                        row[1] -= sum * t2
                    }
                }
            }
        }
        if !converged {
            throw SpectralError.noConvergence(algorithm: "Francis double-shift QR", iterations: itmax)
        }
        if l == i {
            wr[i] = h(i, i); wi[i] = 0
        } else {
            // A 2×2 block has split off: standard form, eigenvalues, and the rotation applied
            // to the rest of H and to Z.
            var a = h(i - 1, i - 1), b = h(i - 1, i), c = h(i, i - 1), d = h(i, i)
            let r = standardize2x2(&a, &b, &c, &d)
            p[(i - 1) * n + i - 1] = a; p[(i - 1) * n + i] = b; p[i * n + i - 1] = c; p[i * n + i] = d
            wr[i - 1] = r.rt1r; wi[i - 1] = r.rt1i; wr[i] = r.rt2r; wi[i] = r.rt2i
            let cs = r.cs, sn = r.sn
            if i + 1 < n {
                let r0 = p + (i - 1) * n, r1 = r0 + n
                for j in (i + 1)..<n {
                    let x = r0[j], y = r1[j]
                    r0[j] = cs * x + sn * y
                    r1[j] = cs * y - sn * x
                }
            }
            if i - 2 >= 0 {
                for j in 0...(i - 2) {
                    let row = p + j * n + i - 1
                    let x = row[0], y = row[1]
                    row[0] = cs * x + sn * y
                    row[1] = cs * y - sn * x
                }
            }
            for j in ilo...ihi {
                let row = zp + j * n + i - 1
                let x = row[0], y = row[1]
                row[0] = cs * x + sn * y
                row[1] = cs * y - sn * x
            }
        }
        kdefl = 0
        i = l - 1
    }
    return total
}

/// `makeReflector` for (α, x₁, x₂) held in registers (x₂ = 0 for a 2-vector): returns τ.
@inline(__always)
private func smallReflector(alpha: inout Double, _ x: inout (Double, Double)) -> Double {
    var xnorm = hypot(x.0, x.1)
    if xnorm == 0 { return 0 }
    var beta = -copysign(hypot(alpha, xnorm), alpha)
    let safmin = Double.leastNormalMagnitude / Double.ulpOfOne
    var rescalings = 0
    if abs(beta) < safmin {
        repeat {
            rescalings += 1
            x.0 /= safmin; x.1 /= safmin; beta /= safmin; alpha /= safmin
        } while abs(beta) < safmin && rescalings < 20
        xnorm = hypot(x.0, x.1)
        beta = -copysign(hypot(alpha, xnorm), alpha)
    }
    let tau = (beta - alpha) / beta
    let inverse = 1 / (alpha - beta)
    x.0 *= inverse; x.1 *= inverse
    for _ in 0..<rescalings { beta *= safmin }
    alpha = beta
    return tau
}

/// The Schur factorization of a real 2×2 block (LAPACK's dlanv2):
/// [[a, b], [c, d]] = [[cs, −sn], [sn, cs]] [[a′, b′], [c′, d′]] [[cs, sn], [−sn, cs]],
/// where either c′ = 0 (real eigenvalues a′, d′) or a′ = d′ and b′c′ < 0 (complex pair
/// a′ ± i√(|b′||c′|)). The block is overwritten with (a′, b′, c′, d′).
func standardize2x2(_ a: inout Double, _ b: inout Double, _ c: inout Double, _ d: inout Double)
    -> (rt1r: Double, rt1i: Double, rt2r: Double, rt2i: Double, cs: Double, sn: Double)
{
    @inline(__always) func sign(_ x: Double, _ y: Double) -> Double { y >= 0 ? abs(x) : -abs(x) }
    let eps = Double.ulpOfOne
    let multpl = 4.0
    var cs = 1.0, sn = 0.0
    if c == 0 {
        // already triangular
    } else if b == 0 {
        // swap rows and columns
        cs = 0; sn = 1
        swap(&a, &d)
        b = -c; c = 0
    } else if a - d == 0 && sign(1, b) != sign(1, c) {
        // already standard complex form
    } else {
        let temp = a - d
        var p = 0.5 * temp
        let bcmax = max(abs(b), abs(c))
        let bcmis = min(abs(b), abs(c)) * sign(1, b) * sign(1, c)
        let scale = max(abs(p), bcmax)
        var z = (p / scale) * p + (bcmax / scale) * bcmis
        if z >= multpl * eps {
            // Real eigenvalues: compute a and d.
            z = p + sign(scale.squareRoot() * z.squareRoot(), p)
            a = d + z
            d -= (bcmax / z) * bcmis
            let tau = hypot(c, z)
            cs = z / tau
            sn = c / tau
            b -= c
            c = 0
        } else {
            // Complex eigenvalues, or real (almost) equal ones: make the diagonal entries equal.
            let sigma = b + c
            let tau = hypot(sigma, temp)
            cs = (0.5 * (1 + abs(sigma) / tau)).squareRoot()
            sn = -(p / (tau * cs)) * sign(1, sigma)
            let aa = a * cs + b * sn, bb = -a * sn + b * cs
            let cc = c * cs + d * sn, dd = -c * sn + d * cs
            a = aa * cs + cc * sn
            b = bb * cs + dd * sn
            c = -aa * sn + cc * cs
            d = -bb * sn + dd * cs
            let mean = 0.5 * (a + d)
            a = mean; d = mean
            if c != 0 {
                if b != 0 {
                    if sign(1, b) == sign(1, c) {
                        // Real eigenvalues after all: reduce to upper triangular form.
                        let sab = abs(b).squareRoot(), sac = abs(c).squareRoot()
                        p = sign(sab * sac, c)
                        let tau1 = 1 / abs(b + c).squareRoot()
                        a = mean + p
                        d = mean - p
                        b -= c
                        c = 0
                        let cs1 = sab * tau1, sn1 = sac * tau1
                        let t = cs * cs1 - sn * sn1
                        sn = cs * sn1 + sn * cs1
                        cs = t
                    }
                } else {
                    b = -c
                    c = 0
                    let t = cs
                    cs = -sn
                    sn = t
                }
            }
        }
    }
    let rt1i: Double, rt2i: Double
    if c == 0 { rt1i = 0; rt2i = 0 } else { rt1i = abs(b).squareRoot() * abs(c).squareRoot(); rt2i = -rt1i }
    return (a, rt1i, d, rt2i, cs, sn)
}
