// RegimesReport.swift — the report of `workbench spectral regimes`: what Wⁿ does when all
// |λ| < 1, when some |λ| > 1, and when |λ| = 1, with the counterexamples that the worked
// solution of homework 5, exercise 2(c) misses, and a verdict on each of its statements.
//
// Dimension letters: N, the order of W (2 in the built-in cases). Notation of homework 5:
// W = Q Λ Q⁻¹, Wⁿ = Q Λⁿ Q⁻¹ when W is diagonalisable. Everything quoted in a verdict is
// computed here; the solution's statements are paraphrased, not quoted.

import Foundation
import WorkbenchNumerics

/// One matrix and the behaviour of its powers.
public struct RegimeCase: Codable, Sendable {
    /// A short name.
    public var name: String
    /// Which regime it illustrates.
    public var regime: String
    /// W, (N, N).
    public var matrix: Matrix<Double>
    /// λ_1 … λ_N.
    public var eigenvalues: [Complex]
    /// ρ(W).
    public var spectralRadius: Double
    /// κ₂(Q) and whether W is nearly defective.
    public var conditionNumber: Double
    public var isNearlyDefective: Bool
    /// ‖Wᵏ‖₂ and ρᵏ for k = 0 … n.
    public var norms: [NormPoint]
    /// Wⁿ (repeated squaring).
    public var powerAtN: Matrix<Double>
    /// max over the sampled k ≥ 1 of max_ij |(Wᵏ − W)_ij|: zero iff the powers never move.
    public var maxChangeFromW: Double
    /// The largest ‖Wᵏ‖₂ and the first k where it occurs.
    public var peakNorm: Double
    public var peakAt: Int
    /// What the numbers show, in one or two sentences.
    public var observation: String
}

/// One statement of the worked solution and what the computed cases say about it.
public struct StatementCheck: Codable, Sendable {
    /// The statement's number in the solution's list (1–4).
    public var number: Int
    /// The statement, paraphrased.
    public var claim: String
    /// "right", "right in the limit, not for every n", "answers a different question", "wrong".
    public var verdict: String
    /// The numbers behind the verdict.
    public var evidence: String
}

/// The regimes of Wⁿ and the verdicts.
public struct RegimesReport: Codable, Sendable {
    /// The largest power examined.
    public var n: Int
    public var cases: [RegimeCase]
    public var statements: [StatementCheck]
}

