// GeneralEigen.swift — eigenvalues and eigenvectors of a general real square matrix.
//
// Dimension letters: N, the matrix order. Notation: A V = V Λ, V (N, N) complex with unit
// columns, Λ = diag(λ_1 … λ_N). Route (LAPACK's dgeev):
// 1. Scale: if max |a_ij| lies outside [6.7e-139, 1.5e138], A ← 2^k A (exact); the eigenvalues
//    are scaled back by 2^−k at the end, so entries from ~1e-300 to ~1e300 are handled.
// 2. Balance: B = D⁻¹ Pᵀ A P D (Balancing.swift).
// 3. Real Schur form B = Z T Zᵀ (RealSchur.swift).
// 4. Eigenvectors of T by back-substitution (LAPACK's dtrevc): for a real λ = t_kk, solve
//    (T₁₁ − λ I) x = −t_{1:k−1,k} with x_k = 1 on the leading quasi-triangular block, 1×1 and
//    2×2 diagonal blocks at a time; for a complex pair, the same in complex arithmetic, started
//    from the 2×2 block's own eigenvector. A pivot smaller than max(ε |λ|, N·safmin/ε) is
//    replaced by that value (a repeated eigenvalue otherwise divides by zero), and the partial
//    solution is rescaled whenever the next division or update could overflow, so no entry is
//    ever infinite or NaN. Then v = P D Z x, normalised to unit 2-norm.
// 5. When balancing rescaled A, each v is checked against A itself and, if its residual is
//    poor (D can magnify components that were rounding-sized in x), improved by inverse
//    iteration on A.
//
// A defective matrix (a Jordan block) has fewer independent eigenvectors than N: the
// back-substitution then returns nearly parallel columns. This file does not hide that: it
// reports κ₂(V) = σ_max(V) / σ_min(V) and classifies the eigenbasis (`EigenbasisCondition`):
// κ₂(V) above a threshold (default 1e6) means nearly defective, because anything built on V⁻¹
// (such as Q Λⁿ Q⁻¹) loses about log₁₀ κ₂(V) of its 16 digits; κ₂(V) ≥ 1/ε means V is
// singular to working precision: W is defective, or within rounding of a defective matrix.
// κ₂(V) also grows when W is merely badly scaled (W = D B D⁻¹, D diagonal), so the
// classification uses the eigenvectors of the balanced matrix, whose κ₂ does not.
// Leaves out: left eigenvectors and condition numbers of individual eigenvalues.

import Foundation
import WorkbenchNumerics

/// How far the computed eigenvectors are from a basis.
public enum EigenbasisCondition: String, Codable, Sendable {
    /// κ₂(V) ≤ the threshold: a usable basis of eigenvectors.
    case diagonalizable
    /// threshold < κ₂(V) < 1/ε: a basis, but V⁻¹ amplifies rounding by κ₂(V).
    case nearlyDefective = "nearly defective"
    /// κ₂(V) ≥ 1/ε (or infinite): the eigenvectors are linearly dependent to working precision;
    /// W is defective (has a Jordan block) or is within rounding of such a matrix.
    case defective

    /// The classification of κ₂(V) against `threshold`.
    public init(conditionNumber kappa: Double, threshold: Double) {
        if !(kappa < 1 / Double.ulpOfOne) {
            self = .defective
        } else if kappa > threshold {
            self = .nearlyDefective
        } else {
            self = .diagonalizable
        }
    }
}

