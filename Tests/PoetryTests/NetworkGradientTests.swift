// NetworkGradientTests.swift — the fast Float32 trainer's gradients against finite
// differences of an independent Double forward pass; the vector exp/sigmoid/tanh;
// bit-identical results for every thread count (the GEMM tiles: KernelTests.swift).

import WorkbenchNumerics
import XCTest

@testable import Poetry

/// The poem model's loss in Double, written as plainly as possible (an independent reference).
func referenceLoss(_ theta: [Double], layout: ParameterLayout, poems: [[Int32]]) -> Double {
    let c = layout.config
    let H = c.hiddenSize, E = c.embeddingDim, R = c.rows
    func sig(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
    var total = 0.0, count = 0
    for poem in poems {
        var hs = [[Double]](repeating: [Double](repeating: 0, count: H), count: c.layers)
        var cs = hs
        for t in 0..<(poem.count - 1) {
            let e = layout.embedding.offset + Int(poem[t]) * E
            var x = Array(theta[e..<(e + E)])
            for l in 0..<c.layers {
                let n = x.count
                let wih = layout.weightIH(l).offset, whh = layout.weightHH(l).offset
                let bih = layout.biasIH(l).offset, bhh = layout.biasHH(l).offset
                var z = [Double](repeating: 0, count: 4 * H)
                for g in 0..<(4 * H) {
                    var s = theta[bih + g] + theta[bhh + g]
                    for k in 0..<n { s += theta[wih + g * n + k] * x[k] }
                    for k in 0..<H { s += theta[whh + g * H + k] * hs[l][k] }
                    z[g] = s
                }
                for j in 0..<H {
                    let i = sig(z[j]), f = sig(z[H + j]), g = Foundation.tanh(z[2 * H + j]), o = sig(z[3 * H + j])
                    cs[l][j] = f * cs[l][j] + i * g
                    hs[l][j] = o * Foundation.tanh(cs[l][j])
                }
                x = hs[l]
            }
            var logits = [Double](repeating: 0, count: R)
            for r in 0..<R {
                var s = theta[layout.fcBias.offset + r]
                for k in 0..<H { s += theta[layout.fcWeight.offset + r * H + k] * x[k] }
                logits[r] = s
            }
            let m = logits.max()!
            let lse = m + Foundation.log(logits.reduce(0) { $0 + Foundation.exp($1 - m) })
            total += lse - logits[Int(poem[t + 1])]
            count += 1
        }
    }
    return total / Double(count)
}

final class NetworkGradientTests: XCTestCase {
    func tinyPoems(rows: Int, count: Int, seed: UInt64) -> [[Int32]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let len = 3 + rng.int(below: 5)
            return (0..<len).map { _ in Int32(rng.int(below: rows - 1)) }
        }
    }

    func checkGradient(config: PoemModelConfig, samples: Int, line: UInt = #line) {
        let model = PoemModel(config: config, seed: 11)
        let poems = tinyPoems(rows: config.rows, count: 3, seed: 5)  // unequal lengths: padding is exercised
        let batch = PoemBatch(poems: poems, padding: Int32(config.rows - 1))
        let (loss, grad) = PoemTrainer.lossAndGradient(model: model, batch: batch)
        let theta = model.parameters.map(Double.init)
        let refLoss = referenceLoss(theta, layout: model.layout, poems: poems)
        XCTAssertEqual(loss, refLoss, accuracy: 2e-5 * max(1, abs(refLoss)), "loss", line: line)
        var rng = SeededGenerator(seed: 99)
        var worst = (index: -1, fast: 0.0, fd: 0.0, err: 0.0)
        // Every parameter of every tensor gets at least a few probes.
        var probes: [Int] = []
        for s in model.layout.slices {
            for _ in 0..<max(3, samples * s.count / model.layout.count) { probes.append(s.offset + rng.int(below: s.count)) }
        }
        for i in probes {
            var tp = theta, tm = theta
            let h = 1e-5
            tp[i] += h; tm[i] -= h
            let fd =
                (referenceLoss(tp, layout: model.layout, poems: poems) - referenceLoss(tm, layout: model.layout, poems: poems)) / (2 * h)
            let err = abs(Double(grad[i]) - fd) / (1e-3 + abs(fd))
            if err > worst.err { worst = (i, Double(grad[i]), fd, err) }
        }
        let name = model.layout.slices.first { $0.range.contains(worst.index) }?.name ?? "-"
        XCTAssertLessThan(
            worst.err, 2e-3, "worst entry \(worst.index) (\(name)): fast \(worst.fast) vs finite difference \(worst.fd)", line: line)
    }

    func testLSTMBackwardMatchesFiniteDifferencesOnATinyModel() {
        checkGradient(config: PoemModelConfig(rows: 7, embeddingDim: 3, hiddenSize: 4, layers: 2), samples: 400)
    }

    func testLSTMBackwardMatchesFiniteDifferencesWithFullVectorsAndGemmTails() {
        checkGradient(config: PoemModelConfig(rows: 37, embeddingDim: 20, hiddenSize: 16, layers: 2), samples: 300)
    }

    func testFusedRecurrentStepsMatchFiniteDifferences() {
        // H = 32: both the fused forward step (H % 8 == 0) and the fused backward step (H % 32 == 0).
        checkGradient(config: PoemModelConfig(rows: 23, embeddingDim: 12, hiddenSize: 32, layers: 2), samples: 150)
    }

    func testVectorExpSigmoidTanhMatchFoundation() {
        var worst: Float = 0
        for i in stride(from: -80.0 as Float, to: 80, by: 0.37) {
            let v = SIMD16<Float>(repeating: i)
            worst = max(worst, abs(Kernels.exp(v)[0] / Foundation.exp(i) - 1))
            XCTAssertEqual(Kernels.sigmoid(v)[3], 1 / (1 + Foundation.exp(-i)), accuracy: 1e-6)
            XCTAssertEqual(Kernels.tanh(v)[7], Foundation.tanh(i), accuracy: 2e-6)
        }
        XCTAssertLessThan(worst, 4e-7)
    }

    func testGradientIsBitIdenticalForOneTwoAndThreeThreads() {
        let config = PoemModelConfig(rows: 45, embeddingDim: 20, hiddenSize: 32, layers: 2)
        let model = PoemModel(config: config, seed: 3)
        let batch = PoemBatch(poems: tinyPoems(rows: 45, count: 19, seed: 8), padding: 44)
        // cores: 8 — the work is split in as many parts as threads, whatever this machine has.
        let results = [1, 2, 3].map { threads -> (Double, [Float]) in
            let network = PoemNetwork(layout: model.layout, threads: threads, kernels: .preferred, cores: 8)
            XCTAssertEqual(network.workers, threads)
            var gradient: [Float] = []
            return (network.lossAndGradient(parameters: model.parameters, batch: batch, gradient: &gradient), gradient)
        }
        XCTAssertEqual(results[0].0.bitPattern, results[1].0.bitPattern)
        XCTAssertEqual(results[0].0.bitPattern, results[2].0.bitPattern)
        XCTAssertTrue(results[0].1 == results[1].1 && results[1].1 == results[2].1, "gradients differ between thread counts")
    }

    func testThreadsBeyondTheCoresAreNotStarted() {
        let layout = ParameterLayout(config: PoemModelConfig(rows: 7, embeddingDim: 3, hiddenSize: 4, layers: 1))
        XCTAssertEqual(PoemNetwork(layout: layout, threads: 4, kernels: .preferred, cores: 2).workers, 2)
        XCTAssertEqual(PoemNetwork(layout: layout, threads: 1, kernels: .preferred, cores: 2).workers, 1)
    }
}
