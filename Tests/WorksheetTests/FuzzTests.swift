// FuzzTests.swift — whatever a file holds, reading and checking it never traps: random bytes,
// random token soup, and random mutations of valid worksheets — the test fixtures and the
// worksheets shipped in Exercises/Worksheets (characters deleted, tokens inserted, lines
// duplicated or swapped, numbers changed). Each input either is refused with a WorksheetError or
// is checked to the end. Seeded, so a failure repeats; a few seconds in all.

import Foundation
import XCTest

@testable import Worksheet

final class FuzzTests: XCTestCase {
    /// Limits small enough that a mutated size (H = 4 → H = 44444) cannot make one input slow.
    let limits = CheckedWorksheet.Limits(elements: 3_000, claimInstances: 2_000, work: 300_000, dimension: 64, entries: 4_096)

    static let vocabulary = [
        "(", ")", "[", "]", "@", "*", "/", "⊙", "+", "-", "^", "'", "ᵀ", ",", ";", "=", ":", "..", "∂", "#", "\n", " ",
        "for ", "let ", "claim ", "size ", "param ", "input ", "t", "k", "i", "T", "H", "0", "1", "-1", "2.5", "1e308", "1e-320",
        "99999999999999999999", "sum(", "prod(", "Σ(", "σ(", "tanh(", "log(", "sqrt(", "softmax(", "diag(", "I(", "onehot(",
        "ones(", "zeros(", "exp(", "relu(", "h[t-1]", "h[t+1]", "x[t]", "L[t]", "delta[t,k]", "U", "W", "b", "dL/dW",
        "t = 1..T", "k = t", ": 1..C", "[1, 2; 3, 4]", "\u{0}", "é", "😀", "\t", "−",
    ]

    private func exercise(_ text: String) {
        guard let sheet = try? Worksheet(text: text, name: "fuzz.grad", limits: limits) else { return }
        guard let report = try? sheet.check(WorksheetCheckOptions(seed: 1)) else { return }
        XCTAssertEqual(report.claims.count, sheet.claimCount)
        _ = try? JSONEncoder().encode(report)
    }

    func testRandomBytesNeverTrap() {
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<300 {
            let count = rng.int(below: 200)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            exercise(String(decoding: bytes, as: UTF8.self))
        }
    }

    func testRandomTokenSoupNeverTraps() {
        var rng = SeededGenerator(seed: 10)
        for _ in 0..<400 {
            let count = rng.int(below: 40)
            exercise((0..<count).map { _ in Self.vocabulary[rng.int(below: Self.vocabulary.count)] }.joined())
        }
    }

    /// The worksheets shipped in Exercises/Worksheets (read from the package's source tree).
    static func shippedWorksheets() -> [String] {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Exercises/Worksheets")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".grad") }.sorted().compactMap {
            try? String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8)
        }
    }

    func testMutatedWorksheetsNeverTrap() {
        mutate(["nndl-rnn", "lstm-step", "gru", "softmax-lm"].map { Fixture.text($0) }, rounds: 600, seed: 11)
    }

    func testMutatedShippedWorksheetsNeverTrap() throws {
        let shipped = Self.shippedWorksheets()
        try XCTSkipIf(shipped.isEmpty, "Exercises/Worksheets is not beside the package")
        XCTAssertGreaterThanOrEqual(shipped.count, 10)
        mutate(shipped, rounds: 220, seed: 12)
    }

    private func mutate(_ sources: [String], rounds: Int, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for round in 0..<rounds {
            var chars = Array(sources[round % sources.count])
            let mutations = 1 + rng.int(below: 3)
            for _ in 0..<mutations {
                guard !chars.isEmpty else { break }
                let at = rng.int(below: chars.count)
                switch rng.int(below: 6) {
                case 0:  // delete a few characters
                    chars.removeSubrange(at..<min(chars.count, at + 1 + rng.int(below: 4)))
                case 1:  // insert a token
                    chars.insert(contentsOf: Self.vocabulary[rng.int(below: Self.vocabulary.count)], at: at)
                case 2:  // change a digit
                    if let d = chars[at...].firstIndex(where: { $0.isNumber }) { chars[d] = Character(String(rng.int(below: 10))) }
                case 3:  // duplicate or drop a line
                    var lines = String(chars).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    let l = rng.int(below: lines.count)
                    if rng.int(below: 2) == 0 { lines.insert(lines[l], at: l) } else { lines.remove(at: l) }
                    chars = Array(lines.joined(separator: "\n"))
                case 4:  // swap two lines
                    var lines = String(chars).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    lines.swapAt(rng.int(below: lines.count), rng.int(below: lines.count))
                    chars = Array(lines.joined(separator: "\n"))
                default:  // replace a character by another of the text
                    chars[at] = chars[rng.int(below: chars.count)]
                }
            }
            exercise(String(chars))
        }
    }
}
