// WorksheetExercise.swift — a shipped gradient worksheet run as an exercise.
//
// The worksheet (Exercises/Worksheets/ID.grad, embedded in ShippedWorksheets.swift) holds the
// model, the correct answer as claims that must hold, and the seed's worked solution as written
// as claims that must fail; its annotations (WorksheetAnnotations.swift) say which claim is the
// seed's and which diagnosis it must get. Running it checks the worksheet exactly as
// `workbench check ID.grad` does (seed 0) and turns the claims into the exercise report:
//   - one check per claim: a claim that must hold holds (its worst relative error against
//     autodiff is within the exact-method bound, and autodiff agrees with finite differences);
//     a seed claim fails and is diagnosed with the expected kind (and phrase);
//   - one finding per annotated finding, whose evidence is the numbers of its claims: the worst
//     relative error, the diagnosis, the worst instance and entry (1-based), or the instances
//     that hold.
// The verdict is verified when every check passes.
//
// What it leaves out: what a worksheet cannot express (eigenvalues, forced gates, the poem
// model, shapes that do not multiply) stays in the Swift exercises.

import Foundation
import WorkbenchNumerics
import Worksheet

/// A gradient worksheet of the seeds, run as an exercise.
public struct WorksheetExercise: Exercise {
    /// The worksheet's name without `.grad`, which is the exercise id.
    public let id: String
    public let title: String
    public let source: ExerciseSource
    public let notation: Notation
    /// The worksheet's text.
    public var text: String
    /// The seed of the values the worksheet does not give.
    public var seed: UInt64 = 0

    /// The worksheet `name` with `text`; its header annotations name the exercise.
    public init(name: String, text: String) {
        id = name
        self.text = text
        let header = WorksheetAnnotations(text: text, claimLines: nil)
        title = header.title.isEmpty ? "worksheet \(name).grad" : header.title
        source = Seeds.source(document: header.document, numbering: header.numbering)
        notation = header.notation ?? .nndl
    }

    /// The shipped worksheet `name`; a missing one runs as a failed exercise, never a trap.
    public static func shipped(_ name: String) -> WorksheetExercise {
        WorksheetExercise(name: name, text: ShippedWorksheets.text(of: name) ?? "")
    }

    /// The path of the worksheet in the package, as the report names it.
    public var path: String { "Exercises/Worksheets/\(id).grad" }

    public func run() -> ExerciseReport {
        let commands = ["workbench exercise show \(id) > \(id).grad", "workbench check \(id).grad"]
        let sheetReport: WorksheetReport
        do {
            sheetReport = try Worksheet(text: text, name: path).check(WorksheetCheckOptions(seed: seed))
        } catch {
            return report(
                summary: "The worksheet \(path) could not be checked.",
                checks: [.that("the worksheet reads and every value is finite", false, "\(error)")], commands: commands)
        }
        let annotations = WorksheetAnnotations(text: text, claimLines: Set(sheetReport.claims.map(\.line)))
        var checks: [ExerciseCheck] = []
        if !annotations.problems.isEmpty {
            checks.append(.that("the worksheet's annotations read", false, annotations.problems.map(\.description).joined(separator: "; ")))
        }
        for claim in sheetReport.claims {
            checks.append(Self.check(claim, annotations.outcomes[claim.line] ?? .states))
        }
        let byLine = Dictionary(sheetReport.claims.map { ($0.line, $0) }, uniquingKeysWith: { a, _ in a })
        let findings = annotations.findings.map { f -> Finding in
            Finding(
                kind: f.kind, lines: f.lines, claim: f.says, finding: f.shows,
                evidence: f.claims.flatMap { c in byLine[c.line].map(Self.evidence) ?? [] })
        }
        let holding = sheetReport.claims.filter { $0.verdict == .pass }.count
        return report(
            summary: annotations.summary
                + " The worksheet \(path) is checked as `workbench check` does (seed \(seed)): \(sheetReport.claims.count) claims, \(holding) of which hold.",
            quantities: [
                Quantity("claims", integer: sheetReport.claims.count), Quantity("claims that hold", integer: holding),
                Quantity("seed of the drawn values", integer: Int(seed)),
            ],
            checks: checks, findings: findings, commands: commands)
    }

    /// "line 20: dL/dW = sum(…" — a claim as a check names it.
    static func label(_ c: ClaimReport) -> String {
        let text = c.text.count <= 60 ? c.text : String(c.text.prefix(59)) + "…"
        return "line \(c.line): \(text)"
    }

    /// The check of one claim: it holds, or (a seed claim) it fails with the expected diagnosis.
    static func check(_ c: ClaimReport, _ outcome: SeedOutcome) -> ExerciseCheck {
        switch outcome {
        case .expect(let kind, let phrase):
            var problems: [String] = []
            if c.verdict == .pass { problems.append("the claim holds") }
            if let fault = c.toolFault { problems.append(fault) }
            if let d = c.diagnosis {
                if d.kind != kind { problems.append("diagnosed \(d.kind.rawValue), expected \(kind.rawValue)") }
                if let phrase, !d.detail.contains(phrase) { problems.append("the diagnosis does not name \"\(phrase)\": \(d.detail)") }
            } else if c.verdict == .fail {
                problems.append("no diagnosis")
            }
            let expected = kind.rawValue + (phrase.map { " (\($0))" } ?? "")
            return ExerciseCheck(
                name: "\(label(c)) — the seed's claim fails, diagnosed \(expected): max rel err vs autodiff",
                measured: c.maxRelativeError, bound: c.bound, comparison: .above,
                status: problems.isEmpty ? .pass : .fail, detail: problems.joined(separator: "; "))
        case .states, .rejects, .omits:
            var detail = c.toolFault ?? ""
            if let d = c.diagnosis { detail = "\(d.kind.rawValue): \(d.detail)" }
            return ExerciseCheck(
                name: "\(label(c)) — holds: max rel err vs autodiff (\(c.instances) instance\(c.instances == 1 ? "" : "s"))",
                measured: c.maxRelativeError, bound: c.bound, comparison: .atMost,
                status: c.verdict == .pass ? .pass : .fail, detail: detail)
        }
    }

    /// The numbers of one claim: its worst error, and the diagnosis and worst entry when it fails.
    static func evidence(_ c: ClaimReport) -> [Quantity] {
        var e = [Quantity("line \(c.line), max rel err vs autodiff", scientific: c.maxRelativeError)]
        guard c.verdict == .fail else {
            e.append(Quantity("line \(c.line), instances that hold", integer: c.instances))
            return e
        }
        if let d = c.diagnosis { e.append(Quantity("line \(c.line), diagnosis", text: "\(d.kind.rawValue): \(d.detail)")) }
        let w = c.worstInstance
        if let entry = w.worstEntries.first {
            let place = (w.label.isEmpty ? "" : "\(w.label), ") + "entry (\(entry.row), \(entry.column))"
            e.append(Quantity("line \(c.line), worst \(place): the claim", entry.claim, digits: 8))
            e.append(Quantity("line \(c.line), worst \(place): the true derivative", entry.truth, digits: 8))
        }
        return e
    }
}
