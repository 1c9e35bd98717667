// Parser.swift — tokens to statements: recursive descent with one token of lookahead.
//
// Grammar (one statement per line; a line continues while a bracket is open):
//
//   statement  := 'size' NAME '=' expr (',' NAME '=' expr)*
//               | ('param' | 'input') decl (',' decl)* [for]
//               | ['let'] NAME group* '=' expr [for]
//               | 'claim' dref '/' dref '=' expr [for]
//   decl       := NAME group? group? [':' expr '..' expr]
//   dref       := ('d' NAME | '∂' NAME) group*          (`dL`, `∂L`, `dh[t][i]`)
//   for        := 'for' NAME '=' expr ['..' expr] (',' NAME '=' expr ['..' expr])*
//   group      := '[' expr (',' expr)* ']'
//   expr       := term (('+' | '-') term)*
//   term       := product (('*' | '/' | '⊙') product)*
//   product    := unary ('@' unary)*
//   unary      := '-' unary | '+' unary | power
//   power      := postfix ['^' unary]
//   postfix    := primary (group | "'" | 'ᵀ')*
//   primary    := NUMBER | NAME | NAME '(' args ')' | '(' expr ')' | '[' rows ']'
//               | ('sum' | 'Σ' | 'prod') '(' NAME '=' expr '..' expr ',' expr ')'
//
// Nesting deeper than `maxDepth` is a syntax error rather than a deep recursion.

/// The keywords that open a statement; they cannot name a quantity.
let statementKeywords: Set<String> = ["size", "param", "input", "let", "claim", "for"]

struct Parser {
    let source: SourceText
    let tokens: [Token]
    var position = 0
    var depth = 0
    static let maxDepth = 200

    init(source: SourceText) throws {
        self.source = source
        tokens = try tokenize(source)
    }

    // MARK: - Helpers

    var current: Token { tokens[position] }
    var previousEnd: Int { position > 0 ? tokens[position - 1].range.upperBound : 0 }

    mutating func advance() -> Token {
        let t = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return t
    }

    func describe(_ token: Token) -> String {
        switch token.kind {
        case .name(let n): return "'\(n)'"
        case .number: return "the number \(source.text(token.range))"
        case .symbol(let s): return "'\(s.rawValue)'"
        case .newline: return "the end of the line"
        case .end: return "the end of the file"
        }
    }

    func error(_ message: String, at token: Token? = nil) -> WorksheetError {
        let t = token ?? current
        var range = t.range
        if t.kind == .newline || t.kind == .end {
            // Point just after the previous token, on its line.
            let at = previousEnd
            range = at..<(at + 1)
        }
        return WorksheetError(.syntax, message, at: range, in: source)
    }

    mutating func expect(_ symbol: Symbol, _ what: String) throws -> Token {
        guard current.isSymbol(symbol) else {
            throw error("expected '\(symbol.rawValue)' \(what), found \(describe(current))")
        }
        return advance()
    }

    mutating func expectName(_ what: String) throws -> (String, SourceRange) {
        guard let name = current.name else { throw error("expected \(what), found \(describe(current))") }
        let t = advance()
        return (name, t.range)
    }

    /// Refuses trees deeper than the evaluators should recurse (a chain of 10 000 `+` or `'`).
    func bounded(_ e: Expr) throws -> Expr {
        if e.depth > Parser.maxDepth {
            throw WorksheetError(
                .syntax,
                "the expression is too deeply nested or too long a chain (more than \(Parser.maxDepth) levels); split it with helper definitions",
                at: e.range, in: source)
        }
        return e
    }

    mutating func enter() throws {
        depth += 1
        if depth > Parser.maxDepth { throw error("the expression is nested too deeply (more than \(Parser.maxDepth) levels)") }
    }

    // MARK: - Statements

    /// Every statement of the worksheet, in file order.
    mutating func parseWorksheet() throws -> [StatementSyntax] {
        var statements: [StatementSyntax] = []
        while true {
            while current.kind == .newline { _ = advance() }
            if current.kind == .end { break }
            statements.append(try parseStatement())
            guard current.kind == .newline || current.kind == .end else {
                if current.name == "for" {
                    throw error("a statement has one `for` clause; separate ranges with commas: for t = 1..T, k = 1..t")
                }
                throw error("unexpected \(describe(current)) after the end of the statement")
            }
        }
        return statements
    }

