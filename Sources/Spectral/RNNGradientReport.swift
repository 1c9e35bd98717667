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
// Leaves out: the loss; only the state-to-state Jacobians are measured.

import Foundation
import WorkbenchNumerics

/// The activation of the recurrent layer.
public enum RecurrentActivation: String, Codable, Sendable {
    case tanh, sigmoid

    /// f(z).
    func value(_ z: Double) -> Double { self == .tanh ? Foundation.tanh(z) : Double.sigmoid(z) }
    /// f'(z) in terms of h = f(z): 1 − h² for tanh, h(1 − h) for the sigmoid.
    func derivative(h: Double) -> Double { self == .tanh ? 1 - h * h : h * (1 - h) }
    /// γ = sup f'.
    var gamma: Double { self == .tanh ? 1 : 0.25 }
}

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
    public var activation: RecurrentActivation
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
    /// Distances 1 … T (every ⌊T/200⌋-th distance when T > 400, plus 1 and T).
    public var points: [GradientPoint]
    /// Whether every measured norm is ≤ the bound (it must be: a theorem).
    public var boundHolds: Bool
    /// ‖∂h_T/∂h_0‖₂ / ‖∂h_T/∂h_{T−1}‖₂ per step, geometric mean: < 1 means vanishing.
    public var measuredRate: Double
    /// What the numbers show.
    public var observation: String
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
public func rnnGradientReport(seed: UInt64 = 1, hidden: Int = 8, steps: Int = 40, customW: Matrix<Double>? = nil) throws -> RNNGradientReport {
    precondition(hidden >= 1 && steps >= 1, "rnnGradientReport needs hidden ≥ 1 and steps ≥ 1")
    var rng = SeededGenerator(seed: seed)
    // One random direction for W, rescaled per case so that only the scale differs.
    let base = Matrix<Double>.randomNormal(hidden, hidden, std: 1 / Double(hidden).squareRoot(), using: &rng)
    let baseRho = try eigen(base).spectralRadius
    let baseSigma = twoNorm(base)
    let withRho = { (rho: Double) in base * (rho / baseRho) }
    let withSigma = { (sigma: Double) in base * (sigma / baseSigma) }
    var cases: [RNNGradientCase] = []
    cases.append(try runCase(name: "tanh, ρ(W) = 1.5, saturated units", activation: .tanh, w: withRho(1.5),
                             inputScale: 4, bias: 1, steps: steps, seed: seed))
    cases.append(try runCase(name: "tanh, ρ(W) = 1.5, weak input", activation: .tanh, w: withRho(1.5),
                             inputScale: 0.01, bias: 0, steps: steps, seed: seed))
    let sigmoidW = withSigma(3)
    let sigmoidRho = baseRho * 3 / baseSigma
    cases.append(try runCase(name: "sigmoid, ρ(W) = \(formatScalar(sigmoidRho, digits: 3)), σ_max(W) = 3 < 1/γ = 4", activation: .sigmoid, w: sigmoidW,
                             inputScale: 1, bias: 0, steps: steps, seed: seed))
    cases.append(try runCase(name: "tanh, σ_max(W) = 0.9 < 1/γ = 1", activation: .tanh, w: withSigma(0.9),
                             inputScale: 1, bias: 0, steps: steps, seed: seed))
    if let w = customW {
        cases.append(try runCase(name: "tanh, your W", activation: .tanh, w: w, inputScale: 1, bias: 0, steps: steps, seed: seed))
    }
    let notation = "h_t = f(W h_{t−1} + U x_t + b), h_0 = 0 (homework 5: W recurrent, U input); ∂h_T/∂h_k = Π_{j=k+1..T} diag(f'(z_j)) W, bounded by (γ σ_max(W))^{T−k}, γ = sup f' (tanh 1, sigmoid 1/4)."
    return RNNGradientReport(notation: notation, cases: cases)
}

