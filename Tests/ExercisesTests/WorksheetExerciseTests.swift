// WorksheetExerciseTests.swift — the shipped worksheets behave as their annotations state, and
// every check of a worksheet exercise can fail:
//   - every seed claim flipped to the correct one turns the verdict (the claim then holds);
//   - every correct claim corrupted (doubled) turns the verdict;
//   - every expected diagnosis changed to another kind turns the verdict;
//   - malformed annotations and a malformed worksheet are failed checks, never a trap.
// Also: the embedded worksheets are the files in Exercises/Worksheets; the GRU example holds and
// its `# try:` mistakes are diagnosed as it says; the blank template checks, and so do its
// examples once uncommented.

import Foundation
import Worksheet
import XCTest

@testable import Exercises

/// The correct claim for every seed claim that must fail, by worksheet and by the seed claim as
/// written (the text after `claim`, up to the comment). Lines before a `\n` are inserted above
/// the claim (helpers the correction needs).
let corrections: [String: [String: String]] = [
    "lab5-t1": [
        "dz[k]/dW[i,j] = onehot(i, H) * x[k][j]   for k = 1..T, i = 1..H, j = 1..D":
            """
        let q[k,i,j] = onehot(i, H) * x[k][j]                                    for k = 1, i = 1..H, j = 1..D
        let q[k,i,j] = onehot(i, H) * x[k][j] + U @ ((1 - h[k-1]^2) * q[k-1,i,j])   for k = 2..T, i = 1..H, j = 1..D
        dz[k]/dW[i,j] = q[k,i,j]   for k = 1..T, i = 1..H, j = 1..D
        """,
        "dL/dW = sum(t = 1..T, delta[t,t] @ x[t]')": "dL/dW = sum(t = 1..T, sum(k = 1..t, delta[t,k] @ x[k]'))",
        "dL/dW = sum(k = 1..T, delta[T,k] @ x[k]')": "dL/dW = sum(t = 1..T, sum(k = 1..t, delta[t,k] @ x[k]'))",
    ],
    "lab5-t2": [
        "dL[t]/dU[i,j] = sum(k = 1..t, delta[t,1][i] * h[0][j])   for t = 1..T, i = 1..H, j = 1..H":
            "dL[t]/dU[i,j] = sum(k = 1..t, delta[t,k][i] * h[k-1][j])   for t = 1..T, i = 1..H, j = 1..H"
    ],
    "cs224n-gradients": [
        "dJseed/dtheta = yhat - onehot(c, V)": "dJseed/dtheta = onehot(c, V) - yhat",
        "dJ/dz[T] = d2seed": "dJ/dz[T] = d2",
        "dJ/de[T-1] = We' @ (gseed * z[T-1] * (1 - z[T-1]))": "dJ/de[T-1] = We' @ d2p",
    ],
    "hw5-1a": [
        "dp[2]/dx = W' @ onehot(2, n) + (W[1,d] - W[2,d]) * onehot(d, d)": "dp[2]/dx = W' @ onehot(2, n)",
        "dy/dp = diag(y * (1 - y)) + (y[2] * (1 - y[2])) * (onehot(2, n) @ onehot(n, n)')": "dy/dp = diag(y * (1 - y))",
    ],
    "hw5-1b": [
        "dL[t]/dW = sum(k = 1..t, term[t,k])    for t = 0..T": "dL[t]/dW = sum(k = 0..t, term[t,k])    for t = 0..T",
        "dL/dW = sum(t = 0..T, sum(k = 1..t, term[t,k]))": "dL/dW = sum(t = 0..T, sum(k = 0..t, term[t,k]))",
        "dL/dW[i,j] = sum(t = 0..T, sum(k = 0..t, sum((J[t,k]' @ (h[t] - y[t])) * r[k,i,j])))   for i = 1..n, j = 1..n":
            "dL/dW[i,j] = sum(t = 0..T, sum(k = 0..t, term[t,k][i,j]))   for i = 1..n, j = 1..n",
    ],
    "hw5-2a-expansion": [
        "dL/dW = sum(t = 0..T, sum(k = 0..t, (s[k] * (Pw[t,k]' @ (h[t] - y[t]))) @ before[k]'))":
            "dL/dW = sum(t = 0..T, sum(k = 0..t, term[t,k]))",
        "dh[3]/dh[0] = Pw[3,0]": "dh[3]/dh[0] = J[3,0]",
    ],
    "hw5-3c-gradients": [
        "dL/dWfh = zeros(H, H)": "dL/dWfh = sum(t = 1..T, af[t] @ h[t-1]')",
        "dL/dWih = zeros(H, H)": "dL/dWih = sum(t = 1..T, ai[t] @ h[t-1]')",
        "dL/dWch = zeros(H, H)": "dL/dWch = sum(t = 1..T, ag[t] @ h[t-1]')",
        "dL[1]/dWoh = zeros(H, H)": "dL[1]/dWoh = ((h[1] - y[1]) * tanh(C[1]) * o[1] * (1 - o[1])) @ h[0]'",
    ],
    "tanh-output-gradients": [
        "dh[t]/dWH[i,j] = (1 - h[t]^2) * onehot(i, H) * h[t-1][j]   for t = 1..T, i = 1..H, j = 1..H":
            """
        let q[t,i,j] = zeros(H, 1)                                                      for t = 0, i = 1..H, j = 1..H
        let q[t,i,j] = (1 - h[t]^2) * (onehot(i, H) * h[t-1][j] + WH @ q[t-1,i,j])     for t = 1..T, i = 1..H, j = 1..H
        dh[t]/dWH[i,j] = q[t,i,j]   for t = 1..T, i = 1..H, j = 1..H
        """,
        "dL[t]/dWH = dl[t,t] @ h[t-1]'   for t = 1..T": "dL[t]/dWH = sum(k = 1..t, dl[t,k] @ h[k-1]')   for t = 1..T",
    ],
]

