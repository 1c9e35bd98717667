// Sampler.swift — writing poems with a trained model, one character at a time.
//
// Dimension letters: R rows of the model's output (V vocabulary entries + the spare row).
// Notation: the model runs on its readable reference step (ReferenceStep.swift), for one
// sequence with its state carried between characters, so each character costs one step. As in
// training, the start token `G` is fed first (the homework's `gen_poem` starts from the first
// character instead), then the optional prefix, then the poem.
// At every position the form (FormConstraint.swift) either fixes the character or names the
// characters allowed; the decoder chooses among those:
//   greedy       the most likely allowed character (the homework's behaviour);
//   temperature  a draw from softmax(logits / T) over the allowed characters;
//   top-k        the same draw among the k most likely allowed characters;
//   beam         (quatrains) the `beam` most probable partial poems are kept; a poem's score is
//                its log-probability under the model, Σ_k log p(x_k | G, x_<k).
// Repeats can be discouraged (a penalty on the logits of used characters) or banned.
// Leaves out: rhyme and tone; a beam for the free form (its poems end at different lengths).

import Foundation
import WorkbenchNumerics

/// The shape of the poem to write.
public enum PoemForm: String, Sendable, Codable, CaseIterable {
    /// Four lines of five characters: `XXXXX，XXXXX。XXXXX，XXXXX。`
    case quatrain
    /// Lines of any length, each closed by punctuation, until the end token `E` (after a
    /// sentence end) or the length cap.
    case free
}

/// Options of `PoemSampler.generate`.
public struct SamplingOptions: Equatable, Sendable {
    /// 0: greedy (argmax, the homework's behaviour); otherwise softmax(logits / T).
    public var temperature = 0.0
    /// Sample only among the k most likely allowed characters (0: all).
    public var topK = 0
    public var seed: UInt64 = 0
    public var form = PoemForm.free
    /// Longest free-form poem (characters, start included; at least 2).
    public var maxLength = 64
    /// Beam width for quatrains (0 or 1: no beam search).
    public var beam = 0
    /// Never choose a content character the poem already has (characters fixed by the start
    /// word or the acrostic are written as given); once every character has been used, repeats
    /// are allowed again rather than breaking the form.
    public var noRepeat = false
    /// Divides the logit of an already used character by this (if positive; multiplies if negative).
    public var repetitionPenalty = 1.0

    public init() {}
}

/// One written poem and what the model thought of it.
public struct SampledPoem: Equatable, Sendable, Codable {
    /// The poem, punctuation included (no markers).
    public var text: String
    /// log p(x_k | G, prefix, x_<k) of each character under the model itself: raw logits, no
    /// temperature, penalty or form mask. The end token is not counted. (N)
    public var logLikelihoods: [Double]
    /// At each position the form decided (its punctuation and the choices, not the start word
    /// or acrostic): the model's probability of the characters the form allowed there.
    public var formAgreement: [Double]
}

/// Writes poems with a fixed model.
public final class PoemSampler {
    public let checkpoint: PoemCheckpoint
    /// The model's step, on copies of the checkpoint's weights.
    public let step: PoemReferenceStep
    let vocabulary: Vocabulary
    /// The kind of every output row. (R)
    let kinds: [FormConstraint.Kind]
    let comma: Int?
    let period: Int?
    let endToken: Int?
    let sentenceEnds: Set<Int>

    public init(checkpoint: PoemCheckpoint) {
        self.checkpoint = checkpoint
        step = PoemReferenceStep(model: checkpoint.model)
        let v = checkpoint.vocabulary
        let kinds = FormConstraint.kinds(vocabulary: v, rows: checkpoint.model.config.rows)
        vocabulary = v
        self.kinds = kinds
        comma = v.id(of: "，")
        period = v.id(of: "。")
        endToken = v.id(of: Vocabulary.endToken)
        sentenceEnds = Set(FormConstraint.sentenceEndCharacters.compactMap { v.id(of: $0) }.filter { kinds[$0] == .mark })
    }

    // MARK: - The request

    /// A request that passed every check: the rows to force and the form's rules.
    struct Plan {
        let constraint: FormConstraint
        let prefix: [Int]
        let options: SamplingOptions
    }