/// Runs h_t = f(W h_{t−1} + U x_t + b) for T steps with seeded U and x, then accumulates
/// J_k = ∂h_T/∂h_k from k = T − 1 down to 0 by J_k = J_{k+1} · diag(f'(z_{k+1})) W.
func runCase(name: String, activation: RecurrentActivation, w: Matrix<Double>, inputScale: Double, bias: Double,
             steps: Int, seed: UInt64) throws -> RNNGradientCase {
    let h = w.rows, inputSize = 3
    var rng = SeededGenerator(seed: seed &+ 1000)
    let u = Matrix<Double>.randomNormal(h, inputSize, std: 1, using: &rng)     // (H, D)
    let b = Matrix<Double>(rows: h, cols: 1, repeating: bias)                  // (H, 1)
    // Forward: keep f'(z_t) for t = 1 … T (index t − 1), each (H, 1).
    var state = Matrix<Double>(rows: h, cols: 1)                               // h_0 = 0
    var derivatives: [[Double]] = []
    for _ in 0..<steps {
        let x = Matrix<Double>.randomNormal(inputSize, 1, std: inputScale, using: &rng)  // (D, 1)
        let z = w * state + u * x + b
        state = z.map(activation.value)
        derivatives.append(state.storage.map { activation.derivative(h: $0) })
    }
    let d = try eigen(w)
    let sigmaMax = twoNorm(w)
    let rate = activation.gamma * sigmaMax
    // Backward accumulation of the Jacobian product and of W^{T−k}.
    var jacobian = Matrix<Double>.identity(h)                                  // ∂h_T/∂h_T
    var wPower = Matrix<Double>.identity(h)
    var points: [GradientPoint] = []
    let every = max(1, steps / 200)                                            // at most ~200 points
    for distance in 1...steps {
        let t = steps - distance + 1                                           // factor j = k + 1
        var factor = w                                                         // diag(f'(z_t)) W
        for i in 0..<h { for j in 0..<h { factor[i, j] *= derivatives[t - 1][i] } }
        jacobian = jacobian * factor
        if wPower.isFinite { wPower = wPower * w }                             // stays non-finite once it overflows
        guard distance % every == 0 || distance == 1 || distance == steps else { continue }
        points.append(GradientPoint(distance: distance, measured: twoNorm(jacobian),
                                    bound: pow(rate, Double(distance)), wPowerNorm: wPower.isFinite ? twoNorm(wPower) : .infinity))
    }
    let allDerivatives = derivatives.flatMap { $0 }
    let meanDerivative = allDerivatives.reduce(0, +) / Double(allDerivatives.count)
    let boundHolds = points.allSatisfy { $0.measured <= $0.bound * (1 + 1e-10) + 1e-300 }
    let first = points.first!.measured, last = points.last!.measured
    let measuredRate = steps > 1 && first > 0 && last > 0 ? pow(last / first, 1 / Double(steps - 1)) : .nan
    let f = { (x: Double) in formatScalar(x, digits: 3) }
    var observation = "ρ(W) = \(f(d.spectralRadius)), σ_max(W) = \(f(sigmaMax)), mean f' = \(f(meanDerivative)): ‖∂h_T/∂h_{T−\(steps)}‖₂ = \(f(last)) while ‖W^\(steps)‖₂ = \(f(points.last!.wPowerNorm)); measured rate per step \(f(measuredRate))."
    if rate < 1 {
        observation += " σ_max γ = \(f(rate)) < 1, so the gradient must vanish: bound (σ_max γ)^\(steps) = \(f(points.last!.bound)), \(boundHolds ? "respected at every distance" : "VIOLATED")."
    } else if measuredRate < 1 {
        observation += " σ_max γ = \(f(rate)) ≥ 1, so the bound guarantees nothing, yet the gradient vanishes: the saturated units (small f') shrink every factor."
    } else {
        observation += " σ_max γ = \(f(rate)) ≥ 1 and the units are not saturated: the gradient does not vanish."
    }
    return RNNGradientCase(name: name, activation: activation, gamma: activation.gamma, hidden: h, inputSize: inputSize,
                           steps: steps, seed: seed, inputScale: inputScale, bias: bias, recurrentWeight: w,
                           spectralRadius: d.spectralRadius, sigmaMax: sigmaMax, boundRate: rate,
                           pascanuConditionHolds: rate < 1, meanDerivative: meanDerivative, points: points,
                           boundHolds: boundHolds, measuredRate: measuredRate, observation: observation)
}
