// Options.swift — tolerances and the pass rule of the gradient checker.
//
// The pass rule follows PyTorch's gradcheck and swift-numerics' isApproximatelyEqual: an
// entry passes when |a − n| ≤ atol + rtol·|n|, with a the gradient being checked and n the
// reference (finite differences, or a second exact method).
//
// The reported relative error of an entry is |a − n| / max(|a|, |n|, floor). Finite
// differences carry an absolute noise of roughly u·|L|/ε (u the unit roundoff), so an entry
// far smaller than the gradient's largest entry cannot be resolved relatively; `floor` is
// therefore `relativeFloor` times the largest |entry| of that parameter's gradient (and at
// least `Double.leastNormalMagnitude`). The table states the floor it used.

/// Tolerances and step for gradient checks.
public struct GradCheckOptions: Codable, Sendable, Equatable {
    /// Finite-difference step ε (central differences (L(θ+ε) − L(θ−ε)) / 2ε).
    public var epsilon: Double
    /// atol of the pass rule |a − n| ≤ atol + rtol·|n|.
    public var absoluteTolerance: Double
    /// rtol of the pass rule.
    public var relativeTolerance: Double
    /// Entries smaller than this fraction of the largest entry are measured relative to it.
    public var relativeFloor: Double
    /// Relative bound the headline relative error must meet for the parameter to pass
    /// (nil: only the entry-wise pass rule decides).
    public var maxRelativeError: Double?

    public init(epsilon: Double = 1e-6, absoluteTolerance: Double = 1e-5, relativeTolerance: Double = 1e-3,
                relativeFloor: Double = 1e-3, maxRelativeError: Double? = nil) {
        self.epsilon = epsilon
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
        self.relativeFloor = relativeFloor
        self.maxRelativeError = maxRelativeError
    }

    /// Defaults for analytic vs finite differences, comparable to PyTorch's gradcheck.
    public static let finiteDifferences = GradCheckOptions()

    /// The workbench's acceptance bound for analytic vs finite differences: 1e-6 relative.
    public static let finiteDifferencesStrict = GradCheckOptions(maxRelativeError: 1e-6)

    /// Two exact methods (e.g. textbook formulas vs autodiff): they differ only by rounding,
    /// so the bounds are near machine precision.
    public static let exact = GradCheckOptions(epsilon: 0, absoluteTolerance: 1e-13, relativeTolerance: 1e-10,
                                               relativeFloor: 1e-6, maxRelativeError: 1e-10)

    /// Whether an entry passes the rule |a − n| ≤ atol + rtol·|n|.
    public func passes(analytic a: Double, reference n: Double) -> Bool {
        if a.isNaN || n.isNaN { return false }
        return abs(a - n) <= absoluteTolerance + relativeTolerance * abs(n)
    }
}
