// LanguageTests.swift — the statements, operators, functions and conventions of the worksheet
// language, each in a claim that holds and (where a convention could be read two ways) a claim
// that reads it the other way and fails.

import XCTest

@testable import Worksheet

final class LanguageTests: XCTestCase {
    /// A tanh RNN without bias, for products of Jacobians.
    let chain = """
        size H = 3, D = 2, T = 3
        param U[H,H], W[H,D]
        input x[t][D] for t = 1..T
        input h[0][H]
        h[t] = tanh(U @ h[t-1] + W @ x[t])     for t = 1..T

        """

    func testProdHasTheHighestIndexOnTheLeftAndIsTheIdentityWhenEmpty() throws {
        let report = try checkWorksheet(
            chain + """
                claim dh[t]/dh[k] = prod(j = k+1..t, diag(1 - h[j]^2) @ U)      for t = 1..T, k = 0..t
                claim dh[3]/dh[0] = (diag(1 - h[1]^2) @ U) @ (diag(1 - h[2]^2) @ U) @ (diag(1 - h[3]^2) @ U)
                claim dh[3]/dh[0] = (diag(1 - h[3]^2) @ U) @ (diag(1 - h[2]^2) @ U) @ (diag(1 - h[1]^2) @ U)
                claim dh[t]/dh[t] = I(H)                                         for t = 1..T
                """)
        XCTAssertEqual(report.claims[0].verdict, .pass)
        XCTAssertEqual(report.claims[0].instances, 2 + 3 + 4)
        XCTAssertEqual(report.claims[1].verdict, .fail, "lowest index on the left is the wrong order")
        XCTAssertEqual(report.claims[2].verdict, .pass)
        XCTAssertEqual(report.claims[3].verdict, .pass)
    }

    func testRangesSingleValuesContinuationAndUnicode() throws {
        let report = try checkWorksheet(
            """
            # comments everywhere
            size H = 2, T = 3          # sizes
            param U[H,H]
            input h[0][H]
            h[t] = tanh(U @ h[t-1])    for t = 1..T
            L = Σ(t = 1..T,            # a sum over lines
                  0.5 * sum(h[t] ⊙ h[t]))
            let δ[t] = h[t] ⊙ (1 − h[t]^2)          for t = T
            let δ[t] = (1 - h[t]^2) * (h[t] + Uᵀ @ δ[t+1])
                for t = 1..T-1
            claim ∂L/∂h[t] = h[t] + Uᵀ @ δ[t+1]     for t = 1..T-1
            claim dL/dh[t] = h[t]                    for t = T
            claim ∂L/∂U = Σ(t = 1..T, δ[t] @ h[t-1]ᵀ)
            """)
        XCTAssertEqual(report.verdict, .pass, report.claims.map { "\($0.text): \($0.verdict)" }.joined(separator: "\n"))
        XCTAssertEqual(report.claims.map(\.instances), [2, 1, 1])
    }

    func testEntriesCountFromOneAndFamiliesMayStartAtZero() throws {
        let report = try checkWorksheet(
            chain + """
                L = sum(h[1])
                let G = (1 - h[1]^2) @ h[0]'
                claim dL/dh[0][i] = (U' @ (1 - h[1]^2))[i]     for i = 1..H
                claim dh[1][i]/dh[0][j] = (diag(1 - h[1]^2) @ U)[i, j]    for i = 1..H, j = 1..H
                claim dh[1][i]/dh[0][j] = (diag(1 - h[1]^2) @ U)[j, i]    for i = 1..H, j = 1..H
                claim dL/dU[1,2] = G[1,2]
                claim dL/dU[1,2] = G[2,1]
                """)
        XCTAssertEqual(report.claims.map(\.verdict), [.pass, .pass, .fail, .pass, .fail])
        XCTAssertEqual(report.claims[1].instances, 9)
    }

    func testFunctionsAndBroadcasting() throws {
        let report = try checkWorksheet(
            """
            size n = 3
            param W[n,n]
            input x[n], v[n]
            x = [0.3; -0.7; 1.1]
            q = sqrt(exp(x) + ones(n, 1))
            r = relu(W @ x)
            s = softmax(x)
            u = log(ones(n) + x ⊙ x) / 2
            m = v' @ x
            claim dq/dx = diag(exp(x) / (2 * q))
            claim dr/dx = diag(relu(W @ x) / (W @ x)) @ W
            claim ds/dx = diag(s) - s @ s'
            claim du/dx = diag(x / (1 + x^2))
            claim dq/dW[1,1] = zeros(n, 1)
            claim dx/dx = I(n)
            claim dm/dx = v
            claim dm/dv[2] = x[2]
            claim ds[3]/dx = s[3] * (onehot(3, n) - s)
            claim dq/dx = 2 * diag(exp(x) / (2 * q))
            """)
        XCTAssertEqual(
            report.claims.dropLast().map(\.verdict), Array(repeating: .pass, count: 9),
            report.claims.map { "\($0.text): \($0.verdict) \($0.maxRelativeError)" }.joined(separator: "\n"))
        XCTAssertEqual(report.claims.last?.verdict, .fail)
        XCTAssertEqual(report.claims.last?.diagnosis?.kind, .scale)
    }

