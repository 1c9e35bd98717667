// Options.swift — tolerances and the pass rule of the gradient checker.
//
// The pass rule follows PyTorch's gradcheck and swift-numerics' isApproximatelyEqual: an
// entry passes when |a − n| ≤ atol + rtol·|n|, with a the gradient being checked and n the
// reference (finite differences, or a second exact method).
//
// The reported relative error of an entry is |a − n| / max(|a|, |n|, floor). Finite
// differences carry an absolute noise of roughly u·|L|/ε (u the unit roundoff), so an entry
// far smaller than the gradient's largest entry cannot be resolved relatively; `floor` is
// therefore `relativeFloor` times the largest |entry| of that parameter's gradient, and at
// least `absoluteFloor` (1e-5, PyTorch's atol: an entry below it is compared absolutely, so a
// gradient that is zero up to rounding, like ∂L/∂h_0 when every relu unit is off at the first
// step, does not show a relative error of 1). The report states the floor used.

/// The finite-difference formula.
public enum Stencil: String, Codable, Sendable, CaseIterable {
    /// (L(θ+ε) − L(θ−ε)) / 2ε: error O(ε²) + O(u·|L|/ε).
    case central
    /// (−L(θ+2ε) + 8L(θ+ε) − 8L(θ−ε) + L(θ−2ε)) / 12ε: error O(ε⁴) + O(u·|L|/ε), so a larger ε
    /// can be used and the rounding noise shrinks; twice the evaluations.
    case fourthOrder = "fourth-order"

    /// The derivative at 0 of `f`, a function of the shift, from f(±ε) (and f(±2ε) for the
    /// fourth-order stencil).
    ///
    /// The fourth-order formula assumes f is smooth on [−2ε, 2ε]. A kink inside that window
    /// (a relu unit switching on between ε and 2ε) breaks it while the plain central difference
    /// over ±ε still agrees with itself; when the two disagree by more than smoothness allows,
    /// the estimate falls back to a central difference with a step 100 times smaller.
    public func derivative(epsilon: Double, at f: (Double) -> Double) -> Double {
        let plus = f(epsilon), minus = f(-epsilon)
        let central = (plus - minus) / (2 * epsilon)
        guard self == .fourthOrder else { return central }
        let fourth = (-f(2 * epsilon) + 8 * plus - 8 * minus + f(-2 * epsilon)) / (12 * epsilon)
        // Smooth f: central − fourth ≈ −ε² f'''/6, far below this threshold for ε = 1e-4.
        if abs(central - fourth) <= 1e-7 + 1e-6 * abs(fourth) { return fourth }
        let small = epsilon / 100
        return (f(small) - f(-small)) / (2 * small)
    }
}

/// Tolerances and step for gradient checks.
public struct GradCheckOptions: Codable, Sendable, Equatable {
    /// Finite-difference step ε.
    public var epsilon: Double
    /// The difference formula (central by default).
    public var stencil: Stencil
    /// atol of the pass rule |a − n| ≤ atol + rtol·|n|.
    public var absoluteTolerance: Double
    /// rtol of the pass rule.
    public var relativeTolerance: Double
    /// Entries smaller than this fraction of the largest entry are measured relative to it.
    public var relativeFloor: Double
    /// Entries are measured relative to at least this absolute value.
    public var absoluteFloor: Double
    /// Relative bound the headline relative error must meet for the parameter to pass
    /// (nil: only the entry-wise pass rule decides).
    public var maxRelativeError: Double?

    public init(epsilon: Double = 1e-6, stencil: Stencil = .central, absoluteTolerance: Double = 1e-5, relativeTolerance: Double = 1e-3,
                relativeFloor: Double = 1e-3, absoluteFloor: Double = 1e-5, maxRelativeError: Double? = nil) {
        self.epsilon = epsilon
        self.stencil = stencil
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
        self.relativeFloor = relativeFloor
        self.absoluteFloor = absoluteFloor
        self.maxRelativeError = maxRelativeError
    }

    /// Defaults for analytic vs finite differences, comparable to PyTorch's gradcheck.
    public static let finiteDifferences = GradCheckOptions()

    /// The workbench's acceptance bound for analytic vs finite differences: 1e-6 relative.
    /// A loss summed over 20 steps is ~30, so central differences at ε = 1e-6 carry ~1e-8 of
    /// rounding noise; the fourth-order stencil at ε = 1e-4 brings that to ~1e-10.
    public static let finiteDifferencesStrict = GradCheckOptions(epsilon: 1e-4, stencil: .fourthOrder, maxRelativeError: 1e-6)

    /// Two exact methods (e.g. textbook formulas vs autodiff): they differ only by rounding,
    /// so the bounds are near machine precision.
    public static let exact = GradCheckOptions(epsilon: 0, stencil: .central, absoluteTolerance: 1e-13, relativeTolerance: 1e-10,
                                               relativeFloor: 1e-6, absoluteFloor: 1e-14, maxRelativeError: 1e-10)

    /// The relative error of one entry, |a − n| / max(|a|, |n|, floor), where the floor is
    /// `relativeFloor · scale` and at least `absoluteFloor` (`scale`: the largest |entry| of the
    /// quantity the entry belongs to). NaN in either value gives an infinite error.
    public func relativeError(_ a: Double, _ n: Double, scale: Double) -> Double {
        if a.isNaN || n.isNaN { return .infinity }
        if a == n { return 0 }
        return abs(a - n) / max(abs(a), abs(n), relativeFloor * scale, absoluteFloor)
    }

    /// Whether an entry passes the rule |a − n| ≤ atol + rtol·|n|.
    public func passes(analytic a: Double, reference n: Double) -> Bool {
        if a.isNaN || n.isNaN { return false }
        return abs(a - n) <= absoluteTolerance + relativeTolerance * abs(n)
    }
}
