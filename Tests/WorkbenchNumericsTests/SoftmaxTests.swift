// SoftmaxTests.swift — the one softmax cross-entropy: values against the definition, the
// gradient against central differences, stability for large logits, and the relative
// differences used to compare methods.

import WorkbenchNumerics
import XCTest

final class SoftmaxTests: XCTestCase {
    func testValuesMatchTheDefinition() {
        let logits = Matrix<Double>([[1, 2, 3], [0.5, -1, 0]])
        let ce = SoftmaxCrossEntropy(logits: logits, targets: [0, 2])
        for (n, y) in [0, 2].enumerated() {
            let row = logits.row(n)
            let z = row.map { Double.exp($0) }.reduce(0, +)
            XCTAssertEqual(ce.rowLosses[n], -Double.log(Double.exp(row[y]) / z), accuracy: 1e-14)
            for v in 0..<3 { XCTAssertEqual(ce.probabilities[n, v], Double.exp(row[v]) / z, accuracy: 1e-15) }
        }
        XCTAssertEqual(ce.totalLoss, ce.rowLosses[0] + ce.rowLosses[1])
    }

    func testGradientMatchesCentralDifferencesAndAWrongOneDoesNot() {
        let logits = Matrix<Double>([[0.3, -1.2, 2.0, 0.1], [1.5, 0.2, -0.7, 0.4]])
        let targets = [2, 1]
        let g = SoftmaxCrossEntropy(logits: logits, targets: targets).logitGradient(scale: 0.5)
        var numeric = Matrix<Double>(rows: 2, cols: 4)
        let eps = 1e-6
        for e in 0..<logits.count {
            var plus = logits, minus = logits
            plus.storage[e] += eps
            minus.storage[e] -= eps
            numeric.storage[e] =
                0.5
                * (SoftmaxCrossEntropy(logits: plus, targets: targets).totalLoss
                    - SoftmaxCrossEntropy(logits: minus, targets: targets).totalLoss) / (2 * eps)
        }
        XCTAssertLessThan(g.relativeDifference(to: numeric), 1e-8)
        var wrong = g
        wrong[0, 2] += 1e-3
        XCTAssertGreaterThan(wrong.relativeDifference(to: numeric), 1e-4)
    }

    func testLargeLogitsStayFinite() {
        let ce = SoftmaxCrossEntropy(logits: Matrix<Float>([[1000, 0, -1000]]), targets: [1])
        XCTAssertEqual(ce.rowLosses[0], 1000, accuracy: 1e-3)
        XCTAssertTrue(ce.probabilities.isFinite)
    }

    func testRelativeDifference() {
        let a = Matrix<Double>([[1, -2]]), b = Matrix<Double>([[1, -2.5]])
        XCTAssertEqual(a.relativeDifference(to: b), 0.5 / 2.5)
        XCTAssertEqual(Matrix<Double>.zeros(2, 2).relativeDifference(to: .zeros(2, 2)), 0)
        XCTAssertTrue(Matrix<Double>([[.nan]]).relativeDifference(to: Matrix([[1]])).isNaN)
        XCTAssertEqual(relativeDifference(3.0, 4.0), 0.25)
        XCTAssertEqual(relativeDifference(0.0, 0.0), 0)
        XCTAssertTrue(relativeDifference(Double.nan, 1).isNaN)
    }
}
