// ExerciseCommand.swift — `workbench exercise list | run ID | run all | show NAME`.
//
// The derivation exercises are gradient worksheets (Exercises/Worksheets/ID.grad); `show` prints a
// shipped worksheet (an exercise's, the GRU example or the blank template) so that a student can
// save it, change it and check it with `workbench check FILE.grad`.

import Exercises
import Foundation
import GradCheck

struct ExerciseCommand: CommandGroup {
    static let configuration = CommandConfiguration(
        name: "exercise",
        abstract: "Reproduce the homework exercises: computed quantities, checks, errata.",
        subcommands: [List.self, Run.self, Show.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            name: "list", abstract: "List the exercises: id, title, source and verdict (runs each one).")

        @OptionGroup var output: OutputOptions

        func run(_ console: Console) throws -> Int32 {
            let reports = ExerciseCatalog.all.map { $0.run() }
            let worksheets = Set(ExerciseCatalog.worksheetExercises.map(\.id))
            if output.json {
                struct Row: Encodable { let id, title, source, notation, verdict: String; let worksheet: Bool }
                console.print(
                    try jsonString(
                        reports.map {
                            Row(
                                id: $0.id, title: $0.title, source: $0.source.description, notation: $0.notation.rawValue,
                                verdict: $0.verdict.rawValue,
                                worksheet: worksheets.contains($0.id))
                        }))
            } else {
                var rows = [["id", "form", "title", "source", "verdict"]]
                for r in reports {
                    rows.append([
                        r.id, worksheets.contains(r.id) ? "worksheet" : "program", r.title, r.source.description,
                        ExerciseCommand.verdictText(r),
                    ])
                }
                console.print(renderTable(rows))
                console.print(
                    "\nA worksheet exercise is a file of claims: see it with 'workbench exercise show ID'. Also shipped: \(ExerciseCatalog.otherWorksheets.joined(separator: ", "))."
                )
            }
            return reports.contains { $0.verdict == .failed } ? 1 : 0
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            name: "run", abstract: "Run one exercise (by id) or all of them.",
            discussion:
                "Exit status 1 if a check of an exercise fails, 0 otherwise (checks that cannot run here, e.g. without the corpus, are reported as skipped). Indices in the reports count from 1, as in the textbook. Ids: \(ExerciseCatalog.all.map(\.id).joined(separator: ", "))."
        )

        @Argument(placeholder: "<id>", help: "An exercise id, or 'all'.")
        var id: String?
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard let id else { throw UsageError("which exercise? give an id or 'all' (see 'workbench exercise list')") }
            let ids = ExerciseCatalog.all.map(\.id)
            if id != "all" && !ids.contains(id) {
                var message = "unknown exercise '\(id)'"
                if let guess = suggestion(for: id, among: ids + ["all"]) { message += " (did you mean '\(guess)'?)" }
                throw UsageError(message + " — expected one of: \(ids.joined(separator: ", ")), all")
            }
        }

        func run(_ console: Console) throws -> Int32 {
            let exercises = id == "all" ? ExerciseCatalog.all : ExerciseCatalog.all.filter { $0.id == id }
            let reports = exercises.map { $0.run() }
            if output.json {
                console.print(try jsonString(id == "all" ? AnyEncodableReports.many(reports) : .one(reports[0])))
            } else {
                console.print("Indices (entries, rows, steps) count from 1, as in the textbook.\n")
                console.print(reports.map(ExerciseCommand.text).joined(separator: "\n\n" + String(repeating: "=", count: 80) + "\n\n"))
                if reports.count > 1 {
                    console.print("\n" + ExerciseTally(reports).sentence)
                }
            }
            return reports.contains { $0.verdict == .failed } ? 1 : 0
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            name: "show", abstract: "Print a shipped gradient worksheet: an exercise's, the GRU example or the blank template.",
            discussion: """
                Prints the worksheet as it is shipped (Exercises/Worksheets/NAME.grad). Save it and check it:
                  workbench exercise show hw5-1b > hw5-1b.grad
                  workbench check hw5-1b.grad
                Claims tagged '# @seed … expect KIND' are the seed's own steps and fail on purpose. Names: \(ExerciseCatalog.worksheetNames.joined(separator: ", ")).
                """)

