// EigReport.swift — the report of `workbench spectral eig`: W = Q Λ Q⁻¹ with its residuals.
//
// Dimension letters: N, the order of W. Notation of homework 5, exercise 2(b): W = Q Λ Q⁻¹,
// column i of Q the eigenvector of λ_i = Λ_ii. A symmetric W goes through cyclic Jacobi
// (Q orthogonal, Q⁻¹ = Qᵀ, all real); any other W through balancing, Hessenberg + Francis QR
// (Q and Λ complex when W has complex eigenvalues). The report says whether Q is a usable
// basis (`EigenbasisCondition`): a defective W (a Jordan block) is named as such, with the
// reconstruction error that shows why Q Λ Q⁻¹ fails for it. Every norm here propagates NaN and is computed
// on a rescaled copy, so a residual is either an honest number or visibly not one.
// Leaves out: generalized eigenproblems.

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
    /// Q⁻¹, (N, N); nil when Q is exactly singular or Q⁻¹ overflows.
    public var qInverse: ComplexMatrix?
    /// ‖WQ − QΛ‖_F.
    public var residual: Double
    /// ‖WQ − QΛ‖_F / ‖W‖_F.
    public var relativeResidual: Double
    /// ‖W − QΛQ⁻¹‖_F / ‖W‖_F; nil when Q⁻¹ does not exist, +∞ when the product overflows.
    public var reconstructionError: Double?
    /// ‖QᵀQ − I‖_F for the symmetric route (Q orthogonal); nil otherwise.
    public var orthogonalityError: Double?
    /// κ₂(Q) = σ_max(Q) / σ_min(Q).
    public var conditionNumber: Double
    /// κ₂ of the eigenvectors of the balanced W (equal to κ₂(Q) unless balancing rescaled W):
    /// not inflated by W's scaling, so it decides `eigenbasis`.
    public var balancedConditionNumber: Double
    /// Whether κ₂(Q) is above the nearly-defective threshold: Q⁻¹-based results lose digits
    /// (W nearly defective, defective, or badly scaled — `eigenbasis` tells which).
    public var isNearlyDefective: Bool
    /// Diagonalizable, nearly defective (κ₂(Q) above the threshold) or defective (κ₂(Q) ≥ 1/ε:
    /// the eigenvectors are dependent to working precision, and Q⁻¹ is rounding noise).
    public var eigenbasis: EigenbasisCondition
    /// ρ(W) = max |λ_i|.
    public var spectralRadius: Double
    /// σ_1 ≥ … ≥ σ_N of W.
    public var singularValues: [Double]
    /// Remarks derived from the numbers above (symmetry, complex pairs, defectiveness,
    /// checks of the homework's printed factors).
    public var notes: [String]
}

