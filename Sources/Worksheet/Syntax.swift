// Syntax.swift — the parse tree of a worksheet, before names are resolved.
//
// One `StatementSyntax` per statement: `size`, `param`/`input` declarations, assignments (model
// definitions, `let` helpers and given values share one form, `name[indices] = expr`, told apart
// later), and claims `claim dA/dB = expr`. Each may end with `for i = a..b, j = c..d`.
// Expressions keep the range of characters they came from, for error messages.

/// A binary operator. `@` binds tighter than `*`, `/` and `⊙`, which bind tighter than `+`, `-`.
enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", matmul = "@", power = "^"
}

/// `sum(i = a..b, e)` or `prod(i = a..b, e)`.
enum ReductionKind: String, Sendable { case sum, prod }

/// An expression as written.
struct Expr {
    indirect enum Kind {
        case number(Double, isWhole: Bool)
        case name(String)
        /// `f(a, b)`: the function's name and where it is written.
        case call(String, nameRange: SourceRange, arguments: [Expr])
        /// `base[a, b]`: family indices or an entry, decided when names are resolved.
        case subscripted(Expr, [Expr])
        case negate(Expr)
        case binary(BinaryOperator, Expr, Expr)
        case transpose(Expr)
        /// `sum(i = a..b, body)`, `prod(…)`, `Σ(…)`.
        case reduction(ReductionKind, variable: String, variableRange: SourceRange, lower: Expr, upper: Expr, body: Expr)
        /// `[a, b; c, d]`: rows of entries.
        case matrix([[Expr]])
    }

    let kind: Kind
    let range: SourceRange
    /// Nesting depth of the tree (1 for a leaf), bounded by the parser.
    let depth: Int

    init(kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
        switch kind {
        case .number, .name: depth = 1
        case .call(_, _, let args): depth = 1 + (args.map(\.depth).max() ?? 0)
        case .subscripted(let b, let g): depth = 1 + max(b.depth, g.map(\.depth).max() ?? 0)
        case .negate(let a), .transpose(let a): depth = 1 + a.depth
        case .binary(_, let a, let b): depth = 1 + max(a.depth, b.depth)
        case .reduction(_, _, _, let l, let u, let body): depth = 1 + max(l.depth, u.depth, body.depth)
        case .matrix(let rows): depth = 1 + (rows.flatMap { $0 }.map(\.depth).max() ?? 0)
        }
    }
}

/// `i = a..b` (or `i = a`, a single value) of a `for` clause.
struct RangeSyntax {
    let variable: String
    let variableRange: SourceRange
    let lower: Expr
    /// nil for a single value.
    let upper: Expr?
}

/// One declared quantity of a `param` or `input` statement: `U[H,H]`, `x[t][D]`, `y[t] : 1..C`.
struct DeclarationSyntax {
    let name: String
    let nameRange: SourceRange
    /// Bracket groups as written (zero, one or two).
    let groups: [[Expr]]
    let groupRanges: [SourceRange]
    /// `: a..b` of a class label.
    let labelRange: (lower: Expr, upper: Expr)?
    let range: SourceRange
}

/// One side of `dA/dB`: the quantity's name and its bracket groups.
struct DerivativeTargetSyntax {
    let name: String
    let nameRange: SourceRange
    let groups: [[Expr]]
    let groupRanges: [SourceRange]
    let range: SourceRange
}

/// A statement of the worksheet.
struct StatementSyntax {
    enum Kind {
        case size([(name: String, nameRange: SourceRange, value: Expr)])
        case declaration(isParameter: Bool, [DeclarationSyntax])
        /// `name[groups] = body`, a model definition or a given value; `let` when `isHelper`.
        case assignment(isHelper: Bool, target: DerivativeTargetSyntax, body: Expr)
        case claim(numerator: DerivativeTargetSyntax, denominator: DerivativeTargetSyntax, body: Expr)
    }

    let kind: Kind
    let ranges: [RangeSyntax]
    /// From the first token to the last.
    let range: SourceRange
    /// From the keyword (or name) to the end of the expression, before `for`.
    let headRange: SourceRange
}
