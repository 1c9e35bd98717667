// Checker.swift — finite-difference gradient checks and comparisons of two exact methods.
//
// Parameters are a list of named matrices θ_p; the loss is a function of all of them. For
// each entry the checker perturbs that entry by ±ε and forms the central difference
// (L(θ+ε) − L(θ−ε)) / 2ε. It also looks at the one-sided differences: if they disagree with
// each other by a jump that does not shrink with ε, the loss has a kink there (relu at 0, a
// max with a tie), the entry is reported as a non-differentiable point, and it passes if the
// analytic value is a subgradient (lies between them) instead of being a false failure.

import WorkbenchNumerics

/// A named parameter and its analytic gradient.
public struct NamedGradient {
    public let name: String
    public let parameter: Matrix<Double>
    public let gradient: Matrix<Double>

    public init(name: String, parameter: Matrix<Double>, gradient: Matrix<Double>) {
        precondition(parameter.rows == gradient.rows && parameter.cols == gradient.cols,
                     "gradient of \(name) must have the parameter's shape")
        self.name = name
        self.parameter = parameter
        self.gradient = gradient
    }
}

/// Central finite differences of `loss` with respect to every entry of every parameter.
public func finiteDifferenceGradients(
    parameters: [Matrix<Double>], epsilon: Double = GradCheckOptions.centralEpsilon, stencil: Stencil = .central, loss: ([Matrix<Double>]) -> Double
) -> [Matrix<Double>] {
    var theta = parameters
    var result: [Matrix<Double>] = []
    for p in theta.indices {
        var g = Matrix<Double>(rows: theta[p].rows, cols: theta[p].cols)
        for e in 0..<theta[p].count {
            let original = theta[p].storage[e]
            g.storage[e] = stencil.derivative(epsilon: epsilon) { shift in
                theta[p].storage[e] = original + shift
                return loss(theta)
            }
            theta[p].storage[e] = original
        }
        result.append(g)
    }
    return result
}

/// Checks analytic gradients against central finite differences of `loss`.
///
/// - Parameters:
///   - gradients: each parameter's value and analytic gradient.
///   - method: the name of the analytic method, e.g. "autodiff".
///   - title: the report's heading.
///   - options: the step, stencil and pass rules (`.finiteDifferences` by default,
///     `.finiteDifferencesStrict` for the workbench's 1e-6 bound).
///   - loss: L(θ) for the parameter values given in the same order.
public func checkGradients(
    _ gradients: [NamedGradient], method: String, title: String = "gradient check",
    options: GradCheckOptions = .finiteDifferences, loss: ([Matrix<Double>]) -> Double
) -> GradientCheckReport {
    var theta = gradients.map(\.parameter)
    let base = loss(theta)
    let eps = options.epsilon
    var comparisons: [ParameterComparison] = []
    for p in gradients.indices {
        var numeric = Matrix<Double>(rows: theta[p].rows, cols: theta[p].cols)
        var kinks: [KinkEntry] = []
        var kinkPassed = Set<Int>()
        let analytic = gradients[p].gradient
        for e in 0..<theta[p].count {
            let original = theta[p].storage[e]
            var plus = 0.0, minus = 0.0
            numeric.storage[e] = options.stencil.derivative(epsilon: eps) { shift in
                theta[p].storage[e] = original + shift
                let value = loss(theta)
                if shift == eps { plus = value } else if shift == -eps { minus = value }
                return value
            }
            theta[p].storage[e] = original
            let a = analytic.storage[e]
            // One-sided differences: a jump between them that does not shrink with ε is a kink.
            // (For a smooth loss right − left ≈ ε·L'', which shrinks tenfold with ε/10.)
            let left = (base - minus) / eps
            let right = (plus - base) / eps
            let jump = abs(right - left)
            let tolerance = options.absoluteTolerance + options.relativeTolerance * max(abs(left), abs(right))
            if jump > tolerance {
                let small = eps / 10
                theta[p].storage[e] = original + small
                let plusSmall = loss(theta)
                theta[p].storage[e] = original - small
                let minusSmall = loss(theta)
                theta[p].storage[e] = original
                let smallJump = abs((plusSmall - base) / small - (base - minusSmall) / small)
                if smallJump > jump / 2 {
                    let ok = a >= min(left, right) - tolerance && a <= max(left, right) + tolerance
                    kinks.append(KinkEntry(row: e / theta[p].cols, column: e % theta[p].cols, analytic: a,
                                           leftDifference: left, rightDifference: right, isSubgradient: ok))
                    if ok { kinkPassed.insert(e) }
                }
            }
        }
        comparisons.append(compare(name: gradients[p].name, candidate: analytic, reference: numeric,
                                   methods: "\(method) vs finite differences", options: options,
                                   excluded: kinkPassed, kinks: kinks))
    }
    return GradientCheckReport(title: title, options: options, parameters: comparisons)
}

