// Ops.swift — the differentiable primitives and their vector-Jacobian products.
//
// Each op computes its output and states its pullback in one place (the micrograd habit).
// Notation: G is the upstream gradient ∂L/∂Y of the op's output Y; the pullback returns ∂L/∂X
// for each input X, in the order the inputs are listed. Shapes are written (rows, cols).
// A pullback captures the values it needs (never a `Variable`: see Tape.swift on ownership).

import WorkbenchNumerics

extension Variable {
    // MARK: - Linear algebra

    /// Y = A · B. ∂L/∂A = G Bᵀ, ∂L/∂B = Aᵀ G. A (m, k), B (k, n), Y (m, n).
    public func matmul(_ other: Variable) -> Variable {
        let a = value, b = other.value
        precondition(a.cols == b.rows, "matmul shape mismatch: (\(a.rows), \(a.cols)) · (\(b.rows), \(b.cols))")
        return tape.record(a * b, inputs: [self, other]) { g in
            [WorkbenchNumerics.matmul(g, .none, b, .transpose), WorkbenchNumerics.matmul(a, .transpose, g, .none)]
        }
    }

    /// Y = Xᵀ. ∂L/∂X = Gᵀ.
    public func transposed() -> Variable {
        tape.record(value.transposed, inputs: [self]) { g in [g.transposed] }
    }

    /// The same entries read as a (rows, cols) matrix (row-major order is kept).
    public func reshaped(_ rows: Int, _ cols: Int) -> Variable {
        let x = value
        precondition(rows * cols == x.count, "reshape needs the same number of entries")
        return tape.record(Matrix(rows: rows, cols: cols, storage: x.storage), inputs: [self]) { g in
            [Matrix(rows: x.rows, cols: x.cols, storage: g.storage)]
        }
    }

    // MARK: - Element-wise arithmetic

    /// Y = A + B (same shape). ∂L/∂A = G, ∂L/∂B = G.
    public static func + (a: Variable, b: Variable) -> Variable {
        a.tape.record(a.value + b.value, inputs: [a, b]) { g in [g, g] }
    }

    /// Y = A − B, built as A + (−B).
    public static func - (a: Variable, b: Variable) -> Variable { a + (-b) }

    /// Y = −X. ∂L/∂X = −G.
    public static prefix func - (x: Variable) -> Variable {
        x.tape.record(-x.value, inputs: [x]) { g in [-g] }
    }

    /// Y = A ⊙ B (element-wise). ∂L/∂A = G ⊙ B, ∂L/∂B = G ⊙ A.
    public static func * (a: Variable, b: Variable) -> Variable {
        let av = a.value, bv = b.value
        return a.tape.record(av.hadamard(bv), inputs: [a, b]) { g in [g.hadamard(bv), g.hadamard(av)] }
    }

    /// Y = s · X for a constant s. ∂L/∂X = s G.
    public func scaled(by s: Scalar) -> Variable {
        tape.record(s * value, inputs: [self]) { g in [s * g] }
    }

    /// Y = X + bias, the (1, n) row `bias` added to every row of X (m, n).
    /// ∂L/∂X = G, ∂L/∂bias = Σ_rows G.
    public func addingRow(_ bias: Variable) -> Variable {
        var y = value
        let b = bias.value
        precondition(b.hasShape(1, y.cols), "row bias must be (1, \(y.cols)), is (\(b.rows), \(b.cols))")
        for i in 0..<y.rows {
            for j in 0..<y.cols { y[i, j] += b.storage[j] }
        }
        return tape.record(y, inputs: [self, bias]) { g in [g, g.sumRows()] }
    }

    /// Y = X + bias, the (m, 1) column `bias` added to every column of X (m, n).
    /// ∂L/∂X = G, ∂L/∂bias = Σ_cols G.
    public func addingColumn(_ bias: Variable) -> Variable {
        var y = value
        let b = bias.value
        precondition(b.hasShape(y.rows, 1), "column bias must be (\(y.rows), 1), is (\(b.rows), \(b.cols))")
        for i in 0..<y.rows {
            for j in 0..<y.cols { y[i, j] += b.storage[i] }
        }
        return tape.record(y, inputs: [self, bias]) { g in [g, g.transposed.sumRows().transposed] }
    }

    // MARK: - Element-wise functions

    /// Y = tanh(X). ∂L/∂X = G ⊙ (1 − Y²).
    public func tanh() -> Variable {
        let y = value.map { Scalar.tanh($0) }
        return tape.record(y, inputs: [self]) { g in [g.zipMap(y) { gi, yi in gi * (1 - yi * yi) }] }
    }

    /// Y = σ(X) = 1 / (1 + e^(−X)). ∂L/∂X = G ⊙ Y ⊙ (1 − Y).
    public func sigmoid() -> Variable {
        let y = value.map { Scalar.sigmoid($0) }
        return tape.record(y, inputs: [self]) { g in [g.zipMap(y) { gi, yi in gi * yi * (1 - yi) }] }
    }

    /// Y = max(X, 0). ∂L/∂X = G ⊙ [X > 0] (the subgradient 0 is used at X = 0).
    public func relu() -> Variable {
        let x = value
        return tape.record(x.map { max($0, 0) }, inputs: [self]) { g in [g.zipMap(x) { gi, xi in xi > 0 ? gi : 0 }] }
    }

