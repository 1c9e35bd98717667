// Exercise.swift — what every homework exercise provides, and the report it returns.
//
// An exercise names where it comes from (which seed document and numbering), which notation it
// uses (the seeds use four notations for the same network; see `Notation`), and computes its
// quantities when run: checks with tolerances, a verdict, and findings about the seed, each with
// the numbers that show it:
//   - an erratum: the seed states something wrong (a formula, a shape, a printed number, a
//     general statement), shown by a number that the correct version does not produce;
//   - a typo: a slip in a symbol or an index that changes no number, listed with its line;
//   - a confirmation: the seed states something and the numbers agree;
//   - a completion: the seed announces or leaves out a step, and the workbench supplies it
//     (the claim is the workbench's, not the seed's, so it is never called a confirmation).
//
// Every verdict is computed from measured numbers. Evidence is typed (`QuantityValue`): a number
// is a number, a matrix a matrix, a shape a shape; words are marked as words. Indices shown to a
// student (entries, steps, rows) count from 1, as in the textbook.
//
// An exercise keeps its ingredients (matrices, formulas, step functions, printed claims) in
// stored properties with the seed's defaults, so that a test can hand it a deliberately wrong
// one and see the verdict turn (Tests/ExercisesTests/MutationTests.swift).

import Foundation
import GradCheck
import WorkbenchNumerics

/// The notation an exercise is written in.
public enum Notation: String, Codable, Sendable, CaseIterable {
    /// NNDL ch. 6: z_k = U h_{k-1} + W x_k + b, h_k = f(z_k); U recurrent, W input.
    case nndl
    /// Homework 5: h_t = σ(W h_{t-1} + U x_t); W recurrent, U input — swapped relative to NNDL.
    case homework5
    /// cs224n-style language model: e = E x, h = σ(W_h h_{t-1} + W_e e + b₁), ŷ = softmax(U h + b₂).
    case cs224n
    /// tanh RNN with an output layer: h_t = tanh(W_H h_{t-1} + W_X x_t), o_t = W_O h_t.
    case tanhOutputLayer = "tanh-output-layer"
    /// PyTorch's nn.LSTM: gates W_ih x + b_ih + W_hh h + b_hh split (i, f, g, o).
    case pytorch

    /// The defining equations, and how they map onto NNDL's names.
    public var summary: String {
        switch self {
        case .nndl: return "NNDL: z_k = U h_{k-1} + W x_k + b, h_k = f(z_k) (U recurrent, W input)"
        case .homework5: return "Homework 5: h_t = σ(W h_{t-1} + U x_t) — its W is NNDL's U (recurrent) and its U is NNDL's W (input)"
        case .cs224n:
            return
                "cs224n: e = E x, h = σ(W_h h_{t-1} + W_e e + b₁), ŷ = softmax(U h + b₂), J = CE(y, ŷ) — W_h is NNDL's U, W_e E is NNDL's W"
        case .tanhOutputLayer:
            return "tanh RNN: h_t = tanh(W_H h_{t-1} + W_X x_t + b_h), o_t = W_O h_t + b_q — W_H is NNDL's U, W_X is NNDL's W"
        case .pytorch: return "PyTorch LSTM: gates = W_ih x + b_ih + W_hh h + b_hh, split (i, f, g, o); c' = f⊙c + i⊙g; h' = o⊙tanh(c')"
        }
    }
}

/// Where an exercise comes from.
public struct ExerciseSource: Codable, Sendable {
    /// The seed document's number, e.g. "003".
    public let document: String
    /// The document, described, e.g. "Homework 5 (BPTT, vanishing gradients, LSTM)".
    public let documentTitle: String
    /// The numbering inside the document, e.g. "Exercise 2 (c)".
    public let numbering: String

    public init(document: String, documentTitle: String, numbering: String) {
        self.document = document
        self.documentTitle = documentTitle
        self.numbering = numbering
    }

    public var description: String { "seed \(document) (\(documentTitle)), \(numbering)" }
}

