// PoemQuality.swift — the quality report: quatrains written by each decoding mode, measured.
//
// For N first characters drawn from the model's own distribution after `G` (content characters
// only, temperature 1, seeded), each decoding mode writes one quatrain per first character:
//   greedy        argmax (the homework's decoding);
//   temperature   softmax(logits / T) over all allowed characters;
//   top-k         the same among the K most likely allowed characters;
//   beam          beam search of width W (the most probable quatrain it finds).
// Per mode the report gives, over its N poems:
//   validForm           share that are five-character quatrains (PoemMetrics, checked apart
//                       from the sampler's rules: anything below 1 is a bug);
//   formAgreement       mean over the positions the form decides of the model's probability of
//                       the characters the form allowed: how far the model writes the form by
//                       itself (1 = the constraint never had to step in);
//   repeatsPerPoem, poemsWithRepeats   repeated content characters within a poem;
//   distinct1, distinct2                distinct n-grams over all N poems;
//   copiedLines         share of lines found verbatim in the corpus (when one is given);
//   meanLogLikelihood   (1/Σ n_p) Σ_p Σ_k log p(x_k | G, x_<k): the model's mean log-probability
//                       per character (punctuation included) of the poems it wrote, in nats,
//                       from its raw logits (no temperature, penalty or form mask);
//   millisecondsPerPoem wall time of the mode divided by N.
// Leaves out: any human judgement; free-form poems (the table compares modes on one form).

import Dispatch

/// A decoding mode of the quality report.
public enum DecodingMode: String, Sendable, Codable, CaseIterable {
    case greedy
    case temperature
    case topK = "top-k"
    case beam
}

/// Settings of `PoemQuality.measure`.
public struct QualityOptions: Equatable, Sendable, Codable {
    /// N: poems per mode.
    public var count = 200
    /// Seed of the first characters and of the sampling modes.
    public var seed: UInt64 = 0
    /// T of the temperature and top-k modes.
    public var temperature = 0.8
    /// K of the top-k mode.
    public var topK = 20
    /// W of the beam mode.
    public var beam = 5

    public init() {}
}

/// The measures of one decoding mode.
public struct ModeQuality: Equatable, Sendable, Codable {
    public var mode: DecodingMode
    /// The mode's parameters, in words (e.g. "T 0.8").
    public var setting: String
    public var poems: Int
    public var validForm: Double
    public var formAgreement: Double
    public var repeatsPerPoem: Double
    public var poemsWithRepeats: Double
    public var distinct1: Double
    public var distinct2: Double
    /// nil without a corpus.
    public var copiedLines: Double?
    /// Nats per character.
    public var meanLogLikelihood: Double
    public var millisecondsPerPoem: Double
    /// The first poems written, to read.
    public var examples: [String]
}

/// What `PoemQuality.measure` found.
public struct PoemQualityReport: Equatable, Sendable, Codable {
    public var options: QualityOptions
    /// The first characters, one per poem, shared by every mode. (N)
    public var firstCharacters: String
    /// The corpus the lines were looked up in, and how many distinct lines it has.
    public var corpus: String?
    public var corpusLines: Int?
    public var modes: [ModeQuality]
}

/// Samples quatrains in every decoding mode and measures them.
public enum PoemQuality {
    /// The sampling options of `mode` under `options`.
    public static func samplingOptions(_ mode: DecodingMode, _ options: QualityOptions) -> SamplingOptions {
        var o = SamplingOptions()
        o.form = .quatrain
        switch mode {
        case .greedy: break
        case .temperature: o.temperature = options.temperature
        case .topK:
            o.temperature = options.temperature
            o.topK = options.topK
        case .beam: o.beam = options.beam
        }
        return o
    }

    static func setting(_ mode: DecodingMode, _ options: QualityOptions) -> String {
        switch mode {
        case .greedy: return "argmax"
        case .temperature: return "T \(options.temperature)"
        case .topK: return "K \(options.topK), T \(options.temperature)"
        case .beam: return "width \(options.beam)"
        }
    }

    /// Writes `options.count` quatrains per mode and measures them.
    public static func measure(
        sampler: PoemSampler, corpus: PoemCorpus? = nil, options: QualityOptions,
        modes: [DecodingMode] = DecodingMode.allCases
    ) throws -> PoemQualityReport {
        if options.count < 1 { throw SamplingError.invalidOption(option: "--count", value: "\(options.count)", expected: "at least 1") }
        if options.beam < 2 {
            throw SamplingError.invalidOption(option: "--beam", value: "\(options.beam)", expected: "a width of at least 2")
        }
        if options.topK < 1 { throw SamplingError.invalidOption(option: "--top-k", value: "\(options.topK)", expected: "K ≥ 1") }
        if !(options.temperature.isFinite && options.temperature > 0) {
            throw SamplingError.invalidOption(option: "--temperature", value: "\(options.temperature)", expected: "T > 0")
        }
        _ = try sampler.plan(start: "", acrostic: "", prefix: "", options: samplingOptions(.greedy, options))  // can it write quatrains?
        let firsts = sampler.drawFirstCharacters(count: options.count, seed: options.seed)
        let lines = corpus.map(PoemMetrics.lines(of:))
        var results: [ModeQuality] = []
        for mode in modes {
            var o = samplingOptions(mode, options)
            var poems: [SampledPoem] = []
            let t0 = DispatchTime.now().uptimeNanoseconds
            for (i, first) in firsts.enumerated() {
                o.seed = options.seed &+ UInt64(i)
                poems += try sampler.sample(start: String(first), options: o)
            }
            let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            results.append(summary(mode, setting: setting(mode, options), poems: poems, corpusLines: lines, milliseconds: ms))
        }
        return PoemQualityReport(
            options: options, firstCharacters: String(firsts), corpus: corpus?.source,
            corpusLines: lines?.count, modes: results)
    }

    /// The measures of `poems` (one mode).
    public static func summary(
        _ mode: DecodingMode, setting: String, poems: [SampledPoem], corpusLines: Set<String>?,
        milliseconds: Double
    ) -> ModeQuality {
        let texts = poems.map(\.text)
        let n = Double(max(1, poems.count))
        let repeats = texts.map(PoemMetrics.repeatedCharacters)
        let agreement = poems.flatMap(\.formAgreement)
        let likelihoods = poems.flatMap(\.logLikelihoods)
        let copied = corpusLines.map { PoemMetrics.copiedLines(texts, corpusLines: $0) }
        return ModeQuality(
            mode: mode, setting: setting, poems: poems.count,
            validForm: Double(texts.filter(PoemMetrics.isQuatrain).count) / n,
            formAgreement: agreement.isEmpty ? 1 : agreement.reduce(0, +) / Double(agreement.count),
            repeatsPerPoem: Double(repeats.reduce(0, +)) / n,
            poemsWithRepeats: Double(repeats.filter { $0 > 0 }.count) / n,
            distinct1: PoemMetrics.distinct(1, texts), distinct2: PoemMetrics.distinct(2, texts),
            copiedLines: copied.map { $0.lines == 0 ? 0 : Double($0.copied) / Double($0.lines) },
            meanLogLikelihood: likelihoods.isEmpty ? 0 : likelihoods.reduce(0, +) / Double(likelihoods.count),
            millisecondsPerPoem: milliseconds / n,
            examples: Array(texts.prefix(2)))
    }
}
