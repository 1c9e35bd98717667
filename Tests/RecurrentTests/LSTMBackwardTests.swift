// LSTMBackwardTests.swift — the hand-derived LSTM BPTT (LSTMCell.swift (B1)–(B8)) against
// central finite differences in Double.

import XCTest
import Numerics
@testable import Recurrent

/// Central differences of `problem.lossValue()` for every entry of every named tensor.
func finiteDifferenceGradients(_ problem: LSTMProblem<Double>, step: Double = 1e-5) -> [String: Matrix<Double>] {
    var out: [String: Matrix<Double>] = [:]
    for name in problem.parameterNames {
        let base = problem.tensor(named: name)!
        var grad = Matrix<Double>.zeros(base.rows, base.cols)
        var p = problem
        for n in 0..<base.count {
            var plus = base, minus = base
            plus.storage[n] += step
            minus.storage[n] -= step
            p.setTensor(named: name, to: plus)
            let lp = p.lossValue()
            p.setTensor(named: name, to: minus)
            let lm = p.lossValue()
            grad.storage[n] = (lp - lm) / (2 * step)
        }
        out[name] = grad
    }
    return out
}

/// max |a − b| / max(1e-8, max |b|) per tensor, and the worst name.
func worstRelativeDifference(_ a: [String: Matrix<Double>], _ b: [String: Matrix<Double>])
    -> (worst: Double, name: String, perTensor: [String: Double]) {
    var per: [String: Double] = [:]
    var worst = 0.0, worstName = ""
    for (name, x) in a {
        guard let y = b[name] else { return (.infinity, name, per) }
        let scale = max(1e-8, y.maxAbs(), x.maxAbs())
        let e = (x - y).maxAbs() / scale
        per[name] = e
        if e > worst || worstName.isEmpty { worst = e; worstName = name }
    }
    return (worst, worstName, per)
}

final class LSTMBackwardTests: XCTestCase {
    func testBackwardEquationsB1toB8MatchFiniteDifferences() {
        for (layers, steps, nonzero, ce) in [(1, 1, false, true), (2, 4, true, true), (2, 3, true, false)] {
            let problem = LSTMProblem<Double>.random(inputSize: 3, hiddenSize: 4, layers: layers, outputs: 5,
                                                     batch: 2, steps: steps, nonzeroInitial: nonzero, crossEntropy: ce, seed: 7)
            let hand = problem.handGradients().gradients
            let fd = finiteDifferenceGradients(problem)
            XCTAssertEqual(Set(hand.keys), Set(problem.parameterNames))
            let r = worstRelativeDifference(hand, fd)
            XCTAssertLessThan(r.worst, 1e-6, "layers \(layers) T \(steps): worst \(r.name) \(r.perTensor)")
        }
    }
}
