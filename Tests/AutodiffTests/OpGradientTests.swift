// Every op's vector-Jacobian product against central finite differences.
//
// For an op Y = f(X1, X2, …) the test differentiates the scalar ⟨R, Y⟩ with a fixed random
// cotangent R, so the whole pullback (not just its sum) is exercised.

import Autodiff
import GradCheck
import WorkbenchNumerics
import XCTest

final class OpGradientTests: XCTestCase {
    /// Builds ⟨R, op(inputs)⟩ on a tape, back-propagates, and checks every input's gradient.
    func assertPullbackMatchesFiniteDifferences(
        _ name: String, inputs: [Matrix<Double>], seed: UInt64 = 1,
        file: StaticString = #filePath, line: UInt = #line,
        _ op: ([Variable<Double>]) -> Variable<Double>
    ) {
        var rng = SeededGenerator(seed: seed)
        // The cotangent R has the output's shape; find it with one evaluation.
        let probe = Tape<Double>()
        let shape = op(inputs.map { probe.constant($0) }).value
        let cotangent = Matrix<Double>.random(shape.rows, shape.cols, using: &rng)
        func scalarLoss(_ tape: Tape<Double>, _ vars: [Variable<Double>]) -> Variable<Double> {
            (op(vars) * tape.constant(cotangent)).sum()
        }
        let tape = Tape<Double>()
        let vars = inputs.map { tape.variable($0) }
        let loss = scalarLoss(tape, vars)
        tape.backward(loss)
        let named = inputs.indices.map {
            NamedGradient(name: "\(name) ∂/∂X\($0 + 1)", parameter: inputs[$0], gradient: tape.gradient(of: vars[$0]))
        }
        let report = checkGradients(named, method: "autodiff", options: .finiteDifferencesStrict) { theta in
            let t = Tape<Double>()
            return scalarLoss(t, theta.map { t.constant($0) }).scalar
        }
        XCTAssertTrue(report.passed, "\n" + report.failureMessage, file: file, line: line)
    }

    var rng = SeededGenerator(seed: 11)
    func random(_ r: Int, _ c: Int, in range: ClosedRange<Double> = -1...1) -> Matrix<Double> {
        Matrix.random(r, c, in: range, using: &rng)
    }

    func testMatmulPullback() {
        assertPullbackMatchesFiniteDifferences("matmul", inputs: [random(3, 4), random(4, 2)]) { $0[0].matmul($0[1]) }
    }

    func testTransposeAndReshapePullbacks() {
        assertPullbackMatchesFiniteDifferences("transpose", inputs: [random(3, 4)]) { $0[0].transposed() }
        assertPullbackMatchesFiniteDifferences("reshape", inputs: [random(3, 4)]) { $0[0].reshaped(2, 6) }
    }

    func testArithmeticPullbacks() {
        assertPullbackMatchesFiniteDifferences("add", inputs: [random(2, 3), random(2, 3)]) { $0[0] + $0[1] }
        assertPullbackMatchesFiniteDifferences("sub", inputs: [random(2, 3), random(2, 3)]) { $0[0] - $0[1] }
        assertPullbackMatchesFiniteDifferences("mul", inputs: [random(2, 3), random(2, 3)]) { $0[0] * $0[1] }
        assertPullbackMatchesFiniteDifferences("scale", inputs: [random(2, 3)]) { $0[0].scaled(by: -2.5) }
        assertPullbackMatchesFiniteDifferences("same input twice", inputs: [random(2, 3)]) { $0[0] * $0[0] + $0[0] }
    }

    func testBiasBroadcastPullbacks() {
        assertPullbackMatchesFiniteDifferences("row bias", inputs: [random(4, 3), random(1, 3)]) { $0[0].addingRow($0[1]) }
        assertPullbackMatchesFiniteDifferences("column bias", inputs: [random(4, 3), random(4, 1)]) { $0[0].addingColumn($0[1]) }
    }

