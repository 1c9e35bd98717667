// Vocabulary.swift — characters ↔ indices, exactly as the homework builds them.
//
// Dimension letters: V vocabulary size (characters + `G` + `E`); the model's embedding and
// output layers have V + 1 rows (the homework passes `len(word_int_map) + 1`).
// Notation: Lab 5 `process_poems`: count every character of every `G`+poem+`E`, sort by
// descending count; Python's `sorted` is stable and `Counter` keeps first-insertion order,
// so ties keep the order in which characters first appear.

/// The mapping between characters and token indices.
public struct Vocabulary: Equatable, Sendable {
    public static let startToken: Character = "G"
    public static let endToken: Character = "E"

    /// Characters in index order. (V)
    public let characters: [Character]
    /// Occurrence counts, in index order (0 when built from a saved list). (V)
    public let counts: [Int]
    private let index: [Character: Int]

    /// A vocabulary from characters in index order (e.g. read from a checkpoint).
    public init(characters: [Character], counts: [Int]? = nil) {
        self.characters = characters
        self.counts = counts ?? Array(repeating: 0, count: characters.count)
        var index: [Character: Int] = [:]
        for (i, c) in characters.enumerated() where index[c] == nil { index[c] = i }
        self.index = index
    }

    /// The homework's vocabulary of `poems` (each wrapped in `G` … `E`).
    public init(poems: [[Character]]) {
        var order: [Character] = []
        var count: [Character: Int] = [:]
        func see(_ c: Character) {
            if let n = count[c] { count[c] = n + 1 } else { count[c] = 1; order.append(c) }
        }
        for poem in poems {
            see(Self.startToken)
            for c in poem { see(c) }
            see(Self.endToken)
        }
        // Stable sort by descending count: ties keep first-occurrence order.
        let ranked = order.enumerated().sorted { a, b in
            let ca = count[a.element]!, cb = count[b.element]!
            return ca != cb ? ca > cb : a.offset < b.offset
        }
        self.init(characters: ranked.map(\.element), counts: ranked.map { count[$0.element]! })
    }

    public static func == (a: Vocabulary, b: Vocabulary) -> Bool { a.characters == b.characters }

    /// V: number of entries (characters + G + E).
    public var count: Int { characters.count }
    /// Rows of the embedding and output layers: V + 1.
    public var modelRows: Int { characters.count + 1 }

    /// Index of the start token `G`.
    public var startIndex: Int { index[Self.startToken] ?? 0 }
    /// Index of the end token `E`.
    public var endIndex: Int { index[Self.endToken] ?? 0 }

    /// The index of `c`, or nil when it is not in the vocabulary.
    public func id(of c: Character) -> Int? { index[c] }

    /// `G` + poem + `E` as indices (a character outside the vocabulary becomes the spare
    /// row V, which never occurs in training).
    public func encode(poem: [Character]) -> [Int32] {
        var out: [Int32] = [Int32(startIndex)]
        for c in poem { out.append(Int32(index[c] ?? characters.count)) }
        out.append(Int32(endIndex))
        return out
    }

    /// The characters of `text` that are not in the vocabulary, in order, without repeats.
    public func unknownCharacters(in text: String) -> [Character] {
        var seen = Set<Character>()
        return text.filter { index[$0] == nil && seen.insert($0).inserted }.map { $0 }
    }

    /// The character of index `i` (the spare row V maps to a replacement mark).
    public func character(_ i: Int) -> Character {
        i >= 0 && i < characters.count ? characters[i] : "\u{FFFD}"
    }

    /// The vocabulary as one string (for checkpoint metadata).
    public var joined: String { String(characters) }
}
