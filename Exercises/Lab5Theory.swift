// Lab5Theory.swift — Lab 5 theory questions 1 and 2 (seeds 000/001), NNDL notation.
//
// Question 1 asks for (6.40) ∂L/∂W = Σ_t Σ_{k≤t} δ_{t,k} x_kᵀ and (6.41) ∂L/∂b = Σ_t Σ_{k≤t} δ_{t,k}.
// Question 2 asks to verify that in (6.31) the direct partial ∂⁺z_k/∂u_ij, summed over k, gives
// the same gradient as differentiating recursively through h_{k-1}.

import WorkbenchNumerics
import GradCheck
import Recurrent

/// Lab 5, theory question 1: formulas (6.40) and (6.41).
public struct Lab5Formulas640And641: Exercise {
    public init() {}
    public let id = "lab5-t1"
    public let title = "Derive ∂L/∂W (6.40) and ∂L/∂b (6.41) of a vanilla RNN"
    public let source = Seeds.lab5("theory question 1")
    public let notation = Notation.nndl

    public func run() -> ExerciseReport {
        var checks: [ExerciseCheck] = []
        var worstExact = 0.0, worstFD = 0.0
        for activation in Activation.allCases {
            for steps in [1, 5, 20] {
                let config = RNNCheckConfiguration(activation: activation, loss: .softmax, steps: steps, seed: 40 + UInt64(steps))
                let (model, sequence) = config.makeProblem()
                for parameter in [VanillaRNN.SummedParameter.inputWeight, .bias] {
                    let r = model.formulaSum(sequence, parameter: parameter, configuration: config)
                    worstExact = max(worstExact, r.doubleSumVsAutodiff.maxRelativeError)
                    worstFD = max(worstFD, r.doubleSumVsFiniteDifferences.maxRelativeError)
                }
            }
        }
        checks.append(.atMost("(6.40) and (6.41): double sum vs autodiff, 4 activations, T ∈ {1, 5, 20}", worstExact, 1e-10))
        checks.append(.atMost("(6.40) and (6.41): double sum vs finite differences", worstFD, 1e-6))

        // The derivation's steps, read literally.
        let config = RNNCheckConfiguration(activation: .tanh, loss: .squared, steps: 6, seed: 41)
        let (model, sequence) = config.makeProblem()
        let full = model.textbookGradients(sequence)
        let truncated = model.textbookGradients(sequence, truncated: true)
        let literalError = relativeDifference(truncated.inputWeight, full.inputWeight)
        checks.append(.that("keeping only k = t is measurably wrong", literalError > 1e-2, "relative difference \(sci(literalError))"))

        // ∂z_k/∂W as x_kᵀ is the direct partial: the total derivative of z_T also flows through h_{T-1}.
        let (i, j) = (0, 1)
        let fwd = model.forward(sequence)
        let directNorm = abs(sequence.inputs[config.steps - 1][j, 0])
        var perturbed = model
        perturbed.inputWeight[i, j] += 1e-6
        let dz = (perturbed.forward(sequence).z[config.steps] - fwd.z[config.steps]) / 1e-6
        var direct = Matrix<Double>.zeros(config.hidden, 1)
        direct[i, 0] = sequence.inputs[config.steps - 1][j, 0]
        let indirect = (dz - direct).frobeniusNorm()
        checks.append(.that("the total derivative of z_T differs from its direct partial", indirect > 1e-3, "‖dz_T/dw_ij − ∂⁺z_T/∂w_ij‖ = \(sci(indirect))"))

        let findings: [Finding] = [
            .confirmation(
                "The formulas the question asks for, (6.40) ∂L/∂W = Σ_t Σ_{k=1}^{t} δ_{t,k} x_kᵀ and (6.41) ∂L/∂b = Σ_t Σ_{k=1}^{t} δ_{t,k}, hold (the solution states them; its derivation of (6.41) is only 'likewise').",
                "The explicit double sums agree with reverse-mode autodiff to rounding and with finite differences to their noise, for tanh, sigmoid, relu and identity, T = 1, 5, 20.",
                [Quantity("max rel diff, double sum vs autodiff", scientific: worstExact), Quantity("max rel diff, double sum vs finite differences", scientific: worstFD)]),
            .erratum(
                "The derivation writes ∂L/∂W = Σ_t ∂L_t/∂z_k · ∂z_k/∂W with k unbound, then replaces the sum over t by a sum over k.",
                "L_t depends on W through every z_k with k ≤ t, so the chain rule needs both sums: Σ_t Σ_{k≤t}. Read with k = t (one z per loss), the first line is truncated BPTT, which is wrong by tens of percent.",
                [Quantity("rel diff of ∂L/∂W with only k = t (tanh, T = 6)", scientific: literalError)]),
            .erratum(
                "It uses ∂z_k/∂W = x_kᵀ as if it were the whole derivative.",
                "x_kᵀ is the direct partial ∂⁺z_k/∂W (h_{k-1} held fixed); the total derivative of z_k also flows through h_{k-1}, and the double sum exists precisely to collect those paths through the δ_{t,k}.",
                [Quantity("‖∂⁺z_T/∂w_12‖ = |x_T,2|", directNorm), Quantity("‖dz_T/dw_12 − ∂⁺z_T/∂w_12‖ (finite differences)", indirect)]),
        ]
        return report(
            summary: "Computes ∂L/∂W and ∂L/∂b by the double sums over the error terms δ_{t,k} = ∂L_t/∂z_k and compares them with autodiff and finite differences.",
            quantities: [Quantity("∂L/∂W by (6.40), tanh, T = 6", matrix: full.inputWeight), Quantity("∂L/∂b by (6.41)", matrix: full.bias.transposed)],
            checks: checks, findings: findings,
            commands: ["workbench check formula 6.40 --steps 6", "workbench check formula 6.41 --steps 6 --delta 6,2", "workbench check rnn --steps 6"])
    }
}

