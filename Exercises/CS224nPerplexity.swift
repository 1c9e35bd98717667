// CS224nPerplexity.swift — seed 002's model section and its first two gradient formulas: the
// perplexity the seed names but leaves empty, and the gradient of a shared weight as a sum of
// per-step contributions.
//
// Notation: the cs224n-style language model of CS224nNetwork.swift, one example (B = 1).
// Dimension letters: V = 7, d = 4, D_h = 3, T = 4. The contributions W_h|_(i) and W_e|_(i) are
// measured exactly by untying: each step gets its own copy of the weight, and autodiff gives
// each copy's gradient; the tied gradient is the gradient of the model as written.

import Autodiff
import Foundation
import GradCheck
import WorkbenchNumerics

public struct CS224nPerplexity: Exercise {
    public let id = "cs224n-perplexity"
    public let title = "Perplexity, and ∂J/∂W_h and ∂J/∂W_e as sums over the steps"
    public let source = Seeds.cs224n("'Neural Network' (loss, perplexity) and the two most important gradients")
    public let notation = Notation.cs224n

    // Ingredients.
    /// J^(t) = sign · Σ_j y_j log ŷ_j: −1 is the cross-entropy; +1 is the sum as line 13 prints it.
    public var lossSign = -1.0
    /// The first step i of Σ_i ∂J^(t)/∂W|_(i) (1: every step that uses the weight).
    public var firstContribution = 1
    /// T.
    public var steps = 4

    public init() {}

