// Lexer.swift — the tokens of the worksheet language.
//
// Names are letters (Greek and other scripts welcome), digits, `_`, combining marks and
// subscript digits, starting with a letter or `_`; `ᵀ` (a modifier letter) is the transpose mark,
// never part of a name. Numbers are decimal with an optional fraction and exponent; `1..T` is
// the number 1, the range mark `..` and the name T. `#` starts a comment. A line break ends a
// statement unless a bracket `(` or `[` is open, so a statement continues while one is.
// `−` (U+2212, the minus sign of typeset formulas) is read as `-`.

/// The symbols of the language.
enum Symbol: String, Sendable {
    case matmul = "@", times = "*", divide = "/", hadamard = "⊙", plus = "+", minus = "-", caret = "^"
    case prime = "'", transposeMark = "ᵀ"
    case openParen = "(", closeParen = ")", openBracket = "[", closeBracket = "]"
    case comma = ",", semicolon = ";", equals = "=", colon = ":", range = "..", partial = "∂"
}

/// One token and the characters it came from.
struct Token {
    enum Kind: Equatable {
        case name(String)
        /// A number and whether it was written without fraction or exponent.
        case number(Double, isWhole: Bool)
        case symbol(Symbol)
        /// The end of a statement (a line break outside brackets).
        case newline
        case end
    }

    let kind: Kind
    let range: SourceRange

    var name: String? { if case .name(let n) = kind { return n } else { return nil } }
    func isSymbol(_ s: Symbol) -> Bool { kind == .symbol(s) }
}

/// Splits a worksheet into tokens; throws a syntax error at the first character it cannot read.
func tokenize(_ source: SourceText) throws -> [Token] {
    let chars = source.characters
    var tokens: [Token] = []
    var depth = 0
    var i = 0

    func isNameStart(_ c: Character) -> Bool { (c.isLetter && c != "ᵀ") || c == "_" }
    func isNameContinuation(_ c: Character) -> Bool {
        if isNameStart(c) { return true }
        if let a = c.asciiValue { return a >= 48 && a <= 57 }
        if let s = c.unicodeScalars.first, (0x2080...0x2089).contains(s.value) { return true }  // ₀…₉
        return c.isNumber && !c.isPunctuation
    }
    func isDigit(_ c: Character) -> Bool { if let a = c.asciiValue { return a >= 48 && a <= 57 } else { return false } }

    /// Whether the statement goes on past the line break at `next - 1`: the line ends with an
    /// operator, or the next line that is not blank or a comment starts with one or with `for`.
    func continues(after last: Token, at next: Int) -> Bool {
        if case .symbol(let s) = last.kind {
            switch s {
            case .matmul, .times, .divide, .hadamard, .plus, .minus, .caret, .comma, .equals, .colon, .range: return true
            default: break
            }
        }
        var j = next
        while j < chars.count {
            let c = chars[j]
            if c == " " || c == "\t" || c.isNewline { j += 1; continue }
            if c == "#" {
                while j < chars.count, !chars[j].isNewline { j += 1 }
                continue
            }
            if "+-−*/@⊙^".contains(c) { return true }
            if c == "f", j + 3 <= chars.count, String(chars[j..<(j + 3)]) == "for",
                j + 3 == chars.count || !isNameContinuation(chars[j + 3])
            {
                return true
            }
            return false
        }
        return false
    }

    while i < chars.count {
        let c = chars[i]
        if c == " " || c == "\t" || c == "\u{FEFF}" { i += 1; continue }
        if c == "#" {
            while i < chars.count, !chars[i].isNewline { i += 1 }
            continue
        }
        if c.isNewline {
            if depth == 0, let last = tokens.last, last.kind != .newline, !continues(after: last, at: i + 1) {
                tokens.append(Token(kind: .newline, range: i..<(i + 1)))
            }
            i += 1
            continue
        }
        if c == "∏" {
            // The product sign, read as the function name it stands for.
            tokens.append(Token(kind: .name("∏"), range: i..<(i + 1)))
            i += 1
            continue
        }
        if isNameStart(c) {
            let start = i
            i += 1
            while i < chars.count, isNameContinuation(chars[i]) { i += 1 }
            tokens.append(Token(kind: .name(String(chars[start..<i])), range: start..<i))
            continue
        }
        if isDigit(c) {
            let start = i
            var whole = true
            while i < chars.count, isDigit(chars[i]) { i += 1 }
            if i + 1 < chars.count, chars[i] == ".", isDigit(chars[i + 1]) {
                whole = false
                i += 1
                while i < chars.count, isDigit(chars[i]) { i += 1 }
            }
            if i < chars.count, chars[i] == "e" || chars[i] == "E" {
                var j = i + 1
                if j < chars.count, chars[j] == "+" || chars[j] == "-" { j += 1 }
                if j < chars.count, isDigit(chars[j]) {
                    whole = false
                    i = j
                    while i < chars.count, isDigit(chars[i]) { i += 1 }
                }
            }
            let text = String(chars[start..<i])
            guard let value = Double(text), value.isFinite else {
                throw WorksheetError(.syntax, "the number \(text) is too large", at: start..<i, in: source)
            }
            tokens.append(Token(kind: .number(value, isWhole: whole), range: start..<i))
            continue
        }
        if c == ".", i + 1 < chars.count, chars[i + 1] == "." {
            tokens.append(Token(kind: .symbol(.range), range: i..<(i + 2)))
            i += 2
            continue
        }
        let symbol: Symbol?
        switch c {
        case "@": symbol = .matmul
        case "*": symbol = .times
        case "/": symbol = .divide
        case "⊙": symbol = .hadamard
        case "+": symbol = .plus
        case "-", "−": symbol = .minus
        case "^": symbol = .caret
        case "'", "′": symbol = .prime
        case "ᵀ": symbol = .transposeMark
        case "(": symbol = .openParen
        case ")": symbol = .closeParen
        case "[": symbol = .openBracket
        case "]": symbol = .closeBracket
        case ",": symbol = .comma
        case ";": symbol = .semicolon
        case "=": symbol = .equals
        case ":": symbol = .colon
        case "∂": symbol = .partial
        default: symbol = nil
        }
        guard let symbol else {
            var hint = ""
            if c == "." { hint = " (a range is written a..b; a number needs a digit before its point, 0.5)" }
            if c == "×" || c == "·" { hint = " (write @ for the matrix product, * or ⊙ for the element-wise one)" }
            if c == "{" || c == "}" { hint = " (use ( ) for grouping and [ ] for indices)" }
            let shown =
                c.unicodeScalars.first.map { $0.isASCII && $0.value >= 32 ? "'\(c)'" : "U+\(String($0.value, radix: 16, uppercase: true))" }
                ?? "?"
            throw WorksheetError(.syntax, "unexpected character \(shown)\(hint)", at: i..<(i + 1), in: source)
        }
        switch symbol {
        case .openParen, .openBracket: depth += 1
        case .closeParen, .closeBracket: depth = max(0, depth - 1)
        default: break
        }
        tokens.append(Token(kind: .symbol(symbol), range: i..<(i + 1)))
        i += 1
    }
    if let last = tokens.last, last.kind != .newline { tokens.append(Token(kind: .newline, range: chars.count..<chars.count)) }
    tokens.append(Token(kind: .end, range: chars.count..<chars.count))
    return tokens
}
