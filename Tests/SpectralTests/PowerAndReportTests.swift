// PowerAndReportTests.swift — Wⁿ by Q Λⁿ Q⁻¹ against repeated squaring, the homework's W³⁰
// and its comparison with the printed solution, the regimes' verdicts, the RNN Jacobian
// bound, and the matrix text parser's errors.

import WorkbenchNumerics
import XCTest

@testable import Spectral

final class MatrixPowerTests: XCTestCase {
    func testHomeworkW30AgreesByBothMethodsAndMatchesClosedForm() throws {
        let w = HomeworkClaims.matrix
        let d = try eigen(w)
        let squaring = matrixPowerBySquaring(w, 30)
        let byEigen = try XCTUnwrap(matrixPowerByEigen(d, 30))
        XCTAssertLessThanOrEqual((squaring.power - byEigen.power).maxAbs(), 1e-16)
        XCTAssertEqual(byEigen.maxImaginaryResidue, 0)
        // Closed form: 0.9³⁰ q₁q₁ᵀ + 0.4³⁰ q₂q₂ᵀ with q₁ = (0.6, 0.8), q₂ = (0.8, −0.6).
        let a = pow(0.9, 30.0), b = pow(0.4, 30.0)
        let expected = [0.36 * a + 0.64 * b, 0.48 * a - 0.48 * b, 0.48 * a - 0.48 * b, 0.64 * a + 0.36 * b]
        for (got, want) in zip(squaring.power.storage, expected) { XCTAssertEqual(got, want, accuracy: 1e-15) }
        XCTAssertEqual(squaring.multiplications, 7, "30 = 11110₂: 4 squarings + 3 products")
    }

    func testPowersAgreeOnRandomMatricesWithComplexEigenvalues() throws {
        for seed in [51, 52, 53] as [UInt64] {
            let a = randomMatrix(6, seed: seed) * 0.5
            let d = try eigen(a)
            XCTAssertTrue(d.eigenvalues.contains { $0.im != 0 })
            for n in [0, 1, 7, 30] {
                let s = matrixPowerBySquaring(a, n).power
                let e = try XCTUnwrap(matrixPowerByEigen(d, n))
                let scale = max(s.maxAbs(), 1e-300)
                XCTAssertLessThanOrEqual((s - e.power).maxAbs() / scale, 1e-11, "seed \(seed), n = \(n)")
                XCTAssertLessThanOrEqual(e.maxImaginaryResidue / scale, 1e-11)
            }
        }
    }

    func testJordanBlockPowerByEigenIsWrongAndFlagged() throws {
        let report = try powerReport(Matrix([[1, 1], [0, 1]]), n: 30)
        XCTAssertTrue(report.isNearlyDefective)
        XCTAssertEqual(report.byRepeatedSquaring, Matrix([[1, 30], [0, 1]]))
        XCTAssertGreaterThan(report.eigenVersusSquaring ?? .infinity, 1, "Q Λⁿ Q⁻¹ cannot represent a Jordan block's power")
    }

    func testPowerReportComparesThePrintedSolutionEntryByEntry() throws {
        let report = try powerReport(HomeworkClaims.matrix, n: 30)
        let c = try XCTUnwrap(report.printedComparison)
        XCTAssertEqual(c.entries.map(\.computedRounded), ["0.015261", "0.020348", "0.020348", "0.027130"])
        XCTAssertEqual(c.entries.map(\.claimed), ["0.015260", "0.020348", "0.020348", "0.027130"])
        XCTAssertEqual(c.disagreements, 1)
        XCTAssertFalse(c.entries[0].agrees)
        XCTAssertTrue(c.entries[0].explanation.contains("truncated"), c.entries[0].explanation)
        XCTAssertLessThanOrEqual(report.successiveVersusSquaring ?? 1, 1e-16)
        XCTAssertEqual(report.norms.count, 31)
        XCTAssertEqual(report.norms[30].norm, pow(0.9, 30.0), accuracy: 1e-15)
        // Not the homework case → no comparison.
        XCTAssertNil(try powerReport(HomeworkClaims.matrix, n: 29).printedComparison)
    }

