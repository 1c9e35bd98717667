// MutationTests.swift — every exercise stops verifying when it is handed a wrong ingredient, and
// every one of its checks fails under at least one such mutation (a check that no wrong
// ingredient can turn would be a check that cannot fail).
//
// The ingredients go through the exercise's own code path: a transposed layout, the identity in
// place of a rotation, a truncated sum, a derivative written in the wrong variable, a gate that
// ignores its forcing, a printed number typed correctly, …
//
// The worksheet exercises (ExerciseCatalog.worksheetExercises) get theirs in
// WorksheetExerciseTests.swift: every seed claim flipped to the correct one, every correct claim
// corrupted, every expected diagnosis changed — each turns the verdict.

import Foundation
import PoemEngine
import Poetry
import Recurrent
import Spectral
import WorkbenchNumerics
import XCTest

@testable import Exercises

/// A named wrong ingredient, applied to an exercise.
struct Mutation {
    let name: String
    let exercise: any Exercise
}

/// The same LSTM step with every gate's activation chosen by the caller (a wrong step when a
/// sigmoid gate gets tanh, or the tanh candidate gets a sigmoid).
func lstmStep(gate: @escaping @Sendable (Double) -> Double, candidate: @escaping @Sendable (Double) -> Double) -> LSTMStepFunction {
    { p, x, h, c, _ in
        let hs = p.hiddenSize
        let z = x * p.weightIH.transposed + h * p.weightHH.transposed + p.biasIH + p.biasHH
        func block(_ k: Int, _ f: (Double) -> Double) -> Matrix<Double> {
            Matrix(rows: 1, cols: hs, storage: (0..<hs).map { f(z[0, k * hs + $0]) })
        }
        let i = block(0, gate), f = block(1, gate), g = block(2, candidate), o = block(3, gate)
        let cNew = f.hadamard(c) + i.hadamard(g)
        return LSTMStepValues(h: o.hadamard(cNew.map { Foundation.tanh($0) }), c: cNew, input: i, forget: f, candidate: g, output: o)
    }
}

let sigmoid: @Sendable (Double) -> Double = { 1 / (1 + Foundation.exp(-$0)) }

