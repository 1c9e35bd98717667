// SpectralError.swift — what can go wrong in the spectral routines, in words a student can act on.

import WorkbenchNumerics

/// An error from the eigenvalue, singular value or matrix-power routines.
public enum SpectralError: WorkbenchError, Equatable {
    /// A matrix the routine cannot take is a malformed request (2); a failed iteration is 1.
    public var exitStatus: Int32 {
        if case .noConvergence = self { return 1 }
        return 2
    }

    /// The routine needs a square matrix.
    case notSquare(rows: Int, cols: Int)
    /// The matrix has no entries.
    case empty
    /// An entry is NaN or infinite.
    case nonFinite(row: Int, col: Int)
    /// The symmetric routine was given a matrix whose (i, j) and (j, i) entries differ.
    case notSymmetric(row: Int, col: Int, difference: Double)
    /// An iteration did not converge within its sweep / iteration budget.
    case noConvergence(algorithm: String, iterations: Int)
    /// A result is beyond Double's range (|x| > 1.8e308) although every entry is finite.
    case outOfRange(quantity: String, log10Magnitude: Double)

    public var description: String {
        switch self {
        case .notSquare(let r, let c):
            return "matrix is \(r)×\(c); eigenvalues and powers need a square matrix"
        case .empty:
            return "matrix is empty; give at least one number"
        case .nonFinite(let r, let c):
            return "entry (row \(r + 1), column \(c + 1)) is NaN or infinite; every entry must be finite"
        case .notSymmetric(let r, let c, let d):
            return "matrix is not symmetric: entries (\(r + 1), \(c + 1)) and (\(c + 1), \(r + 1)) differ by \(d); use the general routine"
        case .noConvergence(let name, let n):
            return "\(name) did not converge in \(n) iterations; the matrix may be badly scaled"
        case .outOfRange(let what, let e):
            return
                "\(what) is \(e.isFinite ? "about 1e\(Int(e.rounded()))" : "too large"), beyond the largest Double (1.8e308); divide the matrix by a power of ten and scale the result back"
        }
    }
}

/// Throws unless `a` is a non-empty square matrix with finite entries.
func validateSquare(_ a: Matrix<Double>) throws {
    guard a.rows > 0, a.cols > 0 else { throw SpectralError.empty }
    guard a.rows == a.cols else { throw SpectralError.notSquare(rows: a.rows, cols: a.cols) }
    if let k = a.storage.firstIndex(where: { !$0.isFinite }) {
        throw SpectralError.nonFinite(row: k / a.cols, col: k % a.cols)
    }
}
