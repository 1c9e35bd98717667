// LSTMExperimentTests.swift — the gate-range and gradient-lag experiments: sigmoid gates stay
// in (0, 1), g, C and h take both signs; the LSTM's gradient decays more slowly as the
// forget-gate bias grows, and the vanilla RNNs' decay fastest.

import WorkbenchNumerics
import XCTest

@testable import Recurrent

final class LSTMExperimentTests: XCTestCase {
    func testSigmoidGatesArePositiveAndCandidateCellAndHiddenTakeBothSigns() throws {
        let r = try gateRangeExperiment(trials: 40, steps: 15, hidden: 6, seed: 9)
        XCTAssertEqual(r.quantities.count, 6)
        for q in r.quantities.prefix(3) {
            XCTAssertTrue(q.alwaysPositive)
            XCTAssertGreaterThan(q.observedMin, 0, q.name)
            XCTAssertLessThanOrEqual(q.observedMax, 1, q.name)
        }
        for q in r.quantities.suffix(3) {
            XCTAssertFalse(q.alwaysPositive)
            XCTAssertTrue(q.observedNegative, "\(q.name) never negative: min \(q.observedMin)")
        }
        let g = r.quantities[3], c = r.quantities[4], h = r.quantities[5]
        XCTAssertGreaterThanOrEqual(g.observedMin, -1)
        XCTAssertGreaterThan(max(-c.observedMin, c.observedMax), 1, "C should leave (−1, 1)")
        XCTAssertLessThan(max(-h.observedMin, h.observedMax), 1)
    }

    func testLagDecayRatesOrderSigmoidTanhAndForgetBias() throws {
        let r = try lagExperiment(steps: 30, hidden: 16, batch: 4, seed: 1)
        XCTAssertEqual(r.models.map(\.name), ["tanh RNN", "sigmoid RNN", "LSTM b_f=0", "LSTM b_f=1", "LSTM b_f=3"])
        let rate = Dictionary(uniqueKeysWithValues: r.models.map { ($0.name, $0.decayRate) })
        XCTAssertLessThan(rate["sigmoid RNN"]!, rate["tanh RNN"]!)
        XCTAssertLessThan(rate["LSTM b_f=0"]!, rate["LSTM b_f=1"]!)
        XCTAssertLessThan(rate["LSTM b_f=1"]!, rate["LSTM b_f=3"]!)
        for m in r.models {
            XCTAssertEqual(m.norms.count, 31)
            XCTAssertTrue(m.norms.allSatisfy { $0.isFinite && $0 > 0 }, m.name)
            // The rate is the geometric mean of the step ratios.
            XCTAssertEqual(m.decayRate, Double.pow(m.norms[0] / m.norms[30], 1.0 / 30), accuracy: 1e-12)
        }
        let forget = r.models.compactMap(\.meanForget)
        XCTAssertEqual(forget.count, 3)
        XCTAssertLessThan(forget[0], forget[1])
        XCTAssertGreaterThan(forget[2], 0.9)  // σ(3) ≈ 0.95 before the weights' spread
    }

    func testLagExperimentIsReproducibleFromItsSeed() throws {
        let a = try lagExperiment(steps: 10, hidden: 8, batch: 2, seed: 42)
        let b = try lagExperiment(steps: 10, hidden: 8, batch: 2, seed: 42)
        XCTAssertEqual(a.models.map(\.norms), b.models.map(\.norms))
    }
}
