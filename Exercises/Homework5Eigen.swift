// Homework5Eigen.swift — Homework 5, exercises 2 (b) and 2 (c) (seed 003): Wⁿ = Q Λⁿ Q⁻¹ and
// the powers of the exercise's W.
//
// Homework 5 notation: W is the recurrent weight of h_t = σ(W h_{t-1} + U x_t) (NNDL's U).
// Everything is computed by the Spectral module; the printed numbers of the exercise and its
// worked solution are in `HomeworkClaims` (Sources/Spectral/HomeworkClaims.swift).

import WorkbenchNumerics
import GradCheck
import Spectral

/// Homework 5, exercise 2 (b): Mⁿ = Q Λⁿ Q⁻¹ for a diagonalisable M.
public struct Homework5PowerByEigenDecomposition: Exercise {
    public init() {}
    public let id = "hw5-2b"
    public let title = "Mⁿ = Q Λⁿ Q⁻¹ for a diagonalisable M, and where it stops holding"
    public let source = Seeds.homework5("Exercise 2 (b)")
    public let notation = Notation.homework5

    public func run() -> ExerciseReport {
        // Real eigenvalues (the exercise's W), a complex pair (a scaled rotation), and a Jordan
        // block, which is not diagonalisable.
        let real = HomeworkClaims.matrix
        let complex = Matrix<Double>([[0.6, -0.7], [0.7, 0.6]])
        let jordan = Matrix<Double>([[1, 1], [0, 1]])
        func worst(_ w: Matrix<Double>) -> Double {
            guard let d = try? eigen(w) else { return .infinity }
            return (1...30).map { n -> Double in
                guard let e = matrixPowerByEigen(d, n) else { return .infinity }
                return relativeDifference(e.power, matrixPowerBySquaring(w, n).power)
            }.max() ?? .infinity
        }
        let realError = worst(real), complexError = worst(complex), jordanError = worst(jordan)
        let jordanKappa = (try? eigen(jordan))?.conditionNumber ?? .infinity
        return report(
            summary: "Checks Wⁿ = Q Λⁿ Q⁻¹ against repeated squaring for n = 1 … 30: for the exercise's W (real eigenvalues 0.9, 0.4), for a W with a complex pair (Q and Λ complex), and for the Jordan block [[1, 1], [0, 1]], which has no basis of eigenvectors.",
            quantities: [Quantity("max rel diff, exercise's W", sci(realError)),
                         Quantity("max rel diff, complex pair 0.6 ± 0.7i", sci(complexError)),
                         Quantity("max rel diff, Jordan block", sci(jordanError)),
                         Quantity("κ₂(Q) of the Jordan block", sci(jordanKappa))],
            checks: [.atMost("Q Λⁿ Q⁻¹ = Wⁿ for real eigenvalues", realError, 1e-12),
                     .atMost("Q Λⁿ Q⁻¹ = Wⁿ for a complex pair (complex arithmetic)", complexError, 1e-12),
                     .that("the Jordan block is flagged and Q Λⁿ Q⁻¹ fails for it", jordanKappa > 1e6 && jordanError > 0.1)],
            findings: [
                .confirmation("The induction step M^t = M^{t−1} M = Q Λ^{t−1} Q⁻¹ Q Λ Q⁻¹ = Q Λ^t Q⁻¹ proves the formula for a diagonalisable M.",
                              "Numerically the formula holds to rounding for real and complex eigenvalues; it needs the hypothesis: for the Jordan block, which is not diagonalisable, Q Λⁿ Q⁻¹ is off by a relative \(sci(jordanError)).",
                              [Quantity("max rel diff, exercise's W", sci(realError)), Quantity("max rel diff, Jordan block", sci(jordanError))]),
                .erratum("The solution ends with Π_{i=1}^{n} M = Q Λ^t Q⁻¹.",
                         "The exponent of the conclusion should be n (the number of factors); t is the induction variable of the step before.",
                         [Quantity("n used in the check", "1 … 30")]),
            ],
            commands: ["workbench spectral power --n 30", "workbench spectral power --matrix \"1,1;0,1\" --n 30"])
    }
}

