// PoemQualityTests.swift — the quality report's measures: on hand-made poems, and on a small
// trained model, where each figure is recomputed another way.

import WorkbenchNumerics
import XCTest

@testable import Poetry

final class PoemQualityTests: XCTestCase {
    func testMetricsOnHandMadePoems() {
        XCTAssertTrue(PoemMetrics.isQuatrain("山水月风花，雪云天日江。春秋夜人归，来山水月风。"))
        XCTAssertFalse(PoemMetrics.isQuatrain("山水月风花。雪云天日江，春秋夜人归，来山水月风。"))
        XCTAssertFalse(PoemMetrics.isQuatrain("山水月风G，雪云天日江。春秋夜人归，来山水月风。"))
        XCTAssertFalse(PoemMetrics.isQuatrain("山水月风花，雪云天日江。"))
        XCTAssertEqual(PoemMetrics.lines(of: "山水，山月。"), ["山水", "山月"])
        XCTAssertEqual(PoemMetrics.repeatedCharacters("山山水，水月。"), 2)
        XCTAssertEqual(PoemMetrics.repeatedCharacters("山水，月。"), 0)
        // Unigrams 山 水 山 月: 3 distinct of 4. Bigrams inside lines: 山水, 山月 (none across '，').
        XCTAssertEqual(PoemMetrics.distinct(1, ["山水，山月。"]), 0.75)
        XCTAssertEqual(PoemMetrics.distinct(2, ["山水，山月。"]), 1)
        XCTAssertEqual(PoemMetrics.distinct(2, ["山水。", "山水。"]), 0.5)
        XCTAssertEqual(PoemMetrics.distinct(3, ["山水。"]), 0)
        let corpus = PoemCorpus(source: "hand", poems: [Array("山水月，风花雪。")])
        let lines = PoemMetrics.lines(of: corpus)
        XCTAssertEqual(lines, ["山水月", "风花雪"])
        XCTAssertTrue(PoemMetrics.copiedLines(["山水月，花雪风。"], corpusLines: lines) == (1, 2))
    }

    func quality(_ ck: PoemCheckpoint, corpus: PoemCorpus?, count: Int = 24) throws -> PoemQualityReport {
        var o = QualityOptions()
        o.count = count
        o.beam = 3
        return try PoemQuality.measure(sampler: PoemSampler(checkpoint: ck), corpus: corpus, options: o)
    }

    /// −(mean cross-entropy) of `poems` (texts) after `G`, by the fast batched pass.
    func fastMeanLogLikelihood(_ ck: PoemCheckpoint, _ poems: [String]) -> Double {
        let tokens = poems.map { [Int32(ck.vocabulary.startIndex)] + $0.map { Int32(ck.vocabulary.id(of: $0)!) } }
        let network = PoemNetwork(layout: ck.model.layout, threads: 1)
        let batch = PoemBatch(poems: tokens, padding: Int32(ck.model.config.rows - 1))
        return -ck.model.parameters.withUnsafeBufferPointer { network.forward(parameters: $0.baseAddress!, batch: batch) }
    }

