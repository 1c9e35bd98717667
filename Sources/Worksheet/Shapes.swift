// Shapes.swift — shape inference and range checks for one instance of an expression, and the
// static checks of claims.
//
// Rules (A m×n, B, s a 1×1 scalar):
//   A + B, A − B, A * B (⊙), A / B   same shape, or one side a scalar (it broadcasts)
//   A @ B                            A m×k, B k×n → m×n
//   A ^ p                            p a scalar or A's shape
//   Aᵀ, A'                           n×m
//   tanh σ relu exp log sqrt         A's shape;  softmax: a column n×1
//   sum(A)                           1×1;  diag(v): v n×1 or 1×n → n×n
//   sum(i = a..b, e)                 every term the same shape; empty → zeros of that shape
//   prod(i = a..b, e)                e(b) @ … @ e(a); empty → the identity (e square)
//   A[i] (A a vector), A[i, j]       1×1, entries from 1
//   I(n), ones(m, n), zeros(m, n)    n×n, m×n;  onehot(c, n): n×1, c in 1…n
//
// For an empty range the shape of the body is found "leniently": the body is inspected with
// the index at the range's start, and an element that does not exist there lends the shape of
// another element of its family.

import WorkbenchNumerics

/// Raised by lenient inference when a shape cannot be told.
struct ShapeUnknown: Error {}

extension CheckedWorksheet {
    // MARK: - Integer expressions

    /// The value of an index expression without class labels (nil on overflow or a label).
    func evaluateStatic(_ e: IndexExpr, _ b: [Int]) -> Int? {
        switch e {
        case .constant(let v): return v
        case .slot(let s): return s < b.count ? b[s] : nil
        case .label: return nil
        case .add(let x, let y):
            guard let l = evaluateStatic(x, b), let r = evaluateStatic(y, b) else { return nil }
            let (v, o) = l.addingReportingOverflow(r)
            return o ? nil : v
        case .subtract(let x, let y):
            guard let l = evaluateStatic(x, b), let r = evaluateStatic(y, b) else { return nil }
            let (v, o) = l.subtractingReportingOverflow(r)
            return o ? nil : v
        case .multiply(let x, let y):
            guard let l = evaluateStatic(x, b), let r = evaluateStatic(y, b) else { return nil }
            let (v, o) = l.multipliedReportingOverflow(by: r)
            return o ? nil : v
        case .negate(let x):
            guard let v = evaluateStatic(x, b), v != .min else { return nil }
            return -v
        }
    }

    /// The smallest and largest value an index expression can take over the class labels it reads.
    func interval(_ e: IndexExpr, _ b: [Int]) -> (lower: Int, upper: Int)? {
        switch e {
        case .constant, .slot:
            return evaluateStatic(e, b).map { ($0, $0) }
        case .label(let family, let indices):
            let values = indices.map { evaluateStatic($0, b) ?? .min }
            guard let el = element(family, values), case .label(let lo, let hi) = elements[el].role else { return nil }
            if let v = givenLabels[el] { return (v, v) }
            return (lo, hi)
        case .add(let x, let y):
            guard let l = interval(x, b), let r = interval(y, b) else { return nil }
            let (a, o1) = l.lower.addingReportingOverflow(r.lower), (c, o2) = l.upper.addingReportingOverflow(r.upper)
            return o1 || o2 ? nil : (a, c)
        case .subtract(let x, let y):
            guard let l = interval(x, b), let r = interval(y, b) else { return nil }
            let (a, o1) = l.lower.subtractingReportingOverflow(r.upper), (c, o2) = l.upper.subtractingReportingOverflow(r.lower)
            return o1 || o2 ? nil : (a, c)
        case .multiply(let x, let y):
            guard let l = interval(x, b), let r = interval(y, b) else { return nil }
            var products: [Int] = []
            for p in [l.lower, l.upper] {
                for q in [r.lower, r.upper] {
                    let (v, o) = p.multipliedReportingOverflow(by: q)
                    if o { return nil }
                    products.append(v)
                }
            }
            return (products.min()!, products.max()!)
        case .negate(let x):
            guard let v = interval(x, b), v.lower != .min, v.upper != .min else { return nil }
            return (-v.upper, -v.lower)
        }
    }

    private func text(_ node: Node) -> String { "`\(source.text(node.range))`" }

    // MARK: - Shapes