/// Compares two gradients of one parameter entry by entry.
///
/// - Parameters:
///   - name: the quantity, e.g. "∂L/∂U".
///   - candidate: the gradient under test (a).
///   - reference: the trusted value (n).
///   - methods: the two methods, e.g. "textbook vs autodiff".
///   - options: the pass rules (`.exact` by default: two exact methods).
///   - excluded: entries not counted (kinks where the candidate is a valid subgradient).
///   - kinks: the non-differentiable points met (a kink that is not a subgradient fails).
///   - expectFailure: the candidate is deliberately wrong: the verdict is `.caught` when the
///     comparison fails and `.missed` when it passes.
public func compare(
    name: String, candidate: Matrix<Double>, reference: Matrix<Double>, methods: String,
    options: GradCheckOptions = .exact, excluded: Set<Int> = [], kinks: [KinkEntry] = [],
    expectFailure: Bool = false
) -> ParameterComparison {
    precondition(candidate.rows == reference.rows && candidate.cols == reference.cols, "\(name): shapes differ")
    let scale = max(candidate.maxAbs(), reference.maxAbs())
    let floor = options.relativeErrorFloor(scale: scale)
    var entries: [EntryComparison] = []
    var failing = 0
    var maxAbs = 0.0, maxRel = 0.0
    for e in 0..<candidate.count where !excluded.contains(e) {
        let a = candidate.storage[e], n = reference.storage[e]
        let absErr = abs(a - n)
        // NaN is reported as NaN (the rule itself counts it as an infinite error).
        let relErr = (a.isNaN || n.isNaN) ? Double.nan : options.relativeError(a, n, scale: scale)
        if !options.passes(analytic: a, reference: n) { failing += 1 }
        if absErr > maxAbs || absErr.isNaN { maxAbs = absErr.isNaN ? .nan : max(maxAbs, absErr) }
        if relErr > maxRel || relErr.isNaN { maxRel = relErr.isNaN ? .nan : max(maxRel, relErr) }
        entries.append(EntryComparison(row: e / candidate.cols, column: e % candidate.cols, analytic: a,
                                       reference: n, absoluteError: absErr, relativeError: relErr))
    }
    failing += kinks.filter { !$0.isSubgradient }.count
    let worst = entries.sorted { ($0.relativeError.isNaN ? .infinity : $0.relativeError) > ($1.relativeError.isNaN ? .infinity : $1.relativeError) }
    let ok = failing == 0 && options.accepts(relativeError: maxRel)
    let verdict: Verdict = expectFailure ? (ok ? .missed : .caught) : (ok ? .pass : .fail)
    return ParameterComparison(
        name: name, shape: [candidate.rows, candidate.cols], methods: methods,
        maxAbsoluteError: maxAbs, maxRelativeError: maxRel, relativeErrorFloor: floor, scale: scale,
        worstEntries: Array(worst.prefix(3)), failingEntries: failing, entryCount: candidate.count,
        kinks: kinks, verdict: verdict)
}

/// Compares two exact methods parameter by parameter.
public func compareGradients(
    names: [String], candidate: [Matrix<Double>], reference: [Matrix<Double>], methods: String,
    title: String, options: GradCheckOptions = .exact
) -> GradientCheckReport {
    precondition(names.count == candidate.count && candidate.count == reference.count, "one name per gradient")
    let rows = names.indices.map {
        compare(name: names[$0], candidate: candidate[$0], reference: reference[$0], methods: methods, options: options)
    }
    return GradientCheckReport(title: title, options: options, parameters: rows)
}
