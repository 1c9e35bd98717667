// Options.swift — tolerances and the pass rule of the gradient checker.
//
// Every pass/fail rule and relative-error floor of the workbench lives here, once: the named
// bounds (`exactBound` 1e-10 for two exact methods, `finiteDifferenceBound` 1e-6 against finite
// differences), the presets that carry them (`.exact`, `.finiteDifferencesStrict`), the entry
// rule (`passes`), the relative error with its floor (`relativeError`) and the headline verdict
// (`accepts`, `verdict`). Reports and suites call these instead of comparing with literals.
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
        estimate(epsilon: epsilon, at: f).value
    }

    /// `derivative(epsilon:at:)` with the step it ended up using (ε, or ε/100 after the fallback);
    /// `roundingNoise` turns the step into the estimate's rounding noise.
    public func estimate(epsilon: Double, at f: (Double) -> Double) -> (value: Double, step: Double) {
        let plus = f(epsilon), minus = f(-epsilon)
        let central = (plus - minus) / (2 * epsilon)
        guard self == .fourthOrder else { return (central, epsilon) }
        let fourth = (-f(2 * epsilon) + 8 * plus - 8 * minus + f(-2 * epsilon)) / (12 * epsilon)
        if abs(central - fourth) <= Self.smoothGap(fourth: fourth, plus: plus, minus: minus, epsilon: epsilon) {
            return (fourth, epsilon)
        }
        // A large gap is either a kink inside ±2ε or a smooth f with a large third derivative (a
        // loss summed over hundreds of steps). Richardson's rule on the central differences at ε
        // and ε/2 is a second fourth-order estimate from a narrower window: for smooth f the two
        // agree to O(ε⁴), far closer than the gap; a kink spoils one window and not the other.
        let half = (f(epsilon / 2) - f(-epsilon / 2)) / epsilon
        let richardson = (4 * half - central) / 3
        if abs(richardson - fourth) <= 0.1 * abs(central - fourth) { return (fourth, epsilon) }
        let small = epsilon / 100
        return ((f(small) - f(-small)) / (2 * small), small)
    }

    /// An upper estimate of the rounding noise of a difference quotient with `step` of a
    /// function whose values are about `magnitude`: 4u (|f| + 1) / step with u = 2⁻⁵²; the factor
    /// covers the few ulps of |f| that each value carries from the rounding inside f, and the
    /// stencil's weights.
    public static func roundingNoise(magnitude: Double, step: Double) -> Double {
        4 * Double.ulpOfOne * (abs(magnitude) + 1) / step
    }

    /// How far the central and fourth-order estimates may differ before the window is examined
    /// for a kink: a millionth of |fourth|, or a hundred times the rounding noise of the gap,
    /// whichever is larger. For smooth f the gap is ≈ ε² f‴/6; a larger gap only costs the
    /// Richardson test two more evaluations, so the threshold sits just above rounding noise:
    /// a kink between ε and 2ε that shifts a small derivative by 1e-8 must not slip under it.
    static func smoothGap(fourth: Double, plus: Double, minus: Double, epsilon: Double) -> Double {
        max(1e-6 * abs(fourth), 100 * Double.ulpOfOne * (abs(plus) + abs(minus) + 1) / epsilon)
    }
}

