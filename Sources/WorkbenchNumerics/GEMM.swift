// GEMM.swift — the general matrix product C = α·op(A)·op(B) + β·C.
//
// Dimension letters: op(A) is (M, K), op(B) is (K, N), C is (M, N).
//
// Two versions side by side:
//   - `referenceGEMM`: the textbook triple loop, one dot product per output entry, written
//     for reading; the fast version is tested against it.
//   - `gemm`: the loop order chosen per operand layout so that the innermost loop walks
//     contiguous memory (rows of B and C for op(B) = B, rows of A and B for op(B) = Bᵀ), and
//     a matrix-vector product (N = 1) is a dot product per row.
// Both are deterministic: each output entry is accumulated by one loop in a fixed order of
// p = 0 … K−1, whatever the operand sizes.
//
// Why `@inlinable`: the workbench's other modules call these with `Double`. A generic function
// that is not inlinable runs unspecialized across a module boundary — every `+` and `*` an
// indirect call through the protocol witness table (a 150×150 product took 26 ms, 0.26
// GFLOP/s). Inlinable, it is specialized for `Double` in the caller and the inner loops
// compile to plain (vectorized) floating-point code.
//
// Leaves out: blocking for cache and threads (the verification modules multiply small
// matrices; the poem trainer's fast Float32 kernels are the PoemEngine target).

extension Matrix {
    /// Whether an operand is used as stored or transposed.
    public enum Operation: Sendable { case none, transpose }
}

/// C ← α · op(A) · op(B) + β · C, with op(X) = X or Xᵀ.
///
/// Entries of op(A) equal to zero are skipped, as the reference BLAS does (so 0 · ∞ in B does
/// not turn an entry of C into NaN).
///
/// - Parameters:
///   - a: (m, k) after `opA`.
///   - opA: whether A is used as stored or transposed.
///   - b: (k, n) after `opB`.
///   - opB: whether B is used as stored or transposed.
///   - c: (m, n), updated in place.
///   - alpha: scale of the product (default 1).
///   - beta: scale of the old C (default 0: C is overwritten).
@inlinable
public func gemm<T: RealScalar>(
    _ a: Matrix<T>, _ opA: Matrix<T>.Operation = .none,
    _ b: Matrix<T>, _ opB: Matrix<T>.Operation = .none,
    into c: inout Matrix<T>, alpha: T = 1, beta: T = 0
) {
    let m = opA == .none ? a.rows : a.cols
    let k = opA == .none ? a.cols : a.rows
    let kb = opB == .none ? b.rows : b.cols
    let n = opB == .none ? b.cols : b.rows
    precondition(k == kb, "gemm inner dimensions differ: \(k) vs \(kb)")
    precondition(c.rows == m && c.cols == n, "gemm output must be (\(m), \(n)), is (\(c.rows), \(c.cols))")
    let lda = a.cols, ldb = b.cols
    a.storage.withUnsafeBufferPointer { pa in
        b.storage.withUnsafeBufferPointer { pb in
            c.storage.withUnsafeMutableBufferPointer { pc in
                gemmKernel(
                    pa.baseAddress, lda, opA == .transpose, pb.baseAddress, ldb, opB == .transpose,
                    pc.baseAddress, m: m, n: n, k: k, alpha: alpha, beta: beta)
            }
        }
    }
}

