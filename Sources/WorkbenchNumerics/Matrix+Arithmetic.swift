// Matrix+Arithmetic.swift — element-wise arithmetic, products and norms.
//
// Everything here is the plain, readable version. Shapes are checked with preconditions:
// a shape mismatch is a programming error inside the workbench, not a user error (user
// input is validated where it is read).

extension Matrix {
    // MARK: - Element-wise

    /// Applies `f` to every entry.
    @inlinable
    public func map(_ f: (Scalar) -> Scalar) -> Matrix {
        Matrix(rows: rows, cols: cols, storage: storage.map(f))
    }

    /// Combines two matrices of the same shape entry by entry.
    @inlinable
    public func zipMap(_ other: Matrix, _ f: (Scalar, Scalar) -> Scalar) -> Matrix {
        precondition(rows == other.rows && cols == other.cols, "shape mismatch: (\(rows), \(cols)) vs (\(other.rows), \(other.cols))")
        var out = storage
        other.storage.withUnsafeBufferPointer { b in
            for i in 0..<out.count { out[i] = f(out[i], b[i]) }
        }
        return Matrix(rows: rows, cols: cols, storage: out)
    }

    @inlinable
    public static func + (a: Matrix, b: Matrix) -> Matrix { a.zipMap(b, +) }
    @inlinable
    public static func - (a: Matrix, b: Matrix) -> Matrix { a.zipMap(b, -) }
    @inlinable
    public static prefix func - (a: Matrix) -> Matrix { a.map { -$0 } }
    @inlinable
    public static func * (s: Scalar, a: Matrix) -> Matrix { a.map { s * $0 } }
    @inlinable
    public static func * (a: Matrix, s: Scalar) -> Matrix { a.map { $0 * s } }
    @inlinable
    public static func / (a: Matrix, s: Scalar) -> Matrix { a.map { $0 / s } }

    @inlinable
    public static func += (a: inout Matrix, b: Matrix) {
        precondition(a.rows == b.rows && a.cols == b.cols, "shape mismatch in +=: (\(a.rows), \(a.cols)) vs (\(b.rows), \(b.cols))")
        for i in 0..<a.storage.count { a.storage[i] += b.storage[i] }
    }

    @inlinable
    public static func -= (a: inout Matrix, b: Matrix) {
        precondition(a.rows == b.rows && a.cols == b.cols, "shape mismatch in -=")
        for i in 0..<a.storage.count { a.storage[i] -= b.storage[i] }
    }

    /// The element-wise (Hadamard) product a ⊙ b.
    @inlinable
    public func hadamard(_ other: Matrix) -> Matrix { zipMap(other, *) }

    // MARK: - Products

    /// The matrix product a · b, with the naive triple loop (see `gemm` for the general form).
    @inlinable
    public static func * (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.cols == b.rows, "matmul shape mismatch: (\(a.rows), \(a.cols)) · (\(b.rows), \(b.cols))")
        var c = Matrix(rows: a.rows, cols: b.cols)
        gemm(a, b, into: &c)
        return c
    }

    /// The dot product of two matrices seen as vectors: Σ a_ij b_ij.
    @inlinable
    public func dot(_ other: Matrix) -> Scalar {
        precondition(count == other.count, "dot needs equal sizes")
        var s: Scalar = 0
        for i in 0..<count { s += storage[i] * other.storage[i] }
        return s
    }

    // MARK: - Reductions and norms

    /// Sum of all entries.
    @inlinable
    public func sum() -> Scalar { storage.reduce(0, +) }

    /// Sum over rows: a (1, cols) row of column sums.
    @inlinable
    public func sumRows() -> Matrix {
        var out = Matrix(rows: 1, cols: cols)
        for i in 0..<rows {
            for j in 0..<cols { out.storage[j] += storage[i * cols + j] }
        }
        return out
    }

    /// max |a_ij| (0 for an empty matrix).
    @inlinable
    public func maxAbs() -> Scalar { storage.reduce(0) { Swift.max($0, Swift.abs($1)) } }

    /// The Frobenius norm √(Σ a_ij²), scaled to avoid overflow.
    @inlinable
    public func frobeniusNorm() -> Scalar {
        let scale = maxAbs()
        guard scale > 0, scale.isFinite else { return scale }
        var s: Scalar = 0
        for x in storage { let y = x / scale; s += y * y }
        return scale * s.squareRoot()
    }

    /// The normwise relative difference max|a − b| / max(max|a|, max|b|) of two matrices of the
    /// same shape: 0 when they are equal (also when both are zero), NaN when either holds NaN.
    @inlinable
    public func relativeDifference(to other: Matrix) -> Scalar {
        let difference = (self - other).maxAbs()
        if storage.contains(where: \.isNaN) || other.storage.contains(where: \.isNaN) { return .nan }
        return difference == 0 ? 0 : difference / Swift.max(maxAbs(), other.maxAbs())
    }

    /// Whether every entry is finite.
    public var isFinite: Bool { storage.allSatisfy { $0.isFinite } }

    /// The trace Σ a_ii.
    @inlinable
    public func trace() -> Scalar { diagonalEntries.reduce(0, +) }
}

/// The relative difference |a − b| / max(|a|, |b|) of two numbers: 0 when they are equal
/// (also when both are zero), NaN when either is NaN.
@inlinable
public func relativeDifference<T: RealScalar>(_ a: T, _ b: T) -> T {
    if a.isNaN || b.isNaN { return .nan }
    return a == b ? 0 : abs(a - b) / max(abs(a), abs(b))
}
