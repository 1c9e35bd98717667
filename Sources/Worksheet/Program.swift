// Program.swift — a worksheet with its names resolved: families, elements, statements and the
// expressions the evaluators walk (flat arrays of plain values, children named by position).
//
// A *family* is a name over indices (`h` with h[0] an input and h[t] definitions; `U` a plain
// parameter is a family over no index). An *element* is one member (`h[3]`), with one role:
// parameter, input, class label, model definition or helper (`let`). Index variables of a
// statement (its `for` ranges, then the variables of `sum`/`prod` inside it) live in numbered
// slots, so an instance of a statement is an array of integers.
//
// Shapes are (rows, cols); a column vector declared `[n]` is n×1; a scalar is 1×1. Indices and
// entries count from 1 in the language; entries are stored 0-based here.

import WorkbenchNumerics

/// Rows × columns of a value.
struct Shape: Equatable, Hashable, CustomStringConvertible, Sendable {
    let rows: Int
    let cols: Int
    static let scalar = Shape(rows: 1, cols: 1)
    var isScalar: Bool { rows == 1 && cols == 1 }
    var isVector: Bool { rows == 1 || cols == 1 }
    var count: Int { rows * cols }
    var transposed: Shape { Shape(rows: cols, cols: rows) }
    var description: String { "\(rows)×\(cols)" }
}

/// An integer expression: an index, a size, an entry position, a range bound.
enum IndexExpr {
    case constant(Int)
    /// An index variable of the statement.
    case slot(Int)
    /// slot + offset (`t-1`, `k+1`), the common case kept unboxed.
    case offset(slot: Int, by: Int)
    /// The value of a class-label element, e.g. `y[t]` in `p[t][y[t]]`.
    case label(family: Int, indices: [IndexExpr])
    indirect case add(IndexExpr, IndexExpr)
    indirect case subtract(IndexExpr, IndexExpr)
    indirect case multiply(IndexExpr, IndexExpr)
    indirect case negate(IndexExpr)

    /// Constants folded and slot ± constant turned into `offset`.
    var simplified: IndexExpr {
        switch self {
        case .add(let a, let b):
            switch (a.simplified, b.simplified) {
            case (.constant(let x), .constant(let y)):
                let (v, o) = x.addingReportingOverflow(y)
                return o ? self : .constant(v)
            case (.slot(let s), .constant(let c)), (.constant(let c), .slot(let s)): return .offset(slot: s, by: c)
            case (.offset(let s, let d), .constant(let c)), (.constant(let c), .offset(let s, let d)):
                let (v, o) = d.addingReportingOverflow(c)
                return o ? self : .offset(slot: s, by: v)
            case (let x, let y): return .add(x, y)
            }
        case .subtract(let a, let b):
            switch (a.simplified, b.simplified) {
            case (.constant(let x), .constant(let y)):
                let (v, o) = x.subtractingReportingOverflow(y)
                return o ? self : .constant(v)
            case (.slot(let s), .constant(let c)) where c != .min: return .offset(slot: s, by: -c)
            case (.offset(let s, let d), .constant(let c)):
                let (v, o) = d.subtractingReportingOverflow(c)
                return o ? self : .offset(slot: s, by: v)
            case (let x, let y): return .subtract(x, y)
            }
        case .multiply(let a, let b):
            switch (a.simplified, b.simplified) {
            case (.constant(let x), .constant(let y)):
                let (v, o) = x.multipliedReportingOverflow(by: y)
                return o ? self : .constant(v)
            case (let x, let y): return .multiply(x, y)
            }
        case .negate(let a):
            let x = a.simplified
            if case .constant(let v) = x, v != .min { return .constant(-v) }
            return .negate(x)
        case .label(let f, let indices):
            return .label(family: f, indices: indices.map(\.simplified))
        default:
            return self
        }
    }
}

/// The functions of the language applied element-wise or to a whole value.
enum Function: String, Sendable {
    case tanh, sigmoid = "σ", relu, exp, log, sqrt, softmax, sumAll = "sum", diag

