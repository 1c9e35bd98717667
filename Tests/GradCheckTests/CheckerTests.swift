import Autodiff
import GradCheck
import WorkbenchNumerics
import XCTest

final class CheckerTests: XCTestCase {
    /// L(x) = Σ sin-free smooth function: ½‖x‖² + Σ x³ / 3, gradient x + x².
    func smoothLoss(_ theta: [Matrix<Double>]) -> Double {
        theta[0].storage.reduce(0) { $0 + $1 * $1 / 2 + $1 * $1 * $1 / 3 }
    }

    func testCorrectGradientPasses() {
        let x = Matrix<Double>([[0.3, -1.2], [2.0, 0.7]])
        let g = x.map { $0 + $0 * $0 }
        let report = checkGradients(
            [NamedGradient(name: "x", parameter: x, gradient: g)], method: "analytic",
            options: .finiteDifferencesStrict, loss: smoothLoss)
        XCTAssertTrue(report.passed, report.failureMessage)
        XCTAssertLessThan(report.maxRelativeError, GradCheckOptions.finiteDifferenceBound)
    }

    func testWrongGradientFailsAndNamesWorstEntry() {
        let x = Matrix<Double>([[0.3, -1.2], [2.0, 0.7]])
        var g = x.map { $0 + $0 * $0 }
        g[1, 0] *= 1.01  // a 1% error in one entry
        let report = checkGradients([NamedGradient(name: "∂L/∂x", parameter: x, gradient: g)], method: "analytic", loss: smoothLoss)
        XCTAssertFalse(report.passed)
        let p = report.parameters[0]
        XCTAssertEqual(p.failingEntries, 1)
        XCTAssertEqual(p.worstEntries.first?.row, 1)
        XCTAssertEqual(p.worstEntries.first?.column, 0)
        XCTAssertTrue(report.failureMessage.contains("∂L/∂x"))
        XCTAssertTrue(report.failureMessage.contains("worst (2,1)"), "entries printed from 1")
        XCTAssertFalse(report.failureMessage.contains("\n"), "one line per failing parameter, no matrix dump")
    }

    func testReluKinkIsReportedAsNonDifferentiablePointNotFailure() {
        // L(x) = Σ relu(x) at x containing an exact 0: one-sided slopes 0 and 1 there.
        let x = Matrix<Double>([[0.0, 0.5, -0.5]])
        let loss: ([Matrix<Double>]) -> Double = { th in
            let tape = Tape<Double>()
            return tape.constant(th[0]).relu().sum().scalar
        }
        let tape = Tape<Double>()
        let v = tape.variable(x)
        tape.backward(v.relu().sum())
        let g = tape.gradient(of: v)
        XCTAssertEqual(g[0, 0], 0)  // the subgradient autodiff picks at 0
        let report = checkGradients([NamedGradient(name: "x", parameter: x, gradient: g)], method: "autodiff", loss: loss)
        XCTAssertTrue(report.passed, report.failureMessage)
        let kinks = report.parameters[0].kinks
        XCTAssertEqual(kinks.count, 1)
        XCTAssertEqual(kinks[0].leftDifference, 0, accuracy: 1e-9)
        XCTAssertEqual(kinks[0].rightDifference, 1, accuracy: 1e-9)
        XCTAssertTrue(kinks[0].isSubgradient)
        XCTAssertTrue(report.table().contains("non-differentiable"))

        // A value outside [0, 1] at the kink is not a subgradient: it must fail.
        var bad = g
        bad[0, 0] = 1.5
        let badReport = checkGradients([NamedGradient(name: "x", parameter: x, gradient: bad)], method: "wrong", loss: loss)
        XCTAssertFalse(badReport.passed)
        XCTAssertEqual(badReport.parameters[0].kinks.first?.isSubgradient, false)
    }

    func testMaxTieIsAKink() {
        // L(a, b) = max(a, b) at a = b: one-sided derivatives in a are 0 and 1.
        let x = Matrix<Double>([[1.0, 1.0]])
        let loss: ([Matrix<Double>]) -> Double = { th in max(th[0][0, 0], th[0][0, 1]) }
        let report = checkGradients(
            [NamedGradient(name: "x", parameter: x, gradient: Matrix([[0.5, 0.5]]))], method: "subgradient", loss: loss)
        XCTAssertTrue(report.passed, report.failureMessage)
        XCTAssertEqual(report.parameters[0].kinks.count, 2)
    }

