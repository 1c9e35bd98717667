// RNNGradientReport.swift — the report of `workbench spectral rnn`: the backpropagated
// product in a real RNN is Π diag(f'(z_j)) W, not Wⁿ, measured on seeded runs.
//
// Dimension letters: H hidden units, D input size, T time steps. Notation of homework 5
// (W recurrent, U input — the roles of W and U are swapped relative to NNDL ch. 6):
//     z_t = W h_{t−1} + U x_t + b,   h_t = f(z_t),   h_0 = 0,   t = 1 … T,
//     ∂h_T/∂h_k = Π_{j=T}^{k+1} diag(f'(z_j)) W     (the j = T factor leftmost).
// With γ = sup f' (1/4 for the logistic sigmoid, 1 for tanh), every factor has
// ‖diag(f'(z_j)) W‖₂ ≤ γ σ_max(W), so ‖∂h_T/∂h_k‖₂ ≤ (γ σ_max(W))^{T−k}: σ_max(W) < 1/γ is a
// sufficient condition for vanishing gradients (Pascanu, Mikolov & Bengio, "On the
// difficulty of training recurrent neural networks", ICML 2013). The spectral radius alone
// decides nothing: the cases below include ρ(W) > 1 with vanishing gradients.
// Saturation, zero and overflow are explicit: the products are kept as M · 2^e, so a gradient
// that is exactly zero (units with f' = 0 in Double) or beyond Double's range is named as such
// (`GradientBehaviour`), and the rate per step comes from log-norms, never from 0/0.
// Leaves out: the loss; only the state-to-state Jacobians are measured.

import Foundation
import WorkbenchNumerics

/// ‖∂h_T/∂h_k‖₂ at one distance T − k, beside the bound and the "Wⁿ" predictions.
public struct GradientPoint: Codable, Sendable, Equatable {
    /// T − k.
    public var distance: Int
    /// ‖∂h_T/∂h_k‖₂, measured on the run.
    public var measured: Double
    /// (γ σ_max(W))^{T−k}, the bound.
    public var bound: Double
    /// ‖W^{T−k}‖₂, what the "Wⁿ" view would predict.
    public var wPowerNorm: Double
}

/// One seeded RNN run and its Jacobian norms.
public struct RNNGradientCase: Codable, Sendable {
    public var name: String
    public var activation: Activation
    /// γ = sup f'.
    public var gamma: Double
    /// H, D, T.
    public var hidden: Int
    public var inputSize: Int
    public var steps: Int
    /// The seed of the weights and inputs.
    public var seed: UInt64
    /// Inputs x_t ~ inputScale · N(0, 1); every bias entry equals `bias`.
    public var inputScale: Double
    public var bias: Double
    /// W, (H, H).
    public var recurrentWeight: Matrix<Double>
    /// ρ(W) and σ_max(W).
    public var spectralRadius: Double
    public var sigmaMax: Double
    /// γ σ_max(W): the rate of the bound.
    public var boundRate: Double
    /// σ_max(W) < 1/γ: vanishing guaranteed.
    public var pascanuConditionHolds: Bool
    /// The mean of f'(z_t) over all units and steps: how saturated the units are.
    public var meanDerivative: Double
    /// The fraction of f'(z_t) (all units and steps) below γ/100: saturated units
    /// (|z| > 3 for tanh, |z| > 4.6 for the sigmoid).
    public var saturatedFraction: Double
    /// Distances 1 … T (every ⌊T/200⌋-th distance when T > 400, plus 1 and T). A measured norm
    /// beyond Double's range is +∞ (see `overflowFromDistance`), never NaN.
    public var points: [GradientPoint]
    /// Whether every measured norm is ≤ the bound (it must be: a theorem).
    public var boundHolds: Bool
    /// (‖∂h_T/∂h_0‖₂ / ‖∂h_T/∂h_{T−1}‖₂)^(1/(T−1)), the geometric mean rate per step (from
    /// log-norms, so defined even beyond Double's range; for T = 1 the one factor's norm);
    /// nil when the product is exactly zero at some distance (`behaviour` says so).
    public var measuredRate: Double?
    /// What the gradient does, decided from the measurements (never from a NaN).
    public var behaviour: GradientBehaviour
    /// The first distance T − k at which ∂h_T/∂h_k is exactly the zero matrix.
    public var zeroFromDistance: Int?
    /// The first distance T − k at which ‖∂h_T/∂h_k‖₂ exceeds Double's range.
    public var overflowFromDistance: Int?
    /// What the numbers show.
    public var observation: String
}

