// Backends.swift — the two ways an expression is computed: plain values, or on the autodiff tape.
//
// The evaluator (Evaluator.swift) walks an expression once and asks a backend for each
// operation, so model definitions, helpers and claims share one meaning.
//   • PlainBackend: `Double` values, a scalar kept unboxed (entry-wise claims evaluate millions
//     of scalar terms). Used for every value, for helpers and claims, and for finite differences.
//   • TapeBackend: `Variable`s on an Autodiff `Tape`, so reverse mode can differentiate model
//     definitions. Everything is built from the tape's public primitives: a scalar broadcasts
//     through products with constant ones, 1/b is b·exp(−log b²), sqrt x = exp(½ log x),
//     softmax x = exp(x − m − log Σ exp(x − m)) with the shift m a constant (the value does not
//     depend on it), an entry is a one-row, one-column slice.
//
// Two tape-only tools serve the diagnosis:
//   • `detached(v)`: the same value as a constant — a use held fixed (a dropped dependence);
//   • a derivative rule written wrong: y = c(f(z)) + g(z) − c(g(z)) has the value f(z) and the
//     derivative g′(z), with c(·) a constant copy. g(z) = z²/2 − z³/3 gives σ′ written as z(1 − z),
//     g(z) = z − z³/3 gives tanh′ written as 1 − z², g(z) = z leaves the derivative out; for
//     softmax, g(z) = z ⊙ c(p ⊙ (1 − p)) keeps only the diagonal of its Jacobian diag(p) − p pᵀ.

import Autodiff
import WorkbenchNumerics

/// A derivative rule written wrong, for the diagnosis.
enum DerivativeRule: Equatable, Hashable {
    /// σ′ written as z(1 − z), tanh′ as 1 − z²: the rule applied to the pre-activation z.
    case wrongVariable
    /// The activation's derivative left out (taken as 1; for softmax, its Jacobian as I).
    case leftOut
    /// softmax′ written element-wise as p(1 − p), as if it were σ: diag(p ⊙ (1 − p)) for the
    /// Jacobian diag(p) − p pᵀ.
    case diagonalOnly
}

/// The operations an evaluator needs.
protocol Backend {
    associatedtype Value
    func number(_ x: Double) -> Value
    func constant(_ m: Matrix<Double>) -> Value
    func shape(_ v: Value) -> Shape
    func negate(_ a: Value) -> Value
    func add(_ a: Value, _ b: Value) -> Value
    func subtract(_ a: Value, _ b: Value) -> Value
    func multiply(_ a: Value, _ b: Value) -> Value
    func divide(_ a: Value, _ b: Value) -> Value
    func matmul(_ a: Value, _ b: Value) -> Value
    func power(_ a: Value, _ p: Value) -> Value
    func transpose(_ a: Value) -> Value
    func apply(_ f: Function, _ a: Value, rule: DerivativeRule?) -> Value
    /// The entry at 0-based (row, col), as a 1×1 value.
    func entry(_ a: Value, _ row: Int, _ col: Int) -> Value
    func identity(_ n: Int) -> Value
    func filled(_ x: Double, _ rows: Int, _ cols: Int) -> Value
    /// The same value with no dependence on anything (a constant).
    func detached(_ a: Value) -> Value
    func matrix(_ v: Value) -> Matrix<Double>
}

// MARK: - Plain values

/// A plain value: a scalar kept unboxed, or a matrix.
enum PlainValue {
    case scalar(Double)
    case matrix(Matrix<Double>)

    var shape: Shape {
        switch self {
        case .scalar: return .scalar
        case .matrix(let m): return Shape(rows: m.rows, cols: m.cols)
        }
    }

    var matrix: Matrix<Double> {
        switch self {
        case .scalar(let x): return Matrix(rows: 1, cols: 1, storage: [x])
        case .matrix(let m): return m
        }
    }

    /// The scalar of a 1×1 value.
    var scalarValue: Double? {
        switch self {
        case .scalar(let x): return x
        case .matrix(let m): return m.count == 1 ? m.storage[0] : nil
        }
    }

    var isFinite: Bool {
        switch self {
        case .scalar(let x): return x.isFinite
        case .matrix(let m): return m.isFinite
        }
    }

    static func normalized(_ m: Matrix<Double>) -> PlainValue { m.count == 1 ? .scalar(m.storage[0]) : .matrix(m) }
}

/// Values in `Double`, no derivatives.
struct PlainBackend: Backend {
    typealias Value = PlainValue

    func number(_ x: Double) -> PlainValue { .scalar(x) }
    func constant(_ m: Matrix<Double>) -> PlainValue { .normalized(m) }
    func shape(_ v: PlainValue) -> Shape { v.shape }
    func matrix(_ v: PlainValue) -> Matrix<Double> { v.matrix }
    func detached(_ a: PlainValue) -> PlainValue { a }