    func testDirectionalCheckPassesAndCatchesWrongGradient() {
        var rng = SeededGenerator(seed: 5)
        let x = Matrix<Double>.random(10, 10, using: &rng)
        let g = x.map { $0 + $0 * $0 }
        let good = directionalCheck([NamedGradient(name: "x", parameter: x, gradient: g)], method: "analytic", count: 4, loss: smoothLoss)
        XCTAssertEqual(good.verdict, .pass)
        XCTAssertLessThan(good.maxRelativeError, GradCheckOptions.finiteDifferenceBound)
        let wrong = directionalCheck(
            [NamedGradient(name: "x", parameter: x, gradient: g * 1.05)], method: "analytic", count: 4, loss: smoothLoss)
        XCTAssertEqual(wrong.verdict, .fail)
    }

    func testDirectionalCheckHandlesAReluKinkLikeTheEntryWiseCheck() {
        // L(x) = Σ relu(x) with x₀ = 0 exactly: along any direction v with v₀ ≠ 0 the loss has a
        // kink at θ, and the strict stencil's value mixes the two slopes. Autodiff's gradient
        // (relu′(0) = 0) is a valid subgradient and must pass, in every direction.
        let x = Matrix<Double>([[0.0, 0.5, -0.5, 1.5]])
        let loss: ([Matrix<Double>]) -> Double = { th in th[0].storage.reduce(0) { $0 + max($1, 0) } }
        let g = Matrix<Double>([[0.0, 1.0, 0.0, 1.0]])
        let good = directionalCheck(
            [NamedGradient(name: "x", parameter: x, gradient: g)], method: "autodiff", count: 5,
            options: .finiteDifferencesStrict, loss: loss)
        XCTAssertEqual(good.verdict, .pass, good.table())
        XCTAssertEqual(good.directions.filter { $0.kink != nil }.count, 5)
        XCTAssertTrue(good.table().contains("kink"))
        // The entry-wise check agrees on the same gradient.
        XCTAssertTrue(
            checkGradients(
                [NamedGradient(name: "x", parameter: x, gradient: g)], method: "autodiff",
                options: .finiteDifferencesStrict, loss: loss
            ).passed)

        // Mutations through the same path: a value outside [0, 1] at the kink, and a wrong entry
        // where L is smooth, both fail.
        for wrong in [Matrix<Double>([[1.5, 1.0, 0.0, 1.0]]), Matrix<Double>([[0.0, 1.0, 0.0, 1.2]])] {
            let report = directionalCheck(
                [NamedGradient(name: "x", parameter: x, gradient: wrong)], method: "wrong", count: 5,
                options: .finiteDifferencesStrict, loss: loss)
            XCTAssertEqual(report.verdict, .fail, report.table())
        }

        // Away from the kink no direction is reported as one.
        let smooth = directionalCheck(
            [NamedGradient(name: "x", parameter: x.map { $0 + 0.25 }, gradient: Matrix([[1.0, 1.0, 0.0, 1.0]]))],
            method: "analytic", count: 5, options: .finiteDifferencesStrict, loss: loss)
        XCTAssertEqual(smooth.verdict, .pass, smooth.table())
        XCTAssertTrue(smooth.directions.allSatisfy { $0.kink == nil })
    }

    func testExactComparisonIsStrict() {
        let a = Matrix<Double>([[1, 2], [3, 4]])
        XCTAssertEqual(compare(name: "a", candidate: a, reference: a, methods: "x vs y").verdict, .pass)
        var b = a
        b[0, 1] += 1e-8
        XCTAssertEqual(compare(name: "a", candidate: b, reference: a, methods: "x vs y").verdict, .fail)
        XCTAssertEqual(compare(name: "a", candidate: b, reference: a, methods: "x vs y", expectFailure: true).verdict, .caught)
        XCTAssertEqual(compare(name: "a", candidate: a, reference: a, methods: "x vs y", expectFailure: true).verdict, .missed)
    }