/// One claim line of a worksheet: its number (1-based), its code after `claim` (runs of blanks
/// read as one), its comment.
struct ClaimLine {
    let number: Int
    let code: String
    let comment: String
}

func claimLines(_ text: String) -> [ClaimLine] {
    text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { offset, raw in
        let line = String(raw)
        guard line.hasPrefix("claim ") else { return nil }
        let hash = line.firstIndex(of: "#") ?? line.endIndex
        return ClaimLine(
            number: offset + 1, code: blanksCollapsed(String(line[line.index(line.startIndex, offsetBy: 6)..<hash])),
            comment: String(line[hash...]))
    }
}

func blanksCollapsed(_ s: String) -> String { s.split(separator: " ").joined(separator: " ") }

/// `text` with line `number` replaced by `replacement`.
func replacingLine(_ text: String, _ number: Int, with replacement: String) -> String {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines[number - 1] = replacement
    return lines.joined(separator: "\n")
}

final class WorksheetExerciseTests: XCTestCase {
    let sheets = ExerciseCatalog.worksheetExercises

    /// The check of the claim on `line`.
    func check(_ r: ExerciseReport, line: Int) -> ExerciseCheck? { r.checks.first { $0.name.hasPrefix("line \(line):") } }

    func testEveryWorksheetExerciseIsInTheCatalogAndHasSeedClaims() {
        XCTAssertEqual(
            sheets.map(\.id),
            [
                "lab5-t1", "lab5-t2", "cs224n-gradients", "cs224n-identities", "hw5-1a", "hw5-1b",
                "hw5-2a-expansion", "hw5-3c-gradients", "tanh-output-gradients",
            ])
        for e in sheets {
            let r = Reports.report(e.id)
            XCTAssertEqual(r.verdict, .verified, "\(e.id): \(r.checks.filter { $0.status == .fail }.map(\.detail))")
            XCTAssertEqual(r.checks.count, claimLines(e.text).count, "\(e.id): one check per claim, and the annotations read")
            XCTAssertFalse(e.title.hasPrefix("worksheet "), "\(e.id) has a @title")
            // Only the one with no derivation mistake (the identities: a typo) has no erratum.
            if e.id != "cs224n-identities" { XCTAssertFalse(r.findings(.erratum).isEmpty, e.id) }
        }
    }

    func testEverySeedClaimFlippedToTheCorrectOneTurnsTheVerdict() throws {
        for e in sheets {
            let seedClaims = claimLines(e.text).filter { $0.comment.contains(" expect ") }
            let table = Dictionary(uniqueKeysWithValues: (corrections[e.id] ?? [:]).map { (blanksCollapsed($0.key), $0.value) })
            XCTAssertEqual(Set(seedClaims.map(\.code)), Set(table.keys), "\(e.id): every seed claim needs a correction here")
            for c in seedClaims {
                guard let fix = table[c.code] else { continue }
                let inserted = fix.split(separator: "\n").count - 1
                let lines = fix.split(separator: "\n").map(String.init)
                let replacement = (lines.dropLast() + ["claim " + lines.last! + "   " + c.comment]).joined(separator: "\n")
                let r = WorksheetExercise(name: e.id, text: replacingLine(e.text, c.number, with: replacement)).run()
                XCTAssertEqual(r.verdict, .failed, "\(e.id) line \(c.number): still verified with the correct claim")
                let failed = r.checks.filter { $0.status == .fail }
                XCTAssertEqual(failed.count, 1, "\(e.id) line \(c.number): \(failed.map(\.name))")
                XCTAssertEqual(check(r, line: c.number + inserted)?.status, .fail, "\(e.id) line \(c.number)")
                XCTAssertTrue(failed.first?.detail.contains("the claim holds") ?? false, failed.first?.detail ?? "")
            }
        }
    }

