// Sampler.swift — writing poems with a trained model, one character at a time.
//
// Dimension letters: E embedding width, H hidden width, G = 4H, R output rows, L layers.
// Notation: the same PyTorch LSTM as Network.swift, run for a single sequence (B = 1) with
// its state (h, c) per layer kept between steps, so each new character costs one step.
// The homework samples greedily (argmax) from the start characters; the model here is also
// fed the start token `G` first, as in training. Options: temperature and top-k sampling,
// acrostics, the quatrain form (five characters, `，` and `。` at fixed places, four lines),
// beam search over quatrains, and two ways to discourage repeats.

import Foundation
import WorkbenchNumerics

/// The shape of the poem to write.
public enum PoemForm: String, Sendable, Codable, CaseIterable {
    /// Four lines of five characters: `XXXXX，XXXXX。XXXXX，XXXXX。`
    case quatrain
    /// Until the end token `E` or the length cap.
    case free
}

/// Options of `PoemSampler.generate`.
public struct SamplingOptions: Equatable, Sendable {
    /// 0: greedy (argmax, the homework's behaviour); otherwise softmax(logits / T).
    public var temperature = 0.0
    /// Sample only among the k most likely characters (0: all).
    public var topK = 0
    public var seed: UInt64 = 0
    public var form = PoemForm.free
    /// Longest free-form poem (characters, start included).
    public var maxLength = 64
    /// Beam width for quatrains (0 or 1: no beam search).
    public var beam = 0
    /// Never repeat a character (punctuation excepted).
    public var noRepeat = false
    /// Divides the logit of an already used character by this (if positive; multiplies if negative).
    public var repetitionPenalty = 1.0

    public init() {}
}

/// Why sampling could not start.
public enum SamplingError: WorkbenchError, Equatable {
    /// A start word, acrostic or option the model cannot honour is a malformed request.
    public var exitStatus: Int32 { 2 }

    case unknownCharacters([Character], option: String)
    case badAcrostic(String)

    public var description: String {
        switch self {
        case let .unknownCharacters(chars, option):
            return "\(option): character(s) not in the model's vocabulary: \(chars.map { "'\($0)'" }.joined(separator: " "))"
        case let .badAcrostic(s): return s
        }
    }
}

/// Writes poems with a fixed model.
public final class PoemSampler {
    public let checkpoint: PoemCheckpoint
    let model: PoemModel
    let vocabulary: Vocabulary
    /// Tokens that are never emitted inside a line: G, E, the spare row, punctuation.
    private var isMark: [Bool]
    let comma: Int?
    let period: Int?

    public init(checkpoint: PoemCheckpoint) {
        self.checkpoint = checkpoint
        self.model = checkpoint.model
        self.vocabulary = checkpoint.vocabulary
        let R = checkpoint.model.config.rows
        isMark = (0..<R).map { i in
            guard i < checkpoint.vocabulary.count else { return true }
            let ch = checkpoint.vocabulary.character(i)
            return ch == Vocabulary.startToken || ch == Vocabulary.endToken || ch.isPunctuation || ch.isWhitespace
        }
        comma = checkpoint.vocabulary.id(of: "，")
        period = checkpoint.vocabulary.id(of: "。")
    }

    /// The LSTM state of one sequence. (L, H) each.
    struct State {
        var h: [[Float]]
        var c: [[Float]]
    }

    func initialState() -> State {
        let c = model.config
        let zero = [[Float]](repeating: [Float](repeating: 0, count: c.hiddenSize), count: c.layers)
        return State(h: zero, c: zero)
    }

