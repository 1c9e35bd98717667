// DiagnosisTests.swift — each kind of diagnosis, produced by a worksheet built to make that
// mistake, on the tanh RNN of NNDL chapter 6 (z_t = U h_{t-1} + W x_t + b, h_t = tanh z_t,
// L = Σ_t ½‖h_t − y_t‖²) and on a sigmoid variant.

import XCTest

@testable import Worksheet

/// The model of the worksheet with its δ recursion; claims are appended from line 12.
let tanhRNN = """
    size H = 4, D = 3, T = 5
    param U[H,H], W[H,D], b[H]
    input x[t][D] for t = 1..T
    input y[t][H] for t = 1..T
    input h[0][H]
    z[t] = U @ h[t-1] + W @ x[t] + b            for t = 1..T
    h[t] = tanh(z[t])                           for t = 1..T
    L[t] = 0.5 * sum((h[t] - y[t])^2)           for t = 1..T
    L = sum(t = 1..T, L[t])
    let delta[t,k] = (1 - h[t]^2) * (h[t] - y[t])         for t = 1..T, k = t
    let delta[t,k] = (1 - h[k]^2) * (U' @ delta[t,k+1])   for t = 1..T, k = 1..t-1

    """

final class DiagnosisTests: XCTestCase {
    private func diagnosis(_ claim: String, model: String = tanhRNN) throws -> Diagnosis {
        let report = try checkWorksheet(model + claim + "\n")
        let c = try XCTUnwrap(report.claims.last)
        XCTAssertEqual(c.verdict, .fail, claim)
        XCTAssertNil(c.toolFault)
        return try XCTUnwrap(c.diagnosis, claim)
    }

    func testTruncatedBPTTIsADroppedDependenceOfZOnTheEarlierState() throws {
        let d = try diagnosis("claim dL/dW = sum(t = 1..T, delta[t,t] @ x[t]')")
        XCTAssertEqual(d.kind, .droppedDependence)
        XCTAssertTrue(d.detail.contains("z[t]") && d.detail.contains("h[t-1]"), d.detail)
        XCTAssertEqual(d.modelLine, 6)
        XCTAssertEqual(d.factor, 1)
        // The right double sum, checked the same way, holds.
        let right = try checkWorksheet(tanhRNN + "claim dL/dW = sum(t = 1..T, sum(k = 1..t, delta[t,k] @ x[k]'))\n")
        XCTAssertEqual(right.verdict, .pass)
    }

    func testOnlyTheLastLossTermIsAPartialLoss() throws {
        let d = try diagnosis("claim dL/dW = sum(k = 1..T, delta[T,k] @ x[k]')")
        XCTAssertEqual(d.kind, .partialLoss)
        XCTAssertTrue(d.detail.contains("only the last term"), d.detail)
        XCTAssertTrue(d.detail.contains("sum(t = 1..T, L[t])"), d.detail)
        let late = try diagnosis("claim dL/dW = sum(t = 2..T, sum(k = 1..t, delta[t,k] @ x[k]'))")
        XCTAssertEqual(late.kind, .partialLoss)
        XCTAssertTrue(late.detail.contains("starts one step late"), late.detail)
    }

    func testSignScaleAndTranspose() throws {
        let sign = try diagnosis("claim dL/db = -sum(t = 1..T, sum(k = 1..t, delta[t,k]))")
        XCTAssertEqual(sign.kind, .sign)
        XCTAssertEqual(sign.factor, -1)
        let scale = try diagnosis("claim dL/db = 2 * sum(t = 1..T, sum(k = 1..t, delta[t,k]))")
        XCTAssertEqual(scale.kind, .scale)
        XCTAssertEqual(scale.factor, 2, accuracy: 1e-12)
        XCTAssertTrue(scale.detail.contains("2 times"), scale.detail)
        let half = try diagnosis("claim dL[t]/dz[k] = delta[t,k] / 2    for t = 1..T, k = 1..t")
        XCTAssertEqual(half.kind, .scale)
        XCTAssertTrue(half.detail.contains("1/2"), half.detail)
        let transpose = try diagnosis("claim dL/dU = sum(t = 1..T, sum(k = 1..t, h[k-1] @ delta[t,k]'))")
        XCTAssertEqual(transpose.kind, .transpose)
        XCTAssertTrue(transpose.transposed)
        let jacobian = try diagnosis("claim dh[t]/dh[t-1] = U' @ diag(1 - h[t]^2)   for t = 1..T")
        XCTAssertEqual(jacobian.kind, .transpose)
    }

