// Evaluator.swift — one walk of an expression for one instance, on either backend.
//
// The evaluator knows the language; the backend knows the arithmetic. Element values come from
// a lookup the caller supplies (a cache of plain values, the nodes recorded on a tape, or values
// with one element perturbed for finite differences). A `Modification` changes the model for the
// diagnosis: a use held constant, a derivative rule written wrong, or a sum over fewer terms.

import WorkbenchNumerics

/// A change to the model that a wrong derivative corresponds to.
enum Modification: Equatable, Hashable {
    /// The reference node `node` (one use of one quantity in one definition) held constant; only
    /// in the definition of element `element` when one is given (one step of a recurrence).
    case dropped(node: Int, element: Int?)
    /// The function nodes `nodes` differentiated with a wrong rule.
    case rule(nodes: Set<Int>, DerivativeRule)
    /// The `sum(i = a..b, …)` node `node` taken over fewer terms.
    case partial(node: Int, PartialTerms)

    /// Whether the modification changes values (not only derivatives).
    var changesValues: Bool { if case .partial = self { return true } else { return false } }
}

/// Which terms of a sum a partial loss keeps.
enum PartialTerms: Hashable {
    case lastOnly, firstOnly, startsLate, endsEarly
    /// Only the term whose index is this value (a claim's own step: only L[t] in dL/dh[t]);
    /// nothing when the value is outside the range.
    case only(Int)

    /// The partial sums that do not depend on the claim's instance.
    static let fixed: [PartialTerms] = [.lastOnly, .firstOnly, .startsLate, .endsEarly]

    /// The range kept of a..b (empty when nothing is kept), or nil when it is the same range.
    func apply(_ lower: Int, _ upper: Int) -> (Int, Int)? {
        guard lower <= upper else { return nil }
        switch self {
        case .lastOnly: return lower == upper ? nil : (upper, upper)
        case .firstOnly: return lower == upper ? nil : (lower, lower)
        case .startsLate: return (lower + 1, upper)
        case .endsEarly: return (lower, upper - 1)
        case .only(let v):
            if lower == upper && v == lower { return nil }
            if (lower...upper).contains(v) { return (v, v) }
            return lower == .max ? (lower, lower - 1) : (lower + 1, lower)  // empty, without overflow
        }
    }
}

/// Evaluates expressions of one worksheet on one backend.
struct Evaluator<B: Backend> {
    let sheet: CheckedWorksheet
    let expressions: Expressions
    let table: ElementIndex
    let backend: B
    /// Class-label values by element id.
    let labels: [Int: Int]
    var modification: Modification?
    /// The element whose definition is being evaluated (for a use held constant at one step).
    var currentElement: Int?
    /// The value of element `e`, referenced at node `node`.
    let element: (_ e: Int, _ node: NodeID) -> B.Value

    init(
        sheet: CheckedWorksheet, backend: B, labels: [Int: Int], modification: Modification?,
        element: @escaping (_ e: Int, _ node: NodeID) -> B.Value
    ) {
        self.sheet = sheet
        expressions = sheet.expressions
        table = sheet.elementIndex ?? ElementIndex(families: sheet.families)
        self.backend = backend
        self.labels = labels
        self.modification = modification
        self.element = element
    }

    /// The value of an index expression (class labels read from `labels`).
    func index(_ id: IndexID, _ b: [Int]) -> Int {
        switch expressions.indexOps[id] {
        case .constant(let v): return v
        case .slot(let s): return b[s]
        case .offset(let s, let d): return b[s] &+ d
        case .label(let family, let indices):
            let values = (0..<indices.count).map { index(expressions.index(indices, $0), b) }
            guard let el = sheet.element(family, values) else { return 0 }
            return labels[el] ?? 0
        case .add(let x, let y): return index(x, b) &+ index(y, b)
        case .subtract(let x, let y): return index(x, b) &- index(y, b)
        case .multiply(let x, let y): return index(x, b) &* index(y, b)
        case .negate(let x): return 0 &- index(x, b)
        }
    }

    /// The element a reference names for this instance (the static checks guarantee it exists).
    func referencedElement(_ family: Int, _ indices: IndexList, _ b: [Int]) -> Int? {
        switch indices.count {
        case 0: return table.element(family)
        case 1: return table.element(family, index(expressions.index(indices, 0), b))
        case 2: return table.element(family, index(expressions.index(indices, 0), b), index(expressions.index(indices, 1), b))
        default: return sheet.element(family, (0..<indices.count).map { index(expressions.index(indices, $0), b) })
        }
    }

