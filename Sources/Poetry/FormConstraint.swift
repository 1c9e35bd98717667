// FormConstraint.swift — what the form allows at the next position of a poem being written.
//
// Dimension letters: R rows of the model's output (V vocabulary entries + the spare row).
// Every row is one of three kinds:
//   content — a character a poem is made of;
//   mark    — punctuation that may end a line (， 。 ？ ！ ；, those the vocabulary has);
//   other   — never written: the markers G and E, the spare row, whitespace, and any other
//             punctuation (quotes, brackets, …).
// The rules, the same for every decoding mode (greedy, temperature, top-k, beam):
//   quatrain — 24 characters: positions 5 and 17 are '，', 11 and 23 are '。', every other
//              position is content; the start word fills positions 0…, the acrostic the first
//              position of each line; then the poem ends.
//   free     — lines of at least one content character, each closed by one mark; the poem ends
//              with the end token E, which may follow only a sentence end (。 ？ ！), so never
//              an empty poem; within --max-length characters, the last of them a sentence end
//              (the rules keep room for it: one place before the limit a line may only close
//              with a sentence end, at the limit's last place it must).
// Leaves out: rhyme and tone patterns; the decoding itself (Sampler.swift).

/// The form's rules for the next character, given the characters written so far.
struct FormConstraint {
    enum Kind { case content, mark, other }

    /// What may come next.
    enum Next: Equatable {
        /// A character the request fixed (start word, acrostic).
        case given(Int)
        /// A character the form fixes (the quatrain's punctuation, the closing '。').
        case forced(Int)
        /// A choice among the rows marked true (R); `mayEnd`: the end token E may be chosen too.
        case choose(allowed: [Bool], mayEnd: Bool)
        /// The poem is complete.
        case end
    }

    let form: PoemForm
    /// The kind of each row. (R)
    let kinds: [Kind]
    let comma: Int
    let period: Int
    /// Rows of marks that end a sentence (。 ？ ！).
    let sentenceEnds: Set<Int>
    /// The start word and the acrostic, as rows (already validated as content).
    let start: [Int]
    let acrostic: [Int]
    /// Longest free-form poem (characters).
    let maxLength: Int

    /// Content rows. (R)
    let contentMask: [Bool]
    /// Content and every mark. (R)
    let contentOrMarkMask: [Bool]
    /// Content and the sentence-ending marks. (R)
    let contentOrSentenceEndMask: [Bool]

    /// Marks that may close a line, and those that close a sentence.
    static let lineEndCharacters: Set<Character> = ["，", "。", "？", "！", "；"]
    static let sentenceEndCharacters: Set<Character> = ["。", "？", "！"]

    /// The kind of every row of a model with `rows` outputs over `vocabulary`.
    static func kinds(vocabulary: Vocabulary, rows: Int) -> [Kind] {
        (0..<rows).map { i in
            guard i < vocabulary.count else { return .other }
            let ch = vocabulary.character(i)
            if ch == Vocabulary.startToken || ch == Vocabulary.endToken || ch.isWhitespace { return .other }
            if lineEndCharacters.contains(ch) { return .mark }
            return ch.isPunctuation ? .other : .content
        }
    }

    init(
        form: PoemForm, kinds: [Kind], comma: Int, period: Int, sentenceEnds: Set<Int>,
        start: [Int], acrostic: [Int], maxLength: Int
    ) {
        self.form = form
        self.kinds = kinds
        self.comma = comma
        self.period = period
        self.sentenceEnds = sentenceEnds
        self.start = start
        self.acrostic = acrostic
        self.maxLength = maxLength
        contentMask = kinds.map { $0 == .content }
        contentOrMarkMask = kinds.map { $0 != .other }
        contentOrSentenceEndMask = kinds.indices.map { kinds[$0] == .content || sentenceEnds.contains($0) }
    }

    /// The rule for position `tokens.count`.
    func next(after tokens: [Int]) -> Next {
        let k = tokens.count
        if k < start.count { return .given(start[k]) }
        switch form {
        case .quatrain:
            if k >= 24 { return .end }
            switch k % 12 {
            case 5: return .forced(comma)
            case 11: return .forced(period)
            default: break
            }
            if k % 6 == 0, k / 6 < acrostic.count { return .given(acrostic[k / 6]) }
            return .choose(allowed: contentMask, mayEnd: false)
        case .free:
            let left = maxLength - k
            let atLineStart = tokens.last.map { kinds[$0] == .mark } ?? true
            if atLineStart {
                // After a sentence end the poem may stop; with fewer than two places left it must
                // (the rules below make sure the line just closed ended a sentence).
                let mayEnd = tokens.last.map(sentenceEnds.contains) ?? false
                if left < 2 { return .end }
                return .choose(allowed: contentMask, mayEnd: mayEnd)
            }
            if left <= 1 { return .forced(period) }
            return .choose(allowed: left == 2 ? contentOrSentenceEndMask : contentOrMarkMask, mayEnd: false)
        }
    }
}
