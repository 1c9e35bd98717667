// Report.swift — gradient comparison reports: values that print as a table or as JSON.

import Foundation
import WorkbenchNumerics

/// How an entry or a parameter fared.
public enum Verdict: String, Codable, Sendable {
    case pass
    case fail
    /// The expected outcome of a deliberately wrong gradient: the checker flagged it.
    case caught
    /// A deliberately wrong gradient that the checker did not flag (a checker failure).
    case missed
    case skipped

    /// Whether this verdict counts as success for the suite.
    public var isSuccess: Bool { self == .pass || self == .caught || self == .skipped }
}

/// One entry of a gradient: where it is and both values.
public struct EntryComparison: Codable, Sendable, Equatable {
    /// Zero-based (row, column) offsets in the JSON; text reports print them from 1, as the textbook counts.
    public let row: Int
    public let column: Int
    /// The gradient under test.
    public let analytic: Double
    /// The reference (finite differences or a second method).
    public let reference: Double
    public let absoluteError: Double
    public let relativeError: Double
}

/// An entry where the loss has a kink: the one-sided differences disagree, so there is no
/// derivative, only a range of subgradients [min(left, right), max(left, right)].
public struct KinkEntry: Codable, Sendable, Equatable {
    public let row: Int
    public let column: Int
    public let analytic: Double
    /// (L(θ) − L(θ − ε)) / ε.
    public let leftDifference: Double
    /// (L(θ + ε) − L(θ)) / ε.
    public let rightDifference: Double
    /// Whether the analytic value lies between the one-sided values (a valid subgradient).
    public let isSubgradient: Bool
}

/// The comparison of one parameter's gradient by two methods.
public struct ParameterComparison: Codable, Sendable {
    /// The quantity, e.g. "∂L/∂U".
    public let name: String
    /// (rows, cols) of the parameter.
    public let shape: [Int]
    /// e.g. "textbook vs autodiff".
    public let methods: String
    public let maxAbsoluteError: Double
    public let maxRelativeError: Double
    /// The denominator floor used for relative errors (see GradCheckOptions.relativeFloor).
    public let relativeErrorFloor: Double
    /// Largest |reference| entry: the scale of this gradient.
    public let scale: Double
    /// Entries by descending relative error (at most three).
    public let worstEntries: [EntryComparison]
    /// Entries failing the pass rule (kinks with a valid subgradient excluded).
    public let failingEntries: Int
    public let entryCount: Int
    /// Finite-difference checks of large parameters: how many entries (a seeded random sample)
    /// were probed; nil when every entry was.
    public var probedEntries: Int? = nil
    /// Entries that differ from finite differences by less than the differences' own rounding
    /// noise but by more than the bound allows (at most `GradCheckOptions.unresolvedBoundFactor`
    /// times it): finite differences cannot resolve them (a long sequence, a loss of hundreds), so
    /// they are not counted in the errors above.
    public var unresolvedEntries: Int = 0
    /// Non-differentiable points met (finite-difference checks only).
    public let kinks: [KinkEntry]
    public let verdict: Verdict

    /// A one-line summary naming the worst entries and both values — never a matrix dump.
    public var summary: String {
        var s = "\(name) (\(methods)): max rel \(sci(maxRelativeError)), max abs \(sci(maxAbsoluteError)), \(verdict.rawValue)"
        if let n = probedEntries { s += "; finite differences on \(n) of \(entryCount) entries (a seeded sample)" }
        if unresolvedEntries > 0 { s += "; \(unresolvedEntries) entries agree only to within the finite differences' rounding noise" }
        if failingEntries > 0 { s += "; \(failingEntries) of \(entryCount) entries fail the rule" }
        if let w = worstEntries.first {
            s += "; worst (\(w.row + 1),\(w.column + 1)): \(sci(w.analytic, 10)) vs \(sci(w.reference, 10))"
        }
        if !kinks.isEmpty {
            s += "; \(kinks.count) non-differentiable point(s)"
        }
        return s
    }
}