    mutating func parseStatement() throws -> StatementSyntax {
        let start = current.range.lowerBound
        let keyword = current.name
        let kind: StatementSyntax.Kind
        switch keyword {
        case "size":
            _ = advance()
            var entries: [(String, SourceRange, Expr)] = []
            repeat {
                if !entries.isEmpty { _ = advance() }
                let (name, range) = try expectName("a size name (size H = 4)")
                try checkNotKeyword(name, range)
                _ = try expect(.equals, "after the size name (size \(name) = 4)")
                entries.append((name, range, try parseExpression()))
            } while current.isSymbol(.comma)
            let head = start..<previousEnd
            if current.name == "for" { throw error("a size is one number and takes no `for` clause") }
            return StatementSyntax(
                kind: .size(entries.map { (name: $0.0, nameRange: $0.1, value: $0.2) }), ranges: [],
                range: head, headRange: head)
        case "param", "input":
            _ = advance()
            var decls: [DeclarationSyntax] = []
            repeat {
                if !decls.isEmpty { _ = advance() }
                decls.append(try parseDeclaration())
            } while current.isSymbol(.comma)
            kind = .declaration(isParameter: keyword == "param", decls)
        case "claim":
            _ = advance()
            let numerator = try parseDerivativeTarget(side: "numerator")
            _ = try expect(.divide, "between the two sides of the derivative (claim dL/dW = …)")
            let denominator = try parseDerivativeTarget(side: "denominator")
            _ = try expect(.equals, "after the derivative (claim dL/dW = …)")
            kind = .claim(numerator: numerator, denominator: denominator, body: try parseExpression())
        case "for":
            throw error(
                "a statement cannot start with `for`: the `for` clause ends the statement it belongs to, on the same line (or inside open brackets)"
            )
        default:
            var isHelper = false
            if keyword == "let" { isHelper = true; _ = advance() }
            guard let name = current.name else {
                throw error(
                    "expected a statement (size, param, input, let, claim, or a definition name[…] = …), found \(describe(current))")
            }
            let nameToken = advance()
            try checkNotKeyword(name, nameToken.range)
            var groups: [[Expr]] = [], groupRanges: [SourceRange] = []
            while current.isSymbol(.openBracket) {
                let (g, r) = try parseGroup()
                groups.append(g); groupRanges.append(r)
            }
            guard current.isSymbol(.equals) else {
                if current.isSymbol(.openParen) {
                    throw error("expected '=' after \(name): a definition is written name[indices] = expression")
                }
                throw error("expected '=' after \(source.text(nameToken.range.lowerBound..<previousEnd)), found \(describe(current))")
            }
            _ = advance()
            let target = DerivativeTargetSyntax(
                name: name, nameRange: nameToken.range, groups: groups, groupRanges: groupRanges,
                range: nameToken.range.lowerBound..<(groupRanges.last?.upperBound ?? nameToken.range.upperBound))
            kind = .assignment(isHelper: isHelper, target: target, body: try parseExpression())
        }
        let head = start..<previousEnd
        var ranges: [RangeSyntax] = []
        if current.name == "for" {
            _ = advance()
            repeat {
                if !ranges.isEmpty { _ = advance() }
                let (variable, vrange) = try expectName("an index name (for t = 1..T)")
                try checkNotKeyword(variable, vrange)
                _ = try expect(.equals, "after the index name (for \(variable) = 1..T)")
                let lower = try parseExpression()
                var upper: Expr?
                if current.isSymbol(.range) {
                    _ = advance()
                    upper = try parseExpression()
                }
                ranges.append(RangeSyntax(variable: variable, variableRange: vrange, lower: lower, upper: upper))
            } while current.isSymbol(.comma)
        }
        return StatementSyntax(kind: kind, ranges: ranges, range: start..<previousEnd, headRange: head)
    }

    func checkNotKeyword(_ name: String, _ range: SourceRange) throws {
        if statementKeywords.contains(name) {
            throw WorksheetError(.syntax, "'\(name)' is a keyword and cannot name a quantity or an index", at: range, in: source)
        }
    }

