// EigReport.swift — the report of `workbench spectral eig`: W = Q Λ Q⁻¹ with its residuals.
//
// Dimension letters: N, the order of W. Notation of homework 5, exercise 2(b): W = Q Λ Q⁻¹,
// column i of Q the eigenvector of λ_i = Λ_ii. A symmetric W goes through cyclic Jacobi
// (Q orthogonal, Q⁻¹ = Qᵀ, all real); any other W through Hessenberg + Francis QR (Q and Λ
// complex when W has complex eigenvalues). Leaves out: generalized eigenproblems.

import Foundation
import WorkbenchNumerics

/// W = Q Λ Q⁻¹ and how well the computed factors satisfy it.
public struct EigReport: Codable, Sendable {
    /// W, (N, N).
    public var matrix: Matrix<Double>
    /// Which algorithm ran.
    public var method: String
    /// λ_1 … λ_N, descending modulus (conjugate pairs together, +Im first).
    public var eigenvalues: [Complex]
    /// Q, (N, N): unit eigenvectors in columns (sign / phase convention in `EigenDecomposition`).
    public var q: ComplexMatrix
    /// Λ = diag(λ), (N, N).
    public var lambda: ComplexMatrix
    /// Q⁻¹, (N, N); nil when Q is exactly singular.
    public var qInverse: ComplexMatrix?
    /// ‖WQ − QΛ‖_F.
    public var residual: Double
    /// ‖WQ − QΛ‖_F / ‖W‖_F.
    public var relativeResidual: Double
    /// ‖W − QΛQ⁻¹‖_F / ‖W‖_F; nil when Q⁻¹ does not exist.
    public var reconstructionError: Double?
    /// ‖QᵀQ − I‖_F for the symmetric route (Q orthogonal); nil otherwise.
    public var orthogonalityError: Double?
    /// κ₂(Q) = σ_max(Q) / σ_min(Q).
    public var conditionNumber: Double
    /// Whether κ₂(Q) is above the nearly-defective threshold.
    public var isNearlyDefective: Bool
    /// ρ(W) = max |λ_i|.
    public var spectralRadius: Double
    /// σ_1 ≥ … ≥ σ_N of W.
    public var singularValues: [Double]
    /// Remarks derived from the numbers above (symmetry, complex pairs, defectiveness,
    /// checks of the homework's printed factors).
    public var notes: [String]
}

/// Decomposes `w` (symmetric → Jacobi, otherwise Francis QR) and measures the residuals.
public func eigReport(_ w: Matrix<Double>) throws -> EigReport {
    try validateSquare(w)
    let n = w.rows
    let normW = max(w.frobeniusNorm(), .leastNormalMagnitude)
    let isSymmetric = (0..<n).allSatisfy { i in (0..<n).allSatisfy { j in w[i, j] == w[j, i] } }
    var notes: [String] = []
    let method: String
    let values: [Complex]
    let q: ComplexMatrix
    let qInverse: ComplexMatrix?
    var orthogonality: Double?
    let kappa: Double
    let defective: Bool
    if isSymmetric {
        let d = try symmetricEigen(w)
        method = "symmetric W: cyclic Jacobi (Q orthogonal, Q⁻¹ = Qᵀ)"
        values = d.eigenvalues.map { Complex($0) }
        q = ComplexMatrix(d.eigenvectors)
        qInverse = ComplexMatrix(d.eigenvectors.transposed)
        orthogonality = (matmul(d.eigenvectors, .transpose, d.eigenvectors) - .identity(n)).frobeniusNorm()
        let sigma = singularValues(d.eigenvectors)
        kappa = sigma[0] / sigma[n - 1]
        defective = false
        notes.append("W is symmetric, so its eigenvalues are real and Q can be chosen orthogonal: Q⁻¹ = Qᵀ.")
    } else {
        let d = try eigen(w)
        method = "general W: Householder Hessenberg reduction + Francis double-shift QR, eigenvectors by back-substitution"
        values = d.eigenvalues
        q = d.eigenvectors
        qInverse = inverse(q)
        kappa = d.conditionNumber
        defective = d.isNearlyDefective
        if !d.eigenvaluesAreReal {
            notes.append("W has complex eigenvalues (conjugate pairs): Q and Λ are complex, and Wⁿ rotates vectors in the plane of each pair while scaling them by |λ|ⁿ.")
        }
        if defective {
            notes.append("Q is nearly singular (κ₂(Q) = \(formatScalar(kappa, digits: 3)) > \(formatScalar(d.defectiveThreshold, digits: 1))): W is defective or nearly so (a Jordan block), has no basis of eigenvectors, and Q Λ Q⁻¹ can lose \(kappa >= 1e16 ? "all" : "about \(Int(log10(max(kappa, 1)).rounded()))") of its 16 digits.")
        }
    }
    let lambda = ComplexMatrix.diagonal(values)
    let wc = ComplexMatrix(w)
    let residual = (wc * q - q * lambda).frobeniusNorm()
    let reconstruction = qInverse.map { (wc - q * lambda * $0).frobeniusNorm() / normW }
    let sigma = singularValues(w)
    if HomeworkClaims.isHomeworkMatrix(w) {
        notes.append(contentsOf: homeworkFactorNotes())
    }
    return EigReport(matrix: w, method: method, eigenvalues: values, q: q, lambda: lambda, qInverse: qInverse,
                     residual: residual, relativeResidual: residual / normW, reconstructionError: reconstruction,
                     orthogonalityError: orthogonality, conditionNumber: kappa, isNearlyDefective: defective,
                     spectralRadius: values.map(\.modulus).max() ?? 0, singularValues: sigma, notes: notes)
}

/// Checks of the Q printed in the exercise statement and in the worked solution against W.
func homeworkFactorNotes() -> [String] {
    let w = HomeworkClaims.matrix
    let lambda = Matrix<Double>.diagonal(HomeworkClaims.statedEigenvalues)
    let statementProduct = Matrix(HomeworkClaims.statementQ) * lambda * Matrix(HomeworkClaims.statementQInverse)
    let solutionQ = Matrix(HomeworkClaims.solutionQ)
    let solutionProduct = solutionQ * lambda * solutionQ
    let f = { (m: Matrix<Double>) in m.formatted(digits: 4, fixed: true).replacingOccurrences(of: "\n", with: " ") }
    return [
        "The exercise statement prints Q = [[-0.6, -0.8], [-0.8, 0.5]] with Q⁻¹ = [[-0.6, -0.8], [-0.8, 0.6]]; their product with Λ is \(f(statementProduct)), not W (max error \(formatScalar((statementProduct - w).maxAbs(), digits: 3))): the 0.5 is a typo for 0.6.",
        "The worked solution's Q = [[-0.6, -0.8], [-0.8, 0.6]] is symmetric and orthogonal, so Q⁻¹ = Q and QΛQ reproduces W (max error \(formatScalar((solutionProduct - w).maxAbs(), digits: 3))); it is −1 times the Q above, which is just the other sign choice for each eigenvector.",
    ]
}