    func testEveryCorrectClaimCorruptedTurnsTheVerdict() {
        for e in sheets {
            for c in claimLines(e.text) where !c.comment.contains(" expect ") {
                let line = e.text.split(separator: "\n", omittingEmptySubsequences: false)[c.number - 1]
                guard let eq = line.range(of: " = ") else { XCTFail("\(e.id) line \(c.number)"); continue }
                let corrupted = line[..<eq.upperBound] + "2 * " + line[eq.upperBound...]
                let r = WorksheetExercise(name: e.id, text: replacingLine(e.text, c.number, with: String(corrupted))).run()
                XCTAssertEqual(r.verdict, .failed, "\(e.id) line \(c.number): still verified with the claim doubled")
                XCTAssertEqual(check(r, line: c.number)?.status, .fail, "\(e.id) line \(c.number)")
            }
        }
    }

    func testEveryExpectedDiagnosisIsCompared() {
        for e in sheets {
            for c in claimLines(e.text) where c.comment.contains(" expect ") {
                let expected = c.comment.components(separatedBy: " expect ")[1].split(separator: " ")[0]
                let other = expected == "sign" ? "scale" : "sign"
                let line = String(e.text.split(separator: "\n", omittingEmptySubsequences: false)[c.number - 1])
                let changed = line.replacingOccurrences(of: " expect \(expected)", with: " expect \(other)")
                let r = WorksheetExercise(name: e.id, text: replacingLine(e.text, c.number, with: changed)).run()
                XCTAssertEqual(r.verdict, .failed, "\(e.id) line \(c.number): verified expecting \(other)")
                XCTAssertTrue(check(r, line: c.number)?.detail.contains("expected \(other)") ?? false, "\(e.id) line \(c.number)")
            }
        }
        // The phrase is compared too.
        let lab = try! XCTUnwrap(sheets.first { $0.id == "lab5-t1" })
        let r = WorksheetExercise(
            name: "lab5-t1", text: lab.text.replacingOccurrences(of: "\"only the last term\"", with: "\"only the first term\"")
        ).run()
        XCTAssertEqual(r.verdict, .failed)
        XCTAssertTrue(r.checks.contains { $0.detail.contains("does not name \"only the first term\"") })
    }

    func testErrataCarryTheDiagnosisAndTheWorstEntry() throws {
        let r = Reports.report("lab5-t1")
        let partial = try XCTUnwrap(r.findings.first { $0.lines == "001:29" })
        XCTAssertEqual(partial.kind, .erratum)
        let names = partial.evidence.map(\.name)
        XCTAssertTrue(names.contains { $0.hasSuffix("max rel err vs autodiff") })
        XCTAssertTrue(
            partial.evidence.contains { if case .text(let t) = $0.value { return t.hasPrefix("partial-loss: ") } else { return false } })
        XCTAssertTrue(names.contains { $0.contains("worst entry (") && $0.hasSuffix("the true derivative") })
        XCTAssertGreaterThan(partial.evidence[0].value.number ?? 0, 0.1)
        // hw5-1b: the seed rejects a claim that holds (an erratum), with the claim that fails
        // under the answer's own state before h_0 as the other half of the evidence.
        let rejected = try XCTUnwrap(Reports.report("hw5-1b").findings.first { $0.lines == "003:169" })
        XCTAssertEqual(rejected.kind, .erratum)
        XCTAssertEqual(rejected.evidence.filter { $0.name.hasSuffix("instances that hold") }.count, 1)
        XCTAssertTrue(
            rejected.evidence.contains { if case .text(let t) = $0.value { return t.contains("h[0] on W") } else { return false } })
    }

