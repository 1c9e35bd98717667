// CommandLine.swift — a small argument parser in the habits of swift-argument-parser.
//
// Each command is a value (`CommandSpec`) with a name, a one-line abstract, a discussion,
// its options (each with help text) and either subcommands or a `run` closure. Parsing
// validates everything before running: an unknown option, a missing value or a value out of
// range is a `UsageError`, printed as one line on standard error with exit status 2.

import Foundation

/// A mistake in how the command was called: printed as one line, exit status 2.
public struct UsageError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A failure while doing the work (a file that cannot be read, a corrupt checkpoint):
/// printed as one line, exit status `code` (1 unless said otherwise).
public struct RuntimeError: Error, CustomStringConvertible {
    public let message: String
    public let code: Int32
    public init(_ message: String, code: Int32 = 1) { self.message = message; self.code = code }
    public var description: String { message }
}

/// Where a command writes: standard output and standard error, or buffers in tests.
public final class Console: @unchecked Sendable {
    private let writeOut: (String) -> Void
    private let writeErr: (String) -> Void
    /// Whether standard output is a terminal (progress bars are drawn only there).
    public let isTerminal: Bool

    public init(out: @escaping (String) -> Void, err: @escaping (String) -> Void, isTerminal: Bool = false) {
        self.writeOut = out
        self.writeErr = err
        self.isTerminal = isTerminal
    }

    /// The process's standard output and standard error.
    public static func standard() -> Console {
        Console(
            out: { s in FileHandle.standardOutput.write(s.data(using: .utf8)!) },
            err: { s in FileHandle.standardError.write(s.data(using: .utf8)!) },
            isTerminal: isatty(1) == 1
        )
    }

    /// Writes `text` and a newline to standard output.
    public func print(_ text: String = "") { writeOut(text + "\n") }
    /// Writes `text` as it is to standard output.
    public func write(_ text: String) { writeOut(text) }
    /// Writes `text` and a newline to standard error.
    public func printError(_ text: String) { writeErr(text + "\n") }
    /// Writes `text` as it is to standard error (progress lines).
    public func writeError(_ text: String) { writeErr(text) }
}

/// One option of a command.
public struct OptionSpec: Sendable {
    /// The long name with its dashes, e.g. `--steps`.
    public let name: String
    /// The value's placeholder (`N`, `FILE`); nil for a flag that takes no value.
    public let value: String?
    /// One line of help.
    public let help: String
    /// The default shown in help, if any.
    public let defaultValue: String?

    public init(_ name: String, value: String? = nil, help: String, default defaultValue: String? = nil) {
        self.name = name
        self.value = value
        self.help = help
        self.defaultValue = defaultValue
    }

    /// `--json`: the common flag for machine-readable output.
    public static let json = OptionSpec("--json", help: "Print the report as JSON instead of a table.")
}

/// A command of the CLI: a group of subcommands or a leaf that runs.
public struct CommandSpec {
    public let name: String
    public let abstract: String
    public let discussion: String
    /// Positional arguments for help: (placeholder, help).
    public let arguments: [(String, String)]
    public let options: [OptionSpec]
    public let subcommands: [CommandSpec]
    /// Runs the command; returns the exit status. Nil for a pure group.
    public let run: ((ParsedArguments, Console) throws -> Int32)?

    public init(name: String, abstract: String, discussion: String = "", arguments: [(String, String)] = [],
                options: [OptionSpec] = [], subcommands: [CommandSpec] = [],
                run: ((ParsedArguments, Console) throws -> Int32)? = nil) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.arguments = arguments
        self.options = options
        self.subcommands = subcommands
        self.run = run
    }

    /// The help text: usage, abstract, discussion, subcommands and options.
    public func help(path: [String]) -> String {
        let full = path.joined(separator: " ")
        var lines: [String] = []
        lines.append("OVERVIEW: \(abstract)")
        lines.append("")
        var usage = "USAGE: \(full)"
        if !subcommands.isEmpty { usage += run == nil ? " <subcommand>" : " [<subcommand>]" }
        for (placeholder, _) in arguments { usage += " \(placeholder)" }
        if !options.isEmpty { usage += " [options]" }
        lines.append(usage)
        if !discussion.isEmpty {
            lines.append("")
            lines.append(discussion)
        }
        if !arguments.isEmpty {
            lines.append("")
            lines.append("ARGUMENTS:")
            for (placeholder, help) in arguments { lines.append(Self.column(placeholder, help)) }
        }
        if !subcommands.isEmpty {
            lines.append("")
            lines.append("SUBCOMMANDS:")
            for sub in subcommands { lines.append(Self.column(sub.name, sub.abstract)) }
            lines.append("")
            lines.append("  See '\(full) <subcommand> --help' for details.")
        }
        lines.append("")
        lines.append("OPTIONS:")
        for option in options {
            let head = option.value.map { "\(option.name) <\($0)>" } ?? option.name
            var help = option.help
            if let d = option.defaultValue { help += " (default: \(d))" }
            lines.append(Self.column(head, help))
        }
        lines.append(Self.column("-h, --help", "Show help information."))
        return lines.joined(separator: "\n")
    }

    private static func column(_ head: String, _ text: String) -> String {
        let pad = 26
        if head.count + 2 >= pad { return "  \(head)\n" + String(repeating: " ", count: pad) + text }
        return "  " + head + String(repeating: " ", count: pad - 2 - head.count) + text
    }
}

/// The options and positional arguments of one invocation, with typed, validated getters.
public struct ParsedArguments {
    /// The command path, e.g. ["workbench", "check", "rnn"], for messages.
    public let path: [String]
    public private(set) var values: [String: String] = [:]
    public private(set) var flags: Set<String> = []
    public private(set) var positional: [String] = []

