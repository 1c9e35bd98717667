import GradCheck
import WorkbenchNumerics
import XCTest

/// Finite-difference noise may leave an entry unresolved, but it must never let a wrong gradient
/// pass, and it must never look like a kink.
final class NoiseLimitTests: XCTestCase {
    /// L(x) = offset + ½‖x‖² + Σ x³/3, gradient x + x².
    func loss(offset: Double) -> ([Matrix<Double>]) -> Double {
        { th in th[0].storage.reduce(offset) { $0 + 0.5 * $1 * $1 + $1 * $1 * $1 / 3 } }
    }
    let x = Matrix<Double>([[0.3, -1.2], [2.0, 0.7]])
    var g: Matrix<Double> { x.map { $0 + $0 * $0 } }

    func testNoiseNeverExcusesAWrongGradient() {
        // At ε = 1e-12 the rounding noise of the differences is as large as the gradient's entries.
        var o = GradCheckOptions.finiteDifferencesStrict
        o.epsilon = 1e-12
        for stencil in Stencil.allCases {
            o.stencil = stencil
            for (factor, offset) in [(1.005, 100.0), (1.0001, 3.0)] {
                let r = checkGradients(
                    [NamedGradient(name: "x", parameter: x, gradient: g * factor)], method: "wrong", options: o,
                    loss: loss(offset: offset))
                XCTAssertFalse(r.passed, "×\(factor), \(stencil): \(r.table())")
            }
        }
    }

    func testRoundingNoiseIsNotAKink() {
        var o = GradCheckOptions.finiteDifferencesStrict
        o.epsilon = 1e-12
        let r = checkGradients(
            [NamedGradient(name: "x", parameter: x, gradient: g)], method: "right", options: o, loss: loss(offset: 100))
        XCTAssertEqual(r.parameters[0].kinks.count, 0, r.table())
        // A directional derivative 0.1% off must not pass as a "subgradient" of a smooth cubic.
        let d = directionalCheck(
            [NamedGradient(name: "x", parameter: x, gradient: g * 1.001)], method: "wrong", count: 2, options: o,
            loss: loss(offset: 3))
        XCTAssertTrue(d.directions.allSatisfy { $0.kink == nil }, d.table())
        XCTAssertEqual(d.verdict, .fail, d.table())
    }
}
