// ExerciseNumerics.swift — the Jacobians the exercises compare: by finite differences (columns
// or rows in, the same out) and by reverse-mode autodiff (one backward pass per output entry).
//
// Dimension letters: m outputs, n inputs; a Jacobian is (m, n), rows indexed by the outputs
// (numerator layout), as the textbook's ∂h_t/∂h_k.

import Autodiff
import WorkbenchNumerics

/// Finite-difference Jacobian of a column-vector function at a column vector x (n, 1):
/// (m, n), fourth-order stencil with ε = 1e-4 (error ~1e-12 relative for smooth functions).
func jacobian(at x: Matrix<Double>, _ f: (Matrix<Double>) -> Matrix<Double>) -> Matrix<Double> {
    let y0 = f(x)
    var j = Matrix<Double>.zeros(y0.rows, x.rows)
    for c in 0..<x.rows {
        var plus = x, minus = x, plus2 = x, minus2 = x
        plus[c, 0] += 1e-4; minus[c, 0] -= 1e-4; plus2[c, 0] += 2e-4; minus2[c, 0] -= 2e-4
        let d = (f(minus2) - f(plus2) + 8 * (f(plus) - f(minus))) / 12e-4
        for r in 0..<y0.rows { j[r, c] = d[r, 0] }
    }
    return j
}

/// Central-difference Jacobian of a function of a row (or any) matrix, entries in storage
/// order: (outputs, inputs).
func rowJacobian(at x: Matrix<Double>, epsilon: Double = 1e-5, _ f: (Matrix<Double>) -> Matrix<Double>) -> Matrix<Double> {
    let outputs = f(x).count
    var j = Matrix<Double>.zeros(outputs, x.count)
    for e in 0..<x.count {
        var plus = x, minus = x
        plus.storage[e] += epsilon
        minus.storage[e] -= epsilon
        let d = (f(plus) - f(minus)) / (2 * epsilon)
        for r in 0..<outputs { j[r, e] = d.storage[r] }
    }
    return j
}

/// The Jacobian of `output` with respect to `input` on one tape by reverse mode: row r is the
/// gradient of output entry r (one backward pass each). (output.count, input.count)
func autodiffJacobian(_ tape: Tape<Double>, output: Variable<Double>, input: Variable<Double>) -> Matrix<Double> {
    let m = output.value.count, n = input.value.count
    var j = Matrix<Double>.zeros(m, n)
    for r in 0..<m {
        var seed = Matrix<Double>.zeros(output.rows, output.cols)
        seed.storage[r] = 1
        tape.backward(output, seed: seed)
        let g = tape.gradient(of: input)
        for c in 0..<n { j[r, c] = g.storage[c] }
    }
    return j
}
