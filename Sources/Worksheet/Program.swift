// Program.swift — a worksheet with its names resolved: families, elements, statements and the
// expression trees the evaluators walk.
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
indirect enum IndexExpr {
    case constant(Int)
    /// An index variable of the statement.
    case slot(Int)
    /// The value of a class-label element, e.g. `y[t]` in `p[t][y[t]]`.
    case label(family: Int, indices: [IndexExpr])
    case add(IndexExpr, IndexExpr)
    case subtract(IndexExpr, IndexExpr)
    case multiply(IndexExpr, IndexExpr)
    case negate(IndexExpr)

    var usesLabel: Bool {
        switch self {
        case .constant, .slot: return false
        case .label: return true
        case .add(let a, let b), .subtract(let a, let b), .multiply(let a, let b): return a.usesLabel || b.usesLabel
        case .negate(let a): return a.usesLabel
        }
    }
}

/// The functions of the language applied element-wise or to a whole value.
enum Function: String, Sendable {
    case tanh, sigmoid = "σ", relu, exp, log, sqrt, softmax, sumAll = "sum", diag

    /// Whether the derivative-rule catalogue knows mistakes for this function.
    var isActivation: Bool { self == .tanh || self == .sigmoid || self == .relu || self == .exp }
}

/// A resolved expression node. Nodes are numbered across the whole worksheet.
final class Node {
    enum Kind {
        case number(Double)
        /// A size, an index or a class label used as a number.
        case integer(IndexExpr)
        /// A whole element of a family: `h[t-1]`, `U`.
        case reference(family: Int, indices: [IndexExpr])
        /// An entry (1-based indices in the source, stored as written): `h[t][i]`, `U[i,j]`.
        case entry(Node, [IndexExpr])
        case negate(Node)
        case binary(BinaryOperator, Node, Node)
        case transpose(Node)
        case function(Function, Node)
        /// `I(n)`.
        case identity(IndexExpr)
        /// `ones(m, n)`, `zeros(m, n)`.
        case filled(Double, IndexExpr, IndexExpr)
        /// `onehot(c, n)`: n×1 with a one in entry c.
        case onehot(IndexExpr, IndexExpr)
        /// `sum(i = a..b, body)` / `prod(…)` over slot `slot`.
        case reduction(ReductionKind, slot: Int, lower: IndexExpr, upper: IndexExpr, body: Node)
        case literal(Matrix<Double>)
    }

    let id: Int
    let kind: Kind
    let range: SourceRange

    init(id: Int, kind: Kind, range: SourceRange) {
        self.id = id
        self.kind = kind
        self.range = range
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
    let body: Node?
    /// Claims.
    let numerator: DerivativeTarget?
    let denominator: DerivativeTarget?
    /// The claim as written (after `claim`), on one line.
    let text: String
    /// Declarations: what is declared and its dimensions.
    let declaration: DeclarationInfo?
    /// Where the left side (the defined name and its indices) is written.
    let targetRange: SourceRange

    init(index: Int, kind: Kind, range: SourceRange, line: Int, slotNames: [String], ranges: [ForRange], family: Int?,
         target: [IndexExpr], body: Node?, numerator: DerivativeTarget?, denominator: DerivativeTarget?, text: String,
         declaration: DeclarationInfo? = nil, targetRange: SourceRange) {
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