    /// Whether the derivative-rule catalogue knows mistakes for this function.
    var isActivation: Bool { self == .tanh || self == .sigmoid || self == .relu || self == .exp || self == .softmax }
}

/// A node of a resolved expression, by its position in `Expressions.nodes`.
typealias NodeID = Int
/// An index expression, by its position in `Expressions.indexOps`.
typealias IndexID = Int

/// A list of index expressions (family indices, entry positions): `count` ids from `start` of
/// `Expressions.indexLists`.
struct IndexList {
    let start: Int
    let count: Int
}

/// One operation of a flattened index expression (children by id).
enum IndexOp {
    case constant(Int)
    case slot(Int)
    case offset(slot: Int, by: Int)
    case label(family: Int, indices: IndexList)
    case add(IndexID, IndexID)
    case subtract(IndexID, IndexID)
    case multiply(IndexID, IndexID)
    case negate(IndexID)
}

/// What a resolved expression node computes; children are node ids, so a node is a plain value
/// (walking millions of instances costs no reference counting).
enum NodeKind {
    case number(Double)
    /// A size, an index or a class label used as a number.
    case integer(IndexID)
    /// A whole element of a family: `h[t-1]`, `U`.
    case reference(family: Int, indices: IndexList)
    /// An entry (1-based positions): `h[t][i]`, `U[i,j]`.
    case entry(NodeID, IndexList)
    case negate(NodeID)
    case binary(BinaryOperator, NodeID, NodeID)
    case transpose(NodeID)
    case function(Function, NodeID)
    /// `I(n)`.
    case identity(IndexID)
    /// `ones(m, n)`, `zeros(m, n)`.
    case filled(Double, IndexID, IndexID)
    /// `onehot(c, n)`: n×1 with a one in entry c.
    case onehot(IndexID, IndexID)
    /// `sum(i = a..b, body)` / `prod(…)` over slot `slot`.
    case reduction(ReductionKind, slot: Int, lower: IndexID, upper: IndexID, body: NodeID)
    /// A matrix literal, by its position in `Expressions.literals`.
    case literal(Int)
}

/// A resolved expression node and the characters it came from.
struct Node {
    let kind: NodeKind
    let range: SourceRange
}

/// Every resolved expression of a worksheet, in flat arrays. Built by the resolver, then frozen
/// (`let` arrays of a final class) so that evaluators read it without copies.
final class Expressions {
    let nodes: [Node]
    let indexOps: [IndexOp]
    let indexLists: [IndexID]
    let literals: [Matrix<Double>]

    init(nodes: [Node], indexOps: [IndexOp], indexLists: [IndexID], literals: [Matrix<Double>]) {
        self.nodes = nodes
        self.indexOps = indexOps
        self.indexLists = indexLists
        self.literals = literals
    }

    @inline(__always) func index(_ list: IndexList, _ i: Int) -> IndexID { indexLists[list.start + i] }
}

/// Collects nodes and index expressions while names are resolved.
struct ExpressionBuilder {
    var nodes: [Node] = []
    var indexOps: [IndexOp] = []
    var indexLists: [IndexID] = []
    var literals: [Matrix<Double>] = []

    mutating func add(_ kind: NodeKind, _ range: SourceRange) -> NodeID {
        nodes.append(Node(kind: kind, range: range))
        return nodes.count - 1
    }

    /// Flattens an index expression tree.
    mutating func add(_ e: IndexExpr) -> IndexID {
        let op: IndexOp
        switch e {
        case .constant(let v): op = .constant(v)
        case .slot(let s): op = .slot(s)
        case .offset(let s, let d): op = .offset(slot: s, by: d)
        case .label(let f, let indices): op = .label(family: f, indices: list(indices))
        case .add(let a, let b): op = .add(add(a), add(b))
        case .subtract(let a, let b): op = .subtract(add(a), add(b))
        case .multiply(let a, let b): op = .multiply(add(a), add(b))
        case .negate(let a): op = .negate(add(a))
        }
        indexOps.append(op)
        return indexOps.count - 1
    }

