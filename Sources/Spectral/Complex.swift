// Complex.swift — complex numbers and dense complex matrices, just enough for eigenvectors.
//
// A real matrix with complex eigenvalues has complex eigenvectors, so Q, Λ and Q⁻¹ of
// W = Q Λ Q⁻¹ are complex in general. `Complex` is a plain (re, im) pair; `ComplexMatrix`
// stores the real and imaginary parts as two row-major arrays (shape (rows, cols)), so that
// a real matrix is the special case with `im` all zero. Its norms, which propagate NaN and
// never overflow, are in Norms.swift. Leaves out: elementary functions beyond what powers
// need, Float.

import Foundation
import WorkbenchNumerics

/// A complex number re + i·im in Double precision.
public struct Complex: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var re: Double
    public var im: Double

    public init(_ re: Double, _ im: Double = 0) { self.re = re; self.im = im }

    public static let zero = Complex(0, 0)
    public static let one = Complex(1, 0)

    /// |z| = √(re² + im²), computed without overflow (`hypot`).
    public var modulus: Double { hypot(re, im) }
    /// arg z in (−π, π].
    public var argument: Double { atan2(im, re) }
    /// re − i·im.
    public var conjugate: Complex { Complex(re, -im) }
    /// Whether both parts are finite.
    public var isFinite: Bool { re.isFinite && im.isFinite }

    public static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    public static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    public static prefix func - (a: Complex) -> Complex { Complex(-a.re, -a.im) }
    public static func * (a: Complex, b: Complex) -> Complex {
        Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
    }
    public static func * (s: Double, a: Complex) -> Complex { Complex(s * a.re, s * a.im) }
    public static func += (a: inout Complex, b: Complex) { a = a + b }
    public static func -= (a: inout Complex, b: Complex) { a = a - b }

    /// a / b by Smith's algorithm (no overflow for large |b|).
    public static func / (a: Complex, b: Complex) -> Complex {
        if abs(b.re) >= abs(b.im) {
            let r = b.im / b.re, d = b.re + b.im * r
            return Complex((a.re + a.im * r) / d, (a.im - a.re * r) / d)
        } else {
            let r = b.re / b.im, d = b.re * r + b.im
            return Complex((a.re * r + a.im) / d, (a.im * r - a.re) / d)
        }
    }

    /// zⁿ for an integer n ≥ 0. A real z stays real (`pow` of a real); otherwise the polar
    /// form |z|ⁿ (cos nθ + i sin nθ).
    public func power(_ n: Int) -> Complex {
        precondition(n >= 0, "power needs n ≥ 0")
        if n == 0 { return .one }
        if im == 0 { return Complex(Foundation.pow(re, Double(n)), 0) }
        let r = Foundation.pow(modulus, Double(n)), theta = Double(n) * argument
        return Complex(r * cos(theta), r * sin(theta))
    }

    /// "a", "a+bi" or "a−bi" with `digits` significant digits.
    public var description: String { formatted(digits: 6) }

    /// The number with `digits` digits (fixed decimals when `fixed`); the imaginary part is
    /// shown only when it is non-zero.
    public func formatted(digits: Int = 6, fixed: Bool = false) -> String {
        let r = formatScalar(re, digits: digits, fixed: fixed)
        if im == 0 { return r }
        let i = formatScalar(abs(im), digits: digits, fixed: fixed)
        return r + (im < 0 ? "-" : "+") + i + "i"
    }
}

