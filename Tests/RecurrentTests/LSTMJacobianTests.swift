// LSTMJacobianTests.swift — ∂C_t/∂C_k by forward-mode propagation (LSTMJacobian.swift
// (J1)–(J4)) against the backward pass's ∂L/∂c_k (B1) and against finite differences, and
// the homework's exercise 3(c): f = 1, i = 0 gives ∂C_t/∂C_k = I.

import WorkbenchNumerics
import XCTest

@testable import Recurrent

final class LSTMJacobianTests: XCTestCase {
    struct Setup {
        var layer: LSTMLayerParameters<Double>
        var inputs: [Matrix<Double>]
        var h0: Matrix<Double>
        var c0: Matrix<Double>
    }

    func setup(steps: Int = 7, hidden: Int = 5, seed: UInt64 = 3) -> Setup {
        var rng = SeededGenerator(seed: seed)
        let layer = LSTMLayerParameters<Double>.random(inputSize: 3, hiddenSize: hidden, using: &rng)
        let inputs = (0..<steps).map { _ in Matrix<Double>.randomNormal(1, 3, using: &rng) }
        return Setup(
            layer: layer, inputs: inputs, h0: .random(1, hidden, in: -1...1, using: &rng),
            c0: .random(1, hidden, in: -1...1, using: &rng))
    }

    func testForwardModeJacobiansJ1toJ4MatchBackwardCellGradientsB1() {
        let s = setup()
        let steps = s.inputs.count, hs = s.layer.hiddenSize
        let j = lstmCellStateJacobians(s.layer, inputs: s.inputs, h0: s.h0, c0: s.c0)
        // L = uᵀ C_T: the backward pass with ∂L/∂c_T = u gives ∂L/∂C_k = (∂C_T/∂C_k)ᵀ u.
        var rng = SeededGenerator(seed: 11)
        let u = Matrix<Double>.randomNormal(1, hs, using: &rng)
        let lstm = LSTM(layers: [s.layer])
        let initial = LSTMState(hidden: [s.h0], cell: [s.c0])
        let result = lstm.forward(s.inputs, initial: initial)
        var grads = lstm.zeroGradients()
        let back = lstm.backward(
            result, dOutputs: Array(repeating: .zeros(1, hs), count: steps),
            dFinal: LSTMState(hidden: [.zeros(1, hs)], cell: [u]), into: &grads, record: true)
        var worst = 0.0
        for k in 0...steps {
            let reverse = k == 0 ? back.dInitial.cell[0] : back.dCell![0][k - 1]
            let forward = matmul(u, .none, j.full[steps][k], .none)  // uᵀ J: (1, H)
            let e = (reverse - forward).maxAbs() / max(forward.maxAbs(), 1e-300)
            worst = max(worst, e)
        }
        XCTAssertLessThan(worst, 1e-12, "forward-mode ∂C_T/∂C_k disagrees with the backward pass by \(worst)")
    }

    func testSuiteAgreementRowUsesTheSameComparison() {
        XCTAssertLessThan(cellJacobianAgreement(steps: 9, hidden: 3, seed: 2), 1e-12)
    }

    func testForwardModeJacobianOfInitialCellMatchesFiniteDifferences() {
        let s = setup()
        let steps = s.inputs.count, hs = s.layer.hiddenSize
        let j = lstmCellStateJacobians(s.layer, inputs: s.inputs, h0: s.h0, c0: s.c0)
        let lstm = LSTM(layers: [s.layer])
        let eps = 1e-6
        var fd = Matrix<Double>.zeros(hs, hs)
        for m in 0..<hs {
            var plus = s.c0, minus = s.c0
            plus.storage[m] += eps
            minus.storage[m] -= eps
            let cp = lstm.forward(s.inputs, initial: LSTMState(hidden: [s.h0], cell: [plus])).final.cell[0]
            let cm = lstm.forward(s.inputs, initial: LSTMState(hidden: [s.h0], cell: [minus])).final.cell[0]
            for r in 0..<hs { fd[r, m] = (cp.storage[r] - cm.storage[r]) / (2 * eps) }
        }
        let e = (fd - j.full[steps][0]).maxAbs() / j.full[steps][0].maxAbs()
        XCTAssertLessThan(e, 1e-7, "∂C_T/∂C_0: forward mode vs finite differences differ by \(e)")
    }

    func testExercise3cForgetOneInputZeroGivesIdentityForEveryLag() throws {
        let r = try cellStateExperiment(forget: 1, input: 0, steps: 12, hidden: 6, seed: 5)
        XCTAssertEqual(r.rows.count, 13 * 14 / 2)
        XCTAssertLessThanOrEqual(r.maxDeviationFromIdentity, 1e-12)
        XCTAssertLessThanOrEqual(r.maxDeviationFromForgetProduct, 1e-12)
    }

    func testForcedForgetWithZeroInputIsExactlyThePowerOfF() throws {
        let r = try cellStateExperiment(forget: 0.8, input: 0, steps: 9, hidden: 4, seed: 2)
        XCTAssertLessThanOrEqual(r.maxDeviationFromForgetProduct, 1e-12)
        for row in r.rows {
            XCTAssertEqual(row.diagonalMean, Double.pow(0.8, Double(row.t - row.k)), accuracy: 1e-12)
            XCTAssertEqual(row.offDiagonalMaxAbs, 0)
        }
        // Away from f = 1 the Jacobian is not the identity.
        XCTAssertGreaterThan(r.maxDeviationFromIdentity, 0.5)
    }

    func testFreeGatesMakeTheJacobianDifferFromTheForgetProduct() throws {
        let r = try cellStateExperiment(forget: nil, input: nil, steps: 6, hidden: 4, seed: 1)
        XCTAssertGreaterThan(r.maxDeviationFromForgetProduct, 1e-3)
        let withInput = try XCTUnwrap(r.otherCases.first { $0.forget == 0.9 && $0.input == 0.5 })
        XCTAssertGreaterThan(withInput.maxDeviationFromForgetProduct, 1e-3)
    }

    func testJacobianExperimentRowsStartAtIdentityAndCoverEveryLag() throws {
        let r = try jacobianExperiment(steps: 10, hidden: 4, forgetBias: 1, seed: 4)
        XCTAssertEqual(r.rows.map(\.lag), Array(0...10))
        XCTAssertEqual(r.rows[0].differenceNorm, 0)
        XCTAssertEqual(r.rows[0].fullNorm, 2, accuracy: 1e-15)  // ‖I_4‖_F
        XCTAssertGreaterThan(r.rows.last!.relativeDifference, 1e-3)
    }

    func testExperimentsRejectBadSettingsWithTypedErrors() {
        XCTAssertThrowsError(try cellStateExperiment(forget: 1.5, input: 0)) { error in
            XCTAssertTrue("\(error)".contains("forget"), "\(error)")
        }
        XCTAssertThrowsError(try jacobianExperiment(steps: 0))
        XCTAssertThrowsError(try lagExperiment(hidden: 0))
        XCTAssertThrowsError(try gateRangeExperiment(trials: 0))
    }
}