/// The mutations of every mutation-tested exercise, by id.
let mutations: [String: [Mutation]] = {
    var table: [String: [Mutation]] = [:]
    func add<E: Exercise>(_ base: E, _ name: String, _ change: (inout E) -> Void) {
        var e = base
        change(&e)
        table[base.id, default: []].append(Mutation(name: name, exercise: e))
    }

    var lab5 = Lab5PoemModel()
    lab5.corpusCandidates = []  // fast, and the same checks with or without the corpus
    add(lab5, "fc.weight transposed in the workbench's layout") { e in
        e.layout = { c in
            ParameterLayout(config: c).slices.map { ($0.name, $0.name == "fc.weight" ? Array($0.shape.reversed()) : $0.shape) }
        }
    }
    add(lab5, "initial state 0.1 instead of zeros") { $0.initialState = 0.1 }
    add(lab5, "out.view(-1, H) rows time-major (t·B + b)") { $0.flattenedRow = { b, t, batch, _ in t * batch + b } }
    add(lab5, "out[0] at test time instead of out[-1]") { $0.testRow = { _ in 0 } }
    add(lab5, "vocabulary ties broken by code point, not first occurrence") { e in
        e.vocabularyOrder = { poems in
            let v = Vocabulary(poems: poems)
            return zip(v.characters, v.counts).sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
        }
    }

    let perplexity = CS224nPerplexity()
    add(perplexity, "the loss with line 13's sign (Σ y ln ŷ)") { $0.lossSign = 1 }
    add(perplexity, "a truncated sum Σ_{i=2}^{t}") { $0.firstContribution = 2 }
    add(perplexity, "one step only (T = 1)") { $0.steps = 1 }

    let shapes = CS224nShapes()
    add(shapes, "W_e stated as [d, D_h]") { $0.statedShapes["W_e"] = [.d, .Dh] }
    add(shapes, "every printed slip replaced by its correction") { e in
        let s = ShapeExpression.symbol
        let gammaSigma = ShapeExpression.elementwise(s("γ"), s("σ′"))
        let fixes: [String: [ShapeExpression]] = [
            "002:70": [.elementwise(.product([s("delta1"), s("U")]), .transpose(.elementwise(s("h"), .function("1 −", s("h")))))],
            "002:104": [.product([.transpose(s("delta2")), .transpose(s("h"))])],
            "002:114": [.product([s("delta2"), s("W_h")])],
            "002:132": [.product([.transpose(gammaSigma), s("W_e")])],
            "002:140": [.product([gammaSigma, .transpose(s("e"))])],
            "002:148": [.product([gammaSigma, .transpose(s("h"))])],
        ]
        e.printedSlips = e.printedSlips.map { f in
            var f = f
            if let fix = fixes[f.line] { f.readings = fix }
            if f.line == "002:122" { f.accepts = [[.B, .Dh]] }
            return f
        }
    }
    add(shapes, "σ′ written z(1 − z)") { $0.sigmaPrime = { z, _ in z * (1 - z) } }
    add(shapes, "∂J/∂θ with the wrong sign, y − ŷ") { $0.outputError = { yhat, y in y - yhat } }

    let exploding = CS224nExploding()
    add(exploding, "σ′ written h instead of h(1 − h)") { $0.sigmoidDerivative = { $0 } }
    add(exploding, "the small case given σ_max = 12") { $0.smallScale = 12 }
    add(exploding, "the middle case given σ_max = 12") { $0.middleScale = 12 }
    add(exploding, "the large case given σ_max = 2") { $0.largeScale = 2 }
    add(exploding, "no bias holding h at ½") { $0.biasAtFixedPoint = false }

    let products = Homework5Expansion()
    add(products, "σ′ written z(1 − z)") { $0.stepJacobian = { z, w in Matrix.diagonal(z.storage.map { $0 * (1 - $0) }) * w } }
    add(products, "the step Jacobian transposed, Wᵀ diag(σ′)") { e in
        e.stepJacobian = { z, w in w.transposed * Matrix.diagonal(z.storage.map { sigmoid($0) * (1 - sigmoid($0)) }) }
    }
    add(products, "a square input weight (d = n): the n × d of (10) would be right") { e in
        var rng = SeededGenerator(seed: 5)
        e.inputWeight = Matrix<Double>.random(3, 3, using: &rng)
        e.inputs = e.inputs.map { _ in Matrix<Double>.randomNormal(3, 1, using: &rng) }
    }

    let induction = Homework5PowerByEigenDecomposition()
    add(induction, "Q Λⁿ⁻¹ Q⁻¹ for Mⁿ") { $0.powerByEigen = { d, n in matrixPowerByEigen(d, n - 1)?.power } }
    add(induction, "a diagonalisable matrix in place of the Jordan block") { $0.defectiveMatrix = Matrix([[1, 1], [0, 2]]) }

    let powers = Homework5Powers()
    func replacing(_ names: Set<String>, by m: Matrix<Double>?) -> [RegimeInput] {
        RegimeInput.builtIn().compactMap { c in
            guard names.contains(c.name) else { return c }
            guard let m else { return nil }
            var c = c
            c.matrix = m
            return c
        }
    }
    add(powers, "stated eigenvalues 0.9 and 0.5") { $0.statedEigenvalues = [0.9, 0.5] }
    add(powers, "a truncated power (n − 1 factors)") { $0.power = { w, n in matrixPowerBySquaring(w, n - 1).power } }
    add(powers, "the statement's Q typed with 0.6") { $0.statementQ = [[-0.6, -0.8], [-0.8, 0.6]] }
    add(powers, "the printed W³⁰ typed as the correctly rounded one") {
        $0.printedPower = [["0.015261", "0.020348"], ["0.020348", "0.027130"]]
    }
    add(powers, "a power that ignores n") { $0.power = { w, _ in w } }
    add(powers, "the non-normal case replaced by diag(0.9, 0.8)") {
        $0.regimeCases = replacing(["non-normal, |λ| < 1"], by: Matrix([[0.9, 0], [0, 0.8]]))
    }
    add(powers, "no case with every |λ| > 1") { $0.regimeCases = replacing(["every |λ| > 1"], by: nil) }
    add(powers, "the identity for the case with one |λ| > 1") { $0.regimeCases = replacing(["one |λ| > 1"], by: .identity(2)) }
    add(powers, "the identity for the rotation, the reflection and the Jordan block") {
        $0.regimeCases = replacing(["rotation by 0.5 rad", "reflection", "Jordan block"], by: .identity(2))
    }

    let gates = Homework5Gates()
    add(gates, "a step that ignores a forced forget gate") {
        $0.step = { p, x, h, c, o in
            var o = o; o.forget = nil; return pytorchLSTMStep(p, x, h, c, o)
        }
    }
    add(gates, "a step that ignores a forced input gate") {
        $0.step = { p, x, h, c, o in
            var o = o; o.input = nil; return pytorchLSTMStep(p, x, h, c, o)
        }
    }
    add(gates, "a step that ignores x_t") { e in
        e.step = { p, x, h, c, o in
            var q = p; q.weightIH = .zeros(p.weightIH.rows, p.weightIH.cols); return pytorchLSTMStep(q, x, h, c, o)
        }
    }
    add(gates, "a step that ignores a forced output gate") {
        $0.step = { p, x, h, c, o in
            var o = o; o.output = nil; return pytorchLSTMStep(p, x, h, c, o)
        }
    }

    let positivity = Homework5Positivity()
    add(positivity, "tanh for the gates i, f, o") { $0.step = lstmStep(gate: { Foundation.tanh($0) }, candidate: { Foundation.tanh($0) }) }
    add(positivity, "a sigmoid candidate and a non-negative C_0") { e in
        e.step = lstmStep(gate: sigmoid, candidate: sigmoid)
        e.initialCellRange = 0...1
    }

    let cell = Homework5CellState()
    add(cell, "f forced to 0.9 instead of 1") { $0.forcedForget = 0.9 }
    add(cell, "∂C_t/∂C_k as the forget-gate product only") { e in
        e.cellJacobians = { p, xs, h0, c0, o in
            let j = lstmCellStateJacobians(p, inputs: xs, h0: h0, c0: c0, override: o)
            return j.forgetProducts.map { row in row.map { Matrix.diagonal($0) } }
        }
    }
    add(cell, "weights zero: constant gates") { e in
        e.layer.weightIH = .zeros(e.layer.weightIH.rows, e.layer.weightIH.cols)
        e.layer.weightHH = .zeros(e.layer.weightHH.rows, e.layer.weightHH.cols)
    }

    let tanhOutput = TanhRNNOutputLayer()
    add(tanhOutput, "K = H: the symbol table's o_t ∈ ℝ^{H×1} would be right") { $0.outputSize = 4 }
    add(tanhOutput, "tanh′ written 1 − h") { $0.tanhDerivative = { 1 - $0 } }
    add(tanhOutput, "the vanishing case given the exploding case's settings") { $0.vanishing = $0.exploding }
    add(tanhOutput, "the exploding case given σ_max = 0.8") { $0.exploding.largestSingularValue = 0.8 }
    add(tanhOutput, "the fixed-point case given inputs") { $0.exploding.inputScale = 1 }
    add(tanhOutput, "the saturated case given zero input") { $0.saturated.inputScale = 0 }

    let sequence = TanhRNNSequence()
    add(sequence, "the bias-free model of lines 48–49") { $0.includesBiases = false }
    add(sequence, "only the last loss summed") { $0.summedSteps = 6...6 }
    add(sequence, "∂L/∂b_h with k = t only") { $0.sumsEveryEarlierStep = false }
    add(sequence, "one step (T = 1)") { $0.steps = 1 }
    return table
}()

