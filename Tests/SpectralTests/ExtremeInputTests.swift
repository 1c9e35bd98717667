// ExtremeInputTests.swift — the eigen- and singular-value routines and the reports on inputs
// at the edges of Double: entries from 1e-300 to 1e300, graded matrices, defective and nearly
// defective matrices, saturated RNN units and overflowing powers (issue 11, items 8–12).
// Every expected value is exact or computed independently (closed forms, exact power-of-two
// rescaling, the same routine on the unscaled matrix); the LAPACK figures quoted in bounds were
// measured with scripts/eig_vs_numpy.py.

import WorkbenchNumerics
import XCTest

@testable import Spectral

/// max over `truth` of the distance to the nearest computed eigenvalue.
private func eigenvalueError(_ computed: [Complex], _ truth: [Complex]) -> Double {
    truth.map { t in computed.map { ($0 - t).modulus }.min()! }.max()!
}

/// Whether no real or imaginary part of any entry is NaN.
private func hasNoNaN(_ m: ComplexMatrix) -> Bool { !m.re.contains(where: \.isNaN) && !m.im.contains(where: \.isNaN) }

final class ExtremeScaleTests: XCTestCase {
    func testSymmetricEigenvaluesOfTheAllOneE200MatrixAre2e200AndZero() throws {
        // The Jacobi sweep used to square 1e200 (→ ∞), stop at once and return 1e200, 1e200.
        let d = try symmetricEigen(Matrix([[1e200, 1e200], [1e200, 1e200]]))
        XCTAssertEqual(d.eigenvalues[0], 2e200, accuracy: 4e184)
        XCTAssertEqual(d.eigenvalues[1], 0, accuracy: 4e184)
        let r = try eigReport(Matrix([[1e200, 1e200], [1e200, 1e200]]))
        XCTAssertEqual(r.eigenvalues[0].re, 2e200, accuracy: 4e184)
        XCTAssertLessThanOrEqual(r.relativeResidual, 1e-15)
        XCTAssertLessThanOrEqual(r.reconstructionError ?? .nan, 1e-15)
    }

    func testSymmetricEigenvaluesScaleExactlyFrom1eMinus300To1e300() throws {
        let r = randomMatrix(8, seed: 101)
        let a = (r + r.transposed) * 0.5
        let reference = try symmetricEigen(a).eigenvalues
        for k in [-1000, -530, -300, 300, 530, 1000] {
            let d = try symmetricEigen(a.map { scalbn($0, k) })
            for (got, want) in zip(d.eigenvalues, reference) {
                XCTAssertEqual(scalbn(got, -k), want, accuracy: 1e-14, "2^\(k) A")
            }
        }
    }

    func testGeneralEigenConvergesAndScalesFrom1eMinus300To1e300() throws {
        // Francis QR used to stall for entries ≳ 1e77 or ≲ 1e-78 (the shifts' squares left the range).
        let a = randomMatrix(12, seed: 102)
        let reference = try eigen(a)
        XCTAssertTrue(reference.eigenvalues.contains { $0.im != 0 })
        for k in [-1000, -531, -260, 256, 531, 1000] {
            let scaled = a.map { scalbn($0, k) }
            let d = try eigen(scaled)
            // Exact rescaling; only square roots of odd powers of 2 round differently.
            let back = d.eigenvalues.map { Complex(scalbn($0.re, -k), scalbn($0.im, -k)) }
            for (got, want) in zip(back, reference.eigenvalues) {
                XCTAssertLessThanOrEqual((got - want).modulus, 1e-14 * reference.spectralRadius, "2^\(k) A")
            }
            let report = try eigReport(scaled)
            XCTAssertLessThanOrEqual(report.relativeResidual, 1e-14, "2^\(k) A")
            XCTAssertTrue(report.residual.isFinite && report.residual > 0, "2^\(k) A: absolute residual \(report.residual)")
        }
        // Powers of ten are not exact, so compare to rounding level only.
        for scale in [1e-160, 1e-78, 1e77, 1e160] {
            let d = try eigen(a * scale)
            XCTAssertLessThanOrEqual(eigenvalueError(d.eigenvalues.map { (1 / scale) * $0 }, reference.eigenvalues), 1e-13, "\(scale) A")
        }
    }

