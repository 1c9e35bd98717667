// Command.swift — commands, strict parsing, help and dispatch, in the habits of swift-argument-parser.
//
// A command is a struct conforming to `ParsableCommand`: its configuration (name, abstract,
// discussion, subcommands), its declared options (Declarations.swift), a `validate` step for
// rules between options, and `run`, which calls a library function and formats the value it
// returns. Parsing is strict: an option missing its value never takes the next option as its
// value, a repeated option is an error, an unknown option or value gets a "did you mean", and
// every error is one line on standard error with exit status 2.

import Foundation
import WorkbenchNumerics

/// A mistake in how the command was called: printed as one line, exit status 2.
public struct UsageError: WorkbenchError, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var exitStatus: Int32 { 2 }
}

/// A failure while doing the work that no library error describes: one line, exit status `code`.
public struct RuntimeError: WorkbenchError {
    public let message: String
    public let code: Int32
    public init(_ message: String, code: Int32 = 1) { self.message = message; self.code = code }
    public var description: String { message }
    public var exitStatus: Int32 { code }
}

/// What a command says about itself.
public struct CommandConfiguration {
    public var name: String
    public var abstract: String
    public var discussion: String
    public var subcommands: [any ParsableCommand.Type]

    public init(name: String, abstract: String, discussion: String = "", subcommands: [any ParsableCommand.Type] = []) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.subcommands = subcommands
    }
}

/// A command of the CLI.
public protocol ParsableCommand: ParsableArguments {
    static var configuration: CommandConfiguration { get }
    /// Does the work and returns the exit status.
    func run(_ console: Console) throws -> Int32
}

/// A command that only groups subcommands: without one it prints its help.
public protocol CommandGroup: ParsableCommand {}

extension CommandGroup {
    public func run(_ console: Console) throws -> Int32 {
        console.print(Self.helpText(path: [Self.configuration.name]))
        return 0
    }
}

// MARK: - Parsing

/// Fills `command`'s declarations from `tokens` (everything after the command's path).
func parse(_ command: any ParsableCommand, path: [String], tokens: [String]) throws {
    let all = declarations(of: command)
    let named = Dictionary(all.filter { $0.kind != .argument }.map { ($0.name!, $0) }, uniquingKeysWith: { a, _ in a })
    var arguments = all.filter { $0.kind == .argument }[...]
    let subcommands = type(of: command).configuration.subcommands.map { $0.configuration.name }
    let where_ = "'\(path.joined(separator: " "))'"

    var i = 0
    var onlyPositional = false
    while i < tokens.count {
        let token = tokens[i]
        i += 1
        if !onlyPositional && token == "--" { onlyPositional = true; continue }
        if !onlyPositional && looksLikeOption(token) {
            var name = token
            var inline: String?
            if let eq = token.firstIndex(of: "=") {
                name = String(token[..<eq])
                inline = String(token[token.index(after: eq)...])
            }
            guard let declaration = named[name] else {
                var message = "unknown option '\(name)' for \(where_)"
                if let guess = suggestion(for: name, among: Array(named.keys)) { message += " (did you mean '\(guess)'?)" }
                throw UsageError(message + "; see --help")
            }
            if declaration.isSet { throw UsageError("option \(name) is given more than once") }
            if declaration.kind == .flag {
                if inline != nil { throw UsageError("option \(name) is a flag and takes no value") }
                try declaration.assign("")
                continue
            }
            var word: String
            if let inline {
                word = inline
            } else {
                guard i < tokens.count, !looksLikeOption(tokens[i]) || tokens[i] == "-" else {
                    throw UsageError(
                        "option \(name) needs a value <\(declaration.placeholder)>"
                            + (i < tokens.count
                                ? ", but the next word is the option '\(tokens[i])' (write \(name)=VALUE for a value that starts with '-')"
                                : ""))
                }
                word = tokens[i]
                i += 1
            }
            try declaration.assign(word)
        } else {
            guard let argument = arguments.popFirst() else {
                var message = "unexpected argument '\(token)' for \(where_)"
                if !subcommands.isEmpty {
                    message += " (subcommands: \(subcommands.joined(separator: ", "))"
                    if let guess = suggestion(for: token, among: subcommands) { message += "; did you mean '\(guess)'?" }
                    message += ")"
                }
                throw UsageError(message)
            }
            try argument.assign(token)
        }
    }
}

