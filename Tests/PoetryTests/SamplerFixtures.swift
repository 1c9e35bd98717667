// SamplerFixtures.swift — small models for the sampler and quality tests, built in the tests
// from generated corpora (no real poems): trained for a few epochs, or left at their initial
// weights.

import WorkbenchNumerics
import XCTest

@testable import Poetry

/// Generated free verse: lines of 2–7 characters closed by assorted punctuation (， 。 ？ ！ 、),
/// so that a model trained on it often wants to break the quatrain form.
func syntheticFreeVerse(_ count: Int, seed: UInt64, alphabet: String = "山水月风花雪云天日江春秋夜人归来") -> [[Character]] {
    var rng = SeededGenerator(seed: seed)
    let chars = Array(alphabet)
    let inner: [Character] = ["，", "，", "、", "？", "！", "。"]
    let last: [Character] = ["。", "。", "？", "！"]
    return (0..<count).map { _ in
        var poem: [Character] = []
        let lines = 2 + rng.int(below: 5)
        for line in 0..<lines {
            let a = rng.int(below: chars.count)
            for k in 0..<(2 + rng.int(below: 6)) { poem.append(chars[(a + 2 * k) % chars.count]) }
            poem.append(line == lines - 1 ? last[rng.int(below: last.count)] : inner[rng.int(below: inner.count)])
        }
        return poem
    }
}

enum SamplerFixtures {
    /// Trains a small model (E 8, H 16, 2 layers) on `corpus` for `epochs` epochs.
    static func trained(_ corpus: [[Character]], epochs: Int, seed: UInt64 = 1) -> PoemCheckpoint {
        let v = Vocabulary(poems: corpus)
        var o = TrainingOptions()
        o.batchSize = 8
        o.epochs = epochs
        o.learningRate = 0.01
        o.threads = 1
        let model = PoemModel(config: PoemModelConfig(rows: v.modelRows, embeddingDim: 8, hiddenSize: 16, layers: 2), seed: seed)
        let t = try! PoemTrainer(poems: corpus.map { v.encode(poem: $0) }, model: model, options: o)
        _ = t.run()
        return PoemCheckpoint(model: t.model, vocabulary: v)
    }

    /// A model at its initial weights over the vocabulary of `corpus`.
    static func untrained(_ corpus: [[Character]], seed: UInt64 = 4) -> PoemCheckpoint {
        let v = Vocabulary(poems: corpus)
        return PoemCheckpoint(
            model: PoemModel(config: PoemModelConfig(rows: v.modelRows, embeddingDim: 8, hiddenSize: 16, layers: 2), seed: seed),
            vocabulary: v)
    }

    /// Trained on regular quatrains.
    static let quatrains: PoemCheckpoint = trained(syntheticQuatrains(48, seed: 3), epochs: 6)
    /// Trained on free verse (irregular lines and punctuation).
    static let freeVerse: PoemCheckpoint = trained(syntheticFreeVerse(48, seed: 5), epochs: 6)
    /// Untrained, over the free-verse vocabulary.
    static let random: PoemCheckpoint = untrained(syntheticFreeVerse(48, seed: 5))
}

/// What is wrong with `poem` as a five-character quatrain (nil: nothing). Written apart from
/// the sampler's rules and from `PoemMetrics`, so that it can catch either out.
func quatrainProblem(_ poem: String) -> String? {
    let c = Array(poem)
    if c.count != 24 { return "\(c.count) characters, not 24" }
    for (k, ch) in c.enumerated() {
        let expected: Character? = k % 12 == 5 ? "，" : k % 12 == 11 ? "。" : nil
        if let e = expected {
            if ch != e { return "'\(ch)' at \(k), expected '\(e)'" }
        } else if ch.isPunctuation || ch.isWhitespace || ch == "G" || ch == "E" || ch == "\u{FFFD}" {
            return "'\(ch)' at \(k) inside a line"
        }
    }
    return nil
}

/// The characters of `vocabulary` a poem may be made of (no punctuation, no markers).
func contentCharacters(_ vocabulary: Vocabulary) -> [Character] {
    vocabulary.characters.filter { !$0.isPunctuation && $0 != "G" && $0 != "E" }
}
