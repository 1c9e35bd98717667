// ClaimComparison.swift — a claim against a derivative, instance by instance, by GradCheck's
// exact-method rule.
//
// An entry passes when |c − d| ≤ atol + rtol·|d| and its relative error |c − d| / max(|c|, |d|,
// floor) is within the bound (`GradCheckOptions.exact`: two exact computations differ only by
// rounding). The floor is `relativeFloor` times the largest |entry| over every instance of the
// claim — the claim's instances form one quantity, so an entry that is tiny beside the others
// (a vanished gradient far back in time) is measured against that scale. A scalar claim value
// broadcasts over a matrix derivative; a claim of another shape (the transposed one) fails every
// entry with relative error 1.
//
// The same comparison judges the candidates of the diagnosis, optionally scaled or transposed.

import GradCheck
import WorkbenchNumerics

/// A claim's values against a derivative over all instances.
struct InstanceComparison {
    var passed: Bool
    var maxRelativeError: Double
    /// Largest relative error per instance.
    var instanceErrors: [Double]
    /// Whether each instance passes.
    var instancePassed: [Bool]
    var worst: Int
}

enum ClaimComparer {
    static let options = GradCheckOptions.exact

    /// The candidate of instance i as compared: factor · (transposed) derivative.
    @inline(__always)
    static func candidateEntry(_ d: Matrix<Double>, _ k: Int, transposed: Bool, factor: Double) -> Double {
        if !transposed { return factor * d.storage[k] }
        // Entry k of dᵀ (shape cols×rows): row k / rows, column k % rows of dᵀ is d[k % rows, k / rows].
        let r = k / d.rows, c = k % d.rows
        return factor * d.storage[c * d.cols + r]
    }

    /// Whether claim and candidate shapes fit (a scalar claim broadcasts).
    static func fits(_ claim: PlainValue, _ d: Matrix<Double>, transposed: Bool) -> Bool {
        let shape = transposed ? Shape(rows: d.cols, cols: d.rows) : Shape(rows: d.rows, cols: d.cols)
        let c = claim.shape
        return c == shape || c.isScalar
    }

    @inline(__always)
    static func claimEntry(_ claim: PlainValue, _ k: Int) -> Double {
        switch claim {
        case .scalar(let x): return x
        case .matrix(let m): return m.count == 1 ? m.storage[0] : m.storage[k]
        }
    }

    /// Compares every instance; `factor` and `transposed` turn the derivative into the candidate.
    static func compare(
        claim: [PlainValue], derivative: [Matrix<Double>], factor: Double = 1, transposed: Bool = false,
        stopAtFirstFailure: Bool = false
    ) -> InstanceComparison {
        var scale = 0.0
        for (c, d) in zip(claim, derivative) where fits(c, d, transposed: transposed) {
            for k in 0..<d.count {
                scale = max(scale, abs(claimEntry(c, k)), abs(candidateEntry(d, k, transposed: transposed, factor: factor)))
            }
        }
        var result = InstanceComparison(passed: true, maxRelativeError: 0, instanceErrors: [], instancePassed: [], worst: 0)
        result.instanceErrors.reserveCapacity(claim.count)
        let bound = options.maxRelativeError ?? .infinity
        for (i, (c, d)) in zip(claim, derivative).enumerated() {
            var worst = 0.0
            var ok = true
            if fits(c, d, transposed: transposed) {
                for k in 0..<d.count {
                    let a = claimEntry(c, k), n = candidateEntry(d, k, transposed: transposed, factor: factor)
                    let rel = options.relativeError(a, n, scale: scale)
                    if rel > worst || rel.isNaN { worst = rel.isNaN ? .infinity : rel }
                    if !options.passes(analytic: a, reference: n) || !(rel <= bound) { ok = false }
                }
            } else {
                worst = 1
                ok = false
            }
            result.instanceErrors.append(worst)
            result.instancePassed.append(ok)
            if i == 0 || worst > result.maxRelativeError {
                result.maxRelativeError = max(result.maxRelativeError, worst)
                result.worst = i
            }
            if !ok {
                result.passed = false
                if stopAtFirstFailure { return result }
            }
        }
        return result
    }

    /// The least-squares factor c minimising Σ (claim − c·derivative)², or nil when it is not a
    /// usable constant (no overlap of shapes, a zero derivative).
    static func leastSquaresFactor(claim: [PlainValue], derivative: [Matrix<Double>], transposed: Bool) -> Double? {
        var cd = 0.0, dd = 0.0
        for (c, d) in zip(claim, derivative) {
            guard fits(c, d, transposed: transposed) else { return nil }
            for k in 0..<d.count {
                let x = candidateEntry(d, k, transposed: transposed, factor: 1)
                cd += claimEntry(c, k) * x
                dd += x * x
            }
        }
        guard dd > 0, cd.isFinite, dd.isFinite else { return nil }
        let factor = cd / dd
        return factor.isFinite && factor != 0 ? factor : nil
    }

    /// The entries of one instance by descending relative error (1-based positions).
    static func worstEntries(claim: PlainValue, derivative d: Matrix<Double>, scale: Double, limit: Int = 3) -> [EntryDifference] {
        guard fits(claim, d, transposed: false) else { return [] }
        var entries: [EntryDifference] = []
        for k in 0..<d.count {
            let a = claimEntry(claim, k), n = d.storage[k]
            entries.append(
                EntryDifference(
                    row: k / d.cols + 1, column: k % d.cols + 1, claim: a, truth: n,
                    relativeError: options.relativeError(a, n, scale: scale)))
        }
        entries.sort { ($0.relativeError.isNaN ? .infinity : $0.relativeError) > ($1.relativeError.isNaN ? .infinity : $1.relativeError) }
        return Array(entries.prefix(limit))
    }

    /// The largest |entry| over claim and derivative, all instances.
    static func scale(claim: [PlainValue], derivative: [Matrix<Double>]) -> Double {
        var scale = 0.0
        for (c, d) in zip(claim, derivative) where fits(c, d, transposed: false) {
            for k in 0..<d.count { scale = max(scale, abs(claimEntry(c, k)), abs(d.storage[k])) }
        }
        return scale
    }
}
