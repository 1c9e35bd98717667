// TanhRNNOutputLayer.swift — the tanh RNN with an output layer of seed 004: the shape of its
// output, and why the products of its step Jacobians vanish or explode.
//
//   h_t = tanh(W_H h_{t-1} + W_X x_t),   o_t = W_O h_t,   L_t = f(o_t, y_t)
//
// Dimension letters: K input size (and output size), H hidden size, T steps. W_H is NNDL's U
// and W_X is NNDL's W. The whole sequence, L = Σ_t L_t, and the biases b_h, b_q of the seed's
// first model are TanhRNNSequence.swift.
//
// Leaves out: the gradients of L_t in W_O, W_H and W_X and the seed's recursion for ∂h_t/∂W_H,
// derivations that the gradient worksheet tanh-output-gradients checks. What a worksheet cannot
// show stays here: the shape the seed gives o_t, and ∂h_30/∂h_0 = Π diag(1 − h_j²) W_H in three
// regimes of σ_max(W_H), each compared with autodiff.

import Autodiff
import GradCheck
import Spectral
import WorkbenchNumerics

public struct TanhRNNOutputLayer: Exercise {
    public let id = "tanh-output"
    public let title = "The shape of o_t, and why ∂h_t/∂h_k vanishes or explodes"
    public let source = Seeds.tanhRNN("'vanishing and exploding gradients': back-propagation")
    public let notation = Notation.tanhOutputLayer

    /// One regime of ∂h_30/∂h_0: σ_max(W_H) and the size of the inputs.
    public struct Regime: Sendable {
        public var name: String
        public var largestSingularValue: Double
        public var inputScale: Double
        public init(name: String, largestSingularValue: Double, inputScale: Double) {
            self.name = name
            self.largestSingularValue = largestSingularValue
            self.inputScale = inputScale
        }
    }

    // Ingredients.
    /// K, the size of the input and of the output o_t (the hidden size H is 4).
    public var outputSize = 3
    /// tanh′ written in the activation h = tanh(z): 1 − h².
    public var tanhDerivative: @Sendable (Double) -> Double = { h in 1 - h * h }
    /// The three regimes: σ_max < 1; σ_max > 1 at the fixed point h = 0 (zero input); σ_max > 1
    /// with large inputs that saturate tanh.
    public var vanishing = Regime(name: "σ_max(W_H) = 0.8, inputs in ±1", largestSingularValue: 0.8, inputScale: 1)
    public var exploding = Regime(
        name: "σ_max(W_H) = 1.5, zero input (h stays at the fixed point 0)", largestSingularValue: 1.5, inputScale: 0)
    public var saturated = Regime(name: "σ_max(W_H) = 1.5, inputs in ±6 (tanh saturates)", largestSingularValue: 1.5, inputScale: 6)
    /// Steps of the regimes.
    public var regimeSteps = 30

    public init() {}

    struct Network {
        var wH: Matrix<Double>  // (H, H)
        var wX: Matrix<Double>  // (H, K)
        var wO: Matrix<Double>  // (K, H)

        /// h_0 … h_T (h_0 = 0).
        func states(_ xs: [Matrix<Double>]) -> [Matrix<Double>] {
            var h = [Matrix<Double>.zeros(wH.rows, 1)]
            for x in xs { h.append((wH * h.last! + wX * x).map { Double.tanh($0) }) }
            return h
        }
    }

    /// ∂h_t/∂h_k = Π_{j=k+1}^{t} diag(tanh′) W_H with tanh′ from the ingredient.
    func stateJacobian(_ net: Network, _ h: [Matrix<Double>], from k: Int, to t: Int) -> Matrix<Double> {
        var j = Matrix<Double>.identity(net.wH.rows)
        for s in stride(from: k + 1, through: t, by: 1) {
            j = Matrix.diagonal(h[s].storage.map(tanhDerivative)) * net.wH * j
        }
        return j
    }

    /// One regime: the product formula and autodiff's ∂h_T/∂h_0, and W_H^T.
    func measure(_ regime: Regime, K: Int, H: Int) -> (
        formula: Matrix<Double>, autodiff: Matrix<Double>, wPower: Matrix<Double>, rho: Double
    ) {
        var r = SeededGenerator(seed: 4040)
        let base = Matrix<Double>.random(H, H, using: &r)
        let wH = base * (regime.largestSingularValue / twoNorm(base))
        let net = Network(wH: wH, wX: .random(H, K, using: &r), wO: .zeros(K, H))
        let inputs = (0..<regimeSteps).map { _ in Matrix<Double>.random(K, 1, using: &r) * regime.inputScale }
        let formula = stateJacobian(net, net.states(inputs), from: 0, to: regimeSteps)
        let tape = Tape<Double>()
        let h0 = tape.variable(.zeros(H, 1))
        var h = h0
        for x in inputs { h = (tape.constant(wH).matmul(h) + tape.constant(net.wX * x)).tanh() }
        let auto = autodiffJacobian(tape, output: h, input: h0)
        return (formula, auto, matrixPowerBySquaring(wH, regimeSteps).power, (try? spectralRadius(wH)) ?? .nan)
    }