/// The eigen-decomposition A V = V Λ of a real square matrix.
///
/// Conventions: eigenvalues sorted by descending modulus |λ|; a complex conjugate pair stays
/// together, the one with positive imaginary part first (ties in modulus: larger real part
/// first). Each eigenvector has unit 2-norm and its largest-modulus component real and
/// positive (the first such component on a tie); eigenvectors of real eigenvalues are real.
public struct EigenDecomposition: Codable, Sendable {
    /// λ_1 … λ_N.
    public var eigenvalues: [Complex]
    /// V, (N, N): column i is the unit eigenvector of `eigenvalues[i]`.
    public var eigenvectors: ComplexMatrix
    /// κ₂(V) = σ_max(V) / σ_min(V); infinite when V is singular. It governs how many digits
    /// results built on V⁻¹ lose, and it is large both for a (nearly) defective W and for a
    /// merely badly scaled one (W = D B D⁻¹ with D diagonal and wildly graded).
    public var conditionNumber: Double
    /// κ₂ of the unit eigenvectors of the balanced matrix D⁻¹PᵀWPD (Balancing.swift): the same
    /// as `conditionNumber` unless balancing rescaled W; it does not grow with W's scaling, so
    /// it is what decides `eigenbasis`.
    public var balancedConditionNumber: Double
    /// The κ₂(V) above which the matrix is reported as nearly defective.
    public var defectiveThreshold: Double
    /// Whether κ₂(V) > `defectiveThreshold`: V is close to singular (a Jordan block or nearly
    /// one, or a badly scaled W), and V Λⁿ V⁻¹ cannot be trusted to more than ~16 − log₁₀ κ digits.
    public var isNearlyDefective: Bool { !(conditionNumber <= defectiveThreshold) }
    /// Diagonalizable, nearly defective or defective (see `EigenbasisCondition`), decided by
    /// `balancedConditionNumber`, so that a merely badly scaled W is not called defective.
    public var eigenbasis: EigenbasisCondition {
        EigenbasisCondition(conditionNumber: balancedConditionNumber, threshold: defectiveThreshold)
    }
    /// Francis QR steps used.
    public var iterations: Int

    /// Whether every eigenvalue is real (imaginary part exactly zero).
    public var eigenvaluesAreReal: Bool { eigenvalues.allSatisfy { $0.im == 0 } }
    /// max |λ_i|.
    public var spectralRadius: Double { eigenvalues.map(\.modulus).max() ?? 0 }
}

/// Eigenvalues, eigenvectors and the eigenvector condition number of the square matrix `a`.
///
/// - Parameters:
///   - a: the matrix, (N, N), finite.
///   - defectiveThreshold: κ₂(V) above which `isNearlyDefective` is true (default 1e6:
///     a 2×2 Jordan block perturbed by rounding gives κ₂ ≈ 1e7 – 1e16).
/// - Throws: `SpectralError` for an empty, non-square or non-finite matrix, no convergence, or
///   an eigenvalue beyond Double's range (entries near 1e308).
public func eigen(_ a: Matrix<Double>, defectiveThreshold: Double = 1e6) throws -> EigenDecomposition {
    let factors = try eigenFactors(a)
    let n = a.rows
    // Groups of diagonal indices: [k] for a real eigenvalue, [k, k+1] for a complex pair.
    var groups: [[Int]] = []
    var k = 0
    while k < n {
        if factors.pairStarts[k] { groups.append([k, k + 1]); k += 2 } else { groups.append([k]); k += 1 }
    }
    let lambda = { (k: Int) in Complex(factors.wr[k], factors.wi[k]) }
    // Order: descending modulus, then descending real part; pairs stay together.
    let sortedGroups = groups.enumerated().sorted { g, h in
        let a = lambda(g.element[0]), b = lambda(h.element[0])
        if a.modulus != b.modulus { return a.modulus > b.modulus }
        if a.re != b.re { return a.re > b.re }
        return g.offset < h.offset
    }.map(\.element)
    var values: [Complex] = []
    var v = ComplexMatrix(rows: n, cols: n)
    var col = 0
    for group in sortedGroups {
        let first = group[0]
        var column = (0..<n).map { r in Complex(factors.vectors[first * n + r], group.count == 2 ? factors.vectors[(first + 1) * n + r] : 0)
        }
        normalizePhase(&column)
        if group.count == 1 {
            values.append(Complex(factors.wr[first], 0))
            for r in 0..<n { v[r, col] = Complex(column[r].re, 0) }
            col += 1
        } else {
            values.append(lambda(first))
            values.append(lambda(first).conjugate)
            for r in 0..<n {
                v[r, col] = column[r]
                v[r, col + 1] = column[r].conjugate
            }
            col += 2
        }
    }
    let kappa = eigenvectorConditionNumber(factors.vectors, pairStarts: factors.pairStarts, n)
    let balancedKappa = factors.balancedVectors.map { eigenvectorConditionNumber($0, pairStarts: factors.pairStarts, n) } ?? kappa
    return EigenDecomposition(
        eigenvalues: values, eigenvectors: v, conditionNumber: kappa,
        balancedConditionNumber: balancedKappa,
        defectiveThreshold: defectiveThreshold, iterations: factors.iterations)
}

