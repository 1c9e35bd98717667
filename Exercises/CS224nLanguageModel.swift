// CS224nLanguageModel.swift — the cs224n-style RNN language model of seed 002.
//
//   e^(t) = E x^(t),  h^(t) = σ(W_h h^(t-1) + W_e e^(t) + b₁),  ŷ^(t) = softmax(U h^(t) + b₂)
//   J^(t) = CE(y^(t), ŷ^(t)) = −Σ_j y_j log ŷ_j
//
// Dimension letters: V vocabulary, d embedding, D_h hidden. Vectors are columns here (batch
// B = 1); the seed writes some quantities as rows (numerator-layout Jacobians such as
// δ₁ = (ŷ − y)ᵀ). The seed's shape slips (δ₂ h^(t−1)ᵀ, the shape of γ, the products at lines
// 132, 140 and 148) are shown by the shape exercise, CS224nShapes.swift.
//
// These are derivations: the gradient worksheets cs224n-gradients.grad and
// cs224n-identities.grad are to replace both exercises (docs/coverage.md).
//
// The gradients "at step t" and "at step t−1" of the seed are the contributions of one time
// step to a gradient of a shared weight. Autodiff measures them exactly by untying the weight:
// each step gets its own copy W_h^(i), and ∂J^(t)/∂W_h^(i) is the contribution of step i.

import WorkbenchNumerics
import Autodiff
import GradCheck

/// The seed's gradients at step t and t−1, by hand, against autodiff with untied weights.
public struct CS224nGradients: Exercise {
    public init() {}
    public let id = "cs224n-gradients"
    public let title = "Gradients of an RNN language model at step t and t−1"
    public let source = Seeds.cs224n("'Calc the Derivative': step t and step t−1")
    public let notation = Notation.cs224n

    struct Model {
        var embedding: Matrix<Double>   // E (d, V)
        var recurrent: Matrix<Double>   // W_h (D_h, D_h)
        var input: Matrix<Double>       // W_e (D_h, d)
        var b1: Matrix<Double>          // (D_h, 1)
        var output: Matrix<Double>      // U (V, D_h)
        var b2: Matrix<Double>          // (V, 1)
        var h0: Matrix<Double>          // (D_h, 1)
    }