    func testBalancingRecoversTheEigenvaluesOfAGradedMatrix() throws {
        // A = D B D⁻¹ with D = diag(2^-200, 2^-100, 1, 2^100, 2^200): exact entries from 1e-120
        // to 1e120, eigenvalues those of B. Without balancing, rounding relative to ‖A‖ ≈ 1e120
        // wipes them out.
        let b = randomMatrix(5, seed: 103)
        let exponents = [-200, -100, 0, 100, 200]
        var a = b
        for i in 0..<5 { for j in 0..<5 { a[i, j] = scalbn(b[i, j], exponents[i] - exponents[j]) } }
        let truth = try eigen(b).eigenvalues
        let d = try eigen(a)
        XCTAssertLessThanOrEqual(eigenvalueError(d.eigenvalues, truth), 1e-14)
        // Its eigenvectors are badly scaled, not dependent: κ₂(V) is huge, the balanced one is not.
        XCTAssertGreaterThan(d.conditionNumber, 1e20)
        XCTAssertLessThan(d.balancedConditionNumber, 1e3)
        XCTAssertEqual(d.eigenbasis, .diagonalizable)
        let report = try eigReport(a)
        XCTAssertEqual(report.eigenbasis, .diagonalizable)
        XCTAssertTrue(report.notes.contains { $0.contains("badly scaled") }, "\(report.notes)")
        XCTAssertLessThanOrEqual(report.relativeResidual, 1e-14)
    }

    func testEigenvectorsSpoiledByBalancingAreRepairedOrFlagged() throws {
        // Entries from 1e-258 to 1e181: balancing scales by ~1e166, which magnifies a rounding-
        // sized component of the eigenvector of −4.48e14 into the whole answer. LAPACK (NumPy)
        // returns (1, 0) for it, with residual ≈ ‖W‖; inverse iteration on W repairs it.
        let w = Matrix<Double>([[-448374853463172.75, 4.3531825395393395e-258], [4.148844303684269e+181, -5.274998412018835e+48]])
        let r = try eigReport(w)
        XCTAssertLessThanOrEqual(r.relativeResidual, 1e-15)
        XCTAssertFalse(r.notes.contains { $0.contains("inaccurate") }, "\(r.notes)")
        // Where no repair works (LAPACK fails here too, residual 0.92), the report says so.
        let hopeless = Matrix<Double>(
            rows: 3, cols: 3,
            storage: [
                -688719.8770800075, -2.8533923128305516e-127, 3.2343654111430656e-101,
                -1.9256914059750574e-39, 8.109146306199336e+86, 6.18646276556317e+276,
                3.828126106802402e-108, 2.7552543810828274e-162, -2.611438813996553e+276,
            ])
        let h = try eigReport(hopeless)
        XCTAssertGreaterThan(h.relativeResidual, 1e-8)
        XCTAssertTrue(h.notes.contains { $0.hasPrefix("Some eigenvectors are inaccurate") }, "\(h.notes)")
        XCTAssertTrue(h.eigenvalues.allSatisfy(\.isFinite) && !h.relativeResidual.isNaN)
    }

    func testSingularValuesScaleExactlyFrom1eMinus300To1e300() {
        // One-sided Jacobi squared column norms (∞ from ~1e154) and compared products of them
        // (∞ from ~1e77): singular values were silently wrong, or NaN.
        let a = randomMatrix(9, seed: 104)
        let reference = singularValues(a)
        for k in [-1000, -531, -260, 256, 531, 1000] {
            let sigma = singularValues(a.map { scalbn($0, k) })
            for (got, want) in zip(sigma, reference) {
                XCTAssertEqual(scalbn(got, -k), want, accuracy: 1e-15 * reference[0], "2^\(k) A")
            }
        }
        for scale in [1e-160, 1e160] {
            for (got, want) in zip(singularValues(a * scale), reference) {
                XCTAssertEqual(got / scale, want, accuracy: 1e-14 * reference[0], "\(scale) A")
            }
        }
        // Absolute accuracy ε σ_max, as LAPACK's: the 1e-300 is below it and may come out as 0.
        let graded = singularValues(Matrix([[1e300, 0], [0, 1e-300]]))
        XCTAssertEqual(graded[0], 1e300)
        XCTAssertLessThanOrEqual(graded[1], 1e300 * Double.ulpOfOne)
        for sigma in singularValues(Matrix([[0, 1e-300], [1e-300, 0]])) { XCTAssertEqual(sigma, 1e-300, accuracy: 1e-315) }
    }