    func testMalformedAnnotationsAndWorksheetsAreFailedChecks() {
        let model = """
            # @title t
            # @source 003 | x
            # @notation homework5
            size n = 2
            param W[n,n]
            input x[n]
            y = σ(W @ x)
            L = sum(y)

            """
        func run(_ text: String) -> ExerciseReport { WorksheetExercise(name: "t", text: text).run() }
        XCTAssertEqual(run(model + "claim dL/dx = W' @ (y * (1 - y))\n").verdict, .verified)
        let problems = [
            "claim dL/dx = W' @ (y * (1 - y))   # @seed 003:1 expect nonsense\n",  // unknown kind
            "claim dL/dx = W' @ (y * (1 - y))   # @seed 003:1 states\n",  // no @says
            "# @says a\n# @shows b\nclaim dL/dx = W' @ y   # @seed 003:1 expect sign \"x\n",  // unclosed phrase
            "# @frobnicate\nclaim dL/dx = W' @ (y * (1 - y))\n",  // unknown directive
            "L2 = L   # @seed 003:1 states\nclaim dL/dx = W' @ (y * (1 - y))\n",  // not on a claim
            "# @says a\nclaim dL/dx = W' @ (y * (1 - y))   # @seed 003:1 states\n",  // no @shows
        ]
        for p in problems {
            let r = run(model + p)
            XCTAssertEqual(r.verdict, .failed, p)
            XCTAssertEqual(r.checks.first?.name, "the worksheet's annotations read", p)
        }
        XCTAssertEqual(run(model.replacingOccurrences(of: "# @notation homework5\n", with: "")).checks.first?.status, .fail)
        // A worksheet that does not read is a failed check with the error, not a trap.
        let broken = run(model + "claim dL/dx = W @ @\n")
        XCTAssertEqual(broken.verdict, .failed)
        XCTAssertTrue(broken.checks[0].detail.contains("line 9"), broken.checks[0].detail)
        XCTAssertEqual(WorksheetExercise.shipped("no-such-sheet").run().verdict, .failed)
    }

    func testTheEmbeddedWorksheetsAreTheFiles() throws {
        let dir = packageRoot.appendingPathComponent("Exercises/Worksheets")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: dir.path), "Exercises/Worksheets is not beside the package")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".grad") }.sorted()
        XCTAssertEqual(
            ShippedWorksheets.all.map { $0.name + ".grad" }.sorted(), files,
            "run scripts/embed_worksheets.sh after adding or removing a worksheet")
        for (name, text) in ShippedWorksheets.all {
            let file = try String(contentsOf: dir.appendingPathComponent(name + ".grad"), encoding: .utf8)
            XCTAssertEqual(text, file, "\(name).grad differs from its embedded copy: run scripts/embed_worksheets.sh")
        }
        XCTAssertEqual(Set(ExerciseCatalog.worksheetNames), Set(ShippedWorksheets.all.map(\.name)))
    }

    func testTheGRUHoldsAndItsMistakesAreDiagnosed() throws {
        let text = try XCTUnwrap(ExerciseCatalog.worksheet(named: "gru"))
        let report = try Worksheet(text: text, name: "gru.grad").check()
        XCTAssertEqual(report.verdict, .pass)
        let tries = try Worksheet(text: text.replacingOccurrences(of: "# try: claim", with: "claim"), name: "gru.grad").check()
        let mistakes = tries.claims.suffix(2)
        XCTAssertEqual(tries.claims.count, report.claims.count + 2)
        XCTAssertEqual(mistakes.map { $0.diagnosis?.kind }, [.droppedDependence, .sign])
        XCTAssertTrue(mistakes.first?.diagnosis?.detail.contains("r[1] on its use of h[t-1]") ?? false)
    }

    func testTheTemplateChecksAndSoDoItsExamples() throws {
        let text = try XCTUnwrap(ExerciseCatalog.worksheet(named: "template"))
        let blank = try Worksheet(text: text, name: "template.grad")
        XCTAssertEqual(blank.claimCount, 0)
        XCTAssertEqual(try blank.check().verdict, .pass)
        // Uncomment the example statements (not the prose, not the alternatives in parentheses).
        let examples = text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("# "), !line.contains("  (") else { return nil }
            let body = line.dropFirst(2)
            let starts = ["size ", "param ", "input ", "let ", "claim ", "z[", "h[", "L[", "L = "]
            return starts.contains { body.hasPrefix($0) } ? String(body) : nil
        }
        XCTAssertGreaterThan(examples.count, 10)
        let filled = try Worksheet(text: examples.joined(separator: "\n"), name: "template.grad").check()
        XCTAssertEqual(filled.claims.count, 2)
        XCTAssertEqual(filled.verdict, .pass)
    }
}
