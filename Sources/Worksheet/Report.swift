// Report.swift — the result of checking a worksheet: a value that prints as text or JSON.
//
// The JSON form is stable (tools read it):
//   {"verdict": "pass"|"fail", "seed": N,
//    "claims": [{"line": N, "text": "...", "instances": N, "verdict": "pass"|"fail",
//                "max_rel_error": x, "diagnosis": null | {"kind": "...", "detail": "..."}}]}
// one claim object per claim line, in file order. Two keys appear only when there is something
// to say: "tool_fault" (the workbench's own derivative disagreed with finite differences — a
// fault of the tool, not of the claim) and "instance_results" (asked for with --all-instances).
// Everything else the text report shows (the worst instance and entries, the finite-difference
// cross-check) is in the value and not in the JSON.
//
// Entries are 1-based (row, column) as in the language.

import GradCheck
import WorkbenchNumerics

/// Whether a claim (or the whole worksheet) holds.
public enum ClaimVerdict: String, Codable, Sendable {
    case pass
    case fail
}

/// The kinds of mistake the diagnosis names.
public enum DiagnosisKind: String, Codable, Sendable, CaseIterable {
    case sign
    case scale
    case transpose
    case droppedDependence = "dropped-dependence"
    case partialLoss = "partial-loss"
    case derivativeRule = "derivative-rule"
    case unexplained
}

/// Which mistake explains a failed claim.
public struct Diagnosis: Codable, Sendable, Equatable {
    public let kind: DiagnosisKind
    /// A sentence naming the mistake (the factor, the definition and use, the sum, the rule).
    public let detail: String
    /// The constant factor between the claim and the derivative it matches (1 when none; −1 for a sign).
    public let factor: Double
    /// Whether the claim matches that derivative transposed.
    public let transposed: Bool
    /// The line of the model statement the mistake is about (dropped dependence, partial loss,
    /// derivative rule), if any.
    public let modelLine: Int?

    public init(kind: DiagnosisKind, detail: String, factor: Double = 1, transposed: Bool = false, modelLine: Int? = nil) {
        self.kind = kind
        self.detail = detail
        self.factor = factor
        self.transposed = transposed
        self.modelLine = modelLine
    }

    enum CodingKeys: String, CodingKey { case kind, detail }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: try c.decode(DiagnosisKind.self, forKey: .kind), detail: try c.decode(String.self, forKey: .detail))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(detail, forKey: .detail)
    }
}

/// An index variable's value in one instance: `t = 3`.
public struct IndexValue: Codable, Sendable, Equatable {
    public let name: String
    public let value: Int
}

/// One entry where a claim and the true derivative differ.
public struct EntryDifference: Codable, Sendable, Equatable {
    /// 1-based row and column.
    public let row: Int
    public let column: Int
    public let claim: Double
    public let truth: Double
    public let relativeError: Double

    enum CodingKeys: String, CodingKey { case row, column, claim, truth, relativeError = "rel_error" }
}

/// One instance of a claim.
public struct InstanceResult: Codable, Sendable, Equatable {
    /// The values of the claim's `for` indices.
    public let indices: [IndexValue]
    public let maxRelativeError: Double
    public let verdict: ClaimVerdict
    /// Entries by descending relative error (at most three).
    public let worstEntries: [EntryDifference]

    /// "t = 3, k = 1" (empty for a claim without `for`).
    public var label: String { indices.map { "\($0.name) = \($0.value)" }.joined(separator: ", ") }

    enum CodingKeys: String, CodingKey { case indices, maxRelativeError = "max_rel_error", verdict, worstEntries = "worst_entries" }
}

/// Autodiff against finite differences on a few instances of a claim.
public struct FiniteDifferenceCheck: Codable, Sendable, Equatable {
    /// Instances checked.
    public let instances: Int
    public let maxRelativeError: Double
    public let bound: Double
    public let verdict: ClaimVerdict
}