    func testNormsNeitherOverflowNorUnderflowNorDropNaN() {
        XCTAssertEqual(euclideanNorm([3e200, 4e200]), 5e200, accuracy: 1e185)
        XCTAssertEqual(euclideanNorm([3e-200, 4e-200]), 5e-200, accuracy: 1e-215)
        XCTAssertEqual(euclideanNorm([3e-320, 4e-320]), 5e-320, accuracy: 1e-323)
        XCTAssertEqual(euclideanNorm([0, 0]), 0)
        XCTAssertTrue(euclideanNorm([0, .nan, 1]).isNaN)
        XCTAssertEqual(euclideanNorm([1, .infinity]), .infinity)
        XCTAssertTrue(euclideanNorm([.infinity, .nan]).isNaN)
        var m = ComplexMatrix(rows: 1, cols: 2)
        m.re = [3e200, 0]
        m.im = [0, 4e200]
        XCTAssertEqual(m.frobeniusNorm(), 5e200, accuracy: 1e185)
        XCTAssertEqual(frobeniusNormPropagatingNaN(Matrix([[3e-200, 4e-200]])), 5e-200, accuracy: 1e-215)
        // A NaN beside zeros: the old scaled norm took max |a_ij| = 0 (max drops NaN) and
        // returned 0 — the "residual 0" printed beside a NaN eigenvector.
        m.re = [0, .nan]
        m.im = [0, 0]
        XCTAssertTrue(m.frobeniusNorm().isNaN)
        XCTAssertTrue(m.maxModulus().isNaN)
        m.re = [0, 0]
        m.im = [.nan, 0]
        XCTAssertTrue(m.maxAbsImaginary.isNaN)
    }

    func testEntriesBeyondTheRangeOfTheResultAreRefusedExplicitly() {
        // The eigenvalue 2 · 1.5e308 of this matrix is not a Double.
        let w = Matrix<Double>([[1.5e308, 1.5e308], [1.5e308, 1.5e308]])
        XCTAssertThrowsError(try eigReport(w)) { error in
            guard case .outOfRange = error as? SpectralError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("1e308"), "\(error)")
        }
        XCTAssertThrowsError(try symmetricEigen(w))
        XCTAssertThrowsError(try eigen(Matrix([[1.5e308, 1.5e308], [1.4e308, 1.5e308]])))
        // Just inside the range it is computed.
        XCTAssertEqual(
            try eigen(Matrix([[8e307, 8e307], [7e307, 8e307]])).eigenvalues[0].re, 8e307 + 7.483314773547883e307, accuracy: 1e293)
    }
}

final class DefectiveMatrixTests: XCTestCase {
    func testZeroJordanBlocksAreDefectiveWithNoNaNAnywhere() throws {
        // Back-substitution divided by a replaced pivot of 1e-290 twice and overflowed to NaN.
        let rotation = { (n: Int, theta: Double) -> Matrix<Double> in
            var g = Matrix<Double>.identity(n)
            g[0, 0] = cos(theta); g[0, n - 1] = -sin(theta); g[n - 1, 0] = sin(theta); g[n - 1, n - 1] = cos(theta)
            return g
        }
        var blocks: [Matrix<Double>] = []
        for (n, lambda) in [(3, 0.0), (4, 0.0), (5, 0.0), (5, 2.0)] as [(Int, Double)] {
            var j = Matrix<Double>.identity(n) * lambda
            for i in 0..<(n - 1) { j[i, i + 1] = 1 }
            blocks.append(j)
            let g = rotation(n, 0.3)
            blocks.append(g * j * g.transposed)  // the same block, not triangular
        }
        for w in blocks {
            let r = try eigReport(w)
            XCTAssertTrue(hasNoNaN(r.q), "Q of \(w)")
            XCTAssertTrue(r.qInverse.map(hasNoNaN) ?? true, "Q⁻¹ of \(w)")
            XCTAssertTrue(r.eigenvalues.allSatisfy(\.isFinite))
            XCTAssertTrue(r.residual.isFinite && r.relativeResidual.isFinite && !(r.reconstructionError?.isNaN ?? false))
            XCTAssertLessThanOrEqual(r.relativeResidual, 1e-12, "\(w)")
            XCTAssertTrue(r.singularValues.allSatisfy(\.isFinite))
            XCTAssertNotEqual(r.eigenbasis, .diagonalizable, "κ₂ = \(r.conditionNumber) for \(w)")
            XCTAssertTrue(r.isNearlyDefective)
        }
        // The exact triangular blocks are found exactly and called defective.
        let r = try eigReport(blocks[0])
        XCTAssertEqual(r.eigenvalues, [.zero, .zero, .zero])
        XCTAssertEqual(r.eigenbasis, .defective)
        XCTAssertTrue(r.notes.contains { $0.hasPrefix("W is defective") }, "\(r.notes)")
    }

