// Ops.swift — the differentiable primitives and their vector-Jacobian products.
//
// Each op computes its output and states its pullback in one place (the micrograd habit).
// Notation: G is the upstream gradient ∂L/∂Y of the op's output Y; the pullback adds ∂L/∂X
// for each input X. Shapes are written (rows, cols).

import WorkbenchNumerics

extension Variable {
    // MARK: - Linear algebra

    /// Y = A · B. ∂L/∂A = G Bᵀ, ∂L/∂B = Aᵀ G. A (m, k), B (k, n), Y (m, n).
    public func matmul(_ other: Variable) -> Variable {
        let a = self, b = other
        precondition(a.cols == b.rows, "matmul shape mismatch: (\(a.rows), \(a.cols)) · (\(b.rows), \(b.cols))")
        return tape.record(a.value * b.value, inputs: [a, b]) { g, tape in
            tape.accumulate(WorkbenchNumerics.matmul(g, .none, b.value, .transpose), into: a)
            tape.accumulate(WorkbenchNumerics.matmul(a.value, .transpose, g, .none), into: b)
        }
    }

    /// Y = Xᵀ. ∂L/∂X = Gᵀ.
    public func transposed() -> Variable {
        let x = self
        return tape.record(x.value.transposed, inputs: [x]) { g, tape in
            tape.accumulate(g.transposed, into: x)
        }
    }

    /// The same entries read as a (rows, cols) matrix (row-major order is kept).
    public func reshaped(_ rows: Int, _ cols: Int) -> Variable {
        let x = self
        precondition(rows * cols == x.value.count, "reshape needs the same number of entries")
        return tape.record(Matrix(rows: rows, cols: cols, storage: x.value.storage), inputs: [x]) { g, tape in
            tape.accumulate(Matrix(rows: x.rows, cols: x.cols, storage: g.storage), into: x)
        }
    }

    // MARK: - Element-wise arithmetic

    /// Y = A + B (same shape). ∂L/∂A = G, ∂L/∂B = G.
    public static func + (a: Variable, b: Variable) -> Variable {
        a.tape.record(a.value + b.value, inputs: [a, b]) { g, tape in
            tape.accumulate(g, into: a)
            tape.accumulate(g, into: b)
        }
    }

    /// Y = A − B, built as A + (−B).
    public static func - (a: Variable, b: Variable) -> Variable { a + (-b) }

    /// Y = −X. ∂L/∂X = −G.
    public static prefix func - (x: Variable) -> Variable {
        x.tape.record(-x.value, inputs: [x]) { g, tape in tape.accumulate(-g, into: x) }
    }

    /// Y = A ⊙ B (element-wise). ∂L/∂A = G ⊙ B, ∂L/∂B = G ⊙ A.
    public static func * (a: Variable, b: Variable) -> Variable {
        a.tape.record(a.value.hadamard(b.value), inputs: [a, b]) { g, tape in
            tape.accumulate(g.hadamard(b.value), into: a)
            tape.accumulate(g.hadamard(a.value), into: b)
        }
    }

    /// Y = s · X for a constant s. ∂L/∂X = s G.
    public func scaled(by s: Scalar) -> Variable {
        let x = self
        return tape.record(s * x.value, inputs: [x]) { g, tape in tape.accumulate(s * g, into: x) }
    }

    /// Y = X + bias, the (1, n) row `bias` added to every row of X (m, n).
    /// ∂L/∂X = G, ∂L/∂bias = Σ_rows G.
    public func addingRow(_ bias: Variable) -> Variable {
        let x = self
        precondition(bias.rows == 1 && bias.cols == x.cols, "row bias must be (1, \(x.cols)), is (\(bias.rows), \(bias.cols))")
        var y = x.value
        for i in 0..<y.rows {
            for j in 0..<y.cols { y[i, j] += bias.value.storage[j] }
        }
        return tape.record(y, inputs: [x, bias]) { g, tape in
            tape.accumulate(g, into: x)
            tape.accumulate(g.sumRows(), into: bias)
        }
    }