/// What the backpropagated gradient does over T steps.
public enum GradientBehaviour: String, Codable, Sendable {
    /// Positive and finite at every distance, measured rate < 1.
    case vanishing
    /// Exactly zero from some distance on: saturated units (f' = 0 in Double) or factors that
    /// multiply to the zero matrix.
    case vanishedToZero = "vanished to zero"
    /// Finite and positive, measured rate ≥ 1.
    case notVanishing = "not vanishing"
    /// Beyond Double's range (1.8e308) from some distance on: exploding.
    case overflowed

    /// The verdict from what was measured: an exactly-zero product first (nothing else can be
    /// said after it), then overflow, then the rate.
    init(zeroFromDistance: Int?, overflowFromDistance: Int?, measuredRate: Double?) {
        if zeroFromDistance != nil {
            self = .vanishedToZero
        } else if overflowFromDistance != nil {
            self = .overflowed
        } else if let r = measuredRate, r < 1 {
            self = .vanishing
        } else {
            self = .notVanishing
        }
    }
}

/// All cases.
public struct RNNGradientReport: Codable, Sendable {
    /// The recurrence and the product, stated once.
    public var notation: String
    public var cases: [RNNGradientCase]
}

/// Seeded RNN runs showing vanishing gradients with ρ(W) > 1 and the Pascanu bound.
///
/// - Parameters:
///   - seed: seed of weights and inputs (default 1).
///   - hidden: H (default 8).
///   - steps: T (default 40).
///   - customW: an extra (H', H') recurrent matrix to measure with tanh (optional).
public func rnnGradientReport(seed: UInt64 = 1, hidden: Int = 8, steps: Int = 40, customW: Matrix<Double>? = nil) throws
    -> RNNGradientReport
{
    precondition(hidden >= 1 && steps >= 1, "rnnGradientReport needs hidden ≥ 1 and steps ≥ 1")
    var rng = SeededGenerator(seed: seed)
    // One random direction for W, rescaled per case so that only the scale differs.
    let base = Matrix<Double>.randomNormal(hidden, hidden, std: 1 / Double(hidden).squareRoot(), using: &rng)
    let baseRho = try eigen(base).spectralRadius
    let baseSigma = twoNorm(base)
    let withRho = { (rho: Double) in base * (rho / baseRho) }
    let withSigma = { (sigma: Double) in base * (sigma / baseSigma) }
    var cases: [RNNGradientCase] = []
    cases.append(
        try runCase(
            name: "tanh, ρ(W) = 1.5, saturated units", activation: .tanh, w: withRho(1.5),
            inputScale: 4, bias: 1, steps: steps, seed: seed))
    cases.append(
        try runCase(
            name: "tanh, ρ(W) = 1.5, weak input", activation: .tanh, w: withRho(1.5),
            inputScale: 0.01, bias: 0, steps: steps, seed: seed))
    let sigmoidW = withSigma(3)
    let sigmoidRho = baseRho * 3 / baseSigma
    cases.append(
        try runCase(
            name: "sigmoid, ρ(W) = \(formatScalar(sigmoidRho, digits: 3)), σ_max(W) = 3 < 1/γ = 4", activation: .sigmoid, w: sigmoidW,
            inputScale: 1, bias: 0, steps: steps, seed: seed))
    cases.append(
        try runCase(
            name: "tanh, σ_max(W) = 0.9 < 1/γ = 1", activation: .tanh, w: withSigma(0.9),
            inputScale: 1, bias: 0, steps: steps, seed: seed))
    if let w = customW {
        cases.append(try runCase(name: "tanh, your W", activation: .tanh, w: w, inputScale: 1, bias: 0, steps: steps, seed: seed))
    }
    let notation =
        "h_t = f(W h_{t−1} + U x_t + b), h_0 = 0 (homework 5: W recurrent, U input); ∂h_T/∂h_k = Π_{j=k+1..T} diag(f'(z_j)) W, bounded by (γ σ_max(W))^{T−k}, γ = sup f' (tanh 1, sigmoid 1/4)."
    return RNNGradientReport(notation: notation, cases: cases)
}

