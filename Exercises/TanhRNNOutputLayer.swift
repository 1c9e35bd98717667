// TanhRNNOutputLayer.swift — the tanh RNN with an output layer of seed 004.
//
//   h_t = tanh(W_H h_{t-1} + W_X x_t),   o_t = W_O h_t,   L_t = f(o_t, y_t),   L = Σ_t L_t
//
// Dimension letters: K input size (and output size), H hidden size, T steps. The seed leaves
// f open; this exercise uses the squared error f(o, y) = ½‖o − y‖². W_H is NNDL's U and W_X
// is NNDL's W.

import WorkbenchNumerics
import Autodiff
import GradCheck
import Spectral

public struct TanhRNNOutputLayer: Exercise {
    public init() {}
    public let id = "tanh-output"
    public let title = "∂L_t/∂W_O, ∂L_t/∂W_H by recursion, ∂L_t/∂W_X, and why gradients vanish or explode"
    public let source = Seeds.tanhRNN("'vanishing and exploding gradients': back-propagation")
    public let notation = Notation.tanhOutputLayer

    struct Network {
        var wH: Matrix<Double>   // (H, H)
        var wX: Matrix<Double>   // (H, K)
        var wO: Matrix<Double>   // (K, H)

        /// h_0 … h_T (h_0 = 0).
        func states(_ xs: [Matrix<Double>]) -> [Matrix<Double>] {
            var h = [Matrix<Double>.zeros(wH.rows, 1)]
            for x in xs { h.append((wH * h.last! + wX * x).map { Double.tanh($0) }) }
            return h
        }

        /// ∂h_t/∂h_k = Π_{j=k+1}^{t} diag(1 − h_j²) W_H.
        func stateJacobian(_ h: [Matrix<Double>], from k: Int, to t: Int) -> Matrix<Double> {
            var j = Matrix<Double>.identity(wH.rows)
            for s in stride(from: k + 1, through: t, by: 1) {
                j = Matrix.diagonal(h[s].storage.map { 1 - $0 * $0 }) * wH * j
            }
            return j
        }
    }

