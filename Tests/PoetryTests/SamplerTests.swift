// SamplerTests.swift — the sampler's forms and controls on a small trained model.

import XCTest
import WorkbenchNumerics
@testable import Poetry

final class SamplerTests: XCTestCase {
    static let checkpoint: PoemCheckpoint = {
        let corpus = syntheticQuatrains(48, seed: 3)
        let v = Vocabulary(poems: corpus)
        var o = TrainingOptions()
        o.batchSize = 8
        o.epochs = 6
        o.learningRate = 0.01
        let model = PoemModel(config: PoemModelConfig(rows: v.modelRows, embeddingDim: 8, hiddenSize: 16, layers: 2), seed: 1)
        let t = try! PoemTrainer(poems: corpus.map { v.encode(poem: $0) }, model: model, options: o)
        _ = t.run()
        return PoemCheckpoint(model: t.model, vocabulary: v)
    }()

    func assertQuatrain(_ p: String, line: UInt = #line) {
        let c = Array(p)
        XCTAssertEqual(c.count, 24, p, line: line)
        for (k, ch) in c.enumerated() {
            switch k % 12 {
            case 5: XCTAssertEqual(ch, "，", p, line: line)
            case 11: XCTAssertEqual(ch, "。", p, line: line)
            default: XCTAssertFalse(ch.isPunctuation || ch == "G" || ch == "E", "\(p) has '\(ch)' at \(k)", line: line)
            }
        }
    }

    func testQuatrainFormPlacesPunctuationAndStopsAfterFourLines() throws {
        let s = PoemSampler(checkpoint: Self.checkpoint)
        var o = SamplingOptions()
        o.form = .quatrain
        let greedy = try s.generate(start: "山水", options: o)
        assertQuatrain(greedy[0])
        XCTAssertTrue(greedy[0].hasPrefix("山水"))
        o.temperature = 1
        o.topK = 5
        o.seed = 9
        let sampled = try s.generate(start: "", count: 3, options: o)
        sampled.forEach { assertQuatrain($0) }
        XCTAssertEqual(try s.generate(start: "", count: 3, options: o), sampled, "same seed, same poems")
    }

    func testAcrosticBeamAndNoRepeat() throws {
        let s = PoemSampler(checkpoint: Self.checkpoint)
        var o = SamplingOptions()
        o.form = .quatrain
        let a = try s.generate(start: "", acrostic: "春秋夜月", options: o)[0]
        assertQuatrain(a)
        XCTAssertEqual([0, 6, 12, 18].map { Array(a)[$0] }, ["春", "秋", "夜", "月"])
        o.beam = 4
        assertQuatrain(try s.generate(start: "风", options: o)[0])
        o.beam = 0
        o.noRepeat = true
        let n = Array(try s.generate(start: "", options: o)[0]).filter { !$0.isPunctuation }
        XCTAssertEqual(Set(n).count, n.count, "a character repeats under noRepeat")
    }

    func testFreeFormStopsAtEndOrCap() throws {
        let s = PoemSampler(checkpoint: Self.checkpoint)
        var o = SamplingOptions()
        o.maxLength = 7
        let p = try s.generate(start: "云", options: o)[0]
        XCTAssertLessThanOrEqual(p.count, 7)
        XCTAssertFalse(p.contains("G") || p.contains("E"))
    }

    func testUnknownStartCharactersAreListed() {
        let s = PoemSampler(checkpoint: Self.checkpoint)
        XCTAssertThrowsError(try s.generate(start: "山鹤鹤x", options: SamplingOptions())) { e in
            XCTAssertEqual(e as? SamplingError, .unknownCharacters(["鹤", "x"], option: "--start"))
        }
    }
}
