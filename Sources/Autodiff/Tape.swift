// Tape.swift — a reverse-mode automatic differentiation tape over matrices.
//
// Every operation appends a node holding its value, the indices of its input nodes, and a
// pullback: a closure that, given the gradient of the final scalar with respect to the node's
// value (the upstream cotangent G), returns the vector-Jacobian product for each input, in the
// order of the inputs. The tape adds those into the inputs' gradients. Nodes are appended in
// evaluation order, so the tape is already topologically sorted: `backward` walks it once from
// the end to the start with a plain loop — no recursion, so graphs thousands of time steps
// deep are fine.
//
// Ownership: a `Variable` holds its tape strongly (a user's variables keep their tape alive),
// and the tape holds its pullbacks. A pullback therefore captures only plain values (matrices,
// index lists, shapes) and never a `Variable` — a captured variable would hold the tape from
// inside the tape, a reference cycle that would keep every tape alive forever. Inputs are
// remembered as node indices instead. (AutodiffTests' TapeLifetimeTests prove a tape is freed.)
//
// Only primitive operations have derivatives (Ops.swift); anything else is built from them.

import WorkbenchNumerics

/// A recording of matrix computations that can be differentiated in reverse mode.
public final class Tape<Scalar: RealScalar> {
    /// Maps the upstream cotangent G = ∂L/∂Y of a node's value Y to ∂L/∂X_p for each input X_p,
    /// in the order of the node's inputs, each of X_p's shape.
    typealias Pullback = (_ upstream: Matrix<Scalar>) -> [Matrix<Scalar>]

    private(set) var values: [Matrix<Scalar>] = []
    /// The input nodes of every node (empty for leaves).
    private var inputs: [[Int]] = []
    private var pullbacks: [Pullback?] = []
    private var gradients: [Matrix<Scalar>?] = []
    private var needsGradient: [Bool] = []

    public init() {}

    /// Number of nodes recorded so far.
    public var count: Int { values.count }

    // MARK: - Leaves

    /// A leaf whose gradient is wanted (a parameter, or an input we differentiate with respect to).
    public func variable(_ value: Matrix<Scalar>) -> Variable<Scalar> {
        append(value, inputs: [], needsGradient: true, pullback: nil)
    }

    /// A leaf treated as a constant: no gradient flows into it.
    public func constant(_ value: Matrix<Scalar>) -> Variable<Scalar> {
        append(value, inputs: [], needsGradient: false, pullback: nil)
    }

    // MARK: - Recording

    /// Records an operation's output. The node needs a gradient if any input does; when none
    /// does, the pullback is dropped (nothing upstream would use it).
    ///
    /// - Parameter pullback: maps G to one gradient per entry of `inputs`. It must capture
    ///   values, never a `Variable` (see the header on ownership).
    func record(_ value: Matrix<Scalar>, inputs operands: [Variable<Scalar>], pullback: @escaping Pullback) -> Variable<Scalar> {
        precondition(operands.allSatisfy { $0.tape === self }, "an operation mixes variables of different tapes")
        let indices = operands.map(\.index)
        let needed = indices.contains { needsGradient[$0] }
        return append(value, inputs: indices, needsGradient: needed, pullback: needed ? pullback : nil)
    }

    private func append(
        _ value: Matrix<Scalar>, inputs operands: [Int], needsGradient needed: Bool,
        pullback: Pullback?
    ) -> Variable<Scalar> {
        values.append(value)
        inputs.append(operands)
        pullbacks.append(pullback)
        gradients.append(nil)
        needsGradient.append(needed)
        return Variable(tape: self, index: values.count - 1)
    }

    /// Adds `gradient` into the accumulated gradient of node `i` (ignored for constants).
    private func accumulate(_ gradient: Matrix<Scalar>, into i: Int) {
        guard needsGradient[i] else { return }
        precondition(
            gradient.hasShape(values[i].rows, values[i].cols),
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
        precondition(start.hasShape(value.rows, value.cols), "seed shape must match the output")
        gradients[output.index] = start
        for i in stride(from: output.index, through: 0, by: -1) {
            guard let upstream = gradients[i], let pullback = pullbacks[i] else { continue }
            let inputGradients = pullback(upstream)
            precondition(inputGradients.count == inputs[i].count, "a pullback must return one gradient per input")
            for (input, gradient) in zip(inputs[i], inputGradients) { accumulate(gradient, into: input) }
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
    /// The tape the node lives on (held strongly: a variable keeps its tape alive).
    public let tape: Tape<Scalar>
    /// The node's position on the tape.
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
