// CS224nShapes.swift — the shapes seed 002 states and the shapes its formulas have, with a batch
// of B examples, and the layout convention it describes.
//
// Notation: the cs224n-style language model of CS224nNetwork.swift, columns are examples as in
// the seed's shape list (x [V, B], h [D_h, B], …); the seed's δ₁ and δ₂ are rows ([B, V],
// [B, D_h]), numerator-layout Jacobians. Dimension letters: V = 7, d = 4, D_h = 3, B = 1 and 2.
//
// Two kinds of evidence. Shapes: every printed formula is reduced to a `ShapeExpression` over the
// seed's stated shapes and evaluated for B = 1 and B = 2; a formula whose product does not
// multiply, or whose result has the wrong shape, is shown with the shapes that clash. Numbers:
// with B = 2 the seed's row-layout formulas (and the corrected ones) are compared with autodiff
// of J = J^(t), the contribution of the last step (the earlier steps held fixed).

import Autodiff
import GradCheck
import WorkbenchNumerics

/// A dimension letter of seed 002's shape list.
public enum ShapeLetter: String, Sendable {
    case V, d, Dh, B, one = "1"
}

/// A formula as the seed prints it, the quantity it defines, and the shapes that quantity may
/// have (either orientation where the seed itself transposes, e.g. ∂J/∂e).
public struct PrintedFormula: Sendable {
    public var line: String
    public var quantity: String
    /// The ways the printed text can be read (one, or several where an operator is ambiguous).
    public var readings: [ShapeExpression]
    public var accepts: [[ShapeLetter]]

    public init(line: String, quantity: String, readings: [ShapeExpression], accepts: [[ShapeLetter]]) {
        self.line = line
        self.quantity = quantity
        self.readings = readings
        self.accepts = accepts
    }
}

public struct CS224nShapes: Exercise {
    public let id = "cs224n-shapes"
    public let title = "The shape list, the shapes of the printed formulas, and the layout convention"
    public let source = Seeds.cs224n("shape list, gradients at steps t and t−1, and 'transpose problem'")
    public let notation = Notation.cs224n

    // Ingredients.
    /// The shapes the seed states (lines 39–49, 74–75, 122), plus y (the one-hot target, like
    /// ŷ), σ′ (line 118, element-wise like z) and γ in the column form of line 114.
    public var statedShapes: [String: [ShapeLetter]] = [
        "x": [.V, .B], "E": [.d, .V], "e": [.d, .B], "U": [.V, .Dh], "W_h": [.Dh, .Dh], "W_e": [.Dh, .d], "z": [.Dh, .B],
        "b1": [.Dh, .one], "h": [.Dh, .B], "b2": [.V, .one], "y_hat": [.V, .B], "delta1": [.B, .V], "delta2": [.B, .Dh],
        "y": [.V, .B], "σ′": [.Dh, .B], "γ": [.Dh, .B],
    ]
    /// Equations whose shapes the stated list must satisfy.
    public var definingEquations: [PrintedFormula] = CS224nShapes.seedEquations
    /// Printed formulas with no consistent shape.
    public var printedSlips: [PrintedFormula] = CS224nShapes.seedSlips
    /// σ′ at the pre-activation z with h = σ(z): h(1 − h).
    public var sigmaPrime: @Sendable (_ z: Double, _ h: Double) -> Double = { _, h in h * (1 - h) }
    /// ∂J/∂θ of the cross-entropy, as a column: ŷ − y.
    public var outputError: @Sendable (_ yhat: Matrix<Double>, _ y: Matrix<Double>) -> Matrix<Double> = { $0 - $1 }

    public init() {}

