// PowerReport.swift — the report of `workbench spectral power`: Wⁿ by Q Λⁿ Q⁻¹ and by
// multiplication, their difference, ‖Wⁿ‖₂ against n, and (for the homework's W and n = 30)
// an entry-by-entry comparison with the worked solution's printed W³⁰.
//
// Dimension letters: N, the order of W. Notation of homework 5, exercise 2(b)–(c).
// The size of Wⁿ is stated explicitly (`PowerMagnitude`): an overflowing power keeps ±∞ only in
// the entries that truly exceed 1.8e308 (MatrixPower.swift), an exactly-zero one says whether
// W is nilpotent or the entries underflowed, and no difference is formed from ∞ − ∞.

import Foundation
import WorkbenchNumerics

/// One entry of Wⁿ compared with a printed claim.
public struct PrintedEntryComparison: Codable, Sendable, Equatable {
    /// 1-based row and column.
    public var row: Int
    public var col: Int
    /// The computed value (repeated squaring), full precision.
    public var computed: Double
    /// The computed value rounded to the claim's number of decimals.
    public var computedRounded: String
    /// The printed value, as printed.
    public var claimed: String
    /// Whether the printed value equals the correctly rounded computed value.
    public var agrees: Bool
    /// Why a differing digit differs (rounding direction, or an arithmetic slip).
    public var explanation: String
}

/// The comparison of a computed Wⁿ with a printed one.
public struct PrintedPowerComparison: Codable, Sendable {
    /// Where the printed values come from.
    public var source: String
    /// Entry by entry, row-major.
    public var entries: [PrintedEntryComparison]
    /// How many entries disagree in the printed digits.
    public var disagreements: Int
    /// One sentence on the pattern of the disagreements.
    public var summary: String
}

/// The size of Wⁿ, stated explicitly instead of left to ±∞ or 0 entries.
public enum PowerMagnitude: String, Codable, Sendable {
    /// Some entry is non-zero and all are finite.
    case finite
    /// Every entry is exactly 0 (W nilpotent, or underflow).
    case zero
    /// Some entry exceeds Double's range (shown as ±∞); no differences are computed.
    case overflow
}

/// Wⁿ two ways and how they compare.
public struct PowerReport: Codable, Sendable {
    /// W, (N, N).
    public var matrix: Matrix<Double>
    /// The exponent n.
    public var n: Int
    /// λ_1 … λ_N (descending modulus).
    public var eigenvalues: [Complex]
    /// Re(Q Λⁿ Q⁻¹), (N, N); nil when Q is exactly singular.
    public var byEigenDecomposition: Matrix<Double>?
    /// max |Im(Q Λⁿ Q⁻¹)|.
    public var eigenImaginaryResidue: Double?
    /// Wⁿ by repeated squaring, (N, N).
    public var byRepeatedSquaring: Matrix<Double>
    /// Matrix products used by repeated squaring.
    public var squaringMultiplications: Int
    /// Wⁿ by n − 1 successive products W·W·…·W; nil when that would be too much work.
    public var bySuccessiveMultiplication: Matrix<Double>?
    /// max |(Q Λⁿ Q⁻¹ − W^n by squaring)_ij|.
    public var eigenVersusSquaring: Double?
    /// That difference relative to max |(Wⁿ)_ij| (+∞ for a non-zero difference when Wⁿ = 0).
    public var eigenVersusSquaringRelative: Double?
    /// Whether Wⁿ is an ordinary finite matrix, exactly zero, or beyond Double's range.
    public var magnitude: PowerMagnitude
    /// max |(successive − squaring)_ij|.
    public var successiveVersusSquaring: Double?
    /// κ₂(Q) and whether W is nearly defective.
    public var conditionNumber: Double
    public var isNearlyDefective: Bool
    /// ρ(W).
    public var spectralRadius: Double
    /// ‖Wᵏ‖₂ and ρᵏ for k = 0 … n (sampled when n is large).
    public var norms: [NormPoint]
    /// The worked solution's printed W³⁰, compared entry by entry (homework W, n = 30 only).
    public var printedComparison: PrintedPowerComparison?
    /// Remarks derived from the numbers.
    public var notes: [String]
}

