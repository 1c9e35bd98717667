// AutodiffAgreementTests.swift — the fast Float32 trainer's gradients against the autodiff
// engine: the same poem model built from tape ops in Double, on the same weights and batch,
// for every micro-kernel tile.

import Autodiff
import WorkbenchNumerics
import XCTest

@testable import Poetry

/// Loss and gradients (by parameter name) of the poem model, built from tape operations.
func autodiffPoemGradients(model: PoemModel, poems: [[Int32]]) -> (loss: Double, gradients: [String: Matrix<Double>]) {
    let c = model.config, layout = model.layout
    let H = c.hiddenSize, B = poems.count, T = poems[0].count - 1
    let tape = Tape<Double>()
    var vars: [String: Variable<Double>] = [:]
    for s in layout.slices {
        let rows = s.shape.count == 2 ? s.shape[0] : 1
        let cols = s.shape.count == 2 ? s.shape[1] : s.shape[0]
        vars[s.name] = tape.variable(Matrix(rows: rows, cols: cols, storage: model.parameters[s.range].map(Double.init)))
    }
    var h = [Variable<Double>](repeating: tape.constant(.zeros(B, H)), count: c.layers)
    var cell = h
    var logits: [Variable<Double>] = []
    var targets: [Int] = []
    for t in 0..<T {
        var x = vars[ParameterLayout.embeddingName]!.gatherRows(poems.map { Int($0[t]) })  // (B, E)
        for l in 0..<c.layers {
            let z =
                (x.matmul(vars["rnn_lstm.weight_ih_l\(l)"]!.transposed())
                + h[l].matmul(vars["rnn_lstm.weight_hh_l\(l)"]!.transposed()))
                .addingRow(vars["rnn_lstm.bias_ih_l\(l)"]!).addingRow(vars["rnn_lstm.bias_hh_l\(l)"]!)  // (B, 4H)
            let i = z.columns(0..<H).sigmoid(), f = z.columns(H..<(2 * H)).sigmoid()
            let g = z.columns((2 * H)..<(3 * H)).tanh(), o = z.columns((3 * H)..<(4 * H)).sigmoid()
            cell[l] = f * cell[l] + i * g
            h[l] = o * cell[l].tanh()
            x = h[l]
        }
        logits.append(x.matmul(vars["fc.weight"]!.transposed()).addingRow(vars["fc.bias"]!))  // (B, R)
        targets += poems.map { Int($0[t + 1]) }
    }
    let loss = Variable.concatRows(logits).softmaxCrossEntropy(targets: targets)
    tape.backward(loss)
    var grads: [String: Matrix<Double>] = [:]
    for (name, v) in vars { grads[name] = tape.gradient(of: v) }
    return (loss.scalar, grads)
}

final class AutodiffAgreementTests: XCTestCase {
    /// The fast trainer's loss and gradient, with every micro-kernel tile, against the tape's.
    func check(_ config: PoemModelConfig, batch: Int = 5, line: UInt = #line) {
        var rng = SeededGenerator(seed: 21)
        let poems: [[Int32]] = (0..<batch).map { _ in (0..<7).map { _ in Int32(rng.int(below: config.rows - 1)) } }
        let model = PoemModel(config: config, seed: 4)
        let reference = autodiffPoemGradients(model: model, poems: poems)
        for choice in KernelChoice.allCases {
            let network = PoemNetwork(layout: model.layout, threads: 2, kernels: choice)
            var gradient: [Float] = []
            let loss = network.lossAndGradient(
                parameters: model.parameters, batch: PoemBatch(poems: poems, padding: Int32(config.rows - 1)),
                gradient: &gradient)
            XCTAssertEqual(loss, reference.loss, accuracy: 1e-5 * reference.loss, "\(choice): loss", line: line)
            for s in model.layout.slices {
                let ad = reference.gradients[s.name]!.storage
                var worst = (index: 0, fast: 0.0, ad: 0.0, err: -1.0)
                for (k, i) in s.range.enumerated() {
                    let err = abs(Double(gradient[i]) - ad[k]) / (1e-5 + abs(ad[k]))
                    if err > worst.err { worst = (k, Double(gradient[i]), ad[k], err) }
                }
                let scale = ad.map(abs).max() ?? 0
                let absErr = abs(worst.fast - worst.ad)
                XCTAssertTrue(
                    worst.err < 1e-3 || absErr < 1e-5 * max(scale, 1e-3),
                    "\(choice): \(s.name)[\(worst.index)]: fast \(worst.fast) vs autodiff \(worst.ad)", line: line)
            }
        }
    }

    func testFastTrainerGradientsEqualAutodiffOnFusedKernels() {
        check(PoemModelConfig(rows: 29, embeddingDim: 10, hiddenSize: 32, layers: 2))
    }

    func testFastTrainerGradientsEqualAutodiffWithSeveralRowBlocks() {
        // 21 poems: row blocks of 8, 8 and 5 in every GEMM and fused step.
        check(PoemModelConfig(rows: 40, embeddingDim: 16, hiddenSize: 64, layers: 2), batch: 21)
    }

    func testFastTrainerGradientsEqualAutodiffOnFallbackKernels() {
        check(PoemModelConfig(rows: 11, embeddingDim: 3, hiddenSize: 6, layers: 2))
    }
}
