// RegimesReport.swift — the report of `workbench spectral regimes`: what Wⁿ does when all
// |λ| < 1, when some or all |λ| > 1, and when |λ| = 1, and a verdict on each of the four
// general statements of the worked solution of homework 5, exercise 2(c).
//
// Dimension letters: N, the order of W (2 in the built-in cases). Notation of homework 5:
// W = Q Λ Q⁻¹, Wⁿ = Q Λⁿ Q⁻¹ when W is diagonalisable.
//
// Every verdict is computed from the cases' measured numbers, never from their names: a case
// is sorted into a regime by its computed eigenvalues (|λ| < 1, = 1, > 1 within 1e-9), and a
// statement is judged by what the measured powers of the cases it speaks about do (the norm
// at n and at a far power n_far, the largest change of an entry from W, the smallest singular
// value of Wⁿ). Replace the counterexamples by matrices that satisfy a statement and its
// verdict turns. The solution's statements are paraphrased, not quoted.

import Foundation
import WorkbenchNumerics

/// A matrix whose powers the report examines.
public struct RegimeInput: Sendable {
    public var name: String
    /// Which regime it is meant to illustrate (a label for the reader; verdicts never read it).
    public var regime: String
    /// W, (N, N).
    public var matrix: Matrix<Double>
    /// Whether this is the exercise's own W (statement 1 speaks about it).
    public var isExerciseMatrix: Bool

    public init(name: String, regime: String, matrix: Matrix<Double>, isExerciseMatrix: Bool = false) {
        self.name = name
        self.regime = regime
        self.matrix = matrix
        self.isExerciseMatrix = isExerciseMatrix
    }

    /// The built-in cases: the exercise's W, a non-normal W with |λ| < 1, one |λ| > 1, every
    /// |λ| > 1, and four with every |λ| = 1 (identity, rotation, reflection, Jordan block).
    public static func builtIn(exerciseMatrix: Matrix<Double> = HomeworkClaims.matrix) -> [RegimeInput] {
        let theta = 0.5
        return [
            RegimeInput(name: "homework W", regime: "all |λ| < 1", matrix: exerciseMatrix, isExerciseMatrix: true),
            RegimeInput(name: "non-normal, |λ| < 1", regime: "all |λ| < 1 (transient growth)", matrix: Matrix([[0.9, 5], [0, 0.8]])),
            // Q diag(1.2, 0.5) Qᵀ with the homework's eigenvectors q₁ = (0.6, 0.8), q₂ = (0.8, −0.6).
            RegimeInput(name: "one |λ| > 1", regime: "some |λ| > 1", matrix: Matrix([[0.752, 0.336], [0.336, 0.948]])),
            // Q diag(1.2, 1.1) Qᵀ with the same eigenvectors.
            RegimeInput(name: "every |λ| > 1", regime: "all |λ| > 1", matrix: Matrix([[1.136, 0.048], [0.048, 1.164]])),
            RegimeInput(name: "identity", regime: "|λ| = 1: constant", matrix: .identity(2)),
            RegimeInput(
                name: "rotation by 0.5 rad", regime: "|λ| = 1: rotating",
                matrix: Matrix([[cos(theta), -sin(theta)], [sin(theta), cos(theta)]])),
            RegimeInput(name: "reflection", regime: "|λ| = 1: alternating", matrix: Matrix([[1, 0], [0, -1]])),
            RegimeInput(name: "Jordan block", regime: "all λ = 1, defective: linear growth", matrix: Matrix([[1, 1], [0, 1]])),
        ]
    }
}

/// One matrix and the behaviour of its powers.
public struct RegimeCase: Codable, Sendable {
    /// A short name.
    public var name: String
    /// Which regime it illustrates (a label).
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
    /// Wⁿ.
    public var powerAtN: Matrix<Double>
    /// σ_min(Wⁿ): the least factor by which Wⁿ stretches a unit vector.
    public var smallestSingularValueAtN: Double
    /// n_far and ‖W^{n_far}‖₂: where the powers end up.
    public var farN: Int
    public var farNorm: Double
    /// max over the sampled k ≥ 1 of max_ij |(Wᵏ − W)_ij|: zero iff the powers never move.
    public var maxChangeFromW: Double
    /// The largest ‖Wᵏ‖₂ (k ≥ 0) and the first k where it occurs.
    public var peakNorm: Double
    public var peakAt: Int
    /// The largest ‖Wᵏ‖₂ over k ≥ 1 and where: above ‖W‖₂ when the powers grow before they decay.
    public var peakNormFromW: Double
    public var peakFromWAt: Int
    /// The regime read off the computed eigenvalues (tolerance 1e-9 on |λ|).
    public var everyModulusBelowOne: Bool
    public var someModulusAboveOne: Bool
    public var everyModulusAboveOne: Bool
    public var everyModulusOne: Bool
    /// Every eigenvalue equals 1 (the exercise's "all eigenvalues are 1").
    public var everyEigenvalueOne: Bool
    /// Whether this is the exercise's own W.
    public var isExerciseMatrix: Bool
    /// What the numbers show, in one or two sentences.
    public var observation: String

