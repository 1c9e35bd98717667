// MatrixText.swift — reading a matrix typed by a user: "a,b;c,d" on the command line, or a
// text file with one row per line.
//
// Inline: rows separated by ';', entries by ',' and/or spaces ("0.58,0.24;0.24,0.72").
// File: one row per line, entries separated by spaces and/or commas; blank lines and lines
// whose first non-blank character is '#' are ignored, as is anything after a '#'.
// Every entry must be a finite decimal number; every row must have the same length; the
// matrix must be square (the spectral commands need that). Errors name the row (and the
// file line) and the offending text.

import WorkbenchNumerics

/// A matrix that could not be read: where (source, file line, matrix row) and what.
public struct MatrixInputError: WorkbenchError, Equatable {
    public var exitStatus: Int32 { 2 }

    /// "--matrix" or the file path.
    public var source: String
    /// The 1-based line of the file, when reading a file.
    public var line: Int?
    /// What is wrong, naming the row and the value.
    public var message: String

    public var description: String {
        "\(source)\(line.map { " line \($0)" } ?? ""): \(message)"
    }
}

public enum MatrixText {
    /// The largest order accepted (the dense O(N³) routines, SVDs included, take seconds to
    /// minutes beyond this, in a debug build).
    public static let maxOrder = 200

    /// Parses the inline form "a,b;c,d".
    public static func parseInline(_ text: String, source: String = "--matrix", requireSquare: Bool = true) throws -> Matrix<Double> {
        var pieces = text.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        if pieces.count > 1, pieces.last?.allSatisfy(\.isWhitespace) == true { pieces.removeLast() }  // "1,2;3,4;"
        let rows = pieces.enumerated().map { (line: Optional<Int>.none, rowNumber: $0.offset + 1, text: $0.element) }
        return try build(rows, source: source, requireSquare: requireSquare)
    }

    /// Parses the file form: rows on lines, `#` comments and blank lines ignored.
    public static func parseFile(contents: String, path: String, requireSquare: Bool = true) throws -> Matrix<Double> {
        var rows: [(line: Int?, rowNumber: Int, text: String)] = []
        for (index, rawLine) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(rawLine)
            if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]) }
            if line.allSatisfy({ $0.isWhitespace }) { continue }
            rows.append((index + 1, rows.count + 1, line))
        }
        return try build(rows, source: path, requireSquare: requireSquare)
    }

    private static func build(_ rows: [(line: Int?, rowNumber: Int, text: String)], source: String, requireSquare: Bool) throws -> Matrix<
        Double
    > {
        func fail(_ line: Int?, _ message: String) -> MatrixInputError { MatrixInputError(source: source, line: line, message: message) }
        if rows.isEmpty || (rows.count == 1 && rows[0].text.allSatisfy(\.isWhitespace)) {
            throw fail(nil, "the matrix is empty; give rows such as \"0.58,0.24;0.24,0.72\"")
        }
        var values: [[Double]] = []
        for row in rows {
            let entries = try parseRow(row.text) { col, message in
                fail(row.line, "row \(row.rowNumber)\(col.map { ", entry \($0)" } ?? ""): \(message)")
            }
            if let first = values.first, entries.count != first.count {
                throw fail(
                    row.line,
                    "row \(row.rowNumber) has \(entries.count) entries but row 1 has \(first.count); every row needs the same number")
            }
            values.append(entries)
        }
        let r = values.count, c = values[0].count
        if requireSquare, r != c {
            throw fail(nil, "the matrix is \(r)×\(c) but must be square (as many rows as entries per row)")
        }
        if max(r, c) > maxOrder {
            throw fail(nil, "the matrix is \(r)×\(c); at most \(maxOrder)×\(maxOrder) is supported")
        }
        return Matrix(values)
    }

    /// The numbers of one row; `fail(entryIndex, message)` builds the error.
    private static func parseRow(_ text: String, _ fail: (Int?, String) -> MatrixInputError) throws -> [Double] {
        if text.allSatisfy(\.isWhitespace) { throw fail(nil, "the row is empty") }
        var out: [Double] = []
        let commaPieces = text.split(separator: ",", omittingEmptySubsequences: false)
        for piece in commaPieces {
            let tokens = piece.split(whereSeparator: { $0.isWhitespace })
            if tokens.isEmpty {
                throw fail(out.count + 1, "missing value (two commas in a row, or a comma at the start or end)")
            }
            for token in tokens {
                let index = out.count + 1
                guard let x = Double(token) else { throw fail(index, "'\(token)' is not a number") }
                guard x.isFinite else { throw fail(index, "'\(token)' is not finite; entries must be finite numbers") }
                out.append(x)
            }
        }
        return out
    }
}
