// ShapeExpression.swift — a formula reduced to its shapes: matrix products, transposes,
// element-wise operations, the Kronecker product, and sums with column broadcasting, evaluated
// on named shapes. It answers "what shape does this printed formula have, if any?" without
// numbers, so that a formula that does not multiply is a finding, never a trap.
//
// Shapes are [rows, cols]. Rules: A·B needs cols(A) = rows(B) ([1, 1]·X and X·[1, 1] scale X);
// A ⊙ B needs equal shapes; A + B needs equal shapes or B a column [rows(A), 1] added to every
// column (the seed's biases b₁ [D_h, 1] added to z [D_h, B]); A ⊗ B is [rA·rB, cA·cB];
// f(A) (σ, softmax, 1 − A) keeps A's shape.

/// A formula over named matrices, for its shape only.
public indirect enum ShapeExpression: Sendable, CustomStringConvertible {
    case symbol(String)
    case product([ShapeExpression])
    case transpose(ShapeExpression)
    case elementwise(ShapeExpression, ShapeExpression)
    case kronecker(ShapeExpression, ShapeExpression)
    case sum([ShapeExpression])
    /// A function applied entry by entry (σ, softmax of each column, 1 − A).
    case function(String, ShapeExpression)

    public var description: String {
        switch self {
        case .symbol(let s): return s
        case .product(let parts):
            return parts.map { p -> String in
                if case .sum = p { return "(\(p))" }
                return p.description
            }.joined(separator: " ")
        case .transpose(let a):
            if case .symbol = a { return "\(a)ᵀ" }
            return "(\(a))ᵀ"
        case .elementwise(let a, let b): return "(\(a)) ⊙ (\(b))"
        case .kronecker(let a, let b): return "(\(a)) ⊗ (\(b))"
        case .sum(let parts): return parts.map(\.description).joined(separator: " + ")
        case .function(let f, let a): return f.hasSuffix("−") ? "(\(f) \(a))" : "\(f)(\(a))"
        }
    }

    /// The shape, or why there is none (the first operation whose shapes do not fit).
    public func shape(in symbols: [String: [Int]]) -> Result<[Int], ShapeMismatch> {
        switch self {
        case .symbol(let s):
            guard let dims = symbols[s] else { return .failure(ShapeMismatch(message: "\(s) has no stated shape")) }
            return .success(dims)
        case .transpose(let a):
            return a.shape(in: symbols).map { [$0[1], $0[0]] }
        case .function(_, let a):
            return a.shape(in: symbols)
        case .kronecker(let a, let b):
            return a.shape(in: symbols).flatMap { sa in b.shape(in: symbols).map { sb in [sa[0] * sb[0], sa[1] * sb[1]] } }
        case .elementwise(let a, let b):
            return a.shape(in: symbols).flatMap { sa in
                b.shape(in: symbols).flatMap { sb in
                    sa == sb
                        ? .success(sa)
                        : .failure(ShapeMismatch(message: "\(a) ⊙ \(b): \(show(sa)) and \(show(sb)) differ", left: sa, right: sb))
                }
            }
        case .sum(let parts):
            var acc: [Int]?
            for p in parts {
                switch p.shape(in: symbols) {
                case .failure(let e): return .failure(e)
                case .success(let s):
                    guard let a = acc else { acc = s; continue }
                    if s == a || (s[1] == 1 && s[0] == a[0]) { continue }
                    if a[1] == 1 && a[0] == s[0] { acc = s; continue }
                    return .failure(ShapeMismatch(message: "\(self): cannot add \(show(a)) and \(show(s))", left: a, right: s))
                }
            }
            return acc.map { .success($0) } ?? .failure(ShapeMismatch(message: "empty sum"))
        case .product(let parts):
            var acc: [Int]?
            var left = ""
            for p in parts {
                switch p.shape(in: symbols) {
                case .failure(let e): return .failure(e)
                case .success(let s):
                    defer { left += (left.isEmpty ? "" : " ") + p.description }
                    guard let a = acc else { acc = s; continue }
                    if a == [1, 1] { acc = s; continue }
                    if s == [1, 1] { continue }
                    guard a[1] == s[0] else {
                        return .failure(
                            ShapeMismatch(
                                message: "\(left) is \(show(a)) and \(p) is \(show(s)): \(a[1]) columns against \(s[0]) rows", left: a,
                                right: s))
                    }
                    acc = [a[0], s[1]]
                }
            }
            return acc.map { .success($0) } ?? .failure(ShapeMismatch(message: "empty product"))
        }
    }
}

/// Why a formula has no shape.
public struct ShapeMismatch: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// The two shapes that clash, when two did.
    public var left: [Int]? = nil
    public var right: [Int]? = nil
    public var description: String { message }
}

/// "[3, 2]".
func show(_ dims: [Int]) -> String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }
