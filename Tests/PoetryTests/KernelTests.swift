// KernelTests.swift — every micro-kernel tile against the naive GEMM, and the promise that the
// tile changes only the speed: the same bits from every tile and every thread count, for the
// GEMM and for the model's loss and gradient (fused recurrent steps and the fallback path).

import WorkbenchNumerics
import XCTest

@testable import Poetry

final class KernelTests: XCTestCase {
    /// Shapes with partial tiles of every candidate (MR 6, 8, 12; NR 8, 16, 32) and k past one
    /// KC block of 256.
    static let shapes = [(1, 1, 1), (8, 32, 5), (13, 45, 300), (70, 100, 513), (3, 130, 17), (25, 17, 256)]
    static let layouts = [(false, false, false), (true, false, true), (false, true, false), (true, true, true)]

    struct Operands {
        var a: [Float], b: [Float], c0: [Float]
        init(m: Int, n: Int, k: Int, rng: inout SeededGenerator) {
            a = (0..<(m * k)).map { _ in Float(rng.uniform(-1.0, 1.0)) }
            b = (0..<(k * n)).map { _ in Float(rng.uniform(-1.0, 1.0)) }
            c0 = (0..<(m * n)).map { _ in Float(rng.uniform(-1.0, 1.0)) }
        }
    }

    /// C = A·B (+ C0 when `accumulate`) with the fast GEMM on `workspace`, or the naive one.
    func product(
        _ o: Operands, m: Int, n: Int, k: Int, transA: Bool, transB: Bool, accumulate: Bool,
        workspace: Kernels.Workspace?
    ) -> [Float] {
        var c = o.c0
        o.a.withUnsafeBufferPointer { pa in
            o.b.withUnsafeBufferPointer { pb in
                let sa: StridedMatrix = transA ? .transposeOf(pa.baseAddress!, cols: m) : .rowMajor(pa.baseAddress!, cols: k)
                let sb: StridedMatrix = transB ? .transposeOf(pb.baseAddress!, cols: k) : .rowMajor(pb.baseAddress!, cols: n)
                c.withUnsafeMutableBufferPointer { pc in
                    if let workspace {
                        Kernels.gemm(
                            m: m, n: n, k: k, a: sa, b: sb, c: pc.baseAddress!, ldc: n, accumulate: accumulate, workspace: workspace)
                    } else {
                        Kernels.gemmNaive(m: m, n: n, k: k, a: sa, b: sb, c: pc.baseAddress!, ldc: n, accumulate: accumulate)
                    }
                }
            }
        }
        return c
    }

    func testEveryTileMatchesTheNaiveGemmForEveryOperandLayout() {
        for choice in KernelChoice.allCases {
            let ws = Kernels.Workspace(threads: 2, kernels: choice)
            var rng = SeededGenerator(seed: 4)
            for (m, n, k) in Self.shapes {
                let o = Operands(m: m, n: n, k: k, rng: &rng)
                for (transA, transB, acc) in Self.layouts {
                    let fast = product(o, m: m, n: n, k: k, transA: transA, transB: transB, accumulate: acc, workspace: ws)
                    let naive = product(o, m: m, n: n, k: k, transA: transA, transB: transB, accumulate: acc, workspace: nil)
                    let (worst, at) = zip(fast, naive).enumerated().map { (abs($1.0 - $1.1), $0) }.max { $0.0 < $1.0 }!
                    XCTAssertLessThan(
                        worst, 1e-5 * Float(k),
                        "\(choice) m \(m) n \(n) k \(k) transA \(transA) transB \(transB): entry \(at) fast \(fast[at]) naive \(naive[at])")
                }
            }
        }
    }

    func testEveryTileAndThreadCountGivesTheSameBits() {
        var rng = SeededGenerator(seed: 9)
        for (m, n, k) in Self.shapes {
            let o = Operands(m: m, n: n, k: k, rng: &rng)
            for (transA, transB, acc) in Self.layouts {
                let reference = product(
                    o, m: m, n: n, k: k, transA: transA, transB: transB, accumulate: acc,
                    workspace: Kernels.Workspace(threads: 1, kernels: .tile8x32))
                for choice in KernelChoice.allCases {
                    for threads in [1, 2, 3] {
                        let c = product(
                            o, m: m, n: n, k: k, transA: transA, transB: transB, accumulate: acc,
                            workspace: Kernels.Workspace(threads: threads, kernels: choice, cores: 8))
                        XCTAssertTrue(
                            c == reference,
                            "\(choice), \(threads) thread(s), m \(m) n \(n) k \(k): bits differ from 8x32-simd16 on 1 thread")
                    }
                }
            }
        }
        // The comparison sees a different summation order: the naive loop (separate multiply
        // and add) does not give the fast GEMM's bits.
        let (m, n, k) = (13, 45, 300)
        let o = Operands(m: m, n: n, k: k, rng: &rng)
        let fast = product(
            o, m: m, n: n, k: k, transA: false, transB: false, accumulate: false,
            workspace: Kernels.Workspace(threads: 1, kernels: .tile6x16))
        let naive = product(o, m: m, n: n, k: k, transA: false, transB: false, accumulate: false, workspace: nil)
        XCTAssertFalse(fast == naive, "a product summed in another order should differ in some bit")
    }

    func testModelGradientIsBitIdenticalForEveryTileAndThreadCount() {
        // H = 32 takes the fused recurrent steps, H = 6 the GEMM + cell fallback.
        for config in [
            PoemModelConfig(rows: 45, embeddingDim: 20, hiddenSize: 32, layers: 2),
            PoemModelConfig(rows: 11, embeddingDim: 3, hiddenSize: 6, layers: 2),
        ] {
            let model = PoemModel(config: config, seed: 3)
            var rng = SeededGenerator(seed: 8)
            let poems: [[Int32]] = (0..<19).map { _ in (0..<(3 + rng.int(below: 6))).map { _ in Int32(rng.int(below: config.rows - 1)) } }
            let batch = PoemBatch(poems: poems, padding: Int32(config.rows - 1))
            var reference: (loss: Double, gradient: [Float])?
            for choice in KernelChoice.allCases {
                for threads in [1, 2, 3] {
                    // cores: 8 — split the work in as many parts as threads, whatever this machine has.
                    let network = PoemNetwork(layout: model.layout, threads: threads, kernels: choice, cores: 8)
                    var gradient: [Float] = []
                    let loss = network.lossAndGradient(parameters: model.parameters, batch: batch, gradient: &gradient)
                    if let r = reference {
                        XCTAssertEqual(loss.bitPattern, r.loss.bitPattern, "H \(config.hiddenSize), \(choice), \(threads) thread(s): loss")
                        let differing = zip(gradient, r.gradient).filter { $0.bitPattern != $1.bitPattern }.count
                        XCTAssertEqual(
                            differing, 0, "H \(config.hiddenSize), \(choice), \(threads) thread(s): \(differing) gradient entries differ")
                    } else {
                        reference = (loss, gradient)
                    }
                }
            }
        }
    }