    func testGivenValuesAreUsedAndDrawnOnesFollowTheSeed() throws {
        let text = "param w[2]\ninput x[2]\nw = [2, -1]\nL = sum(w * x)\nclaim dL/dx = [2; -1]\nclaim dL/dw = x\n"
        XCTAssertEqual(try checkWorksheet(text).verdict, .pass)
        let sheet = try Worksheet(text: text)
        let a = try ModelValues(sheet: sheet.sheet, seed: 1).values, b = try ModelValues(sheet: sheet.sheet, seed: 2).values
        let w = try XCTUnwrap(sheet.sheet.element(sheet.sheet.familyByName["w"]!))
        let x = try XCTUnwrap(sheet.sheet.element(sheet.sheet.familyByName["x"]!))
        XCTAssertEqual(a[w]?.matrix, b[w]?.matrix, "a given value does not depend on the seed")
        XCTAssertNotEqual(a[x]?.matrix, b[x]?.matrix, "a drawn value does")
        XCTAssertEqual(a[w]?.matrix, Matrix(column: [2, -1]), "a row of values given to a column is read as the column")
    }

    func testScalarDenominatorsAndNumerators() throws {
        let report = try checkWorksheet(
            """
            param a, v[3]
            input x[3]
            y = tanh(a * x) + v
            L = sum(y)
            claim dy/da = x * (1 - tanh(a * x)^2)
            claim dL/da = sum(x * (1 - tanh(a * x)^2))
            claim dy[2]/dv = onehot(2, 3)
            """)
        XCTAssertEqual(report.verdict, .pass)
    }

    func testHelpersAreNeverDifferentiatedAndTotalDerivativesGoThroughEverything() throws {
        // L depends on u twice (directly and through v): the total derivative has both terms.
        let report = try checkWorksheet(
            """
            input u[2]
            v = u * u
            L = sum(u + v)
            let twice = 2 * u
            claim dL/du = 1 + twice
            claim dL/du = ones(2, 1)
            claim dL/dv = ones(2, 1)
            """)
        XCTAssertEqual(report.claims.map(\.verdict), [.pass, .fail, .pass])
        XCTAssertEqual(report.claims[1].diagnosis?.kind, .droppedDependence)
    }
}

extension LanguageTests {
    func testTheProductSignIsProd() throws {
        let report = try checkWorksheet(chain + "claim dh[3]/dh[1] = ∏(j = 2..3, diag(1 - h[j]^2) @ U)\n")
        XCTAssertEqual(report.verdict, .pass)
    }
}

extension LanguageTests {
    func testAnEmptySumIsZerosOfTheShapeOfItsTerms() throws {
        let report = try checkWorksheet(
            """
            size T = 3
            input a[t][2] for t = 1..T
            s[t] = sum(k = t+1..T, a[k])      for t = 1..T
            L = sum(t = 1..T, sum(s[t] * s[t]))
            claim dL/da[k] = 2 * sum(t = 1..k-1, s[t])     for k = 1..T
            claim ds[T]/da[1] = zeros(2, 2)
            claim ds[1]/da[2] = I(2)
            """)
        XCTAssertEqual(report.verdict, .pass, report.claims.map { "\($0.text): \($0.verdict)" }.joined(separator: "\n"))
    }
}

extension LanguageTests {
    /// An empty prod in a `let` whose body names a family shaped after it (g runs backward, so
    /// P[1] is ordered before every g): it waits for g's shape, and so does a `let` that uses it.
    func testAnEmptyProdInALetTakesItsShapeFromAFamilyShapedLater() throws {
        let report = try checkWorksheet(
            """
            size H = 2, T = 3
            param U[H,H], W[H,H]
            input x[t][H] for t = 1..T
            g[t] = tanh(W @ x[t])                                   for t = T
            g[t] = tanh(U @ g[t+1] + W @ x[t])                      for t = 1..T-1
            L = sum(g[1])
            let P[k] = prod(m = 1..k-1, diag(1 - g[k-m]^2))         for k = 1..T
            let Q[k] = P[k] @ U                                     for k = 1..T
            claim dg[1]/dg[1] = P[1]
            claim dg[1]/dg[2] = Q[2]
            claim dg[1]/dg[2] = Q[1]
            """)
        XCTAssertEqual(report.claims.map(\.verdict), [.pass, .pass, .fail])
        XCTAssertEqual(report.claims[2].diagnosis?.kind, .derivativeRule, report.claims[2].diagnosis?.detail ?? "")
    }

    /// An empty range that names only the element being defined has no shape to borrow: refused.
    func testAnEmptyRangeWithNoShapeToBorrowIsRefused() {
        assertStaticError(
            "size T = 2\ninput x[t][2] for t = 1..T\na[t] = sum(m = 1..t-1, a[m]) + x[t] for t = 1..T\n",
            .shape, line: 3, column: 8, mentions: "cannot tell the shape of this empty sum")
    }
}