    /// Checks a request, refusing (with the reason) anything the sampler could not honour as
    /// asked. See `SamplingError` for the cases.
    func plan(start: String, acrostic: String, prefix: String, options o: SamplingOptions) throws -> Plan {
        if !(o.temperature.isFinite && o.temperature >= 0) {
            throw SamplingError.invalidOption(
                option: "--temperature", value: "\(o.temperature)", expected: "a finite number ≥ 0 (0 = greedy)")
        }
        if o.topK < 0 { throw SamplingError.invalidOption(option: "--top-k", value: "\(o.topK)", expected: "K ≥ 0 (0 = all)") }
        if o.beam < 0 { throw SamplingError.invalidOption(option: "--beam", value: "\(o.beam)", expected: "a width ≥ 0") }
        if !(o.repetitionPenalty.isFinite && o.repetitionPenalty > 0) {
            throw SamplingError.invalidOption(
                option: "--repetition-penalty", value: "\(o.repetitionPenalty)", expected: "a finite number > 0 (1 = off)")
        }
        if o.form == .free {
            if o.maxLength < 2 {
                throw SamplingError.invalidOption(
                    option: "--max-length", value: "\(o.maxLength)", expected: "at least 2 (a character and the closing '。')")
            }
            if o.beam > 1 { throw SamplingError.needsQuatrain(option: "--beam") }
            if !acrostic.isEmpty { throw SamplingError.needsQuatrain(option: "--acrostic") }
        }
        let missing = ([Character("，"), Character("。")]).filter { vocabulary.id(of: $0) == nil }
        guard missing.isEmpty, let comma, let period else { throw SamplingError.missingFormCharacters(missing, form: o.form) }
        if !kinds.contains(.content) { throw SamplingError.noContentCharacters }

        let startIds = try contentIds(start, option: "--start")
        let acrosticIds = try contentIds(acrostic, option: "--acrostic")
        let unknown = vocabulary.unknownCharacters(in: prefix)
        if !unknown.isEmpty { throw SamplingError.unknownCharacters(unknown, option: "--prefix") }
        let markers = Self.unique(prefix.filter { $0 == Vocabulary.startToken || $0 == Vocabulary.endToken })
        if !markers.isEmpty { throw SamplingError.markerInText(markers, option: "--prefix") }
        let prefixIds = prefix.map { vocabulary.id(of: $0)! }

        switch o.form {
        case .quatrain:
            if acrosticIds.count > 4 { throw SamplingError.acrosticTooLong(acrosticIds.count) }
            if startIds.count > 5 { throw SamplingError.startTooLong(length: startIds.count, limit: 5, form: .quatrain) }
        case .free:
            if startIds.count > o.maxLength - 1 {
                throw SamplingError.startTooLong(length: startIds.count, limit: o.maxLength - 1, form: .free)
            }
        }
        if let s = startIds.first, let a = acrosticIds.first, s != a {
            throw SamplingError.startContradictsAcrostic(start: vocabulary.character(s), acrostic: vocabulary.character(a))
        }
        let constraint = FormConstraint(
            form: o.form, kinds: kinds, comma: comma, period: period, sentenceEnds: sentenceEnds,
            start: startIds, acrostic: acrosticIds, maxLength: o.maxLength)
        return Plan(constraint: constraint, prefix: prefixIds, options: o)
    }

    /// The rows of `text`, every one a content character of the vocabulary.
    private func contentIds(_ text: String, option: String) throws -> [Int] {
        let unknown = vocabulary.unknownCharacters(in: text)
        if !unknown.isEmpty { throw SamplingError.unknownCharacters(unknown, option: option) }
        let ids = text.map { vocabulary.id(of: $0)! }
        let bad = Self.unique(ids.filter { kinds[$0] != .content }.map { vocabulary.character($0) })
        if !bad.isEmpty { throw SamplingError.notContent(bad, option: option) }
        return ids
    }

    private static func unique(_ chars: [Character]) -> [Character] {
        var seen = Set<Character>()
        return chars.filter { seen.insert($0).inserted }
    }

    // MARK: - Writing

    /// Writes `count` poems.
    /// - Parameters:
    ///   - start: the poem's first characters (content only; at most one line of a quatrain).
    ///   - acrostic: the first character of each line (quatrain form: up to four).
    ///   - prefix: text fed to the model after `G` and before the poem (context, not printed;
    ///     punctuation allowed, the markers `G` / `E` not).
    public func generate(
        start: String, acrostic: String = "", prefix: String = "", count: Int = 1,
        options: SamplingOptions
    ) throws -> [String] {
        try sample(start: start, acrostic: acrostic, prefix: prefix, count: count, options: options).map(\.text)
    }

