// EigenTests.swift — residuals and orthogonality of the symmetric (Jacobi) and general
// (Hessenberg + Francis QR) eigen-decompositions on seeded random matrices, the homework's
// 2×2 example, repeated and complex eigenvalues, and the defective (Jordan block) case.

import WorkbenchNumerics
import XCTest

@testable import Spectral

/// ‖A V − V Λ‖_F / ‖A‖_F for a complex eigen-decomposition.
func relativeResidual(_ a: Matrix<Double>, _ d: EigenDecomposition) -> Double {
    let av = ComplexMatrix(a) * d.eigenvectors
    let vl = d.eigenvectors * ComplexMatrix.diagonal(d.eigenvalues)
    return (av - vl).frobeniusNorm() / max(a.frobeniusNorm(), .leastNormalMagnitude)
}

/// A random (N, N) matrix with entries uniform in [−1, 1).
func randomMatrix(_ n: Int, seed: UInt64) -> Matrix<Double> {
    var rng = SeededGenerator(seed: seed)
    return Matrix<Double>.random(n, n, in: -1...1, using: &rng)
}

final class SymmetricEigenTests: XCTestCase {
    func testHomeworkMatrixHasEigenvaluesPointNineAndPointFour() throws {
        let w = Matrix<Double>([[0.58, 0.24], [0.24, 0.72]])
        let d = try symmetricEigen(w)
        XCTAssertEqual(d.eigenvalues[0], 0.9, accuracy: 1e-15)
        XCTAssertEqual(d.eigenvalues[1], 0.4, accuracy: 1e-15)
        // Sign convention: largest-magnitude component positive → (0.6, 0.8) and (0.8, −0.6).
        let q = d.eigenvectors
        for (got, want) in zip(q.storage, [0.6, 0.8, 0.8, -0.6]) { XCTAssertEqual(got, want, accuracy: 1e-15) }
    }

    func testRandomSymmetricUpTo100HasOrthonormalEigenvectorsAndSmallResidual() throws {
        for (n, seed) in [(1, 1), (2, 2), (5, 3), (17, 4), (60, 5), (100, 6)] as [(Int, UInt64)] {
            let r = randomMatrix(n, seed: seed)
            let a = (r + r.transposed) * 0.5
            let d = try symmetricEigen(a)
            let q = d.eigenvectors
            let orthogonality = (matmul(q, .transpose, q) - .identity(n)).frobeniusNorm()
            XCTAssertLessThanOrEqual(orthogonality, 1e-12, "‖QᵀQ − I‖ for N = \(n)")
            let residual = (a * q - q * .diagonal(d.eigenvalues)).frobeniusNorm() / a.frobeniusNorm()
            XCTAssertLessThanOrEqual(residual, 1e-12, "‖AQ − QΛ‖/‖A‖ for N = \(n)")
            let moduli = d.eigenvalues.map(abs)
            XCTAssertEqual(moduli, moduli.sorted(by: >), "eigenvalues must be sorted by descending |λ|")
            for j in 0..<n {
                let column = q.column(j)
                let big = column.max { abs($0) < abs($1) }!
                XCTAssertGreaterThan(big, 0, "largest component of eigenvector \(j) must be positive")
            }
        }
    }

    func testRepeatedEigenvaluesKeepOrthonormalEigenvectors() throws {
        // A = P diag(3, 3, −3, 1, 1, 1) Pᵀ with P orthogonal (from a random symmetric matrix).
        let r = randomMatrix(6, seed: 11)
        let p = try symmetricEigen((r + r.transposed) * 0.5).eigenvectors
        let a = p * .diagonal([3, 3, -3, 1, 1, 1]) * p.transposed
        let d = try symmetricEigen((a + a.transposed) * 0.5)
        // |3| = |−3|: which comes first is decided by rounding, so compare the sorted values.
        for (got, want) in zip(d.eigenvalues.sorted(by: >), [3.0, 3, 1, 1, 1, -3]) { XCTAssertEqual(got, want, accuracy: 1e-13) }
        let q = d.eigenvectors
        XCTAssertLessThanOrEqual((matmul(q, .transpose, q) - .identity(6)).frobeniusNorm(), 1e-12)
    }

    func testNonSymmetricInputIsRejectedWithThePosition() {
        XCTAssertThrowsError(try symmetricEigen(Matrix([[1, 2], [3, 4]]))) { error in
            XCTAssertEqual(error as? SpectralError, .notSymmetric(row: 0, col: 1, difference: 1))
        }
    }
}