// MARK: - Evidence

/// The value of a quantity, typed: numbers stay numbers in the report and in JSON.
public enum QuantityValue: Encodable, Sendable, Equatable {
    /// A real number shown with `digits` significant digits (choose no more digits than the
    /// method that produced it has).
    case real(Double, digits: Int)
    /// A real number in scientific notation with `digits` digits after the point (for errors).
    case scientific(Double, digits: Int)
    case integer(Int)
    /// A matrix shown with `digits` significant digits per entry.
    case matrix(Matrix<Double>, digits: Int)
    /// A shape, e.g. [3, 3] for a 3×3 matrix.
    case shape([Int])
    /// Words (a label, a quoted formula). Not a number: it never counts as evidence alone.
    case text(String)

    /// Whether the value is a number, a matrix or a shape.
    public var isNumeric: Bool {
        if case .text = self { return false }
        return true
    }

    /// The value as one number, where it is one.
    public var number: Double? {
        switch self {
        case .real(let x, _), .scientific(let x, _): return x
        case .integer(let n): return Double(n)
        default: return nil
        }
    }

    /// How the value is printed.
    public var formatted: String {
        switch self {
        case .real(let x, let digits): return formatScalar(x, digits: digits)
        case .scientific(let x, let digits): return sci(x, digits)
        case .integer(let n): return String(n)
        case .matrix(let m, let digits): return "\n" + m.formatted(digits: digits)
        case .shape(let dims): return dims.map(String.init).joined(separator: "×")
        case .text(let s): return s
        }
    }

    private enum Key: String, CodingKey { case kind, value, text }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .real(let x, _):
            try c.encode("real", forKey: .kind); try c.encode(x, forKey: .value)
        case .scientific(let x, _):
            try c.encode("real", forKey: .kind); try c.encode(x, forKey: .value)
        case .integer(let n):
            try c.encode("integer", forKey: .kind); try c.encode(n, forKey: .value)
        case .matrix(let m, _):
            try c.encode("matrix", forKey: .kind); try c.encode((0..<m.rows).map { m.row($0) }, forKey: .value)
        case .shape(let dims):
            try c.encode("shape", forKey: .kind); try c.encode(dims, forKey: .value)
        case .text(let s):
            try c.encode("text", forKey: .kind); try c.encode(s, forKey: .value)
        }
        try c.encode(formatted.trimmingCharacters(in: .whitespacesAndNewlines), forKey: .text)
    }
}

/// A computed number (or matrix, or shape) worth showing, with its name.
public struct Quantity: Encodable, Sendable {
    public let name: String
    public let value: QuantityValue

    public init(_ name: String, value: QuantityValue) {
        self.name = name
        self.value = value
    }

    /// A real number with `digits` significant digits.
    public init(_ name: String, _ value: Double, digits: Int = 8) {
        self.init(name, value: .real(value, digits: digits))
    }

    /// A real number in scientific notation (errors, differences).
    public init(_ name: String, scientific value: Double, digits: Int = 2) {
        self.init(name, value: .scientific(value, digits: digits))
    }

    public init(_ name: String, integer value: Int) {
        self.init(name, value: .integer(value))
    }

    public init(_ name: String, matrix: Matrix<Double>, digits: Int = 6) {
        self.init(name, value: .matrix(matrix, digits: digits))
    }

    public init(_ name: String, shape: [Int]) {
        self.init(name, value: .shape(shape))
    }

    /// Words, explicitly marked as such.
    public init(_ name: String, text: String) {
        self.init(name, value: .text(text))
    }
}

// MARK: - Checks