    /// ‖W‖₂.
    public var normOfW: Double { norms.count > 1 ? norms[1].norm : .nan }
    /// ‖Wⁿ‖₂.
    public var normAtN: Double { norms.last?.norm ?? .nan }
}

/// How a statement of the worked solution stands against the cases.
public enum StatementJudgement: String, Codable, Sendable {
    /// Every case the statement speaks about behaves as it says.
    case right
    /// The statement is right for its own hypothesis, but the exercise asked about a wider
    /// one, and a case of the wider one behaves otherwise.
    case answersADifferentQuestion = "answers a different question"
    /// A case the statement speaks about contradicts it.
    case wrong
    /// No case satisfies the statement's hypothesis: nothing was tested.
    case untested = "not tested"
}

/// A named number behind a verdict.
public struct StatementNumber: Codable, Sendable {
    public var name: String
    public var value: Double
}

/// One statement of the worked solution and what the computed cases say about it.
public struct StatementCheck: Codable, Sendable {
    /// The statement's number in the solution's list (1–4).
    public var number: Int
    /// The statement, paraphrased.
    public var claim: String
    public var judgement: StatementJudgement
    /// The judgement as words ("right", "wrong", …).
    public var verdict: String { judgement.rawValue }
    /// What the workbench adds when the statement is right but leaves something out.
    public var caveat: String?
    /// The numbers behind the verdict, in words.
    public var evidence: String
    /// The same numbers, typed.
    public var numbers: [StatementNumber]
}

/// The regimes of Wⁿ and the verdicts.
public struct RegimesReport: Codable, Sendable {
    /// The largest power examined.
    public var n: Int
    public var cases: [RegimeCase]
    public var statements: [StatementCheck]
}

/// The relative tolerance on |λ| that sorts a case into a regime.
let modulusTolerance = 1e-9

/// Examines `cases` (the built-in ones by default, plus `extra` when given) for powers up to
/// `n` (1 … 100 000) and judges the worked solution's statements on them.
///
/// - Parameters:
///   - n: the largest power examined, 1 … 100 000.
///   - extra: a matrix of the user's examined beside the built-in cases.
///   - inputs: the cases (the built-in ones by default).
///   - power: how Wⁿ is computed for `powerAtN` and the far norm (repeated squaring
///     by default; a test may pass a wrong one and watch the verdicts turn).
public func regimesReport(
    n: Int = 30, extra: Matrix<Double>? = nil,
    cases inputs: [RegimeInput] = RegimeInput.builtIn(),
    power: (Matrix<Double>, Int) -> Matrix<Double> = { matrixPowerBySquaring($0, $1).power }
) throws -> RegimesReport {
    precondition(n >= 1, "regimesReport needs n ≥ 1")
    var all = inputs
    if let w = extra { all.append(RegimeInput(name: "your matrix", regime: "given with --matrix", matrix: w)) }
    let cases = try all.map { try makeCase($0, n, power: power) }
    return RegimesReport(n: n, cases: cases, statements: judgeStatements(cases, n: n))
}

// MARK: - The statements

private let f = { (x: Double) in formatScalar(x, digits: 4) }

/// Judges the solution's four statements on the measured cases.
func judgeStatements(_ cases: [RegimeCase], n: Int) -> [StatementCheck] {
    [statement1(cases, n), statement2(cases), statement3(cases, n), statement4(cases, n)]
}