/// Whether a word is an option (`--name`, `-x`) rather than a value such as `-3` or `-1e-4`.
func looksLikeOption(_ word: String) -> Bool {
    guard word.hasPrefix("-"), word.count > 1 else { return false }
    return Double(word) == nil
}

// MARK: - Help

extension ParsableCommand {
    /// The help text, generated from the configuration and the declarations.
    static func helpText(path: [String], isRoot: Bool = false) -> String {
        let config = configuration
        let decls = declarations(of: Self())
        let options = decls.filter { $0.kind != .argument }
        let arguments = decls.filter { $0.kind == .argument }
        let full = path.joined(separator: " ")
        let groupOnly = self is any CommandGroup.Type

        var lines = ["OVERVIEW: \(config.abstract)", ""]
        var usage = "USAGE: \(full)"
        if !config.subcommands.isEmpty { usage += groupOnly ? " <subcommand>" : " [<subcommand>]" }
        for a in arguments { usage += " [\(a.name!)]" }
        if !options.isEmpty { usage += " [options]" }
        lines.append(usage)
        if !config.discussion.isEmpty { lines += ["", config.discussion] }
        if !arguments.isEmpty {
            lines += ["", "ARGUMENTS:"]
            for a in arguments { lines.append(column(a.name!, a.help)) }
        }
        if !config.subcommands.isEmpty {
            lines += ["", "SUBCOMMANDS:"]
            for sub in config.subcommands { lines.append(column(sub.configuration.name, sub.configuration.abstract)) }
            lines += ["", "  See '\(full) <subcommand> --help' for details."]
        }
        lines += ["", "OPTIONS:"]
        for o in options {
            let head = o.kind == .flag ? o.name! : "\(o.name!) <\(o.placeholder)>"
            var notes: [String] = []
            if let words = o.allowedWords { notes.append(words.joined(separator: ", ")) }
            if let c = o.constraint { notes.append(c) }
            if let d = o.defaultText { notes.append("default: \(d)") }
            lines.append(column(head, o.help + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")))
        }
        if isRoot { lines.append(column("--version", "Show the version.")) }
        lines.append(column("-h, --help", "Show help information."))
        return lines.joined(separator: "\n")
    }
}

private func column(_ head: String, _ text: String) -> String {
    let pad = 28
    if head.count + 2 >= pad { return "  \(head)\n" + String(repeating: " ", count: pad) + text }
    return "  " + head + String(repeating: " ", count: pad - 2 - head.count) + text
}

// MARK: - Dispatch

/// Finds the command named by the leading words of `arguments`, parses the rest, validates and
/// runs it; returns the exit status. Every error is one line on standard error.
public func dispatch(root: any ParsableCommand.Type, version: String, arguments: [String], console: Console) -> Int32 {
    var command: any ParsableCommand.Type = root
    var path = [root.configuration.name]
    var rest = arguments[...]
    while let next = rest.first, let sub = command.configuration.subcommands.first(where: { $0.configuration.name == next }) {
        command = sub
        path.append(next)
        rest = rest.dropFirst()
    }
    let beforeSeparator = rest.prefix { $0 != "--" }
    if beforeSeparator.contains("--help") || beforeSeparator.contains("-h") {
        console.print(command.helpText(path: path, isRoot: path.count == 1))
        return 0
    }
    if path.count == 1 && Array(rest) == ["--version"] {
        console.print("\(root.configuration.name) \(version)")
        return 0
    }
    do {
        if command is any CommandGroup.Type {
            guard let word = rest.first else {
                console.print(command.helpText(path: path, isRoot: path.count == 1))
                return 0
            }
            let names = command.configuration.subcommands.map { $0.configuration.name }
            var message =
                looksLikeOption(word)
                ? "'\(path.joined(separator: " "))' needs a subcommand before options (one of: \(names.joined(separator: ", ")))"
                : "unknown subcommand '\(word)' for '\(path.joined(separator: " "))' (expected one of: \(names.joined(separator: ", ")))"
            if !looksLikeOption(word), let guess = suggestion(for: word, among: names) { message += "; did you mean '\(guess)'?" }
            throw UsageError(message)
        }
        let instance = command.init()
        try parse(instance, path: path, tokens: Array(rest))
        for group in groups(of: instance) { try group.validate() }
        try instance.validate()
        return try instance.run(console)
    } catch let error as WorkbenchError {
        console.printError("error: \(error.description)")
        return error.exitStatus
    } catch {
        console.printError("error: \(error)")
        return 1
    }
}

/// Encodes a report as pretty-printed JSON with sorted keys (non-finite numbers as strings).
public func jsonString<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