    public func run() -> ExerciseReport {
        let (K, H, T) = (outputSize, 4, 6)
        var rng = SeededGenerator(seed: 404)
        let net = Network(wH: .random(H, H, in: -0.7...0.7, using: &rng), wX: .random(H, K, using: &rng), wO: .random(K, H, using: &rng))
        let xs = (0..<T).map { _ in Matrix<Double>.random(K, 1, using: &rng) }
        let h = net.states(xs)
        let o = net.wO * h[T]

        // Vanishing and exploding: ∂h_30/∂h_0 by the product formula and by autodiff.
        let n = regimeSteps
        let v = measure(vanishing, K: K, H: H), e = measure(exploding, K: K, H: H), s = measure(saturated, K: K, H: H)
        let formulaError = [v, e, s].map { relativeDifference($0.formula, $0.autodiff) }.max() ?? .nan
        let norms = [v, e, s].map { twoNorm($0.autodiff) }
        let fixedPointError = relativeDifference(e.autodiff, e.wPower)
        let regimeQuantities = zip([vanishing, exploding, saturated], [v, e, s]).map { regime, m in
            Quantity(
                "\(regime.name): ‖∂h_\(n)/∂h_0‖₂ (autodiff); ρ(W_H) = \(formatScalar(m.rho, digits: 3)), ‖W_H^\(n)‖₂ = \(sci(twoNorm(m.wPower)))",
                scientific: twoNorm(m.autodiff))
        }

        return report(
            summary:
                "K = \(K), H = \(H), T = \(T), h_0 = 0: the shape of o_t = W_O h_t; then ∂h_\(n)/∂h_0 = Π diag(1 − h_j²) W_H computed by the product formula and by autodiff (one backward pass per hidden unit) in three regimes. (The gradients of L_t and the seed's recursion are the worksheet tanh-output-gradients.)",
            quantities: regimeQuantities,
            checks: [
                .that(
                    "o_t = W_O h_t is K × 1, not the H × 1 of the symbol table (K = \(K), H = \(H))", o.rows == K && o.cols == 1 && K != H,
                    "shape \(o.rows)×\(o.cols)"),
                .atMost(
                    "∂h_\(n)/∂h_0: Π diag(1 − h_j²) W_H vs autodiff, worst of the three regimes: relative difference", formulaError, 1e-10),
                .atMost("\(vanishing.name): ‖∂h_\(n)/∂h_0‖₂ by autodiff (vanished)", norms[0], 1e-6),
                .atLeast("\(exploding.name): ‖∂h_\(n)/∂h_0‖₂ by autodiff (exploded)", norms[1], 1e3),
                .atMost("at the fixed point h = 0: ∂h_\(n)/∂h_0 by autodiff vs W_H^\(n): relative difference", fixedPointError, 1e-10),
                .atMost("\(saturated.name): ‖∂h_\(n)/∂h_0‖₂ by autodiff (vanished although σ_max > 1)", norms[2], 1e-3),
            ],
            findings: [
                .erratum(
                    at: "004:36, 39, 67",
                    "The symbol table gives o_t ∈ ℝ^{H×1} with W_O ∈ ℝ^{K×H}, and the text then calls o_t an H × 1 column and W_O an H × K matrix.",
                    "With o_t = W_O h_t and h_t ∈ ℝ^H, the table's W_O ∈ ℝ^{K×H} gives o_t ∈ ℝ^{K×1}; the text's H × K matrix cannot multiply h_t at all unless K = H.",
                    [
                        Quantity("shape of o_t = W_O h_t (K = \(K), H = \(H))", shape: [o.rows, o.cols]),
                        Quantity("shape the table gives o_t", shape: [H, 1]),
                        Quantity("the text's W_O", shape: [H, K]), Quantity("h_t", shape: [H, 1]),
                    ]),
                .completion(
                    at: "004:25, 90",
                    "The seed announces a derivation that shows why gradients vanish or explode, and stops before it: ∂h_t/∂h_{t−1} is never computed and the argument is never made.",
                    "∂h_t/∂h_k = Π_{j=k+1}^{t} diag(1 − h_j²) W_H (checked against autodiff). With σ_max(W_H) < 1 the product decays at least like σ_max^n; at the fixed point h = 0 it is exactly W_H^n and explodes when ρ(W_H) > 1; saturated units (tanh′ ≈ 0) make it vanish even then.",
                    regimeQuantities + [Quantity("rel diff, product formula vs autodiff", scientific: formulaError)]),
            ],
            commands: ["workbench exercise run tanh-output-gradients", "workbench spectral rnn", "workbench lstm lag"])
    }
}