    func testRecurrentRowPartsCoverTheBatchInWholeFourRowBlocks() {
        // The recurrent steps give each thread the rows of one part for all T steps.
        XCTAssertEqual((0..<2).map { Kernels.rowPart($0, of: 2, rows: 32) }, [0..<16, 16..<32])
        XCTAssertEqual((0..<3).map { Kernels.rowPart($0, of: 3, rows: 32) }, [0..<8, 8..<20, 20..<32])
        XCTAssertEqual(Kernels.rowParts(rows: 5, threads: 8), 2)
        XCTAssertEqual(Kernels.rowParts(rows: 0, threads: 2), 1)
        for B in [0, 1, 3, 4, 5, 19, 21, 32, 33] {
            for threads in 1...5 {
                let parts = Kernels.rowParts(rows: B, threads: threads)
                let ranges = (0..<parts).map { Kernels.rowPart($0, of: parts, rows: B) }
                XCTAssertEqual(ranges.first?.lowerBound, 0, "B \(B), \(threads) thread(s)")
                XCTAssertEqual(ranges.last?.upperBound, B, "B \(B), \(threads) thread(s)")
                for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound, "B \(B): parts \(ranges)") }
                XCTAssertTrue(ranges.allSatisfy { $0.lowerBound % 4 == 0 }, "B \(B): parts \(ranges) start inside a 4-row block")
                if B >= 4 * threads { XCTAssertTrue(ranges.allSatisfy { !$0.isEmpty }, "B \(B): an empty part in \(ranges)") }
                let sizes = ranges.map(\.count)
                XCTAssertLessThanOrEqual((sizes.max() ?? 0) - (sizes.min() ?? 0), 4, "B \(B): parts \(ranges) unbalanced")
            }
        }
    }

    func testBiasRowsAreAddedByEveryTileWithTheSameBits() {
        var rng = SeededGenerator(seed: 12)
        for (m, n, k) in [(13, 45, 300), (70, 100, 64), (1, 1, 1), (9, 37, 0)] {
            let o = Operands(m: m, n: n, k: k, rng: &rng)
            let bias = (0..<n).map { _ in Float(rng.uniform(-1.0, 1.0)) }
            var naive = product(o, m: m, n: n, k: k, transA: true, transB: false, accumulate: false, workspace: nil)
            for i in 0..<m { for j in 0..<n { naive[i * n + j] += bias[j] } }
            var reference: [Float]?
            for choice in KernelChoice.allCases {
                for threads in [1, 2] {
                    var c = o.c0
                    o.a.withUnsafeBufferPointer { pa in
                        o.b.withUnsafeBufferPointer { pb in
                            bias.withUnsafeBufferPointer { pbias in
                                c.withUnsafeMutableBufferPointer { pc in
                                    Kernels.gemm(
                                        m: m, n: n, k: k, a: .transposeOf(pa.baseAddress!, cols: m), b: .rowMajor(pb.baseAddress!, cols: n),
                                        c: pc.baseAddress!, ldc: n, accumulate: false, bias: pbias.baseAddress!,
                                        workspace: Kernels.Workspace(threads: threads, kernels: choice, cores: 8))
                                }
                            }
                        }
                    }
                    let worst = zip(c, naive).map { abs($0 - $1) }.max() ?? 0
                    XCTAssertLessThan(worst, 1e-5 * Float(max(k, 1)), "\(choice) m \(m) n \(n) k \(k): bias rows")
                    if let reference {
                        XCTAssertTrue(c == reference, "\(choice), \(threads) thread(s): bits differ")
                    } else {
                        reference = c
                    }
                }
            }
        }
    }

    func testTrainingStepsGiveTheSameWeightsWithEveryTile() throws {
        // A run resumed on another tile than the one it started on therefore continues bit
        // for bit: Adam's moments and the weights do not record the tile.
        let config = PoemModelConfig(rows: 30, embeddingDim: 12, hiddenSize: 32, layers: 2)
        var rng = SeededGenerator(seed: 31)
        let poems: [[Int32]] = (0..<24).map { _ in (0..<(4 + rng.int(below: 8))).map { _ in Int32(rng.int(below: 29)) } }
        var weights: [[Float]] = []
        for choice in KernelChoice.allCases {
            var options = TrainingOptions()
            options.batchSize = 8
            options.maxSteps = 6
            options.threads = 2
            options.kernels = choice
            let trainer = try PoemTrainer(poems: poems, model: PoemModel(config: config, seed: 9), options: options)
            _ = trainer.run()
            XCTAssertEqual(trainer.network.kernels, choice)
            weights.append(trainer.model.parameters)
        }
        for (choice, w) in zip(KernelChoice.allCases, weights) {
            XCTAssertTrue(w == weights[0], "\(choice): weights after 6 steps differ from \(KernelChoice.allCases[0])")
        }
        XCTAssertFalse(weights[0] == PoemModel(config: config, seed: 9).parameters, "the steps changed nothing")
    }

    func testKernelChoiceIdsAreStableAndTheMeasurementPicksACandidate() {
        XCTAssertEqual(KernelChoice.allCases.map(\.id), ["8x32-simd16", "6x16-simd8", "12x8-simd4"])
        for choice in KernelChoice.allCases { XCTAssertEqual(KernelChoice(id: choice.id), choice) }
        XCTAssertNil(KernelChoice(id: "8x32"))
        let selection = KernelSelection.measure(rounds: 1)
        XCTAssertEqual(selection.candidates.map(\.id), KernelChoice.allCases.map(\.id))
        let fastest = selection.candidates.max { $0.gflopPerSecond < $1.gflopPerSecond }!
        XCTAssertEqual(selection.choice.id, fastest.id)
        XCTAssertTrue(selection.candidates.allSatisfy { $0.gflopPerSecond > 0 && $0.gflopPerSecond.isFinite })
    }
}