final class GeneralEigenTests: XCTestCase {
    func testRandomGeneralUpTo100HaveSmallResidualsIncludingComplexPairs() throws {
        var sawComplex = false
        for (n, seed) in [(1, 21), (2, 22), (3, 23), (8, 24), (31, 25), (64, 26), (100, 27)] as [(Int, UInt64)] {
            let a = randomMatrix(n, seed: seed)
            let d = try eigen(a)
            let residual = relativeResidual(a, d)
            XCTAssertLessThanOrEqual(residual, 1e-12, "‖AV − VΛ‖/‖A‖ for N = \(n)")
            XCTAssertFalse(d.isNearlyDefective, "random N = \(n) has κ₂(V) = \(d.conditionNumber)")
            if d.eigenvalues.contains(where: { $0.im != 0 }) { sawComplex = true }
            // Pairs are adjacent: λ then λ̄.
            var i = 0
            while i < n {
                if d.eigenvalues[i].im != 0 {
                    XCTAssertGreaterThan(d.eigenvalues[i].im, 0)
                    XCTAssertEqual(d.eigenvalues[i + 1], d.eigenvalues[i].conjugate, "pair at \(i) for N = \(n)")
                    i += 2
                } else {
                    i += 1
                }
            }
            let moduli = d.eigenvalues.map(\.modulus)
            XCTAssertEqual(moduli, moduli.sorted(by: >), "descending modulus for N = \(n)")
            // Trace and sum of eigenvalues agree.
            let sum = d.eigenvalues.reduce(Complex.zero, +)
            XCTAssertEqual(sum.re, a.trace(), accuracy: 1e-10 * Double(n))
            XCTAssertEqual(sum.im, 0, accuracy: 1e-10 * Double(n))
        }
        XCTAssertTrue(sawComplex, "the seeded matrices must include complex eigenvalues")
    }

    func testRotationHasEigenvaluesOnTheUnitCircle() throws {
        let theta = 0.5
        let r = Matrix<Double>([[cos(theta), -sin(theta)], [sin(theta), cos(theta)]])
        let d = try eigen(r)
        XCTAssertEqual(d.eigenvalues[0].re, cos(theta), accuracy: 1e-15)
        XCTAssertEqual(d.eigenvalues[0].im, sin(theta), accuracy: 1e-15)
        XCTAssertEqual(d.eigenvalues[1], d.eigenvalues[0].conjugate)
        XCTAssertLessThanOrEqual(relativeResidual(r, d), 1e-15)
        XCTAssertEqual(d.conditionNumber, 1, accuracy: 1e-12, "eigenvectors of a normal matrix are orthogonal")
    }

    func testPermutationMatrixConvergesWithExceptionalShifts() throws {
        // The cyclic shift of order 5: eigenvalues the 5th roots of unity; plain Francis
        // shifts stall on it.
        var p = Matrix<Double>(rows: 5, cols: 5)
        for i in 0..<5 { p[(i + 1) % 5, i] = 1 }
        let d = try eigen(p)
        for lambda in d.eigenvalues { XCTAssertEqual(lambda.modulus, 1, accuracy: 1e-13) }
        XCTAssertTrue(d.eigenvalues.contains { abs($0.re - 1) < 1e-13 && $0.im == 0 }, "1 is an eigenvalue: \(d.eigenvalues)")
        XCTAssertLessThanOrEqual(relativeResidual(p, d), 1e-13)
    }

    func testRepeatedEigenvaluesOfADiagonalisableGeneralMatrix() throws {
        // A = S diag(2, 2, 2, −1, 0.5) S⁻¹ with a random (non-orthogonal) S.
        let s = randomMatrix(5, seed: 31)
        let sInverse = inverse(ComplexMatrix(s))!.realPart
        let a = s * .diagonal([2, 2, 2, -1, 0.5]) * sInverse
        let d = try eigen(a)
        XCTAssertLessThanOrEqual(relativeResidual(a, d), 1e-12)
        for (got, want) in zip(d.eigenvalues, [2.0, 2, 2, -1, 0.5]) { XCTAssertEqual(got.modulus, abs(want), accuracy: 1e-6) }
    }

    func testJordanBlockIsFlaggedAsDefective() throws {
        for j in [
            Matrix<Double>([[1, 1], [0, 1]]),
            Matrix<Double>([[2, 1, 0], [0, 2, 1], [0, 0, 2]]),
            // The same 2×2 block in another basis, so that the QR iteration has work to do.
            Matrix<Double>([[0, 1], [-1, 2]]),
            Matrix<Double>([[3, 4], [-1, -1]]),
        ] {
            let d = try eigen(j)
            XCTAssertTrue(d.isNearlyDefective, "κ₂(V) = \(d.conditionNumber) for \(j)")
            XCTAssertGreaterThan(d.conditionNumber, 1e6)
        }
        // A diagonalisable matrix with well-separated eigenvalues is not flagged.
        let d = try eigen(Matrix([[0.58, 0.24], [0.24, 0.72]]))
        XCTAssertFalse(d.isNearlyDefective)
        XCTAssertEqual(d.conditionNumber, 1, accuracy: 1e-12)
    }