    func testReportEncodesAsJSON() throws {
        let a = Matrix<Double>([[1, .nan]])
        let report = compareGradients(names: ["a"], candidate: [a], reference: [Matrix([[1, 2]])], methods: "x vs y", title: "t")
        XCTAssertEqual(report.verdict, .fail)
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = try encoder.encode(report)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: data))
    }
}

final class StencilTests: XCTestCase {
    func testVectorStencilGivesEachComponentTheScalarValue() {
        // Components: smooth, a kink at 0 (fallback), a kink between ε and 2ε, a cubic.
        let eps = 1e-4
        let fs: [(Double) -> Double] = [
            { sin(1 + $0) }, { max($0, 0) + 0.3 * $0 }, { 0.01 * $0 + 1e-6 * max($0 - 1.5e-4, 0) }, { $0 * $0 * $0 + 2 * $0 },
        ]
        let vector = Stencil.fourthOrder.derivatives(epsilon: eps) { s in fs.map { $0(s) } }
        for (n, f) in fs.enumerated() {
            XCTAssertEqual(vector[n], Stencil.fourthOrder.derivative(epsilon: eps, at: f), "component \(n)")
        }
    }

    func testASmallKinkBetweenEpsilonAndTwoEpsilonIsNotAveragedIn() {
        // f(s) = 0.01 s + 1e-6·max(s − 1.5ε, 0): f′(0) = 0.01 exactly. The fourth-order stencil
        // straddles the kink and is off by ~4e-8, under an absolute threshold of 1e-7; the
        // threshold now sits at rounding level, so the narrower window is used.
        let eps = 1e-4
        let f: (Double) -> Double = { 0.01 * $0 + 1e-6 * max($0 - 1.5 * eps, 0) }
        let naive = (-f(2 * eps) + 8 * f(eps) - 8 * f(-eps) + f(-2 * eps)) / (12 * eps)
        XCTAssertGreaterThan(abs(naive - 0.01), 1e-8, "the plain fourth-order value is contaminated")
        XCTAssertEqual(Stencil.fourthOrder.derivative(epsilon: eps, at: f), 0.01, accuracy: 1e-11)
    }
}

final class LadderTests: XCTestCase {
    /// L(x) = x + Σ_k c_k relu(x − b_k) with breakpoints b_k between 0.6ε and 1.7ε of x = 0 (as
    /// when relu units of a long sequence switch inside the stencil's window): L′(0) = 1 + the c_k
    /// of breakpoints below 0. The difference at ε straddles them; the ladder's smaller steps do not.
    func testAStepLadderResolvesKinksInsideTheWindowAndStillCatchesAWrongGradient() {
        let eps = 1e-4
        let kinks: [(b: Double, c: Double)] = [(0.6 * eps, 3e-4), (-0.7 * eps, -2e-4), (1.3 * eps, 5e-4), (-1.7 * eps, 4e-4)]
        let loss: ([Matrix<Double>]) -> Double = { th in
            let x = th[0][0, 0]
            return x + kinks.reduce(0) { $0 + $1.c * max(x - $1.b, 0) }
        }
        let derivative = 1 + kinks.filter { $0.b < 0 }.reduce(0) { $0 + $1.c }
        var options = GradCheckOptions(epsilon: eps, stencil: .central)
        options.maxRelativeError = GradCheckOptions.finiteDifferenceBound
        let x = Matrix<Double>([[0.0]])
        func check(_ g: Double) -> GradientCheckReport {
            var probe = FiniteDifferenceProbe(parameters: [x], options: options, loss: loss)
            XCTAssertGreaterThan(abs(probe.entries[0][0].numeric - derivative), 1e-5, "the step ε straddles the breakpoints")
            probe.estimateError(for: [[Matrix([[g]])]], parameters: [x], loss: loss)
            return checkGradients([NamedGradient(name: "x", parameter: x, gradient: Matrix([[g]]))], against: probe, method: "m")
        }
        let right = check(derivative)
        XCTAssertTrue(right.passed, right.table())
        XCTAssertEqual(right.parameters[0].unresolvedEntries, 0, "resolved, not excused")
        XCTAssertLessThan(right.maxRelativeError, 1e-9)
        XCTAssertFalse(check(derivative * (1 + 1e-5)).passed, "a gradient 1e-5 off still fails")
    }
}