/// 1. "Raising Λ to the 30th power makes W³⁰ much smaller": judged on the exercise's W by the
/// measured ratio ‖Wⁿ‖₂ / ‖W‖₂ (much smaller: at most 1/10).
private func statement1(_ cases: [RegimeCase], _ n: Int) -> StatementCheck {
    let claim = "Raising Λ to the 30th power makes W³⁰ much smaller than W."
    guard let hw = cases.first(where: \.isExerciseMatrix) else {
        return StatementCheck(number: 1, claim: claim, judgement: .untested, evidence: "no exercise matrix among the cases", numbers: [])
    }
    let normAtN = twoNorm(hw.powerAtN)  // of the computed Wⁿ itself
    let ratio = normAtN / hw.normOfW
    let judgement: StatementJudgement = ratio <= 0.1 ? .right : .wrong
    return StatementCheck(
        number: 1, claim: claim, judgement: judgement,
        evidence: "‖W‖₂ = \(f(hw.normOfW)), ‖W^\(n)‖₂ = \(f(normAtN)) (measured): the ratio is \(f(ratio)).",
        numbers: [
            StatementNumber(name: "‖W‖₂", value: hw.normOfW), StatementNumber(name: "‖W^\(n)‖₂", value: normAtN),
            StatementNumber(name: "‖W^\(n)‖₂ / ‖W‖₂", value: ratio),
        ])
}

/// 2. "If every |λ| < 1, Λⁿ decays exponentially and Wⁿ eventually becomes small": judged on
/// every case whose computed eigenvalues all have |λ| < 1, by the norm at the far power.
private func statement2(_ cases: [RegimeCase]) -> StatementCheck {
    let claim = "If every |λ| < 1, the entries of Λⁿ decay exponentially as n grows, so that Wⁿ eventually becomes small."
    let subject = cases.filter(\.everyModulusBelowOne)
    guard let worst = subject.max(by: { !($0.farNorm <= $1.farNorm) }) else {
        return StatementCheck(number: 2, claim: claim, judgement: .untested, evidence: "no case has every |λ| < 1", numbers: [])
    }
    let judgement: StatementJudgement = worst.farNorm <= 1e-3 ? .right : .wrong
    var numbers = [StatementNumber(name: "largest ‖W^\(worst.farN)‖₂ over the cases with every |λ| < 1", value: worst.farNorm)]
    var evidence =
        "Over the \(subject.count) cases with every |λ| < 1, the largest ‖W^\(worst.farN)‖₂ is \(f(worst.farNorm)) (\(worst.name))."
    var caveat: String?
    if let grows = subject.filter({ $0.peakNormFromW > $0.normOfW * (1 + 1e-12) }).max(by: { $0.peakNormFromW < $1.peakNormFromW }) {
        caveat =
            "Not monotonically: a non-normal W can grow first. The case \"\(grows.name)\" reaches ‖Wⁿ‖₂ = \(f(grows.peakNormFromW)) at n = \(grows.peakFromWAt) from ‖W‖₂ = \(f(grows.normOfW)); the decay is bounded by κ₂(Q) ρⁿ, here κ₂(Q) = \(f(grows.conditionNumber))."
        numbers.append(StatementNumber(name: "peak ‖Wⁿ‖₂ of \(grows.name)", value: grows.peakNormFromW))
        numbers.append(StatementNumber(name: "n at the peak", value: Double(grows.peakFromWAt)))
        numbers.append(StatementNumber(name: "κ₂(Q) of \(grows.name)", value: grows.conditionNumber))
        evidence += " " + caveat!
    }
    return StatementCheck(number: 2, claim: claim, judgement: judgement, caveat: caveat, evidence: evidence, numbers: numbers)
}