/// One check: what is compared, the measured number, and the bound it must meet.
public struct ExerciseCheck: Encodable, Sendable {
    public enum Status: String, Codable, Sendable { case pass, fail, skipped }
    /// How `measured` is compared with `bound`.
    public enum Comparison: String, Codable, Sendable {
        /// measured ≤ bound (an error that must be small).
        case atMost = "≤"
        /// measured ≥ bound (a difference that must be large: the seed's version is off).
        case atLeast = "≥"
        /// measured > bound (strictly: "positive" is > 0).
        case above = ">"
        /// measured < bound (strictly: "takes negative values" is a minimum < 0).
        case below = "<"
        /// a condition without a number.
        case condition = "-"
    }

    /// Says exactly what is compared.
    public let name: String
    public let measured: Double?
    public let bound: Double?
    public let comparison: Comparison
    public let status: Status
    /// Why it was skipped, or a remark.
    public let detail: String

    /// Passes when `measured` ≤ `bound` (NaN fails).
    public static func atMost(_ name: String, _ measured: Double, _ bound: Double, _ detail: String = "") -> ExerciseCheck {
        ExerciseCheck(
            name: name, measured: measured, bound: bound, comparison: .atMost,
            status: measured <= bound ? .pass : .fail, detail: detail)
    }

    /// Passes when `measured` ≥ `bound` (NaN fails).
    public static func atLeast(_ name: String, _ measured: Double, _ bound: Double, _ detail: String = "") -> ExerciseCheck {
        ExerciseCheck(
            name: name, measured: measured, bound: bound, comparison: .atLeast,
            status: measured >= bound ? .pass : .fail, detail: detail)
    }

    /// Passes when `measured` > `bound` (NaN fails).
    public static func above(_ name: String, _ measured: Double, _ bound: Double, _ detail: String = "") -> ExerciseCheck {
        ExerciseCheck(
            name: name, measured: measured, bound: bound, comparison: .above,
            status: measured > bound ? .pass : .fail, detail: detail)
    }

    /// Passes when `measured` < `bound` (NaN fails).
    public static func below(_ name: String, _ measured: Double, _ bound: Double, _ detail: String = "") -> ExerciseCheck {
        ExerciseCheck(
            name: name, measured: measured, bound: bound, comparison: .below,
            status: measured < bound ? .pass : .fail, detail: detail)
    }

    /// Passes when `condition` holds (for facts with no number, e.g. two lists are equal).
    public static func that(_ name: String, _ condition: Bool, _ detail: String = "") -> ExerciseCheck {
        ExerciseCheck(
            name: name, measured: nil, bound: nil, comparison: .condition,
            status: condition ? .pass : .fail, detail: detail)
    }

    /// A check that could not run here (e.g. the corpus is absent).
    public static func skipped(_ name: String, because reason: String) -> ExerciseCheck {
        ExerciseCheck(name: name, measured: nil, bound: nil, comparison: .condition, status: .skipped, detail: reason)
    }
}

// MARK: - Findings