    func testACombinationOfADroppedDependenceWithASign() throws {
        let d = try diagnosis("claim dL/dW = -sum(t = 1..T, delta[t,t] @ x[t]')")
        XCTAssertEqual(d.kind, .droppedDependence)
        XCTAssertEqual(d.factor, -1)
        XCTAssertTrue(d.detail.contains("opposite sign"), d.detail)
        let scaled = try diagnosis("claim dL/dW = 3 * sum(k = 1..T, delta[T,k] @ x[k]')")
        XCTAssertEqual(scaled.kind, .partialLoss)
        XCTAssertEqual(scaled.factor, 3, accuracy: 1e-12)
        XCTAssertTrue(scaled.detail.contains("times 3"), scaled.detail)
    }

    func testDerivativeRules() throws {
        let tanhRule = try diagnosis("claim dL[t]/dz[t] = (1 - z[t]^2) * (h[t] - y[t])    for t = 1..T")
        XCTAssertEqual(tanhRule.kind, .derivativeRule)
        XCTAssertTrue(tanhRule.detail.contains("1 − z²"), tanhRule.detail)
        let leftOut = try diagnosis("claim dL[t]/dz[t] = h[t] - y[t]    for t = 1..T")
        XCTAssertEqual(leftOut.kind, .derivativeRule)
        XCTAssertTrue(leftOut.detail.contains("left out"), leftOut.detail)

        // σ′ written as z(1 − z) instead of σ(z)(1 − σ(z)), through the whole recursion.
        let sigmoidRNN = tanhRNN.replacingOccurrences(of: "h[t] = tanh(z[t])", with: "h[t] = σ(z[t])")
            .replacingOccurrences(of: "(1 - h[t]^2)", with: "h[t] * (1 - h[t])")
            .replacingOccurrences(of: "(1 - h[k]^2)", with: "h[k] * (1 - h[k])")
        let right = try checkWorksheet(sigmoidRNN + "claim dL[t]/dz[k] = delta[t,k]   for t = 1..T, k = 1..t\n")
        XCTAssertEqual(right.verdict, .pass)
        let wrongModel =
            sigmoidRNN + """
                let e[t,k] = z[t] * (1 - z[t]) * (h[t] - y[t])          for t = 1..T, k = t
                let e[t,k] = z[k] * (1 - z[k]) * (U' @ e[t,k+1])        for t = 1..T, k = 1..t-1

                """
        let sigmoidRule = try diagnosis("claim dL[t]/dz[k] = e[t,k]   for t = 1..T, k = 1..t", model: wrongModel)
        XCTAssertEqual(sigmoidRule.kind, .derivativeRule)
        XCTAssertTrue(sigmoidRule.detail.contains("z(1 − z)"), sigmoidRule.detail)
    }

    func testUnexplainedShowsWhereClaimAndTruthDifferMost() throws {
        let d = try diagnosis("claim dL/db = sum(t = 1..T, h[t])")
        XCTAssertEqual(d.kind, .unexplained)
        XCTAssertTrue(d.detail.contains("entry ("), d.detail)
        XCTAssertTrue(d.detail.contains("vs true"), d.detail)
        let indexed = try diagnosis("claim dL[t]/dz[k] = delta[t,k] + 0.01 * t   for t = 1..T, k = 1..t")
        XCTAssertEqual(indexed.kind, .unexplained)
        XCTAssertTrue(indexed.detail.contains("t = "), indexed.detail)
    }

