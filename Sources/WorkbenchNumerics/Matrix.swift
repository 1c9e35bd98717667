// Matrix.swift — a dense, row-major matrix generic over the scalar type.
//
// Shapes are written (rows, cols). A column vector is an (n, 1) matrix, a row vector (1, n):
// the textbook's formulas use column vectors (z_k = U h_{k-1} + W x_k + b) and PyTorch's
// batch-first layers use rows, and both are plain matrices here.

import Foundation

/// A dense matrix stored row-major: entry (i, j) is `storage[i * cols + j]`.
public struct Matrix<Scalar: RealScalar>: Equatable, Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let cols: Int
    /// The entries, row after row; `rows * cols` of them.
    public var storage: [Scalar]

    // MARK: - Creating matrices

    /// A `rows × cols` matrix with every entry equal to `value`.
    @inlinable
    public init(rows: Int, cols: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.cols = cols
        self.storage = Array(repeating: value, count: rows * cols)
    }

    /// A `rows × cols` matrix from its entries in row-major order.
    @inlinable
    public init(rows: Int, cols: Int, storage: [Scalar]) {
        precondition(rows >= 0 && cols >= 0, "Matrix dimensions must be non-negative")
        precondition(storage.count == rows * cols, "Matrix(\(rows)×\(cols)) needs \(rows * cols) entries, got \(storage.count)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// A matrix from nested rows: `Matrix([[1, 2], [3, 4]])`. All rows must have equal length.
    public init(_ nestedRows: [[Scalar]]) {
        let cols = nestedRows.first?.count ?? 0
        precondition(nestedRows.allSatisfy { $0.count == cols }, "All rows of a matrix must have the same length")
        self.init(rows: nestedRows.count, cols: cols, storage: nestedRows.flatMap { $0 })
    }

    /// A column vector (n, 1).
    public init(column: [Scalar]) {
        self.init(rows: column.count, cols: 1, storage: column)
    }

    /// A row vector (1, n).
    public init(row: [Scalar]) {
        self.init(rows: 1, cols: row.count, storage: row)
    }

    /// The all-zero matrix.
    @inlinable
    public static func zeros(_ rows: Int, _ cols: Int) -> Matrix {
        Matrix(rows: rows, cols: cols)
    }

    /// The n × n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m.storage[i * n + i] = 1 }
        return m
    }

    /// A diagonal matrix with `diagonal` on its diagonal.
    public static func diagonal(_ diagonal: [Scalar]) -> Matrix {
        let n = diagonal.count
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m.storage[i * n + i] = diagonal[i] }
        return m
    }

    // MARK: - Shape and access

    /// (rows, cols).
    public var shape: (rows: Int, cols: Int) { (rows, cols) }

    /// Number of entries.
    @inlinable
    public var count: Int { storage.count }

    /// Whether the matrix has the shape (rows, cols).
    @inlinable
    public func hasShape(_ rows: Int, _ cols: Int) -> Bool { self.rows == rows && self.cols == cols }

    /// Entry (i, j), zero-based.
    @inlinable
    public subscript(i: Int, j: Int) -> Scalar {
        get { storage[i * cols + j] }
        set { storage[i * cols + j] = newValue }
    }

    /// Row i as an array.
    public func row(_ i: Int) -> [Scalar] {
        Array(storage[(i * cols)..<((i + 1) * cols)])
    }

    /// Column j as an array.
    public func column(_ j: Int) -> [Scalar] {
        (0..<rows).map { storage[$0 * cols + j] }
    }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: cols, storage: Array(storage[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }

    /// Columns `range` as a new matrix.
    public func columns(_ range: Range<Int>) -> Matrix {
        var out = Matrix(rows: rows, cols: range.count)
        for i in 0..<rows {
            for (jj, j) in range.enumerated() { out.storage[i * range.count + jj] = storage[i * cols + j] }
        }
        return out
    }

    /// The transpose (cols, rows).
    @inlinable
    public var transposed: Matrix {
        var out = Matrix(rows: cols, cols: rows)
        for i in 0..<rows {
            for j in 0..<cols { out.storage[j * rows + i] = storage[i * cols + j] }
        }
        return out
    }

    /// The diagonal entries.
    public var diagonalEntries: [Scalar] {
        (0..<Swift.min(rows, cols)).map { storage[$0 * cols + $0] }
    }

    /// The same entries converted to another scalar type.
    public func converted<Other: RealScalar>(to _: Other.Type = Other.self) -> Matrix<Other> {
        Matrix<Other>(rows: rows, cols: cols, storage: storage.map { Other($0) })
    }

    /// Rows stacked: (Σ rows, cols).
    public static func vstack(_ parts: [Matrix]) -> Matrix {
        guard let first = parts.first else { return Matrix(rows: 0, cols: 0) }
        precondition(parts.allSatisfy { $0.cols == first.cols }, "vstack needs equal column counts")
        return Matrix(rows: parts.reduce(0) { $0 + $1.rows }, cols: first.cols, storage: parts.flatMap { $0.storage })
    }

    /// Columns side by side: (rows, Σ cols).
    public static func hstack(_ parts: [Matrix]) -> Matrix {
        guard let first = parts.first else { return Matrix(rows: 0, cols: 0) }
        precondition(parts.allSatisfy { $0.rows == first.rows }, "hstack needs equal row counts")
        let totalCols = parts.reduce(0) { $0 + $1.cols }
        var out = Matrix(rows: first.rows, cols: totalCols)
        var offset = 0
        for part in parts {
            for i in 0..<part.rows {
                for j in 0..<part.cols { out.storage[i * totalCols + offset + j] = part.storage[i * part.cols + j] }
            }
            offset += part.cols
        }
        return out
    }
}