    @inline(__always)
    private func elementwise(_ a: PlainValue, _ b: PlainValue, _ f: (Double, Double) -> Double) -> PlainValue {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)): return .scalar(f(x, y))
        case (.scalar(let x), .matrix(let m)):
            if m.count == 1 { return .scalar(f(x, m.storage[0])) }
            return .matrix(m.map { f(x, $0) })
        case (.matrix(let m), .scalar(let y)):
            if m.count == 1 { return .scalar(f(m.storage[0], y)) }
            return .matrix(m.map { f($0, y) })
        case (.matrix(let m), .matrix(let n)):
            if m.count == 1 { return elementwise(.scalar(m.storage[0]), b, f) }
            if n.count == 1 { return elementwise(a, .scalar(n.storage[0]), f) }
            return .matrix(m.zipMap(n, f))
        }
    }

    func negate(_ a: PlainValue) -> PlainValue {
        switch a {
        case .scalar(let x): return .scalar(-x)
        case .matrix(let m): return .matrix(m.map { -$0 })
        }
    }
    func add(_ a: PlainValue, _ b: PlainValue) -> PlainValue { elementwise(a, b, +) }
    func subtract(_ a: PlainValue, _ b: PlainValue) -> PlainValue { elementwise(a, b, -) }
    func multiply(_ a: PlainValue, _ b: PlainValue) -> PlainValue { elementwise(a, b, *) }
    func divide(_ a: PlainValue, _ b: PlainValue) -> PlainValue { elementwise(a, b, /) }
    func power(_ a: PlainValue, _ p: PlainValue) -> PlainValue {
        elementwise(a, p) { x, y in
            if y == 2 { return x * x }
            if y == 1 { return x }
            return Double.pow(x, y)
        }
    }

    func matmul(_ a: PlainValue, _ b: PlainValue) -> PlainValue {
        if case .scalar(let x) = a, case .scalar(let y) = b { return .scalar(x * y) }
        return .normalized(PlainBackend.product(a.matrix, b.matrix))
    }

    /// A · B in `Double` (i-k-j order, each entry accumulated in a fixed order).
    static func product(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Matrix<Double> {
        let m = a.rows, k = a.cols, n = b.cols
        var c = [Double](repeating: 0, count: m * n)
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    for i in 0..<m {
                        for p in 0..<k {
                            let x = pa[i * k + p]
                            if x == 0 { continue }
                            for j in 0..<n { pc[i * n + j] += x * pb[p * n + j] }
                        }
                    }
                }
            }
        }
        return Matrix(rows: m, cols: n, storage: c)
    }

    static func transposed(_ a: Matrix<Double>) -> Matrix<Double> {
        if a.rows == 1 || a.cols == 1 { return Matrix(rows: a.cols, cols: a.rows, storage: a.storage) }
        var t = [Double](repeating: 0, count: a.count)
        a.storage.withUnsafeBufferPointer { pa in
            t.withUnsafeMutableBufferPointer { pt in
                for i in 0..<a.rows {
                    for j in 0..<a.cols { pt[j * a.rows + i] = pa[i * a.cols + j] }
                }
            }
        }
        return Matrix(rows: a.cols, cols: a.rows, storage: t)
    }

    func transpose(_ a: PlainValue) -> PlainValue {
        switch a {
        case .scalar: return a
        case .matrix(let m): return .matrix(PlainBackend.transposed(m))
        }
    }

    func apply(_ f: Function, _ a: PlainValue, rule: DerivativeRule?) -> PlainValue {
        func map(_ g: (Double) -> Double) -> PlainValue {
            switch a {
            case .scalar(let x): return .scalar(g(x))
            case .matrix(let m): return .matrix(m.map(g))
            }
        }
        switch f {
        case .tanh: return map { Double.tanh($0) }
        case .sigmoid: return map { Double.sigmoid($0) }
        case .relu: return map { max($0, 0) }
        case .exp: return map { Double.exp($0) }
        case .log: return map { Double.log($0) }
        case .sqrt: return map { $0.squareRoot() }
        case .sumAll:
            switch a {
            case .scalar: return a
            case .matrix(let m):
                var total = 0.0
                for x in m.storage { total += x }
                return .scalar(total)
            }
        case .softmax:
            let m = a.matrix
            let shift = m.storage.max() ?? 0
            let e = m.map { Double.exp($0 - shift) }
            var total = 0.0
            for x in e.storage { total += x }
            return .normalized(e.map { $0 / total })
        case .diag:
            return .normalized(Matrix.diagonal(a.matrix.storage))
        }
    }

    func entry(_ a: PlainValue, _ row: Int, _ col: Int) -> PlainValue {
        switch a {
        case .scalar: return a
        case .matrix(let m): return .scalar(m.storage[row * m.cols + col])
        }
    }

    func identity(_ n: Int) -> PlainValue { .normalized(.identity(n)) }
    func filled(_ x: Double, _ rows: Int, _ cols: Int) -> PlainValue {
        rows * cols == 1 ? .scalar(x) : .matrix(Matrix(rows: rows, cols: cols, repeating: x))
    }
}