    /// Y = X + bias, the (m, 1) column `bias` added to every column of X (m, n).
    /// ∂L/∂X = G, ∂L/∂bias = Σ_cols G.
    public func addingColumn(_ bias: Variable) -> Variable {
        let x = self
        precondition(bias.cols == 1 && bias.rows == x.rows, "column bias must be (\(x.rows), 1), is (\(bias.rows), \(bias.cols))")
        var y = x.value
        for i in 0..<y.rows {
            for j in 0..<y.cols { y[i, j] += bias.value.storage[i] }
        }
        return tape.record(y, inputs: [x, bias]) { g, tape in
            tape.accumulate(g, into: x)
            var gb = Matrix<Scalar>(rows: x.rows, cols: 1)
            for i in 0..<g.rows {
                for j in 0..<g.cols { gb.storage[i] += g[i, j] }
            }
            tape.accumulate(gb, into: bias)
        }
    }

    // MARK: - Element-wise functions

    /// Y = tanh(X). ∂L/∂X = G ⊙ (1 − Y²).
    public func tanh() -> Variable {
        let x = self
        let y = x.value.map { Scalar.tanh($0) }
        return tape.record(y, inputs: [x]) { g, tape in
            tape.accumulate(g.zipMap(y) { gi, yi in gi * (1 - yi * yi) }, into: x)
        }
    }

    /// Y = σ(X) = 1 / (1 + e^(−X)). ∂L/∂X = G ⊙ Y ⊙ (1 − Y).
    public func sigmoid() -> Variable {
        let x = self
        let y = x.value.map { Scalar.sigmoid($0) }
        return tape.record(y, inputs: [x]) { g, tape in
            tape.accumulate(g.zipMap(y) { gi, yi in gi * yi * (1 - yi) }, into: x)
        }
    }

    /// Y = max(X, 0). ∂L/∂X = G ⊙ [X > 0] (the subgradient 0 is used at X = 0).
    public func relu() -> Variable {
        let x = self
        return tape.record(x.value.map { max($0, 0) }, inputs: [x]) { g, tape in
            tape.accumulate(g.zipMap(x.value) { gi, xi in xi > 0 ? gi : 0 }, into: x)
        }
    }

    /// Y = e^X. ∂L/∂X = G ⊙ Y.
    public func exp() -> Variable {
        let x = self
        let y = x.value.map { Scalar.exp($0) }
        return tape.record(y, inputs: [x]) { g, tape in tape.accumulate(g.hadamard(y), into: x) }
    }

    /// Y = log X (natural). ∂L/∂X = G ⊘ X.
    public func log() -> Variable {
        let x = self
        return tape.record(x.value.map { Scalar.log($0) }, inputs: [x]) { g, tape in
            tape.accumulate(g.zipMap(x.value, /), into: x)
        }
    }

    // MARK: - Reductions

    /// y = Σ_ij X_ij, a 1×1 value. ∂L/∂X = g · 1.
    public func sum() -> Variable {
        let x = self
        return tape.record(Matrix(rows: 1, cols: 1, storage: [x.value.sum()]), inputs: [x]) { g, tape in
            tape.accumulate(Matrix(rows: x.rows, cols: x.cols, repeating: g.storage[0]), into: x)
        }
    }

    /// y = (1/N) Σ_ij X_ij, built as a scaled sum.
    public func mean() -> Variable {
        sum().scaled(by: 1 / Scalar(value.count))
    }

    // MARK: - Losses

    /// How a loss over several rows is reduced to one number.
    public enum Reduction: Sendable { case mean, sum }

    /// Softmax cross-entropy of logits X (N, V) against class indices `targets` (N of them):
    /// ℓ_n = −log softmax(x_n)[y_n] = logsumexp(x_n) − x_n[y_n], reduced by mean (PyTorch's
    /// default) or sum. ∂L/∂x_n = (softmax(x_n) − onehot(y_n)) · g (/N for the mean).
    public func softmaxCrossEntropy(targets: [Int], reduction: Reduction = .mean) -> Variable {
        let x = self
        precondition(targets.count == x.rows, "need one target per row: \(targets.count) targets, \(x.rows) rows")
        precondition(targets.allSatisfy { $0 >= 0 && $0 < x.cols }, "target index out of range 0..<\(x.cols)")
        var probabilities = Matrix<Scalar>(rows: x.rows, cols: x.cols)
        var total: Scalar = 0
        for n in 0..<x.rows {
            let row = x.value.row(n)
            let m = row.max() ?? 0
            var z: Scalar = 0
            for v in 0..<x.cols { let e = Scalar.exp(row[v] - m); probabilities[n, v] = e; z += e }
            for v in 0..<x.cols { probabilities[n, v] /= z }
            total += (m + Scalar.log(z)) - row[targets[n]]
        }
        let scale: Scalar = reduction == .mean ? 1 / Scalar(x.rows) : 1
        return tape.record(Matrix(rows: 1, cols: 1, storage: [total * scale]), inputs: [x]) { g, tape in
            var dx = probabilities
            for n in 0..<x.rows { dx[n, targets[n]] -= 1 }
            tape.accumulate(dx * (g.storage[0] * scale), into: x)
        }
    }