    /// Writes `count` poems, with the model's log-likelihood of each character.
    public func sample(
        start: String, acrostic: String = "", prefix: String = "", count: Int = 1,
        options: SamplingOptions
    ) throws -> [SampledPoem] {
        let plan = try self.plan(start: start, acrostic: acrostic, prefix: prefix, options: options)
        var rng = SeededGenerator(seed: options.seed)
        var context = step.initialState()
        var logits = step(vocabulary.startIndex, &context)
        for t in plan.prefix { logits = step(t, &context) }
        var poems: [SampledPoem] = []
        for _ in 0..<max(1, count) {
            if options.form == .quatrain && options.beam > 1 {
                poems.append(try beamSearch(plan, context: context, logits: logits))
            } else {
                poems.append(try sampleOne(plan, context: context, logits: logits, rng: &rng))
            }
        }
        return poems
    }

    /// `count` first characters drawn from the model's own distribution after `G`, restricted
    /// to content characters (temperature 1).
    public func drawFirstCharacters(count: Int, seed: UInt64) -> [Character] {
        var state = step.initialState()
        let logp = Self.logSoftmax(step(vocabulary.startIndex, &state))
        var rng = SeededGenerator(seed: seed)
        let rows = kinds.indices.filter { kinds[$0] == .content }
        guard let lastRow = rows.last else { return [] }
        let weights = rows.map { Foundation.exp(logp[$0]) }
        let total = weights.reduce(0, +)
        return (0..<max(0, count)).map { _ in
            var u = rng.nextUnit() * total
            for (r, w) in zip(rows, weights) {
                u -= w
                if u < 0 { return vocabulary.character(r) }
            }
            return vocabulary.character(lastRow)
        }
    }