    mutating func parseDeclaration() throws -> DeclarationSyntax {
        let (name, nameRange) = try expectName("a name to declare (param U[H,H])")
        try checkNotKeyword(name, nameRange)
        var groups: [[Expr]] = [], groupRanges: [SourceRange] = []
        while current.isSymbol(.openBracket) {
            let (g, r) = try parseGroup()
            if groups.count == 2 {
                throw WorksheetError(
                    .syntax, "a declaration has at most two bracket groups: family indices, then dimensions (x[t][D])",
                    at: r, in: source)
            }
            groups.append(g); groupRanges.append(r)
        }
        var label: (Expr, Expr)?
        if current.isSymbol(.colon) {
            _ = advance()
            let lower = try parseExpression()
            _ = try expect(.range, "in the range of a class label (input y[t] : 1..C)")
            label = (lower, try parseExpression())
        }
        return DeclarationSyntax(
            name: name, nameRange: nameRange, groups: groups, groupRanges: groupRanges,
            labelRange: label.map { (lower: $0.0, upper: $0.1) }, range: nameRange.lowerBound..<previousEnd)
    }

    mutating func parseDerivativeTarget(side: String) throws -> DerivativeTargetSyntax {
        let start = current.range.lowerBound
        var name: String
        var nameRange: SourceRange
        if current.isSymbol(.partial) {
            _ = advance()
            (name, nameRange) = try expectName("a quantity after ∂ (∂L/∂W)")
        } else if let word = current.name, word.count > 1, word.first == "d" {
            let t = advance()
            name = String(word.dropFirst())
            nameRange = (t.range.lowerBound + 1)..<t.range.upperBound
        } else {
            throw error("expected the \(side) of a derivative, written dA or ∂A (claim dL/dW = …), found \(describe(current))")
        }
        var groups: [[Expr]] = [], groupRanges: [SourceRange] = []
        while current.isSymbol(.openBracket) {
            let (g, r) = try parseGroup()
            groups.append(g); groupRanges.append(r)
        }
        return DerivativeTargetSyntax(
            name: name, nameRange: nameRange, groups: groups, groupRanges: groupRanges,
            range: start..<previousEnd)
    }

    /// `[a, b, …]`.
    mutating func parseGroup() throws -> ([Expr], SourceRange) {
        let open = try expect(.openBracket, "")
        var items: [Expr] = []
        if current.isSymbol(.closeBracket) { throw error("empty brackets: write an index or a size inside [ ]") }
        repeat {
            if !items.isEmpty { _ = advance() }
            items.append(try parseExpression())
        } while current.isSymbol(.comma)
        guard current.isSymbol(.closeBracket) else { throw unclosed(open, "']'") }
        _ = advance()
        return (items, open.range.lowerBound..<previousEnd)
    }

    /// An unclosed bracket: when the parser has reached a later line, the bracket itself is the
    /// problem (the statement ran on while it was open), so the error points at it.
    func unclosed(_ open: Token, _ expected: String) -> WorksheetError {
        let openLine = source.position(of: open.range.lowerBound).line
        let hereLine = source.position(of: current.kind == .end ? max(0, previousEnd - 1) : current.range.lowerBound).line
        if hereLine > openLine || current.kind == .end {
            return WorksheetError(
                .syntax,
                "this '\(source.text(open.range))' is never closed (a statement continues on the next line while a bracket is open)",
                at: open.range, in: source)
        }
        return error("expected \(expected) to close the '\(source.text(open.range))' at \(where_(open)), found \(describe(current))")
    }

    func where_(_ token: Token) -> String {
        let (line, column) = source.position(of: token.range.lowerBound)
        return "line \(line), column \(column)"
    }

    // MARK: - Expressions

    mutating func parseExpression() throws -> Expr {
        try enter()
        defer { depth -= 1 }
        var left = try parseTerm()
        while case .symbol(let s) = current.kind, s == .plus || s == .minus {
            _ = advance()
            let right = try parseTerm()
            left = try bounded(
                Expr(kind: .binary(s == .plus ? .add : .subtract, left, right), range: left.range.lowerBound..<right.range.upperBound))
        }
        return left
    }

    mutating func parseTerm() throws -> Expr {
        var left = try parseProduct()
        while case .symbol(let s) = current.kind, s == .times || s == .divide || s == .hadamard {
            _ = advance()
            let right = try parseProduct()
            left = try bounded(
                Expr(kind: .binary(s == .divide ? .divide : .multiply, left, right), range: left.range.lowerBound..<right.range.upperBound))
        }
        return left
    }

    mutating func parseProduct() throws -> Expr {
        var left = try parseUnary()
        while current.isSymbol(.matmul) {
            _ = advance()
            let right = try parseUnary()
            left = try bounded(Expr(kind: .binary(.matmul, left, right), range: left.range.lowerBound..<right.range.upperBound))
        }
        return left
    }