    static let seedEquations: [PrintedFormula] = {
        let s = ShapeExpression.symbol
        return [
            PrintedFormula(line: "002:6", quantity: "e = E x", readings: [.product([s("E"), s("x")])], accepts: [[.d, .B]]),
            PrintedFormula(
                line: "002:58", quantity: "z = W_h h^(t−1) + W_e e + b₁",
                readings: [.sum([.product([s("W_h"), s("h")]), .product([s("W_e"), s("e")]), s("b1")])], accepts: [[.Dh, .B]]),
            PrintedFormula(line: "002:8", quantity: "h = σ(z)", readings: [.function("σ", s("z"))], accepts: [[.Dh, .B]]),
            PrintedFormula(
                line: "002:10", quantity: "ŷ = softmax(U h + b₂)",
                readings: [.function("softmax", .sum([.product([s("U"), s("h")]), s("b2")]))], accepts: [[.V, .B]]),
            PrintedFormula(
                line: "002:63", quantity: "δ₁ = (ŷ − y)ᵀ", readings: [.transpose(.sum([s("y_hat"), s("y")]))], accepts: [[.B, .V]]),
            PrintedFormula(
                line: "002:70 (with ⊙ and a transpose)", quantity: "δ₂ = (δ₁ U) ⊙ (h ⊙ (1 − h))ᵀ",
                readings: [.elementwise(.product([s("delta1"), s("U")]), .transpose(.elementwise(s("h"), .function("1 −", s("h")))))],
                accepts: [[.B, .Dh]]),
            PrintedFormula(
                line: "002:83", quantity: "∂J/∂U = δ₁ᵀ h^(t)ᵀ", readings: [.product([.transpose(s("delta1")), .transpose(s("h"))])],
                accepts: [[.V, .Dh]]),
            PrintedFormula(
                line: "002:90", quantity: "∂J/∂e^(t) = δ₂ W_e", readings: [.product([s("delta2"), s("W_e")])],
                accepts: [[.B, .d], [.d, .B]]),
            PrintedFormula(
                line: "002:98", quantity: "∂J/∂W_e|_(t) = δ₂ᵀ e^(t)ᵀ", readings: [.product([.transpose(s("delta2")), .transpose(s("e"))])],
                accepts: [[.Dh, .d]]),
            PrintedFormula(
                line: "002:113", quantity: "γ = δ₂ ∂z/∂h^(t−1) = δ₂ W_h", readings: [.product([s("delta2"), s("W_h")])],
                accepts: [[.B, .Dh]]),
        ]
    }()

    static let seedSlips: [PrintedFormula] = {
        let s = ShapeExpression.symbol
        let oneMinusZ = ShapeExpression.function("1 −", s("z"))
        return [
            PrintedFormula(
                line: "002:70", quantity: "δ₂ = δ₁ U z ⊗ (1 − z)",
                readings: [
                    .product([s("delta1"), s("U"), .kronecker(s("z"), oneMinusZ)]),
                    .kronecker(.product([s("delta1"), s("U"), s("z")]), oneMinusZ),
                ],
                accepts: [[.B, .Dh]]),
            PrintedFormula(
                line: "002:104", quantity: "∂J/∂W_h|_(t) = δ₂ h^(t−1)ᵀ", readings: [.product([s("delta2"), .transpose(s("h"))])],
                accepts: [[.Dh, .Dh]]),
            PrintedFormula(
                line: "002:114", quantity: "γ = W_hᵀ δ₂", readings: [.product([.transpose(s("W_h")), s("delta2")])],
                accepts: [[.B, .Dh], [.Dh, .B]]),
            PrintedFormula(
                line: "002:122", quantity: "gamma1.shape = [B, V] for γ = δ₂ W_h", readings: [.product([s("delta2"), s("W_h")])],
                accepts: [[.B, .V]]),
            PrintedFormula(
                line: "002:132", quantity: "∂J/∂e^(t−1) = γᵀ σ′ W_e", readings: [.product([.transpose(s("γ")), s("σ′"), s("W_e")])],
                accepts: [[.B, .d], [.d, .B]]),
            PrintedFormula(
                line: "002:140", quantity: "∂J/∂W_e|_(t−1) = γ σ′ e^(t−1)", readings: [.product([s("γ"), s("σ′"), s("e")])],
                accepts: [[.Dh, .d]]),
            PrintedFormula(
                line: "002:148", quantity: "∂J/∂W_h|_(t−1) = γᵀ σ′ h^(t−2)ᵀ",
                readings: [.product([.transpose(s("γ")), s("σ′"), .transpose(s("h"))])], accepts: [[.Dh, .Dh]]),
        ]
    }()

    /// The stated shapes with the letters given values.
    func symbols(batch: Int, V: Int, d: Int, H: Int) -> [String: [Int]] {
        let value: (ShapeLetter) -> Int = { l in
            switch l {
            case .V: return V;
            case .d: return d;
            case .Dh: return H;
            case .B: return batch;
            case .one: return 1
            }
        }
        return statedShapes.mapValues { $0.map(value) }
    }