    func testHomeworkMatrixThroughTheGeneralRoutine() throws {
        let d = try eigen(Matrix([[0.58, 0.24], [0.24, 0.72]]))
        XCTAssertEqual(d.eigenvalues[0].re, 0.9, accuracy: 1e-15)
        XCTAssertEqual(d.eigenvalues[1].re, 0.4, accuracy: 1e-15)
        XCTAssertEqual(d.eigenvectors[0, 0].re, 0.6, accuracy: 1e-15)
        XCTAssertEqual(d.eigenvectors[1, 0].re, 0.8, accuracy: 1e-15)
    }

    func testInvalidInputsThrowTypedErrors() {
        XCTAssertThrowsError(try eigen(Matrix(rows: 2, cols: 3))) { XCTAssertEqual($0 as? SpectralError, .notSquare(rows: 2, cols: 3)) }
        XCTAssertThrowsError(try eigen(Matrix(rows: 0, cols: 0))) { XCTAssertEqual($0 as? SpectralError, .empty) }
        XCTAssertThrowsError(try eigen(Matrix([[1, .nan], [0, 1]]))) { XCTAssertEqual($0 as? SpectralError, .nonFinite(row: 0, col: 1)) }
    }
}

final class SingularValueTests: XCTestCase {
    func testSingularValuesMatchSquareRootsOfEigenvaluesOfATA() throws {
        var rng = SeededGenerator(seed: 41)
        let a = Matrix<Double>.random(7, 4, in: -1...1, using: &rng)
        let sigma = singularValues(a)
        let lambda = try symmetricEigen(matmul(a, .transpose, a)).eigenvalues
        XCTAssertEqual(sigma.count, 4)
        for (s, l) in zip(sigma, lambda) { XCTAssertEqual(s, l.squareRoot(), accuracy: 1e-13) }
        XCTAssertEqual(singularValues(a.transposed), sigma)
    }

    func testLargerRealAndComplexSingularValuesAgreeWithIndependentRoutes() throws {
        // Real 40×40: against √λ(AᵀA) from the Jacobi eigensolver.
        let a = randomMatrix(40, seed: 42)
        let sigma = singularValues(a)
        let lambda = try symmetricEigen(matmul(a, .transpose, a)).eigenvalues
        for (s, l) in zip(sigma, lambda) { XCTAssertEqual(s, l.squareRoot(), accuracy: 1e-12) }
        // Complex 12×12 C = X + iY: its singular values are those of the real embedding
        // [[X, −Y], [Y, X]], each appearing twice.
        let x = randomMatrix(12, seed: 43), y = randomMatrix(12, seed: 44)
        var c = ComplexMatrix(x)
        c.im = y.storage
        let embedding = Matrix.vstack([Matrix.hstack([x, -y]), Matrix.hstack([y, x])])
        let twice = singularValues(embedding)
        let complexSigma = singularValues(c)
        for (k, s) in complexSigma.enumerated() {
            XCTAssertEqual(s, twice[2 * k], accuracy: 1e-12)
            XCTAssertEqual(s, twice[2 * k + 1], accuracy: 1e-12)
        }
    }

    func testTwoNormOfKnownMatrices() {
        XCTAssertEqual(twoNorm(Matrix([[3, 0], [0, -5]])), 5, accuracy: 1e-15)
        XCTAssertEqual(twoNorm(Matrix([[1, 1], [0, 1]])), (1 + 5.0.squareRoot()) / 2, accuracy: 1e-15)
        XCTAssertEqual(twoNorm(Matrix([[0.58, 0.24], [0.24, 0.72]])), 0.9, accuracy: 1e-15)
    }

    func testTinySingularValueIsResolvedRelativeToTheLargest() {
        // diag(1, 1e-12) rotated: the small singular value keeps its relative accuracy.
        let c = cos(0.3), s = sin(0.3)
        let r = Matrix<Double>([[c, -s], [s, c]])
        let a = r * Matrix.diagonal([1, 1e-12]) * r.transposed
        let sigma = singularValues(a)
        XCTAssertEqual(sigma[1], 1e-12, accuracy: 1e-15)
    }
}