    /// The shape of `node` for the instance `b` of statement `s`, checking operands, entries and
    /// references. Lenient inference (for empty ranges) skips range checks and borrows shapes.
    func shapeOf(_ node: Node, _ b: inout [Int], _ s: Statement, lenient: Bool, bound: Int? = nil) throws -> Shape {
        let boundSlots = bound ?? s.ranges.count
        func here() -> String { at(b, s, slots: boundSlots) }
        switch node.kind {
        case .number, .integer:
            return .scalar
        case .literal(let m):
            return Shape(rows: m.rows, cols: m.cols)
        case .reference(let family, let indices):
            if lenient {
                let values = indices.map { evaluateStatic($0, b) ?? .min }
                if let e = element(family, values), shapeKnown(e) { return elements[e].shape }
                for e in families[family].elements.values where shapeKnown(e) { return elements[e].shape }
                throw ShapeUnknown()
            }
            let e = try lookup(family, indices, b, s, node)
            return elements[e].shape
        case .entry(let base, let idx):
            let shape = try shapeOf(base, &b, s, lenient: lenient, bound: boundSlots)
            if idx.count == 1 && !shape.isVector {
                throw WorksheetError(.shape, "\(text(base)) is \(shape): an entry of a matrix needs two indices [i, j]\(here())",
                                     at: node.range, in: source)
            }
            if lenient { return .scalar }
            let limits: [(Int, String)] = idx.count == 2 ? [(shape.rows, "row"), (shape.cols, "column")]
                : [(shape.cols == 1 ? shape.rows : shape.cols, "entry")]
            for (expr, (limit, what)) in zip(idx, limits) {
                guard let r = interval(expr, b) else { throw overflow(node.range) }
                if r.lower < 1 || r.upper > limit {
                    let value = r.lower == r.upper ? "\(r.lower)" : "\(r.lower < 1 ? r.lower : r.upper) (its class range is \(r.lower)…\(r.upper))"
                    throw WorksheetError(.indexRange, "\(what) \(value) is outside 1…\(limit): \(text(base)) is \(shape)\(here())",
                                         at: node.range, in: source)
                }
            }
            return .scalar
        case .negate(let a):
            return try shapeOf(a, &b, s, lenient: lenient, bound: boundSlots)
        case .transpose(let a):
            return try shapeOf(a, &b, s, lenient: lenient, bound: boundSlots).transposed
        case .binary(let op, let l, let r):
            let x = try shapeOf(l, &b, s, lenient: lenient, bound: boundSlots)
            let y = try shapeOf(r, &b, s, lenient: lenient, bound: boundSlots)
            switch op {
            case .matmul:
                guard x.cols == y.rows else {
                    throw WorksheetError(.shape, "\(text(node)) multiplies \(x) by \(y): the columns of the left (\(x.cols)) must equal the rows of the right (\(y.rows))\(here())",
                                         at: node.range, in: source)
                }
                return Shape(rows: x.rows, cols: y.cols)
            case .power:
                if y.isScalar { return x }
                if x == y || x.isScalar { return y }
                throw WorksheetError(.shape, "\(text(node)) raises \(x) to a \(y) power: the exponent must be a scalar or have the base's shape\(here())",
                                     at: node.range, in: source)
            case .add, .subtract, .multiply, .divide:
                if x == y || y.isScalar { return x }
                if x.isScalar { return y }
                let verb: String
                switch op {
                case .add: verb = "adds \(x) and \(y)"
                case .subtract: verb = "subtracts \(y) from \(x)"
                case .multiply: verb = "multiplies \(x) by \(y) element-wise"
                default: verb = "divides \(x) by \(y) element-wise"
                }
                let hint = op == .multiply && x.cols == y.rows ? "; for the matrix product write @" : ""
                throw WorksheetError(.shape, "\(text(node)) \(verb): the shapes must match or one side be a scalar\(hint)\(here())",
                                     at: node.range, in: source)
            }
        case .function(let f, let a):
            let x = try shapeOf(a, &b, s, lenient: lenient, bound: boundSlots)
            switch f {
            case .softmax:
                guard x.cols == 1 else {
                    throw WorksheetError(.shape, "softmax takes a column (n×1), \(text(a)) is \(x)\(here())", at: node.range, in: source)
                }
                return x
            case .sumAll:
                return .scalar
            case .diag:
                guard x.isVector else {
                    throw WorksheetError(.shape, "diag takes a vector (n×1 or 1×n), \(text(a)) is \(x)\(here())", at: node.range, in: source)
                }
                return Shape(rows: x.count, cols: x.count)
            default:
                return x
            }
        case .identity(let n):
            guard let v = evaluateStatic(n, b) else { throw overflow(node.range) }
            try checkDimension(v, node, here())
            return Shape(rows: v, cols: v)
        case .filled(_, let m, let n):
            guard let r = evaluateStatic(m, b), let c = evaluateStatic(n, b) else { throw overflow(node.range) }
            try checkDimension(r, node, here())
            try checkDimension(c, node, here())
            return Shape(rows: r, cols: c)
        case .onehot(let c, let n):
            guard let size = evaluateStatic(n, b) else { throw overflow(node.range) }
            try checkDimension(size, node, here())
            if !lenient {
                guard let r = interval(c, b) else { throw overflow(node.range) }
                if r.lower < 1 || r.upper > size {
                    throw WorksheetError(.indexRange, "onehot's class \(r.lower == r.upper ? "\(r.lower)" : "(from \(r.lower) to \(r.upper))") is outside 1…\(size)\(here())",
                                         at: node.range, in: source)
                }
            }
            return Shape(rows: size, cols: 1)
        case .reduction(let kind, let slot, let lower, let upper, let body):
            guard let lo = evaluateStatic(lower, b), let hi = evaluateStatic(upper, b) else { throw overflow(node.range) }
            let inner = max(boundSlots, slot + 1)
            if lo > hi || lenient {
                b[slot] = lo
                let shape: Shape
                do {
                    shape = try shapeOf(body, &b, s, lenient: true, bound: inner)
                } catch is ShapeUnknown {
                    if lenient { throw ShapeUnknown() }
                    throw WorksheetError(.shape, "cannot tell the shape of this empty \(kind.rawValue) (\(s.slotNames[slot]) = \(lo)..\(hi))\(here()): no element it names has a known shape",
                                         at: node.range, in: source)
                }
                if kind == .prod && shape.rows != shape.cols && lo > hi {
                    throw WorksheetError(.shape, "an empty prod is the identity, which needs a square body; \(text(body)) is \(shape)\(here())",
                                         at: node.range, in: source)
                }
                if kind == .prod && lenient { return Shape(rows: shape.rows, cols: shape.rows) }
                return shape
            }
            try charge(hi - lo + 1, at: node.range)
            var result: Shape?
            var previous: (Shape, Int)?
            for v in lo...hi {
                b[slot] = v
                let shape = try shapeOf(body, &b, s, lenient: false, bound: inner)
                switch kind {
                case .sum:
                    if let r = result, r != shape, !(shape.isScalar || r.isScalar) {
                        throw WorksheetError(.shape, "the terms of this sum have different shapes: \(r) at \(s.slotNames[slot]) = \(lo), \(shape) at \(s.slotNames[slot]) = \(v)\(here())",
                                             at: node.range, in: source)
                    }
                    if result == nil || result!.isScalar { result = shape }
                case .prod:
                    // Highest index on the left: term(v) @ (product of the lower terms).
                    if let (p, pv) = previous, shape.cols != p.rows {
                        throw WorksheetError(.shape, "\(text(node)) multiplies \(shape) (at \(s.slotNames[slot]) = \(v)) by \(p) (at \(s.slotNames[slot]) = \(pv)): the columns of the left must equal the rows of the right\(here())",
                                             at: node.range, in: source)
                    }
                    previous = (Shape(rows: shape.rows, cols: previous?.0.cols ?? shape.cols), v)
                    result = previous!.0
                }
            }
            return result!
        }
    }

