// GEMM.swift — the general matrix product C = α·op(A)·op(B) + β·C.
//
// This is the reference implementation: the i-k-j loop order streams rows of B and C, which
// is the simplest order that is still cache-friendly. It is deterministic (each output entry
// is accumulated in a fixed order) and is the algorithmic reference for faster kernels.
// `@inlinable` lets every client module specialise it for Float or Double (a generic call is
// about ten times slower); the arithmetic is the same either way.

extension Matrix {
    /// Whether an operand is used as stored or transposed.
    public enum Operation: Sendable { case none, transpose }
}

/// C ← α · op(A) · op(B) + β · C, with op(X) = X or Xᵀ.
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
                for i in 0..<m {
                    let rowC = i * n
                    if beta == 0 {
                        for j in 0..<n { pc[rowC + j] = 0 }
                    } else if beta != 1 {
                        for j in 0..<n { pc[rowC + j] *= beta }
                    }
                    for p in 0..<k {
                        let aip = alpha * (opA == .none ? pa[i * lda + p] : pa[p * lda + i])
                        if aip == 0 { continue }
                        if opB == .none {
                            let rowB = p * ldb
                            for j in 0..<n { pc[rowC + j] += aip * pb[rowB + j] }
                        } else {
                            for j in 0..<n { pc[rowC + j] += aip * pb[j * ldb + p] }
                        }
                    }
                }
            }
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
