// GeneralEigen.swift — eigenvalues and eigenvectors of a general real square matrix.
//
// Dimension letters: N, the matrix order. Notation: A V = V Λ, V (N, N) complex with unit
// columns, Λ = diag(λ_1 … λ_N). Route: real Schur form A = Z T Zᵀ (RealSchur.swift); each
// 2×2 block of T with a complex pair is turned triangular by a 2×2 unitary rotation, giving a
// complex Schur form A = X S Xᴴ with S upper triangular; the eigenvector of S for λ_k = s_kk
// is found by back-substitution in (S − λ_k I) y = 0 with y_k = 1, and v_k = X y / ‖X y‖.
//
// A defective matrix (a Jordan block) has fewer independent eigenvectors than N: the
// back-substitution then divides by a tiny s_ii − λ_k and returns nearly parallel columns.
// This file does not hide that: it reports κ₂(V) = σ_max(V) / σ_min(V) and flags the
// decomposition as nearly defective when κ₂(V) exceeds a threshold (default 1e6), because
// anything built on V⁻¹ (such as Q Λⁿ Q⁻¹) then loses about log₁₀ κ₂(V) of its 16 digits.
// Caveat: κ₂(V) also grows when W is badly scaled (entries spanning many orders of magnitude,
// W = D B D⁻¹ with D diagonal); the flag then still means "V⁻¹-based results are inaccurate",
// but not that W lacks eigenvectors. Leaves out: balancing, condition numbers of individual
// eigenvalues.

import Foundation
import WorkbenchNumerics

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
    /// κ₂(V) = σ_max(V) / σ_min(V); infinite when V is singular.
    public var conditionNumber: Double
    /// The κ₂(V) above which the matrix is reported as nearly defective.
    public var defectiveThreshold: Double
    /// Whether κ₂(V) > `defectiveThreshold`: V is close to singular (a Jordan block or
    /// nearly one), and V Λⁿ V⁻¹ cannot be trusted to more than ~16 − log₁₀ κ digits.
    public var isNearlyDefective: Bool { !(conditionNumber <= defectiveThreshold) }
    /// Francis QR steps used.
    public var iterations: Int

    /// Whether every eigenvalue is real (imaginary part exactly zero).
    public var eigenvaluesAreReal: Bool { eigenvalues.allSatisfy { $0.im == 0 } }
    /// max |λ_i|.
    public var spectralRadius: Double { eigenvalues.map(\.modulus).max() ?? 0 }
}

/// Eigenvalues, eigenvectors and the eigenvector condition number of the square matrix `a`.
///
/// - Parameter defectiveThreshold: κ₂(V) above which `isNearlyDefective` is true (default 1e6:
///   a 2×2 Jordan block perturbed by rounding gives κ₂ ≈ 1e7 – 1e16).
/// - Throws: `SpectralError` for an empty, non-square or non-finite matrix or no convergence.
public func eigen(_ a: Matrix<Double>, defectiveThreshold: Double = 1e6) throws -> EigenDecomposition {
    let schur = try realSchur(a)
    let n = a.rows
    var s = ComplexMatrix(schur.t)              // (N, N) becomes upper triangular
    var x = ComplexMatrix(schur.z)              // (N, N) unitary, A = X S Xᴴ
    // Groups of diagonal indices: [i] for a real eigenvalue, [i, i+1] for a complex pair.
    var groups: [[Int]] = []
    var i = 0
    while i < n {
        if i + 1 < n, schur.t[i + 1, i] != 0 {
            triangularizeComplexBlock(&s, &x, i)
            groups.append([i, i + 1])
            i += 2
        } else {
            groups.append([i])
            i += 1
        }
    }
    let vectors = triangularEigenvectors(s, x)
    // Order: descending modulus, then descending real part; pairs stay together.
    let sortedGroups = groups.enumerated().sorted { g, h in
        let a = s[g.element[0], g.element[0]], b = s[h.element[0], h.element[0]]
        if a.modulus != b.modulus { return a.modulus > b.modulus }
        if a.re != b.re { return a.re > b.re }
        return g.offset < h.offset
    }.map(\.element)
    let order = sortedGroups.flatMap { $0 }
    var values: [Complex] = []
    var v = ComplexMatrix(rows: n, cols: n)
    for (col, src) in order.enumerated() {
        var lambda = s[src, src]
        var column = vectors[src]
        normalizePhase(&column)
        if lambda.im == 0 {
            for r in 0..<n { column[r].im = 0 }
            lambda.im = 0
        }
        values.append(lambda)
        for r in 0..<n { v[r, col] = column[r] }
    }
    let sigma = singularValues(v)
    let kappa = sigma.last.map { $0 > 0 ? sigma[0] / $0 : .infinity } ?? .infinity
    return EigenDecomposition(eigenvalues: values, eigenvectors: v, conditionNumber: kappa,
                              defectiveThreshold: defectiveThreshold, iterations: schur.iterations)
}

