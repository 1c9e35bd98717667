// Exercise.swift — what every homework exercise provides, and the report it returns.
//
// An exercise names where it comes from (which seed document and numbering), which notation it
// uses (the seeds use four notations for the same network; see `Notation`), and computes its
// quantities when run: checks with tolerances, a verdict, and findings — errata where a worked
// solution is wrong or sloppy, confirmations where it is right — each with the numbers that
// show it.

import Foundation
import WorkbenchNumerics
import GradCheck

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
        case .cs224n: return "cs224n: e = E x, h = σ(W_h h_{t-1} + W_e e + b₁), ŷ = softmax(U h + b₂), J = CE(y, ŷ) — W_h is NNDL's U, W_e E is NNDL's W"
        case .tanhOutputLayer: return "tanh RNN: h_t = tanh(W_H h_{t-1} + W_X x_t), o_t = W_O h_t — W_H is NNDL's U, W_X is NNDL's W"
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

/// A computed number worth showing.
public struct Quantity: Codable, Sendable {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public init(_ name: String, _ value: Double, digits: Int = 8) {
        self.init(name, formatScalar(value, digits: digits))
    }

    public init(_ name: String, matrix: Matrix<Double>, digits: Int = 6) {
        self.init(name, "\n" + matrix.formatted(digits: digits))
    }
}

/// One check with its tolerance.
public struct ExerciseCheck: Codable, Sendable {
    public enum Status: String, Codable, Sendable { case pass, fail, skipped }

    public let name: String
    /// The measured discrepancy (or value) and the bound it must meet.
    public let measured: Double?
    public let bound: Double?
    public let status: Status
    /// Why it was skipped, or what was compared.
    public let detail: String

    /// Passes when `measured` ≤ `bound`.
    public static func atMost(_ name: String, _ measured: Double, _ bound: Double, _ detail: String = "") -> ExerciseCheck {
        ExerciseCheck(name: name, measured: measured, bound: bound, status: measured <= bound ? .pass : .fail, detail: detail)
    }

    /// Passes when `condition` holds.
    public static func that(_ name: String, _ condition: Bool, _ detail: String = "") -> ExerciseCheck {
        ExerciseCheck(name: name, measured: nil, bound: nil, status: condition ? .pass : .fail, detail: detail)
    }

    /// A check that could not run here (e.g. the corpus is absent).
    public static func skipped(_ name: String, because reason: String) -> ExerciseCheck {
        ExerciseCheck(name: name, measured: nil, bound: nil, status: .skipped, detail: reason)
    }
}

/// What the workbench found about a statement of a worked solution.
public struct Finding: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// The solution is wrong or sloppy here.
        case erratum
        /// The solution is right here, and the numbers confirm it.
        case confirmation
    }

    public let kind: Kind
    /// What the worked solution states, paraphrased.
    public let claim: String
    /// What the numbers show.
    public let finding: String
    /// The numbers.
    public let evidence: [Quantity]

    public static func erratum(_ claim: String, _ finding: String, _ evidence: [Quantity]) -> Finding {
        Finding(kind: .erratum, claim: claim, finding: finding, evidence: evidence)
    }

    public static func confirmation(_ claim: String, _ finding: String, _ evidence: [Quantity]) -> Finding {
        Finding(kind: .confirmation, claim: claim, finding: finding, evidence: evidence)
    }
}

/// The result of running an exercise.
public struct ExerciseReport: Codable, Sendable {
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

    /// Verified when no check fails (skipped checks do not count against it).
    public var verified: Bool { !checks.contains { $0.status == .fail } && checks.contains { $0.status == .pass } }
    public var verdict: String { verified ? "verified" : "FAILED" }
}

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
    func report(summary: String, quantities: [Quantity] = [], checks: [ExerciseCheck], findings: [Finding] = [],
                commands: [String] = []) -> ExerciseReport {
        ExerciseReport(id: id, title: title, source: source, notation: notation, summary: summary,
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
}

/// Relative difference max|a − b| / max(max|a|, max|b|, tiny).
func relativeDifference(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
    (a - b).maxAbs() / max(a.maxAbs(), b.maxAbs(), 1e-300)
}

func relativeDifference(_ a: Double, _ b: Double) -> Double {
    abs(a - b) / max(abs(a), abs(b), 1e-300)
}
