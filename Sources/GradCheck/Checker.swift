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
        precondition(
            parameter.rows == gradient.rows && parameter.cols == gradient.cols,
            "gradient of \(name) must have the parameter's shape")
        self.name = name
        self.parameter = parameter
        self.gradient = gradient
    }
}

/// Central finite differences of `loss` with respect to every entry of every parameter.
public func finiteDifferenceGradients(
    parameters: [Matrix<Double>], epsilon: Double = GradCheckOptions.centralEpsilon, stencil: Stencil = .central,
    loss: ([Matrix<Double>]) -> Double
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

/// Finite differences of a loss, computed once and compared with any number of candidate
/// gradients (the textbook formulas, autodiff, a deliberately wrong method): for every probed
/// entry the stencil's derivative and the one-sided differences that reveal a kink.
///
/// Large parameters can be probed on a seeded random sample of their entries
/// (`entryLimit`): finite differences of a 256 × 256 matrix cost 65,536 × 4 loss evaluations,
/// while a wrong gradient shows in almost any few hundred entries. The reports say how many
/// entries were probed.
public struct FiniteDifferenceProbe: Sendable {
    /// One probed entry.
    public struct Entry: Sendable {
        /// Zero-based storage index in its parameter.
        public let index: Int
        /// The stencil's derivative (after `estimateError`, possibly at another step of its ladder).
        public internal(set) var numeric: Double
        /// (L(θ) − L(θ − ε)) / ε and (L(θ + ε) − L(θ)) / ε.
        public let left: Double
        public let right: Double
        /// The one-sided values jump by more than smoothness allows, also at ε/10: no derivative here.
        public let isKink: Bool
        /// The pass rule's tolerance for the one-sided values.
        public let tolerance: Double
        /// How far `numeric` may be from the derivative: the rounding noise of its step
        /// (`Stencil.roundingNoise`), or, after `estimateError`, the larger difference to the
        /// estimate at the neighbouring step of its ladder. A difference below it cannot be told
        /// from zero.
        public internal(set) var noise: Double
    }

    /// (rows, cols) of each parameter.
    public let shapes: [[Int]]
    /// The probed entries of each parameter, in storage order.
    public private(set) var entries: [[Entry]]
    /// The options, with the step actually used (`GradCheckOptions.effectiveEpsilon`).
    public let options: GradCheckOptions

    /// The numeric gradient of parameter `p` (entries that were not probed are 0).
    public func numericGradient(_ p: Int) -> Matrix<Double> {
        var m = Matrix<Double>(rows: shapes[p][0], cols: shapes[p][1])
        for e in entries[p] { m.storage[e.index] = e.numeric }
        return m
    }

    /// For every probed entry where one of `candidates` (analytic gradients, in parameter order)
    /// fails the pass rule, looks at the finite difference again on a ladder of steps 2ε, ε, ε/4,
    /// ε/16, ε/64 and keeps the estimate that moves least to its smaller neighbour, with that
    /// movement as its error (`noise`): rounding noise grows and truncation error shrinks down the
    /// ladder, and a relu unit that switches inside the window (dense when a sequence has tens of
    /// thousands of pre-activations) spoils the larger steps only. The choice is made from the
    /// estimates alone, never from a candidate's value, so a wrong gradient still fails: it
    /// differs from every step's estimate alike.
    public mutating func estimateError(
        for candidates: [[Matrix<Double>]], parameters: [Matrix<Double>],
        loss: ([Matrix<Double>]) -> Double
    ) {
        var theta = parameters
        var baseLoss: Double?  // L(θ), evaluated at the first entry that needs it
        for p in entries.indices {
            let scales = candidates.map { $0[p].maxAbs() }
            for n in entries[p].indices {
                let e = entries[p][n]
                let failing = candidates.indices.contains { c in
                    !options.entryPasses(analytic: candidates[c][p].storage[e.index], reference: e.numeric, scale: scales[c])
                }
                guard failing, !e.isKink else { continue }
                let original = theta[p].storage[e.index]
                let base = baseLoss ?? loss(theta)
                baseLoss = base
                let eps = options.epsilon
                var ladder: [(value: Double, step: Double)] = []
                for step in [2 * eps, eps, eps / 4, eps / 16, eps / 64] {
                    if step == eps {
                        ladder.append((e.numeric, eps))
                        continue
                    }
                    ladder.append(
                        options.stencil.estimate(epsilon: step) { shift in
                            theta[p].storage[e.index] = original + shift
                            return loss(theta)
                        })
                }
                theta[p].storage[e.index] = original
                // The pair of neighbouring steps whose estimates differ least, counting each
                // smaller step's rounding noise against it.
                var best = 0
                var bestSpread = Double.infinity
                for i in 0..<(ladder.count - 1) {
                    let spread =
                        abs(ladder[i].value - ladder[i + 1].value)
                        + Stencil.roundingNoise(magnitude: base, step: ladder[i + 1].step)
                    if spread < bestSpread { (best, bestSpread) = (i, spread) }
                }
                entries[p][n].numeric = ladder[best].value
                entries[p][n].noise = max(
                    Stencil.roundingNoise(magnitude: base, step: ladder[best].step),
                    abs(ladder[best].value - ladder[best + 1].value))
            }
        }
    }

    /// Probes every entry of `parameters` (or at most `entryLimit` of each, drawn with `seed`),
    /// calling `progress(done, total)` after each parameter entry.
    public init(
        parameters: [Matrix<Double>], options: GradCheckOptions, entryLimit: Int? = nil, seed: UInt64 = 0,
        progress: ((Int, Int) -> Void)? = nil, loss: ([Matrix<Double>]) -> Double
    ) {
        var theta = parameters
        let base = loss(theta)
        let eps = options.effectiveEpsilon(loss: base)
        var rng = SeededGenerator(seed: seed)
        let chosen: [[Int]] = parameters.map { p in
            guard let limit = entryLimit, p.count > limit else { return Array(0..<p.count) }
            var all = Array(0..<p.count)
            for i in 0..<limit { all.swapAt(i, i + rng.int(below: p.count - i)) }
            return all[0..<limit].sorted()
        }
        let total = chosen.reduce(0) { $0 + $1.count }
        var done = 0
        var result: [[Entry]] = []
        for p in theta.indices {
            var probed: [Entry] = []
            for e in chosen[p] {
                let original = theta[p].storage[e]
                var plus = 0.0, minus = 0.0
                let (numeric, step) = options.stencil.estimate(epsilon: eps) { shift in
                    theta[p].storage[e] = original + shift
                    let value = loss(theta)
                    if shift == eps { plus = value } else if shift == -eps { minus = value }
                    return value
                }
                // One-sided differences: a jump between them that does not shrink with ε is a kink.
                let sides = OneSidedDifferences(base: base, plus: plus, minus: minus, epsilon: eps, options: options)
                var isKink = false
                if sides.jumps {
                    let small = eps / 10
                    theta[p].storage[e] = original + small
                    let plusSmall = loss(theta)
                    theta[p].storage[e] = original - small
                    let minusSmall = loss(theta)
                    let narrow = OneSidedDifferences(base: base, plus: plusSmall, minus: minusSmall, epsilon: small, options: options)
                    isKink = narrow.jumps && narrow.jump > sides.jump / 2
                }
                theta[p].storage[e] = original
                probed.append(
                    Entry(
                        index: e, numeric: numeric, left: sides.left, right: sides.right, isKink: isKink, tolerance: sides.tolerance,
                        noise: Stencil.roundingNoise(magnitude: base, step: step)))
                done += 1
                progress?(done, total)
            }
            result.append(probed)
        }
        self.shapes = parameters.map { [$0.rows, $0.cols] }
        self.entries = result
        var used = options
        used.epsilon = eps
        self.options = used
    }
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
    let probe = FiniteDifferenceProbe(parameters: gradients.map(\.parameter), options: options, loss: loss)
    return checkGradients(gradients, against: probe, method: method, title: title)
}

/// Checks analytic gradients against finite differences already probed (see `FiniteDifferenceProbe`).
/// At a kink the analytic value passes if it lies between the one-sided values (a subgradient).
public func checkGradients(
    _ gradients: [NamedGradient], against probe: FiniteDifferenceProbe, method: String, title: String = "gradient check"
) -> GradientCheckReport {
    precondition(gradients.count == probe.entries.count, "one gradient per probed parameter")
    let options = probe.options
    var comparisons: [ParameterComparison] = []
    for p in gradients.indices {
        let analytic = gradients[p].gradient
        precondition([analytic.rows, analytic.cols] == probe.shapes[p], "\(gradients[p].name): shape differs from the probe's")
        var kinks: [KinkEntry] = []
        var compared = Set<Int>()
        var unresolved = 0
        let scale = analytic.maxAbs()
        for e in probe.entries[p] {
            let a = analytic.storage[e.index]
            if e.isKink {
                let ok = a >= min(e.left, e.right) - e.tolerance && a <= max(e.left, e.right) + e.tolerance
                kinks.append(
                    KinkEntry(
                        row: e.index / analytic.cols, column: e.index % analytic.cols, analytic: a,
                        leftDifference: e.left, rightDifference: e.right, isSubgradient: ok))
                if ok { continue }
            }
            // Agreement to within the finite differences' own rounding noise is all they can
            // show: such an entry is counted as unresolved, not as an error of the analytic value,
            // within the limits of `admitsAsUnresolved` (noise never excuses an arbitrary error).
            if !options.entryPasses(analytic: a, reference: e.numeric, scale: scale)
                && options.admitsAsUnresolved(analytic: a, reference: e.numeric, noise: e.noise, scale: scale)
            {
                unresolved += 1
                continue
            }
            compared.insert(e.index)
        }
        let probedAll = probe.entries[p].count == analytic.count
        comparisons.append(
            compare(
                name: gradients[p].name, candidate: analytic, reference: probe.numericGradient(p),
                methods: "\(method) vs finite differences", options: options,
                excluded: Set(0..<analytic.count).subtracting(compared), kinks: kinks,
                probedEntries: probedAll ? nil : probe.entries[p].count, unresolvedEntries: unresolved))
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
///   - probedEntries: how many entries finite differences probed, when a sample (nil: all).
///   - unresolvedEntries: entries left out because they agree with finite differences only
///     to within the differences' own rounding noise (reported, never hidden).
public func compare(
    name: String, candidate: Matrix<Double>, reference: Matrix<Double>, methods: String,
    options: GradCheckOptions = .exact, excluded: Set<Int> = [], kinks: [KinkEntry] = [],
    expectFailure: Bool = false, probedEntries: Int? = nil, unresolvedEntries: Int = 0
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
        entries.append(
            EntryComparison(
                row: e / candidate.cols, column: e % candidate.cols, analytic: a,
                reference: n, absoluteError: absErr, relativeError: relErr))
    }
    failing += kinks.filter { !$0.isSubgradient }.count
    let worst = entries.sorted {
        ($0.relativeError.isNaN ? .infinity : $0.relativeError) > ($1.relativeError.isNaN ? .infinity : $1.relativeError)
    }
    let ok = failing == 0 && options.accepts(relativeError: maxRel)
    let verdict: Verdict = expectFailure ? (ok ? .missed : .caught) : (ok ? .pass : .fail)
    return ParameterComparison(
        name: name, shape: [candidate.rows, candidate.cols], methods: methods,
        maxAbsoluteError: maxAbs, maxRelativeError: maxRel, relativeErrorFloor: floor, scale: scale,
        worstEntries: Array(worst.prefix(3)), failingEntries: failing, entryCount: candidate.count,
        probedEntries: probedEntries, unresolvedEntries: unresolvedEntries, kinks: kinks, verdict: verdict)
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
