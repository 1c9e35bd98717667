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
    public let verdict: Verdict
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
            rows.append(["\(d.direction)", sci(d.analytic, 10), sci(d.numeric, 10), sci(d.absoluteError), sci(d.relativeError), d.verdict.rawValue])
        }
        return "\(title) (\(method) vs directional finite differences, \(parameterCount) parameters, ε = \(sci(epsilon)))\n"
            + renderTable(rows) + "\nverdict: \(verdict.rawValue)"
    }
}

/// Compares ⟨g, v⟩ with the central difference of L along `count` random unit directions v.
public func directionalCheck(
    _ gradients: [NamedGradient], method: String, title: String = "directional check", count: Int = 3,
    seed: UInt64 = 0, options: GradCheckOptions = .finiteDifferences, loss: ([Matrix<Double>]) -> Double
) -> DirectionalCheckReport {
    var rng = SeededGenerator(seed: seed)
    let theta = gradients.map(\.parameter)
    let total = theta.reduce(0) { $0 + $1.count }
    var results: [DirectionalComparison] = []
    for d in 0..<count {
        var v = theta.map { Matrix<Double>.randomNormal($0.rows, $0.cols, using: &rng) }
        let norm = v.reduce(0.0) { $0 + $1.dot($1) }.squareRoot()
        v = v.map { $0 / norm }
        let analytic = zip(gradients, v).reduce(0.0) { $0 + $1.0.gradient.dot($1.1) }
        let eps = options.epsilon
        let numeric = options.stencil.derivative(epsilon: eps) { shift in loss(zip(theta, v).map { $0 + shift * $1 }) }
        let absErr = abs(analytic - numeric)
        let relErr = options.relativeError(analytic, numeric, scale: max(abs(analytic), abs(numeric)))
        let passes = options.passes(analytic: analytic, reference: numeric) && options.accepts(relativeError: relErr)
        results.append(DirectionalComparison(direction: d + 1, analytic: analytic, numeric: numeric, absoluteError: absErr,
                                             relativeError: relErr, verdict: passes ? .pass : .fail))
    }
    return DirectionalCheckReport(title: title, method: method, parameterCount: total, epsilon: options.epsilon, directions: results)
}