/// A dense complex matrix, row-major, real and imaginary parts stored separately.
public struct ComplexMatrix: Codable, Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    /// Real parts, (rows, cols) row-major.
    public var re: [Double]
    /// Imaginary parts, (rows, cols) row-major.
    public var im: [Double]

    /// The zero matrix.
    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        re = Array(repeating: 0, count: rows * cols)
        im = Array(repeating: 0, count: rows * cols)
    }

    /// A real matrix seen as complex.
    public init(_ real: Matrix<Double>) {
        rows = real.rows
        cols = real.cols
        re = real.storage
        im = Array(repeating: 0, count: real.count)
    }

    /// The n × n identity.
    public static func identity(_ n: Int) -> ComplexMatrix {
        var m = ComplexMatrix(rows: n, cols: n)
        for i in 0..<n { m.re[i * n + i] = 1 }
        return m
    }

    /// A diagonal matrix.
    public static func diagonal(_ d: [Complex]) -> ComplexMatrix {
        var m = ComplexMatrix(rows: d.count, cols: d.count)
        for (i, z) in d.enumerated() { m[i, i] = z }
        return m
    }

    /// Entry (i, j).
    public subscript(i: Int, j: Int) -> Complex {
        get { Complex(re[i * cols + j], im[i * cols + j]) }
        set { re[i * cols + j] = newValue.re; im[i * cols + j] = newValue.im }
    }

    /// Column j.
    public func column(_ j: Int) -> [Complex] { (0..<rows).map { self[$0, j] } }

    /// The real part as a real matrix.
    public var realPart: Matrix<Double> { Matrix(rows: rows, cols: cols, storage: re) }

    /// Whether every imaginary part is exactly zero.
    public var isReal: Bool { im.allSatisfy { $0 == 0 } }

    /// The conjugate transpose Aᴴ.
    public var adjoint: ComplexMatrix {
        var out = ComplexMatrix(rows: cols, cols: rows)
        for i in 0..<rows {
            for j in 0..<cols {
                out.re[j * rows + i] = re[i * cols + j]
                out.im[j * rows + i] = -im[i * cols + j]
            }
        }
        return out
    }

    public static func - (a: ComplexMatrix, b: ComplexMatrix) -> ComplexMatrix {
        precondition(a.rows == b.rows && a.cols == b.cols, "shape mismatch")
        var out = a
        for k in 0..<out.re.count { out.re[k] -= b.re[k]; out.im[k] -= b.im[k] }
        return out
    }

    /// The product a · b ((m, k) · (k, n) → (m, n)), i-k-j loop order.
    public static func * (a: ComplexMatrix, b: ComplexMatrix) -> ComplexMatrix {
        precondition(a.cols == b.rows, "complex matmul shape mismatch: (\(a.rows), \(a.cols)) · (\(b.rows), \(b.cols))")
        let m = a.rows, k = a.cols, n = b.cols
        var out = ComplexMatrix(rows: m, cols: n)
        a.re.withUnsafeBufferPointer { ar in
            a.im.withUnsafeBufferPointer { ai in
                b.re.withUnsafeBufferPointer { br in
                    b.im.withUnsafeBufferPointer { bi in
                        out.re.withUnsafeMutableBufferPointer { cr in
                            out.im.withUnsafeMutableBufferPointer { ci in
                                for i in 0..<m {
                                    for p in 0..<k {
                                        let xr = ar[i * k + p], xi = ai[i * k + p]
                                        if xr == 0 && xi == 0 { continue }
                                        for j in 0..<n {
                                            let yr = br[p * n + j], yi = bi[p * n + j]
                                            cr[i * n + j] += xr * yr - xi * yi
                                            ci[i * n + j] += xr * yi + xi * yr
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Entries as strings, rows on lines (see `Complex.formatted`).
    public func formatted(digits: Int = 6, fixed: Bool = false) -> String {
        let cells = (0..<rows * cols).map { Complex(re[$0], im[$0]).formatted(digits: digits, fixed: fixed) }
        let width = cells.map(\.count).max() ?? 0
        return (0..<rows).map { i in
            "["
                + (0..<cols).map { j in
                    let c = cells[i * cols + j]
                    return String(repeating: " ", count: width - c.count) + c
                }.joined(separator: "  ") + "]"
        }.joined(separator: "\n")
    }
}
