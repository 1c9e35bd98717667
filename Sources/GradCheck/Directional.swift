// Directional.swift — the fast check for large models: directional derivatives.
//
// Checking every entry costs two loss evaluations per parameter entry. For a large model it
// is enough to pick a few random unit directions v in parameter space and compare the
// analytic directional derivative ⟨g, v⟩ with (L(θ + εv) − L(θ − εv)) / 2ε: a wrong gradient
// is caught with probability one by a random direction.

import WorkbenchNumerics

/// One random direction of a directional check.
public struct DirectionalComparison: Codable, Sendable {
    public let direction: Int
    /// ⟨g, v⟩ from the analytic gradient.
    public let analytic: Double
    /// (L(θ + εv) − L(θ − εv)) / 2ε.
    public let numeric: Double
    public let absoluteError: Double
    public let relativeError: Double
    /// The one-sided differences (L(θ) − L(θ − εv)) / ε and (L(θ + εv) − L(θ)) / ε when L has a
    /// kink along v at θ (their jump does not shrink with ε); nil where L is smooth there.
    /// At a kink ⟨g, v⟩ passes if it lies between them (a directional subgradient).
    public var kink: DirectionalKink? = nil
    public let verdict: Verdict
}

/// The one-sided differences of L along a direction where L has a kink.
public struct DirectionalKink: Codable, Sendable, Equatable {
    public let leftDifference: Double
    public let rightDifference: Double
    /// Whether ⟨g, v⟩ lies between them.
    public let isSubgradient: Bool
}

/// The result of a directional check.
public struct DirectionalCheckReport: Codable, Sendable {
    public let title: String
    public let method: String
    public let parameterCount: Int
    public let epsilon: Double
    public let directions: [DirectionalComparison]

    public var verdict: Verdict { directions.allSatisfy { $0.verdict == .pass } ? .pass : .fail }
    public var maxRelativeError: Double { directions.map(\.relativeError).max() ?? 0 }

    public func table() -> String {
        var rows = [["direction", "⟨g,v⟩ analytic", "finite difference", "abs err", "rel err", "verdict"]]
        for d in directions {
            let verdict = d.kink == nil ? d.verdict.rawValue : "\(d.verdict.rawValue) (kink)"
            rows.append(["\(d.direction)", sci(d.analytic, 10), sci(d.numeric, 10), sci(d.absoluteError), sci(d.relativeError), verdict])
        }
        var notes = ""
        for d in directions {
            guard let k = d.kink else { continue }
            notes +=
                "\ndirection \(d.direction): L has a kink along it (one-sided differences \(sci(k.leftDifference, 6)) and "
                + "\(sci(k.rightDifference, 6))); ⟨g,v⟩ \(k.isSubgradient ? "lies" : "does not lie") between them"
        }
        return "\(title) (\(method) vs directional finite differences, \(parameterCount) parameters, ε = \(sci(epsilon)))\n"
            + renderTable(rows) + notes + "\nverdict: \(verdict.rawValue)"
    }
}

/// Compares ⟨g, v⟩ with the central difference of L along `count` random unit directions v.
///
/// Where L has a kink along v at θ (relu at 0, a max with a tie) there is no derivative, and the
/// stencil's value is an average of the two one-sided slopes that no valid gradient need match:
/// as in the entry-wise check, the one-sided differences are compared at ε and ε/10, a jump that
/// does not shrink is reported as a kink, and ⟨g, v⟩ passes if it lies between them.
public func directionalCheck(
    _ gradients: [NamedGradient], method: String, title: String = "directional check", count: Int = 3,
    seed: UInt64 = 0, options: GradCheckOptions = .finiteDifferences, loss: ([Matrix<Double>]) -> Double
) -> DirectionalCheckReport {
    var rng = SeededGenerator(seed: seed)
    let theta = gradients.map(\.parameter)
    let total = theta.reduce(0) { $0 + $1.count }
    var results: [DirectionalComparison] = []
    // The same step in every direction: L(θ) decides it (`GradCheckOptions.effectiveEpsilon`).
    let eps = options.effectiveEpsilon(loss: loss(theta))
    for d in 0..<count {
        var v = theta.map { Matrix<Double>.randomNormal($0.rows, $0.cols, using: &rng) }
        let norm = v.reduce(0.0) { $0 + $1.dot($1) }.squareRoot()
        v = v.map { $0 / norm }
        let analytic = zip(gradients, v).reduce(0.0) { $0 + $1.0.gradient.dot($1.1) }
        func along(_ shift: Double) -> Double { loss(zip(theta, v).map { $0 + shift * $1 }) }
        let base = along(0)
        var plus = along(eps), minus = along(-eps)
        let numeric = options.stencil.estimate(epsilon: eps) { shift in
            shift == eps ? plus : shift == -eps ? minus : along(shift)
        }.value
        let absErr = abs(analytic - numeric)
        let relErr = options.relativeError(analytic, numeric, scale: max(abs(analytic), abs(numeric)))
        var passes = options.passes(analytic: analytic, reference: numeric) && options.accepts(relativeError: relErr)
        var kink: DirectionalKink? = nil
        let sides = OneSidedDifferences(base: base, plus: plus, minus: minus, epsilon: eps, options: options)
        if sides.jumps {
            let small = eps / 10
            plus = along(small)
            minus = along(-small)
            let narrow = OneSidedDifferences(base: base, plus: plus, minus: minus, epsilon: small, options: options)
            if narrow.jumps && narrow.jump > sides.jump / 2 {
                let admitted = sides.admits(analytic)
                kink = DirectionalKink(leftDifference: sides.left, rightDifference: sides.right, isSubgradient: admitted)
                passes = admitted
            }
        }
        results.append(
            DirectionalComparison(
                direction: d + 1, analytic: analytic, numeric: numeric, absoluteError: absErr,
                relativeError: relErr, kink: kink, verdict: passes ? .pass : .fail))
    }
    return DirectionalCheckReport(title: title, method: method, parameterCount: total, epsilon: eps, directions: results)
}

/// The one-sided differences (f(0) − f(−ε)) / ε and (f(ε) − f(0)) / ε. For a smooth f they differ
/// by about ε·f″, which shrinks tenfold with ε/10; at a kink the jump stays.
struct OneSidedDifferences {
    let left: Double
    let right: Double
    /// The jump the pass rule allows between them, and around them for a subgradient.
    let tolerance: Double

    /// The rounding noise of the jump (`Stencil.roundingNoise` at this step). Noise grows tenfold
    /// at ε/10 while a kink's jump stays, so a jump within a few times it says nothing about a kink.
    let noise: Double

    init(base: Double, plus: Double, minus: Double, epsilon: Double, options: GradCheckOptions) {
        left = (base - minus) / epsilon
        right = (plus - base) / epsilon
        tolerance = options.absoluteTolerance + options.relativeTolerance * max(abs(left), abs(right))
        noise = Stencil.roundingNoise(magnitude: max(abs(base), abs(plus), abs(minus)), step: epsilon)
    }

    var jump: Double { abs(right - left) }
    var jumps: Bool { jump > tolerance && jump > 4 * noise }

    /// Whether `value` lies between the two differences (within the tolerance).
    func admits(_ value: Double) -> Bool {
        value >= min(left, right) - tolerance && value <= max(left, right) + tolerance
    }
}