    func testElementwiseFunctionPullbacks() {
        assertPullbackMatchesFiniteDifferences("tanh", inputs: [random(3, 3, in: -2...2)]) { $0[0].tanh() }
        assertPullbackMatchesFiniteDifferences("sigmoid", inputs: [random(3, 3, in: -3...3)]) { $0[0].sigmoid() }
        assertPullbackMatchesFiniteDifferences("exp", inputs: [random(3, 3)]) { $0[0].exp() }
        assertPullbackMatchesFiniteDifferences("log", inputs: [random(3, 3, in: 0.5...2)]) { $0[0].log() }
        // relu away from its kink (|x| ≥ 0.1); the kink itself is tested in GradCheckTests.
        var x = random(3, 3)
        x = x.map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
        assertPullbackMatchesFiniteDifferences("relu", inputs: [x]) { $0[0].relu() }
    }

    func testReductionPullbacks() {
        assertPullbackMatchesFiniteDifferences("sum", inputs: [random(3, 4)]) { $0[0].sum() }
        assertPullbackMatchesFiniteDifferences("mean", inputs: [random(3, 4)]) { $0[0].mean() }
    }

    func testLossPullbacks() {
        let targets = [2, 0, 4]
        assertPullbackMatchesFiniteDifferences("softmax CE mean", inputs: [random(3, 5, in: -3...3)]) {
            $0[0].softmaxCrossEntropy(targets: targets)
        }
        assertPullbackMatchesFiniteDifferences("softmax CE sum", inputs: [random(3, 5, in: -3...3)]) {
            $0[0].softmaxCrossEntropy(targets: targets, reduction: .sum)
        }
        let y = random(3, 2)
        assertPullbackMatchesFiniteDifferences("squared error", inputs: [random(3, 2)]) { $0[0].squaredError(target: y) }
    }

    func testIndexingPullbacks() {
        assertPullbackMatchesFiniteDifferences("gather (repeated index)", inputs: [random(5, 3)]) { $0[0].gatherRows([4, 1, 4, 0]) }
        assertPullbackMatchesFiniteDifferences("columns", inputs: [random(3, 5)]) { $0[0].columns(1..<4) }
        assertPullbackMatchesFiniteDifferences("rows", inputs: [random(5, 3)]) { $0[0].rows(2..<4) }
        assertPullbackMatchesFiniteDifferences("concat columns", inputs: [random(3, 2), random(3, 3)]) {
            Variable.concatColumns([$0[0], $0[1]])
        }
        assertPullbackMatchesFiniteDifferences("concat rows", inputs: [random(2, 3), random(1, 3)]) {
            Variable.concatRows([$0[0], $0[1]])
        }
    }

    func testSoftmaxCrossEntropyValueMatchesDefinition() {
        let logits = Matrix<Double>([[1, 2, 3]])
        let tape = Tape<Double>()
        let loss = tape.constant(logits).softmaxCrossEntropy(targets: [0])
        let expected = -Double.log(Double.exp(1) / (Double.exp(1) + Double.exp(2) + Double.exp(3)))
        XCTAssertEqual(loss.scalar, expected, accuracy: 1e-14)
    }

    func testConstantsReceiveNoGradientAndBackwardResets() {
        let tape = Tape<Double>()
        let c = tape.constant(Matrix([[2.0]]))
        let x = tape.variable(Matrix([[3.0]]))
        let y = (c * x).sum()
        tape.backward(y)
        XCTAssertEqual(tape.gradient(of: x)[0, 0], 2)
        XCTAssertEqual(tape.gradient(of: c)[0, 0], 0)
        tape.backward(y)  // a second backward starts from zero, it does not double
        XCTAssertEqual(tape.gradient(of: x)[0, 0], 2)
    }

    func testDeepChainBackwardIsIterative() {
        // 20,000 sequential nodes: a recursive backward would overflow the stack.
        let tape = Tape<Double>()
        let x = tape.variable(Matrix([[0.5]]))
        var h = x
        for _ in 0..<10_000 { h = (h.scaled(by: 1.0001)).tanh() }
        tape.backward(h.sum())
        XCTAssertTrue(tape.gradient(of: x)[0, 0].isFinite)
    }

    func testFloatTapeAgreesWithDoubleTape() {
        let a = random(3, 4), b = random(4, 2)
        func grads<T: RealScalar>(_: T.Type) -> Matrix<Double> {
            let tape = Tape<T>()
            let va = tape.variable(a.converted()), vb = tape.variable(b.converted())
            tape.backward(va.matmul(vb).tanh().sum())
            return tape.gradient(of: va).converted()
        }
        XCTAssertLessThan((grads(Double.self) - grads(Float.self)).maxAbs(), 1e-5)
    }
}