/// κ₂ of the unit eigenvectors in LAPACK's layout (see `EigenFactors.vectors`). A pair's
/// [v, v̄] equals [√2 Re v, √2 Im v] U with U unitary, so the real matrix with those columns has
/// the singular values of the complex V.
private func eigenvectorConditionNumber(_ vectors: [Double], pairStarts: [Bool], _ n: Int) -> Double {
    var realForm = Matrix<Double>(rows: n, cols: n)  // (N, N)
    var k = 0
    while k < n {
        let width = pairStarts[k] ? 2 : 1
        var s = ScaledSumOfSquares()
        for c in k..<(k + width) { for r in 0..<n { s.add(vectors[c * n + r]) } }
        let norm = s.norm
        guard norm > 0, norm.isFinite else { return .infinity }
        let f = (width == 2 ? 2.0.squareRoot() : 1) / norm
        for c in k..<(k + width) { for r in 0..<n { realForm[r, c] = f * vectors[c * n + r] } }
        k += width
    }
    let sigma = singularValues(realForm)
    guard let smallest = sigma.last, sigma[0].isFinite else { return .infinity }
    return smallest > 0 ? sigma[0] / smallest : .infinity
}

/// Eigenvalues in Schur order and eigenvectors in LAPACK's layout, before sorting.
struct EigenFactors {
    /// Real and imaginary parts of λ_k in the order of the Schur form's diagonal (a pair as
    /// wr ± i|wi|, +|wi| first).
    var wr: [Double]
    var wi: [Double]
    /// Whether k starts a complex pair (k, k + 1) of the Schur form (decided before scaling back,
    /// so a pair whose imaginary part underflows stays a pair).
    var pairStarts: [Bool]
    /// (N, N) column-major: column k is the unit eigenvector of a real λ_k; for a pair (k, k+1)
    /// columns k and k+1 are the real and imaginary parts of the eigenvector of λ_k (wi_k > 0).
    var vectors: [Double]
    /// The same for the balanced matrix (before v ← P D v), when balancing rescaled anything;
    /// nil when D = I (then the two have the same singular values).
    var balancedVectors: [Double]?
    var iterations: Int
}