    /// Feeds `token` and returns the next-character logits. (R)
    func step(_ state: inout State, token: Int) -> [Float] {
        let cfg = model.config
        let H = cfg.hiddenSize, G = 4 * H, E = cfg.embeddingDim, R = cfg.rows
        let layout = model.layout
        return model.parameters.withUnsafeBufferPointer { pp in
            let p = pp.baseAddress!
            var x = Array(UnsafeBufferPointer(start: p + layout.embedding.offset + min(max(token, 0), R - 1) * E, count: E))
            var z = [Float](repeating: 0, count: G)
            for l in 0..<cfg.layers {
                let n = x.count
                let wih = p + layout.weightIH(l).offset, whh = p + layout.weightHH(l).offset
                let bih = p + layout.biasIH(l).offset, bhh = p + layout.biasHH(l).offset
                x.withUnsafeBufferPointer { xp in
                    state.h[l].withUnsafeBufferPointer { hp in
                        for g in 0..<G {
                            z[g] = bih[g] + bhh[g] + Self.dot(wih + g * n, xp.baseAddress!, n) + Self.dot(whh + g * H, hp.baseAddress!, H)
                        }
                    }
                }
                for j in 0..<H {
                    let i = 1 / (1 + Foundation.exp(-z[j])), f = 1 / (1 + Foundation.exp(-z[H + j]))
                    let g = Foundation.tanh(z[2 * H + j]), o = 1 / (1 + Foundation.exp(-z[3 * H + j]))
                    state.c[l][j] = f * state.c[l][j] + i * g
                    state.h[l][j] = o * Foundation.tanh(state.c[l][j])
                }
                x = state.h[l]
            }
            var logits = [Float](repeating: 0, count: R)
            let w = p + layout.fcWeight.offset, b = p + layout.fcBias.offset
            x.withUnsafeBufferPointer { xp in
                for r in 0..<R { logits[r] = b[r] + Self.dot(w + r * H, xp.baseAddress!, H) }
            }
            return logits
        }
    }

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= n {
            acc = acc.addingProduct(UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self),
                                    UnsafeRawPointer(b + i).loadUnaligned(as: SIMD16<Float>.self))
            i += 16
        }
        var s = acc.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// Checks that every character of `text` is known.
    func ids(_ text: String, option: String) throws -> [Int] {
        let unknown = vocabulary.unknownCharacters(in: text)
        if !unknown.isEmpty { throw SamplingError.unknownCharacters(unknown, option: option) }
        return text.map { vocabulary.id(of: $0)! }
    }

    /// What the quatrain form demands at position `k` (0-based over the 24 characters).
    func forcedMark(at k: Int) -> Int? {
        switch k % 12 { case 5: return comma; case 11: return period; default: return nil }
    }

    /// Writes `count` poems.
    /// - Parameters:
    ///   - start: the poem's first characters.
    ///   - acrostic: the first character of each line (quatrain form: up to four).
    ///   - prefix: text fed to the model before the poem (context, not printed).
    public func generate(start: String, acrostic: String = "", prefix: String = "", count: Int = 1,
                         options: SamplingOptions) throws -> [String] {
        let startIds = try ids(start, option: "--start")
        let acrosticIds = try ids(acrostic, option: "--acrostic")
        let prefixIds = try ids(prefix, option: "--prefix")
        if options.form == .quatrain && acrosticIds.count > 4 {
            throw SamplingError.badAcrostic("--acrostic: a quatrain has four lines, got \(acrosticIds.count) characters")
        }
        if options.form == .quatrain && (comma == nil || period == nil) {
            throw SamplingError.badAcrostic("--form quatrain: the vocabulary lacks '，' or '。'")
        }
        var rng = SeededGenerator(seed: options.seed)
        var context = initialState()
        var logits = step(&context, token: vocabulary.startIndex)
        for t in prefixIds { logits = step(&context, token: t) }
        var poems: [String] = []
        for _ in 0..<max(1, count) {
            if options.form == .quatrain && options.beam > 1 {
                poems.append(beamQuatrain(context: context, logits: logits, start: startIds, acrostic: acrosticIds, options: options))
            } else {
                poems.append(sampleOne(context: context, logits: logits, start: startIds, acrostic: acrosticIds, options: options, rng: &rng))
            }
        }
        return poems
    }

    /// The character forced at position k (start text, acrostic, quatrain punctuation), if any.
    private func forced(at k: Int, start: [Int], acrostic: [Int], form: PoemForm, lineStarts: [Int]) -> Int? {
        if k < start.count { return start[k] }
        if form == .quatrain {
            if let m = forcedMark(at: k) { return m }
            if k % 6 == 0, k / 6 < acrostic.count { return acrostic[k / 6] }
        } else if let i = lineStarts.firstIndex(of: k), i < acrostic.count {
            return acrostic[i]
        }
        return nil
    }

    /// Adjusts logits for the form and the repetition controls; returns log-probabilities.
    private func scores(_ logits: [Float], position k: Int, used: Set<Int>, options: SamplingOptions, allowEnd: Bool) -> [Double] {
        var s = logits.map(Double.init)
        for i in s.indices {
            // Quatrains: no marks inside a line (the form places the punctuation itself).
            // Free form: punctuation is allowed; G and the spare row never are; E ends the poem.
            let banned = options.form == .quatrain ? isMark[i] : isControl(i) && !(allowEnd && i == vocabulary.endIndex)
            if banned { s[i] = -.infinity }
            if used.contains(i) && !isMark[i] {
                if options.noRepeat { s[i] = -.infinity }
                if options.repetitionPenalty != 1 { s[i] = s[i] > 0 ? s[i] / options.repetitionPenalty : s[i] * options.repetitionPenalty }
            }
        }
        let m = s.max() ?? 0
        guard m.isFinite else { return s }
        let lse = m + Foundation.log(s.reduce(0) { $0 + Foundation.exp($1 - m) })
        return s.map { $0 - lse }
    }

    /// G, E and the spare row (never emitted except E to end a free poem).
    private func isControl(_ i: Int) -> Bool {
        i >= vocabulary.count || i == vocabulary.startIndex || i == vocabulary.endIndex
    }

    private func sampleOne(context: State, logits first: [Float], start: [Int], acrostic: [Int],
                           options: SamplingOptions, rng: inout SeededGenerator) -> String {
        var state = context
        var logits = first
        var out: [Int] = []
        var used = Set<Int>()
        var lineStarts = [0]
        let limit = options.form == .quatrain ? 24 : max(options.maxLength, start.count)
        while out.count < limit {
            let k = out.count
            var next: Int
            if let f = forced(at: k, start: start, acrostic: acrostic, form: options.form, lineStarts: lineStarts) {
                next = f
            } else {
                let s = scores(logits, position: k, used: used, options: options, allowEnd: options.form == .free)
                next = choose(s, options: options, rng: &rng)
                if next < 0 { break }
            }
            if options.form == .free && next == vocabulary.endIndex { break }
            out.append(next)
            used.insert(next)
            if options.form == .free, next == period || next == comma || vocabulary.character(next) == "？" || vocabulary.character(next) == "！" {
                lineStarts.append(out.count)
            }
            logits = step(&state, token: next)
        }
        return String(out.map { vocabulary.character($0) })
    }

    /// Greedy or temperature/top-k choice among finite scores; −1 when none is allowed.
    private func choose(_ logp: [Double], options: SamplingOptions, rng: inout SeededGenerator) -> Int {
        var best = -1
        for i in logp.indices where logp[i].isFinite && (best < 0 || logp[i] > logp[best]) { best = i }
        guard best >= 0, options.temperature > 0 else { return best }
        var candidates: [Int]
        if options.topK > 0 {
            // The k best in one pass (ties: lower index first), without sorting everything.
            candidates = []
            candidates.reserveCapacity(options.topK + 1)
            for i in logp.indices where logp[i].isFinite {
                if candidates.count == options.topK, let last = candidates.last, logp[i] <= logp[last] { continue }
                var at = candidates.count
                while at > 0 && logp[candidates[at - 1]] < logp[i] { at -= 1 }
                candidates.insert(i, at: at)
                if candidates.count > options.topK { candidates.removeLast() }
            }
        } else {
            candidates = logp.indices.filter { logp[$0].isFinite }
        }
        let weights = candidates.map { Foundation.exp((logp[$0] - logp[best]) / options.temperature) }
        var u = rng.nextUnit() * weights.reduce(0, +)
        for (c, w) in zip(candidates, weights) {
            u -= w
            if u < 0 { return c }
        }
        return candidates.last ?? best
    }

    /// Beam search over quatrains: keeps the `beam` most probable partial poems.
    private func beamQuatrain(context: State, logits first: [Float], start: [Int], acrostic: [Int], options: SamplingOptions) -> String {
        struct Hyp { var tokens: [Int]; var score: Double; var state: PoemSampler.State; var logits: [Float] }
        var beams = [Hyp(tokens: [], score: 0, state: context, logits: first)]
        for k in 0..<24 {
            var expanded: [(parent: Int, token: Int, score: Double)] = []
            for (bi, h) in beams.enumerated() {
                let s = scores(h.logits, position: k, used: Set(h.tokens), options: options, allowEnd: false)
                if let f = forced(at: k, start: start, acrostic: acrostic, form: .quatrain, lineStarts: []) {
                    expanded.append((bi, f, h.score + (s[f].isFinite ? s[f] : 0)))
                } else {
                    var top: [(Int, Double)] = []
                    for i in s.indices where s[i].isFinite { top.append((i, s[i])) }
                    top.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
                    for (i, v) in top.prefix(options.beam) { expanded.append((bi, i, h.score + v)) }
                }
            }
            expanded.sort { $0.score > $1.score || ($0.score == $1.score && ($0.parent, $0.token) < ($1.parent, $1.token)) }
            beams = expanded.prefix(options.beam).map { e in
                var h = beams[e.parent]
                h.tokens.append(e.token)
                h.score = e.score
                h.logits = step(&h.state, token: e.token)
                return h
            }
            if beams.isEmpty { break }
        }
        return String((beams.first?.tokens ?? []).map { vocabulary.character($0) })
    }
}
