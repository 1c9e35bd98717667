// WorksheetReportText.swift — the text form of `workbench check FILE.grad`.
//
// One table row per claim (as `workbench check` prints one row per quantity): its line, the
// claim, how many instances its ranges give, the worst relative error against autodiff, the
// bound, the autodiff-vs-finite-differences cross-check, and the verdict. Then, for each failed
// claim: the diagnosis, the worst instance and its worst entries (1-based), and with
// --all-instances every instance. The last line is the verdict.

import GradCheck
import WorkbenchNumerics
import Worksheet

/// The claim as shown in the table: at most `width` characters.
private func shortened(_ text: String, _ width: Int) -> String {
    text.count <= width ? text : String(text.prefix(width - 1)) + "…"
}

private func entriesText(_ entries: [EntryDifference], vector: Bool) -> String {
    entries.map { e in
        let place = "(\(e.row), \(e.column))"
        return
            "\(place) claim \(formatScalar(e.claim, digits: 8)) vs true \(formatScalar(e.truth, digits: 8)) (rel \(sci(e.relativeError)))"
    }.joined(separator: "; ")
}

private func instanceLine(_ r: InstanceResult) -> String {
    let label = r.label.isEmpty ? "the claim" : r.label
    var line = "\(label): max rel err \(sci(r.maxRelativeError)), \(r.verdict.rawValue)"
    if r.verdict == .fail, let worst = r.worstEntries.first {
        line +=
            "; worst (\(worst.row), \(worst.column)): claim \(formatScalar(worst.claim, digits: 8)) vs true \(formatScalar(worst.truth, digits: 8))"
    }
    return line
}

/// The whole text report.
func worksheetReportText(_ report: WorksheetReport) -> String {
    var lines: [String] = []
    let count = report.claims.count
    lines.append(
        "worksheet \(report.file), seed \(report.seed): \(count) claim\(count == 1 ? "" : "s"), each against reverse-mode autodiff for every instance; autodiff cross-checked by finite differences"
    )
    guard count > 0 else {
        lines.append("\nthe worksheet makes no claims yet, so nothing was checked: add one, e.g. claim dL/dW = …")
        return lines.joined(separator: "\n")
    }
    lines.append("")
    var rows = [["line", "claim", "instances", "max rel err", "bound", "autodiff vs fd", "verdict"]]
    for c in report.claims {
        var verdict = c.verdict.rawValue
        if let d = c.diagnosis { verdict += " (\(d.kind.rawValue))" }
        if c.toolFault != nil { verdict += " (tool fault)" }
        rows.append([
            "\(c.line)", shortened(c.text, 64), "\(c.instances)", sci(c.maxRelativeError), "≤ " + sci(c.bound, 1),
            "\(sci(c.finiteDifferences.maxRelativeError)) \(c.finiteDifferences.verdict.rawValue)", verdict,
        ])
    }
    lines.append(renderTable(rows))

    for c in report.claims {
        let showInstances = c.allInstances != nil
        guard c.verdict == .fail || showInstances else { continue }
        lines.append("")
        lines.append("line \(c.line): \(c.text)")
        if let fault = c.toolFault {
            lines.append("  TOOL FAULT: \(fault)")
        }
        if let d = c.diagnosis {
            lines.append("  diagnosis (\(d.kind.rawValue)): \(d.detail)")
        }
        if c.verdict == .fail {
            let w = c.worstInstance
            lines.append("  worst instance\(w.label.isEmpty ? "" : ": \(w.label)") — max rel err \(sci(w.maxRelativeError))")
            if !w.worstEntries.isEmpty {
                lines.append("  worst entries (row, column): " + entriesText(w.worstEntries, vector: true))
            }
        }
        let fd = c.finiteDifferences
        lines.append(
            "  autodiff vs finite differences on \(fd.instances) instance\(fd.instances == 1 ? "" : "s"): max rel err \(sci(fd.maxRelativeError)) (bound \(sci(fd.bound, 1))) — \(fd.verdict.rawValue)"
        )
        if let all = c.allInstances {
            lines.append("  every instance:")
            for r in all { lines.append("    " + instanceLine(r)) }
        }
    }
    let held = report.claims.filter { $0.verdict == .pass }.count
    lines.append("")
    lines.append("\(held) of \(count) claim\(count == 1 ? "" : "s") hold — verdict: \(report.verdict.rawValue)")
    return lines.joined(separator: "\n")
}