/// Steps 1–5 of the route in the header.
func eigenFactors(_ a: Matrix<Double>) throws -> EigenFactors {
    try validateSquare(a)
    let n = a.rows
    let exponent = rangeExponent(maxAbs: a.maxAbs(), lower: SafeRange.lower, upper: SafeRange.upper)
    var h = a.storage.map { timesPowerOfTwo($0, exponent) }  // (N, N) becomes T
    let balancing = h.withUnsafeMutableBufferPointer { balance($0, n, scaling: true) }
    let schur = try schurInPlace(&h, n, ilo: balancing.ilo, ihi: balancing.ihi)
    var vectors = h.withUnsafeBufferPointer { t in
        schur.z.withUnsafeBufferPointer { z in schurEigenvectors(t, z, n) }
    }
    let rescaled = balancing.ilo < balancing.ihi && (balancing.ilo...balancing.ihi).contains { balancing.scale[$0] != 1 }
    let balancedVectors = rescaled ? vectors : nil
    // v ← P D v, then unit 2-norm (a pair's two columns together).
    vectors.withUnsafeMutableBufferPointer { V in
        let base = V.baseAddress!
        var k = 0
        while k < n {
            let width = k + 1 < n && schur.wi[k] > 0 ? 2 : 1
            var s = ScaledSumOfSquares()
            for c in k..<(k + width) {
                balancing.backTransform(base + c * n, n)
                for r in 0..<n { s.add(base[c * n + r]) }
            }
            let norm = s.norm
            if norm > 0 && norm.isFinite {
                for c in k..<(k + width) { for r in 0..<n { base[c * n + r] /= norm } }
            }
            k += width
        }
    }
    let pairStarts = (0..<n).map { k in k + 1 < n && schur.wi[k] > 0 }
    if rescaled {
        let scaledA = a.storage.map { timesPowerOfTwo($0, exponent) }
        refineEigenvectors(scaledA, n, wr: schur.wr, wi: schur.wi, pairStarts: pairStarts, &vectors)
    }
    let wr = schur.wr.map { timesPowerOfTwo($0, -exponent) }
    let wi = schur.wi.map { timesPowerOfTwo($0, -exponent) }
    if !(wr + wi).allSatisfy(\.isFinite) {
        let largest = zip(schur.wr, schur.wi).map { hypot($0, $1) }.max() ?? 0
        throw SpectralError.outOfRange(quantity: "an eigenvalue of W", log10Magnitude: log10(largest) - Double(exponent) * log10(2.0))
    }
    return EigenFactors(
        wr: wr, wi: wi, pairStarts: pairStarts, vectors: vectors, balancedVectors: balancedVectors,
        iterations: schur.iterations)
}

// MARK: - Step 5: inverse iteration where balancing hurt an eigenvector

/// Checks ‖A v − λ v‖₂ ≤ 100 N ε ‖A‖_F for each unit eigenvector (LAPACK's layout, columns
/// of `vectors`) of the row-major (N, N) matrix `a`, and improves a failing one by up to three
/// steps of inverse iteration, y ← (A − λ I)⁻¹ v / ‖·‖ (a pivot below ε ‖A‖_F is raised to
/// it), keeping whichever vector has the smaller residual. Needed only after balancing rescaled
/// A: an eigenvector that is accurate for B = D⁻¹AD can lose, in v = D x, the components that
/// D magnifies most (LAPACK's dgeev shares this weakness).
private func refineEigenvectors(_ a: [Double], _ n: Int, wr: [Double], wi: [Double], pairStarts: [Bool], _ vectors: inout [Double]) {
    let normA = euclideanNorm(a)
    guard normA > 0 else { return }
    let tolerance = 100 * Double(n) * Double.ulpOfOne * normA
    // Only exact breakdown is avoided: a graded A needs its tiny pivots as they are.
    let breakdownFloor = Double.leastNormalMagnitude / Double.ulpOfOne
    /// ‖A v − λ v‖₂ for v = vr + i vi.
    func residual(_ vr: [Double], _ vi: [Double], _ lambda: Complex) -> Double {
        var s = ScaledSumOfSquares()
        for r in 0..<n {
            var sr = 0.0, si = 0.0
            for c in 0..<n { sr += a[r * n + c] * vr[c]; si += a[r * n + c] * vi[c] }
            s.add(sr - (lambda.re * vr[r] - lambda.im * vi[r]))
            s.add(si - (lambda.re * vi[r] + lambda.im * vr[r]))
        }
        return s.norm
    }
    var k = 0
    while k < n {
        let isPair = pairStarts[k]
        let lambda = Complex(wr[k], isPair ? wi[k] : 0)
        var vr = Array(vectors[(k * n)..<(k * n + n)])
        var vi = isPair ? Array(vectors[((k + 1) * n)..<((k + 1) * n + n)]) : [Double](repeating: 0, count: n)
        var best = residual(vr, vi, lambda)
        var step = 0
        while !(best <= tolerance) && step < 3 {
            step += 1
            guard let y = solveShifted(a, n, shift: lambda, vr, vi, pivotFloor: breakdownFloor) else { break }
            var s = ScaledSumOfSquares()
            for r in 0..<n { s.add(y.re[r]); s.add(y.im[r]) }
            let norm = s.norm
            guard norm > 0, norm.isFinite else { break }
            let yr = y.re.map { $0 / norm }, yi = y.im.map { $0 / norm }
            let r = residual(yr, yi, lambda)
            if r < best { best = r; vr = yr; vi = yi } else { break }
        }
        if step > 0 {
            for r in 0..<n { vectors[k * n + r] = vr[r] }
            if isPair { for r in 0..<n { vectors[(k + 1) * n + r] = vi[r] } }
        }
        k += isPair ? 2 : 1
    }
}