/// Runs h_t = f(W h_{t−1} + U x_t + b) for T steps with seeded U and x, then accumulates
/// J_k = ∂h_T/∂h_k from k = T − 1 down to 0 by J_k = J_{k+1} · diag(f'(z_{k+1})) W.
func runCase(
    name: String, activation: Activation, w: Matrix<Double>, inputScale: Double, bias: Double,
    steps: Int, seed: UInt64
) throws -> RNNGradientCase {
    let h = w.rows, inputSize = 3
    var rng = SeededGenerator(seed: seed &+ 1000)
    let u = Matrix<Double>.randomNormal(h, inputSize, std: 1, using: &rng)  // (H, D)
    let b = Matrix<Double>(rows: h, cols: 1, repeating: bias)  // (H, 1)
    // Forward: keep f'(z_t) for t = 1 … T (index t − 1), each (H, 1).
    var state = Matrix<Double>(rows: h, cols: 1)  // h_0 = 0
    var derivatives: [[Double]] = []
    // W h_{t−1} is formed as 2^e ((2^−e W) h_{t−1}) when W has entries beyond 2^500, so that a sum
    // of huge terms of both signs gives ±∞ (a saturated unit), never ∞ − ∞ = NaN.
    let wExponent = rangeExponent(maxAbs: w.maxAbs(), lower: 0, upper: 0x1p500)
    let wScaled = wExponent == 0 ? w : w.map { timesPowerOfTwo($0, wExponent) }
    for _ in 0..<steps {
        let x = Matrix<Double>.randomNormal(inputSize, 1, std: inputScale, using: &rng)  // (D, 1)
        let recurrent = (wScaled * state).map { timesPowerOfTwo($0, -wExponent) }
        let z = recurrent + u * x + b
        state = z.map { activation.value($0) }
        derivatives.append(state.storage.map { activation.derivative(output: $0) })
    }
    let d = try eigen(w)
    let sigmaMax = twoNorm(w)
    let rate = activation.derivativeBound * sigmaMax
    // Backward accumulation of the Jacobian product and of W^{T−k}, both kept as M · 2^e so that
    // neither underflows to a spurious 0 nor overflows to NaN; a norm beyond 1.8e308 reads +∞.
    var jacobian = ScaledMatrix(.identity(h))  // ∂h_T/∂h_T
    var wPower = ScaledMatrix(.identity(h))
    let wFactor = ScaledMatrix(w)
    var points: [GradientPoint] = []
    var log10First = 0.0, log10Last = 0.0
    var zeroFrom: Int?, overflowFrom: Int?
    let every = max(1, steps / 200)  // at most ~200 points
    for distance in 1...steps {
        let t = steps - distance + 1  // factor j = k + 1
        var factor = w  // diag(f'(z_t)) W
        for i in 0..<h { for j in 0..<h { factor[i, j] *= derivatives[t - 1][i] } }
        jacobian = jacobian * ScaledMatrix(factor)
        wPower = wPower * wFactor
        if zeroFrom == nil, jacobian.isZero { zeroFrom = distance }
        if overflowFrom == nil, jacobian.exceedsDoubleRange { overflowFrom = distance }
        if distance == 1 { log10First = jacobian.log10TwoNorm }
        if distance == steps { log10Last = jacobian.log10TwoNorm }
        guard distance % every == 0 || distance == 1 || distance == steps else { continue }
        points.append(
            GradientPoint(
                distance: distance, measured: jacobian.twoNorm,
                bound: pow(rate, Double(distance)), wPowerNorm: wPower.twoNorm))
    }
    let allDerivatives = derivatives.flatMap { $0 }
    let meanDerivative = allDerivatives.reduce(0, +) / Double(allDerivatives.count)
    let saturatedFraction = Double(allDerivatives.filter { $0 < activation.derivativeBound / 100 }.count) / Double(allDerivatives.count)
    let boundHolds = points.allSatisfy { $0.measured <= $0.bound * (1 + 1e-10) + 1e-300 }
    // Rate per step from log-norms (finite even beyond Double's range); undefined once the
    // product is exactly zero.
    var measuredRate: Double?
    if zeroFrom == nil {
        measuredRate = steps > 1 ? pow(10, (log10Last - log10First) / Double(steps - 1)) : pow(10, log10First)
    }
    let behaviour = GradientBehaviour(zeroFromDistance: zeroFrom, overflowFromDistance: overflowFrom, measuredRate: measuredRate)
    let f = { (x: Double) in formatScalar(x, digits: 3) }
    let percent = { (x: Double) in formatScalar(100 * x, digits: 3) + "%" }
    let last = points.last!
    let rateText = measuredRate.map(f) ?? "undefined (the product is exactly 0)"
    var observation =
        "ρ(W) = \(f(d.spectralRadius)), σ_max(W) = \(f(sigmaMax)), mean f' = \(f(meanDerivative)), saturated (f' < γ/100): \(percent(saturatedFraction)): ‖∂h_T/∂h_{T−\(steps)}‖₂ = \(f(last.measured)) while ‖W^\(steps)‖₂ = \(f(last.wPowerNorm)); measured rate per step \(rateText)."
    // Why an exactly-zero product is zero: a step whose every f' is 0, or W's factors themselves.
    var zeroReason = ""
    if let z = zeroFrom {
        let t = steps - z + 1
        let zeroDerivatives = derivatives.reduce(0) { $0 + $1.filter { $0 == 0 }.count }
        if derivatives[t - 1].allSatisfy({ $0 == 0 }) {
            zeroReason = "every unit at step t = \(t) is saturated so hard that f'(z) = 0 in Double"
        } else if zeroDerivatives > 0 {
            zeroReason =
                "saturated units cut every path back in time: f'(z) is exactly 0 in Double for \(zeroDerivatives) unit-steps, and every path from h_k to h_T passes through one of them"
        } else {
            zeroReason =
                "the factors diag(f') W multiply to the zero matrix although no f' is 0 (W itself annihilates them, e.g. W = 0 or nilpotent)"
        }
    }
    if rate < 1 {
        observation +=
            " σ_max γ = \(f(rate)) < 1, so the gradient must vanish: bound (σ_max γ)^\(steps) = \(f(last.bound)), \(boundHolds ? "respected at every distance" : "VIOLATED")."
        if let z = zeroFrom { observation += " It is exactly 0 from T − k = \(z) on: \(zeroReason)." }
    } else {
        switch behaviour {
        case .vanishedToZero:
            observation +=
                " σ_max γ = \(f(rate)) ≥ 1, so the bound guarantees nothing, yet the gradient vanishes completely: it is exactly 0 from T − k = \(zeroFrom!) on, because \(zeroReason)."
        case .vanishing:
            observation +=
                " σ_max γ = \(f(rate)) ≥ 1, so the bound guarantees nothing, yet the gradient vanishes: the saturated units (small f') shrink every factor."
        case .overflowed:
            observation +=
                " σ_max γ = \(f(rate)) ≥ 1 and the gradient explodes: ‖∂h_T/∂h_k‖₂ exceeds Double's range (1.8e308) from T − k = \(overflowFrom!) on and is shown as inf."
        case .notVanishing:
            observation += " σ_max γ = \(f(rate)) ≥ 1 and the measured rate is ≥ 1: the gradient does not vanish."
        }
    }
    return RNNGradientCase(
        name: name, activation: activation, gamma: activation.derivativeBound, hidden: h, inputSize: inputSize,
        steps: steps, seed: seed, inputScale: inputScale, bias: bias, recurrentWeight: w,
        spectralRadius: d.spectralRadius, sigmaMax: sigmaMax, boundRate: rate,
        pascanuConditionHolds: rate < 1, meanDerivative: meanDerivative,
        saturatedFraction: saturatedFraction, points: points,
        boundHolds: boundHolds, measuredRate: measuredRate, behaviour: behaviour,
        zeroFromDistance: zeroFrom, overflowFromDistance: overflowFrom, observation: observation)
}
