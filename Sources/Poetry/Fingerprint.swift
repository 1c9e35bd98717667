// Fingerprint.swift — content hashes that tie a saved run to its weights file and to its corpus.
//
// Hash: 64-bit FNV-1a (h ← (h ⊕ byte) · 1099511628211, starting from 14695981039346656037),
// enough to tell an accidental mix-up of files apart (it is not meant to resist forgery).
// The corpus fingerprint hashes the encoded poems (token indices, `G` … `E`), so it changes when
// a poem, the vocabulary or the order of the poems changes; a second, order-free hash (the
// wrapping sum of each poem's hash) tells "the same poems, reordered" from "other poems".
// Leaves out: cryptographic strength.

import Foundation

/// 64-bit FNV-1a over bytes.
enum ContentHash {
    static let basis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The hash of `data`.
    static func of(_ data: Data) -> UInt64 {
        data.withUnsafeBytes { raw in
            var h = basis
            for b in raw { h = (h ^ UInt64(b)) &* prime }
            return h
        }
    }

    /// `h` continued with the four little-endian bytes of `value`.
    static func adding(_ value: Int32, to h: UInt64) -> UInt64 {
        var h = h
        let u = UInt32(bitPattern: value)
        for k in 0..<4 { h = (h ^ UInt64((u >> (8 * UInt32(k))) & 0xFF)) &* prime }
        return h
    }

    /// Sixteen hexadecimal digits.
    static func hex(_ h: UInt64) -> String {
        let digits = String(h, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// What identifies the encoded corpus a run trains on. (N poems)
public struct CorpusFingerprint: Equatable, Sendable, Codable {
    /// N: the number of poems.
    public var poems: Int
    /// FNV-1a of every poem's length and tokens, poem after poem, in corpus order.
    public var ordered: UInt64
    /// Σ FNV-1a(poem) (wrapping): the same for any order of the same poems.
    public var unordered: UInt64

    /// The fingerprint of encoded poems (each `G` … `E`), in their order.
    public init(poems: [[Int32]]) {
        var ordered = ContentHash.basis
        var unordered: UInt64 = 0
        for poem in poems {
            var h = ContentHash.adding(Int32(truncatingIfNeeded: poem.count), to: ContentHash.basis)
            ordered = ContentHash.adding(Int32(truncatingIfNeeded: poem.count), to: ordered)
            for token in poem {
                h = ContentHash.adding(token, to: h)
                ordered = ContentHash.adding(token, to: ordered)
            }
            unordered = unordered &+ h
        }
        self.poems = poems.count
        self.ordered = ordered
        self.unordered = unordered
    }

    /// How the corpus with fingerprint `self` differs from the one the run saved (`saved`), or nil.
    public func difference(fromSaved saved: CorpusFingerprint) -> String? {
        if self == saved { return nil }
        if poems != saved.poems { return "it has \(poems) poem(s), the run was trained on \(saved.poems)" }
        if unordered == saved.unordered {
            return
                "it holds the same \(poems) poems in a different order, so the shuffles would draw other batches and the run would not continue as it started; restore the original order"
        }
        return "it holds other poems than the \(saved.poems) the run was trained on"
    }

    // MARK: - In a state file's metadata

    static let keys = (poems: "corpus.poems", ordered: "corpus.ordered", unordered: "corpus.unordered")

    var metadata: [String: String] {
        [Self.keys.poems: String(poems), Self.keys.ordered: ContentHash.hex(ordered), Self.keys.unordered: ContentHash.hex(unordered)]
    }

    /// Why a fingerprint in metadata could not be read.
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// The fingerprint in `metadata`, nil when it holds none.
    init?(metadata m: [String: String]) throws {
        guard let n = m[Self.keys.poems] else { return nil }
        guard let poems = Int(n), poems >= 0,
            let ordered = m[Self.keys.ordered].flatMap({ UInt64($0, radix: 16) }),
            let unordered = m[Self.keys.unordered].flatMap({ UInt64($0, radix: 16) })
        else {
            throw Malformed(description: "metadata corpus.poems, corpus.ordered or corpus.unordered is malformed")
        }
        self.poems = poems
        self.ordered = ordered
        self.unordered = unordered
    }
}