    mutating func list(_ items: [IndexExpr]) -> IndexList {
        let ids = items.map { add($0) }
        let start = indexLists.count
        indexLists.append(contentsOf: ids)
        return IndexList(start: start, count: ids.count)
    }

    mutating func literal(_ m: Matrix<Double>) -> Int {
        literals.append(m)
        return literals.count - 1
    }

    func frozen() -> Expressions {
        Expressions(nodes: nodes, indexOps: indexOps, indexLists: indexLists, literals: literals)
    }
}

/// What an element is.
enum ElementRole: Equatable {
    case parameter
    case input
    /// A class label drawn uniformly from lower…upper.
    case label(lower: Int, upper: Int)
    case definition
    case helper

    var isLeaf: Bool { self == .parameter || self == .input }
    var isModel: Bool { self == .parameter || self == .input || self == .definition }
}

/// One member of a family.
struct Element {
    let family: Int
    let indices: [Int]
    let role: ElementRole
    /// The statement that declares or defines it.
    let statement: Int
    /// The values of that statement's `for` slots for this element.
    let bindings: [Int]
    var shape: Shape
}

/// A name over indices. One name may hold elements with different numbers of indices: `L` (the
/// total loss) beside `L[t]` (the loss of step t).
struct Family {
    enum Kind: Equatable { case model, helper, label }
    let name: String
    /// The numbers of indices its elements have.
    var arities: Set<Int>
    let kind: Kind
    /// Where the name first appears.
    let firstRange: SourceRange
    /// Element ids by index tuple.
    var elements: [[Int]: Int] = [:]
}

/// One `for` range of a statement.
struct ForRange {
    let slot: Int
    let lower: IndexExpr
    /// nil: the single value `lower`.
    let upper: IndexExpr?
    let range: SourceRange
}

/// A side of `dA/dB`: a family element and maybe an entry.
struct DerivativeTarget {
    let family: Int
    let indices: [IndexExpr]
    let entry: [IndexExpr]?
    let range: SourceRange
    /// As written, without the leading d or ∂: `L[t]`, `U[i,j]`.
    let text: String
}

/// A statement after name resolution.
final class Statement {
    enum Kind {
        case size
        case declaration
        /// A given value for parameter or input elements.
        case value
        case definition
        case helper
        case claim
    }

    let index: Int
    let kind: Kind
    let range: SourceRange
    let line: Int
    /// Names of the slots: `for` variables first, then reduction variables.
    let slotNames: [String]
    let ranges: [ForRange]
    /// Assignment statements: the family and the index expressions of the left side.
    let family: Int?
    let target: [IndexExpr]
    let body: NodeID?
    /// Claims.
    let numerator: DerivativeTarget?
    let denominator: DerivativeTarget?
    /// The claim as written (after `claim`), on one line.
    let text: String
    /// Declarations: what is declared and its dimensions.
    let declaration: DeclarationInfo?
    /// Where the left side (the defined name and its indices) is written.
    let targetRange: SourceRange

    init(
        index: Int, kind: Kind, range: SourceRange, line: Int, slotNames: [String], ranges: [ForRange], family: Int?,
        target: [IndexExpr], body: NodeID?, numerator: DerivativeTarget?, denominator: DerivativeTarget?, text: String,
        declaration: DeclarationInfo? = nil, targetRange: SourceRange
    ) {
        self.index = index
        self.kind = kind
        self.range = range
        self.line = line
        self.slotNames = slotNames
        self.ranges = ranges
        self.family = family
        self.target = target
        self.body = body
        self.numerator = numerator
        self.denominator = denominator
        self.text = text
        self.declaration = declaration
        self.targetRange = targetRange
    }
}