    func testACorrectClaimNeverGetsADiagnosis() throws {
        // Every claim of the worksheet, over several seeds.
        for seed: UInt64 in [0, 1, 2] {
            let report = try checkWorksheet(Fixture.text("nndl-rnn"), seed: seed)
            XCTAssertEqual(report.verdict, .pass)
            XCTAssertTrue(report.claims.allSatisfy { $0.diagnosis == nil })
        }
    }
}

extension DiagnosisTests {
    func testASumThatMissesTheFirstStepIsADependenceDroppedAtThatStep() throws {
        // Σ_k from 2: the k = 1 terms δ_{t,1} h_0ᵀ, U's use in z[1], are missing.
        let d = try diagnosis("claim dL/dU = sum(t = 1..T, sum(k = 2..t, delta[t,k] @ h[k-1]'))")
        XCTAssertEqual(d.kind, .droppedDependence)
        XCTAssertTrue(d.detail.contains("z[1]") && d.detail.contains("one step"), d.detail)
        let right = try checkWorksheet(tanhRNN + "claim dL/dU = sum(t = 1..T, sum(k = 1..t, delta[t,k] @ h[k-1]'))\n")
        XCTAssertEqual(right.verdict, .pass)
    }
}

extension DiagnosisTests {
    func testOneNumberIsAScaleOnlyWithAShortFraction() throws {
        // With one instance of one entry every wrong value is a multiple of the truth: a fitted
        // factor names a mistake only when it is a short fraction.
        let doubled = try diagnosis("claim dL/dW[1,2] = 2 * sum(t = 1..T, sum(k = 1..t, delta[t,k][1] * x[k][2]))")
        XCTAssertEqual(doubled.kind, .scale)
        XCTAssertEqual(doubled.factor, 2, accuracy: 1e-12)
        // The direct partial of one entry of z_T in one weight: truncated BPTT, not "0.97 times".
        let direct = try diagnosis("claim dz[T][1]/dW[1,2] = x[T][2]")
        XCTAssertEqual(direct.kind, .droppedDependence, direct.detail)
        XCTAssertTrue(direct.detail.contains("z[t] on h[t-1]"), direct.detail)
        // Several numbers keep any factor that fits them all.
        let scaled = try diagnosis("claim dL/db = 0.3 * sum(t = 1..T, sum(k = 1..t, delta[t,k]))")
        XCTAssertEqual(scaled.kind, .scale)
        XCTAssertEqual(scaled.factor, 0.3, accuracy: 1e-9)
    }
}

extension DiagnosisTests {
    /// A residual RNN: h[t-1] has two uses in h[t], so no single dropped use explains dL/dh[t]
    /// written as the step's own loss term; the partial loss "only L[t]" does, instance by instance.
    func testOnlyTheClaimsOwnLossTermIsAPartialLossWhateverTheUses() throws {
        let residual = """
            size H = 3, D = 2, T = 4
            param U[H,H], W[H,D]
            input x[t][D] for t = 1..T
            input y[t][H] for t = 1..T
            input h[0][H]
            h[t] = h[t-1] + tanh(U @ h[t-1] + W @ x[t])   for t = 1..T
            L[t] = 0.5 * sum((h[t] - y[t])^2)             for t = 1..T
            L = sum(t = 1..T, L[t])

            """
        let own = try diagnosis("claim dL/dh[k] = h[k] - y[k]   for k = 1..T", model: residual)
        XCTAssertEqual(own.kind, .partialLoss, own.detail)
        XCTAssertTrue(own.detail.contains("only the term t = k (at the claim's own k)"), own.detail)
        let negated = try diagnosis("claim dL/dh[t] = y[t] - h[t]   for t = 1..T", model: residual)
        XCTAssertEqual(negated.kind, .partialLoss, negated.detail)
        XCTAssertTrue(negated.detail.contains("`L[t]`") && negated.detail.contains("opposite sign"), negated.detail)
        // Off by a little at every step: no longer any part of the loss.
        let near = try diagnosis("claim dL/dh[t] = h[t] - y[t] + 0.01   for t = 1..T", model: residual)
        XCTAssertEqual(near.kind, .unexplained, near.detail)
        // The own term of another instance (the next step's) is not the own term.
        let next = try diagnosis("claim dL/dh[t] = h[t+1] - y[t+1]   for t = 1..T-1", model: residual)
        XCTAssertNotEqual(next.kind, .partialLoss, next.detail)
        let right = try checkWorksheet(residual + "claim dL[t]/dh[t] = h[t] - y[t]   for t = 1..T\n")
        XCTAssertEqual(right.verdict, .pass)
    }
}

