// LSTMJacobian.swift — the cell-state Jacobians ∂C_t/∂C_k of one LSTM layer, through every
// path, by forward-mode (tangent) propagation.
//
// Dimension letters: T steps, H hidden units, D inputs; one sequence (batch row 0).
// Notation: PyTorch's gates (i, f, g, o) = the homework's (i_t, f_t, C̃_t, o_t); C_t = c_t.
// Time: C_0 is the initial cell state, C_t the state after reading x_t (t = 1 … T).
//
// What "all paths" means: perturb C_k by δ. Then h_k = o_k ⊙ tanh(C_k) moves too (for k ≥ 1;
// the initial h_0 is an independent input and does not), and from step k+1 on the gates
// read the moved h. Tangents (Ċ, ḣ), each (H, H) — column m is the derivative with respect
// to C_k[m] — start at Ċ_k = I, ḣ_k = diag(o_k ⊙ (1 − tanh²C_k)) and follow
//
//     ż   = W_hh ḣ_{t−1}                                (4H, H)                         (J1)
//     i̇ = i(1−i) ż_i,  ḟ = f(1−f) ż_f,  ġ = (1−g²) ż_g,  ȯ = o(1−o) ż_o              (J2)
//     Ċ_t = f ⊙ Ċ_{t−1} + C_{t−1} ⊙ ḟ + i ⊙ ġ + g ⊙ i̇                                 (J3)
//     ḣ_t = o ⊙ (1 − tanh²C_t) ⊙ Ċ_t + tanh(C_t) ⊙ ȯ                                   (J4)
//
// (a ⊙ M scales row j of M by a_j.) The homework's simplification keeps only the first term
// of (J3): ∂C_t/∂C_k ≈ Π_{j=k+1}^t diag(f_j). This is the same total derivative that the
// backward pass accumulates in ∂L/∂c_t (B1), which the tests use to cross-check.
// Leaves out: multi-layer Jacobians (the experiments use one layer).

import WorkbenchNumerics

/// ∂C_t/∂C_k for every 0 ≤ k ≤ t ≤ T of one LSTM layer, and the forget-gate products.
public struct LSTMCellStateJacobians<Scalar: RealScalar>: Sendable {
    /// `full[t][k]` = ∂C_t/∂C_k through all paths: (H, H), for k in 0...t.
    public var full: [[Matrix<Scalar>]]
    /// `forgetProducts[t][k]` = the diagonal of Π_{j=k+1}^t diag(f_j): H values (ones for k = t).
    public var forgetProducts: [[[Scalar]]]
    /// The forward pass the Jacobians were taken along (one cache per step, t = 1 … T).
    public var caches: [LSTMStepCache<Scalar>]

    /// T.
    public var steps: Int { caches.count }
}

/// Computes ∂C_t/∂C_k for all k ≤ t by (J1)–(J4) along the forward pass of `inputs`.
///
/// - Parameters:
///   - p: the layer.
///   - inputs: x_1 … x_T, each (1, D) (only row 0 is used if B > 1).
///   - h0: the initial hidden state, (1, H).
///   - c0: the initial cell state, (1, H).
///   - override: forced gates (a forced gate has zero tangent).
public func lstmCellStateJacobians<Scalar: RealScalar>(
    _ p: LSTMLayerParameters<Scalar>, inputs: [Matrix<Scalar>], h0: Matrix<Scalar>, c0: Matrix<Scalar>,
    override: LSTMGateOverride = .none
) -> LSTMCellStateJacobians<Scalar> {
    let hs = p.hiddenSize
    var caches: [LSTMStepCache<Scalar>] = []
    var h = h0.rows(0..<1), c = c0.rows(0..<1)
    for x in inputs {
        let step = lstmStepForward(p, x: x.rows(0..<1), h: h, c: c, override: override)
        h = step.h
        c = step.c
        caches.append(step.cache)
    }
    let steps = inputs.count
    var full: [[Matrix<Scalar>]] = (0...steps).map { t in Array(repeating: Matrix(rows: 0, cols: 0), count: t + 1) }
    var products: [[[Scalar]]] = (0...steps).map { t in Array(repeating: [], count: t + 1) }
    let forcedI = override.input != nil, forcedF = override.forget != nil
    let forcedG = override.candidate != nil, forcedO = override.output != nil

    for k in 0...steps {
        var dC = Matrix<Scalar>.identity(hs)
        var dH = Matrix<Scalar>.zeros(hs, hs)
        if k >= 1 {
            // h_k = o_k ⊙ tanh(C_k) moves with C_k.
            let cache = caches[k - 1]
            for j in 0..<hs {
                let tc = cache.tanhCell.storage[j]
                dH[j, j] = cache.outputGate.storage[j] * (1 - tc * tc)
            }
        }
        full[k][k] = dC
        products[k][k] = Array(repeating: 1, count: hs)
        var product = [Scalar](repeating: 1, count: hs)
        for t in (k + 1)..<(steps + 1) {
            let cache = caches[t - 1]
            let dZ = matmul(p.weightHH, .none, dH, .none)  // (J1) (4H, H)
            var newC = Matrix<Scalar>.zeros(hs, hs), newH = Matrix<Scalar>.zeros(hs, hs)
            for j in 0..<hs {
                let i = cache.inputGate.storage[j], f = cache.forgetGate.storage[j]
                let g = cache.candidate.storage[j], o = cache.outputGate.storage[j]
                let tc = cache.tanhCell.storage[j], cPrev = cache.previousCell.storage[j]
                for m in 0..<hs {
                    // (J2)
                    let di = forcedI ? 0 : i * (1 - i) * dZ[j, m]
                    let df = forcedF ? 0 : f * (1 - f) * dZ[hs + j, m]
                    let dg = forcedG ? 0 : (1 - g * g) * dZ[2 * hs + j, m]
                    let dO = forcedO ? 0 : o * (1 - o) * dZ[3 * hs + j, m]
                    // (J3)
                    let dc = f * dC[j, m] + cPrev * df + i * dg + g * di
                    newC[j, m] = dc
                    // (J4)
                    newH[j, m] = o * (1 - tc * tc) * dc + tc * dO
                }
                product[j] *= f
            }
            dC = newC
            dH = newH
            full[t][k] = dC
            products[t][k] = product
        }
    }
    return LSTMCellStateJacobians(full: full, forgetProducts: products, caches: caches)
}
