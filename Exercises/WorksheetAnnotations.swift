// WorksheetAnnotations.swift — the structured comments that turn a worksheet into an exercise.
//
// A shipped worksheet is an ordinary worksheet (`workbench check FILE.grad` reads it and gives
// every claim the same meaning); what makes it an exercise lives in comments, so the file stays
// valid and means the same. A comment whose text starts with `@` is a directive:
//
//   # @title Derive ∂L/∂W (6.40) and ∂L/∂b (6.41) of a vanilla RNN
//   # @source 000/001 | theory question 1          seed document | numbering in it
//   # @notation nndl                                one of Notation's raw values
//   # @summary What the worksheet computes …
//   # @typo 003:148                                 a slip that changes no number
//   # @says What the seed states (paraphrased) …    for the next @seed claim or @typo
//   # @shows What the numbers show …                for the next @seed claim or @typo
//   claim dL/dW = …        # @seed 001:29 expect partial-loss "only the last term"
//
// A directive's text goes on over the comment-only lines right below it whose text starts with
// two or more blanks after `#`. `@seed LINES OUTCOME` sits on the line where a claim starts and
// says what the seed has to do with that claim:
//   - `expect KIND ["PHRASE"]`: the seed's claim as written; it must fail, diagnosed KIND (a
//     diagnosis kind of the worksheet report), with PHRASE in the diagnosis when given → an erratum;
//   - `states`: the seed states this claim; it must hold → a confirmation;
//   - `rejects`: the seed calls this claim wrong, yet it holds → an erratum;
//   - `omits`: the seed leaves this out; the worksheet supplies it and it must hold → a completion.
// A claim with a `@says` starts a finding; a tagged claim without one joins the latest finding
// with the same seed lines. A finding with an `expect` or `rejects` claim is an erratum; else a
// confirmation when one claim is `states`, else a completion. Claims without `@seed` must hold.
//
// What it leaves out: annotations change nothing that `workbench check` computes; they are read
// from the worksheet's text, line by line (the language has no strings, so the first `#` of a
// line starts its comment).

import Foundation
import Worksheet

/// What the seed has to do with one claim.
enum SeedOutcome: Equatable, Sendable {
    /// The seed's claim as written: it must fail with this diagnosis (and phrase in its detail).
    case expect(DiagnosisKind, phrase: String?)
    /// The seed states it; it must hold.
    case states
    /// The seed calls it wrong; it holds.
    case rejects
    /// The seed leaves it out; it must hold.
    case omits

    /// Whether the claim must hold.
    var mustHold: Bool {
        if case .expect = self { return false }
        return true
    }
}

/// A finding described in a worksheet: seed lines, what the seed says, what the numbers show,
/// and the claims (by line) that show it.
struct AnnotatedFinding: Sendable {
    var lines: String
    var says: String
    var shows: String
    /// Worksheet lines of the claims, in file order, and what the seed has to do with each.
    var claims: [(line: Int, outcome: SeedOutcome)]
    /// Set for a typo (no claim).
    var isTypo: Bool

    /// The finding's kind, from its claims' outcomes.
    var kind: Finding.Kind {
        if isTypo { return .typo }
        if claims.contains(where: { if case .expect = $0.outcome { return true } else { return $0.outcome == .rejects } }) {
            return .erratum
        }
        return claims.contains { $0.outcome == .states } ? .confirmation : .completion
    }
}

/// A problem with the annotations of a worksheet, with its line.
struct AnnotationProblem: Error, Sendable, CustomStringConvertible {
    let line: Int
    let message: String
    var description: String { "line \(line): \(message)" }
}

/// The annotations of one worksheet.
struct WorksheetAnnotations: Sendable {
    var title = ""
    var document = ""
    var numbering = ""
    var notation: Notation?
    var summary = ""
    var findings: [AnnotatedFinding] = []
    /// The outcome of every tagged claim, by the worksheet line it starts on.
    var outcomes: [Int: SeedOutcome] = [:]
    /// Annotations that could not be read.
    var problems: [AnnotationProblem] = []

    /// Reads the annotations of a worksheet's text. `claimLines` are the lines where its claims
    /// start (a `@seed` anywhere else is a problem); nil reads the header only.
    init(text: String, claimLines: Set<Int>?) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The directives, each with its text joined over its continuation lines.
        var directives: [(line: Int, key: String, value: String)] = []
        var current: Int?
        for (offset, raw) in lines.enumerated() {
            let number = offset + 1
            guard let hash = raw.firstIndex(of: "#") else { current = nil; continue }
            let code = raw[..<hash].trimmingCharacters(in: .whitespaces)
            let comment = String(raw[raw.index(after: hash)...])
            let text = comment.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("@") {
                let body = text.dropFirst()
                let key = String(body.prefix { !$0.isWhitespace })
                let value = body.dropFirst(key.count).trimmingCharacters(in: .whitespaces)
                directives.append((number, key, value))
                current = code.isEmpty ? directives.count - 1 : nil
            } else if let c = current, code.isEmpty, comment.hasPrefix("  "), !text.isEmpty {
                directives[c].value += " " + text
            } else {
                current = nil
            }
        }

