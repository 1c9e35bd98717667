// WorksheetError.swift — what is wrong with a worksheet, and where.
//
// Every problem found before evaluation (and the few found while evaluating: a value that is not
// finite) is one `WorksheetError`: its kind, the file, the 1-based line and column, the source
// line and a caret under the offending text, and a message a student can act on. A malformed
// worksheet ends the command with exit status 2; a file that cannot be read with 1.
//
//   sheet.grad, line 9, column 8: `U @ x[t]` multiplies 4×4 by 3×1 (at t = 1)
//       9 | z[t] = U @ x[t] + W @ x[t] + b      for t = 1..T
//         |        ^~~~~~~~

import WorkbenchNumerics

/// A problem with a worksheet, located in its source.
public struct WorksheetError: WorkbenchError, Equatable, Sendable {
    /// The kinds of problem.
    public enum Kind: String, Codable, Sendable {
        /// The text does not follow the grammar (a missing bracket, an unexpected word).
        case syntax
        /// A name that is not a size, an index, a quantity or a function.
        case unknownName = "unknown-name"
        /// Operand shapes that do not fit (`U @ x[t]` multiplies 4×4 by 3×1).
        case shape
        /// One element given a definition or a value twice.
        case definedTwice = "defined-twice"
        /// An element that is used but never declared or defined.
        case undefined
        /// Definitions that depend on each other in a circle.
        case cycle
        /// An index or entry outside its range.
        case indexRange = "index-range"
        /// A statement that is well formed but not allowed (a model definition that uses a helper,
        /// a derivative with respect to a class label, a family used without its indices).
        case invalid
        /// A value that is not finite on the drawn values (log of a negative number, overflow).
        case notFinite = "not-finite"
        /// More elements or terms than a check can handle in reasonable time.
        case tooLarge = "too-large"
        /// The file cannot be read.
        case unreadable
    }

    public let kind: Kind
    /// The worksheet's name as given (its path).
    public let file: String
    /// 1-based line of the problem (0 when the problem has no position, e.g. an unreadable file).
    public let line: Int
    /// 1-based column of the first character of the problem.
    public let column: Int
    /// How many characters the caret underlines.
    public let length: Int
    /// The source line, as written.
    public let sourceLine: String
    /// What is wrong and what to do.
    public let message: String

    public init(kind: Kind, file: String, line: Int, column: Int, length: Int, sourceLine: String, message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.length = length
        self.sourceLine = sourceLine
        self.message = message
    }

    /// An error at `range` of `source`.
    init(_ kind: Kind, _ message: String, at range: SourceRange, in source: SourceText) {
        let (line, column) = source.position(of: range.lowerBound)
        let lineText = source.lineText(line)
        let end = source.position(of: max(range.lowerBound, range.upperBound - 1))
        let length = end.line == line ? max(1, end.column - column + 1) : max(1, lineText.count - column + 1)
        self.init(
            kind: kind, file: source.name, line: line, column: column, length: length, sourceLine: lineText,
            message: message)
    }

    /// "file, line L, column C: message", the source line and a caret under the problem.
    public var description: String {
        guard line > 0 else { return "\(file): \(message)" }
        let number = "\(line)"
        let gutter = String(repeating: " ", count: number.count)
        let shown = sourceLine.replacingTabs()
        let caretColumn = max(1, min(column, shown.count + 1))
        let caret =
            String(repeating: " ", count: caretColumn - 1) + "^"
            + String(repeating: "~", count: max(0, min(length, shown.count - caretColumn + 1) - 1))
        return "\(file), line \(line), column \(column): \(message)\n    \(number) | \(shown)\n    \(gutter) | \(caret)"
    }

    /// Malformed worksheets end with status 2; an unreadable file with 1.
    public var exitStatus: Int32 { kind == .unreadable ? 1 : 2 }
}

extension String {
    /// Tabs shown as single spaces, so that the caret lines up with the column count.
    fileprivate func replacingTabs() -> String {
        String(map { $0 == "\t" ? " " : $0 })
    }
}