    /// Squared error ½ Σ (X − Y)² against a constant target Y of the same shape.
    /// ∂L/∂X = g (X − Y).
    public func squaredError(target: Matrix<Scalar>) -> Variable {
        let x = self
        let diff = x.value - target
        return tape.record(Matrix(rows: 1, cols: 1, storage: [diff.dot(diff) / 2]), inputs: [x]) { g, tape in
            tape.accumulate(diff * g.storage[0], into: x)
        }
    }

    // MARK: - Indexing

    /// Rows `indices` of a table X (V, D) stacked into (N, D) — an embedding lookup.
    /// ∂L/∂X scatters each row of G back to its index (adding when an index repeats).
    public func gatherRows(_ indices: [Int]) -> Variable {
        let table = self
        precondition(indices.allSatisfy { $0 >= 0 && $0 < table.rows }, "row index out of range 0..<\(table.rows)")
        let d = table.cols
        var y = Matrix<Scalar>(rows: indices.count, cols: d)
        for (n, r) in indices.enumerated() {
            for j in 0..<d { y.storage[n * d + j] = table.value.storage[r * d + j] }
        }
        return tape.record(y, inputs: [table]) { g, tape in
            var dt = Matrix<Scalar>(rows: table.rows, cols: d)
            for (n, r) in indices.enumerated() {
                for j in 0..<d { dt.storage[r * d + j] += g.storage[n * d + j] }
            }
            tape.accumulate(dt, into: table)
        }
    }

    /// Columns `range` of X. ∂L/∂X is G placed in those columns, zero elsewhere.
    public func columns(_ range: Range<Int>) -> Variable {
        let x = self
        precondition(range.lowerBound >= 0 && range.upperBound <= x.cols, "column range out of bounds")
        return tape.record(x.value.columns(range), inputs: [x]) { g, tape in
            var dx = Matrix<Scalar>(rows: x.rows, cols: x.cols)
            for i in 0..<x.rows {
                for (jj, j) in range.enumerated() { dx[i, j] = g[i, jj] }
            }
            tape.accumulate(dx, into: x)
        }
    }

    /// Rows `range` of X. ∂L/∂X is G placed in those rows, zero elsewhere.
    public func rows(_ range: Range<Int>) -> Variable {
        let x = self
        precondition(range.lowerBound >= 0 && range.upperBound <= x.rows, "row range out of bounds")
        return tape.record(x.value.rows(range), inputs: [x]) { g, tape in
            var dx = Matrix<Scalar>(rows: x.rows, cols: x.cols)
            for i in 0..<g.rows {
                for j in 0..<x.cols { dx[range.lowerBound + i, j] = g[i, j] }
            }
            tape.accumulate(dx, into: x)
        }
    }

    /// Matrices side by side: (m, Σ n_p). Each input receives its block of columns of G.
    public static func concatColumns(_ parts: [Variable]) -> Variable {
        precondition(!parts.isEmpty, "concatColumns needs at least one part")
        let tape = parts[0].tape
        return tape.record(Matrix.hstack(parts.map(\.value)), inputs: parts) { g, tape in
            var offset = 0
            for p in parts {
                tape.accumulate(g.columns(offset..<(offset + p.cols)), into: p)
                offset += p.cols
            }
        }
    }

    /// Matrices stacked vertically: (Σ m_p, n). Each input receives its block of rows of G.
    public static func concatRows(_ parts: [Variable]) -> Variable {
        precondition(!parts.isEmpty, "concatRows needs at least one part")
        let tape = parts[0].tape
        return tape.record(Matrix.vstack(parts.map(\.value)), inputs: parts) { g, tape in
            var offset = 0
            for p in parts {
                tape.accumulate(g.rows(offset..<(offset + p.rows)), into: p)
                offset += p.rows
            }
        }
    }
}
