// SourceText.swift — the text of a worksheet, with line and column positions.
//
// Positions are offsets into the worksheet's characters (grapheme clusters, as a reader counts
// them: `σ` and `ᵀ` are one column each). Lines and columns count from 1. Every token and every
// expression carries the range of characters it came from, so an error can quote the exact
// source text (`U @ x[t]`) and put a caret under it.

/// The characters of a worksheet and where its lines start.
struct SourceText {
    /// The name shown in messages (the path as given).
    let name: String
    /// The characters of the file.
    let characters: [Character]
    /// Offset of the first character of each line (line n starts at `lineStarts[n - 1]`).
    let lineStarts: [Int]

    init(name: String, text: String) {
        self.name = name
        characters = Array(text)
        var starts = [0]
        for (i, ch) in characters.enumerated() where ch.isNewline {
            starts.append(i + 1)
        }
        lineStarts = starts
    }

    /// The 1-based line and column of an offset.
    func position(of offset: Int) -> (line: Int, column: Int) {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return (low + 1, offset - lineStarts[low] + 1)
    }

    /// The text of line `line` (1-based), without its line break.
    func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] : characters.count
        while end > start, characters[end - 1].isNewline { end -= 1 }
        return String(characters[start..<end])
    }

    /// The source text of a range of offsets, on one line (line breaks and comments inside it
    /// become single spaces, runs of blanks are collapsed).
    func text(_ range: Range<Int>) -> String {
        let lower = max(0, min(range.lowerBound, characters.count))
        let upper = max(lower, min(range.upperBound, characters.count))
        var out = ""
        var inComment = false
        var pendingSpace = false
        for ch in characters[lower..<upper] {
            if ch.isNewline { inComment = false; pendingSpace = true; continue }
            if inComment { continue }
            if ch == "#" { inComment = true; pendingSpace = true; continue }
            if ch == " " || ch == "\t" { pendingSpace = true; continue }
            if pendingSpace && !out.isEmpty { out.append(" ") }
            pendingSpace = false
            out.append(ch)
        }
        return out
    }
}

/// A range of character offsets in the worksheet.
typealias SourceRange = Range<Int>