/// Turns the 2×2 block at (p, p + 1) of S, whose eigenvalues are a complex pair λ, λ̄, into
/// [[λ, *], [0, λ̄]] by the unitary G = [[u₁, −ū₂], [u₂, ū₁]], u = (b, λ − a)/‖·‖ the
/// eigenvector of the block; S ← Gᴴ S G, X ← X G.
private func triangularizeComplexBlock(_ s: inout ComplexMatrix, _ x: inout ComplexMatrix, _ p: Int) {
    let n = s.rows, q = p + 1
    let a = s[p, p].re, b = s[p, q].re, c = s[q, p].re, d = s[q, q].re
    let half = 0.5 * (a - d)
    let lambda = Complex(0.5 * (a + d), (-(half * half + b * c)).squareRoot())
    var u1 = Complex(b), u2 = lambda - Complex(a)
    let norm = hypot(u1.modulus, u2.modulus)
    u1 = (1 / norm) * u1
    u2 = (1 / norm) * u2
    for j in p..<n {                            // rows: Gᴴ = [[ū₁, ū₂], [−u₂, u₁]]
        let sp = s[p, j], sq = s[q, j]
        s[p, j] = u1.conjugate * sp + u2.conjugate * sq
        s[q, j] = -(u2 * sp) + u1 * sq
    }
    for r in 0...q {                            // columns: [c_p, c_q] G
        let sp = s[r, p], sq = s[r, q]
        s[r, p] = sp * u1 + sq * u2
        s[r, q] = -(sp * u2.conjugate) + sq * u1.conjugate
    }
    for r in 0..<n {
        let xp = x[r, p], xq = x[r, q]
        x[r, p] = xp * u1 + xq * u2
        x[r, q] = -(xp * u2.conjugate) + xq * u1.conjugate
    }
    s[q, p] = .zero
    s[p, p] = lambda
    s[q, q] = lambda.conjugate
}

/// Eigenvectors of A = X S Xᴴ (S upper triangular): for each k, back-substitution in
/// (S − s_kk I) y = 0 with y_k = 1, then X y normalised. A zero pivot s_ii − s_kk (a repeated
/// eigenvalue) is replaced by ε·|s_kk| (at least 1e-290), as LAPACK's trevc does; entries are
/// rescaled on the way to avoid overflow.
private func triangularEigenvectors(_ s: ComplexMatrix, _ x: ComplexMatrix) -> [[Complex]] {
    let n = s.rows
    let eps = Double.ulpOfOne
    var result: [[Complex]] = []
    result.reserveCapacity(n)
    for k in 0..<n {
        let lambda = s[k, k]
        let smin = max(eps * (abs(lambda.re) + abs(lambda.im)), 1e-290)
        var y = [Complex](repeating: .zero, count: k + 1)
        y[k] = .one
        var i = k - 1
        while i >= 0 {
            var sum = Complex.zero
            for j in (i + 1)...k where y[j] != .zero { sum += s[i, j] * y[j] }
            var pivot = s[i, i] - lambda
            if pivot.modulus < smin { pivot = Complex(smin) }
            y[i] = -(sum / pivot)
            if y[i].modulus > 1e100 {
                for j in i...k { y[j] = 1e-100 * y[j] }
            }
            i -= 1
        }
        // v = X[:, 0...k] y
        var v = [Complex](repeating: .zero, count: n)
        for j in 0...k where y[j] != .zero {
            let yj = y[j]
            for r in 0..<n { v[r] += x[r, j] * yj }
        }
        let norm = v.reduce(0.0) { hypot($0, $1.modulus) }
        if norm > 0 { v = v.map { (1 / norm) * $0 } }
        result.append(v)
    }
    return result
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