/// y = (A − λ I)⁻¹ (br + i bi) by Gaussian elimination with partial pivoting in complex
/// arithmetic; pivots smaller than `pivotFloor` are raised to it. nil if y is not finite.
private func solveShifted(_ a: [Double], _ n: Int, shift: Complex, _ br: [Double], _ bi: [Double], pivotFloor: Double)
    -> (re: [Double], im: [Double])?
{
    var mr = a, mi = [Double](repeating: 0, count: n * n)  // (N, N) M = A − λ I
    for i in 0..<n { mr[i * n + i] -= shift.re; mi[i * n + i] = -shift.im }
    var yr = br, yi = bi
    for col in 0..<n {
        var p = col, best = -1.0
        for r in col..<n { let m = hypot(mr[r * n + col], mi[r * n + col]); if m > best { best = m; p = r } }
        if p != col {
            for j in 0..<n { mr.swapAt(col * n + j, p * n + j); mi.swapAt(col * n + j, p * n + j) }
            yr.swapAt(col, p); yi.swapAt(col, p)
        }
        var pivot = Complex(mr[col * n + col], mi[col * n + col])
        if pivot.modulus < pivotFloor { pivot = Complex(pivotFloor); mr[col * n + col] = pivotFloor; mi[col * n + col] = 0 }
        for r in (col + 1)..<n {
            let f = Complex(mr[r * n + col], mi[r * n + col]) / pivot
            if f == .zero { continue }
            for j in (col + 1)..<n {
                let u = Complex(mr[col * n + j], mi[col * n + j])
                mr[r * n + j] -= f.re * u.re - f.im * u.im
                mi[r * n + j] -= f.re * u.im + f.im * u.re
            }
            yr[r] -= f.re * yr[col] - f.im * yi[col]
            yi[r] -= f.re * yi[col] + f.im * yr[col]
        }
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
        var s = Complex(yr[i], yi[i])
        for j in (i + 1)..<n { s -= Complex(mr[i * n + j], mi[i * n + j]) * Complex(yr[j], yi[j]) }
        let x = s / Complex(mr[i * n + i], mi[i * n + i])
        yr[i] = x.re; yi[i] = x.im
    }
    guard yr.allSatisfy(\.isFinite), yi.allSatisfy(\.isFinite) else { return nil }
    return (yr, yi)
}

// MARK: - Step 4: eigenvectors of the quasi-triangular T (LAPACK's dtrevc, right vectors)