/// The built-in regimes (plus `extra`, when given) for powers up to `n` (1 … 100 000).
public func regimesReport(n: Int = 30, extra: Matrix<Double>? = nil) throws -> RegimesReport {
    precondition(n >= 1, "regimesReport needs n ≥ 1")
    let f = { (x: Double) in formatScalar(x, digits: 4) }
    let theta = 0.5
    let homework = HomeworkClaims.matrix
    let transient = Matrix<Double>([[0.9, 5], [0, 0.8]])
    // Q diag(1.2, 0.5) Qᵀ with the homework's eigenvectors q₁ = (0.6, 0.8), q₂ = (0.8, −0.6).
    let expanding = Matrix<Double>([[0.752, 0.336], [0.336, 0.948]])
    let rotation = Matrix<Double>([[cos(theta), -sin(theta)], [sin(theta), cos(theta)]])
    let reflection = Matrix<Double>([[1, 0], [0, -1]])
    let jordan = Matrix<Double>([[1, 1], [0, 1]])

    var cases: [RegimeCase] = []
    cases.append(try makeCase("homework W", "all |λ| < 1", homework, n) { c in
        "ρ = \(f(c.spectralRadius)) and W is symmetric, so ‖Wⁿ‖₂ = ρⁿ exactly: ‖W^\(n)‖₂ = \(f(c.norms.last!.norm)) against ρ^\(n) = \(f(c.norms.last!.spectralRadiusPower)). The powers decay geometrically."
    })
    cases.append(try makeCase("non-normal, |λ| < 1", "all |λ| < 1 (transient growth)", transient, n) { c in
        "Eigenvalues 0.9 and 0.8, yet ‖Wⁿ‖₂ first grows from \(f(c.norms[1].norm)) to \(f(c.peakNorm)) at n = \(c.peakAt) and is still \(f(c.norms.last!.norm)) at n = \(n); it decays like 0.9ⁿ only eventually (the eigenvectors are far from orthogonal, κ₂(Q) = \(f(c.conditionNumber)))."
    })
    cases.append(try makeCase("one |λ| > 1", "some |λ| > 1", expanding, n) { c in
        let pn = c.powerAtN
        let along = { (v: [Double]) in hypot(pn[0, 0] * v[0] + pn[0, 1] * v[1], pn[1, 0] * v[0] + pn[1, 1] * v[1]) }
        return "Eigenvalues 1.2 and 0.5: ‖W^\(n)‖₂ = \(f(c.norms.last!.norm)) (= 1.2^\(n)). Along q₁ = (0.6, 0.8) a vector grows to ‖W^\(n) q₁‖ = \(f(along([0.6, 0.8]))); along q₂ = (0.8, −0.6) it shrinks to ‖W^\(n) q₂‖ = \(f(along([0.8, -0.6]))). One large eigenvalue is enough for Wⁿ to blow up, but only in its own direction."
    })
    cases.append(try makeCase("identity", "|λ| = 1: constant", .identity(2), n) { c in
        "Wⁿ = I for every n (max change from W: \(f(c.maxChangeFromW))): the only case in which the powers do not change."
    })
    cases.append(try makeCase("rotation by 0.5 rad", "|λ| = 1: rotating", rotation, n) { c in
        "Eigenvalues e^{±0.5i}, |λ| = 1, and ‖Wⁿ‖₂ = \(f(c.norms.last!.norm)) for every n, but Wⁿ is the rotation by 0.5n rad: its entries keep turning (max |Wⁿ − W| over n ≤ \(n): \(f(c.maxChangeFromW)); W^\(n) = \(c.powerAtN.formatted(digits: 4, fixed: true).replacingOccurrences(of: "\n", with: " ")))."
    })
    cases.append(try makeCase("reflection", "|λ| = 1: alternating", reflection, n) { c in
        "Eigenvalues 1 and −1: Wⁿ alternates between W (odd n) and I (even n); max change from W: \(f(c.maxChangeFromW))."
    })
    let jordanCase = try makeCase("Jordan block", "all λ = 1, defective: linear growth", jordan, n) { c in
        let byEigen = (try? eigen(jordan)).flatMap { matrixPowerByEigen($0, n) }
        let err = byEigen.map { ($0.power - c.powerAtN).maxAbs() }
        return "Both eigenvalues are 1 but there is only one eigenvector (κ₂(Q) = \(formatScalar(c.conditionNumber, digits: 3)), flagged nearly defective: \(c.isNearlyDefective)). Wⁿ = [[1, n], [0, 1]]: W^\(n) = \(c.powerAtN.formatted(digits: 4, fixed: true).replacingOccurrences(of: "\n", with: " ")), ‖W^\(n)‖₂ = \(f(c.norms.last!.norm)), growing linearly in n. Q Λ^\(n) Q⁻¹ misses it by \(err.map { f($0) } ?? "— (Q singular)")."
    }
    cases.append(jordanCase)
    if let w = extra {
        cases.append(try makeCase("your matrix", "given with --matrix", w, n) { c in
            "ρ = \(f(c.spectralRadius)), ‖W^\(n)‖₂ = \(f(c.norms.last!.norm)), largest ‖Wᵏ‖₂ = \(f(c.peakNorm)) at k = \(c.peakAt)\(c.isNearlyDefective ? "; nearly defective (κ₂(Q) = \(formatScalar(c.conditionNumber, digits: 3)))" : "")."
        })
    }

    let byName = Dictionary(cases.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let hw = byName["homework W"]!, tr = byName["non-normal, |λ| < 1"]!, ex = byName["one |λ| > 1"]!
    let rot = byName["rotation by 0.5 rad"]!, refl = byName["reflection"]!
    let statements = [
        StatementCheck(number: 1, claim: "Raising Λ to the 30th power makes W³⁰ much smaller than W.",
                       verdict: "right",
                       evidence: "‖W‖₂ = \(f(hw.norms.count > 1 ? hw.norms[1].norm : .nan)), ‖W^\(n)‖₂ = \(f(hw.norms.last!.norm)) = 0.9^\(n)."),
        StatementCheck(number: 2, claim: "If every |λ| < 1, the entries of Λⁿ shrink exponentially and Wⁿ becomes small.",
                       verdict: "right in the limit, not for every n",
                       evidence: "Wⁿ → 0 like ρⁿ, but a non-normal W can grow first: W = [[0.9, 5], [0, 0.8]] has ‖Wⁿ‖₂ = \(f(tr.peakNorm)) at n = \(tr.peakAt) and \(f(tr.norms.last!.norm)) at n = \(n). For a diagonalisable W the bound is ‖Wⁿ‖₂ ≤ κ₂(Q) ρⁿ, here κ₂(Q) = \(f(tr.conditionNumber))."),
        StatementCheck(number: 3, claim: "If every |λ| > 1, Λⁿ and hence Wⁿ grow exponentially.",
                       verdict: "answers a different question",
                       evidence: "The exercise asks about ANY eigenvalue with |λ| > 1, not all of them. One is enough for ‖Wⁿ‖₂ ≥ ρⁿ to blow up (‖W^\(n)‖₂ = \(f(ex.norms.last!.norm)) for eigenvalues 1.2 and 0.5), but only along that eigenvector: the component along the eigenvector of 0.5 still shrinks to 0.5^\(n) = \(f(pow(0.5, Double(n))))."),
        StatementCheck(number: 4, claim: "If every |λ| = 1, Λⁿ does not change and so Wⁿ stays the same.",
                       verdict: "wrong",
                       evidence: "Λⁿ = Λ for all n only when every λ = 1. A rotation (|λ| = 1, λ = e^{±0.5i}) keeps ‖Wⁿ‖₂ = 1 while its entries change by up to \(f(rot.maxChangeFromW)); a reflection (λ = ±1) alternates (change \(f(refl.maxChangeFromW))); and with all λ = 1 the Jordan block [[1, 1], [0, 1]] is not diagonalisable and grows linearly (‖W^\(n)‖₂ = \(f(jordanCase.norms.last!.norm))). Among matrices whose eigenvalues all have |λ| = 1, Wⁿ = W for every n only for W = I."),
    ]
    return RegimesReport(n: n, cases: cases, statements: statements)
}

/// Computes one case; `observe` phrases what its numbers show.
private func makeCase(_ name: String, _ regime: String, _ w: Matrix<Double>, _ n: Int,
                      observe: (RegimeCase) -> String) throws -> RegimeCase {
    let d = try eigen(w)
    let trajectory = powerTrajectory(w, maxN: n, spectralRadius: d.spectralRadius, maxPoints: defaultNormPoints(order: w.rows))
    var peak = trajectory.norms[0]
    for p in trajectory.norms where p.norm > peak.norm * (1 + 1e-12) { peak = p }
    var c = RegimeCase(name: name, regime: regime, matrix: w, eigenvalues: d.eigenvalues,
                       spectralRadius: d.spectralRadius, conditionNumber: d.conditionNumber,
                       isNearlyDefective: d.isNearlyDefective, norms: trajectory.norms,
                       powerAtN: matrixPowerBySquaring(w, n).power, maxChangeFromW: trajectory.maxChangeFromW,
                       peakNorm: peak.norm, peakAt: peak.n, observation: "")
    c.observation = observe(c)
    return c
}