    func testReportOnASmallTrainedModel() throws {
        let ck = SamplerFixtures.freeVerse
        let training = PoemCorpus(source: "generated", poems: syntheticFreeVerse(48, seed: 5))
        let report = try quality(ck, corpus: training)
        XCTAssertEqual(report.modes.map(\.mode), [.greedy, .temperature, .topK, .beam])
        XCTAssertEqual(report.firstCharacters.count, 24)
        XCTAssertTrue(report.firstCharacters.allSatisfy(PoemMetrics.isContent))
        for m in report.modes {
            XCTAssertEqual(m.poems, 24)
            XCTAssertEqual(m.validForm, 1, "\(m.mode): \(m.examples)")
            XCTAssertTrue((0...1).contains(m.formAgreement) && m.formAgreement < 0.99, "\(m.mode) agreement \(m.formAgreement)")
            XCTAssertTrue((0...1).contains(m.distinct1) && (0...1).contains(m.distinct2))
            XCTAssertNotNil(m.copiedLines)
            XCTAssertLessThan(m.meanLogLikelihood, 0)
        }
        // The log-likelihood per character, recomputed from the same poems by the fast pass.
        let sampler = PoemSampler(checkpoint: ck)
        for mode in DecodingMode.allCases {
            var o = PoemQuality.samplingOptions(mode, report.options)
            var poems: [String] = []
            for (i, first) in report.firstCharacters.enumerated() {
                o.seed = report.options.seed &+ UInt64(i)
                poems += try sampler.generate(start: String(first), options: o)
            }
            let reported = report.modes.first { $0.mode == mode }!
            XCTAssertEqual(reported.examples, Array(poems.prefix(2)))
            XCTAssertEqual(reported.meanLogLikelihood, fastMeanLogLikelihood(ck, poems), accuracy: 1e-5, "\(mode)")
        }
        // Greedy and beam prefer probable poems: higher log-likelihood than sampling at T 0.8.
        let ll = Dictionary(uniqueKeysWithValues: report.modes.map { ($0.mode, $0.meanLogLikelihood) })
        XCTAssertGreaterThan(ll[.beam]!, ll[.temperature]!)
        XCTAssertGreaterThan(ll[.greedy]!, ll[.temperature]!)
        // The report as JSON and back.
        let decoded = try JSONDecoder().decode(PoemQualityReport.self, from: JSONEncoder().encode(report))
        XCTAssertEqual(decoded, report)
    }

    /// Copied lines: a model trained on a few repeated lines copies some of them; the same poems
    /// looked up in an unrelated corpus copy nothing; without a corpus the figure is absent.
    func testCopiedLinesTurnWithTheCorpus() throws {
        let ck = SamplerFixtures.quatrains
        let training = PoemCorpus(source: "generated", poems: syntheticQuatrains(48, seed: 3))
        let copying = try quality(ck, corpus: training, count: 12)
        XCTAssertGreaterThan(copying.modes[0].copiedLines!, 0.1, "greedy: \(copying.modes[0].examples)")
        let unrelated = PoemCorpus(source: "other", poems: [Array("甲乙丙丁戊，己庚辛壬癸。")])
        let none = try quality(ck, corpus: unrelated, count: 12)
        XCTAssertEqual(none.modes.map { $0.copiedLines! }, [0, 0, 0, 0])
        XCTAssertNil(try quality(ck, corpus: nil, count: 2).modes[0].copiedLines)
    }

    func testRepeatsAreCountedAndNoRepeatRemovesThem() throws {
        let s = PoemSampler(checkpoint: SamplerFixtures.freeVerse)
        var o = SamplingOptions()
        o.form = .quatrain
        let firsts = s.drawFirstCharacters(count: 10, seed: 1)
        let plain = try firsts.flatMap { try s.sample(start: String($0), options: o) }
        o.noRepeat = true
        let banned = try firsts.flatMap { try s.sample(start: String($0), options: o) }
        let a = PoemQuality.summary(.greedy, setting: "", poems: plain, corpusLines: nil, milliseconds: 0)
        let b = PoemQuality.summary(.greedy, setting: "", poems: banned, corpusLines: nil, milliseconds: 0)
        // 16 characters for 20 places: at least 4 repeats; noRepeat leaves exactly those.
        XCTAssertEqual(b.repeatsPerPoem, 4, "\(banned.prefix(2).map(\.text))")
        XCTAssertGreaterThan(a.repeatsPerPoem, 4, "greedy on this model repeats more: \(plain.prefix(2).map(\.text))")
    }

    func testOptionsWithoutAMeaningAreRefused() {
        let s = PoemSampler(checkpoint: SamplerFixtures.quatrains)
        var o = QualityOptions()
        o.beam = 1
        XCTAssertThrowsError(try PoemQuality.measure(sampler: s, options: o)) { XCTAssertTrue("\($0)".contains("--beam"), "\($0)") }
        o = QualityOptions()
        o.count = 0
        XCTAssertThrowsError(try PoemQuality.measure(sampler: s, options: o)) { XCTAssertTrue("\($0)".contains("--count"), "\($0)") }
    }
}