/// A set of parameter comparisons with an overall verdict.
public struct GradientCheckReport: Codable, Sendable {
    public let title: String
    public let options: GradCheckOptions
    public var parameters: [ParameterComparison]

    public init(title: String, options: GradCheckOptions, parameters: [ParameterComparison]) {
        self.title = title
        self.options = options
        self.parameters = parameters
    }

    /// Pass only if every parameter passes.
    public var verdict: Verdict { parameters.allSatisfy { $0.verdict.isSuccess } ? .pass : .fail }
    public var passed: Bool { verdict == .pass }
    /// The largest relative error over all parameters.
    public var maxRelativeError: Double { parameters.map(\.maxRelativeError).max() ?? 0 }
    public var maxAbsoluteError: Double { parameters.map(\.maxAbsoluteError).max() ?? 0 }

    /// The failing parameters' summaries, one per line ("" when all pass).
    public var failureMessage: String {
        parameters.filter { !$0.verdict.isSuccess }.map(\.summary).joined(separator: "\n")
    }

    /// A plain-text table: one row per parameter.
    public func table() -> String {
        var rows: [[String]] = [
            ["quantity", "shape", "methods", "max rel err", "max abs err", "worst entry (from 1): a vs ref", "verdict"]
        ]
        for p in parameters {
            let worst =
                p.worstEntries.first.map { "(\($0.row + 1),\($0.column + 1)): \(sci($0.analytic, 6)) vs \(sci($0.reference, 6))" } ?? "-"
            var verdict = p.verdict.rawValue
            if !p.kinks.isEmpty { verdict += " (\(p.kinks.count) kink\(p.kinks.count == 1 ? "" : "s"))" }
            if p.unresolvedEntries > 0 { verdict += " (\(p.unresolvedEntries) within FD noise)" }
            let shape = p.shape.map(String.init).joined(separator: "×") + (p.probedEntries.map { ", FD on \($0)" } ?? "")
            rows.append([
                p.name, shape, p.methods,
                sci(p.maxRelativeError), sci(p.maxAbsoluteError), worst, verdict,
            ])
        }
        var text = title + "\n" + renderTable(rows)
        let kinks = parameters.flatMap { p in p.kinks.map { (p.name, $0) } }
        if !kinks.isEmpty {
            text += "\nnon-differentiable points (one-sided differences disagree):"
            for (name, k) in kinks.prefix(10) {
                text +=
                    "\n  \(name)(\(k.row + 1),\(k.column + 1)): left \(sci(k.leftDifference, 6)), right \(sci(k.rightDifference, 6)), analytic \(sci(k.analytic, 6)) — \(k.isSubgradient ? "a subgradient" : "NOT a subgradient")"
            }
        }
        text += "\nverdict: \(verdict.rawValue)"
        let sampled = parameters.filter { $0.probedEntries != nil }
        if !sampled.isEmpty {
            let probed = sampled.reduce(0) { $0 + ($1.probedEntries ?? 0) }
            let of = sampled.reduce(0) { $0 + $1.entryCount }
            text += " (finite differences on a seeded sample: \(probed) of \(of) entries of \(sampled.map(\.name).joined(separator: ", ")))"
        }
        return text
    }
}

/// Scientific notation with `digits` significant digits.
public func sci(_ x: Double, _ digits: Int = 2) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == 0 { return "0" }
    return String(format: "%.\(max(digits - 1, 0))e", x)
}

/// Renders rows of cells as an aligned plain-text table; the first row is the header.
public func renderTable(_ rows: [[String]]) -> String {
    guard let header = rows.first else { return "" }
    var widths = header.map(\.count)
    for row in rows {
        for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
    }
    func line(_ row: [String]) -> String {
        row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
        }.joined(separator: "  ")
    }
    var out = [
        line(header),
        widths.enumerated().map { i, w in String(repeating: "-", count: i == widths.count - 1 ? max(w, 7) : w) }.joined(separator: "  "),
    ]
    out += rows.dropFirst().map(line)
    return out.joined(separator: "\n")
}