/// What the workbench found about one statement of a seed.
public struct Finding: Encodable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The seed is wrong here; a number shows it.
        case erratum
        /// A slip in a symbol or an index that changes no number; listed with its line.
        case typo
        /// The seed states this and the numbers agree.
        case confirmation
        /// The seed announces or leaves out this step; the workbench supplies and checks it.
        case completion

        /// How the report labels the finding.
        public var label: String {
            switch self {
            case .erratum: return "ERRATUM"
            case .typo: return "TYPO"
            case .confirmation: return "confirmed"
            case .completion: return "completed by the workbench"
            }
        }
    }

    public let kind: Kind
    /// Where in the seed, "document:line" or "document:first–last" (e.g. "003:243"), when known.
    public let lines: String?
    /// What the seed states (paraphrased), or for a completion what it leaves out.
    public let claim: String
    /// What the numbers show.
    public let finding: String
    /// The numbers.
    public let evidence: [Quantity]
    /// Whether the finding was computed on the homework corpus, which is not always present:
    /// such findings exist only where the corpus is, and are counted apart (`ExerciseTally`).
    public var onCorpus = false

    public init(kind: Kind, lines: String?, claim: String, finding: String, evidence: [Quantity]) {
        self.kind = kind
        self.lines = lines
        self.claim = claim
        self.finding = finding
        self.evidence = evidence
    }

    /// This finding, marked as computed on the homework corpus.
    public func computedOnCorpus() -> Finding {
        var f = self
        f.onCorpus = true
        return f
    }

    public static func erratum(at lines: String? = nil, _ claim: String, _ finding: String, _ evidence: [Quantity]) -> Finding {
        Finding(kind: .erratum, lines: lines, claim: claim, finding: finding, evidence: evidence)
    }

    public static func typo(at lines: String, _ claim: String, _ finding: String, _ evidence: [Quantity] = []) -> Finding {
        Finding(kind: .typo, lines: lines, claim: claim, finding: finding, evidence: evidence)
    }

    public static func confirmation(at lines: String? = nil, _ claim: String, _ finding: String, _ evidence: [Quantity]) -> Finding {
        Finding(kind: .confirmation, lines: lines, claim: claim, finding: finding, evidence: evidence)
    }

    public static func completion(at lines: String? = nil, _ claim: String, _ finding: String, _ evidence: [Quantity]) -> Finding {
        Finding(kind: .completion, lines: lines, claim: claim, finding: finding, evidence: evidence)
    }

    /// Whether the evidence holds at least one number, matrix or shape.
    public var hasNumericEvidence: Bool { evidence.contains { $0.value.isNumeric } }
}

// MARK: - Report

/// An exercise's verdict.
public enum ExerciseVerdict: String, Codable, Sendable {
    /// At least one check ran and passed, and none failed.
    case verified
    /// A check failed.
    case failed
    /// Nothing could run here (every check skipped): nothing was verified.
    case skipped
}

/// The result of running an exercise.
public struct ExerciseReport: Encodable, Sendable {
    public let id: String
    public let title: String
    public let source: ExerciseSource
    public let notation: Notation
    /// What the exercise computes, in a few sentences.
    public let summary: String
    public let quantities: [Quantity]
    public let checks: [ExerciseCheck]
    public let findings: [Finding]
    /// Workbench commands that show more.
    public let commands: [String]
    public let verdict: ExerciseVerdict

    public init(
        id: String, title: String, source: ExerciseSource, notation: Notation, summary: String,
        quantities: [Quantity], checks: [ExerciseCheck], findings: [Finding], commands: [String]
    ) {
        self.id = id
        self.title = title
        self.source = source
        self.notation = notation
        self.summary = summary
        self.quantities = quantities
        self.checks = checks
        self.findings = findings
        self.commands = commands
        if checks.contains(where: { $0.status == .fail }) {
            verdict = .failed
        } else if checks.contains(where: { $0.status == .pass }) {
            verdict = .verified
        } else {
            verdict = .skipped
        }
    }

    /// Verified: at least one check passed and none failed.
    public var verified: Bool { verdict == .verified }
    /// Checks that could not run here.
    public var skippedChecks: [ExerciseCheck] { checks.filter { $0.status == .skipped } }

    /// The findings of one kind.
    public func findings(_ kind: Finding.Kind) -> [Finding] { findings.filter { $0.kind == kind } }
}

/// Counts over several reports: what `exercise run all` prints and the README states.
public struct ExerciseTally: Encodable, Sendable, Equatable {
    public var exercises = 0
    public var verified = 0
    public var failed = 0
    public var skipped = 0
    public var errata = 0
    public var typos = 0
    public var confirmations = 0
    public var completions = 0
    /// Findings computed on the homework corpus (0 where it is absent); not in the counts above,
    /// which are the same with and without it.
    public var corpusFindings = 0
    /// Checks skipped because the homework corpus is absent.
    public var corpusChecksSkipped = 0