/// Wⁿ of `w` by Q Λⁿ Q⁻¹, by repeated squaring and (when cheap) by successive products.
///
/// - Parameters:
///   - w: the matrix, (N, N), finite.
///   - n: the exponent, 0 … 1 000 000.
public func powerReport(_ w: Matrix<Double>, n: Int) throws -> PowerReport {
    try validateSquare(w)
    precondition(n >= 0, "powerReport needs n ≥ 0")
    let order = w.rows
    let d = try eigen(w)
    let squaring = matrixPowerBySquaring(w, n)
    let eigenPower = matrixPowerByEigen(d, n)
    var successive: Matrix<Double>?
    if Double(n) * pow(Double(order), 3) <= 2e8 {
        var p = Matrix<Double>.identity(order)
        for _ in 0..<n { p = denseProduct(p, w) }
        if !p.isFinite {
            // Overflowed: redo on the scaled representation so entries are ±∞, not NaN.
            var s = ScaledMatrix(.identity(order))
            let factor = ScaledMatrix(w)
            for _ in 0..<n { s = s * factor }
            p = s.value
        }
        successive = p
    }
    let largest = squaring.power.maxAbs()
    let magnitude: PowerMagnitude = !squaring.power.isFinite ? .overflow : largest == 0 ? .zero : .finite
    let finite = magnitude != .overflow && (eigenPower?.power.isFinite ?? true)
    // Differences are meaningless once an entry has overflowed (∞ − ∞ is NaN).
    let eigenDiff = finite ? eigenPower.map { maxAbsPropagatingNaN(($0.power - squaring.power).storage) } : nil
    // Relative to max |(Wⁿ)_ij|; when Wⁿ = 0 any non-zero difference is infinitely large.
    let relative = { (e: Double) -> Double in largest > 0 ? e / largest : (e == 0 ? 0 : .infinity) }
    var notes: [String] = []
    switch magnitude {
    case .overflow:
        let log10Norm = binaryPower(ScaledMatrix(w), n, one: ScaledMatrix(.identity(order)), times: *).power.log10TwoNorm
        notes.append(
            "Wⁿ overflows Double (largest finite value ≈ 1.8e308): ‖Wⁿ‖₂ ≈ \(log10Norm.isFinite ? "1e\(Int(log10Norm.rounded(.down)))" : "∞"), so the entries beyond the range are shown as ±inf and no difference is computed."
        )
    case .zero:
        notes.append(
            d.spectralRadius == 0
                ? "Wⁿ is exactly zero: every eigenvalue of W is 0 (W is nilpotent), so Wᵏ = 0 from some k ≤ N on."
                : "Wⁿ is exactly zero: its entries fell below the smallest Double (≈4.9e-324) although ρ(W) = \(formatScalar(d.spectralRadius, digits: 3)) > 0 (underflow)."
        )
    case .finite:
        break
    }
    if d.isNearlyDefective {
        notes.append(
            "W is \(d.eigenbasis == .defective ? "defective" : "nearly defective") (κ₂(Q) = \(formatScalar(d.conditionNumber, digits: 3))): Q Λⁿ Q⁻¹ does not represent Wⁿ; trust repeated squaring."
        )
    }
    if let e = eigenDiff {
        notes.append(
            "Q Λⁿ Q⁻¹ and repeated squaring differ by at most \(formatScalar(e, digits: 3)) (relative \(formatScalar(relative(e), digits: 3)))."
        )
    }
    var comparison: PrintedPowerComparison?
    if HomeworkClaims.isHomeworkMatrix(w), n == HomeworkClaims.solutionPower {
        comparison = comparePrinted(squaring.power, HomeworkClaims.solutionW30, source: HomeworkClaims.source)
    }
    return PowerReport(
        matrix: w, n: n, eigenvalues: d.eigenvalues,
        byEigenDecomposition: eigenPower?.power, eigenImaginaryResidue: eigenPower?.maxImaginaryResidue,
        byRepeatedSquaring: squaring.power, squaringMultiplications: squaring.multiplications,
        bySuccessiveMultiplication: successive,
        eigenVersusSquaring: eigenDiff, eigenVersusSquaringRelative: eigenDiff.map(relative),
        magnitude: magnitude,
        successiveVersusSquaring: finite ? successive.map { maxAbsPropagatingNaN(($0 - squaring.power).storage) } : nil,
        conditionNumber: d.conditionNumber, isNearlyDefective: d.isNearlyDefective,
        spectralRadius: d.spectralRadius,
        norms: powerNorms(w, maxN: n, spectralRadius: d.spectralRadius),
        printedComparison: comparison, notes: notes)
}