/// The right eigenvectors of the row-major quasi-triangular T, multiplied by Z, each scaled
/// to max |v_i| = 1 (|Re| + |Im| for a pair). Returns (N, N) column-major, LAPACK's layout.
private func schurEigenvectors(_ t: UnsafeBufferPointer<Double>, _ z: UnsafeBufferPointer<Double>, _ n: Int) -> [Double] {
    let ulp = Double.ulpOfOne
    let smlnum = Double.leastNormalMagnitude * (Double(n) / ulp)
    let bignum = (1 - ulp) / smlnum
    // Tᵀ, so that column j of T is contiguous: tc[j·N + i] = T[i, j].
    var tc = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0..<n { tc[j * n + i] = t[i * n + j] } }
    // colNorm[j] = Σ_{i<j} |T[i, j]|, the bound on how much x_j can grow the right-hand side.
    var colNorm = [Double](repeating: 0, count: n)
    for j in 0..<n { var s = 0.0; for i in 0..<j { s += abs(tc[j * n + i]) }; colNorm[j] = s }
    var out = [Double](repeating: 0, count: n * n)
    var xr = [Double](repeating: 0, count: n), xi = xr
    tc.withUnsafeBufferPointer { TC in
        xr.withUnsafeMutableBufferPointer { XR in
            xi.withUnsafeMutableBufferPointer { XI in
                out.withUnsafeMutableBufferPointer { OUT in
                    let tcp = TC.baseAddress!, xrp = XR.baseAddress!, xip = XI.baseAddress!
                    var ki = n - 1
                    while ki >= 0 {
                        let isPair = ki > 0 && t[ki * n + ki - 1] != 0
                        if !isPair {
                            let wr = t[ki * n + ki]
                            let smin = max(ulp * abs(wr), smlnum)
                            xrp[ki] = 1
                            for k in 0..<ki { xrp[k] = -tcp[ki * n + k] }
                            backSubstitute(
                                t, tcp, n, upTo: ki, wr: wr, wi: 0, smin: smin, bignum: bignum,
                                colNorm: colNorm, xr: xrp, xi: nil, length: ki + 1)
                            // v = Z[:, 0…ki] x[0…ki], scaled to max |v_r| = 1.
                            let v = OUT.baseAddress! + ki * n
                            var emax = 0.0
                            for r in 0..<n {
                                let zr = z.baseAddress! + r * n
                                var s = 0.0
                                for c in 0...ki { s += zr[c] * xrp[c] }
                                v[r] = s
                                emax = max(emax, abs(s))
                            }
                            if emax > 0 { let f = 1 / emax; for r in 0..<n { v[r] *= f } }
                            ki -= 1
                        } else {
                            // The pair (ki−1, ki): eigenvector of λ = wr + i wi, wi > 0.
                            let p = ki - 1
                            let wr = t[ki * n + ki]
                            let wi = abs(t[ki * n + p]).squareRoot() * abs(t[p * n + ki]).squareRoot()
                            let smin = max(ulp * (abs(wr) + abs(wi)), smlnum)
                            if abs(t[p * n + ki]) >= abs(t[ki * n + p]) {
                                xrp[p] = 1; xip[ki] = wi / t[p * n + ki]
                            } else {
                                xrp[p] = -wi / t[ki * n + p]; xip[ki] = 1
                            }
                            xrp[ki] = 0; xip[p] = 0
                            for k in 0..<p {
                                xrp[k] = -xrp[p] * tcp[p * n + k]
                                xip[k] = -xip[ki] * tcp[ki * n + k]
                            }
                            backSubstitute(
                                t, tcp, n, upTo: p, wr: wr, wi: wi, smin: smin, bignum: bignum,
                                colNorm: colNorm, xr: xrp, xi: xip, length: ki + 1)
                            let vre = OUT.baseAddress! + p * n, vim = OUT.baseAddress! + ki * n
                            var emax = 0.0
                            for r in 0..<n {
                                let zr = z.baseAddress! + r * n
                                var sr = 0.0, si = 0.0
                                for c in 0...ki { sr += zr[c] * xrp[c]; si += zr[c] * xip[c] }
                                vre[r] = sr; vim[r] = si
                                emax = max(emax, abs(sr) + abs(si))
                            }
                            if emax > 0 { let f = 1 / emax; for r in 0..<n { vre[r] *= f; vim[r] *= f } }
                            ki -= 2
                        }
                    }
                }
            }
        }
    }
    return out
}

