// EigenTiming.swift — how long the general eigen-decomposition takes on a seeded random matrix,
// as a report value (a benchmark command or script prints it; no test times anything).
//
// Dimension letters: N, the matrix order. The matrix has entries uniform in [−1, 1) from
// `SeededGenerator(seed:)`, and is returned in the report so that another implementation
// (scripts/eig_vs_numpy.py runs NumPy's LAPACK dgeev) can be timed on exactly the same input.
// Each phase is run `repeats` times and the fastest wall-clock time is kept (the minimum is
// the least disturbed by other processes). Figures depend on the build: time a release build.
// Leaves out: the symmetric route and singular values.

import Foundation
import WorkbenchNumerics

/// Timings of `realSchur`, of eigenvalues + eigenvectors, and of the full `eigen` on one matrix.
public struct EigenTimingReport: Codable, Sendable {
    /// N.
    public var order: Int
    /// The seed of the matrix.
    public var seed: UInt64
    /// Runs per phase; each figure is the fastest run.
    public var repeats: Int
    /// Seconds for the real Schur form A = Z T Zᵀ (Hessenberg reduction + Francis QR, with Z).
    public var schurSeconds: Double
    /// Seconds for eigenvalues and unit eigenvectors (scaling, balancing, Schur form,
    /// back-substitution): the work LAPACK's dgeev does.
    public var eigenvectorSeconds: Double
    /// Seconds for `eigen`: the above plus sorting and κ₂(V) (an SVD of V).
    public var decompositionSeconds: Double
    /// Francis double-shift steps in the decomposition.
    public var iterations: Int
    /// ‖A V − V Λ‖_F / ‖A‖_F of the decomposition, so that a fast wrong answer shows.
    public var relativeResidual: Double
    /// The matrix, (N, N).
    public var matrix: Matrix<Double>
}

/// Times the general eigen-decomposition of a seeded random (N, N) matrix.
///
/// - Parameters:
///   - order: N, 1 … 500 (default 150).
///   - seed: seed of the entries (default 1).
///   - repeats: runs per phase, at least 1 (default 5).
public func eigenTiming(order: Int = 150, seed: UInt64 = 1, repeats: Int = 5) throws -> EigenTimingReport {
    precondition((1...500).contains(order) && repeats >= 1, "eigenTiming needs 1 ≤ order ≤ 500 and repeats ≥ 1")
    var rng = SeededGenerator(seed: seed)
    let a = Matrix<Double>.random(order, order, in: -1...1, using: &rng)
    let clock = ContinuousClock()
    func fastest(_ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<repeats {
            let elapsed = try clock.measure(body)
            best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        return best
    }
    let schur = try fastest { _ = try realSchur(a) }
    let vectors = try fastest { _ = try eigenFactors(a) }
    var decomposition: EigenDecomposition?
    let full = try fastest { decomposition = try eigen(a) }
    let d = decomposition!
    let residual = (ComplexMatrix(a) * d.eigenvectors - d.eigenvectors * ComplexMatrix.diagonal(d.eigenvalues)).frobeniusNorm()
    return EigenTimingReport(
        order: order, seed: seed, repeats: repeats, schurSeconds: schur, eigenvectorSeconds: vectors,
        decompositionSeconds: full, iterations: d.iterations,
        relativeResidual: residual / frobeniusNormPropagatingNaN(a), matrix: a)
}