    func testComparePrintedExplainsRoundingSlipsAndErrors() {
        let m = Matrix<Double>([[0.0152608, 0.5]])
        let c = comparePrinted(m, [["0.015262", "0.600"]], source: "test")
        XCTAssertTrue(c.entries[0].explanation.contains("off by one"), c.entries[0].explanation)
        XCTAssertTrue(c.entries[1].explanation.contains("wrong"), c.entries[1].explanation)
    }

    func testOverflowingPowerIsReportedInsteadOfCompared() throws {
        let report = try powerReport(Matrix([[2, 1], [0, 3]]), n: 1000)
        XCTAssertFalse(report.byRepeatedSquaring.isFinite)
        XCTAssertNil(report.eigenVersusSquaring, "inf − inf must not be reported as a difference")
        XCTAssertTrue(report.notes.contains { $0.contains("overflows") }, "\(report.notes)")
    }

    func testPowerNormsSampleLargeExponents() {
        let norms = powerNorms(.identity(2), maxN: 100_000, spectralRadius: 1)
        XCTAssertLessThanOrEqual(norms.count, 202)
        XCTAssertEqual(norms.first?.n, 0)
        XCTAssertTrue(norms.allSatisfy { abs($0.norm - 1) < 1e-15 })
    }
}

final class RegimesReportTests: XCTestCase {
    func testRegimeVerdictsFollowFromTheComputedNumbers() throws {
        let r = try regimesReport(n: 30)
        let byName = Dictionary(uniqueKeysWithValues: r.cases.map { ($0.name, $0) })
        let rotation = try XCTUnwrap(byName["rotation by 0.5 rad"])
        XCTAssertTrue(rotation.norms.allSatisfy { abs($0.norm - 1) < 1e-13 }, "a rotation keeps ‖Wⁿ‖₂ = 1")
        XCTAssertGreaterThan(rotation.maxChangeFromW, 1, "but its entries change")
        let jordan = try XCTUnwrap(byName["Jordan block"])
        XCTAssertTrue(jordan.isNearlyDefective)
        XCTAssertEqual(jordan.powerAtN, Matrix([[1, 30], [0, 1]]))
        XCTAssertEqual(
            jordan.norms.last!.norm, (902 + (902.0 * 902 - 4).squareRoot()).squareRoot() / 2.0.squareRoot(), accuracy: 1e-12,
            "σ_max of [[1, 30], [0, 1]]")
        XCTAssertEqual(byName["identity"]!.maxChangeFromW, 0)
        let transient = try XCTUnwrap(byName["non-normal, |λ| < 1"])
        XCTAssertGreaterThan(transient.peakNorm, 10)
        XCTAssertLessThan(transient.spectralRadius, 1)
        XCTAssertEqual(byName["one |λ| > 1"]!.norms.last!.norm, pow(1.2, 30.0), accuracy: 1e-9)
        XCTAssertEqual(r.statements.map(\.verdict), ["right", "right", "answers a different question", "wrong"])
        XCTAssertNotNil(r.statements[1].caveat, "statement 2 holds eventually; the transient growth is a caveat")
    }

    func testExtraMatrixIsAddedAsItsOwnCase() throws {
        let r = try regimesReport(n: 5, extra: Matrix([[0, 1], [-1, 0]]))
        XCTAssertEqual(r.cases.last?.name, "your matrix")
        XCTAssertEqual(r.cases.last?.norms.count, 6)
    }
}

final class RNNGradientReportTests: XCTestCase {
    func testSpectralRadiusAboveOneWithVanishingGradientAndPascanuBound() throws {
        let r = try rnnGradientReport(seed: 1, hidden: 8, steps: 40)
        XCTAssertEqual(r.cases.count, 4)
        let saturated = r.cases[0]
        XCTAssertGreaterThan(saturated.spectralRadius, 1)
        XCTAssertLessThan(saturated.points.last!.measured, 1e-10, "gradient vanishes although ρ(W) > 1")
        XCTAssertGreaterThan(saturated.points.last!.wPowerNorm, 1e5, "while ‖W^40‖ explodes")
        let sigmoid = r.cases[2]
        XCTAssertGreaterThan(sigmoid.spectralRadius, 1)
        XCTAssertTrue(sigmoid.pascanuConditionHolds)
        for c in r.cases {
            XCTAssertTrue(c.boundHolds, "‖∂h_T/∂h_k‖ ≤ (σ_max γ)^(T−k) must hold in \(c.name)")
            for p in c.points { XCTAssertLessThanOrEqual(p.measured, p.bound * (1 + 1e-10), "\(c.name), T−k = \(p.distance)") }
        }
        XCTAssertEqual(r.cases[3].sigmaMax, 0.9, accuracy: 1e-12)
    }