/// What a declaration declares: parameters, inputs or class labels, and their dimensions.
struct DeclarationInfo {
    enum Role { case parameter, input, label }
    let role: Role
    /// [rows] or [rows, cols]; empty for a scalar.
    let dimensions: [IndexExpr]
    let dimensionsRange: SourceRange?
    /// The range of a class label.
    let labelBounds: (lower: IndexExpr, upper: IndexExpr)?
}

/// Elements by family and index values, in arrays over the box their indices span (a dictionary
/// stays the fallback for sparse families and more than two indices). Immutable once built.
final class ElementIndex {
    /// Where one family's elements are: plain integers, so reading one costs no reference counting.
    struct Table {
        var whole = -1
        var low1 = 0, start1 = 0, count1 = -1
        var low2a = 0, low2b = 0, width2 = 0, start2 = 0, count2 = -1
    }
    let tables: [Table]
    /// Element ids (−1: none), for every family's boxes.
    let pool: [Int32]
    let fallback: [[[Int]: Int]]

    init(families: [Family]) {
        var tables: [Table] = []
        var pool: [Int32] = []
        for f in families {
            var t = Table()
            t.whole = f.elements[[]] ?? -1
            let ones = f.elements.filter { $0.key.count == 1 }
            if let lo = ones.keys.map({ $0[0] }).min(), let hi = ones.keys.map({ $0[0] }).max() {
                let (d, o) = hi.subtractingReportingOverflow(lo)
                if !o, d < 4 * ones.count + 1024 {
                    t.low1 = lo
                    t.start1 = pool.count
                    t.count1 = d + 1
                    pool.append(contentsOf: repeatElement(-1, count: d + 1))
                    for (key, id) in ones { pool[t.start1 + key[0] - lo] = Int32(id) }
                }
            }
            let twos = f.elements.filter { $0.key.count == 2 }
            if let lo0 = twos.keys.map({ $0[0] }).min(), let hi0 = twos.keys.map({ $0[0] }).max(),
                let lo1 = twos.keys.map({ $0[1] }).min(), let hi1 = twos.keys.map({ $0[1] }).max()
            {
                let (d0, o0) = hi0.subtractingReportingOverflow(lo0), (d1, o1) = hi1.subtractingReportingOverflow(lo1)
                if !o0, !o1, d0 < 1 << 20, d1 < 1 << 20, (d0 + 1) * (d1 + 1) <= 4 * twos.count + 1024 {
                    t.low2a = lo0
                    t.low2b = lo1
                    t.width2 = d1 + 1
                    t.start2 = pool.count
                    t.count2 = (d0 + 1) * (d1 + 1)
                    pool.append(contentsOf: repeatElement(-1, count: t.count2))
                    for (key, id) in twos { pool[t.start2 + (key[0] - lo0) * t.width2 + key[1] - lo1] = Int32(id) }
                }
            }
            tables.append(t)
        }
        self.tables = tables
        self.pool = pool
        fallback = families.map(\.elements)
    }

    @inline(__always) func element(_ family: Int) -> Int? {
        let w = tables[family].whole
        return w >= 0 ? w : nil
    }

    @inline(__always) func element(_ family: Int, _ i: Int) -> Int? {
        let t = tables[family]
        guard t.count1 >= 0 else { return fallback[family][[i]] }
        let k = i &- t.low1
        guard k >= 0 && k < t.count1 else { return nil }
        let id = pool[t.start1 + k]
        return id >= 0 ? Int(id) : nil
    }

    @inline(__always) func element(_ family: Int, _ i: Int, _ j: Int) -> Int? {
        let t = tables[family]
        guard t.count2 >= 0 else { return fallback[family][[i, j]] }
        let a = i &- t.low2a, b = j &- t.low2b
        guard a >= 0, b >= 0, b < t.width2, a * t.width2 + b < t.count2 else { return nil }
        let id = pool[t.start2 + a * t.width2 + b]
        return id >= 0 ? Int(id) : nil
    }
}
