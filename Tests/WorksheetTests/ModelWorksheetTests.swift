// ModelWorksheetTests.swift — worksheets for models beyond the vanilla RNN: one LSTM step
// (PyTorch's gates i, f, g, o), a GRU (NNDL 6.6) and a softmax cross-entropy language model with
// class labels (cs224n style). The right claims hold; claims with the usual mistakes are diagnosed.

import XCTest

@testable import Worksheet

final class ModelWorksheetTests: XCTestCase {
    private func lastClaim(_ model: String, _ claim: String) throws -> ClaimReport {
        let report = try checkWorksheet(model + "\n" + claim + "\n")
        return try XCTUnwrap(report.claims.last)
    }

    func testLSTMStep() throws {
        let model = Fixture.text("lstm-step")
        let report = try checkWorksheet(model)
        XCTAssertEqual(report.claims.count, 8)
        XCTAssertEqual(report.verdict, .pass, report.claims.filter { $0.verdict == .fail }.map(\.text).joined(separator: "; "))

        // The forget-gate path left out of ∂L/∂h_{t-1}: a missing gate path.
        let missingGate = try lastClaim(model, "claim ∂L/∂hp = Uiᵀ @ di + Ugᵀ @ dg + Uoᵀ @ do")
        XCTAssertEqual(missingGate.verdict, .fail)
        XCTAssertEqual(missingGate.diagnosis?.kind, .droppedDependence)
        XCTAssertTrue(missingGate.diagnosis?.detail.contains("dependence of f on hp") == true, missingGate.diagnosis?.detail ?? "")

        // σ′ of the output gate written in the pre-activation.
        let rule = try lastClaim(model, "let zo = Wo @ x + Uo @ hp + bo\nclaim ∂L/∂bo = dh ⊙ tanh(c) ⊙ zo ⊙ (1 - zo)")
        XCTAssertEqual(rule.diagnosis?.kind, .derivativeRule)
        XCTAssertTrue(rule.diagnosis?.detail.contains("σ(Wo @ x + Uo @ hp + bo)") == true, rule.diagnosis?.detail ?? "")

        // The cell-state path through tanh(c) forgotten in ∂L/∂c: tanh's derivative left out.
        let leftOut = try lastClaim(model, "claim ∂L/∂c = dh ⊙ o")
        XCTAssertEqual(leftOut.diagnosis?.kind, .derivativeRule)
    }

    func testGRU() throws {
        let model = Fixture.text("gru")
        let report = try checkWorksheet(model)
        XCTAssertEqual(report.verdict, .pass, report.claims.filter { $0.verdict == .fail }.map(\.text).joined(separator: "; "))
        XCTAssertEqual(report.claims.map(\.instances), [4, 5, 1])

        // The reset gate's path left out of the Jacobian.
        let noReset = try lastClaim(
            model,
            """
            claim dh[t]/dh[t-1] = diag(z[t]) + diag((h[t-1] - hh[t]) * z[t] * (1 - z[t])) @ Uz
                                + diag((1 - z[t]) * (1 - hh[t]^2)) @ Uh @ diag(r[t])     for t = 1..T
            """)
        XCTAssertEqual(noReset.diagnosis?.kind, .droppedDependence)
        XCTAssertTrue(noReset.diagnosis?.detail.contains("dependence of r[t] on h[t-1]") == true, noReset.diagnosis?.detail ?? "")

        // The direct term z_t ⊙ h_{t-1} forgotten.
        let noDirect = try lastClaim(
            model,
            """
            claim dh[t]/dh[t-1] = diag((h[t-1] - hh[t]) * z[t] * (1 - z[t])) @ Uz
                  + diag((1 - z[t]) * (1 - hh[t]^2)) @ Uh @ (diag(r[t]) + diag(h[t-1] * r[t] * (1 - r[t])) @ Ur)   for t = 1..T
            """)
        XCTAssertEqual(noDirect.diagnosis?.kind, .droppedDependence)
        XCTAssertTrue(noDirect.diagnosis?.detail.contains("dependence of h[t] on h[t-1]") == true, noDirect.diagnosis?.detail ?? "")
    }

    func testSoftmaxLanguageModelWithClassLabels() throws {
        let model = Fixture.text("softmax-lm")
        let report = try checkWorksheet(model)
        XCTAssertEqual(report.verdict, .pass, report.claims.filter { $0.verdict == .fail }.map(\.text).joined(separator: "; "))

        let sign = try lastClaim(model, "claim dJ[t]/db2 = onehot(y[t], V) - p[t]    for t = 1..T")
        XCTAssertEqual(sign.diagnosis?.kind, .sign)
        // V×H claimed as H×V.
        let transpose = try lastClaim(model, "claim dJ[t]/dU = h[t] @ dθ[t]ᵀ    for t = 1..T")
        XCTAssertEqual(transpose.diagnosis?.kind, .transpose)
        let rule = try lastClaim(
            model,
            """
            let a[t] = Wh @ h[t-1] + We @ e[t] + b1        for t = 1..T
            claim dJ[t]/dh[t-1] = Whᵀ @ ((Uᵀ @ dθ[t]) * a[t] * (1 - a[t]))     for t = 1..T
            """)
        XCTAssertEqual(rule.diagnosis?.kind, .derivativeRule)
        // The total loss through time, truncated to the direct term of each step.
        let truncated = try lastClaim(model, "claim dJ/dWh = Σ(t = 1..T, δ[t] @ h[t-1]ᵀ)")
        XCTAssertEqual(truncated.diagnosis?.kind, .droppedDependence)
        XCTAssertTrue(truncated.diagnosis?.detail.contains("h[t-1]") == true, truncated.diagnosis?.detail ?? "")
        let partial = try lastClaim(model, "claim dJ/db2 = dθ[T]")
        XCTAssertEqual(partial.diagnosis?.kind, .partialLoss)
        // The full BPTT recursion for the total loss holds.
        let full = try lastClaim(
            model,
            """
            let g[t] = Uᵀ @ dθ[t]                                      for t = T
            let g[t] = Uᵀ @ dθ[t] + Whᵀ @ (g[t+1] * h[t+1] * (1 - h[t+1]))   for t = 1..T-1
            claim dJ/dh[t] = g[t]                                      for t = 1..T
            claim dJ/dWh = Σ(t = 1..T, (g[t] * h[t] * (1 - h[t])) @ h[t-1]ᵀ)
            """)
        XCTAssertEqual(full.verdict, .pass)
    }

    func testClassLabelsAreDrawnFromTheSeedWithinTheirRange() throws {
        let sheet = try Worksheet(text: Fixture.text("softmax-lm"))
        var seen = Set<Int>()
        for seed: UInt64 in 0..<6 {
            let model = try ModelValues(sheet: sheet.sheet, seed: seed)
            for (_, label) in model.labels {
                XCTAssertTrue((1...5).contains(label))
                seen.insert(label)
            }
        }
        XCTAssertGreaterThan(seen.count, 2, "labels should vary with the seed")
        let a = try ModelValues(sheet: sheet.sheet, seed: 3).labels, b = try ModelValues(sheet: sheet.sheet, seed: 3).labels
        XCTAssertEqual(a, b)
    }
}
