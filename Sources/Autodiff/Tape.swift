// Tape.swift — a reverse-mode automatic differentiation tape over matrices.
//
// Every operation appends a node holding its value and a closure that, given the gradient of
// the final scalar with respect to the node's value (the upstream cotangent), adds the
// vector-Jacobian products into the gradients of the node's inputs. Nodes are appended in
// evaluation order, so the tape is already topologically sorted: `backward` walks it once from
// the end to the start with a plain loop — no recursion, so graphs thousands of time steps
// deep are fine.
//
// Only primitive operations have derivatives (Ops.swift); anything else is built from them.

import WorkbenchNumerics

/// A recording of matrix computations that can be differentiated in reverse mode.
public final class Tape<Scalar: RealScalar> {
    /// Adds the vector-Jacobian products of one node into its inputs' gradients.
    typealias Pullback = (_ upstream: Matrix<Scalar>, _ tape: Tape<Scalar>) -> Void

    private(set) var values: [Matrix<Scalar>] = []
    private var gradients: [Matrix<Scalar>?] = []
    private var pullbacks: [Pullback?] = []
    private var needsGradient: [Bool] = []

    public init() {}

    /// Number of nodes recorded so far.
    public var count: Int { values.count }

    // MARK: - Leaves

    /// A leaf whose gradient is wanted (a parameter, or an input we differentiate with respect to).
    public func variable(_ value: Matrix<Scalar>) -> Variable<Scalar> {
        append(value, needsGradient: true, pullback: nil)
    }

    /// A leaf treated as a constant: no gradient flows into it.
    public func constant(_ value: Matrix<Scalar>) -> Variable<Scalar> {
        append(value, needsGradient: false, pullback: nil)
    }

    // MARK: - Recording

    /// Records an operation's output. The node needs a gradient if any input does; when none
    /// does, the pullback is dropped (nothing upstream would use it).
    func record(_ value: Matrix<Scalar>, inputs: [Variable<Scalar>], pullback: @escaping Pullback) -> Variable<Scalar> {
        let needed = inputs.contains { needsGradient[$0.index] }
        return append(value, needsGradient: needed, pullback: needed ? pullback : nil)
    }

    private func append(_ value: Matrix<Scalar>, needsGradient needed: Bool, pullback: Pullback?) -> Variable<Scalar> {
        values.append(value)
        gradients.append(nil)
        pullbacks.append(pullback)
        needsGradient.append(needed)
        return Variable(tape: self, index: values.count - 1)
    }

    /// Adds `gradient` into the accumulated gradient of `variable` (ignored for constants).
    func accumulate(_ gradient: Matrix<Scalar>, into variable: Variable<Scalar>) {
        let i = variable.index
        guard needsGradient[i] else { return }
        precondition(gradient.rows == values[i].rows && gradient.cols == values[i].cols,
                     "pullback produced a (\(gradient.rows), \(gradient.cols)) gradient for a (\(values[i].rows), \(values[i].cols)) value")
        if gradients[i] == nil {
            gradients[i] = gradient
        } else {
            gradients[i]! += gradient
        }
    }

    // MARK: - Differentiation

    /// Back-propagates from `output`, seeding its gradient with `seed` (default: ones, which
    /// for a 1×1 loss is dL/dL = 1). Gradients of earlier calls are cleared first.
    public func backward(_ output: Variable<Scalar>, seed: Matrix<Scalar>? = nil) {
        precondition(output.tape === self, "variable belongs to another tape")
        for i in gradients.indices { gradients[i] = nil }
        let value = values[output.index]
        let start = seed ?? Matrix(rows: value.rows, cols: value.cols, repeating: 1)
        precondition(start.rows == value.rows && start.cols == value.cols, "seed shape must match the output")
        gradients[output.index] = start
        for i in stride(from: output.index, through: 0, by: -1) {
            guard let upstream = gradients[i], let pullback = pullbacks[i] else { continue }
            pullback(upstream, self)
        }
    }

    /// The gradient of the last `backward` output with respect to `variable` (zeros if it does
    /// not depend on it).
    public func gradient(of variable: Variable<Scalar>) -> Matrix<Scalar> {
        precondition(variable.tape === self, "variable belongs to another tape")
        let v = values[variable.index]
        return gradients[variable.index] ?? Matrix(rows: v.rows, cols: v.cols)
    }
}

/// A node of a tape: a matrix value that remembers how it was computed.
public struct Variable<Scalar: RealScalar> {
    public let tape: Tape<Scalar>
    let index: Int

    /// The computed value.
    public var value: Matrix<Scalar> { tape.values[index] }
    public var rows: Int { value.rows }
    public var cols: Int { value.cols }
    /// The entry of a 1×1 value.
    public var scalar: Scalar {
        precondition(value.count == 1, "scalar needs a 1×1 value")
        return value.storage[0]
    }
}