        @Argument(placeholder: "<name>", help: "A worksheet exercise id, gru or template.")
        var name: String?

        init() {}

        func validate() throws {
            let names = ExerciseCatalog.worksheetNames
            guard let name else { throw UsageError("which worksheet? give one of: \(names.joined(separator: ", "))") }
            guard ExerciseCatalog.worksheet(named: name) != nil else {
                var message = "no shipped worksheet '\(name)'"
                if ExerciseCatalog.exercise(id: name) != nil {
                    message += ": '\(name)' is an exercise written as a program (workbench exercise run \(name))"
                } else if let guess = suggestion(for: name, among: names) {
                    message += " (did you mean '\(guess)'?)"
                }
                throw UsageError(message + " — expected one of: \(names.joined(separator: ", "))")
            }
        }

        func run(_ console: Console) throws -> Int32 {
            console.write(ExerciseCatalog.worksheet(named: name ?? "") ?? "")
            return 0
        }
    }

    init() {}

    enum AnyEncodableReports: Encodable {
        case one(ExerciseReport), many([ExerciseReport])
        func encode(to encoder: Encoder) throws {
            switch self {
            case .one(let r): try r.encode(to: encoder)
            case .many(let rs): try rs.encode(to: encoder)
            }
        }
    }

    /// "verified", "FAILED", "skipped", with the number of checks that could not run.
    static func verdictText(_ r: ExerciseReport) -> String {
        switch r.verdict {
        case .verified:
            let skipped = r.skippedChecks.count
            return skipped == 0 ? "verified" : "verified (\(skipped) check\(skipped == 1 ? "" : "s") skipped)"
        case .failed: return "FAILED"
        case .skipped: return "skipped (nothing could run here)"
        }
    }

    /// A bound as short as it is exact: 0, 1.5e-06, 1e-10, 0.1, 1e+03.
    static func compact(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e6 ? String(Int(x)) : formatScalar(x, digits: 2)
    }

    static func text(_ r: ExerciseReport) -> String {
        var lines = [
            "\(r.id) — \(r.title)", "source: \(r.source.description)", "notation: \(r.notation.summary)",
            "", r.summary,
        ]
        if !r.quantities.isEmpty {
            lines.append("")
            for q in r.quantities { lines.append("\(q.name): \(q.value.formatted)") }
        }
        lines.append("\nchecks:")
        var rows = [["check", "measured", "bound", "status"]]
        for c in r.checks {
            let bound = c.bound.map { "\(c.comparison.rawValue) " + compact($0) } ?? "-"
            rows.append([
                c.name + (c.detail.isEmpty || c.status == .pass ? "" : " (\(c.detail))"),
                c.measured.map { $0 == $0.rounded() && abs($0) < 1e6 ? String(Int($0)) : sci($0) } ?? "-", bound, c.status.rawValue,
            ])
        }
        lines.append(renderTable(rows))
        for (n, f) in r.findings.enumerated() {
            let place = f.lines.map { " (seed \($0))" } ?? ""
            lines.append("\n\(f.kind.label) \(n + 1)\(place): \(f.claim)")
            lines.append("  → \(f.finding)")
            for q in f.evidence {
                let value = q.value.formatted
                lines.append("    \(q.name): " + value.replacingOccurrences(of: "\n", with: "\n      "))
            }
        }
        if !r.commands.isEmpty {
            lines.append("\nsee also: " + r.commands.joined(separator: "; "))
        }
        lines.append("\nverdict: \(verdictText(r))")
        return lines.joined(separator: "\n")
    }
}