    init(path: [String], spec: CommandSpec, tokens: [String]) throws {
        self.path = path
        let known = Dictionary(spec.options.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var i = 0
        while i < tokens.count {
            let token = tokens[i]
            if token == "--" {
                positional.append(contentsOf: tokens[(i + 1)...])
                break
            }
            if token.hasPrefix("--") {
                var name = token
                var inlineValue: String?
                if let eq = token.firstIndex(of: "=") {
                    name = String(token[..<eq])
                    inlineValue = String(token[token.index(after: eq)...])
                }
                guard let option = known[name] else {
                    throw UsageError("unknown option '\(name)' for '\(path.joined(separator: " "))' (see --help)")
                }
                if option.value != nil {
                    if let v = inlineValue {
                        values[name] = v
                    } else {
                        guard i + 1 < tokens.count else {
                            throw UsageError("option '\(name)' needs a value <\(option.value!)>")
                        }
                        values[name] = tokens[i + 1]
                        i += 1
                    }
                } else {
                    if inlineValue != nil { throw UsageError("option '\(name)' takes no value") }
                    flags.insert(name)
                }
            } else if token.hasPrefix("-"), token.count > 1, Double(token) == nil {
                throw UsageError("unknown option '\(token)' for '\(path.joined(separator: " "))' (see --help)")
            } else {
                positional.append(token)
            }
            i += 1
        }
    }

    /// Whether a flag was given.
    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// Whether an option was given a value.
    public func has(_ name: String) -> Bool { values[name] != nil }

    /// A string option.
    public func string(_ name: String) -> String? { values[name] }

    /// A string option with a default.
    public func string(_ name: String, default d: String) -> String { values[name] ?? d }

    /// An integer option, checked against `range`.
    public func int(_ name: String, default d: Int, range: ClosedRange<Int>? = nil) throws -> Int {
        guard let raw = values[name] else { return d }
        guard let v = Int(raw) else { throw UsageError("option \(name) expects an integer, got '\(raw)'") }
        if let r = range, !r.contains(v) {
            throw UsageError("option \(name) must be in \(r.lowerBound)...\(r.upperBound), got \(v)")
        }
        return v
    }

    /// An optional integer option, checked against `range`.
    public func optionalInt(_ name: String, range: ClosedRange<Int>? = nil) throws -> Int? {
        guard values[name] != nil else { return nil }
        return try int(name, default: 0, range: range)
    }

    /// A seed: a non-negative integer.
    public func seed(_ name: String = "--seed", default d: UInt64) throws -> UInt64 {
        guard let raw = values[name] else { return d }
        guard let v = UInt64(raw) else { throw UsageError("option \(name) expects a non-negative integer, got '\(raw)'") }
        return v
    }

    /// A real-valued option, finite, checked against `range`.
    public func double(_ name: String, default d: Double, range: ClosedRange<Double>? = nil) throws -> Double {
        guard let raw = values[name] else { return d }
        guard let v = Double(raw), v.isFinite else { throw UsageError("option \(name) expects a finite number, got '\(raw)'") }
        if let r = range, !r.contains(v) {
            throw UsageError("option \(name) must be in \(r.lowerBound)...\(r.upperBound), got \(raw)")
        }
        return v
    }

    /// An option whose value must be one of `choices`.
    public func choice(_ name: String, _ choices: [String], default d: String) throws -> String {
        guard let raw = values[name] else { return d }
        guard choices.contains(raw) else {
            throw UsageError("option \(name): unknown value '\(raw)' (expected one of: \(choices.joined(separator: ", ")))")
        }
        return raw
    }

    /// Fails if more than `max` positional arguments were given.
    public func expectPositional(max: Int) throws {
        if positional.count > max {
            let extra = positional[max...].joined(separator: " ")
            throw UsageError("unexpected argument '\(extra)' for '\(path.joined(separator: " "))' (see --help)")
        }
    }
}

/// Finds the command named by the leading words of `arguments`, parses the rest and runs it.
public func dispatch(root: CommandSpec, arguments: [String], console: Console) -> Int32 {
    var spec = root
    var path = [root.name]
    var rest = arguments[...]
    while let next = rest.first, let sub = spec.subcommands.first(where: { $0.name == next }) {
        spec = sub
        path.append(next)
        rest = rest.dropFirst()
    }
    if rest.contains("--help") || rest.contains("-h") || rest.first == "help" && spec.subcommands.isEmpty == false {
        console.print(spec.help(path: path))
        return 0
    }
    guard let run = spec.run else {
        if let word = rest.first {
            console.printError("error: unknown subcommand '\(word)' for '\(path.joined(separator: " "))' (expected one of: \(spec.subcommands.map(\.name).joined(separator: ", ")))")
            return 2
        }
        console.print(spec.help(path: path))
        return 0
    }
    do {
        if !spec.subcommands.isEmpty, let word = rest.first, !word.hasPrefix("-") {
            throw UsageError("unknown subcommand '\(word)' for '\(path.joined(separator: " "))' (expected one of: \(spec.subcommands.map(\.name).joined(separator: ", ")))")
        }
        let parsed = try ParsedArguments(path: path, spec: spec, tokens: Array(rest))
        return try run(parsed, console)
    } catch let error as UsageError {
        console.printError("error: \(error.message)")
        return 2
    } catch let error as RuntimeError {
        console.printError("error: \(error.message)")
        return error.code
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
    return String(data: try encoder.encode(value), encoding: .utf8)!
}