    private func checkDimension(_ v: Int, _ node: Node, _ here: String) throws {
        if v < 1 { throw WorksheetError(.indexRange, "a dimension must be at least 1, got \(v)\(here)", at: node.range, in: source) }
        if v > 100_000 { throw WorksheetError(.tooLarge, "a dimension of \(v) is too large for a worksheet", at: node.range, in: source) }
    }

    func shapeKnown(_ e: Int) -> Bool {
        let element = elements[e]
        if element.role == .definition || element.role == .helper { return shapesDone || (!rank.isEmpty && rank[e] < shapedUpTo) }
        return true
    }

    // MARK: - Pass 5: claims

    /// The shape of dA/dB: d(scalar)/dB has B's shape, dA/d(scalar) has A's, and d(vector a)/d(vector b)
    /// is the Jacobian with one row per entry of a. Nil when the language does not define it.
    static func derivativeShape(numerator a: Shape, denominator b: Shape) -> Shape? {
        if a.isScalar { return b }
        if b.isScalar { return a }
        guard a.isVector && b.isVector else { return nil }
        return Shape(rows: a.count, cols: b.count)
    }

    /// The element and entry a side of a derivative names, for one instance; checks ranges.
    func resolveTarget(_ t: DerivativeTarget, _ b: [Int], _ s: Statement) throws -> (element: Int, entry: (Int, Int)?, shape: Shape) {
        let values = try t.indices.map { expr -> Int in
            guard let v = evaluateStatic(expr, b) else { throw overflow(t.range) }
            return v
        }
        guard let e = element(t.family, values) else {
            let name = families[t.family].name
            let shown = values.isEmpty ? name : "\(name)[\(values.map(String.init).joined(separator: ","))]"
            let summary = indexSummary(t.family, arity: values.count)
            throw WorksheetError(.undefined, "\(shown) is used but never defined\(at(b, s))\(summary.isEmpty ? "" : "; \(summary)")",
                                 at: t.range, in: source)
        }
        let shape = elements[e].shape
        guard let entry = t.entry else { return (e, nil, shape) }
        let idx = entry.map { evaluateStatic($0, b) ?? .min }
        let position: (Int, Int)
        if idx.count == 1 {
            guard shape.isVector else {
                throw WorksheetError(.shape, "\(elementName(e)) is \(shape): an entry of a matrix needs two indices [i, j]\(at(b, s))",
                                     at: t.range, in: source)
            }
            let limit = shape.cols == 1 ? shape.rows : shape.cols
            guard (1...limit).contains(idx[0]) else {
                throw WorksheetError(.indexRange, "entry \(idx[0]) is outside 1…\(limit): \(elementName(e)) is \(shape)\(at(b, s))",
                                     at: t.range, in: source)
            }
            position = shape.cols == 1 ? (idx[0] - 1, 0) : (0, idx[0] - 1)
        } else {
            guard (1...shape.rows).contains(idx[0]), (1...shape.cols).contains(idx[1]) else {
                throw WorksheetError(.indexRange, "entry (\(idx[0]), \(idx[1])) is outside \(elementName(e)), which is \(shape)\(at(b, s))",
                                     at: t.range, in: source)
            }
            position = (idx[0] - 1, idx[1] - 1)
        }
        return (e, position, .scalar)
    }