// MARK: - The tape

/// A value on the tape and whether it depends on a variable (a constant's derivative is zero).
struct TapeValue {
    let variable: Variable<Double>
    let live: Bool
    var value: Matrix<Double> { variable.value }
}

/// Values recorded on an Autodiff tape, for reverse-mode derivatives.
struct TapeBackend: Backend {
    typealias Value = TapeValue
    let tape: Tape<Double>

    func number(_ x: Double) -> TapeValue { TapeValue(variable: tape.constant(Matrix(rows: 1, cols: 1, storage: [x])), live: false) }
    func constant(_ m: Matrix<Double>) -> TapeValue { TapeValue(variable: tape.constant(m), live: false) }
    func shape(_ v: TapeValue) -> Shape { Shape(rows: v.variable.rows, cols: v.variable.cols) }
    func matrix(_ v: TapeValue) -> Matrix<Double> { v.value }
    func detached(_ a: TapeValue) -> TapeValue { constant(a.value) }

    /// A variable leaf (a quantity differentiated with respect to).
    func variable(_ m: Matrix<Double>) -> TapeValue { TapeValue(variable: tape.variable(m), live: true) }

    /// An operation on constants is computed off the tape (plain kernels) and enters as a constant.
    private func plain(_ a: TapeValue) -> PlainValue { .normalized(a.value) }
    private func constant(_ v: PlainValue) -> TapeValue { constant(v.matrix) }

    private func wrap(_ v: Variable<Double>, _ inputs: TapeValue...) -> TapeValue {
        TapeValue(variable: v, live: inputs.contains { $0.live })
    }

    /// A 1×1 value repeated into a rows×cols one (a product with constant ones).
    func broadcast(_ s: TapeValue, _ rows: Int, _ cols: Int) -> TapeValue {
        if rows == 1 && cols == 1 { return s }
        if !s.live { return constant(Matrix(rows: rows, cols: cols, repeating: s.value.storage[0])) }
        var v = s.variable
        if rows > 1 { v = tape.constant(Matrix(rows: rows, cols: 1, repeating: 1)).matmul(v) }
        if cols > 1 { v = v.matmul(tape.constant(Matrix(rows: 1, cols: cols, repeating: 1))) }
        return TapeValue(variable: v, live: true)
    }

    /// Both operands at one shape (a scalar broadcasts).
    private func matched(_ a: TapeValue, _ b: TapeValue) -> (TapeValue, TapeValue) {
        let x = shape(a), y = shape(b)
        if x == y { return (a, b) }
        if x.isScalar { return (broadcast(a, y.rows, y.cols), b) }
        return (a, broadcast(b, x.rows, x.cols))
    }

    func negate(_ a: TapeValue) -> TapeValue {
        if !a.live { return constant(PlainBackend().negate(plain(a))) }
        return wrap(-a.variable, a)
    }
    func add(_ a: TapeValue, _ b: TapeValue) -> TapeValue {
        if !a.live && !b.live { return constant(PlainBackend().add(plain(a), plain(b))) }
        let (x, y) = matched(a, b)
        return wrap(x.variable + y.variable, x, y)
    }
    func subtract(_ a: TapeValue, _ b: TapeValue) -> TapeValue {
        if !a.live && !b.live { return constant(PlainBackend().subtract(plain(a), plain(b))) }
        let (x, y) = matched(a, b)
        return wrap(x.variable - y.variable, x, y)
    }
    func multiply(_ a: TapeValue, _ b: TapeValue) -> TapeValue {
        if !a.live && !b.live { return constant(PlainBackend().multiply(plain(a), plain(b))) }
        if !a.live, shape(a).isScalar { return wrap(b.variable.scaled(by: a.value.storage[0]), b) }
        if !b.live, shape(b).isScalar { return wrap(a.variable.scaled(by: b.value.storage[0]), a) }
        let (x, y) = matched(a, b)
        return wrap(x.variable * y.variable, x, y)
    }
    func divide(_ a: TapeValue, _ b: TapeValue) -> TapeValue {
        if !a.live && !b.live { return constant(PlainBackend().divide(plain(a), plain(b))) }
        if !b.live, shape(b).isScalar { return wrap(a.variable.scaled(by: 1 / b.value.storage[0]), a) }
        return multiply(a, reciprocal(b))
    }