    /// Y = e^X. ∂L/∂X = G ⊙ Y.
    public func exp() -> Variable {
        let y = value.map { Scalar.exp($0) }
        return tape.record(y, inputs: [self]) { g in [g.hadamard(y)] }
    }

    /// Y = log X (natural). ∂L/∂X = G ⊘ X.
    public func log() -> Variable {
        let x = value
        return tape.record(x.map { Scalar.log($0) }, inputs: [self]) { g in [g.zipMap(x, /)] }
    }

    // MARK: - Reductions

    /// y = Σ_ij X_ij, a 1×1 value. ∂L/∂X = g · 1.
    public func sum() -> Variable {
        let (rows, cols) = (self.rows, self.cols)
        return tape.record(Matrix(rows: 1, cols: 1, storage: [value.sum()]), inputs: [self]) { g in
            [Matrix(rows: rows, cols: cols, repeating: g.storage[0])]
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
    /// The arithmetic is WorkbenchNumerics' `SoftmaxCrossEntropy`.
    public func softmaxCrossEntropy(targets: [Int], reduction: Reduction = .mean) -> Variable {
        let ce = SoftmaxCrossEntropy(logits: value, targets: targets)
        let scale: Scalar = reduction == .mean ? 1 / Scalar(rows) : 1
        return tape.record(Matrix(rows: 1, cols: 1, storage: [ce.totalLoss * scale]), inputs: [self]) { g in
            [ce.logitGradient(scale: g.storage[0] * scale)]
        }
    }

    /// Squared error ½ Σ (X − Y)² against a constant target Y of the same shape.
    /// ∂L/∂X = g (X − Y).
    public func squaredError(target: Matrix<Scalar>) -> Variable {
        let diff = value - target
        return tape.record(Matrix(rows: 1, cols: 1, storage: [diff.dot(diff) / 2]), inputs: [self]) { g in
            [diff * g.storage[0]]
        }
    }

    // MARK: - Indexing

    /// Rows `indices` of a table X (V, D) stacked into (N, D) — an embedding lookup.
    /// ∂L/∂X scatters each row of G back to its index (adding when an index repeats).
    public func gatherRows(_ indices: [Int]) -> Variable {
        let (tableRows, d) = (self.rows, self.cols)
        precondition(indices.allSatisfy { $0 >= 0 && $0 < tableRows }, "row index out of range 0..<\(tableRows)")
        let table = value
        var y = Matrix<Scalar>(rows: indices.count, cols: d)
        for (n, r) in indices.enumerated() {
            for j in 0..<d { y.storage[n * d + j] = table.storage[r * d + j] }
        }
        return tape.record(y, inputs: [self]) { g in
            var dt = Matrix<Scalar>(rows: tableRows, cols: d)
            for (n, r) in indices.enumerated() {
                for j in 0..<d { dt.storage[r * d + j] += g.storage[n * d + j] }
            }
            return [dt]
        }
    }

    /// Rows `range` of X. ∂L/∂X is G placed in those rows, zero elsewhere.
    public func rows(_ range: Range<Int>) -> Variable {
        let (m, n) = (self.rows, self.cols)
        precondition(range.lowerBound >= 0 && range.upperBound <= m, "row range out of bounds")
        return tape.record(value.rows(range), inputs: [self]) { g in
            [Matrix.vstack([.zeros(range.lowerBound, n), g, .zeros(m - range.upperBound, n)])]
        }
    }

    /// Columns `range` of X. ∂L/∂X is G placed in those columns, zero elsewhere.
    public func columns(_ range: Range<Int>) -> Variable {
        let (m, n) = (self.rows, self.cols)
        precondition(range.lowerBound >= 0 && range.upperBound <= n, "column range out of bounds")
        return tape.record(value.columns(range), inputs: [self]) { g in
            [Matrix.hstack([.zeros(m, range.lowerBound), g, .zeros(m, n - range.upperBound)])]
        }
    }

    /// Matrices stacked vertically: (Σ m_p, n). Each input receives its block of rows of G.
    public static func concatRows(_ parts: [Variable]) -> Variable {
        precondition(!parts.isEmpty, "concatRows needs at least one part")
        let ends = runningTotals(parts.map(\.rows))
        return parts[0].tape.record(Matrix.vstack(parts.map(\.value)), inputs: parts) { g in
            zip([0] + ends, ends).map { g.rows($0..<$1) }
        }
    }

    /// Matrices side by side: (m, Σ n_p). Each input receives its block of columns of G.
    public static func concatColumns(_ parts: [Variable]) -> Variable {
        precondition(!parts.isEmpty, "concatColumns needs at least one part")
        let ends = runningTotals(parts.map(\.cols))
        return parts[0].tape.record(Matrix.hstack(parts.map(\.value)), inputs: parts) { g in
            zip([0] + ends, ends).map { g.columns($0..<$1) }
        }
    }
}

/// The running totals of `sizes`: where each block of a concatenation ends.
private func runningTotals(_ sizes: [Int]) -> [Int] {
    var total = 0
    return sizes.map {
        total += $0; return total
    }
}
