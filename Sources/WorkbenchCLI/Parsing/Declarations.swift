// Declarations.swift — options, flags and arguments, each declared once as a property.
//
// A command is a struct whose properties carry `@Option`, `@Flag`, `@Argument` or
// `@OptionGroup`. The declaration holds everything about an option: its name (derived from the
// property name, `hiddenSize` → `--hidden-size`, unless given), its value type, its default (the
// property's initial value, taken from the library's configuration types), its range or allowed
// values, and its help. Parsing, validation and the help text all read that one declaration; the
// command reads the typed property, so no option is looked up by a string key.
//
// The wrappers keep their value in a small reference box, so the parser can fill in the
// command's properties through reflection (`Mirror`) without knowing the command's type.

import Foundation
import WorkbenchNumerics

// MARK: - Values

/// A type that an option's value word parses into.
public protocol OptionValue {
    /// The value a word stands for, or nil when the word is not a valid value.
    static func parse(_ word: String) -> Self?
    /// The placeholder in help and errors, e.g. `N` or `FILE`.
    static var placeholder: String { get }
    /// What a valid word looks like, for errors: "an integer", "a finite number".
    static var expectation: String { get }
    /// The allowed words, for types with a fixed set of values.
    static var allowedWords: [String]? { get }
    /// How a value is shown as a default in help.
    var helpDescription: String { get }
}

extension OptionValue {
    public static var allowedWords: [String]? { nil }
    public var helpDescription: String { "\(self)" }
}

extension Int: OptionValue {
    public static func parse(_ word: String) -> Int? { Int(word) }
    public static var placeholder: String { "N" }
    public static var expectation: String { "an integer" }
}

extension UInt64: OptionValue {
    public static func parse(_ word: String) -> UInt64? { UInt64(word) }
    public static var placeholder: String { "N" }
    public static var expectation: String { "a non-negative integer" }
}

extension Double: OptionValue {
    public static func parse(_ word: String) -> Double? {
        guard let v = Double(word), v.isFinite else { return nil }
        return v
    }
    public static var placeholder: String { "X" }
    public static var expectation: String { "a finite number" }
    public var helpDescription: String { formatScalar(self, digits: 6) }
}

extension Float: OptionValue {
    public static func parse(_ word: String) -> Float? {
        guard let v = Float(word), v.isFinite else { return nil }
        return v
    }
    public static var placeholder: String { "X" }
    public static var expectation: String { "a finite number" }
    public var helpDescription: String { formatScalar(Double(self), digits: 6) }
}

extension String: OptionValue {
    public static func parse(_ word: String) -> String? { word }
    public static var placeholder: String { "TEXT" }
    public static var expectation: String { "text" }
}

/// A fixed set of named values (a library enum): help lists them, a wrong word gets a suggestion.
public protocol EnumerableOptionValue: OptionValue, CaseIterable, RawRepresentable where RawValue == String {}

extension EnumerableOptionValue {
    public static func parse(_ word: String) -> Self? { Self(rawValue: word) }
    public static var placeholder: String { "NAME" }
    public static var expectation: String { "one of: " + allCases.map(\.rawValue).joined(separator: ", ") }
    public static var allowedWords: [String]? { allCases.map(\.rawValue) }
    public var helpDescription: String { rawValue }
}

extension Optional: OptionValue where Wrapped: OptionValue {
    public static func parse(_ word: String) -> Wrapped?? { Wrapped.parse(word).map { .some($0) } }
    public static var placeholder: String { Wrapped.placeholder }
    public static var expectation: String { Wrapped.expectation }
    public static var allowedWords: [String]? { Wrapped.allowedWords }
    public var helpDescription: String { map(\.helpDescription) ?? "none" }
}

// MARK: - Storage shared by the parser and the command

/// What the parser and the help text know of one declaration.
class Declaration {
    enum Kind { case option, flag, argument }
    let kind: Kind
    /// `--name` for options and flags, `<name>` for arguments; nil until named from the property.
    var name: String?
    let explicitName: String?
    let help: String
    let placeholder: String
    let allowedWords: [String]?
    /// "1…1000", shown in help.
    let constraint: String?
    /// The default shown in help; nil when there is none to show.
    let defaultText: String?
    /// Whether the command line gave this declaration a value.
    var isSet = false

    init(
        kind: Kind, explicitName: String?, help: String, placeholder: String, allowedWords: [String]?,
        constraint: String?, defaultText: String?
    ) {
        self.kind = kind
        self.explicitName = explicitName
        self.help = help
        self.placeholder = placeholder
        self.allowedWords = allowedWords
        self.constraint = constraint
        self.defaultText = defaultText
    }