    public func run() -> ExerciseReport {
        let (V, d, H, T) = (7, 4, 3, 4)
        var rng = SeededGenerator(seed: 224)
        let m = Model(embedding: .random(d, V, using: &rng), recurrent: .random(H, H, in: -0.8...0.8, using: &rng),
                      input: .random(H, d, using: &rng), b1: .random(H, 1, in: -0.2...0.2, using: &rng),
                      output: .random(V, H, using: &rng), b2: .random(V, 1, in: -0.2...0.2, using: &rng),
                      h0: .random(H, 1, in: -0.5...0.5, using: &rng))
        let words = (0..<T).map { _ in rng.int(below: V) }
        let target = rng.int(below: V)

        // Forward by hand, columns; J = J^(T) at the last step t = T.
        var e: [Matrix<Double>] = [], h: [Matrix<Double>] = [m.h0], z: [Matrix<Double>] = []
        for w in words {
            let et = m.embedding.columns(w..<(w + 1))
            let zt = m.recurrent * h.last! + m.input * et + m.b1
            e.append(et); z.append(zt); h.append(zt.map { Double.sigmoid($0) })
        }
        let logits = m.output * h[T] + m.b2
        let mx = logits.maxAbs()
        let ex = logits.map { Double.exp($0 - mx) }
        let yhat = ex / ex.sum()
        var y = Matrix<Double>.zeros(V, 1); y[target, 0] = 1
        let crossEntropy = -Double.log(yhat[target, 0])
        let statedJ = (0..<V).reduce(0.0) { $0 + y[$1, 0] * Double.log(yhat[$1, 0]) }   // Σ y ln ŷ, as written

        // By hand (corrected): δ1 = ŷ − y, δ2 = Uᵀδ1 ⊙ h(1 − h).
        let delta1 = yhat - y
        let sigmaPrime = h[T].map { $0 * (1 - $0) }
        let delta2 = matmul(m.output, .transpose, delta1, .none).hadamard(sigmaPrime)
        let gradU = delta1 * h[T].transposed
        let gradE_t = matmul(m.input, .transpose, delta2, .none)
        let gradWe_t = delta2 * e[T - 1].transposed
        let gradWh_t = delta2 * h[T - 1].transposed
        let gamma = matmul(m.recurrent, .transpose, delta2, .none)                 // ∂J/∂h^(t-1) (D_h, 1)
        let delta2prev = gamma.hadamard(h[T - 1].map { $0 * (1 - $0) })
        let gradE_prev = matmul(m.input, .transpose, delta2prev, .none)
        let gradWe_prev = delta2prev * e[T - 2].transposed
        let gradWh_prev = delta2prev * h[T - 2].transposed

        // Autodiff with untied per-step copies of W_h and W_e and the embeddings as leaves.
        let tape = Tape<Double>()
        let whCopies = (0..<T).map { _ in tape.variable(m.recurrent) }
        let weCopies = (0..<T).map { _ in tape.variable(m.input) }
        let eVars = e.map { tape.variable($0) }
        let u = tape.variable(m.output), b1 = tape.constant(m.b1), b2 = tape.constant(m.b2)
        var hv = tape.constant(m.h0)
        for t in 0..<T { hv = (whCopies[t].matmul(hv) + weCopies[t].matmul(eVars[t]) + b1).sigmoid() }
        let loss = (u.matmul(hv) + b2).transposed().softmaxCrossEntropy(targets: [target])
        tape.backward(loss)
        let autoWh_t = tape.gradient(of: whCopies[T - 1]), autoWh_prev = tape.gradient(of: whCopies[T - 2])
        let autoWe_t = tape.gradient(of: weCopies[T - 1]), autoWe_prev = tape.gradient(of: weCopies[T - 2])
        let autoE_t = tape.gradient(of: eVars[T - 1]), autoE_prev = tape.gradient(of: eVars[T - 2])
        let autoU = tape.gradient(of: u)
        // Tied weights: the total gradient is the sum of the per-step contributions.
        let tiedTape = Tape<Double>()
        let whTied = tiedTape.variable(m.recurrent)
        var ht = tiedTape.constant(m.h0)
        for t in 0..<T { ht = (whTied.matmul(ht) + tiedTape.constant(m.input * e[t]) + tiedTape.constant(m.b1)).sigmoid() }
        tiedTape.backward((tiedTape.constant(m.output).matmul(ht) + tiedTape.constant(m.b2)).transposed().softmaxCrossEntropy(targets: [target]))
        let sumOfContributions = whCopies.map { tape.gradient(of: $0) }.reduce(Matrix<Double>.zeros(H, H), +)

        // σ'(z) as the seed writes it, z ⊙ (1 − z), against the derivative of σ at z.
        let zT = z[T - 1]
        let fdSigma = zT.map { zi in (Double.sigmoid(zi + 1e-6) - Double.sigmoid(zi - 1e-6)) / 2e-6 }
        let wrongSigma = zT.map { $0 * (1 - $0) }

        let pairs: [(String, Matrix<Double>, Matrix<Double>)] = [
            ("∂J/∂U = δ₁ h^(t)ᵀ", gradU, autoU),
            ("∂J/∂e^(t) = W_eᵀ δ₂", gradE_t, autoE_t),
            ("∂J/∂W_e at step t = δ₂ e^(t)ᵀ", gradWe_t, autoWe_t),
            ("∂J/∂W_h at step t = δ₂ h^(t−1)ᵀ", gradWh_t, autoWh_t),
            ("∂J/∂e^(t−1) = W_eᵀ (γ ⊙ σ')", gradE_prev, autoE_prev),
            ("∂J/∂W_e at step t−1 = (γ ⊙ σ') e^(t−1)ᵀ", gradWe_prev, autoWe_prev),
            ("∂J/∂W_h at step t−1 = (γ ⊙ σ') h^(t−2)ᵀ", gradWh_prev, autoWh_prev),
        ]
        var checks = pairs.map { name, hand, auto in ExerciseCheck.atMost("\(name): by hand vs autodiff (untied weights)", relativeDifference(hand, auto), 1e-12) }
        checks.append(.atMost("Σ_i (contribution of step i) = ∂J/∂W_h with tied weights", relativeDifference(sumOfContributions, tiedTape.gradient(of: whTied)), 1e-12))
        checks.append(.atMost("σ'(z) = h ⊙ (1 − h) vs finite differences", relativeDifference(sigmaPrime, fdSigma), 1e-8))

        let findings: [Finding] = [
            .erratum("The loss is written J = CE(y, ŷ) = Σ_j y_j ln ŷ_j.",
                     "The minus sign is missing: Σ y ln ŷ is the log-likelihood, ≤ 0, and minimizing it would push the true word's probability to 0. Cross-entropy is −Σ y ln ŷ. The seed's own δ₁ = ŷ − y is the gradient of the correct −Σ y ln ŷ; the gradient of the sum as written is y − ŷ.",
                     [Quantity("Σ y ln ŷ as written", statedJ, digits: 8), Quantity("cross-entropy −Σ y ln ŷ", crossEntropy, digits: 8)]),
            .erratum("δ₂ uses z ⊗ (1 − z), and later σ'(h^(t−1)) = z^(t−1) ∘ (1 − z^(t−1)).",
                     "The derivative of the sigmoid at z is σ(z)(1 − σ(z)) = h ⊙ (1 − h): it must be written with the activation h, not the pre-activation z (and it is a function of z, not of h).",
                     [Quantity("σ'(z₁) by finite differences", fdSigma[0, 0], digits: 8), Quantity("h₁(1 − h₁)", h[T][0, 0] * (1 - h[T][0, 0]), digits: 8),
                      Quantity("z₁(1 − z₁) as written", wrongSigma[0, 0], digits: 8)]),
            .confirmation("∂J/∂U = δ₁ᵀ h^(t)ᵀ and ∂J/∂e^(t) = δ₂ W_e (a row, transposed back to e's shape).",
                          "Both match autodiff to rounding once written with columns (δ₁ h^(t)ᵀ and W_eᵀ δ₂).",
                          [Quantity("rel diff ∂J/∂U", scientific: relativeDifference(gradU, autoU)), Quantity("rel diff ∂J/∂e^(t)", scientific: relativeDifference(gradE_t, autoE_t))]),
        ]
        return report(
            summary: "A language model with V = 7, d = 4, D_h = 3 and T = 4 steps; J = J^(T). The seed's gradients at steps t and t−1 are computed by hand (corrected) and by autodiff with one copy of each shared weight per step.",
            quantities: [Quantity("J^(t) (cross-entropy)", crossEntropy), Quantity("∂J/∂W_h at step t", matrix: gradWh_t),
                         Quantity("∂J/∂W_h at step t−1", matrix: gradWh_prev)],
            checks: checks, findings: findings)
    }
}