    func evaluate(_ id: NodeID, _ b: inout [Int], _ s: Statement) -> B.Value {
        switch expressions.nodes[id].kind {
        case .number(let x):
            return backend.number(x)
        case .integer(let e):
            return backend.number(Double(index(e, b)))
        case .literal(let k):
            return backend.constant(expressions.literals[k])
        case .reference(let family, let indices):
            guard let e = referencedElement(family, indices, b) else { return backend.number(.nan) }
            let value = element(e, id)
            if case .dropped(let n, let only) = modification, n == id, only == nil || only == currentElement {
                return backend.detached(value)
            }
            return value
        case .entry(let base, let idx):
            let v = evaluate(base, &b, s)
            if idx.count == 2 {
                return backend.entry(v, index(expressions.index(idx, 0), b) - 1, index(expressions.index(idx, 1), b) - 1)
            }
            let i = index(expressions.index(idx, 0), b) - 1
            return backend.shape(v).cols == 1 ? backend.entry(v, i, 0) : backend.entry(v, 0, i)
        case .negate(let a):
            return backend.negate(evaluate(a, &b, s))
        case .transpose(let a):
            return backend.transpose(evaluate(a, &b, s))
        case .binary(let op, let l, let r):
            let x = evaluate(l, &b, s)
            let y = evaluate(r, &b, s)
            switch op {
            case .add: return backend.add(x, y)
            case .subtract: return backend.subtract(x, y)
            case .multiply: return backend.multiply(x, y)
            case .divide: return backend.divide(x, y)
            case .matmul: return backend.matmul(x, y)
            case .power: return backend.power(x, y)
            }
        case .function(let f, let a):
            var rule: DerivativeRule?
            if case .rule(let nodes, let r) = modification, nodes.contains(id) { rule = r }
            return backend.apply(f, evaluate(a, &b, s), rule: rule)
        case .identity(let n):
            return backend.identity(index(n, b))
        case .filled(let x, let m, let n):
            return backend.filled(x, index(m, b), index(n, b))
        case .onehot(let c, let n):
            var m = Matrix<Double>(rows: index(n, b), cols: 1)
            let k = index(c, b)
            if k >= 1 && k <= m.rows { m.storage[k - 1] = 1 }
            return backend.constant(m)
        case .reduction(let kind, let slot, let lowerExpr, let upperExpr, let body):
            var lower = index(lowerExpr, b), upper = index(upperExpr, b)
            let (originalLower, originalUpper) = (lower, upper)
            if case .partial(let n, let terms) = modification, n == id, let kept = terms.apply(lower, upper) {
                (lower, upper) = kept
            }
            if lower > upper {
                // An empty range: zeros or the identity, shaped as the static checks shaped it (or,
                // for a range a partial loss emptied, as its first term).
                var shape: Shape?
                if originalLower <= originalUpper {
                    b[slot] = originalLower
                    shape = try? sheet.shapeOf(body, &b, s, lenient: false, bound: slot + 1)
                }
                if shape == nil {
                    b[slot] = lower
                    let bound = currentElement.map { sheet.shapeRank[$0] } ?? .max
                    shape = try? sheet.shapeOf(body, &b, s, lenient: true, bound: slot + 1, rankBound: bound)
                }
                let m = shape ?? .scalar
                return kind == .sum ? backend.filled(0, m.rows, m.cols) : backend.identity(m.rows)
            }
            b[slot] = lower
            var result = evaluate(body, &b, s)
            if upper > lower {
                for v in (lower + 1)...upper {
                    b[slot] = v
                    let term = evaluate(body, &b, s)
                    // prod: the higher index goes on the left.
                    result = kind == .sum ? backend.add(result, term) : backend.matmul(term, result)
                }
            }
            return result
        }
    }
}

extension CheckedWorksheet {
    /// The slot array of an element's instance, ready for evaluation.
    func bindings(of e: Int) -> [Int] {
        let element = elements[e]
        let s = statements[element.statement]
        var b = [Int](repeating: 0, count: max(1, s.slotNames.count))
        for (i, v) in element.bindings.enumerated() where i < b.count { b[i] = v }
        return b
    }

    /// A constant expression's value (given values, literals).
    func evaluateConstant(_ node: NodeID, _ b: [Int], _ s: Statement) -> Matrix<Double> {
        let evaluator = Evaluator(sheet: self, backend: PlainBackend(), labels: [:], modification: nil) { _, _ in .scalar(.nan) }
        var bindings = b
        return evaluator.evaluate(node, &bindings, s).matrix
    }
}