    /// Parses and validates `word`, then stores it.
    func assign(_ word: String) throws { isSet = true }
}

final class ValueBox<Value: OptionValue>: Declaration {
    var value: Value
    let check: (Value) -> String?

    init(
        kind: Kind, value: Value, name: String?, placeholder: String?, help: String, constraint: String?,
        showDefault: Bool, defaultText: String?, check: @escaping (Value) -> String?
    ) {
        self.value = value
        self.check = check
        super.init(
            kind: kind, explicitName: name, help: help, placeholder: placeholder ?? Value.placeholder,
            allowedWords: Value.allowedWords, constraint: constraint,
            defaultText: defaultText ?? (showDefault ? value.helpDescription : nil))
    }

    override func assign(_ word: String) throws {
        let label = kind == .argument ? "argument \(name ?? "")" : "option \(name ?? "")"
        guard let parsed = Value.parse(word) else {
            if let words = allowedWords {
                var message = "\(label): unknown value '\(word)'"
                if let guess = suggestion(for: word, among: words) { message += " (did you mean '\(guess)'?)" }
                throw UsageError(message + " — expected one of: \(words.joined(separator: ", "))")
            }
            throw UsageError("\(label) expects \(Value.expectation), got '\(word)'")
        }
        if let problem = check(parsed) { throw UsageError("\(label) \(problem), got '\(word)'") }
        value = parsed
        isSet = true
    }
}

final class FlagBox: Declaration {
    var value: Bool
    init(value: Bool, name: String?, help: String) {
        self.value = value
        super.init(kind: .flag, explicitName: name, help: help, placeholder: "", allowedWords: nil, constraint: nil, defaultText: nil)
    }
    override func assign(_ word: String) throws {
        value = true
        isSet = true
    }
}

/// What a command can ask of one of its declarations after parsing (`$steps.isSet`).
public struct DeclarationState {
    let box: Declaration
    /// Whether the command line gave this option a value.
    public var isSet: Bool { box.isSet }
    /// The option's name as typed (`--steps`).
    public var name: String { box.name ?? box.explicitName ?? "?" }
}

protocol DeclarationProvider { var declaration: Declaration { get } }
protocol GroupProvider { var group: Any { get } }

// MARK: - @Option

/// An option with a value: `--steps 6` or `--steps=6`.
@propertyWrapper
public struct Option<Value: OptionValue>: DeclarationProvider {
    let box: ValueBox<Value>
    var declaration: Declaration { box }

    public var wrappedValue: Value {
        get { box.value }
        nonmutating set { box.value = newValue }
    }
    public var projectedValue: DeclarationState { DeclarationState(box: box) }

    /// An option with a default; `defaultText` replaces the shown default when it says more.
    public init(
        wrappedValue: Value, name: String? = nil, placeholder: String? = nil, help: String,
        defaultText: String? = nil, check: @escaping (Value) -> String? = { _ in nil }
    ) {
        box = ValueBox(
            kind: .option, value: wrappedValue, name: name, placeholder: placeholder, help: help,
            constraint: nil, showDefault: true, defaultText: defaultText, check: check)
    }

    /// An option whose value must lie in `range`.
    public init(
        wrappedValue: Value, name: String? = nil, placeholder: String? = nil, help: String,
        range: ClosedRange<Value>, defaultText: String? = nil
    ) where Value: Comparable {
        box = ValueBox(
            kind: .option, value: wrappedValue, name: name, placeholder: placeholder, help: help,
            constraint: rangeText(range), showDefault: true, defaultText: defaultText,
            check: { range.contains($0) ? nil : "must be in \(rangeText(range))" })
    }

    /// An option without a default value: nil unless given (`defaultText` says what nil means).
    public init<Wrapped>(name: String? = nil, placeholder: String? = nil, help: String, defaultText: String? = nil)
    where Value == Wrapped?, Wrapped: OptionValue {
        box = ValueBox(
            kind: .option, value: nil, name: name, placeholder: placeholder, help: help,
            constraint: nil, showDefault: false, defaultText: defaultText, check: { _ in nil })
    }

    /// An option without a default value whose value, when given, must lie in `range`.
    public init<Wrapped>(
        name: String? = nil, placeholder: String? = nil, help: String, range: ClosedRange<Wrapped>,
        defaultText: String? = nil
    )
    where Value == Wrapped?, Wrapped: OptionValue & Comparable {
        box = ValueBox(
            kind: .option, value: nil, name: name, placeholder: placeholder, help: help,
            constraint: rangeText(range), showDefault: false, defaultText: defaultText,
            check: { v in v.map { range.contains($0) ? nil : "must be in \(rangeText(range))" } ?? nil })
    }