    mutating func parseUnary() throws -> Expr {
        try enter()
        defer { depth -= 1 }
        if current.isSymbol(.minus) || current.isSymbol(.plus) {
            let op = advance()
            let operand = try parseUnary()
            if op.isSymbol(.plus) { return Expr(kind: operand.kind, range: op.range.lowerBound..<operand.range.upperBound) }
            return Expr(kind: .negate(operand), range: op.range.lowerBound..<operand.range.upperBound)
        }
        let base = try parsePostfix()
        if current.isSymbol(.caret) {
            _ = advance()
            let exponent = try parseUnary()
            return Expr(kind: .binary(.power, base, exponent), range: base.range.lowerBound..<exponent.range.upperBound)
        }
        return base
    }

    mutating func parsePostfix() throws -> Expr {
        var value = try parsePrimary()
        while true {
            if current.isSymbol(.openBracket) {
                let (group, r) = try parseGroup()
                value = try bounded(Expr(kind: .subscripted(value, group), range: value.range.lowerBound..<r.upperBound))
            } else if current.isSymbol(.prime) || current.isSymbol(.transposeMark) {
                let t = advance()
                value = try bounded(Expr(kind: .transpose(value), range: value.range.lowerBound..<t.range.upperBound))
            } else {
                return value
            }
        }
    }

    mutating func parsePrimary() throws -> Expr {
        try enter()
        defer { depth -= 1 }
        let token = current
        switch token.kind {
        case .number(let v, let whole):
            _ = advance()
            return Expr(kind: .number(v, isWhole: whole), range: token.range)
        case .name(let name):
            if statementKeywords.contains(name) {
                throw error(
                    name == "for"
                        ? "unexpected `for`: a `for` clause comes once, at the end of a statement"
                        : "unexpected keyword '\(name)' inside an expression")
            }
            _ = advance()
            guard current.isSymbol(.openParen) else { return Expr(kind: .name(name), range: token.range) }
            let open = advance()
            if ["sum", "Σ", "prod", "∏"].contains(name), current.name != nil, tokens[position + 1].isSymbol(.equals) {
                let (variable, vrange) = try expectName("an index name")
                try checkNotKeyword(variable, vrange)
                _ = advance()  // '='
                let lower = try parseExpression()
                _ = try expect(.range, "in the range of \(name)(\(variable) = a..b, …)")
                let upper = try parseExpression()
                _ = try expect(.comma, "after the range of \(name)(\(variable) = a..b, …)")
                let body = try parseExpression()
                guard current.isSymbol(.closeParen) else { throw unclosed(open, "')'") }
                _ = advance()
                let kind: ReductionKind = (name == "prod" || name == "∏") ? .prod : .sum
                return Expr(
                    kind: .reduction(kind, variable: variable, variableRange: vrange, lower: lower, upper: upper, body: body),
                    range: token.range.lowerBound..<previousEnd)
            }
            var arguments: [Expr] = []
            if !current.isSymbol(.closeParen) {
                repeat {
                    if !arguments.isEmpty { _ = advance() }
                    arguments.append(try parseExpression())
                } while current.isSymbol(.comma)
            }
            guard current.isSymbol(.closeParen) else { throw unclosed(open, "')'") }
            _ = advance()
            return Expr(kind: .call(name, nameRange: token.range, arguments: arguments), range: token.range.lowerBound..<previousEnd)
        case .symbol(.openParen):
            _ = advance()
            let inner = try parseExpression()
            guard current.isSymbol(.closeParen) else { throw unclosed(token, "')'") }
            _ = advance()
            return Expr(kind: inner.kind, range: token.range.lowerBound..<previousEnd)
        case .symbol(.openBracket):
            _ = advance()
            var rows: [[Expr]] = [[]]
            if current.isSymbol(.closeBracket) { throw error("an empty matrix [ ] has no entries") }
            while true {
                rows[rows.count - 1].append(try parseExpression())
                if current.isSymbol(.comma) { _ = advance(); continue }
                if current.isSymbol(.semicolon) { _ = advance(); rows.append([]); continue }
                break
            }
            guard current.isSymbol(.closeBracket) else { throw unclosed(token, "',', ';' or ']'") }
            _ = advance()
            return Expr(kind: .matrix(rows), range: token.range.lowerBound..<previousEnd)
        case .symbol(.partial):
            throw error("∂ starts the side of a derivative and belongs after `claim` (claim ∂L/∂W = …)")
        default:
            throw error("expected a value (a number, a name, a function or '('), found \(describe(token))")
        }
    }
}