        var says: String?, shows: String?
        for d in directives {
            switch d.key {
            case "title": title = d.value
            case "source":
                let parts = d.value.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2 {
                    (document, numbering) = (parts[0], parts[1])
                } else {
                    problems.append(
                        AnnotationProblem(line: d.line, message: "@source needs 'DOCUMENT | NUMBERING', e.g. '003 | Exercise 1 (b)'"))
                }
            case "notation":
                notation = Notation(rawValue: d.value)
                if notation == nil {
                    problems.append(
                        AnnotationProblem(
                            line: d.line,
                            message:
                                "unknown notation '\(d.value)'; expected one of: \(Notation.allCases.map(\.rawValue).joined(separator: ", "))"
                        ))
                }
            case "summary": summary = summary.isEmpty ? d.value : summary + " " + d.value
            case "says": says = d.value
            case "shows": shows = d.value
            case "typo":
                guard let s = says, let w = shows else {
                    problems.append(AnnotationProblem(line: d.line, message: "@typo needs a @says and a @shows above it"))
                    continue
                }
                findings.append(AnnotatedFinding(lines: d.value, says: s, shows: w, claims: [], isTypo: true))
                says = nil; shows = nil
            case "seed":
                if let claimLines, !claimLines.contains(d.line) {
                    problems.append(AnnotationProblem(line: d.line, message: "@seed belongs on the line where a claim starts"))
                    continue
                }
                guard let (seedLines, outcome) = Self.parseSeed(d.value) else {
                    problems.append(
                        AnnotationProblem(
                            line: d.line,
                            message:
                                "cannot read '@seed \(d.value)': expected '@seed DOC:LINES expect KIND [\"PHRASE\"]', 'states', 'rejects' or 'omits' (kinds: \(DiagnosisKind.allCases.map(\.rawValue).joined(separator: ", ")))"
                        ))
                    continue
                }
                outcomes[d.line] = outcome
                if let s = says {
                    guard let w = shows else {
                        problems.append(AnnotationProblem(line: d.line, message: "the finding of this claim has a @says but no @shows"))
                        continue
                    }
                    findings.append(AnnotatedFinding(lines: seedLines, says: s, shows: w, claims: [(d.line, outcome)], isTypo: false))
                } else if let k = findings.lastIndex(where: { !$0.isTypo && $0.lines == seedLines }) {
                    findings[k].claims.append((d.line, outcome))
                } else {
                    problems.append(
                        AnnotationProblem(
                            line: d.line,
                            message: "a claim tagged @seed \(seedLines) starts a finding: give it a @says and a @shows above it"))
                }
                says = nil; shows = nil
            default:
                problems.append(
                    AnnotationProblem(
                        line: d.line,
                        message: "unknown directive '@\(d.key)' (known: title, source, notation, summary, says, shows, typo, seed)"))
            }
        }
        if says != nil || shows != nil {
            problems.append(AnnotationProblem(line: lines.count, message: "a @says or @shows at the end belongs to no claim or typo"))
        }
        if title.isEmpty { problems.append(AnnotationProblem(line: 1, message: "no @title")) }
        if document.isEmpty { problems.append(AnnotationProblem(line: 1, message: "no @source")) }
        if notation == nil && !problems.contains(where: { $0.message.hasPrefix("unknown notation") }) {
            problems.append(AnnotationProblem(line: 1, message: "no @notation"))
        }
    }

    /// "001:28 expect dropped-dependence \"z[t] on h[t-1]\"" → ("001:28", .expect(…)).
    static func parseSeed(_ value: String) -> (lines: String, outcome: SeedOutcome)? {
        for word in [" expect ", " states", " rejects", " omits"] {
            guard let r = value.range(of: word) else { continue }
            let lines = value[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
            let rest = value[r.upperBound...].trimmingCharacters(in: .whitespaces)
            guard lines.contains(":"), !lines.isEmpty else { return nil }
            switch word {
            case " states": return rest.isEmpty ? (lines, .states) : nil
            case " rejects": return rest.isEmpty ? (lines, .rejects) : nil
            case " omits": return rest.isEmpty ? (lines, .omits) : nil
            default:
                let kindName = String(rest.prefix { !$0.isWhitespace })
                guard let kind = DiagnosisKind(rawValue: kindName) else { return nil }
                let tail = rest.dropFirst(kindName.count).trimmingCharacters(in: .whitespaces)
                if tail.isEmpty { return (lines, .expect(kind, phrase: nil)) }
                guard tail.count >= 2, tail.hasPrefix("\""), tail.hasSuffix("\"") else { return nil }
                return (lines, .expect(kind, phrase: String(tail.dropFirst().dropLast())))
            }
        }
        return nil
    }
}
