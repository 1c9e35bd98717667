// Balancing.swift — balancing a general matrix before its eigenvalues are computed
// (Parlett & Reinsch 1969; LAPACK's dgebal and dgebak).
//
// Dimension letters: N, the matrix order. Notation: B = D⁻¹ Pᵀ A P D with P a permutation and
// D = diag(d_i), every d_i a power of 2 (so B has exactly A's rounding-free entries, rescaled).
// 1. Permutation: a row whose off-diagonal entries (within the active rows) are all zero
//    isolates its diagonal entry as an eigenvalue; it is moved to the bottom, and a column with
//    that property to the left. What remains is the block ilo…ihi; outside it B is already
//    upper triangular.
// 2. Scaling: for each i in ilo…ihi, d_i is changed by powers of 2 until the 2-norms of row i
//    and column i are within a factor of 2 of each other, repeated until a sweep changes no
//    d_i by enough to shrink ‖row‖ + ‖column‖ by 5% (dgebal since LAPACK 3.5).
// Eigenvalues are unchanged (B is similar to A); an eigenvector x of B gives v = P D x of A.
// Balancing matters when entries span many orders of magnitude: the QR iteration's errors are
// proportional to ‖B‖, which can be far smaller than ‖A‖.
// Leaves out: left eigenvectors (D⁻¹ instead of D in the back-transformation).

import Foundation

/// The permutation and scaling of a balanced matrix B = D⁻¹ Pᵀ A P D.
struct Balancing {
    /// B[i, j] = 0 for i > j unless ilo ≤ j < i ≤ ihi (0-based).
    var ilo: Int
    var ihi: Int
    /// LAPACK's SCALE: for i < ilo or i > ihi, the index row i was swapped with; for
    /// ilo ≤ i ≤ ihi, d_i.
    var scale: [Double]

    /// v ← P D v for a right eigenvector of B given in `v` (length N), in place (dgebak).
    func backTransform(_ v: UnsafeMutablePointer<Double>, _ n: Int) {
        // ilo = ihi: a 1×1 block was isolated by permutation alone, and scale[ilo] is an index.
        if ilo < ihi { for i in ilo...ihi { v[i] *= scale[i] } }
        for ii in 0..<n {
            var i = ii
            if i >= ilo && i <= ihi { continue }
            if i < ilo { i = ilo - 1 - ii }
            let k = Int(scale[i])
            if k != i { let t = v[i]; v[i] = v[k]; v[k] = t }
        }
    }
}

/// Balances the row-major (N, N) matrix `a` in place. `scaling: false` only permutes (B stays
/// orthogonally similar to A).
func balance(_ a: UnsafeMutableBufferPointer<Double>, _ n: Int, scaling: Bool) -> Balancing {
    var scale = [Double](repeating: 1, count: n)
    guard n > 0 else { return Balancing(ilo: 0, ihi: -1, scale: scale) }
    @inline(__always) func at(_ i: Int, _ j: Int) -> Double { a[i * n + j] }
    /// Swaps columns j and m in rows 0…rowEnd, and rows j and m in columns colStart..<N.
    func exchange(_ j: Int, _ m: Int, rowEnd: Int, colStart: Int) {
        guard j != m else { return }
        for r in 0...rowEnd { a.swapAt(r * n + j, r * n + m) }
        for c in colStart..<n { a.swapAt(j * n + c, m * n + c) }
    }
    var k = 0, l = n - 1
    // Rows isolating an eigenvalue: push them to the bottom.
    var changed = true
    while changed {
        changed = false
        var i = l
        while i >= 0 {
            var isolated = true
            for j in 0...l where j != i && at(i, j) != 0 { isolated = false; break }
            if isolated {
                scale[l] = Double(i)
                exchange(i, l, rowEnd: l, colStart: k)
                changed = true
                if l == 0 { return Balancing(ilo: 0, ihi: 0, scale: scale) }
                l -= 1
            }
            i -= 1
        }
    }
    // Columns isolating an eigenvalue: push them to the left.
    changed = true
    while changed {
        changed = false
        var j = k
        while j <= l {
            var isolated = true
            for i in k...l where i != j && at(i, j) != 0 { isolated = false; break }
            if isolated && k < l {  // a 1×1 block stays the active block
                scale[k] = Double(j)
                exchange(j, k, rowEnd: l, colStart: k)
                changed = true
                k += 1
            }
            j += 1
        }
    }
    for i in k...l { scale[i] = 1 }
    guard scaling else { return Balancing(ilo: k, ihi: l, scale: scale) }

    let radix = 2.0, factor = 0.95
    let sfmin1 = Double.leastNormalMagnitude / Double.ulpOfOne
    let sfmax1 = 1 / sfmin1
    let sfmin2 = sfmin1 * radix
    let sfmax2 = 1 / sfmin2
    var notConverged = true
    while notConverged {
        notConverged = false
        for i in k...l {
            // 2-norms of column i and row i within the active block; largest entries of the
            // whole column (rows 0…l) and row (columns k..<N).
            var cs = ScaledSumOfSquares(), rs = ScaledSumOfSquares()
            for j in k...l { cs.add(at(j, i)); rs.add(at(i, j)) }
            var c = cs.norm, r = rs.norm
            var ca = 0.0, ra = 0.0
            for j in 0...l { ca = max(ca, abs(at(j, i))) }
            for j in k..<n { ra = max(ra, abs(at(i, j))) }
            if c == 0 || r == 0 { continue }
            if (c + ca + r + ra).isNaN { return Balancing(ilo: k, ihi: l, scale: scale) }
            var g = r / radix
            var f = 1.0
            let s = c + r
            while c < g && max(f, c, ca) < sfmax2 && min(r, g, ra) > sfmin2 {
                f *= radix; c *= radix; ca *= radix
                r /= radix; g /= radix; ra /= radix
            }
            g = c / radix
            while g >= r && max(r, ra) < sfmax2 && min(f, c, g, ca) > sfmin2 {
                f /= radix; c /= radix; g /= radix; ca /= radix
                r *= radix; ra *= radix
            }
            // Apply only if ‖row‖ + ‖column‖ shrinks by at least 5%.
            if c + r >= factor * s { continue }
            if f < 1 && scale[i] < 1 && f * scale[i] <= sfmin1 { continue }
            if f > 1 && scale[i] > 1 && scale[i] >= sfmax1 / f { continue }
            scale[i] *= f
            notConverged = true
            let g1 = 1 / f
            for j in k..<n { a[i * n + j] *= g1 }
            for j in 0...l { a[j * n + i] *= f }
        }
    }
    return Balancing(ilo: k, ihi: l, scale: scale)
}