/// Lab 5, theory question 2: formula (6.31), direct partials against recursion.
public struct Lab5Formula631: Exercise {
    public init() {}
    public let id = "lab5-t2"
    public let title = "Verify (6.31): direct partials summed over k equal differentiating through h_{k-1}"
    public let source = Seeds.lab5("theory question 2")
    public let notation = Notation.nndl

    public func run() -> ExerciseReport {
        let config = RNNCheckConfiguration(activation: .tanh, loss: .softmax, steps: 8, hidden: 4, seed: 31)
        let (model, sequence) = config.makeProblem()
        var worstExact = 0.0, worstFD = 0.0
        for i in 0..<config.hidden {
            for j in 0..<config.hidden {
                let r = model.formula631(sequence, i: i, j: j)
                worstExact = max(worstExact, r.maxRelativeDifference)
                worstFD = max(worstFD, r.maxFiniteDifferenceError)
            }
        }
        // The solution's expansion, literally: every term ends in ∂z_1/∂u_ij, so each of the t
        // terms collapses to ∂L_t/∂z_1 · ∂⁺z_1/∂u_ij = δ_{t,1}[i] h_{0,j}.
        let (i, j) = (0, 1)
        let r = model.formula631(sequence, i: i, j: j)
        let T = config.steps
        let fwd = model.forward(sequence)
        let terms = model.errorTerms(fwd)
        let literal = Double(T) * terms[T, 1][i, 0] * fwd.h[0][j, 0]
        let truth = r.steps[T - 1].forwardRecursion
        return report(
            summary: "For every entry u_ij of U and every step t, compares Σ_k (∂⁺z_k/∂u_ij)ᵀ δ_{t,k} with forward recursion (real-time recurrent learning) dz_k/du_ij = ∂⁺z_k/∂u_ij + U diag(f'(z_{k-1})) dz_{k-1}/du_ij and with finite differences.",
            quantities: [Quantity("∂L_T/∂u_12 by (6.31), T = 8", r.steps[T - 1].directPartialSum, digits: 12),
                         Quantity("∂L_T/∂u_12 by forward recursion", truth, digits: 12),
                         Quantity("∂L_T/∂u_12 by finite differences", r.steps[T - 1].finiteDifference, digits: 7)],
            checks: [.atMost("(6.31) vs forward recursion, all u_ij, t = 1…8", worstExact, 1e-10),
                     .atMost("(6.31) vs finite differences", worstFD, 1e-6),
                     .that("the literal reading of the solution's expansion is wrong", relativeDifference(literal, truth) > 1e-2)],
            findings: [
                .completion(
                    "The solution asserts, without computing anything, that summing the direct partials ∂⁺z_k/∂u_ij against δ_{t,k} gives the same gradient as differentiating recursively through h_{k-1}.",
                    "True to rounding for all 16 entries of U and every t: forward recursion and the sum of direct partials agree.",
                    [Quantity("max rel diff over i, j, t", scientific: worstExact)]),
                .erratum(
                    "The solution's final expansion writes each term as ∂L_t/∂z_k · ∂z_k/∂h_{k-1} ⋯ ∂z_1/∂u_ij, a chain that always ends at step 1.",
                    "Taken literally every term collapses to ∂L_t/∂z_1 · ∂⁺z_1/∂u_ij, and the sum is t times the k = 1 term. Each term k must end in its own direct partial ∂⁺z_k/∂u_ij (entry i = h_{k-1,j}); the product of Jacobians belongs inside δ_{t,k}.",
                    [Quantity("literal reading, t = T = 8", literal, digits: 10), Quantity("true ∂L_8/∂u_12", truth, digits: 10)]),
            ],
            commands: ["workbench check formula 6.31 --i 1 --j 2 --steps 8 --loss softmax --seed 31"])
    }
}