/// The result of one claim.
public struct ClaimReport: Codable, Sendable {
    /// The line the claim starts on.
    public let line: Int
    /// The claim as written, after `claim`.
    public let text: String
    public let instances: Int
    public let verdict: ClaimVerdict
    /// The largest relative error of the claim against the true derivative, over all instances
    /// and entries (GradCheck's convention, relative to the largest entry of the claim).
    public let maxRelativeError: Double
    /// The bound the claim had to meet (the exact-method bound).
    public let bound: Double
    /// Why it fails; nil when it holds (and for a fault of the tool).
    public let diagnosis: Diagnosis?
    /// The instance with the largest relative error.
    public let worstInstance: InstanceResult
    public let finiteDifferences: FiniteDifferenceCheck
    /// Set when autodiff and finite differences disagree: a fault of the tool, not of the claim.
    public let toolFault: String?
    /// Every instance, when asked for.
    public let allInstances: [InstanceResult]?

    enum CodingKeys: String, CodingKey {
        case line, text, instances, verdict, maxRelativeError = "max_rel_error", diagnosis
        case toolFault = "tool_fault", allInstances = "instance_results"
        case bound, worstInstance = "worst_instance", finiteDifferences = "finite_differences"
    }

    public init(
        line: Int, text: String, instances: Int, verdict: ClaimVerdict, maxRelativeError: Double, bound: Double,
        diagnosis: Diagnosis?, worstInstance: InstanceResult, finiteDifferences: FiniteDifferenceCheck,
        toolFault: String?, allInstances: [InstanceResult]?
    ) {
        self.line = line
        self.text = text
        self.instances = instances
        self.verdict = verdict
        self.maxRelativeError = maxRelativeError
        self.bound = bound
        self.diagnosis = diagnosis
        self.worstInstance = worstInstance
        self.finiteDifferences = finiteDifferences
        self.toolFault = toolFault
        self.allInstances = allInstances
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let verdict = try c.decode(ClaimVerdict.self, forKey: .verdict)
        let maxRel = try c.decode(Double.self, forKey: .maxRelativeError)
        self.init(
            line: try c.decode(Int.self, forKey: .line), text: try c.decode(String.self, forKey: .text),
            instances: try c.decode(Int.self, forKey: .instances), verdict: verdict, maxRelativeError: maxRel,
            bound: GradCheckOptions.exact.maxRelativeError ?? 0,
            diagnosis: try c.decodeIfPresent(Diagnosis.self, forKey: .diagnosis),
            worstInstance: InstanceResult(indices: [], maxRelativeError: maxRel, verdict: verdict, worstEntries: []),
            finiteDifferences: FiniteDifferenceCheck(instances: 0, maxRelativeError: 0, bound: 0, verdict: .pass),
            toolFault: try c.decodeIfPresent(String.self, forKey: .toolFault),
            allInstances: try c.decodeIfPresent([InstanceResult].self, forKey: .allInstances))
    }

    /// The stable keys; `tool_fault` and `instance_results` only when present.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(line, forKey: .line)
        try c.encode(text, forKey: .text)
        try c.encode(instances, forKey: .instances)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(maxRelativeError, forKey: .maxRelativeError)
        if let diagnosis { try c.encode(diagnosis, forKey: .diagnosis) } else { try c.encodeNil(forKey: .diagnosis) }
        try c.encodeIfPresent(toolFault, forKey: .toolFault)
        try c.encodeIfPresent(allInstances, forKey: .allInstances)
    }
}

/// The result of checking a worksheet.
public struct WorksheetReport: Codable, Sendable {
    /// Pass when every claim holds.
    public let verdict: ClaimVerdict
    /// The seed the parameters and inputs were drawn with.
    public let seed: UInt64
    /// One report per claim line, in file order.
    public let claims: [ClaimReport]
    /// The worksheet's name as given (not in the JSON).
    public let file: String

    public init(seed: UInt64, claims: [ClaimReport], file: String) {
        self.verdict = claims.allSatisfy { $0.verdict == .pass } ? .pass : .fail
        self.seed = seed
        self.claims = claims
        self.file = file
    }

    enum CodingKeys: String, CodingKey { case verdict, seed, claims }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(seed: try c.decode(UInt64.self, forKey: .seed), claims: try c.decode([ClaimReport].self, forKey: .claims), file: "")
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(seed, forKey: .seed)
        try c.encode(claims, forKey: .claims)
    }
}
