// Softmax.swift — the softmax cross-entropy of rows of logits, with its gradient: the one
// readable version that the autodiff op, the hand-derived RNN and LSTM heads and the
// reference paths all use.
//
// Dimension letters: N rows (positions), V classes.
// Notation (cs224n / PyTorch's `CrossEntropyLoss`), for row n with logits x_n and target y_n:
//
//     m_n = max_v x_nv                                    (subtracted for stability)
//     p_n = softmax(x_n),  p_nv = e^(x_nv − m_n) / Σ_u e^(x_nu − m_n)
//     ℓ_n = −log p_n[y_n] = m_n + log Σ_u e^(x_nu − m_n) − x_n[y_n]
//     ∂ℓ_n/∂x_n = p_n − onehot(y_n)
//
// Leaves out: class weights, ignored targets, label smoothing; the reduction (sum or mean over
// the rows) is the caller's.

/// The softmax probabilities and per-row cross-entropies of a batch of logits.
public struct SoftmaxCrossEntropy<Scalar: RealScalar>: Sendable {
    /// p = softmax of every row: (N, V).
    public let probabilities: Matrix<Scalar>
    /// ℓ_n = −log p_n[y_n] for every row: N values.
    public let rowLosses: [Scalar]
    /// y_n, a class index in 0..<V for every row.
    public let targets: [Int]

    /// Softmax and cross-entropy of `logits` (N, V) against one class index per row.
    public init(logits: Matrix<Scalar>, targets: [Int]) {
        precondition(targets.count == logits.rows, "need one target per row: \(targets.count) targets, \(logits.rows) rows")
        precondition(targets.allSatisfy { $0 >= 0 && $0 < logits.cols }, "target index out of range 0..<\(logits.cols)")
        let v = logits.cols
        var p = Matrix<Scalar>(rows: logits.rows, cols: v)
        var losses: [Scalar] = []
        losses.reserveCapacity(logits.rows)
        for n in 0..<logits.rows {
            let row = logits.storage[(n * v)..<((n + 1) * v)]
            let m = row.max() ?? 0
            var z: Scalar = 0
            for (j, x) in row.enumerated() {
                let e = Scalar.exp(x - m)
                p.storage[n * v + j] = e
                z += e
            }
            for j in 0..<v { p.storage[n * v + j] /= z }
            losses.append(m + Scalar.log(z) - row[row.startIndex + targets[n]])
        }
        self.probabilities = p
        self.rowLosses = losses
        self.targets = targets
    }

    /// Σ_n ℓ_n.
    public var totalLoss: Scalar { rowLosses.reduce(0, +) }

    /// scale · ∂(Σ_n ℓ_n)/∂x = scale · (p − onehot(y)): (N, V). With scale 1/N it is the
    /// gradient of the mean.
    public func logitGradient(scale: Scalar = 1) -> Matrix<Scalar> {
        var g = probabilities
        for (n, y) in targets.enumerated() { g[n, y] -= 1 }
        return scale == 1 ? g : g * scale
    }
}
