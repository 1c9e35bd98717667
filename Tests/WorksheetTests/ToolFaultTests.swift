// ToolFaultTests.swift — when the workbench's own derivative disagrees with finite differences,
// the claim is not blamed: the report names a fault of the tool.

import XCTest

@testable import Worksheet

final class ToolFaultTests: XCTestCase {
    func testADisagreementWithFiniteDifferencesIsReportedAsAToolFault() throws {
        var sheet = try Worksheet(text: Fixture.text("nndl-rnn"))
        // The same worksheet and path: without the fault every claim holds and finite differences agree.
        let clean = try sheet.check()
        XCTAssertEqual(clean.verdict, .pass)
        XCTAssertTrue(clean.claims.allSatisfy { $0.toolFault == nil && $0.finiteDifferences.verdict == .pass })

        // A wrong autodiff value (0.1% too large) fed through the same path.
        sheet.autodiffPerturbation = { $0 * 1.001 }
        let faulty = try sheet.check()
        XCTAssertEqual(faulty.verdict, .fail)
        for c in faulty.claims {
            XCTAssertEqual(c.verdict, .fail)
            XCTAssertNotNil(c.toolFault, c.text)
            XCTAssertTrue(c.toolFault?.contains("fault of the tool") == true)
            XCTAssertNil(c.diagnosis, "a fault of the tool is not the claim's mistake")
            XCTAssertEqual(c.finiteDifferences.verdict, .fail)
        }
        let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(faulty)) as? [String: Any]
        let claims = try XCTUnwrap(object?["claims"] as? [[String: Any]])
        XCTAssertNotNil(claims[0]["tool_fault"] as? String)
    }
}

extension ToolFaultTests {
    /// Checks `text` as it is (every claim must hold, finite differences agreeing) and with the
    /// autodiff values `relative` too large (every claim must be a fault of the tool).
    private func assertCleanAndCaught(
        _ text: String, relative: Double, _ what: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        var sheet = try Worksheet(text: text)
        let clean = try sheet.check()
        for c in clean.claims {
            XCTAssertEqual(c.verdict, .pass, "\(what): \(c.text): \(c.toolFault ?? "")", file: file, line: line)
            XCTAssertNil(c.toolFault, "\(what): \(c.text)", file: file, line: line)
        }
        sheet.autodiffPerturbation = { $0 * (1 + relative) }
        let faulty = try sheet.check()
        for c in faulty.claims {
            XCTAssertNotNil(
                c.toolFault, "\(what): a derivative \(relative) too large passed finite differences: \(c.text)", file: file, line: line)
            XCTAssertNil(c.diagnosis, file: file, line: line)
        }
    }

    /// A state that doubles every step (≈ 5e8 at t = 30): a step of 1e-4 is lost in its rounding,
    /// a step scaled to each entry's size is not; a derivative off by 1e-5 is still caught.
    func testFiniteDifferencesOnALargeStateScaleTheStepAndStillCatchAWrongDerivative() throws {
        let doubling = """
            size H = 2, T = 30
            param w[H]
            input h[0][H]
            h[t] = 2 * h[t-1] + w              for t = 1..T
            L = sum(h[T])
            claim dh[t]/dh[t-1] = 2 * I(H)     for t = 1..T
            claim dL/dw = sum(t = 0..T-1, 2^t) * ones(H, 1)
            claim dL/dh[1] = 2^(T-1) * ones(H, 1)
            """
        try assertCleanAndCaught(doubling, relative: 1e-5, "doubling state")
        // H = 64, T = 100, a state growing like 1.2^t (≈ 1e8 at the end, the loss ≈ 1e20).
        let growing = """
            size H = 64, D = 8, T = 100
            param U[H,H], W[H,D]
            input x[t][D] for t = 1..T
            input y[t][H] for t = 1..T
            input h[0][H]
            z[t] = U @ h[t-1] + W @ x[t]                  for t = 1..T
            h[t] = 1.2 * h[t-1] + tanh(z[t])              for t = 1..T
            L[t] = 0.5 * sum((h[t] - y[t])^2)             for t = 1..T
            L = sum(t = 1..T, L[t])
            claim dh[t]/dh[t-1] = 1.2 * I(H) + diag(1 - tanh(z[t])^2) @ U    for t = T
            claim dL/dh[T] = h[T] - y[T]
            claim dL[t]/dh[t] = h[t] - y[t]     for t = 95..T
            """
        try assertCleanAndCaught(growing, relative: 1e-5, "growing state")
    }

    /// A function whose value is large beside what the perturbed quantity changes in it (an offset
    /// of 1e7): no single step suits every worksheet, so the step is chosen from a ladder by how
    /// little the estimate moves — never by the autodiff value, which still disagrees when wrong.
    func testTheStepLadderResolvesALargeFunctionAndStillCatchesAWrongDerivative() throws {
        let offset = """
            size H = 3
            param w[H], U[H,H]
            input c[H]
            A = 1e7 * sum(c) + sum(tanh(U @ w))
            claim dA/dw = U' @ (1 - tanh(U @ w)^2)
            """
        try assertCleanAndCaught(offset, relative: 1e-5, "offset")
    }
}