/// Decomposes `w` (symmetric → Jacobi, otherwise Francis QR) and measures the residuals.
///
/// Residuals are computed on 2^k W (max |w_ij| in [1, 2), Λ scaled alike), so that they neither
/// overflow nor underflow for entries anywhere in Double's range; a NaN can never hide in them.
/// - Throws: `SpectralError` for invalid input, no convergence, or when ‖W‖_F itself exceeds
///   Double's range (entries near 1e308): then the eigenvalues may too, and nothing is reported.
public func eigReport(_ w: Matrix<Double>) throws -> EigReport {
    try validateSquare(w)
    let n = w.rows
    let largest = w.maxAbs()
    // 2^k W with max |w_ij| in [1, 2) (k = 0 for the zero matrix).
    let exponent = largest > 0 ? -Int(largest.exponent) : 0
    let wScaled = Matrix(rows: n, cols: n, storage: w.storage.map { timesPowerOfTwo($0, exponent) })
    let normScaled = frobeniusNormPropagatingNaN(wScaled)
    let normW = timesPowerOfTwo(normScaled, -exponent)
    guard normW.isFinite else {
        throw SpectralError.outOfRange(quantity: "‖W‖_F", log10Magnitude: log10(normScaled) - Double(exponent) * log10(2.0))
    }
    let isSymmetric = (0..<n).allSatisfy { i in (0..<n).allSatisfy { j in w[i, j] == w[j, i] } }
    var notes: [String] = []
    let method: String
    let values: [Complex]
    let q: ComplexMatrix
    let qInverse: ComplexMatrix?
    var orthogonality: Double?
    let kappa: Double
    var balancedKappa: Double
    let threshold: Double
    if isSymmetric {
        let d = try symmetricEigen(w)
        method = "symmetric W: cyclic Jacobi (Q orthogonal, Q⁻¹ = Qᵀ)"
        values = d.eigenvalues.map { Complex($0) }
        q = ComplexMatrix(d.eigenvectors)
        qInverse = ComplexMatrix(d.eigenvectors.transposed)
        orthogonality = frobeniusNormPropagatingNaN(matmul(d.eigenvectors, .transpose, d.eigenvectors) - .identity(n))
        let sigma = singularValues(d.eigenvectors)
        kappa = sigma[n - 1] > 0 ? sigma[0] / sigma[n - 1] : .infinity
        balancedKappa = kappa
        threshold = 1e6
        notes.append("W is symmetric, so its eigenvalues are real and Q can be chosen orthogonal: Q⁻¹ = Qᵀ.")
    } else {
        let d = try eigen(w)
        method = "general W: balancing + Householder Hessenberg reduction + Francis double-shift QR, eigenvectors by back-substitution"
        values = d.eigenvalues
        q = d.eigenvectors
        kappa = d.conditionNumber
        balancedKappa = d.balancedConditionNumber
        threshold = d.defectiveThreshold
        qInverse = inverse(q)
        if !d.eigenvaluesAreReal {
            notes.append(
                "W has complex eigenvalues (conjugate pairs): Q and Λ are complex, and Wⁿ rotates vectors in the plane of each pair while scaling them by |λ|ⁿ."
            )
        }
    }
    let eigenbasis = EigenbasisCondition(conditionNumber: balancedKappa, threshold: threshold)
    switch eigenbasis {
    case .diagonalizable:
        if kappa > threshold {
            notes.append(
                "κ₂(Q) = \(formatScalar(kappa, digits: 3)) is large only because W is badly scaled: after balancing (W → D⁻¹WD, D diagonal) the eigenvectors have κ₂ = \(formatScalar(balancedKappa, digits: 3)). W is diagonalizable, but results built on Q⁻¹ (such as Q Λⁿ Q⁻¹) can still lose \(digitsLost(kappa)) digits relative to ‖W‖."
            )
        }
    case .nearlyDefective:
        notes.append(
            "Q is nearly singular (κ₂(Q) = \(formatScalar(kappa, digits: 3)) > \(formatScalar(threshold, digits: 1))): W is nearly defective (close to a matrix with a Jordan block), and anything computed through Q⁻¹, such as Q Λⁿ Q⁻¹, can lose \(digitsLost(kappa)) of its 16 digits."
        )
    case .defective:
        notes.append(
            "W is defective: its computed eigenvectors are linearly dependent to working precision (κ₂(Q) = \(formatScalar(kappa, digits: 3)) ≥ 1/ε ≈ 4.5e15), so W has a Jordan block, or is within rounding of a matrix that has one. There is no basis of eigenvectors, so W = Q Λ Q⁻¹ cannot hold: Q⁻¹, where it exists at all, is rounding noise amplified by κ₂(Q), as the reconstruction error shows. The eigenvalues are still computed; rounding moves those of a Jordan block of size m by up to about (ε ‖W‖)^(1/m)."
        )
    }
    // Residuals on the scaled problem: W_s = 2^k W, Λ_s = 2^k Λ.
    let lambda = ComplexMatrix.diagonal(values)
    let lambdaScaled = ComplexMatrix.diagonal(values.map { Complex(timesPowerOfTwo($0.re, exponent), timesPowerOfTwo($0.im, exponent)) })
    let wc = ComplexMatrix(wScaled)
    let denominator = max(normScaled, .leastNormalMagnitude)
    let relativeResidual = (wc * q - q * lambdaScaled).frobeniusNorm() / denominator
    var reconstruction = qInverse.map { (wc - q * lambdaScaled * $0).frobeniusNorm() / denominator }
    if let r = reconstruction, !r.isFinite {
        reconstruction = .infinity
        notes.append("Q Λ Q⁻¹ overflows (Q⁻¹ has entries near Double's limit): the reconstruction error is reported as infinite.")
    }
    if !(relativeResidual <= 1e-8) {
        let magnitudes = w.storage.filter { $0 != 0 }.map { log10(abs($0)) }
        let span = (magnitudes.max() ?? 0) - (magnitudes.min() ?? 0)
        notes.append(
            "Some eigenvectors are inaccurate: ‖WQ − QΛ‖_F / ‖W‖_F = \(formatScalar(relativeResidual, digits: 3)), far above rounding level (~1e-16). The non-zero entries of W span \(Int(span.rounded())) orders of magnitude; balancing keeps the eigenvalues accurate, but its scaling can magnify rounding in an eigenvector beyond repair (LAPACK's dgeev behaves the same). Do not trust Q or Q⁻¹ here."
        )
    }
    let sigma = singularValues(w)
    if HomeworkClaims.isHomeworkMatrix(w) {
        notes.append(contentsOf: homeworkFactorNotes())
    }
    return EigReport(
        matrix: w, method: method, eigenvalues: values, q: q, lambda: lambda, qInverse: qInverse,
        residual: relativeResidual * normW, relativeResidual: relativeResidual, reconstructionError: reconstruction,
        orthogonalityError: orthogonality, conditionNumber: kappa, balancedConditionNumber: balancedKappa,
        isNearlyDefective: !(kappa <= threshold),
        eigenbasis: eigenbasis, spectralRadius: values.map(\.modulus).max() ?? 0, singularValues: sigma, notes: notes)
}

/// "about k" digits lost to κ (log₁₀ κ rounded), or "all" from κ ≥ 1e16 (infinite included).
func digitsLost(_ kappa: Double) -> String {
    kappa < 1e16 ? "about \(Int(log10(max(kappa, 1)).rounded()))" : "all"
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