    public func run() -> ExerciseReport {
        let (K, H, T) = (3, 4, 6)
        var rng = SeededGenerator(seed: 404)
        let net = Network(wH: .random(H, H, in: -0.7...0.7, using: &rng), wX: .random(H, K, using: &rng), wO: .random(K, H, using: &rng))
        let xs = (0..<T).map { _ in Matrix<Double>.random(K, 1, using: &rng) }
        let ys = (0..<T).map { _ in Matrix<Double>.random(K, 1, using: &rng) }
        let h = net.states(xs)
        let t = T
        let o = net.wO * h[t]
        let dLdo = o - ys[t - 1]                                   // ∂L_t/∂o_t (K, 1)
        let dLdh = matmul(net.wO, .transpose, dLdo, .none)          // ∂L_t/∂h_t (H, 1)

        // ∂L_t/∂W_O = (o_t − y_t) h_tᵀ.
        let gradO = dLdo * h[t].transposed
        // ∂L_t/∂W_H and ∂L_t/∂W_X by the forward recursion of ∂h_k/∂w_ij:
        //   s_k = diag(1 − h_k²) (∂⁺(W h_{k-1} + …)/∂w_ij + W_H s_{k-1}),  s_0 = 0.
        // `directOnly` keeps only the direct partial at step t (no recursion): the literal
        // reading of the seed's formula, for the erratum.
        func recursion(rows: Int, cols: Int, direct: (Int, Int, Int) -> Double, directOnly: Bool = false) -> Matrix<Double> {
            var g = Matrix<Double>.zeros(rows, cols)
            for i in 0..<rows {
                for j in 0..<cols {
                    var s = Matrix<Double>.zeros(H, 1)
                    for k in 1...t {
                        var e = Matrix<Double>.zeros(H, 1)
                        if !directOnly || k == t { e[i, 0] = direct(k, i, j) }
                        let carried = directOnly ? Matrix<Double>.zeros(H, 1) : net.wH * s
                        s = h[k].map { 1 - $0 * $0 }.hadamard(e + carried)
                    }
                    g[i, j] = dLdh.dot(s)
                }
            }
            return g
        }
        let gradH = recursion(rows: H, cols: H) { k, _, j in h[k - 1][j, 0] }
        let gradX = recursion(rows: H, cols: K) { k, _, j in xs[k - 1][j, 0] }
        let gradHDirectOnly = recursion(rows: H, cols: H, direct: { k, _, j in h[k - 1][j, 0] }, directOnly: true)

        // Autodiff of L_t alone.
        let tape = Tape<Double>()
        let vH = tape.variable(net.wH), vX = tape.variable(net.wX), vO = tape.variable(net.wO)
        var hv = tape.constant(.zeros(H, 1))
        for k in 0..<t { hv = (vH.matmul(hv) + vX.matmul(tape.constant(xs[k]))).tanh() }
        tape.backward(vO.matmul(hv).squaredError(target: ys[t - 1]))
        let autoO = tape.gradient(of: vO), autoH = tape.gradient(of: vH), autoX = tape.gradient(of: vX)

        // Vanishing and exploding: ‖∂h_T/∂h_0‖ against σ_max(W_H)^T and ‖W_H^T‖, three regimes.
        let steps = 30
        func regime(_ name: String, scale: Double, inputScale: Double) -> (Quantity, Double, Double, Double) {
            var r = SeededGenerator(seed: 4040)
            let base = Matrix<Double>.random(H, H, using: &r)
            let wH = base * (scale / twoNorm(base))
            let n = Network(wH: wH, wX: .random(H, K, using: &r), wO: net.wO)
            let inputs = (0..<steps).map { _ in Matrix<Double>.random(K, 1, using: &r) * inputScale }
            let states = n.states(inputs)
            let measured = twoNorm(n.stateJacobian(states, from: 0, to: steps))
            let bound = Double.pow(twoNorm(wH), Double(steps))
            var power = Matrix<Double>.identity(H)
            for _ in 0..<steps { power = wH * power }
            let rho = (try? spectralRadius(wH)) ?? .nan
            return (Quantity(name, "ρ(W_H) = \(formatScalar(rho, digits: 3)); ‖∂h_30/∂h_0‖ = \(sci(measured)), bound σ_max(W_H)^30 = \(sci(bound)), ‖W_H^30‖ = \(sci(twoNorm(power)))"),
                    measured, bound, twoNorm(power))
        }
        let vanishing = regime("σ_max(W_H) = 0.8, inputs in ±1", scale: 0.8, inputScale: 1)
        let exploding = regime("σ_max(W_H) = 1.5, zero input (h stays at the fixed point 0)", scale: 1.5, inputScale: 0)
        let saturated = regime("σ_max(W_H) = 1.5, inputs in ±6 (tanh saturates)", scale: 1.5, inputScale: 6)

        let shapeO = "\(o.rows)×\(o.cols)"
        return report(
            summary: "K = 3, H = 4, T = 6, h_0 = 0, squared-error loss. The gradients of L_6 are computed by the formulas (the W_H and W_X ones by forward recursion over every entry) and by autodiff; then ‖∂h_30/∂h_0‖ = ‖Π diag(1 − h_j²) W_H‖ is measured in three regimes.",
            quantities: [Quantity("∂L_t/∂W_O = (o_t − y_t) h_tᵀ", matrix: gradO), Quantity("∂L_t/∂W_H by recursion", matrix: gradH),
                         vanishing.0, exploding.0, saturated.0],
            checks: [.atMost("∂L_t/∂W_O vs autodiff", relativeDifference(gradO, autoO), 1e-12),
                     .atMost("∂L_t/∂W_H by recursion vs autodiff", relativeDifference(gradH, autoH), 1e-12),
                     .atMost("∂L_t/∂W_X by recursion vs autodiff", relativeDifference(gradX, autoX), 1e-12),
                     .that("vanishing: ‖∂h_30/∂h_0‖ ≤ σ_max(W_H)^30 < 1e-2", vanishing.1 <= vanishing.2 && vanishing.2 < 1e-2),
                     .that("exploding at the fixed point: ‖∂h_30/∂h_0‖ = ‖W_H^30‖ > 1e3", exploding.1 > 1e3 && abs(exploding.1 - exploding.3) <= 1e-9 * exploding.3),
                     .that("saturation: σ_max > 1 and still ‖∂h_30/∂h_0‖ < 1e-3", saturated.1 < 1e-3)],
            findings: [
                .erratum("The symbol table gives o_t ∈ ℝ^{H×1} with W_O ∈ ℝ^{K×H}, and the text then calls W_O an H × K matrix.",
                         "With o_t = W_O h_t and h_t ∈ ℝ^H, W_O ∈ ℝ^{K×H} gives o_t ∈ ℝ^{K×1}; the table's o_t and the text's W_O contradict each other and the model.",
                         [Quantity("shape of o_t (K = 3, H = 4)", shapeO), Quantity("shape of ∂L_t/∂W_O", "\(gradO.rows)×\(gradO.cols)")]),
                .erratum("The recursion is written ∂h_t/∂W_H = ∂h_t/∂W_H + ∂h_t/∂h_{t−1} · ∂h_{t−1}/∂W_H.",
                         "The same symbol stands for the total derivative on the left and the direct partial (h_{t−1} held fixed) on the right; read literally the extra terms would have to vanish. With ∂⁺ for the direct partial the recursion is right, and the difference is large.",
                         [Quantity("rel diff, direct partial only vs total ∂L_t/∂W_H", sci(relativeDifference(gradHDirectOnly, gradH))),
                          Quantity("rel diff, recursion vs autodiff", sci(relativeDifference(gradH, autoH)))]),
                .confirmation("The gradient through time is a product of Jacobians ∂h_j/∂h_{j−1} = diag(tanh′) W_H, which is why it vanishes or explodes (the seed stops before finishing this argument).",
                              "Measured: with σ_max(W_H) < 1 the product decays at least like σ_max^n; at the fixed point h = 0 it is exactly W_H^n and explodes when the spectral radius exceeds 1; saturated units (tanh′ ≈ 0) make it vanish even then.",
                              [vanishing.0, exploding.0, saturated.0]),
            ],
            commands: ["workbench spectral rnn", "workbench lstm lag"])
    }
}
