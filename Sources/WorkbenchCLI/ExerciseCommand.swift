// ExerciseCommand.swift — `workbench exercise list | run ID | run all`.

import Foundation
import GradCheck
import Exercises

enum ExerciseCommand {
    static var spec: CommandSpec {
        CommandSpec(
            name: "exercise",
            abstract: "Reproduce the homework exercises: computed quantities, checks, errata.",
            subcommands: [listSpec, runSpec])
    }

    static var listSpec: CommandSpec {
        CommandSpec(
            name: "list", abstract: "List the exercises: id, title, source and verdict (runs each one).",
            options: [.json],
            run: { args, console in
                try args.expectPositional(max: 0)
                let reports = ExerciseCatalog.all.map { $0.run() }
                if args.flag("--json") {
                    struct Row: Encodable { let id, title, source, notation, verdict: String }
                    console.print(try jsonString(reports.map {
                        Row(id: $0.id, title: $0.title, source: $0.source.description, notation: $0.notation.rawValue, verdict: $0.verdict)
                    }))
                } else {
                    var rows = [["id", "title", "source", "verdict"]]
                    for r in reports { rows.append([r.id, r.title, r.source.description, r.verdict]) }
                    console.print(renderTable(rows))
                }
                return reports.allSatisfy(\.verified) ? 0 : 1
            })
    }

    static var runSpec: CommandSpec {
        CommandSpec(
            name: "run", abstract: "Run one exercise (by id) or all of them.",
            discussion: "Exit status 0 only if every exercise run verifies. Ids: \(ExerciseCatalog.all.map(\.id).joined(separator: ", ")).",
            arguments: [("<id>", "an exercise id, or 'all'")],
            options: [.json],
            run: { args, console in
                try args.expectPositional(max: 1)
                guard let id = args.positional.first else {
                    throw UsageError("which exercise? give an id or 'all' (see 'workbench exercise list')")
                }
                let exercises: [any Exercise]
                if id == "all" {
                    exercises = ExerciseCatalog.all
                } else if let e = ExerciseCatalog.exercise(id: id) {
                    exercises = [e]
                } else {
                    throw UsageError("unknown exercise '\(id)' (expected one of: \(ExerciseCatalog.all.map(\.id).joined(separator: ", ")), all)")
                }
                let reports = exercises.map { $0.run() }
                if args.flag("--json") {
                    console.print(try jsonString(id == "all" ? AnyEncodableReports.many(reports) : .one(reports[0])))
                } else {
                    console.print(reports.map(text).joined(separator: "\n\n" + String(repeating: "=", count: 80) + "\n\n"))
                    if reports.count > 1 {
                        let errata = reports.flatMap(\.findings).filter { $0.kind == .erratum }.count
                        let confirmations = reports.flatMap(\.findings).filter { $0.kind == .confirmation }.count
                        let verified = reports.filter(\.verified).count
                        console.print("\n\(verified) of \(reports.count) exercises verified; \(errata) errata and \(confirmations) confirmations, each with numbers.")
                    }
                }
                return reports.allSatisfy(\.verified) ? 0 : 1
            })
    }

    enum AnyEncodableReports: Encodable {
        case one(ExerciseReport), many([ExerciseReport])
        func encode(to encoder: Encoder) throws {
            switch self {
            case .one(let r): try r.encode(to: encoder)
            case .many(let rs): try rs.encode(to: encoder)
            }
        }
    }

    static func text(_ r: ExerciseReport) -> String {
        var lines = ["\(r.id) — \(r.title)", "source: \(r.source.description)", "notation: \(r.notation.summary)", "", r.summary]
        if !r.quantities.isEmpty {
            lines.append("")
            for q in r.quantities { lines.append("\(q.name): \(q.value)") }
        }
        lines.append("\nchecks:")
        var rows = [["check", "measured", "bound", "status"]]
        for c in r.checks {
            rows.append([c.name + (c.detail.isEmpty || c.measured != nil ? "" : " (\(c.detail))"),
                         c.measured.map { sci($0) } ?? "-", c.bound.map { "≤ " + sci($0, 1) } ?? "-", c.status.rawValue])
        }
        lines.append(renderTable(rows))
        for (n, f) in r.findings.enumerated() {
            lines.append("\n\(f.kind == .erratum ? "ERRATUM" : "confirmed") \(n + 1): \(f.claim)")
            lines.append("  → \(f.finding)")
            for q in f.evidence { lines.append("    \(q.name): \(q.value)") }
        }
        if !r.commands.isEmpty {
            lines.append("\nsee also: " + r.commands.joined(separator: "; "))
        }
        lines.append("\nverdict: \(r.verdict)")
        return lines.joined(separator: "\n")
    }
}