    /// log softmax(z) in Double. (R)
    static func logSoftmax(_ z: [Float]) -> [Double] {
        let m = Double(z.max() ?? 0)
        let lse = m + Foundation.log(z.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) })
        return z.map { Double($0) - lse }
    }

    /// The logits after the repetition controls: the penalty applied to used content characters.
    private func penalised(_ logits: [Float], used: Set<Int>, options: SamplingOptions) -> [Float] {
        guard options.repetitionPenalty != 1, !used.isEmpty else { return logits }
        var s = logits
        let p = Float(options.repetitionPenalty)
        for i in used where kinds[i] == .content { s[i] = s[i] > 0 ? s[i] / p : s[i] * p }
        return s
    }

    /// The allowed rows after `noRepeat` (which yields when it would leave nothing allowed).
    private func allowedAfterRepeats(_ allowed: [Bool], used: Set<Int>, options: SamplingOptions) -> [Bool] {
        guard options.noRepeat, !used.isEmpty else { return allowed }
        var a = allowed
        for i in used where kinds[i] == .content { a[i] = false }
        return a.contains(true) ? a : allowed
    }

    private func sampleOne(
        _ plan: Plan, context: PoemReferenceStep.State, logits first: [Float],
        rng: inout SeededGenerator
    ) throws -> SampledPoem {
        let options = plan.options
        var state = context
        var logits = first
        var tokens: [Int] = [], used = Set<Int>()
        var likelihoods: [Double] = [], agreement: [Double] = []
        writing: while true {
            let rule = plan.constraint.next(after: tokens)
            guard logits.allSatisfy(\.isFinite) else { throw SamplingError.nonFiniteOutput(position: tokens.count) }
            let logp = Self.logSoftmax(logits)
            let next: Int
            switch rule {
            case .end: break writing
            case .given(let t): next = t
            case .forced(let t):
                next = t
                agreement.append(Foundation.exp(logp[t]))
            case .choose(let allowed, let mayEnd):
                let a = allowedAfterRepeats(allowed, used: used, options: options)
                agreement.append(Self.mass(logp, allowed, endToken: mayEnd ? endToken : nil))
                next = choose(
                    penalised(logits, used: used, options: options), allowed: a,
                    end: mayEnd ? endToken : nil, options: options, rng: &rng)
            }
            if next == endToken { break }
            likelihoods.append(logp[next])
            tokens.append(next)
            used.insert(next)
            logits = step(next, &state)
        }
        return SampledPoem(text: String(tokens.map { vocabulary.character($0) }), logLikelihoods: likelihoods, formAgreement: agreement)
    }

    /// Σ p over the allowed rows (and the end token).
    private static func mass(_ logp: [Double], _ allowed: [Bool], endToken: Int?) -> Double {
        var s = 0.0
        for i in logp.indices where allowed[i] { s += Foundation.exp(logp[i]) }
        if let e = endToken { s += Foundation.exp(logp[e]) }
        return s
    }

    /// Greedy, or temperature/top-k, choice among the allowed rows (and `end`, if given).
    private func choose(
        _ logits: [Float], allowed: [Bool], end: Int?, options: SamplingOptions,
        rng: inout SeededGenerator
    ) -> Int {
        var candidates = logits.indices.filter { allowed[$0] }
        if let end { candidates.append(end) }
        func better(_ a: Int, _ b: Int) -> Bool { logits[a] > logits[b] || (logits[a] == logits[b] && a < b) }
        if options.temperature == 0 { return candidates.min(by: better)! }
        if options.topK > 0 && candidates.count > options.topK {
            candidates = Self.best(options.topK, of: candidates, scores: logits)
        }
        let top = candidates.map { Double(logits[$0]) }.max()!
        let weights = candidates.map { Foundation.exp((Double(logits[$0]) - top) / options.temperature) }
        var u = rng.nextUnit() * weights.reduce(0, +)
        for (c, w) in zip(candidates, weights) {
            u -= w
            if u < 0 { return c }
        }
        return candidates.last!
    }

    /// The `k` candidates of highest score, best first (ties: lower row first), in one pass
    /// that keeps a sorted list of k (k is small: a top-k or a beam width).
    static func best<S: BinaryFloatingPoint>(_ k: Int, of candidates: [Int], scores: [S]) -> [Int] {
        var top: [Int] = []
        top.reserveCapacity(k + 1)
        for c in candidates {
            if top.count == k, let last = top.last, !(scores[c] > scores[last]) { continue }
            var at = top.count
            while at > 0 && scores[top[at - 1]] < scores[c] { at -= 1 }
            top.insert(c, at: at)
            if top.count > k { top.removeLast() }
        }
        return top
    }

    /// Beam search over quatrains: keeps the `beam` most probable partial poems, a poem's score
    /// being Σ log p(x_k | …) under the model with the repetition penalty applied.
    private func beamSearch(_ plan: Plan, context: PoemReferenceStep.State, logits first: [Float]) throws -> SampledPoem {
        struct Hypothesis {
            var tokens: [Int] = [], used = Set<Int>()
            var score = 0.0
            var likelihoods: [Double] = [], agreement: [Double] = []
            var state: PoemReferenceStep.State
            var logits: [Float]
        }
        let options = plan.options
        var beams = [Hypothesis(state: context, logits: first)]
        while true {
            var children: [(parent: Int, token: Int, score: Double, agreement: Double?)] = []
            var complete = false
            var raws: [[Double]] = []  // log p under the model, per hypothesis (R)
            for (b, h) in beams.enumerated() {
                let rule = plan.constraint.next(after: h.tokens)
                if rule == .end { complete = true; break }
                guard h.logits.allSatisfy(\.isFinite) else { throw SamplingError.nonFiniteOutput(position: h.tokens.count) }
                let raw = Self.logSoftmax(h.logits)
                raws.append(raw)
                let logp = options.repetitionPenalty == 1 ? raw : Self.logSoftmax(penalised(h.logits, used: h.used, options: options))
                switch rule {
                case .given(let t): children.append((b, t, h.score + logp[t], nil))
                case .forced(let t): children.append((b, t, h.score + logp[t], Foundation.exp(raw[t])))
                case .choose(let allowed, _):
                    let a = allowedAfterRepeats(allowed, used: h.used, options: options)
                    let m = Self.mass(raw, allowed, endToken: nil)
                    for t in Self.best(options.beam, of: logp.indices.filter { a[$0] }, scores: logp) {
                        children.append((b, t, h.score + logp[t], m))
                    }
                case .end: break
                }
            }
            if complete { break }
            children.sort { $0.score > $1.score || ($0.score == $1.score && ($0.parent, $0.token) < ($1.parent, $1.token)) }
            beams = children.prefix(options.beam).map { child in
                var h = beams[child.parent]
                h.likelihoods.append(raws[child.parent][child.token])
                if let m = child.agreement { h.agreement.append(m) }
                h.tokens.append(child.token)
                h.used.insert(child.token)
                h.score = child.score
                h.logits = step(child.token, &h.state)
                return h
            }
        }
        let best = beams[0]
        return SampledPoem(
            text: String(best.tokens.map { vocabulary.character($0) }),
            logLikelihoods: best.likelihoods, formAgreement: best.agreement)
    }
}