/// Homework 5, exercise 2 (c): W³⁰ of W = [[0.58, 0.24], [0.24, 0.72]] and the regimes of |λ|.
public struct Homework5Powers: Exercise {
    public init() {}
    public let id = "hw5-2c"
    public let title = "W³⁰ and what |λ| < 1, |λ| > 1 and |λ| = 1 do to Wⁿ"
    public let source = Seeds.homework5("Exercise 2 (c)")
    public let notation = Notation.homework5

    public func run() -> ExerciseReport {
        let w = HomeworkClaims.matrix
        guard let eig = try? eigReport(w), let power = try? powerReport(w, n: 30), let regimes = try? regimesReport(n: 30),
              let comparison = power.printedComparison else {
            return report(summary: "The spectral routines failed on the exercise's W.", checks: [.that("spectral routines run", false)])
        }
        let lambda = eig.eigenvalues.map(\.re)
        let statementQ = Matrix(HomeworkClaims.statementQ), statementQInverse = Matrix(HomeworkClaims.statementQInverse)
        let statementProduct = statementQ * Matrix.diagonal(HomeworkClaims.statedEigenvalues) * statementQInverse
        let w30 = power.byRepeatedSquaring
        let differing = comparison.entries.filter { !$0.agrees }
        var findings: [Finding] = [
            .erratum("The exercise states W = Q Λ Q⁻¹ with Q = [[−0.6, −0.8], [−0.8, 0.5]].",
                     "With that Q the product is not W; the 0.5 is a typo for 0.6 (the worked solution uses 0.6).",
                     [Quantity("Q Λ Q⁻¹ with the printed Q", matrix: statementProduct),
                      Quantity("max |Q Λ Q⁻¹ − W|", sci((statementProduct - w).maxAbs()))]),
        ]
        if let e = differing.first {
            findings.append(.erratum("The worked solution prints W³⁰ = [[\(HomeworkClaims.solutionW30[0].joined(separator: ", "))], [\(HomeworkClaims.solutionW30[1].joined(separator: ", "))]].",
                                     "\(comparison.summary) Entry (\(e.row),\(e.col)): \(e.explanation).",
                                     [Quantity("W³⁰ computed", matrix: w30, digits: 10),
                                      Quantity("entry (\(e.row),\(e.col)) rounded / printed", "\(e.computedRounded) / \(e.claimed)")]))
        }
        for s in regimes.statements {
            let evidence = [Quantity("verdict", s.verdict)]
            if s.verdict == "right" {
                findings.append(.confirmation(s.claim, s.evidence, evidence))
            } else {
                findings.append(.erratum(s.claim, s.evidence, evidence))
            }
        }
        return report(
            summary: "Eigen-decomposition of the exercise's W, W³⁰ by Q Λ³⁰ Q⁻¹ and by repeated squaring, an entry-by-entry comparison with the printed W³⁰, and seven matrices that test the solution's general statements about |λ| < 1, > 1 and = 1.",
            quantities: [Quantity("eigenvalues", lambda.map { formatScalar($0, digits: 15) }.joined(separator: ", ")),
                         Quantity("W³⁰", matrix: w30, digits: 6),
                         Quantity("‖W³⁰‖₂", power.norms.last?.norm ?? .nan),
                         Quantity("residual ‖WQ − QΛ‖_F / ‖W‖_F", sci(eig.relativeResidual))],
            checks: [.atMost("eigenvalues are 0.9 and 0.4", max(abs(lambda[0] - 0.9), abs(lambda[1] - 0.4)), 1e-14),
                     .atMost("‖WQ − QΛ‖ / ‖W‖", eig.relativeResidual, 1e-14),
                     .atMost("Q Λ³⁰ Q⁻¹ = W³⁰ by squaring", power.eigenVersusSquaringRelative ?? .infinity, 1e-12),
                     .atMost("‖W³⁰‖₂ = 0.9³⁰", relativeDifference(power.norms.last?.norm ?? .nan, Foundation.pow(0.9, 30)), 1e-12),
                     .that("exactly one printed entry of W³⁰ differs in its 6th decimal", differing.count == 1)],
            findings: findings,
            commands: ["workbench spectral eig", "workbench spectral power --n 30", "workbench spectral regimes"])
    }
}

import Foundation