    public func run() -> ExerciseReport {
        let (V, d, H, T) = (7, 4, 3, steps)
        let m = LanguageModel.random(vocabulary: V, embedding: d, hidden: H, batch: 1, seed: 224)
        var rng = SeededGenerator(seed: 2240)
        let words = (0...T).map { _ in [rng.int(below: V)] }
        let f = m.forward(words, steps: T)

        // J^(t) for t = 1 … T (J^(t) predicts words[t]), and the two forms of perplexity.
        let losses = (1...T).map { t in lossSign * Double.log(f.yhat[t - 1][words[t][0], 0]) }
        let byLoss = Double.exp(losses.reduce(0, +) / Double(T))
        let probabilities = (1...T).map { f.yhat[$0 - 1][words[$0][0], 0] }
        let byProbability = Double.pow(probabilities.reduce(1, *), -1 / Double(T))
        let withPrintedSign = Double.exp(-losses.reduce(0, +) / Double(T))
        let perplexityError = relativeDifference(byLoss, byProbability)

        // Untied contributions of every step, and the tied gradient, of J^(T).
        let untied = LanguageModelTape(m, words: words, steps: T, untied: true)
        let tied = LanguageModelTape(m, words: words, steps: T, untied: false)
        let first = max(1, firstContribution)
        func sum(_ copies: [Variable<Double>], from i: Int) -> Matrix<Double> {
            var s = Matrix<Double>.zeros(copies[0].rows, copies[0].cols)
            if i <= copies.count { for k in (i - 1)..<copies.count { s += untied.tape.gradient(of: copies[k]) } }
            return s
        }
        let tiedH = tied.tape.gradient(of: tied.recurrentCopies[0]), tiedE = tied.tape.gradient(of: tied.inputCopies[0])
        let sumHError = relativeDifference(sum(untied.recurrentCopies, from: first), tiedH)
        let sumEError = relativeDifference(sum(untied.inputCopies, from: first), tiedE)
        let lastH = untied.tape.gradient(of: untied.recurrentCopies[T - 1]), lastE = untied.tape.gradient(of: untied.inputCopies[T - 1])
        let onlyLastH = relativeDifference(lastH, tiedH), onlyLastE = relativeDifference(lastE, tiedE)
        let contributionNorms = untied.recurrentCopies.map { untied.tape.gradient(of: $0).frobeniusNorm() }

        return report(
            summary:
                "A language model with V = \(V), d = \(d), D_h = \(H), one sequence of T = \(T) steps. Perplexity computed from the losses and from the probabilities; then the gradient of J^(\(T)) with respect to W_h and W_e, tied and untied (one copy per step).",
            quantities: [
                Quantity("J^(t), t = 1…\(T)", value: .matrix(Matrix(row: losses), digits: 6)),
                Quantity("perplexity exp((1/T) Σ_t J^(t))", byLoss, digits: 10),
                Quantity("‖∂J^(\(T))/∂W_h|_(i)‖, i = 1…\(T)", value: .matrix(Matrix(row: contributionNorms), digits: 4)),
            ],
            checks: [
                .atMost("perplexity: exp((1/T) Σ_t J^(t)) vs (Π_t ŷ^(t)[w_{t+1}])^(−1/T): relative difference", perplexityError, 1e-12),
                .atMost("Σ_i ∂J^(t)/∂W_h|_(i) (untied copies) vs ∂J^(t)/∂W_h (tied): relative difference", sumHError, 1e-12),
                .atMost("Σ_i ∂J^(t)/∂W_e|_(i) (untied copies) vs ∂J^(t)/∂W_e (tied): relative difference", sumEError, 1e-12),
                .atLeast("∂J^(t)/∂W_h|_(t) alone (the printed left side) vs ∂J^(t)/∂W_h: relative difference", onlyLastH, 1e-2),
                .atLeast("∂J^(t)/∂W_e|_(t) alone (the printed left side) vs ∂J^(t)/∂W_e: relative difference", onlyLastE, 1e-2),
            ],
            findings: [
                .erratum(
                    at: "002:14–15",
                    "The model section names the perplexity and gives it as P(|).",
                    "The formula is empty: P(|) has neither an event nor a condition. The perplexity of a sequence is (Π_{t=1}^{T} P(w_{t+1} | w_1 … w_t))^{−1/T} = exp((1/T) Σ_t J^(t)). With the sign of line 13 (Σ y ln ŷ, no minus) the exponential of the mean loss is 1/perplexity instead.",
                    [
                        Quantity("exp((1/T) Σ_t J^(t))", byLoss, digits: 10),
                        Quantity("(Π_t ŷ^(t)[w_{t+1}])^(−1/T)", byProbability, digits: 10),
                        Quantity("with the sign of line 13: exp(mean Σ y ln ŷ)", withPrintedSign, digits: 10),
                        Quantity("its product with the perplexity", withPrintedSign * byProbability, digits: 10),
                    ]),
                .erratum(
                    at: "002:21–22, 26–27",
                    "∂J^(t)/∂W_h|_(t) = Σ_{i=0}^{t} ∂J^(t)/∂W_h|_(i), and the same for W_e.",
                    "The seed itself uses |_(t) for the contribution of step t alone (line 102), so the left side must be the whole gradient ∂J^(t)/∂W_h, without |_(t); as printed, the contribution of step t equals the sum of all contributions, itself included. (The sum may start at i = 1: h^(0) is given, so no step 0 uses W_h.)",
                    [
                        Quantity("rel diff, step-t contribution vs whole ∂J/∂W_h", scientific: onlyLastH, digits: 3),
                        Quantity("rel diff, step-t contribution vs whole ∂J/∂W_e", scientific: onlyLastE, digits: 3),
                    ]),
                .completion(
                    at: "002:20–28",
                    "The seed writes the gradient of a shared weight as a sum of per-step contributions but checks it for neither weight.",
                    "Untying W_h and W_e into one copy per step and summing the copies' gradients reproduces the tied gradients exactly.",
                    [
                        Quantity("rel diff, Σ_i W_h contributions vs tied", scientific: sumHError),
                        Quantity("rel diff, Σ_i W_e contributions vs tied", scientific: sumEError),
                    ]),
                .typo(
                    at: "002:8, 10", "h = σ(W_h h^(t−1) + W_e e^(t) + b₁) and ŷ = softmax(U h^(t) + b₂).",
                    "The left sides lack the step superscript the right sides use: h^(t) and ŷ^(t)."),
            ],
            commands: ["workbench exercise run cs224n-shapes"])
    }
}