final class MutationTests: XCTestCase {
    /// Every Swift exercise has mutations (the worksheet exercises have theirs in
    /// WorksheetExerciseTests).
    func testEveryExerciseHasMutations() {
        for e in ExerciseCatalog.all {
            if e is WorksheetExercise {
                XCTAssertNil(mutations[e.id], "\(e.id) is a worksheet: its mutations are in WorksheetExerciseTests")
            } else {
                XCTAssertFalse(mutations[e.id, default: []].isEmpty, "\(e.id) has no mutation test")
            }
        }
    }

    /// Under every mutation the exercise no longer verifies, and together the mutations fail
    /// every check the exercise runs.
    func testEveryMutationTurnsTheVerdictAndEveryCheckCanFail() {
        for (id, list) in mutations.sorted(by: { $0.key < $1.key }) {
            let base: ExerciseReport
            if id == "lab5-code" {
                var e = Lab5PoemModel()
                e.corpusCandidates = []
                base = e.run()
            } else {
                base = Reports.report(id)
            }
            XCTAssertEqual(base.verdict, .verified, id)
            var turned = Set<Int>()
            for m in list {
                let r = m.exercise.run()
                XCTAssertNotEqual(r.verdict, .verified, "\(id) still verifies with \(m.name)")
                XCTAssertEqual(r.checks.count, base.checks.count, "\(id), \(m.name): the mutation changed the list of checks")
                for (k, c) in r.checks.enumerated() where c.status == .fail { turned.insert(k) }
            }
            for (k, c) in base.checks.enumerated() where c.status != .skipped && !turned.contains(k) {
                XCTFail("\(id): no mutation makes this check fail: \(c.name)")
            }
        }
    }
}