    /// An option without a default, checked by `check` (a message when the value is wrong).
    public init<Wrapped>(name: String? = nil, placeholder: String? = nil, help: String, check: @escaping (Wrapped) -> String?)
    where Value == Wrapped?, Wrapped: OptionValue {
        box = ValueBox(
            kind: .option, value: nil, name: name, placeholder: placeholder, help: help,
            constraint: nil, showDefault: false, defaultText: nil,
            check: { v in v.map(check) ?? nil })
    }
}

func rangeText<T>(_ r: ClosedRange<T>) -> String {
    func show(_ x: T) -> String {
        if let d = x as? Double { return formatScalar(d, digits: 6) }
        if let f = x as? Float { return formatScalar(Double(f), digits: 6) }
        return "\(x)"
    }
    return "\(show(r.lowerBound))…\(show(r.upperBound))"
}

// MARK: - @Flag

/// A flag without a value: `--json`.
@propertyWrapper
public struct Flag: DeclarationProvider {
    let box: FlagBox
    var declaration: Declaration { box }

    public var wrappedValue: Bool {
        get { box.value }
        nonmutating set { box.value = newValue }
    }
    public var projectedValue: DeclarationState { DeclarationState(box: box) }

    public init(wrappedValue: Bool = false, name: String? = nil, help: String) {
        box = FlagBox(value: wrappedValue, name: name, help: help)
    }
}

// MARK: - @Argument

/// A positional argument (at most one value), nil unless given.
@propertyWrapper
public struct Argument<Value: OptionValue>: DeclarationProvider {
    let box: ValueBox<Value>
    var declaration: Declaration { box }

    public var wrappedValue: Value {
        get { box.value }
        nonmutating set { box.value = newValue }
    }
    public var projectedValue: DeclarationState { DeclarationState(box: box) }

    public init<Wrapped>(placeholder: String, help: String) where Value == Wrapped?, Wrapped: OptionValue {
        box = ValueBox(
            kind: .argument, value: nil, name: placeholder, placeholder: placeholder, help: help,
            constraint: nil, showDefault: false, defaultText: nil, check: { _ in nil })
    }
}

// MARK: - @OptionGroup

/// A set of options declared once and shared by several commands (`@OptionGroup var model: RNNModelOptions`).
public protocol ParsableArguments {
    init()
    /// Rules between options, checked after parsing; throws a `UsageError`.
    func validate() throws
}

extension ParsableArguments {
    public func validate() throws {}
}

@propertyWrapper
public struct OptionGroup<Group: ParsableArguments>: GroupProvider {
    public var wrappedValue: Group
    var group: Any { wrappedValue }
    public init() { wrappedValue = Group() }
}

/// `--json`, shared by every report command.
public struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the report as JSON instead of a table.")
    public var json: Bool
    public init() {}
}

// MARK: - Reflection

/// Every declaration of `value` (its options, flags, arguments and those of its groups), in
/// declaration order, each named from its property.
func declarations(of value: Any) -> [Declaration] {
    var result: [Declaration] = []
    for child in Mirror(reflecting: value).children {
        if let provider = child.value as? DeclarationProvider {
            let d = provider.declaration
            if d.name == nil {
                let label = (child.label ?? "").hasPrefix("_") ? String((child.label ?? "").dropFirst()) : (child.label ?? "")
                d.name = d.explicitName ?? (d.kind == .argument ? "<\(kebab(label))>" : "--" + kebab(label))
            }
            result.append(d)
        } else if let provider = child.value as? GroupProvider {
            result += declarations(of: provider.group)
        }
    }
    return result
}

/// Every option group of `value`, for their `validate` steps.
func groups(of value: Any) -> [ParsableArguments] {
    Mirror(reflecting: value).children.compactMap { ($0.value as? GroupProvider)?.group as? ParsableArguments }
}

/// `hiddenSize` → `hidden-size`.
func kebab(_ name: String) -> String {
    var out = ""
    for ch in name {
        if ch.isUppercase {
            if !out.isEmpty { out.append("-") }
            out += ch.lowercased()
        } else {
            out.append(ch)
        }
    }
    return out
}

// MARK: - Suggestions

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
func suggestion(for word: String, among candidates: [String]) -> String? {
    let w = Array(word.lowercased())
    var best: (String, Int)?
    for c in candidates {
        let d = editDistance(w, Array(c.lowercased()))
        if best == nil || d < best!.1 { best = (c, d) }
    }
    guard let (candidate, distance) = best else { return nil }
    let limit = max(1, min(3, candidate.count / 3))
    if distance <= limit { return candidate }
    if candidate.lowercased().hasPrefix(word.lowercased()) && word.count >= 3 { return candidate }
    return nil
}
