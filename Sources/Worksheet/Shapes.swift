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
// another element of its family. An element whose empty range names only elements not yet shaped
// (a `let` that is an empty prod over a family defined later) waits until they are: see
// `inferShapes`.

import WorkbenchNumerics

/// Raised by lenient inference when a shape cannot be told.
struct ShapeUnknown: Error {}

/// Raised by `shapeOf(deferrable: true)` when an empty range's shape cannot be told yet: `error`
/// is what the student sees if it never can.
struct EmptyRangeShapeUnknown: Error {
    let error: WorksheetError
}

extension CheckedWorksheet {
    // MARK: - Integer expressions

    /// The value of an index expression without class labels (nil on overflow or a label).
    func evaluateStatic(_ e: IndexExpr, _ b: [Int]) -> Int? {
        switch e {
        case .constant(let v): return v
        case .slot(let s): return s < b.count ? b[s] : nil
        case .offset(let s, let d):
            guard s < b.count else { return nil }
            let (v, o) = b[s].addingReportingOverflow(d)
            return o ? nil : v
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

    /// The value of an index expression tree with the drawn class labels.
    func evaluate(_ e: IndexExpr, _ b: [Int], labels: [Int: Int]) -> Int {
        switch e {
        case .constant(let v): return v
        case .slot(let s): return b[s]
        case .offset(let s, let d): return b[s] &+ d
        case .label(let family, let indices):
            let values = indices.map { evaluate($0, b, labels: labels) }
            return element(family, values).flatMap { labels[$0] } ?? 0
        case .add(let x, let y): return evaluate(x, b, labels: labels) &+ evaluate(y, b, labels: labels)
        case .subtract(let x, let y): return evaluate(x, b, labels: labels) &- evaluate(y, b, labels: labels)
        case .multiply(let x, let y): return evaluate(x, b, labels: labels) &* evaluate(y, b, labels: labels)
        case .negate(let x): return 0 &- evaluate(x, b, labels: labels)
        }
    }

    /// The range of the class label `family` at `indices`: its given value, or its declared range.
    func labelInterval(_ family: Int, _ indices: [Int]) -> (lower: Int, upper: Int)? {
        guard let el = element(family, indices), case .label(let lo, let hi) = elements[el].role else { return nil }
        if let v = givenLabels[el] { return (v, v) }
        return (lo, hi)
    }

    /// The smallest and largest value an index expression can take over the class labels it reads.
    func interval(_ e: IndexExpr, _ b: [Int]) -> (lower: Int, upper: Int)? {
        switch e {
        case .constant, .slot, .offset:
            return evaluateStatic(e, b).map { ($0, $0) }
        case .label(let family, let indices):
            return labelInterval(family, indices.map { evaluateStatic($0, b) ?? .min })
        case .add(let x, let y):
            return IntInterval.sum(interval(x, b), interval(y, b))
        case .subtract(let x, let y):
            return IntInterval.difference(interval(x, b), interval(y, b))
        case .multiply(let x, let y):
            return IntInterval.product(interval(x, b), interval(y, b))
        case .negate(let x):
            return IntInterval.negation(interval(x, b))
        }
    }

    /// The value of a flattened index expression without class labels (nil on overflow or a label).
    func staticValue(_ id: IndexID, _ b: [Int]) -> Int? { staticValue(id, b, expressions) }

    func staticValue(_ id: IndexID, _ b: [Int], _ ops: Expressions) -> Int? {
        switch ops.indexOps[id] {
        case .constant(let v): return v
        case .slot(let s): return s < b.count ? b[s] : nil
        case .offset(let s, let d):
            guard s < b.count else { return nil }
            let (v, o) = b[s].addingReportingOverflow(d)
            return o ? nil : v
        case .label: return nil
        case .add(let p, let q):
            guard let l = staticValue(p, b, ops), let r = staticValue(q, b, ops) else { return nil }
            let (v, o) = l.addingReportingOverflow(r)
            return o ? nil : v
        case .subtract(let p, let q):
            guard let l = staticValue(p, b, ops), let r = staticValue(q, b, ops) else { return nil }
            let (v, o) = l.subtractingReportingOverflow(r)
            return o ? nil : v
        case .multiply(let p, let q):
            guard let l = staticValue(p, b, ops), let r = staticValue(q, b, ops) else { return nil }
            let (v, o) = l.multipliedReportingOverflow(by: r)
            return o ? nil : v
        case .negate(let p):
            guard let v = staticValue(p, b, ops), v != .min else { return nil }
            return -v
        }
    }

    /// The range of values a flattened index expression can take over the class labels it reads.
    func staticInterval(_ id: IndexID, _ b: [Int]) -> (lower: Int, upper: Int)? {
        let x = expressions
        switch x.indexOps[id] {
        case .constant, .slot, .offset:
            return staticValue(id, b).map { ($0, $0) }
        case .label(let family, let indices):
            return labelInterval(family, (0..<indices.count).map { staticValue(x.index(indices, $0), b) ?? .min })
        case .add(let p, let q):
            return IntInterval.sum(staticInterval(p, b), staticInterval(q, b))
        case .subtract(let p, let q):
            return IntInterval.difference(staticInterval(p, b), staticInterval(q, b))
        case .multiply(let p, let q):
            return IntInterval.product(staticInterval(p, b), staticInterval(q, b))
        case .negate(let p):
            return IntInterval.negation(staticInterval(p, b))
        }
    }

    private func text(_ id: NodeID) -> String { "`\(source.text(expressions.nodes[id].range))`" }

    // MARK: - Shapes

    /// The shape of `node` for the instance `b` of statement `s`, checking operands, entries and
    /// references. Lenient inference (for empty ranges) skips range checks and borrows shapes.
    /// `rankBound`: only elements shaped before this position (of `shapeRank`) lend their shapes
    /// to lenient inference (those already shaped when the element at that position is), so that
    /// the static checks and the evaluation of an empty range agree.
    /// `rankBound` counts in `shapeRank`. With `deferrable`, an empty range whose shape cannot
    /// be told (yet) throws `EmptyRangeShapeUnknown` instead of the located error it carries.
    func shapeOf(
        _ id: NodeID, _ b: inout [Int], _ s: Statement, lenient: Bool, bound: Int? = nil,
        rankBound: Int = .max, deferrable: Bool = false
    ) throws -> Shape {
        do {
            return try shapeOf(id, &b, s, lenient: lenient, bound: bound ?? s.ranges.count, expressions, elementIndex, rankBound)
        } catch let unknown as EmptyRangeShapeUnknown where !deferrable {
            throw unknown.error
        }
    }

    /// `x` is passed down (rather than read from `self` at every node) so that walking millions of
    /// nodes costs no reference counting.
    private func shapeOf(
        _ id: NodeID, _ b: inout [Int], _ s: Statement, lenient: Bool, bound boundSlots: Int,
        _ x: Expressions, _ table: ElementIndex?, _ rankBound: Int
    ) throws -> Shape {
        let node = x.nodes[id]
        switch node.kind {
        case .number, .integer:
            return .scalar
        case .literal(let k):
            let m = x.literals[k]
            return Shape(rows: m.rows, cols: m.cols)
        case .reference(let family, let indices):
            if lenient {
                let values = (0..<indices.count).map { staticValue(x.index(indices, $0), b) ?? .min }
                if let e = element(family, values), shapeKnown(e, rankBound) { return elements[e].shape }
                // Borrow from the first element (by id) of the family with as many indices whose shape is known.
                var lender: Int?
                for (key, e) in families[family].elements where key.count == values.count && shapeKnown(e, rankBound) {
                    if lender == nil || e < lender! { lender = e }
                }
                if let lender { return elements[lender].shape }
                throw ShapeUnknown()
            }
            let e = try lookup(family, indices, b, s, node.range, x, table)
            return elements[e].shape
        case .entry(let base, let idx):
            let shape = try shapeOf(base, &b, s, lenient: lenient, bound: boundSlots, x, table, rankBound)
            if idx.count == 1 && !shape.isVector {
                throw WorksheetError(
                    .shape, "\(text(base)) is \(shape): an entry of a matrix needs two indices [i, j]\(at(b, s, slots: boundSlots))",
                    at: node.range, in: source)
            }
            if lenient { return .scalar }
            for k in 0..<idx.count {
                let limit = idx.count == 2 ? (k == 0 ? shape.rows : shape.cols) : (shape.cols == 1 ? shape.rows : shape.cols)
                let e = x.index(idx, k)
                let r: (lower: Int, upper: Int)
                switch x.indexOps[e] {
                case .constant, .slot, .offset:
                    guard let v = staticValue(e, b, x) else { throw overflow(node.range) }
                    r = (v, v)
                default:
                    guard let v = staticInterval(e, b) else { throw overflow(node.range) }
                    r = v
                }
                if r.lower < 1 || r.upper > limit {
                    let what = idx.count == 2 ? (k == 0 ? "row" : "column") : "entry"
                    let value =
                        r.lower == r.upper ? "\(r.lower)" : "\(r.lower < 1 ? r.lower : r.upper) (its class range is \(r.lower)…\(r.upper))"
                    throw WorksheetError(
                        .indexRange, "\(what) \(value) is outside 1…\(limit): \(text(base)) is \(shape)\(at(b, s, slots: boundSlots))",
                        at: node.range, in: source)
                }
            }
            return .scalar
        case .negate(let a):
            return try shapeOf(a, &b, s, lenient: lenient, bound: boundSlots, x, table, rankBound)
        case .transpose(let a):
            return try shapeOf(a, &b, s, lenient: lenient, bound: boundSlots, x, table, rankBound).transposed
        case .binary(let op, let l, let r):
            let p = try shapeOf(l, &b, s, lenient: lenient, bound: boundSlots, x, table, rankBound)
            let q = try shapeOf(r, &b, s, lenient: lenient, bound: boundSlots, x, table, rankBound)
            switch op {
            case .matmul:
                guard p.cols == q.rows else {
                    throw WorksheetError(
                        .shape,
                        "\(text(id)) multiplies \(p) by \(q): the columns of the left (\(p.cols)) must equal the rows of the right (\(q.rows))\(at(b, s, slots: boundSlots))",
                        at: node.range, in: source)
                }
                return try checkedSize(Shape(rows: p.rows, cols: q.cols), id)
            case .power:
                if q.isScalar { return p }
                if p == q || p.isScalar { return q }
                throw WorksheetError(
                    .shape,
                    "\(text(id)) raises \(p) to a \(q) power: the exponent must be a scalar or have the base's shape\(at(b, s, slots: boundSlots))",
                    at: node.range, in: source)
            case .add, .subtract, .multiply, .divide:
                if p == q || q.isScalar { return p }
                if p.isScalar { return q }
                let verb: String
                switch op {
                case .add: verb = "adds \(p) and \(q)"
                case .subtract: verb = "subtracts \(q) from \(p)"
                case .multiply: verb = "multiplies \(p) by \(q) element-wise"
                default: verb = "divides \(p) by \(q) element-wise"
                }
                let hint = op == .multiply && p.cols == q.rows ? "; for the matrix product write @" : ""
                throw WorksheetError(
                    .shape, "\(text(id)) \(verb): the shapes must match or one side be a scalar\(hint)\(at(b, s, slots: boundSlots))",
                    at: node.range, in: source)
            }
        case .function(let f, let a):
            let p = try shapeOf(a, &b, s, lenient: lenient, bound: boundSlots, x, table, rankBound)
            switch f {
            case .softmax:
                guard p.cols == 1 else {
                    throw WorksheetError(
                        .shape, "softmax takes a column (n×1), \(text(a)) is \(p)\(at(b, s, slots: boundSlots))", at: node.range, in: source
                    )
                }
                return p
            case .sumAll:
                return .scalar
            case .diag:
                guard p.isVector else {
                    throw WorksheetError(
                        .shape, "diag takes a vector (n×1 or 1×n), \(text(a)) is \(p)\(at(b, s, slots: boundSlots))", at: node.range,
                        in: source)
                }
                return try checkedSize(Shape(rows: p.count, cols: p.count), id)
            default:
                return p
            }
        case .identity(let n):
            guard let v = staticValue(n, b) else { throw overflow(node.range) }
            try checkDimension(v, node, at(b, s, slots: boundSlots))
            return try checkedSize(Shape(rows: v, cols: v), id)
        case .filled(_, let m, let n):
            guard let r = staticValue(m, b), let c = staticValue(n, b) else { throw overflow(node.range) }
            try checkDimension(r, node, at(b, s, slots: boundSlots))
            try checkDimension(c, node, at(b, s, slots: boundSlots))
            return try checkedSize(Shape(rows: r, cols: c), id)
        case .onehot(let c, let n):
            guard let size = staticValue(n, b) else { throw overflow(node.range) }
            try checkDimension(size, node, at(b, s, slots: boundSlots))
            if !lenient {
                guard let r = staticInterval(c, b) else { throw overflow(node.range) }
                if r.lower < 1 || r.upper > size {
                    throw WorksheetError(
                        .indexRange,
                        "onehot's class \(r.lower == r.upper ? "\(r.lower)" : "(from \(r.lower) to \(r.upper))") is outside 1…\(size)\(at(b, s, slots: boundSlots))",
                        at: node.range, in: source)
                }
            }
            return Shape(rows: size, cols: 1)
        case .reduction(let kind, let slot, let lower, let upper, let body):
            guard let lo = staticValue(lower, b), let hi = staticValue(upper, b) else { throw overflow(node.range) }
            let inner = max(boundSlots, slot + 1)
            if lo > hi || lenient {
                b[slot] = lo
                let shape: Shape
                do {
                    shape = try shapeOf(body, &b, s, lenient: true, bound: inner, x, table, rankBound)
                } catch is ShapeUnknown {
                    if lenient { throw ShapeUnknown() }
                    throw EmptyRangeShapeUnknown(
                        error: WorksheetError(
                            .shape,
                            "cannot tell the shape of this empty \(kind.rawValue) (\(s.slotNames[slot]) = \(lo)..\(hi))\(at(b, s, slots: boundSlots)): no element it names has a known shape",
                            at: node.range, in: source))
                }
                if kind == .prod && shape.rows != shape.cols && lo > hi {
                    throw WorksheetError(
                        .shape,
                        "an empty prod is the identity, which needs a square body; \(text(body)) is \(shape)\(at(b, s, slots: boundSlots))",
                        at: node.range, in: source)
                }
                if kind == .prod && lenient { return Shape(rows: shape.rows, cols: shape.rows) }
                return shape
            }
            try charge(span(lo, hi) ?? .max, at: node.range)
            var result: Shape?
            var previous: (Shape, Int)?
            for v in lo...hi {
                b[slot] = v
                let shape = try shapeOf(body, &b, s, lenient: false, bound: inner, x, table, rankBound)
                switch kind {
                case .sum:
                    if let r = result, r != shape, !(shape.isScalar || r.isScalar) {
                        throw WorksheetError(
                            .shape,
                            "the terms of this sum have different shapes: \(r) at \(s.slotNames[slot]) = \(lo), \(shape) at \(s.slotNames[slot]) = \(v)\(at(b, s, slots: boundSlots))",
                            at: node.range, in: source)
                    }
                    if result == nil || result!.isScalar { result = shape }
                case .prod:
                    // Highest index on the left: term(v) @ (product of the lower terms).
                    if let (p, pv) = previous, shape.cols != p.rows {
                        throw WorksheetError(
                            .shape,
                            "\(text(id)) multiplies \(shape) (at \(s.slotNames[slot]) = \(v)) by \(p) (at \(s.slotNames[slot]) = \(pv)): the columns of the left must equal the rows of the right\(at(b, s, slots: boundSlots))",
                            at: node.range, in: source)
                    }
                    previous = (Shape(rows: shape.rows, cols: previous?.0.cols ?? shape.cols), v)
                    result = previous!.0
                }
            }
            return result!
        }
    }

    private func checkedSize(_ shape: Shape, _ id: NodeID) throws -> Shape {
        if shape.rows > limits.dimension || shape.cols > limits.dimension || shape.count > limits.entries {
            throw WorksheetError(
                .tooLarge, "\(text(id)) would be \(shape), more than a worksheet can hold", at: expressions.nodes[id].range, in: source)
        }
        return shape
    }

    private func checkDimension(_ v: Int, _ node: Node, _ here: String) throws {
        if v < 1 { throw WorksheetError(.indexRange, "a dimension must be at least 1, got \(v)\(here)", at: node.range, in: source) }
        if v > limits.dimension {
            throw WorksheetError(.tooLarge, "a dimension of \(v) is too large for a worksheet", at: node.range, in: source)
        }
    }

    /// Whether element `e` has its shape when the element at position `rankBound` of `shapeRank`
    /// is shaped.
    func shapeKnown(_ e: Int, _ rankBound: Int) -> Bool {
        let element = elements[e]
        if element.role == .definition || element.role == .helper { return e < shapeRank.count && shapeRank[e] < rankBound }
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
    /// With `labels` (when checking) an entry picked by a class label is the label's drawn value;
    /// without (the static checks) every value of the label's range is checked.
    func resolveTarget(
        _ t: DerivativeTarget, _ b: [Int], _ s: Statement,
        labels: [Int: Int]? = nil
    ) throws -> (element: Int, entry: (Int, Int)?, shape: Shape) {
        let values = try t.indices.map { expr -> Int in
            guard let v = evaluateStatic(expr, b) else { throw overflow(t.range) }
            return v
        }
        guard let e = element(t.family, values) else {
            let name = families[t.family].name
            let shown = values.isEmpty ? name : "\(name)[\(values.map(String.init).joined(separator: ","))]"
            let summary = indexSummary(t.family, arity: values.count)
            throw WorksheetError(
                .undefined, "\(shown) is used but never defined\(at(b, s))\(summary.isEmpty ? "" : "; \(summary)")",
                at: t.range, in: source)
        }
        let shape = elements[e].shape
        guard let entry = t.entry else { return (e, nil, shape) }
        if entry.count == 1 && !shape.isVector {
            throw WorksheetError(
                .shape, "\(elementName(e)) is \(shape): an entry of a matrix needs two indices [i, j]\(at(b, s))",
                at: t.range, in: source)
        }
        let limits = entry.count == 1 ? [shape.cols == 1 ? shape.rows : shape.cols] : [shape.rows, shape.cols]
        var idx: [Int] = []
        for (expr, limit) in zip(entry, limits) {
            guard let r = interval(expr, b) else { throw overflow(t.range) }
            if r.lower < 1 || r.upper > limit {
                let value =
                    r.lower == r.upper ? "\(r.lower)" : "\(r.lower < 1 ? r.lower : r.upper) (its class range is \(r.lower)…\(r.upper))"
                throw WorksheetError(
                    .indexRange, "entry \(value) is outside 1…\(limit): \(elementName(e)) is \(shape)\(at(b, s))",
                    at: t.range, in: source)
            }
            idx.append(labels.map { evaluate(expr, b, labels: $0) } ?? r.lower)
        }
        let position = entry.count == 1 ? (shape.cols == 1 ? (idx[0] - 1, 0) : (0, idx[0] - 1)) : (idx[0] - 1, idx[1] - 1)
        return (e, position, .scalar)
    }

    func checkClaims() throws {
        for s in statements where s.kind == .claim {
            var count = 0
            try forEachInstance(of: s) { b in
                let num = try resolveTarget(s.numerator!, b, s)
                let den = try resolveTarget(s.denominator!, b, s)
                guard let expected = CheckedWorksheet.derivativeShape(numerator: num.shape, denominator: den.shape) else {
                    throw WorksheetError(
                        .invalid,
                        "d\(s.numerator!.text)/d\(s.denominator!.text): \(elementName(num.element)) is \(num.shape) and \(elementName(den.element)) is \(den.shape); a Jacobian needs two vectors — take an entry or a sum of the numerator",
                        at: s.targetRange, in: source)
                }
                var bindings = b
                let shape = try shapeOf(s.body!, &bindings, s, lenient: false)
                if shape != expected && shape != expected.transposed && !shape.isScalar {
                    let why: String
                    if num.shape.isScalar {
                        why = den.shape.isScalar ? "a scalar" : "the shape of \(s.denominator!.text)"
                    } else if den.shape.isScalar {
                        why = "the shape of \(s.numerator!.text)"
                    } else {
                        why = "one row per entry of \(s.numerator!.text), one column per entry of \(s.denominator!.text)"
                    }
                    throw WorksheetError(
                        .shape,
                        "the claim's right side is \(shape) but d\(s.numerator!.text)/d\(s.denominator!.text) is \(expected) (\(why))\(at(b, s))",
                        at: expressions.nodes[s.body!].range, in: source)
                }
                count += 1
                if count > limits.claimInstances {
                    throw WorksheetError(
                        .tooLarge, "this claim has more than \(limits.claimInstances) instances; make its ranges smaller",
                        at: s.range, in: source)
                }
            }
            if count == 0 {
                throw WorksheetError(.indexRange, "this claim has no instances: its `for` ranges are empty", at: s.range, in: source)
            }
        }
    }
}

/// Interval arithmetic on integer bounds [lower, upper], for the ranges an index expression can
/// take: nil when an operand is unknown (nil) or a bound overflows `Int`.
enum IntInterval {
    typealias Bounds = (lower: Int, upper: Int)

    static func sum(_ l: Bounds?, _ r: Bounds?) -> Bounds? {
        guard let l, let r else { return nil }
        let (a, o1) = l.lower.addingReportingOverflow(r.lower), (c, o2) = l.upper.addingReportingOverflow(r.upper)
        return o1 || o2 ? nil : (a, c)
    }

    static func difference(_ l: Bounds?, _ r: Bounds?) -> Bounds? {
        guard let l, let r else { return nil }
        let (a, o1) = l.lower.subtractingReportingOverflow(r.upper), (c, o2) = l.upper.subtractingReportingOverflow(r.lower)
        return o1 || o2 ? nil : (a, c)
    }

    static func product(_ l: Bounds?, _ r: Bounds?) -> Bounds? {
        guard let l, let r else { return nil }
        var products: [Int] = []
        for p in [l.lower, l.upper] {
            for q in [r.lower, r.upper] {
                let (v, o) = p.multipliedReportingOverflow(by: q)
                if o { return nil }
                products.append(v)
            }
        }
        return (products.min()!, products.max()!)
    }

    /// −[lower, upper]; nil when a bound is Int.min (its negation overflows).
    static func negation(_ v: Bounds?) -> Bounds? {
        guard let v, v.lower != .min, v.upper != .min else { return nil }
        return (-v.upper, -v.lower)
    }
}