extension DiagnosisTests {
    /// softmax′ written element-wise as p(1 − p) (its Jacobian's diagonal only), and softmax's
    /// Jacobian left out (taken as the identity), on a softmax read-out with cross-entropy.
    func testSoftmaxDerivativeRules() throws {
        let readout = """
            size H = 3, C = 4
            param V[C,H]
            input h[H]
            input y : 1..C
            o = V @ h
            p = softmax(o)
            L = -sum(onehot(y, C) * log(p))
            let g = -onehot(y, C) / p

            """
        let diagonal = try diagnosis("claim dp/do = diag(p * (1 - p))", model: readout)
        XCTAssertEqual(diagonal.kind, .derivativeRule, diagonal.detail)
        XCTAssertTrue(diagonal.detail.contains("p(1 − p)"), diagonal.detail)
        let leftOut = try diagnosis("claim dL/do = g", model: readout)
        XCTAssertEqual(leftOut.kind, .derivativeRule, leftOut.detail)
        XCTAssertTrue(leftOut.detail.contains("softmax is left out"), leftOut.detail)
        // Half the off-diagonal: not a rule of the catalogue.
        let half = try diagnosis("claim dp/do = diag(p) - 0.5 * p @ p'", model: readout)
        XCTAssertEqual(half.kind, .unexplained, half.detail)
        let right = try checkWorksheet(readout + "claim dp/do = diag(p) - p @ p'\nclaim dL/do = p - onehot(y, C)\n")
        XCTAssertEqual(right.verdict, .pass)
    }
}

extension DiagnosisTests {
    /// Entries claimed one by one over the claim's own i and j, with the two exchanged: the
    /// transpose, found by pairing each instance with the one at (j, i).
    func testEntryClaimsWithTheirIndicesExchangedAreATranspose() throws {
        let swapped = try diagnosis("claim dL[t]/dU[i,j] = sum(k = 1..t, delta[t,k][j] * h[k-1][i])   for t = 1..T, i = 1..H, j = 1..H")
        XCTAssertEqual(swapped.kind, .transpose, swapped.detail)
        XCTAssertTrue(swapped.detail.contains("(i, j)") && swapped.detail.contains("(j, i)"), swapped.detail)
        let negated = try diagnosis("claim dL[t]/dU[i,j] = -sum(k = 1..t, delta[t,k][j] * h[k-1][i])   for t = 1..T, i = 1..H, j = 1..H")
        XCTAssertEqual(negated.kind, .transpose, negated.detail)
        XCTAssertEqual(negated.factor, -1)
        // A Jacobian claimed entry by entry: d h[t][i] / d h[t-1][j] written as the (j, i) entry.
        let jacobian = try diagnosis("claim dh[t][i]/dh[t-1][j] = (1 - h[t][j]^2) * U[j,i]   for t = 1..T, i = 1..H, j = 1..H")
        XCTAssertEqual(jacobian.kind, .transpose, jacobian.detail)
        // Exchanged and also off by 0.01·i: not a transpose.
        let off = try diagnosis(
            "claim dL[t]/dU[i,j] = sum(k = 1..t, delta[t,k][j] * h[k-1][i]) + 0.01 * i   for t = 1..T, i = 1..H, j = 1..H")
        XCTAssertNotEqual(off.kind, .transpose, off.detail)
        let right = try checkWorksheet(
            tanhRNN + "claim dh[t][i]/dh[t-1][j] = (1 - h[t][i]^2) * U[i,j]   for t = 1..T, i = 1..H, j = 1..H\n")
        XCTAssertEqual(right.verdict, .pass)
    }
}