/// Compares `computed` with printed decimal strings entry by entry and explains each
/// differing digit: a value truncated instead of rounded, a last-digit rounding slip, or a
/// larger arithmetic error.
public func comparePrinted(_ computed: Matrix<Double>, _ printed: [[String]], source: String) -> PrintedPowerComparison {
    var entries: [PrintedEntryComparison] = []
    for (i, row) in printed.enumerated() {
        for (j, claim) in row.enumerated() {
            let x = computed[i, j]
            let decimals = claim.split(separator: ".").dropFirst().first?.count ?? 0
            let rounded = formatScalar(x, digits: decimals, fixed: true)
            let unit = pow(10, -Double(decimals))
            let truncated = formatScalar((x / unit).rounded(.towardZero) * unit, digits: decimals, fixed: true)
            let claimValue = Double(claim) ?? .nan
            let agrees = rounded == claim
            let full = formatScalar(x, digits: decimals + 4, fixed: true)
            let explanation: String
            if agrees {
                explanation = "\(full) rounds to \(rounded)"
            } else if truncated == claim {
                explanation =
                    "the true value \(full) rounds to \(rounded); the printed \(claim) is the value cut off (truncated) after \(decimals) decimals instead of rounded"
            } else if abs(claimValue - x) <= 1.5 * unit {
                explanation =
                    "off by one in the last printed digit: \(full) rounds to \(rounded); printed \(claim) (difference \(formatScalar(claimValue - x, digits: 2))), a rounding slip in an intermediate step"
            } else {
                explanation =
                    "wrong: the true value is \(full), printed \(claim) (difference \(formatScalar(claimValue - x, digits: 3))): an arithmetic error in the solution"
            }
            entries.append(
                PrintedEntryComparison(
                    row: i + 1, col: j + 1, computed: x, computedRounded: rounded,
                    claimed: claim, agrees: agrees, explanation: explanation))
        }
    }
    let differing = entries.filter { !$0.agrees }
    let truncatedOnes = differing.filter { $0.explanation.contains("truncated") }
    // Entries that agree only because they were rounded (truncation would have changed them).
    let roundedUp = entries.filter { e in
        let decimals = e.claimed.split(separator: ".").dropFirst().first?.count ?? 0
        let unit = pow(10, -Double(decimals))
        return e.agrees && e.computedRounded != formatScalar((e.computed / unit).rounded(.towardZero) * unit, digits: decimals, fixed: true)
    }
    var summary: String
    if differing.isEmpty {
        summary = "Every printed entry equals the correctly rounded computed value."
    } else {
        summary = "\(differing.count) of \(entries.count) printed entries differ from the correctly rounded values."
        if !truncatedOnes.isEmpty, !roundedUp.isEmpty {
            let a = truncatedOnes.map { "(\($0.row),\($0.col))" }.joined(separator: ", ")
            let b = roundedUp.map { "(\($0.row),\($0.col))" }.joined(separator: ", ")
            summary +=
                " \(a) was cut off instead of rounded, while \(b) \(roundedUp.count == 1 ? "was" : "were") rounded up: the printed matrix mixes the two, so the differing digit is a rounding slip, not a different method."
        }
    }
    return PrintedPowerComparison(source: source, entries: entries, disagreements: differing.count, summary: summary)
}
