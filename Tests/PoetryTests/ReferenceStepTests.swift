// ReferenceStepTests.swift — the readable reference step against the fast batched forward pass
// of PoemEngine, on the same weights: their cross-entropies agree poem by poem.

import WorkbenchNumerics
import XCTest

@testable import Poetry

final class ReferenceStepTests: XCTestCase {
    /// Mean cross-entropy of `poems` by the reference step: each poem fed from the zero state,
    /// −log softmax(logits after x_0…x_t)[x_{t+1}] summed over every poem and position, divided
    /// by the number of positions.
    func referenceCrossEntropy(_ step: PoemReferenceStep, _ poems: [[Int32]]) -> Double {
        var total = 0.0, count = 0
        for poem in poems {
            let logits = step.logits(feeding: poem.dropLast().map(Int.init))
            for (t, z) in logits.enumerated() {
                total -= PoemSampler.logSoftmax(z)[Int(poem[t + 1])]
                count += 1
            }
        }
        return total / Double(count)
    }

    /// The same by `PoemNetwork.forward` on one padded batch.
    func fastCrossEntropy(_ model: PoemModel, _ poems: [[Int32]]) -> Double {
        let network = PoemNetwork(layout: model.layout, threads: 1)
        let batch = PoemBatch(poems: poems, padding: Int32(model.config.rows - 1))
        return model.parameters.withUnsafeBufferPointer { network.forward(parameters: $0.baseAddress!, batch: batch) }
    }

    func randomPoems(_ config: PoemModelConfig, count: Int, seed: UInt64) -> [[Int32]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in (0..<(3 + rng.int(below: 7))).map { _ in Int32(rng.int(below: config.rows - 1)) } }
    }

    static let shapes = [
        PoemModelConfig(rows: 23, embeddingDim: 10, hiddenSize: 16, layers: 2),  // H % 8 = 0: the fused step kernels
        PoemModelConfig(rows: 37, embeddingDim: 7, hiddenSize: 12, layers: 1),  // the general path, one layer
        PoemModelConfig(rows: 19, embeddingDim: 5, hiddenSize: 8, layers: 3),  // three layers
    ]

    func testReferenceStepMatchesTheFastForwardPass() {
        for config in Self.shapes {
            let model = PoemModel(config: config, seed: 4)
            let step = PoemReferenceStep(model: model)
            let poems = randomPoems(config, count: 6, seed: 8)
            var worst = 0.0
            for poem in poems {
                let fast = fastCrossEntropy(model, [poem]), reference = referenceCrossEntropy(step, [poem])
                worst = max(worst, abs(fast - reference) / reference)
            }
            XCTAssertLessThan(worst, 1e-5, "\(config): worst relative difference of a poem's cross-entropy")
            let fast = fastCrossEntropy(model, poems), reference = referenceCrossEntropy(step, poems)
            XCTAssertEqual(fast, reference, accuracy: 1e-5 * reference, "\(config): padded batch")
        }
    }

    /// The comparison above can fail: the reference step on weights whose input and forget
    /// gate blocks are swapped (the mistake of a wrong gate order) disagrees with the fast pass.
    /// The weights are scaled up so that the gates are far from ½ and differ from each other.
    func testTheComparisonCatchesAWrongGateOrder() {
        let config = Self.shapes[0]
        var model = PoemModel(config: config, seed: 4)
        model.parameters = model.parameters.map { 4 * $0 }
        var swapped = model
        let H = config.hiddenSize
        for l in 0..<config.layers {
            for name in ["rnn_lstm.weight_ih_l\(l)", "rnn_lstm.weight_hh_l\(l)", "rnn_lstm.bias_ih_l\(l)", "rnn_lstm.bias_hh_l\(l)"] {
                let s = model.layout[name]
                let cols = s.shape.count == 2 ? s.shape[1] : 1
                for k in 0..<(H * cols) {
                    swapped.parameters.swapAt(s.offset + k, s.offset + H * cols + k)
                }
            }
        }
        let poems = randomPoems(config, count: 6, seed: 8)
        let fast = fastCrossEntropy(model, poems)
        XCTAssertEqual(referenceCrossEntropy(PoemReferenceStep(model: model), poems), fast, accuracy: 1e-5 * fast)
        let wrong = referenceCrossEntropy(PoemReferenceStep(model: swapped), poems)
        XCTAssertGreaterThan(abs(fast - wrong) / fast, 1e-2, "swapped gates went unnoticed")
    }

    /// The state is carried: feeding a poem step by step equals `logits(feeding:)`, and a step
    /// from a fresh state differs from the same step later in the poem.
    func testStateIsCarriedBetweenSteps() {
        let model = PoemModel(config: Self.shapes[0], seed: 4)
        let step = PoemReferenceStep(model: model)
        var state = step.initialState()
        let tokens = [3, 5, 5, 1]
        let stepped = tokens.map { step($0, &state) }
        XCTAssertEqual(stepped, step.logits(feeding: tokens))
        XCTAssertNotEqual(stepped[1], stepped[2], "the same token gave the same logits at two positions")
    }
}