/// The loops of `gemm` on raw storage: C (m, n, row-major, leading dimension n) ←
/// α·op(A)·op(B) + β·C, with A's and B's row lengths `lda`, `ldb`.
@inlinable
func gemmKernel<T: RealScalar>(
    _ pa: UnsafePointer<T>?, _ lda: Int, _ transposeA: Bool,
    _ pb: UnsafePointer<T>?, _ ldb: Int, _ transposeB: Bool,
    _ pc: UnsafeMutablePointer<T>?, m: Int, n: Int, k: Int, alpha: T, beta: T
) {
    guard m > 0, n > 0, let pc else { return }
    // β·C first (β = 0 overwrites, so NaN in the old C does not survive).
    if beta == 0 {
        pc.update(repeating: 0, count: m * n)
    } else if beta != 1 {
        for e in 0..<(m * n) { pc[e] *= beta }
    }
    guard k > 0, alpha != 0, let pa, let pb else { return }
    if !transposeB && (n > 1 || transposeA) {
        // C[i, :] += α·op(A)[i, p] · B[p, :]: the inner loop streams a row of B into a row of C.
        for i in 0..<m {
            let rowC = pc + i * n
            for p in 0..<k {
                let aip = alpha * (transposeA ? pa[p * lda + i] : pa[i * lda + p])
                if aip == 0 { continue }
                let rowB = pb + p * ldb
                for j in 0..<n { rowC[j] += aip * rowB[j] }
            }
        }
    } else if !transposeA {
        // C[i, j] += α · Σ_p A[i, p] · op(B)[p, j] with op(B)[p, j] at B[j, p] (op(B) = Bᵀ)
        // or B[p, 0] (N = 1): a dot product of contiguous rows.
        let strideB = transposeB ? 1 : ldb
        for i in 0..<m {
            let rowA = pa + i * lda
            for j in 0..<n {
                let columnB = transposeB ? pb + j * ldb : pb + j
                var s: T = 0
                for p in 0..<k {
                    let x = rowA[p]
                    s += x == 0 ? 0 : x * columnB[p * strideB]
                }
                pc[i * n + j] += alpha * s
            }
        }
    } else {
        // Aᵀ·Bᵀ: C[i, j] += α · Σ_p A[p, i] · B[j, p].
        for i in 0..<m {
            for j in 0..<n {
                let rowB = pb + j * ldb
                var s: T = 0
                for p in 0..<k {
                    let x = pa[p * lda + i]
                    s += x == 0 ? 0 : x * rowB[p]
                }
                pc[i * n + j] += alpha * s
            }
        }
    }
}

/// The reference product: C ← α · op(A) · op(B) + β · C by one dot product per entry over
/// p = 0 … K−1, zero entries of op(A) skipped (the algorithmic reference the fast loops are
/// tested against; they agree to rounding, since `gemm` scales by α at another point).
///
/// - Parameters:
///   - a: (m, k) after `opA`.
///   - opA: whether A is used as stored or transposed.
///   - b: (k, n) after `opB`.
///   - opB: whether B is used as stored or transposed.
///   - c: (m, n), updated in place.
///   - alpha: scale of the product.
///   - beta: scale of the old C.
public func referenceGEMM<T: RealScalar>(
    _ a: Matrix<T>, _ opA: Matrix<T>.Operation, _ b: Matrix<T>, _ opB: Matrix<T>.Operation,
    into c: inout Matrix<T>, alpha: T = 1, beta: T = 0
) {
    let m = opA == .none ? a.rows : a.cols
    let k = opA == .none ? a.cols : a.rows
    let n = opB == .none ? b.cols : b.rows
    precondition(k == (opB == .none ? b.rows : b.cols) && c.rows == m && c.cols == n, "referenceGEMM: shapes differ")
    for i in 0..<m {
        for j in 0..<n {
            var s: T = 0
            for p in 0..<k {
                let aip = opA == .none ? a[i, p] : a[p, i]
                if aip == 0 { continue }
                s += aip * (opB == .none ? b[p, j] : b[j, p])
            }
            c[i, j] = (beta == 0 ? 0 : beta * c[i, j]) + alpha * s
        }
    }
}

/// Convenience: gemm into matrix `a · b` with this overload of `gemm(_:_:into:)`.
@inlinable
public func gemm<T: RealScalar>(_ a: Matrix<T>, _ b: Matrix<T>, into c: inout Matrix<T>) {
    gemm(a, .none, b, .none, into: &c)
}

/// op(A) · op(B) as a new matrix.
@inlinable
public func matmul<T: RealScalar>(
    _ a: Matrix<T>, _ opA: Matrix<T>.Operation = .none,
    _ b: Matrix<T>, _ opB: Matrix<T>.Operation = .none
) -> Matrix<T> {
    let m = opA == .none ? a.rows : a.cols
    let n = opB == .none ? b.cols : b.rows
    var c = Matrix<T>(rows: m, cols: n)
    gemm(a, opA, b, opB, into: &c)
    return c
}
