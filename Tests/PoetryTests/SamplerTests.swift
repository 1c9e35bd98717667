// SamplerTests.swift — the sampler keeps the form in every decoding mode and honours its
// controls, on small models built in SamplerFixtures.swift.

import WorkbenchNumerics
import XCTest

@testable import Poetry

final class SamplerTests: XCTestCase {
    func assertQuatrain(_ p: String, line: UInt = #line) {
        if let problem = quatrainProblem(p) { XCTFail("\(p): \(problem)", line: line) }
    }

    func testQuatrainFormPlacesPunctuationAndStopsAfterFourLines() throws {
        let s = PoemSampler(checkpoint: SamplerFixtures.quatrains)
        var o = SamplingOptions()
        o.form = .quatrain
        let greedy = try s.generate(start: "山水", options: o)
        assertQuatrain(greedy[0])
        XCTAssertTrue(greedy[0].hasPrefix("山水"))
        o.temperature = 1
        o.topK = 5
        o.seed = 9
        let sampled = try s.generate(start: "", count: 3, options: o)
        for poem in sampled { assertQuatrain(poem) }
        XCTAssertEqual(try s.generate(start: "", count: 3, options: o), sampled, "same seed, same poems")
        o.seed = 10
        XCTAssertNotEqual(try s.generate(start: "", count: 3, options: o), sampled, "another seed, the same poems")
    }

    func testAcrosticBeamAndNoRepeat() throws {
        let s = PoemSampler(checkpoint: SamplerFixtures.quatrains)
        var o = SamplingOptions()
        o.form = .quatrain
        let a = try s.generate(start: "", acrostic: "春秋夜月", options: o)[0]
        assertQuatrain(a)
        XCTAssertEqual([0, 6, 12, 18].map { Array(a)[$0] }, ["春", "秋", "夜", "月"])
        XCTAssertTrue(try s.generate(start: "春风", acrostic: "春秋", options: o)[0].hasPrefix("春风"))
        o.beam = 4
        assertQuatrain(try s.generate(start: "风", options: o)[0])
        o.beam = 0
        o.noRepeat = true
        // 16 characters for 20 places: the first 16 are all different, then repeats are allowed
        // again rather than breaking the form.
        let poem = try s.generate(start: "", options: o)[0]
        assertQuatrain(poem)
        let content = Array(poem).filter { !$0.isPunctuation }
        XCTAssertEqual(Set(content.prefix(16)).count, 16, "a character repeats under noRepeat while unused ones remain: \(poem)")
    }

    /// Beam search finds a quatrain at least as probable under the model as the greedy one.
    func testBeamScoresAtLeastAsHighAsGreedy() throws {
        let s = PoemSampler(checkpoint: SamplerFixtures.freeVerse)
        var o = SamplingOptions()
        o.form = .quatrain
        for start in ["山", "月", "春"] {
            let greedy = try s.sample(start: start, options: o)[0]
            o.beam = 8
            let beam = try s.sample(start: start, options: o)[0]
            o.beam = 0
            XCTAssertGreaterThanOrEqual(
                beam.logLikelihoods.reduce(0, +), greedy.logLikelihoods.reduce(0, +) - 1e-9, "\(beam.text) vs \(greedy.text)")
        }
    }

    // MARK: - The property: every quatrain keeps the form