extension Matrix: CustomStringConvertible {
    /// Rows on lines, entries to 6 significant digits.
    public var description: String { formatted(digits: 6) }

    /// Rows on lines with `digits` decimals (fixed notation when `fixed` is true, otherwise
    /// significant digits).
    public func formatted(digits: Int = 6, fixed: Bool = false) -> String {
        // Fixed notation reads best when the magnitudes allow it; otherwise exponent notation.
        let largest = Double(maxAbs())
        let useFixed = fixed || (largest >= 1e-3 && largest < 1e5)
        let cells = storage.map { x -> String in
            useFixed ? formatScalar(Double(x), digits: digits, fixed: true) : String(format: "%.\(max(digits - 1, 1))e", Double(x))
        }
        let width = cells.map(\.count).max() ?? 0
        var lines: [String] = []
        for i in 0..<rows {
            let row = (0..<cols).map { j -> String in
                let cell = cells[i * cols + j]
                return String(repeating: " ", count: width - cell.count) + cell
            }
            lines.append("[" + row.joined(separator: "  ") + "]")
        }
        return lines.joined(separator: "\n")
    }
}

extension Matrix: Codable {
    private enum CodingKeys: String, CodingKey { case rows, cols, data }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try c.decode(Int.self, forKey: .rows)
        let cols = try c.decode(Int.self, forKey: .cols)
        let data = try c.decode([Scalar].self, forKey: .data)
        guard rows >= 0, cols >= 0, data.count == rows * cols else {
            throw DecodingError.dataCorruptedError(
                forKey: .data, in: c, debugDescription: "expected \(rows)×\(cols) entries, found \(data.count)")
        }
        self.init(rows: rows, cols: cols, storage: data)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rows, forKey: .rows)
        try c.encode(cols, forKey: .cols)
        try c.encode(storage, forKey: .data)
    }
}

/// Formats a number for tables: fixed with `digits` decimals, or `digits` significant digits
/// switching to exponent notation for very large or very small magnitudes.
public func formatScalar(_ x: Double, digits: Int = 6, fixed: Bool = false) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if fixed {
        let s = String(format: "%.\(digits)f", x)
        // Avoid "-0.000000".
        if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(s.dropFirst()) }
        return s
    }
    return String(format: "%.\(digits)g", x)
}
