// LSTMPrecisionTests.swift — the LSTM is generic over RealScalar: the same network in Float
// agrees with the Double one to Float precision (forward, loss, every hand-derived gradient).

import WorkbenchNumerics
import XCTest

@testable import Recurrent

final class LSTMPrecisionTests: XCTestCase {
    func converted(_ p: LSTMProblem<Double>) -> LSTMProblem<Float> {
        let layers = p.lstm.layers.map {
            LSTMLayerParameters<Float>(
                weightIH: $0.weightIH.converted(), weightHH: $0.weightHH.converted(),
                biasIH: $0.biasIH.converted(), biasHH: $0.biasHH.converted())
        }
        return LSTMProblem<Float>(
            lstm: LSTM(layers: layers), fcWeight: p.fcWeight.converted(), fcBias: p.fcBias.converted(),
            initial: LSTMState(hidden: p.initial.hidden.map { $0.converted() }, cell: p.initial.cell.map { $0.converted() }),
            inputs: p.inputs.map { $0.converted() }, loss: p.loss)
    }

    func testFloatLSTMMatchesDoubleToFloatPrecision() {
        for crossEntropy in [true, false] {
            let double = LSTMProblem<Double>.random(
                inputSize: 3, hiddenSize: 5, layers: 2, outputs: 4, batch: 3, steps: 6,
                nonzeroInitial: true, crossEntropy: crossEntropy, seed: 12)
            let float = converted(double)
            let d = double.handGradients(), f = float.handGradients()
            XCTAssertEqual(Double(f.loss), d.loss, accuracy: 1e-5 * abs(d.loss))
            for name in double.parameterNames {
                let a = f.gradients[name]!.converted(to: Double.self), b = d.gradients[name]!
                let e = (a - b).maxAbs() / b.maxAbs()
                XCTAssertLessThan(e, 1e-4, "\(name): Float vs Double relative difference \(e)")
            }
        }
    }
}
