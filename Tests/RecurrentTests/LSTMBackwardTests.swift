// LSTMBackwardTests.swift — the hand-derived LSTM BPTT ((B1)–(B8) in LSTMCell.swift) against
// the autodiff tape (≤ 1e-10 relative) and central finite differences (≤ 1e-6 relative), in
// Double, for every named tensor including h_0 and c_0 of every layer. (The third way, PyTorch,
// is LSTMReferenceTests.swift.)

import GradCheck
import WorkbenchNumerics
import XCTest

@testable import Recurrent

/// The configurations every method is compared on: (layers, steps, random h0/c0, cross-entropy).
let lstmCheckConfigurations: [(Int, Int, Bool, Bool)] = [
    (1, 1, false, true), (1, 6, true, true), (2, 4, true, true), (2, 3, false, false), (2, 5, true, false),
]

func lstmProblem(_ c: (Int, Int, Bool, Bool), seed: UInt64 = 7) -> LSTMProblem<Double> {
    LSTMProblem<Double>.random(
        inputSize: 3, hiddenSize: 4, layers: c.0, outputs: 5, batch: 2, steps: c.1,
        nonzeroInitial: c.2, crossEntropy: c.3, seed: seed)
}

final class LSTMBackwardTests: XCTestCase {
    func testBackwardEquationsB1toB8MatchAutodiffToOneInTenBillion() {
        for config in lstmCheckConfigurations {
            let problem = lstmProblem(config)
            let hand = problem.handGradients()
            let auto = problem.autodiffGradients()
            XCTAssertEqual(Set(hand.gradients.keys), Set(problem.parameterNames))
            XCTAssertEqual(Set(auto.gradients.keys), Set(problem.parameterNames))
            XCTAssertLessThan(abs(hand.loss - auto.loss), 1e-13 * max(1, abs(auto.loss)))
            let names = problem.parameterNames
            let report = compareGradients(
                names: names, candidate: names.map { hand.gradients[$0]! },
                reference: names.map { auto.gradients[$0]! },
                methods: "hand vs autodiff", title: "LSTM \(config)", options: .exact)
            XCTAssertTrue(report.passed, report.failureMessage)
            XCTAssertLessThanOrEqual(report.maxRelativeError, GradCheckOptions.exactBound, report.table())
        }
    }

    func testBackwardEquationsB1toB8MatchFiniteDifferences() {
        for config in lstmCheckConfigurations {
            let problem = lstmProblem(config)
            let hand = problem.handGradients().gradients
            let names = problem.parameterNames
            let named = names.map { NamedGradient(name: $0, parameter: problem.tensor(named: $0)!, gradient: hand[$0]!) }
            let report = checkGradients(
                named, method: "hand-derived BPTT", title: "LSTM \(config)",
                options: lstmFiniteDifferenceOptions
            ) { theta in
                var p = problem
                for (k, name) in names.enumerated() { p.setTensor(named: name, to: theta[k]) }
                return p.lossValue()
            }
            XCTAssertTrue(report.passed, report.failureMessage)
            XCTAssertLessThanOrEqual(report.maxRelativeError, GradCheckOptions.finiteDifferenceBound, report.table())
        }
    }

    func testForcedGatesHaveNoDerivativeInBothHandAndAutodiff() {
        var problem = lstmProblem((2, 4, true, true))
        problem.override = LSTMGateOverride(input: 0.3, forget: 0.9)
        let hand = problem.handGradients(), auto = problem.autodiffGradients()
        let names = problem.parameterNames
        let report = compareGradients(
            names: names, candidate: names.map { hand.gradients[$0]! },
            reference: names.map { auto.gradients[$0]! },
            methods: "hand vs autodiff", title: "forced gates", options: .exact)
        XCTAssertTrue(report.passed, report.failureMessage)
        // Rows of the input and forget blocks (0..<2H) of weight_ih get no gradient.
        let gw = hand.gradients["weight_ih_l0"]!
        XCTAssertEqual(gw.rows(0..<8).maxAbs(), 0)
        XCTAssertGreaterThan(gw.rows(8..<16).maxAbs(), 0)
    }

    func testComparisonFailsWhenOneGradientEntryIsWrong() {
        let problem = lstmProblem((1, 3, true, true))
        let hand = problem.handGradients().gradients
        var auto = problem.autodiffGradients().gradients
        auto["weight_hh_l0"]!.storage[5] *= 1 + 1e-7
        let names = problem.parameterNames
        let report = compareGradients(
            names: names, candidate: names.map { hand[$0]! }, reference: names.map { auto[$0]! },
            methods: "hand vs autodiff", title: "perturbed", options: .exact)
        XCTAssertFalse(report.passed)
    }
}
