// Corpus.swift — reading a poem corpus: one poem per line.
//
// Dimension letters: N poems; each poem a sequence of characters.
// Notation: the homework's data pipeline (Lab 5 `process_poems`): a poem is wrapped as
// `G` + poem + `E`, with `G` the start token and `E` the end token.
// Accepted line forms: `content` or `title:content` (the title is dropped; a full-width
// colon `：` works too). Blank lines are ignored; a final newline is optional; `\r\n` is
// accepted. Lines that cannot be used are skipped and reported with their line number.
// Also reads the Debian `fortunes-zh` file `tang300` (entries separated by `%`, ANSI colour
// codes on the title and author lines), keeping its five-character couplets as quatrains.
// Leaves out: traditional/simplified conversion, any normalisation of punctuation.

import Foundation

/// Why a corpus could not be read.
public enum CorpusError: WorkbenchError, Equatable {
    case unreadable(path: String, reason: String)
    case notUTF8(path: String)
    case empty(path: String)
    case noUsablePoem(path: String, skipped: Int)
    case noDefaultCorpus(searched: [String])

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read corpus '\(path)': \(reason)"
        case .notUTF8(let path):
            return "corpus '\(path)' is not UTF-8 text; convert it (e.g. iconv -f GB18030 -t UTF-8) and try again"
        case .empty(let path):
            return "corpus '\(path)' is empty: it needs one poem per line"
        case .noUsablePoem(let path, let skipped):
            return "corpus '\(path)' has no usable poem (\(skipped) line(s) skipped); it needs one poem per line"
        case .noDefaultCorpus(let searched):
            return
                "no corpus found (looked for \(searched.joined(separator: ", "))); pass --corpus FILE with one poem per line, or install Debian's fortunes-zh (apt-get install fortunes-zh) for tang300"
        }
    }
}

/// A line of the corpus that was not used, and why.
public struct SkippedLine: Equatable, Sendable, Codable {
    /// 1-based line number in the file.
    public let line: Int
    public let reason: String
}

/// The poems of a corpus file.
public struct PoemCorpus: Sendable {
    /// Where the poems came from (a path, or a description).
    public let source: String
    /// The poems, without start/end tokens, in file order. (N)
    public let poems: [[Character]]
    /// Lines that were not used.
    public let skipped: [SkippedLine]

    /// Characters a poem may not contain: the start and end tokens, and marks that in the
    /// common Tang-poem corpora flag notes or damaged text.
    public static let forbidden: Set<Character> = [Vocabulary.startToken, Vocabulary.endToken, "_", "(", "（", "《", "[", "【"]
    /// Shortest and longest poem kept (characters, without tokens).
    public static let lengthRange = 2...200

    public init(source: String, poems: [[Character]], skipped: [SkippedLine] = []) {
        self.source = source
        self.poems = poems
        self.skipped = skipped
    }

    /// Parses `text` (one poem per line, optionally `title:content`).
    public static func parse(_ text: String, source: String) throws -> PoemCorpus {
        var poems: [[Character]] = []
        var skipped: [SkippedLine] = []
        var lineNumber = 0
        var sawNonBlank = false
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            if line.allSatisfy({ $0.isWhitespace }) { continue }
            sawNonBlank = true
            if let colon = line.firstIndex(where: { $0 == ":" || $0 == "：" }) {
                line = line[line.index(after: colon)...]
            }
            let content = Array(line.filter { !$0.isWhitespace })
            if content.isEmpty {
                skipped.append(SkippedLine(line: lineNumber, reason: "title without content"))
            } else if let bad = content.first(where: { forbidden.contains($0) }) {
                skipped.append(SkippedLine(line: lineNumber, reason: "contains reserved or note character '\(bad)'"))
            } else if !lengthRange.contains(content.count) {
                skipped.append(
                    SkippedLine(
                        line: lineNumber, reason: "length \(content.count) outside \(lengthRange.lowerBound)...\(lengthRange.upperBound)"))
            } else {
                poems.append(content)
            }
        }
        if !sawNonBlank { throw CorpusError.empty(path: source) }
        if poems.isEmpty { throw CorpusError.noUsablePoem(path: source, skipped: skipped.count) }
        return PoemCorpus(source: source, poems: poems, skipped: skipped)
    }

    /// Reads a corpus file (one poem per line; a `tang300` fortune file is recognised by its
    /// `%` separators and colour codes).
    public static func load(path: String) throws -> PoemCorpus {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CorpusError.unreadable(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw CorpusError.unreadable(path: path, reason: "is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CorpusError.unreadable(path: path, reason: "permission denied")
        }
        if data.isEmpty { throw CorpusError.empty(path: path) }
        guard let text = String(data: data, encoding: .utf8) else { throw CorpusError.notUTF8(path: path) }
        if isFortuneFile(text) { return try parseFortunes(text, source: path) }
        return try parse(text, source: path)
    }

    /// The default corpus search order: `./subset_poems.txt`, then Debian's `tang300`.
    public static let defaultPaths = ["subset_poems.txt", "/usr/share/games/fortunes/tang300"]

    /// Loads the first default corpus that exists.
    public static func loadDefault(searching paths: [String] = defaultPaths) throws -> PoemCorpus {
        for path in paths where FileManager.default.fileExists(atPath: path) {
            return try load(path: path)
        }
        throw CorpusError.noDefaultCorpus(searched: paths)
    }

    // MARK: - fortunes-zh (tang300)

    static func isFortuneFile(_ text: String) -> Bool {
        text.contains("\n%\n") && text.contains("\u{1B}[")
    }

    /// Keeps, from each `%`-separated entry, its lines of the form `XXXXX，XXXXX。` (two
    /// five-character lines); every two such couplets make one quatrain of 24 characters.
    static func parseFortunes(_ text: String, source: String) throws -> PoemCorpus {
        var poems: [[Character]] = []
        var skipped: [SkippedLine] = []
        var couplets: [[Character]] = []
        var entryStart = 1
        var lineNumber = 0
        func closeEntry() {
            if couplets.count < 2 {
                skipped.append(SkippedLine(line: entryStart, reason: "entry has fewer than two five-character couplets"))
            }
            var i = 0
            while i + 1 < couplets.count {
                poems.append(couplets[i] + couplets[i + 1])
                i += 2
            }
            couplets = []
        }
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : Substring(rawLine)
            if line == "%" {
                closeEntry()
                entryStart = lineNumber + 1
                continue
            }
            if line.contains("\u{1B}") { continue }  // coloured title or author line
            let chars = Array(line.filter { !$0.isWhitespace })
            if isFiveCharacterCouplet(chars) { couplets.append(chars) }
        }
        if !couplets.isEmpty { closeEntry() }
        if poems.isEmpty { throw CorpusError.noUsablePoem(path: source, skipped: skipped.count) }
        return PoemCorpus(source: source, poems: poems, skipped: skipped)
    }

    static func isFiveCharacterCouplet(_ c: [Character]) -> Bool {
        guard c.count == 12, c[5] == "，", c[11] == "。" else { return false }
        for (i, ch) in c.enumerated() where i != 5 && i != 11 {
            if ch.isPunctuation || ch.isWhitespace || ch.isASCII || forbidden.contains(ch) { return false }
        }
        return true
    }
}