    /// 1/b = b · exp(−log b²), from the tape's primitives (b ≠ 0).
    func reciprocal(_ b: TapeValue) -> TapeValue {
        if !b.live { return constant(b.value.map { 1 / $0 }) }
        let square = b.variable * b.variable
        return TapeValue(variable: b.variable * (-(square.log())).exp(), live: true)
    }

    func matmul(_ a: TapeValue, _ b: TapeValue) -> TapeValue {
        if !a.live && !b.live { return constant(PlainBackend().matmul(plain(a), plain(b))) }
        return wrap(a.variable.matmul(b.variable), a, b)
    }
    func transpose(_ a: TapeValue) -> TapeValue {
        if !a.live { return constant(PlainBackend().transpose(plain(a))) }
        return wrap(a.variable.transposed(), a)
    }

    func power(_ a: TapeValue, _ p: TapeValue) -> TapeValue {
        if !a.live && !p.live { return constant(PlainBackend().power(plain(a), plain(p))) }
        if !p.live, shape(p).isScalar {
            let e = p.value.storage[0]
            if e == e.rounded(), abs(e) <= 64 {
                let n = Int(abs(e))
                let s = shape(a)
                if n == 0 { return constant(Matrix(rows: s.rows, cols: s.cols, repeating: 1)) }
                var result: TapeValue?
                var base = a
                var k = n
                while k > 0 {
                    if k & 1 == 1 { result = result.map { multiply($0, base) } ?? base }
                    k >>= 1
                    if k > 0 { base = multiply(base, base) }
                }
                return e < 0 ? reciprocal(result!) : result!
            }
            // x^e = exp(e log x), x > 0.
            return wrap(a.variable.log().scaled(by: e).exp(), a)
        }
        let (x, y) = matched(a, p)
        return wrap((y.variable * x.variable.log()).exp(), x, y)
    }

    func apply(_ f: Function, _ a: TapeValue, rule: DerivativeRule?) -> TapeValue {
        if !a.live { return constant(PlainBackend().apply(f, plain(a), rule: nil)) }
        let z = a.variable
        switch f {
        case .tanh, .sigmoid, .relu, .exp:
            let y: Variable<Double>
            switch f {
            case .tanh: y = z.tanh()
            case .sigmoid: y = z.sigmoid()
            case .relu: y = z.relu()
            default: y = z.exp()
            }
            guard let rule, a.live else { return wrap(y, a) }
            // y = c(f(z)) + g(z) − c(g(z)): value f(z), derivative g′(z).
            let g: Variable<Double>
            switch (f, rule) {
            case (.sigmoid, .wrongVariable):
                let z2 = z * z
                g = z2.scaled(by: 0.5) - (z2 * z).scaled(by: 1.0 / 3.0)
            case (.tanh, .wrongVariable):
                g = z - (z * z * z).scaled(by: 1.0 / 3.0)
            default:
                g = z
            }
            let result = tape.constant(y.value) + (g - tape.constant(g.value))
            return TapeValue(variable: result, live: true)
        case .log:
            return wrap(z.log(), a)
        case .sqrt:
            return wrap(z.log().scaled(by: 0.5).exp(), a)
        case .sumAll:
            return wrap(z.sum(), a)
        case .softmax:
            let n = z.rows
            let shift = z.value.storage.max() ?? 0
            let shifted = z - tape.constant(Matrix(rows: n, cols: 1, repeating: shift))
            let logTotal = shifted.exp().sum().log()
            let logProbabilities = shifted - broadcast(TapeValue(variable: logTotal, live: a.live), n, 1).variable
            let p = logProbabilities.exp()
            guard let rule else { return wrap(p, a) }
            // c(p) + g(z) − c(g(z)): value p, Jacobian g′(z).
            var g = z
            if rule == .diagonalOnly {
                g = z * tape.constant(p.value.map { $0 * (1 - $0) })
            }
            let result = tape.constant(p.value) + (g - tape.constant(g.value))
            return TapeValue(variable: result, live: true)
        case .diag:
            var v = z
            if v.rows == 1 { v = v.transposed() }
            let n = v.rows
            let spread = v.matmul(tape.constant(Matrix(rows: 1, cols: n, repeating: 1)))
            return wrap(spread * tape.constant(.identity(n)), a)
        }
    }

    func entry(_ a: TapeValue, _ row: Int, _ col: Int) -> TapeValue {
        if !a.live { return number(a.value.storage[row * a.value.cols + col]) }
        var v = a.variable
        if v.rows > 1 { v = v.rows(row..<(row + 1)) }
        if v.cols > 1 { v = v.columns(col..<(col + 1)) }
        return TapeValue(variable: v, live: true)
    }

    func identity(_ n: Int) -> TapeValue { constant(.identity(n)) }
    func filled(_ x: Double, _ rows: Int, _ cols: Int) -> TapeValue { constant(Matrix(rows: rows, cols: cols, repeating: x)) }
}