/// 3. "If every |λ| > 1, Wⁿ becomes large": the exercise asks about ANY |λ| > 1. Judged on the
/// cases with every |λ| > 1 (the statement's own hypothesis: every direction must grow,
/// σ_min(Wⁿ) > 1) and on the cases with some but not every |λ| > 1 (the question's wider
/// hypothesis: if one of them has σ_min(Wⁿ) < 1, some directions shrink, which the answer's
/// reasoning about all of Λ cannot cover).
private func statement3(_ cases: [RegimeCase], _ n: Int) -> StatementCheck {
    let claim = "If every |λ| > 1, the entries of Λⁿ grow exponentially, so that Wⁿ becomes large."
    let own = cases.filter(\.everyModulusAboveOne)
    let mixed = cases.filter { $0.someModulusAboveOne && !$0.everyModulusAboveOne }
    var numbers: [StatementNumber] = []
    var parts: [String] = []
    let ownHolds = !own.isEmpty && own.allSatisfy { $0.smallestSingularValueAtN > 1 }
    if let weakest = own.min(by: { !($0.smallestSingularValueAtN >= $1.smallestSingularValueAtN) }) {
        numbers.append(
            StatementNumber(name: "smallest σ_min(W^\(n)) over the cases with every |λ| > 1", value: weakest.smallestSingularValueAtN))
        parts.append(
            "With every |λ| > 1 every direction grows: σ_min(W^\(n)) = \(f(weakest.smallestSingularValueAtN)) at least (\(weakest.name)).")
    }
    let shrinking = mixed.filter { $0.smallestSingularValueAtN < 1 }
    if let m = shrinking.min(by: { $0.smallestSingularValueAtN < $1.smallestSingularValueAtN }) {
        numbers.append(StatementNumber(name: "‖W^\(n)‖₂ of \(m.name)", value: m.normAtN))
        numbers.append(StatementNumber(name: "σ_min(W^\(n)) of \(m.name)", value: m.smallestSingularValueAtN))
        parts.append(
            "But the exercise asks what happens if ANY eigenvalue has |λ| > 1. One is enough for ‖Wⁿ‖₂ ≥ ρⁿ to blow up (\(m.name): ‖W^\(n)‖₂ = \(f(m.normAtN))), yet only along its eigenvector: the directions of the eigenvalues below 1 still shrink, σ_min(W^\(n)) = \(f(m.smallestSingularValueAtN))."
        )
    }
    let judgement: StatementJudgement
    if !shrinking.isEmpty {
        judgement = .answersADifferentQuestion
    } else if own.isEmpty && mixed.isEmpty {
        judgement = .untested
    } else {
        judgement = own.isEmpty || ownHolds ? .right : .wrong
    }
    return StatementCheck(
        number: 3, claim: claim, judgement: judgement,
        evidence: parts.isEmpty ? "no case has an eigenvalue with |λ| > 1" : parts.joined(separator: " "), numbers: numbers)
}

/// 4. "If every |λ| = 1, Λⁿ does not change, so Wⁿ stays the same": judged on every case whose
/// computed eigenvalues all have |λ| = 1, by the largest change of an entry of Wᵏ from W.
private func statement4(_ cases: [RegimeCase], _ n: Int) -> StatementCheck {
    let claim = "If every |λ| = 1, Λⁿ does not change with n, so Wⁿ stays the same."
    let subject = cases.filter(\.everyModulusOne)
    guard !subject.isEmpty else {
        return StatementCheck(number: 4, claim: claim, judgement: .untested, evidence: "no case has every |λ| = 1", numbers: [])
    }
    let moving = subject.filter { !($0.maxChangeFromW <= 1e-9) }
    let judgement: StatementJudgement = moving.isEmpty ? .right : .wrong
    var numbers = subject.map { StatementNumber(name: "max |Wᵏ − W| over k ≤ \(n), \($0.name)", value: $0.maxChangeFromW) }
    var evidence: String
    if moving.isEmpty {
        evidence =
            "Every case with |λ| = 1 keeps Wⁿ = W: the largest change of an entry is \(f(subject.map(\.maxChangeFromW).max() ?? .nan))."
    } else {
        evidence =
            "Λⁿ = Λ for every n only when every λ = 1. Among the cases with every |λ| = 1, the entries of Wⁿ move: "
            + moving.map { "\($0.name) by up to \(f($0.maxChangeFromW))" }.joined(separator: ", ") + "."
    }
    // The question's own case, every eigenvalue equal to 1: a defective W grows.
    let ones = subject.filter(\.everyEigenvalueOne)
    if let growing = ones.filter({ $0.normAtN > $0.normOfW * (1 + 1e-9) }).max(by: { $0.normAtN < $1.normAtN }) {
        numbers.append(StatementNumber(name: "‖W^\(n)‖₂ of \(growing.name) (every λ = 1)", value: growing.normAtN))
        evidence +=
            " The exercise asks about every eigenvalue equal to 1: the case \"\(growing.name)\" has only λ = 1, is not diagonalisable and grows, ‖W^\(n)‖₂ = \(f(growing.normAtN))."
    }
    return StatementCheck(number: 4, claim: claim, judgement: judgement, evidence: evidence, numbers: numbers)
}

// MARK: - One case