    /// Random allowed starts (0–5 characters), random acrostics consistent with them, every
    /// decoding mode, with and without the repetition controls, on a trained model whose
    /// corpus has irregular lines and on an untrained one: each poem is a quatrain that begins
    /// with its start word and carries its acrostic.
    func testEveryQuatrainFromRandomAllowedStartsKeepsTheForm() throws {
        var checked = 0
        for ck in [SamplerFixtures.freeVerse, SamplerFixtures.random] {
            let s = PoemSampler(checkpoint: ck)
            let content = contentCharacters(ck.vocabulary)
            var rng = SeededGenerator(seed: 11)
            for mode in 0..<4 {
                for trial in 0..<200 {
                    var o = SamplingOptions()
                    o.form = .quatrain
                    o.seed = UInt64(trial)
                    switch mode {
                    case 1: o.temperature = rng.uniform(0.3, 2.0)
                    case 2: o.temperature = rng.uniform(0.3, 2.0); o.topK = 1 + rng.int(below: 8)
                    case 3: o.beam = 2 + rng.int(below: 3)
                    default: break
                    }
                    if rng.int(below: 4) == 0 { o.noRepeat = true } else if rng.int(below: 3) == 0 { o.repetitionPenalty = 1.5 }
                    let start = String((0..<rng.int(below: 6)).map { _ in content[rng.int(below: content.count)] })
                    var acrostic = ""
                    if rng.int(below: 2) == 0 {
                        acrostic = String((0..<(1 + rng.int(below: 4))).map { _ in content[rng.int(below: content.count)] })
                        if let first = start.first { acrostic = String(first) + acrostic.dropFirst() }
                    }
                    let poems = try s.generate(start: start, acrostic: acrostic, count: o.temperature > 0 ? 2 : 1, options: o)
                    for p in poems {
                        let setting = "mode \(mode) start '\(start)' acrostic '\(acrostic)' \(o)"
                        if let problem = quatrainProblem(p) { return XCTFail("\(p): \(problem); \(setting)") }
                        XCTAssertTrue(PoemMetrics.isQuatrain(p), p)
                        XCTAssertTrue(p.hasPrefix(start), "\(p) does not begin with '\(start)'")
                        for (i, a) in acrostic.enumerated() where Array(p)[6 * i] != a {
                            XCTFail("\(p): line \(i + 1) does not begin with '\(a)'")
                        }
                        checked += 1
                    }
                }
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 2_000)
    }

    /// The check above can fail: left to themselves (free form), both models write poems that
    /// are not quatrains, and they put probability on characters the quatrain form forbids.
    func testTheModelsDoNotWriteQuatrainsByThemselves() throws {
        for ck in [SamplerFixtures.freeVerse, SamplerFixtures.random] {
            let s = PoemSampler(checkpoint: ck)
            var o = SamplingOptions()
            o.temperature = 1
            o.maxLength = 40
            let free = try s.generate(start: "", count: 40, options: o)
            let failing = free.filter { quatrainProblem($0) != nil }
            XCTAssertGreaterThan(failing.count, 30, "free-form poems already look like quatrains: \(free.prefix(3))")
            o.form = .quatrain
            let agreement = try s.sample(start: "", count: 20, options: o).flatMap(\.formAgreement)
            XCTAssertLessThan(agreement.reduce(0, +) / Double(agreement.count), 0.95)
        }
        XCTAssertNil(quatrainProblem("山水月风花，雪云天日江。春秋夜人归，来山水月风。"))
        XCTAssertNotNil(quatrainProblem("山水月风花，雪云天日江。春秋夜人归，来山水月风，"))  // '，' at 23
        XCTAssertNotNil(quatrainProblem("山水月风花，雪云天日江。春秋夜人，归来山水月风。"))
    }

    // MARK: - Free form

    /// Free form: never empty, lines of at least one character closed by ， 。 ？ ！ or ；, the
    /// last a sentence end, no markers or other marks, within --max-length, the start kept.
    func testEveryFreePoemIsLinesClosedByPunctuation() throws {
        let lineEnds: Set<Character> = ["，", "。", "？", "！", "；"], sentenceEnds: Set<Character> = ["。", "？", "！"]
        var checked = 0
        for ck in [SamplerFixtures.freeVerse, SamplerFixtures.random] {
            let s = PoemSampler(checkpoint: ck)
            let content = contentCharacters(ck.vocabulary)
            var rng = SeededGenerator(seed: 12)
            for trial in 0..<300 {
                var o = SamplingOptions()
                o.seed = UInt64(trial)
                o.maxLength = 2 + rng.int(below: 30)
                switch trial % 3 {
                case 1: o.temperature = rng.uniform(0.3, 2.0)
                case 2: o.temperature = rng.uniform(0.3, 2.0); o.topK = 1 + rng.int(below: 8)
                default: break
                }
                if rng.int(below: 4) == 0 { o.noRepeat = true }
                let start = String((0..<rng.int(below: min(6, o.maxLength))).map { _ in content[rng.int(below: content.count)] })
                let p = try s.generate(start: start, prefix: trial % 5 == 0 ? "山水，" : "", options: o)[0]
                let c = Array(p)
                XCTAssertFalse(c.isEmpty, "an empty poem")
                XCTAssertLessThanOrEqual(c.count, o.maxLength, p)
                XCTAssertTrue(p.hasPrefix(start), p)
                XCTAssertTrue(c.last.map(sentenceEnds.contains) ?? false, "\(p) does not end a sentence")
                for (k, ch) in c.enumerated() where ch.isPunctuation {
                    XCTAssertTrue(lineEnds.contains(ch), "\(p): '\(ch)'")
                    XCTAssertTrue(k > 0 && !c[k - 1].isPunctuation, "\(p): an empty line before \(k)")
                }
                XCTAssertFalse(c.contains { $0 == "G" || $0 == "E" || $0 == "\u{FFFD}" || $0 == "、" }, p)
                checked += 1
            }
        }
        XCTAssertEqual(checked, 600)
    }

    func testFreeFormStopsAtEndOrCap() throws {
        let s = PoemSampler(checkpoint: SamplerFixtures.quatrains)
        var o = SamplingOptions()
        o.maxLength = 7
        let p = try s.generate(start: "云", options: o)[0]
        XCTAssertLessThanOrEqual(p.count, 7)
        XCTAssertEqual(p.last, "。")
        o.maxLength = 2
        XCTAssertEqual(try s.generate(start: "云", options: o)[0], "云。")
    }

    func testFreeFormNeverEndsBeforeTheFirstLine() throws {
        // A model that puts almost all its probability on E, and most of the rest on '。': the
        // poem still has a line.
        let ck = SamplerFixtures.random
        var model = ck.model
        let bias = model.layout["fc.bias"]
        model.parameters[bias.offset + ck.vocabulary.endIndex] = 50
        model.parameters[bias.offset + ck.vocabulary.id(of: "。")!] = 40
        let s = PoemSampler(checkpoint: PoemCheckpoint(model: model, vocabulary: ck.vocabulary))
        let p = try s.generate(start: "", options: SamplingOptions())[0]
        XCTAssertEqual(p.count, 2, "'\(p)': one character, then a sentence end, then E")
        XCTAssertTrue(PoemMetrics.isContent(Array(p)[0]) && Array(p)[1].isPunctuation, p)
    }

    // MARK: - Refusals

    func assertRefused(
        _ s: PoemSampler, start: String = "", acrostic: String = "", prefix: String = "",
        _ o: SamplingOptions, _ expected: SamplingError, line: UInt = #line
    ) {
        XCTAssertThrowsError(try s.generate(start: start, acrostic: acrostic, prefix: prefix, options: o), line: line) { e in
            XCTAssertEqual(e as? SamplingError, expected, line: line)
            XCTAssertEqual((e as? SamplingError)?.exitStatus, 2, line: line)
        }
    }

    var quatrain: SamplingOptions { var o = SamplingOptions(); o.form = .quatrain; return o }

    func testUnknownCharactersAreListed() {
        let s = PoemSampler(checkpoint: SamplerFixtures.quatrains)
        assertRefused(s, start: "山鹤鹤x", SamplingOptions(), .unknownCharacters(["鹤", "x"], option: "--start"))
        assertRefused(s, acrostic: "春鹤", quatrain, .unknownCharacters(["鹤"], option: "--acrostic"))
        assertRefused(s, prefix: "山 水", quatrain, .unknownCharacters([" "], option: "--prefix"))
    }

    func testAStartWordThatCannotFitTheFormIsRefusedWithItsLimit() throws {
        let s = PoemSampler(checkpoint: SamplerFixtures.quatrains)
        assertRefused(s, start: "山水月风花雪", quatrain, .startTooLong(length: 6, limit: 5, form: .quatrain))
        assertQuatrain(try s.generate(start: "山水月风花", options: quatrain)[0])
        var free = SamplingOptions()
        free.maxLength = 4
        assertRefused(s, start: "山水月风", free, .startTooLong(length: 4, limit: 3, form: .free))
        XCTAssertEqual(try s.generate(start: "山水月", options: free)[0], "山水月。")
        XCTAssertTrue("\(SamplingError.startTooLong(length: 6, limit: 5, form: .quatrain))".contains("at most 5"))
    }

    func testAStartWordMustBeginWithTheAcrostic() throws {
        let s = PoemSampler(checkpoint: SamplerFixtures.quatrains)
        assertRefused(s, start: "山水", acrostic: "春秋夜月", quatrain, .startContradictsAcrostic(start: "山", acrostic: "春"))
        let p = try s.generate(start: "春水", acrostic: "春秋夜月", options: quatrain)[0]
        XCTAssertTrue(p.hasPrefix("春水"), p)
        XCTAssertEqual([6, 12, 18].map { Array(p)[$0] }, ["秋", "夜", "月"])
    }

    func testPunctuationAndMarkersAreNotContent() throws {
        let s = PoemSampler(checkpoint: SamplerFixtures.freeVerse)
        assertRefused(s, start: "，。", quatrain, .notContent(["，", "。"], option: "--start"))
        assertRefused(s, start: "山、", SamplingOptions(), .notContent(["、"], option: "--start"))
        assertRefused(s, acrostic: "，。，。", quatrain, .notContent(["，", "。"], option: "--acrostic"))
        assertRefused(s, start: "G", quatrain, .notContent(["G"], option: "--start"))
        assertRefused(s, start: "山E", SamplingOptions(), .notContent(["E"], option: "--start"))
        assertRefused(s, acrostic: "山E", quatrain, .notContent(["E"], option: "--acrostic"))
        assertRefused(s, prefix: "山G水", quatrain, .markerInText(["G"], option: "--prefix"))
        assertRefused(s, prefix: "E", SamplingOptions(), .markerInText(["E"], option: "--prefix"))
        // Punctuation is context in a prefix: accepted.
        assertQuatrain(try s.generate(start: "山", prefix: "山水月风花，雪云天日江。", options: quatrain)[0])
        let message = "\(SamplingError.notContent(["，", "G"], option: "--start"))"
        XCTAssertTrue(message.contains("punctuation") && message.contains("start marker"), message)
    }

    func testAnAcrosticHasAtMostFourCharacters() throws {
        let s = PoemSampler(checkpoint: SamplerFixtures.quatrains)
        assertRefused(s, acrostic: "春秋夜月山", quatrain, .acrosticTooLong(5))
        assertQuatrain(try s.generate(start: "", acrostic: "春秋夜月", options: quatrain)[0])
    }

    func testQuatrainOnlyOptionsAreRefusedInFreeForm() {
        let s = PoemSampler(checkpoint: SamplerFixtures.quatrains)
        var o = SamplingOptions()
        o.beam = 3
        assertRefused(s, o, .needsQuatrain(option: "--beam"))
        assertRefused(s, acrostic: "春", SamplingOptions(), .needsQuatrain(option: "--acrostic"))
    }

    func testAModelWithoutCommaOrPeriodCannotWriteEitherForm() throws {
        let noPeriod = SamplerFixtures.untrained([Array("山水月，风花雪")])
        let noMarks = SamplerFixtures.untrained([Array("山水月风花雪")])
        for (ck, missing) in [(noPeriod, [Character("。")]), (noMarks, [Character("，"), Character("。")])] {
            let s = PoemSampler(checkpoint: ck)
            assertRefused(s, quatrain, .missingFormCharacters(missing, form: .quatrain))
            assertRefused(s, SamplingOptions(), .missingFormCharacters(missing, form: .free))
        }
        // The same refusal turns with the marks in the vocabulary.
        let withMarks = PoemSampler(checkpoint: SamplerFixtures.untrained([Array("山水月，风花雪。")]))
        XCTAssertFalse(try withMarks.generate(start: "", options: SamplingOptions())[0].isEmpty)
        assertQuatrain(try withMarks.generate(start: "", options: quatrain)[0])
        let onlyMarks = PoemSampler(checkpoint: SamplerFixtures.untrained([Array("，。")]))
        assertRefused(onlyMarks, SamplingOptions(), .noContentCharacters)
    }

    func testOptionValuesWithoutAMeaningAreRefused() {
        let s = PoemSampler(checkpoint: SamplerFixtures.quatrains)
        var o = SamplingOptions()
        o.temperature = -1
        assertRefused(s, o, .invalidOption(option: "--temperature", value: "-1.0", expected: "a finite number ≥ 0 (0 = greedy)"))
        o = SamplingOptions()
        o.maxLength = 1
        assertRefused(s, o, .invalidOption(option: "--max-length", value: "1", expected: "at least 2 (a character and the closing '。')"))
        o = SamplingOptions()
        o.repetitionPenalty = 0
        assertRefused(s, o, .invalidOption(option: "--repetition-penalty", value: "0.0", expected: "a finite number > 0 (1 = off)"))
    }

    func testANonFiniteModelIsReportedNotSampled() {
        let ck = SamplerFixtures.random
        var model = ck.model
        model.parameters[model.layout["fc.bias"].offset] = .nan
        let s = PoemSampler(checkpoint: PoemCheckpoint(model: model, vocabulary: ck.vocabulary))
        XCTAssertThrowsError(try s.generate(start: "", options: quatrain)) { e in
            XCTAssertEqual(e as? SamplingError, .nonFiniteOutput(position: 0))
            XCTAssertEqual((e as? SamplingError)?.exitStatus, 1)
        }
    }
}