/// Solves (T[0..<m, 0..<m] − (wr + i wi) I) x = scale · rhs in place for m = `upTo`, where x
/// holds the right-hand side on entry (x = xr + i xi; `xi` nil for a real shift). Whenever a
/// division or an update could overflow, the whole vector x[0..<length] is scaled down.
private func backSubstitute(
    _ t: UnsafeBufferPointer<Double>, _ tc: UnsafePointer<Double>, _ n: Int, upTo m: Int,
    wr: Double, wi: Double, smin: Double, bignum: Double, colNorm: [Double],
    xr: UnsafeMutablePointer<Double>, xi: UnsafeMutablePointer<Double>?, length: Int
) {
    @inline(__always) func scaleAll(_ s: Double) {
        for r in 0..<length { xr[r] *= s }
        if let xi { for r in 0..<length { xi[r] *= s } }
    }
    var j = m - 1
    while j >= 0 {
        if j > 0 && t[j * n + j - 1] != 0 {
            // 2×2 diagonal block (j−1, j).
            let j1 = j - 1
            let b1 = Complex(xr[j1], xi?[j1] ?? 0), b2 = Complex(xr[j], xi?[j] ?? 0)
            var sol = solve2x2(
                t[j1 * n + j1], t[j1 * n + j], t[j * n + j1], t[j * n + j], shift: Complex(wr, wi),
                b1, b2, smin: smin)
            if sol.xnorm > 1 {
                let beta = max(colNorm[j1], colNorm[j])
                if beta > bignum / sol.xnorm {
                    sol.x1 = (1 / sol.xnorm) * sol.x1; sol.x2 = (1 / sol.xnorm) * sol.x2
                    sol.scale /= sol.xnorm
                }
            }
            if sol.scale != 1 { scaleAll(sol.scale) }
            xr[j1] = sol.x1.re; xr[j] = sol.x2.re
            if let xi { xi[j1] = sol.x1.im; xi[j] = sol.x2.im }
            let c1 = tc + j1 * n, c2 = tc + j * n
            for r in 0..<j1 { xr[r] -= sol.x1.re * c1[r] + sol.x2.re * c2[r] }
            if let xi { for r in 0..<j1 { xi[r] -= sol.x1.im * c1[r] + sol.x2.im * c2[r] } }
            j -= 2
        } else {
            var sol = solve1x1(t[j * n + j], shift: Complex(wr, wi), Complex(xr[j], xi?[j] ?? 0), smin: smin)
            if sol.xnorm > 1 && colNorm[j] > bignum / sol.xnorm {
                sol.x = (1 / sol.xnorm) * sol.x
                sol.scale /= sol.xnorm
            }
            if sol.scale != 1 { scaleAll(sol.scale) }
            xr[j] = sol.x.re
            xi?[j] = sol.x.im
            let c = tc + j * n, fr = sol.x.re, fi = sol.x.im
            if fr != 0 { for r in 0..<j { xr[r] -= fr * c[r] } }
            if let xi, fi != 0 { for r in 0..<j { xi[r] -= fi * c[r] } }
            j -= 1
        }
    }
}

/// |re| + |im|, the cheap modulus LAPACK's dlaln2 uses.
@inline(__always) private func norm1(_ z: Complex) -> Double { abs(z.re) + abs(z.im) }

/// The smallest number the small solvers treat as a pivot (LAPACK's dlaln2: 2·safmin) and its inverse.
private let pivotFloor = 2 * Double.leastNormalMagnitude
private let pivotCeiling = 1 / pivotFloor