extension Stencil {
    /// `derivative(epsilon:at:)` for every component of a vector-valued `f` at once: f is
    /// evaluated at each shift once (not once per component), and each component gets exactly
    /// the value the scalar rule gives it, the small-step fallback included.
    public func derivatives(epsilon: Double, at f: (Double) -> [Double]) -> [Double] {
        let plus = f(epsilon), minus = f(-epsilon)
        let central = zip(plus, minus).map { ($0 - $1) / (2 * epsilon) }
        guard self == .fourthOrder else { return central }
        let plus2 = f(2 * epsilon), minus2 = f(-2 * epsilon)
        var result = central.indices.map { (-plus2[$0] + 8 * plus[$0] - 8 * minus[$0] + minus2[$0]) / (12 * epsilon) }
        var rough = result.indices.filter {
            abs(central[$0] - result[$0]) > Self.smoothGap(fourth: result[$0], plus: plus[$0], minus: minus[$0], epsilon: epsilon)
        }
        if !rough.isEmpty {
            // As in `estimate`: a second fourth-order estimate from the narrower window.
            let plusHalf = f(epsilon / 2), minusHalf = f(-epsilon / 2)
            rough = rough.filter { c in
                let richardson = (4 * (plusHalf[c] - minusHalf[c]) / epsilon - central[c]) / 3
                return abs(richardson - result[c]) > 0.1 * abs(central[c] - result[c])
            }
        }
        if !rough.isEmpty {
            let small = epsilon / 100
            let plusSmall = f(small), minusSmall = f(-small)
            for c in rough { result[c] = (plusSmall[c] - minusSmall[c]) / (2 * small) }
        }
        return result
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
    /// When set to a loss magnitude L₀, a loss |L| larger than L₀ widens the step to
    /// ε·√(|L|/L₀): the rounding noise u·|L|/ε of a difference of two large losses then grows
    /// only as √|L| (a softmax loss summed over 300 steps is ~500), while the stencil's
    /// truncation error, O(ε⁴) for the fourth-order stencil, stays far below the bound.
    public var epsilonReferenceLoss: Double? = nil

    /// The step used for a loss of magnitude `loss` (see `epsilonReferenceLoss`).
    public func effectiveEpsilon(loss: Double) -> Double {
        guard let reference = epsilonReferenceLoss, loss.isFinite, abs(loss) > reference else { return epsilon }
        return epsilon * (abs(loss) / reference).squareRoot()
    }

    public init(
        epsilon: Double = Self.centralEpsilon, stencil: Stencil = .central, absoluteTolerance: Double = 1e-5,
        relativeTolerance: Double = 1e-3, relativeFloor: Double = 1e-3, absoluteFloor: Double = 1e-5,
        maxRelativeError: Double? = nil
    ) {
        self.epsilon = epsilon
        self.stencil = stencil
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
        self.relativeFloor = relativeFloor
        self.absoluteFloor = absoluteFloor
        self.maxRelativeError = maxRelativeError
    }

    // MARK: - The named bounds and presets

    /// 1e-10: the relative bound two exact methods (textbook formulas, autodiff, forward
    /// recursion) must meet — they differ only by rounding.
    public static let exactBound = 1e-10
    /// 1e-6: the workbench's relative bound for an analytic gradient against finite differences.
    public static let finiteDifferenceBound = 1e-6
    /// 1e-6: the step of the plain central difference (the default of `finiteDifferences`).
    public static let centralEpsilon = 1e-6
    /// 1e-4: the step of the fourth-order stencil (the default of `finiteDifferencesStrict`).
    public static let fourthOrderEpsilon = 1e-4

    /// Defaults for analytic vs finite differences, comparable to PyTorch's gradcheck: the
    /// entry-wise rule alone decides (no bound on the headline relative error).
    public static let finiteDifferences = GradCheckOptions()

    /// The workbench's acceptance setting for analytic vs finite differences: `finiteDifferenceBound`.
    /// A loss summed over 20 steps is ~30, so central differences at ε = 1e-6 carry ~1e-8 of
    /// rounding noise; the fourth-order stencil at ε = 1e-4 brings that to ~1e-10.
    /// Above |L| = 30 the step widens as √(|L|/30) (`epsilonReferenceLoss`).
    public static let finiteDifferencesStrict: GradCheckOptions = {
        var o = GradCheckOptions(epsilon: fourthOrderEpsilon, stencil: .fourthOrder, maxRelativeError: finiteDifferenceBound)
        o.epsilonReferenceLoss = 30
        return o
    }()

    /// Two exact methods (e.g. textbook formulas vs autodiff): they differ only by rounding,
    /// so the bounds are near machine precision; `exactBound` on the headline relative error.
    public static let exact = GradCheckOptions(
        epsilon: 0, stencil: .central, absoluteTolerance: 1e-13, relativeTolerance: exactBound,
        relativeFloor: 1e-6, absoluteFloor: 1e-14, maxRelativeError: exactBound)

    // MARK: - The rules

    /// The floor of the relative-error denominator for entries of a quantity whose largest
    /// |entry| is `scale`: `relativeFloor · scale`, and at least `absoluteFloor`.
    public func relativeErrorFloor(scale: Double) -> Double {
        max(relativeFloor * scale, absoluteFloor, Double.leastNormalMagnitude)
    }

    /// The relative error of one entry, |a − n| / max(|a|, |n|, floor), where the floor is
    /// `relativeErrorFloor(scale:)` (`scale`: the largest |entry| of the quantity the entry
    /// belongs to). NaN in either value gives an infinite error.
    public func relativeError(_ a: Double, _ n: Double, scale: Double) -> Double {
        if a.isNaN || n.isNaN { return .infinity }
        if a == n { return 0 }
        return abs(a - n) / max(abs(a), abs(n), relativeErrorFloor(scale: scale))
    }

    /// Whether an entry passes the rule |a − n| ≤ atol + rtol·|n|.
    public func passes(analytic a: Double, reference n: Double) -> Bool {
        if a.isNaN || n.isNaN { return false }
        return abs(a - n) <= absoluteTolerance + relativeTolerance * abs(n)
    }

    /// Whether one entry passes: the rule above, and its relative error (against a gradient of
    /// largest entry `scale`) within `maxRelativeError` when there is one.
    public func entryPasses(analytic a: Double, reference n: Double, scale: Double) -> Bool {
        passes(analytic: a, reference: n) && relativeError(a, n, scale: scale) <= (maxRelativeError ?? .infinity)
    }

    /// Whether a headline relative error meets `maxRelativeError` (any finite or infinite
    /// value does when there is no bound); NaN never does.
    public func accepts(relativeError: Double) -> Bool {
        if relativeError.isNaN { return false }
        guard let bound = maxRelativeError else { return true }
        return relativeError <= bound
    }

    /// How far beyond `maxRelativeError` an entry's relative error may go and the entry still be
    /// counted as unresolved (within the finite differences' own noise) instead of as an error.
    public static let unresolvedBoundFactor = 10.0

    /// Whether an entry that misses the bound by no more than the finite differences' own `noise`
    /// may be counted as unresolved rather than failing: only under a `maxRelativeError`, and only
    /// while it still meets the entry-wise rule and a relative error of `unresolvedBoundFactor`
    /// times the bound. At a tiny or a huge ε the noise is as large as the gradient itself; it must
    /// not turn a wrong gradient into a pass.
    public func admitsAsUnresolved(analytic a: Double, reference n: Double, noise: Double, scale: Double) -> Bool {
        guard let bound = maxRelativeError else { return false }
        return abs(a - n) <= noise && passes(analytic: a, reference: n)
            && relativeError(a, n, scale: scale) <= Self.unresolvedBoundFactor * bound
    }

    /// `.pass` when `accepts(relativeError:)`, `.fail` otherwise: the verdict of a quantity
    /// judged by its headline relative error alone.
    public func verdict(relativeError: Double) -> Verdict {
        accepts(relativeError: relativeError) ? .pass : .fail
    }
}