/// The two matrix-calculus identities of seed 002.
public struct CS224nIdentities: Exercise {
    public init() {}
    public let id = "cs224n-identities"
    public let title = "Two matrix-calculus identities in denominator layout"
    public let source = Seeds.cs224n("'Matrix': two important results")
    public let notation = Notation.cs224n

    public func run() -> ExerciseReport {
        var rng = SeededGenerator(seed: 2)
        let a = Matrix<Double>.random(3, 1, using: &rng), b = Matrix<Double>.random(4, 1, using: &rng)
        let x = Matrix<Double>.random(3, 4, using: &rng)       // aᵀ X b: X (3, 4)
        let y = Matrix<Double>.random(4, 3, using: &rng)       // aᵀ Xᵀ b: X (4, 3)
        let fd1 = finiteDifferenceGradients(parameters: [x], epsilon: 1e-4, stencil: .fourthOrder) { ($0[0] * b).dot(a) }[0]
        let fd2 = finiteDifferenceGradients(parameters: [y], epsilon: 1e-4, stencil: .fourthOrder) { ($0[0].transposed * b).dot(a) }[0]
        let claim1 = a * b.transposed, claim2 = b * a.transposed
        let traceForm = (b * a.transposed * x).trace(), scalarForm = (x * b).dot(a)
        return report(
            summary: "Differentiates f(X) = aᵀXb and g(X) = aᵀXᵀb by finite differences and compares with abᵀ and baᵀ.",
            quantities: [Quantity("∂(aᵀXb)/∂X by finite differences", matrix: fd1), Quantity("abᵀ", matrix: claim1)],
            checks: [.atMost("∂(aᵀXb)/∂X = abᵀ", relativeDifference(fd1, claim1), 1e-9),
                     .atMost("∂(aᵀXᵀb)/∂X = baᵀ", relativeDifference(fd2, claim2), 1e-9),
                     .atMost("aᵀXb = tr(b aᵀ X)", relativeDifference(traceForm, scalarForm), 1e-12)],
            findings: [
                .confirmation("∂(aᵀXb)/∂X = abᵀ (the seed says it works in denominator layout; the gradient here has X's shape).",
                              "Finite differences agree to their noise.", [Quantity("rel diff", scientific: relativeDifference(fd1, claim1))]),
                .confirmation("∂(aᵀXᵀb)/∂X = baᵀ.", "Finite differences agree to their noise.", [Quantity("rel diff", scientific: relativeDifference(fd2, claim2))]),
                .erratum("The middle steps write ∂(baᵀX)/∂X and ∂(baᵀXᵀ)/∂X.",
                         "baᵀX is a matrix, not a scalar, so that derivative is not the one meant; the step is the trace identity aᵀXb = tr(baᵀX), whose gradient is (baᵀ)ᵀ = abᵀ.",
                         [Quantity("aᵀXb", scalarForm, digits: 10), Quantity("tr(baᵀX)", traceForm, digits: 10)]),
            ])
    }
}
