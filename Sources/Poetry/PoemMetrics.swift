// PoemMetrics.swift — plain measures of a set of written poems, from their text alone.
//
// A poem's lines are its runs of characters between punctuation; its content characters are
// everything but punctuation. The measures:
//   quatrain shape   24 characters, '，' at positions 5 and 17, '。' at 11 and 23 (0-based),
//                    no punctuation, whitespace or marker (G, E) anywhere else;
//   repeats          content characters equal to an earlier content character of the same poem;
//   distinct-n       distinct n-grams / all n-grams over a set of poems, n-grams taken inside
//                    lines (Li et al. 2016, "A diversity-promoting objective …");
//   copied lines     lines that occur verbatim as a line of a corpus.
// These are checked independently of the sampler's form rules (FormConstraint.swift), so that
// they can catch it out. Leaves out: rhyme, tone, any judgement of meaning.

/// Measures of poems as text.
public enum PoemMetrics {
    /// True when `text` is a five-character quatrain: `XXXXX，XXXXX。XXXXX，XXXXX。`
    public static func isQuatrain(_ text: String) -> Bool {
        let c = Array(text)
        guard c.count == 24 else { return false }
        for (k, ch) in c.enumerated() {
            switch k % 12 {
            case 5: if ch != "，" { return false }
            case 11: if ch != "。" { return false }
            default: if !isContent(ch) { return false }
            }
        }
        return true
    }

    /// A character a poem is made of: not punctuation, whitespace, or a marker.
    public static func isContent(_ ch: Character) -> Bool {
        !(ch.isPunctuation || ch.isWhitespace || ch == Vocabulary.startToken || ch == Vocabulary.endToken)
    }

    /// The lines of `text`: its non-empty runs between punctuation.
    public static func lines(of text: String) -> [String] {
        text.split(whereSeparator: { $0.isPunctuation }).map(String.init)
    }

    /// Content characters of `text` equal to an earlier content character of it.
    public static func repeatedCharacters(_ text: String) -> Int {
        var seen = Set<Character>()
        return text.filter { isContent($0) && !seen.insert($0).inserted }.count
    }

    /// Distinct n-grams over all n-grams of `poems`, n-grams taken inside lines (0 when there
    /// are none).
    public static func distinct(_ n: Int, _ poems: [String]) -> Double {
        var all = 0
        var seen = Set<String>()
        for poem in poems {
            for line in lines(of: poem) {
                let c = Array(line)
                guard c.count >= n else { continue }
                for i in 0...(c.count - n) {
                    all += 1
                    seen.insert(String(c[i..<(i + n)]))
                }
            }
        }
        return all == 0 ? 0 : Double(seen.count) / Double(all)
    }

    /// Every line of every poem of `corpus`.
    public static func lines(of corpus: PoemCorpus) -> Set<String> {
        var s = Set<String>()
        for poem in corpus.poems { s.formUnion(lines(of: String(poem))) }
        return s
    }

    /// How many lines of `poems` occur verbatim in `corpusLines`, out of how many.
    public static func copiedLines(_ poems: [String], corpusLines: Set<String>) -> (copied: Int, lines: Int) {
        var copied = 0, total = 0
        for poem in poems {
            for line in lines(of: poem) {
                total += 1
                if corpusLines.contains(line) { copied += 1 }
            }
        }
        return (copied, total)
    }
}