    func testEigenbasisClassificationTurnsWithTheConditionNumber() throws {
        XCTAssertEqual(EigenbasisCondition(conditionNumber: 10, threshold: 1e6), .diagonalizable)
        XCTAssertEqual(EigenbasisCondition(conditionNumber: 1e7, threshold: 1e6), .nearlyDefective)
        XCTAssertEqual(EigenbasisCondition(conditionNumber: 1e7, threshold: 1e8), .diagonalizable)
        XCTAssertEqual(EigenbasisCondition(conditionNumber: 1e16, threshold: 1e6), .defective)
        XCTAssertEqual(EigenbasisCondition(conditionNumber: .infinity, threshold: 1e6), .defective)
        XCTAssertEqual(EigenbasisCondition(conditionNumber: .nan, threshold: 1e6), .defective)
        XCTAssertEqual(try eigen(randomMatrix(6, seed: 105)).eigenbasis, .diagonalizable)
        XCTAssertEqual(try eigen(Matrix([[1, 1], [0, 1 + 1e-10]])).eigenbasis, .nearlyDefective)
        XCTAssertEqual(try eigen(Matrix([[1, 1], [0, 1]])).eigenbasis, .defective)
    }

    func testNearlyDefectiveJordanBlocksWithinTenTimesLAPACKsAccuracy() throws {
        // J_m(1) with ε in the corner: eigenvalues 1 + ε^(1/m) e^(2πik/m). NumPy (LAPACK dgeev)
        // errs by 2.69e-10 (m = 4, ε = 1e-14), 5.21e-12 (m = 4, ε = 1e-10) and 2.14e-7
        // (m = 6, ε = 1e-14); the unbalanced textbook QR erred by 2.8e-8 on the first.
        for (m, epsilon, lapack) in [(4, 1e-14, 2.69e-10), (4, 1e-10, 5.21e-12), (6, 1e-14, 2.14e-7)] as [(Int, Double, Double)] {
            var j = Matrix<Double>.identity(m)
            for i in 0..<(m - 1) { j[i, i + 1] = 1 }
            j[m - 1, 0] = epsilon
            let r = pow(epsilon, 1 / Double(m))
            let truth = (0..<m).map { k in
                Complex(1 + r * cos(2 * Double.pi * Double(k) / Double(m)), r * sin(2 * Double.pi * Double(k) / Double(m)))
            }
            let d = try eigen(j)
            XCTAssertLessThanOrEqual(eigenvalueError(d.eigenvalues, truth), 10 * lapack, "J\(m)(1) + \(epsilon)")
            XCTAssertEqual(d.eigenbasis, .nearlyDefective)
        }
    }
}

final class OverflowAndSaturationTests: XCTestCase {
    func testSaturatedRNNGradientIsReportedAsVanishedNotTheOpposite() throws {
        // W = 20 I saturates tanh: f'(z) = 0 in Double, the gradient is exactly 0 from T − k = 2,
        // and the report used to print rate "nan" and conclude "does not vanish".
        for w in [Matrix<Double>([[20, 0], [0, 20]]), randomMatrix(4, seed: 106) * 1e300] {
            let r = try rnnGradientReport(seed: 1, hidden: 4, steps: 40, customW: w)
            let c = try XCTUnwrap(r.cases.last)
            XCTAssertEqual(c.behaviour, .vanishedToZero)
            XCTAssertNil(c.measuredRate)
            XCTAssertNotNil(c.zeroFromDistance)
            XCTAssertGreaterThan(c.saturatedFraction, 0.5)
            XCTAssertTrue(c.points.allSatisfy { !$0.measured.isNaN && !$0.bound.isNaN && !$0.wPowerNorm.isNaN })
            XCTAssertFalse(c.observation.contains("does not vanish"), c.observation)
            XCTAssertFalse(c.observation.contains("nan"), c.observation)
            XCTAssertTrue(c.observation.contains("exactly 0"), c.observation)
        }
        // The built-in cases keep their verdicts: vanishing with ρ > 1, bound respected.
        let r = try rnnGradientReport(seed: 1, hidden: 8, steps: 40)
        XCTAssertEqual(r.cases[0].behaviour, .vanishing)
        XCTAssertLessThan(try XCTUnwrap(r.cases[0].measuredRate), 1)
    }

    func testGradientVerdictFollowsTheMeasurements() {
        XCTAssertEqual(GradientBehaviour(zeroFromDistance: 2, overflowFromDistance: nil, measuredRate: nil), .vanishedToZero)
        XCTAssertEqual(GradientBehaviour(zeroFromDistance: nil, overflowFromDistance: 30, measuredRate: 9), .overflowed)
        XCTAssertEqual(GradientBehaviour(zeroFromDistance: nil, overflowFromDistance: nil, measuredRate: 0.5), .vanishing)
        XCTAssertEqual(GradientBehaviour(zeroFromDistance: nil, overflowFromDistance: nil, measuredRate: 1.2), .notVanishing)
        XCTAssertEqual(GradientBehaviour(zeroFromDistance: nil, overflowFromDistance: nil, measuredRate: 1), .notVanishing)
    }