    public init(_ reports: [ExerciseReport]) {
        exercises = reports.count
        verified = reports.filter { $0.verdict == .verified }.count
        failed = reports.filter { $0.verdict == .failed }.count
        skipped = reports.filter { $0.verdict == .skipped }.count
        let everything = reports.flatMap(\.findings)
        let all = everything.filter { !$0.onCorpus }
        corpusFindings = everything.count - all.count
        corpusChecksSkipped = reports.flatMap(\.skippedChecks).filter { $0.detail.contains(corpusAbsentReason) }.count
        errata = all.filter { $0.kind == .erratum }.count
        typos = all.filter { $0.kind == .typo }.count
        confirmations = all.filter { $0.kind == .confirmation }.count
        completions = all.filter { $0.kind == .completion }.count
    }

    /// One sentence, e.g. "20 of 20 exercises verified; 38 errata, 4 typos, 12 confirmations, 9 completed by the workbench."
    public var sentence: String {
        var s = "\(verified) of \(exercises) exercises verified"
        if failed > 0 { s += ", \(failed) failed" }
        if skipped > 0 { s += ", \(skipped) skipped" }
        s += "; \(errata) errata, \(typos) typos, \(confirmations) confirmations and \(completions) completed by the workbench"
        if corpusFindings > 0 {
            s += ", and \(corpusFindings) finding\(corpusFindings == 1 ? "" : "s") on the homework corpus"
        } else if corpusChecksSkipped > 0 {
            s += "; \(corpusChecksSkipped) checks on the homework corpus skipped (it is not here)"
        }
        return s + "."
    }
}

/// The reason given by checks that need the homework corpus where it is absent.
public let corpusAbsentReason = "the homework corpus is not here"

/// A homework exercise the workbench reproduces.
public protocol Exercise: Sendable {
    /// A short stable id, e.g. "hw5-2c".
    var id: String { get }
    var title: String { get }
    var source: ExerciseSource { get }
    var notation: Notation { get }
    /// Computes everything and returns the report.
    func run() -> ExerciseReport
}

extension Exercise {
    /// Builds the report with this exercise's identity filled in.
    func report(
        summary: String, quantities: [Quantity] = [], checks: [ExerciseCheck], findings: [Finding] = [],
        commands: [String] = []
    ) -> ExerciseReport {
        ExerciseReport(
            id: id, title: title, source: source, notation: notation, summary: summary,
            quantities: quantities, checks: checks, findings: findings, commands: commands)
    }
}

/// The seed documents, described once.
enum Seeds {
    static func lab5(_ numbering: String) -> ExerciseSource {
        ExerciseSource(document: "000/001", documentTitle: "Lab 5: recurrent networks, theory and the poem LSTM", numbering: numbering)
    }
    static func cs224n(_ numbering: String) -> ExerciseSource {
        ExerciseSource(document: "002", documentTitle: "notes on a cs224n-style RNN language model", numbering: numbering)
    }
    static func homework5(_ numbering: String) -> ExerciseSource {
        ExerciseSource(document: "003", documentTitle: "Homework 5: BPTT, vanishing gradients, LSTMs", numbering: numbering)
    }
    static func tanhRNN(_ numbering: String) -> ExerciseSource {
        ExerciseSource(document: "004", documentTitle: "notes on RNNs: tanh RNN with an output layer", numbering: numbering)
    }
    /// The source of a seed document by its number ("000/001", "002", "003", "004").
    static func source(document: String, numbering: String) -> ExerciseSource {
        switch document {
        case "000/001": return lab5(numbering)
        case "002": return cs224n(numbering)
        case "003": return homework5(numbering)
        case "004": return tanhRNN(numbering)
        default: return ExerciseSource(document: document, documentTitle: "not a seed document", numbering: numbering)
        }
    }
}

/// Relative difference max|a − b| / max(max|a|, max|b|, tiny).
func relativeDifference(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
    guard a.rows == b.rows, a.cols == b.cols else { return .infinity }
    return (a - b).maxAbs() / max(a.maxAbs(), b.maxAbs(), 1e-300)
}

func relativeDifference(_ a: Double, _ b: Double) -> Double {
    abs(a - b) / max(abs(a), abs(b), 1e-300)
}