    /// What a formula gives for B = 1 and B = 2: each reading's shape or clash, whether some
    /// reading gives an accepted shape for both, and the shapes as typed evidence (a reading's
    /// shape, or the two shapes that clash in it).
    func evaluate(_ f: PrintedFormula, V: Int, d: Int, H: Int) -> (consistent: Bool, outcomes: [String], shapes: [Quantity]) {
        var consistentEverywhere = true
        var outcomes: [String] = [], shapes: [Quantity] = []
        for batch in [1, 2] {
            let table = symbols(batch: batch, V: V, d: d, H: H)
            let accepted = f.accepts.map { letters in
                letters.map { l -> Int in
                    switch l {
                    case .V: return V;
                    case .d: return d;
                    case .Dh: return H;
                    case .B: return batch;
                    case .one: return 1
                    }
                }
            }
            var any = false
            for r in f.readings {
                switch r.shape(in: table) {
                case .success(let s):
                    shapes.append(Quantity("B = \(batch): shape of \(r)", shape: s))
                    outcomes.append(
                        "B = \(batch): \(r) is \(show(s))\(accepted.contains(s) ? "" : ", not \(accepted.map(show).joined(separator: " or "))")"
                    )
                    if accepted.contains(s) { any = true }
                case .failure(let e):
                    outcomes.append("B = \(batch): \(e.message)")
                    if let l = e.left, let r = e.right {
                        shapes.append(Quantity("B = \(batch): the left factor that does not fit", shape: l))
                        shapes.append(Quantity("B = \(batch): the right factor", shape: r))
                    }
                }
            }
            if !any { consistentEverywhere = false }
        }
        return (consistentEverywhere, outcomes, shapes)
    }