/// Computes one case.
private func makeCase(_ input: RegimeInput, _ n: Int, power: (Matrix<Double>, Int) -> Matrix<Double>) throws -> RegimeCase {
    let w = input.matrix
    let d = try eigen(w)
    let trajectory = powerTrajectory(w, maxN: n, spectralRadius: d.spectralRadius, maxPoints: defaultNormPoints(order: w.rows))
    var peak = trajectory.norms[0]
    for p in trajectory.norms where p.norm > peak.norm * (1 + 1e-12) { peak = p }
    var peakFromW = trajectory.norms.count > 1 ? trajectory.norms[1] : trajectory.norms[0]
    for p in trajectory.norms.dropFirst() where p.norm > peakFromW.norm * (1 + 1e-12) { peakFromW = p }
    let moduli = d.eigenvalues.map { hypot($0.re, $0.im) }
    let below = moduli.allSatisfy { $0 < 1 - modulusTolerance }
    let someAbove = moduli.contains { $0 > 1 + modulusTolerance }
    let allAbove = moduli.allSatisfy { $0 > 1 + modulusTolerance }
    let allOne = moduli.allSatisfy { abs($0 - 1) <= modulusTolerance }
    let allEqualOne = d.eigenvalues.allSatisfy { abs($0.re - 1) <= modulusTolerance && abs($0.im) <= modulusTolerance }
    let atN = power(w, n)
    let farN = max(200, 10 * n)
    // The far norm is only meaningful (and only finite for sure) when the powers decay.
    let farNorm = below ? twoNorm(power(w, farN)) : .nan
    let sigmaMin = atN.isFinite ? (singularValues(atN).last ?? .nan) : .nan
    var c = RegimeCase(
        name: input.name, regime: input.regime, matrix: w, eigenvalues: d.eigenvalues,
        spectralRadius: d.spectralRadius, conditionNumber: d.conditionNumber,
        isNearlyDefective: d.isNearlyDefective, norms: trajectory.norms,
        powerAtN: atN, smallestSingularValueAtN: sigmaMin, farN: farN, farNorm: farNorm,
        maxChangeFromW: trajectory.maxChangeFromW, peakNorm: peak.norm, peakAt: peak.n,
        peakNormFromW: peakFromW.norm, peakFromWAt: peakFromW.n,
        everyModulusBelowOne: below, someModulusAboveOne: someAbove, everyModulusAboveOne: allAbove,
        everyModulusOne: allOne, everyEigenvalueOne: allEqualOne, isExerciseMatrix: input.isExerciseMatrix,
        observation: "")
    c.observation = observe(c, n)
    return c
}

/// What one case's numbers show, phrased from its regime as computed (not its label).
private func observe(_ c: RegimeCase, _ n: Int) -> String {
    let rho = "ρ = \(f(c.spectralRadius))"
    let pn = c.powerAtN.formatted(digits: 4, fixed: true).replacingOccurrences(of: "\n", with: " ")
    if c.everyModulusBelowOne {
        var s =
            "\(rho) < 1: ‖W^\(n)‖₂ = \(f(c.normAtN)) against ρ^\(n) = \(f(c.norms.last?.spectralRadiusPower ?? .nan)), and ‖W^\(c.farN)‖₂ = \(f(c.farNorm))."
        if c.peakNormFromW > c.normOfW * (1 + 1e-12) {
            s +=
                " The norm first grows from \(f(c.normOfW)) to \(f(c.peakNormFromW)) at n = \(c.peakFromWAt) before it decays (the eigenvectors are far from orthogonal, κ₂(Q) = \(f(c.conditionNumber)))."
        }
        return s
    }
    if c.everyModulusAboveOne {
        return
            "\(rho), every |λ| > 1: every direction grows, ‖W^\(n)‖₂ = \(f(c.normAtN)) and σ_min(W^\(n)) = \(f(c.smallestSingularValueAtN))."
    }
    if c.someModulusAboveOne {
        return
            "\(rho), some |λ| < 1: ‖W^\(n)‖₂ = \(f(c.normAtN)) grows with the large eigenvalue, while σ_min(W^\(n)) = \(f(c.smallestSingularValueAtN)): directions of the small eigenvalues shrink."
    }
    if c.everyModulusOne {
        if c.maxChangeFromW <= 1e-9 { return "Every |λ| = 1 and Wⁿ = W for every n (max change from W: \(f(c.maxChangeFromW)))." }
        return
            "Every |λ| = 1, ‖W^\(n)‖₂ = \(f(c.normAtN)), yet the entries move (max |Wᵏ − W| over k ≤ \(n): \(f(c.maxChangeFromW)))\(c.isNearlyDefective ? "; W is nearly defective (κ₂(Q) = \(formatScalar(c.conditionNumber, digits: 3)))" : ""). W^\(n) = \(pn)."
    }
    return
        "\(rho), ‖W^\(n)‖₂ = \(f(c.normAtN)), largest ‖Wᵏ‖₂ = \(f(c.peakNorm)) at k = \(c.peakAt)\(c.isNearlyDefective ? "; nearly defective (κ₂(Q) = \(formatScalar(c.conditionNumber, digits: 3)))" : "")."
}