/// x = scale · b / (t − λ) (LAPACK's dlaln2, 1×1): a pivot below `smin` is replaced by `smin`, and
/// scale < 1 only when the division would overflow.
private func solve1x1(_ t: Double, shift: Complex, _ b: Complex, smin: Double) -> (x: Complex, scale: Double, xnorm: Double) {
    let smini = max(smin, pivotFloor)
    var c = Complex(t - shift.re, -shift.im)
    var cnorm = norm1(c)
    if cnorm < smini { c = Complex(smini); cnorm = smini }
    let bnorm = norm1(b)
    var scale = 1.0
    if cnorm < 1 && bnorm > 1 && bnorm > pivotCeiling * cnorm { scale = 1 / bnorm }
    let x = (scale * b) / c
    return (x, scale, norm1(x))
}

/// The 2×2 system ([[t11, t12], [t21, t22]] − λ I) x = scale · b by complete pivoting
/// (LAPACK's dlaln2, 2×2): pivots below `smin` are replaced by `smin`, scale < 1 only when the
/// solution would overflow.
private func solve2x2(
    _ t11: Double, _ t12: Double, _ t21: Double, _ t22: Double, shift: Complex,
    _ b1: Complex, _ b2: Complex, smin: Double
) -> (x1: Complex, x2: Complex, scale: Double, xnorm: Double) {
    let smini = max(smin, pivotFloor)
    // c[r][s] = (T − λ I)[r, s].
    let c = [[Complex(t11 - shift.re, -shift.im), Complex(t12)], [Complex(t21), Complex(t22 - shift.re, -shift.im)]]
    let b = [b1, b2]
    var cmax = 0.0, pr = 0, pc = 0
    for r in 0..<2 { for s in 0..<2 where norm1(c[r][s]) > cmax { cmax = norm1(c[r][s]); pr = r; pc = s } }
    var scale = 1.0
    if cmax < smini {
        // The whole block is below the pivot floor: use smin · I.
        let bnorm = max(norm1(b1), norm1(b2))
        if smini < 1 && bnorm > 1 && bnorm > pivotCeiling * smini { scale = 1 / bnorm }
        let f = scale / smini
        let x1 = f * b1, x2 = f * b2
        return (x1, x2, scale, max(norm1(x1), norm1(x2)))
    }
    let qr = 1 - pr, qc = 1 - pc
    let u11 = c[pr][pc]
    let u11r = Complex.one / u11
    let l21 = c[qr][pc] * u11r
    let u12 = c[pr][qc]
    var u22 = c[qr][qc] - u12 * l21
    if norm1(u22) < smini { u22 = Complex(smini) }
    let br1 = b[pr]
    let br2 = b[qr] - l21 * br1
    let u22abs = norm1(u22)
    let bbnd = max(norm1(br1) * (u22abs * norm1(u11r)), norm1(br2))
    if bbnd > 1 && u22abs < 1 && bbnd >= pivotCeiling * u22abs { scale = 1 / bbnd }
    let xq = (scale * br2) / u22
    let xp = (scale * br1) * u11r - xq * (u11r * u12)
    var x = [Complex.zero, Complex.zero]
    x[pc] = xp
    x[qc] = xq
    var xnorm = max(norm1(xp), norm1(xq))
    if xnorm > 1 && cmax > 1 && xnorm > pivotCeiling / cmax {
        let f = cmax / pivotCeiling
        x = x.map { f * $0 }
        xnorm *= f
        scale *= f
    }
    return (x[0], x[1], scale, xnorm)
}

/// Multiplies `v` by a unit complex number so that its largest-modulus component (the first
/// on a tie) is real and positive.
func normalizePhase(_ v: inout [Complex]) {
    guard !v.isEmpty else { return }
    var best = 0
    for i in v.indices where v[i].modulus > v[best].modulus { best = i }
    let m = v[best].modulus
    guard m > 0 else { return }
    let phase = (1 / m) * v[best].conjugate
    for i in v.indices { v[i] = v[i] * phase }
    v[best] = Complex(m, 0)
}