    public func run() -> ExerciseReport {
        let (V, d, H, B, T) = (7, 4, 3, 2, 3)
        // Shapes.
        let equations = definingEquations.map { ($0, evaluate($0, V: V, d: d, H: H)) }
        let inconsistentEquations = equations.filter { !$0.1.consistent }
        let slips = printedSlips.map { ($0, evaluate($0, V: V, d: d, H: H)) }

        // Numbers, B = 2: the last step with h^(t−1) and e^(t) as leaves.
        let m = LanguageModel.random(vocabulary: V, embedding: d, hidden: H, batch: B, seed: 2002)
        var rng = SeededGenerator(seed: 20020)
        let words = (0...T).map { _ in (0..<B).map { _ in rng.int(below: V) } }
        let f = m.forward(words, steps: T)
        let hPrev = f.h[T - 1], eT = f.e[T - 1], hT = f.h[T], zT = f.z[T - 1]
        let tape = Tape<Double>()
        let wh = tape.variable(m.recurrent), we = tape.variable(m.input), u = tape.variable(m.output)
        let hLeaf = tape.variable(hPrev), eLeaf = tape.variable(eT)
        let hv = (wh.matmul(hLeaf) + we.matmul(eLeaf)).addingColumn(tape.constant(m.b1)).sigmoid()
        let theta = u.matmul(hv).addingColumn(tape.constant(m.b2))
        tape.backward(theta.transposed().softmaxCrossEntropy(targets: words[T], reduction: .sum))
        let autoU = tape.gradient(of: u), autoWe = tape.gradient(of: we), autoWh = tape.gradient(of: wh)
        let autoH = tape.gradient(of: hLeaf), autoE = tape.gradient(of: eLeaf)

        // The seed's rows: δ₁ = (ŷ − y)ᵀ [B, V], δ₂ = (δ₁ U) ⊙ σ′ᵀ [B, D_h].
        let delta1 = outputError(f.yhat[T - 1], m.oneHot(words[T])).transposed
        var sigmaPrimeRows = Matrix<Double>.zeros(B, H)
        for b in 0..<B { for i in 0..<H { sigmaPrimeRows[b, i] = sigmaPrime(zT[i, b], hT[i, b]) } }
        let delta2 = (delta1 * m.output).hadamard(sigmaPrimeRows)
        let gradU = delta1.transposed * hT.transposed  // line 83
        let gradWe = delta2.transposed * eT.transposed  // line 98
        let gradWh = delta2.transposed * hPrev.transposed  // line 104 corrected
        let repairWh = hPrev * delta2  // line 104 made to multiply
        let gamma = delta2 * m.recurrent  // line 113: [B, D_h]
        let gradE = delta2 * m.input  // line 90: [B, d]
        let errU = relativeDifference(gradU, autoU), errWe = relativeDifference(gradWe, autoWe)
        let errWh = relativeDifference(gradWh, autoWh), errRepair = relativeDifference(repairWh, autoWh)
        let errGamma = relativeDifference(gamma.transposed, autoH), errE = relativeDifference(gradE.transposed, autoE)

        // The layout of a Jacobian: y = A x with A (2, 3), entries ∂y_i/∂x_j by finite differences
        // arranged with the numerator's entries down the rows.
        let a = Matrix<Double>([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
        let jacobianAx = jacobian(at: Matrix(column: [0.3, -0.2, 0.9])) { a * $0 }

        var checks: [ExerciseCheck] = [
            .atMost(
                "stated shapes (lines 39–49, 74–75) vs the shapes of their defining equations, B = 1 and 2: equations that disagree",
                Double(inconsistentEquations.count), 0,
                inconsistentEquations.map { "\($0.0.line): \($0.1.outcomes.joined(separator: "; "))" }.joined(separator: " | "))
        ]
        for (formula, outcome) in slips {
            checks.append(
                .that(
                    "line \(formula.line.dropFirst(4)): \(formula.quantity) gives none of the shapes \(formula.accepts.map { "[" + $0.map(\.rawValue).joined(separator: ", ") + "]" }.joined(separator: " or ")) (B = 1, 2)",
                    !outcome.consistent, outcome.outcomes.joined(separator: "; ")))
        }
        checks += [
            .atMost("line 83, B = 2: δ₁ᵀ h^(t)ᵀ vs autodiff ∂J/∂U: relative difference", errU, 1e-12),
            .atMost("line 98, B = 2: δ₂ᵀ e^(t)ᵀ vs autodiff ∂J/∂W_e|_(t): relative difference", errWe, 1e-12),
            .atMost("line 104 corrected, B = 2: δ₂ᵀ h^(t−1)ᵀ vs autodiff ∂J/∂W_h|_(t): relative difference", errWh, 1e-12),
            .atMost("line 113, B = 2: (δ₂ W_h)ᵀ vs autodiff ∂J/∂h^(t−1): relative difference", errGamma, 1e-12),
            .atMost("lines 90 and 93, B = 2: (δ₂ W_e)ᵀ vs autodiff ∂J/∂e^(t), which has e's shape: relative difference", errE, 1e-12),
        ]

        func slip(_ line: String) -> (PrintedFormula, (consistent: Bool, outcomes: [String], shapes: [Quantity]))? {
            slips.first { $0.0.line == line }
        }
        func shapeEvidence(_ line: String) -> [Quantity] {
            guard let (f, o) = slip(line) else { return [] }
            return [Quantity("\(f.quantity), B = 1 and 2", text: o.outcomes.joined(separator: "; "))] + o.shapes
        }
        let sizes = [Quantity("V", integer: V), Quantity("d", integer: d), Quantity("D_h", integer: H)]
        var findings: [Finding] = [
            .confirmation(
                at: "002:39–49, 74–75, 83, 98",
                "The shape list x [V, B], E [d, V], e [d, B], U [V, D_h], W_h [D_h, D_h], W_e [D_h, d], z [D_h, B], b₁ [D_h, 1], h [D_h, B], b₂ [V, 1], ŷ [V, B], with δ₁ [B, V] and δ₂ [B, D_h], and the gradients ∂J/∂U = δ₁ᵀ h^(t)ᵀ and ∂J/∂W_e|_(t) = δ₂ᵀ e^(t)ᵀ.",
                "Every stated shape agrees with the equation that defines it, for B = 1 and B = 2, and with B = 2 the two row-layout gradients match autodiff of the batch loss.",
                [
                    Quantity("equations checked", integer: equations.count),
                    Quantity("equations that disagree", integer: inconsistentEquations.count),
                    Quantity("rel diff ∂J/∂U", scientific: errU), Quantity("rel diff ∂J/∂W_e|_(t)", scientific: errWe),
                ])
        ]
        let slipFindings: [(String, String, String, [Quantity])] = [
            (
                "002:70", "δ₂ = δ₁ ∂θ/∂h ∂h/∂z is written δ₁ U z ⊗ (1 − z).",
                "⊗ is a Kronecker (outer) product, not the element-wise product the seed writes ∘ at line 118; read either way, no reading has δ₂'s shape [B, D_h]. With δ₁ a row, σ′ must also be transposed: δ₂ = (δ₁ U) ⊙ (h ⊙ (1 − h))ᵀ (and with h, not z: the sigmoid's derivative is σ(z)(1 − σ(z))).",
                shapeEvidence("002:70")
            ),
            (
                "002:104", "∂J/∂W_h at step t = δ₂ h^(t−1)ᵀ, with δ₂ of shape [B, D_h].",
                "With δ₂ a row, δ₂ h^(t−1)ᵀ is [B, D_h]·[B, D_h] and does not multiply for any B; it must be δ₂ᵀ h^(t−1)ᵀ, as the seed writes for W_e at line 98. Making it multiply the other way, h^(t−1) δ₂, gives the transpose of the gradient.",
                shapeEvidence("002:104") + [
                    Quantity("rel diff, δ₂ᵀ h^(t−1)ᵀ vs autodiff", scientific: errWh),
                    Quantity("rel diff, h^(t−1) δ₂ vs autodiff", scientific: errRepair, digits: 3),
                ]
            ),
            (
                "002:114", "γ = δ₂ ∂z/∂h^(t−1) = W_hᵀ δ₂.",
                "The middle expression δ₂ W_h is a row [B, D_h]; W_hᵀ δ₂ does not multiply ([D_h, D_h]·[B, D_h]). The chain switches from rows to columns halfway, and lines 132–148 then treat γ as a column. In the row layout γ = δ₂ W_h; as a column, W_hᵀ δ₂ᵀ.",
                shapeEvidence("002:114") + [Quantity("rel diff, (δ₂ W_h)ᵀ vs autodiff ∂J/∂h^(t−1)", scientific: errGamma)]
            ),
            (
                "002:122", "The shape of γ^(t−1) = ∂J/∂h^(t−1) is given as [B, V].",
                "γ has one entry per hidden unit and example: [B, D_h] (autodiff gives ∂J/∂h^(t−1) as [D_h, B]). A [B, V] array cannot hold it.",
                [Quantity("shape of ∂J/∂h^(t−1) by autodiff", shape: [autoH.rows, autoH.cols]), Quantity("shape stated", shape: [B, V])]
                    + sizes
            ),
            (
                "002:132", "∂J/∂e^(t−1) = γᵀ σ′(h^(t−1)) W_e.",
                "With σ′ the element-wise array of line 118, γᵀσ′ is an inner product (one number per pair of examples), so for B = 1 the result is a multiple of W_e, [D_h, d], where ∂J/∂e^(t−1) has d entries; for B = 2 it does not multiply. It is right only as γᵀ diag(σ′) W_e with one example: (γ ⊙ σ′)ᵀ W_e in general.",
                shapeEvidence("002:132")
            ),
            (
                "002:140", "∂J/∂W_e at step t−1 = γ^(t−1) σ′ e^(t−1).",
                "γ [D_h, B] times σ′ [D_h, B] does not multiply for any B; the product with σ′ is element-wise and a transpose is missing: (γ ⊙ σ′) e^(t−1)ᵀ in the column layout, [D_h, d].",
                shapeEvidence("002:140")
            ),
            (
                "002:148", "∂J/∂W_h at step t−1 = γᵀ σ′(h^(t−1)) h^(t−2)ᵀ.",
                "The W_h analogue of line 140: γᵀσ′ is again an inner product, and the result is [B, D_h] (a row for B = 1) where W_h's gradient is [D_h, D_h]. Right: (γ ⊙ σ′) h^(t−2)ᵀ in the column layout.",
                shapeEvidence("002:148")
            ),
        ]
        for (line, claim, finding, evidence) in slipFindings where slip(line).map({ !$0.1.consistent }) ?? false {
            findings.append(.erratum(at: line, claim, finding, evidence))
        }
        findings.append(
            .erratum(
                at: "002:157–158, 93, 159, 165",
                "Denominator layout is described as taking the denominator as a row vector (or the numerator as a column); the next line, meant for numerator layout, names the numerator twice where the second should be the denominator; line 93 says the solution transposes the denominator-layout result ∂J/∂e^(t) = δ₂ W_e to match e's shape.",
                "The definitions are swapped. In numerator layout (the Jacobian) the numerator runs down the rows: ∂(Ax)/∂x = A. In denominator layout the denominator does, and the gradient of a scalar has the shape of the variable. δ₂ W_e is a row [B, d], a numerator-layout result; the denominator-layout gradient ∂J/∂e^(t) already has e's shape [d, B], which is why it had to be transposed. The claim that cs224n uses denominator layout by default (line 159) rests on the swapped definitions.",
                [
                    Quantity("∂(Ax)/∂x by finite differences, numerator down the rows", matrix: jacobianAx, digits: 4),
                    Quantity("shape of δ₂ W_e", shape: [gradE.rows, gradE.cols]),
                    Quantity("shape of ∂J/∂e^(t) by autodiff", shape: [autoE.rows, autoE.cols]),
                    Quantity("rel diff, (δ₂ W_e)ᵀ vs autodiff", scientific: errE),
                ]))
        return report(
            summary:
                "Reduces every formula of the seed's gradient section to its shapes over the seed's shape list (V = \(V), d = \(d), D_h = \(H), B = 1 and 2) and evaluates them; then, with B = \(B), compares the row-layout gradients of the last step with autodiff.",
            quantities: [
                Quantity("∂J/∂h^(t−1) by autodiff, [D_h, B]", matrix: autoH), Quantity("∂J/∂W_h|_(t) by autodiff", matrix: autoWh),
            ],
            checks: checks, findings: findings,
            commands: ["workbench exercise run cs224n-perplexity"])
    }
}