    func testOverflowingPowerHasSignedInfinitiesWhereTheTruthOverflowsAndNoNaN() throws {
        // [[2, 1], [0, 3]]^1000 = [[2^1000, 3^1000 − 2^1000], [0, 3^1000]]: 2^1000 ≈ 1.07e301 fits,
        // 3^1000 does not. Plain squaring gave NaN (∞ · 0) in the (2, 1) entry.
        let w = Matrix<Double>([[2, 1], [0, 3]])
        let p = matrixPowerBySquaring(w, 1000).power
        XCTAssertEqual(p.storage, [scalbn(1.0, 1000), .infinity, 0, .infinity])
        let report = try powerReport(w, n: 1000)
        XCTAssertEqual(report.magnitude, .overflow)
        XCTAssertFalse(report.byRepeatedSquaring.storage.contains(where: \.isNaN))
        XCTAssertFalse(report.byEigenDecomposition?.storage.contains(where: \.isNaN) ?? false)
        XCTAssertFalse(report.bySuccessiveMultiplication?.storage.contains(where: \.isNaN) ?? false)
        XCTAssertTrue(report.norms.allSatisfy { !$0.norm.isNaN })
        XCTAssertEqual(report.norms.last?.norm, .infinity)
        XCTAssertTrue(report.notes.contains { $0.contains("‖Wⁿ‖₂ ≈ 1e477") }, "\(report.notes)")  // 1000 log₁₀ 3 = 477.1
    }

    func testNilpotentPowerWithHugeEntriesIsExactlyZeroNotNaN() throws {
        // W² has 1e400 (→ ∞) in a corner, W³ = 0; plain products give ∞ · 0 = NaN for W³.
        let w = Matrix<Double>([[0, 1e200, 0], [0, 0, 1e200], [0, 0, 0]])
        XCTAssertEqual(matrixPowerBySquaring(w, 2).power.storage, [0, 0, .infinity, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(matrixPowerBySquaring(w, 3).power, Matrix(rows: 3, cols: 3))
        let cube = try powerReport(w, n: 3)
        XCTAssertEqual(cube.magnitude, .zero)
        XCTAssertTrue(cube.notes.contains { $0.contains("nilpotent") }, "\(cube.notes)")
        XCTAssertEqual(try powerReport(w, n: 2).magnitude, .overflow)
        XCTAssertEqual(try powerReport(w, n: 1).magnitude, .finite)
        let norms = powerNorms(w, maxN: 4, spectralRadius: 0)
        XCTAssertEqual(norms.map(\.norm), [1, 1e200, .infinity, 0, 0])
    }
}

final class EigenTimingTests: XCTestCase {
    func testTimingReportTimesTheSeededMatrixAndChecksItsAnswer() throws {
        let r = try eigenTiming(order: 6, seed: 7, repeats: 1)
        var rng = SeededGenerator(seed: 7)
        XCTAssertEqual(r.matrix, Matrix<Double>.random(6, 6, in: -1...1, using: &rng))
        XCTAssertLessThanOrEqual(r.relativeResidual, 1e-14)
        for t in [r.schurSeconds, r.eigenvectorSeconds, r.decompositionSeconds] { XCTAssertTrue(t > 0 && t < 10) }
        XCTAssertGreaterThan(r.iterations, 0)
    }
}

final class DenseProductTests: XCTestCase {
    func testDenseProductMatchesTheReferenceGemmBitForBit() {
        var rng = SeededGenerator(seed: 107)
        var a = Matrix<Double>.random(7, 5, in: -1...1, using: &rng)
        let b = Matrix<Double>.random(5, 9, in: -1e200...1e200, using: &rng)
        a[2, 3] = 0
        a[4, 1] = 1e200  // overflowing products → ±∞
        let fast = denseProduct(a, b), reference = a * b
        XCTAssertEqual(fast.rows, 7)
        XCTAssertEqual(fast.cols, 9)
        for (x, y) in zip(fast.storage, reference.storage) {
            XCTAssertTrue(x == y || (x.isNaN && y.isNaN), "\(x) vs \(y)")
        }
        XCTAssertTrue(fast.storage.contains { $0.isInfinite })
    }
}