    func testJacobianProductMatchesFiniteDifferencesOfTheRun() throws {
        // ∂h_T/∂h_0 by the product formula equals a finite-difference Jacobian of the map
        // h_0 ↦ h_T with the same weights and inputs.
        let w = randomMatrix(3, seed: 61) * 1.2
        let steps = 6
        let c = try runCase(name: "fd", activation: .tanh, w: w, inputScale: 1, bias: 0.3, steps: steps, seed: 7)
        func finalState(_ h0: [Double]) -> [Double] {
            var rng = SeededGenerator(seed: 7 &+ 1000)
            let u = Matrix<Double>.randomNormal(3, 3, std: 1, using: &rng)
            var h = Matrix(column: h0)
            for _ in 0..<steps {
                let x = Matrix<Double>.randomNormal(3, 1, std: 1, using: &rng)
                h = (w * h + u * x + Matrix(rows: 3, cols: 1, repeating: 0.3)).map(tanh)
            }
            return h.storage
        }
        let eps = 1e-6
        var jacobian = Matrix<Double>(rows: 3, cols: 3)
        for j in 0..<3 {
            var plus = [0.0, 0, 0], minus = [0.0, 0, 0]
            plus[j] = eps; minus[j] = -eps
            let a = finalState(plus), b = finalState(minus)
            for i in 0..<3 { jacobian[i, j] = (a[i] - b[i]) / (2 * eps) }
        }
        XCTAssertEqual(twoNorm(jacobian), c.points.last!.measured, accuracy: 1e-8)
    }
}

final class MatrixTextTests: XCTestCase {
    func testInlineAndFileFormsParse() throws {
        XCTAssertEqual(try MatrixText.parseInline("0.58,0.24;0.24,0.72"), HomeworkClaims.matrix)
        XCTAssertEqual(try MatrixText.parseInline(" 1 2 ; 3,4 ;"), Matrix([[1, 2], [3, 4]]))
        let file = "# W\n\n1, 2   # first row\n3 4\n"
        XCTAssertEqual(try MatrixText.parseFile(contents: file, path: "w.txt"), Matrix([[1, 2], [3, 4]]))
    }

    func testErrorsNameTheRowAndTheValue() {
        func message(_ text: String) -> String {
            do { _ = try MatrixText.parseInline(text); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message(""), "--matrix: the matrix is empty; give rows such as \"0.58,0.24;0.24,0.72\"")
        XCTAssertEqual(message("1,2;3,x"), "--matrix: row 2, entry 2: 'x' is not a number")
        XCTAssertEqual(message("1,nan;3,4"), "--matrix: row 1, entry 2: 'nan' is not finite; entries must be finite numbers")
        XCTAssertEqual(message("1,2;3,1e999"), "--matrix: row 2, entry 2: '1e999' is not finite; entries must be finite numbers")
        XCTAssertEqual(message("1,2;3"), "--matrix: row 2 has 1 entries but row 1 has 2; every row needs the same number")
        XCTAssertEqual(message("1,2,3;4,5,6"), "--matrix: the matrix is 2×3 but must be square (as many rows as entries per row)")
        XCTAssertEqual(message("1,,2;3,4"), "--matrix: row 1, entry 2: missing value (two commas in a row, or a comma at the start or end)")
        XCTAssertEqual(message("1,2;;3,4"), "--matrix: row 2: the row is empty")
        XCTAssertThrowsError(try MatrixText.parseFile(contents: "1 2\n# c\n3 four\n", path: "w.txt")) { error in
            XCTAssertEqual("\(error)", "w.txt line 3: row 2, entry 2: 'four' is not a number")
        }
    }
}