    func checkClaims() throws {
        for s in statements where s.kind == .claim {
            var count = 0
            try forEachInstance(of: s) { b in
                let num = try resolveTarget(s.numerator!, b, s)
                let den = try resolveTarget(s.denominator!, b, s)
                guard let expected = CheckedWorksheet.derivativeShape(numerator: num.shape, denominator: den.shape) else {
                    throw WorksheetError(.invalid, "d\(s.numerator!.text)/d\(s.denominator!.text): \(elementName(num.element)) is \(num.shape) and \(elementName(den.element)) is \(den.shape); a Jacobian needs two vectors — take an entry or a sum of the numerator",
                                         at: s.targetRange, in: source)
                }
                var bindings = b
                let shape = try shapeOf(s.body!, &bindings, s, lenient: false)
                if shape != expected && shape != expected.transposed && !shape.isScalar {
                    let why: String
                    if num.shape.isScalar { why = den.shape.isScalar ? "a scalar" : "the shape of \(s.denominator!.text)" }
                    else if den.shape.isScalar { why = "the shape of \(s.numerator!.text)" }
                    else { why = "one row per entry of \(s.numerator!.text), one column per entry of \(s.denominator!.text)" }
                    throw WorksheetError(.shape, "the claim's right side is \(shape) but d\(s.numerator!.text)/d\(s.denominator!.text) is \(expected) (\(why))\(at(b, s))",
                                         at: s.body!.range, in: source)
                }
                count += 1
                if count > limits.claimInstances {
                    throw WorksheetError(.tooLarge, "this claim has more than \(limits.claimInstances) instances; make its ranges smaller",
                                         at: s.range, in: source)
                }
            }
            if count == 0 {
                throw WorksheetError(.indexRange, "this claim has no instances: its `for` ranges are empty", at: s.range, in: source)
            }
            claimInstanceCounts[s.index] = count
        }
    }
}
