// SamplingError.swift — why the sampler refuses a request, in words a student can act on.
//
// Every refusal names the option, the value and what would be accepted; the exit status is 2
// (a malformed request) except for a model whose outputs are not finite (status 1: the
// checkpoint, not the request, is at fault).

/// Why sampling could not start (or, for `nonFiniteOutput`, could not go on).
public enum SamplingError: WorkbenchError, Equatable {
    /// Characters that are not in the model's vocabulary.
    case unknownCharacters([Character], option: String)
    /// Characters that are in the vocabulary but are not poem content: punctuation (the form
    /// places it), or the model's markers `G` / `E`.
    case notContent([Character], option: String)
    /// The model's markers `G` / `E` in text fed as context.
    case markerInText([Character], option: String)
    /// A start word longer than the form has room for.
    case startTooLong(length: Int, limit: Int, form: PoemForm)
    /// A start word whose first character is not the acrostic's first character.
    case startContradictsAcrostic(start: Character, acrostic: Character)
    /// More acrostic characters than a quatrain has lines.
    case acrosticTooLong(Int)
    /// An option that only the quatrain form gives a meaning to.
    case needsQuatrain(option: String)
    /// The vocabulary lacks a character the form needs.
    case missingFormCharacters([Character], form: PoemForm)
    /// The vocabulary has no character a poem could be made of.
    case noContentCharacters
    /// An option value outside what it can mean.
    case invalidOption(option: String, value: String, expected: String)
    /// The model produced NaN or infinite logits.
    case nonFiniteOutput(position: Int)

    /// Why each of `chars` is not poem content, e.g. "'，' is punctuation (the form places it)".
    static func reasons(_ chars: [Character]) -> String {
        chars.map { ch -> String in
            switch ch {
            case Vocabulary.startToken: return "'\(ch)' is the model's start marker"
            case Vocabulary.endToken: return "'\(ch)' is the model's end marker"
            default: return ch.isPunctuation ? "'\(ch)' is punctuation (the form places it)" : "'\(ch)' is not a poem character"
            }
        }.joined(separator: ", ")
    }

    public var exitStatus: Int32 {
        if case .nonFiniteOutput = self { return 1 }
        return 2
    }

    public var description: String {
        func list(_ chars: [Character]) -> String { chars.map { "'\($0)'" }.joined(separator: " ") }
        switch self {
        case .unknownCharacters(let chars, let option):
            return "\(option): character(s) not in the model's vocabulary: \(list(chars))"
        case .notContent(let chars, let option):
            let what =
                option == "--acrostic"
                ? "an acrostic names the first character of each line" : "a start word is the poem's first characters"
            return "\(option): \(Self.reasons(chars)); \(what), so give poem characters only"
        case .markerInText(let chars, let option):
            return "\(option): \(Self.reasons(chars)); markers are not text, remove them"
        case .startTooLong(let length, let limit, let form):
            switch form {
            case .quatrain:
                return "--start: a quatrain line has 5 characters, so a start word may have at most \(limit); got \(length)"
            case .free:
                return
                    "--start has \(length) characters, but a poem of --max-length \(limit + 1) can start with at most \(limit) (the last place is the closing '。'); shorten the start or raise --max-length"
            }
        case .startContradictsAcrostic(let start, let acrostic):
            return
                "--start begins with '\(start)' but --acrostic makes the first line begin with '\(acrostic)'; start the start word with '\(acrostic)' or drop one of the two"
        case .acrosticTooLong(let n):
            return "--acrostic: a quatrain has four lines, so an acrostic has at most 4 characters; got \(n)"
        case .needsQuatrain(let option):
            return "\(option) needs --form quatrain"
        case .missingFormCharacters(let chars, let form):
            let what =
                form == .quatrain ? "a quatrain" : "a poem of lines (free form ends every line with punctuation and the poem with '。')"
            return "the model's vocabulary lacks \(list(chars)), so it cannot write \(what); train it on a corpus with punctuation"
        case .noContentCharacters:
            return "the model's vocabulary holds only punctuation and markers; it cannot write a poem"
        case .invalidOption(let option, let value, let expected):
            return "\(option) \(value): expected \(expected)"
        case .nonFiniteOutput(let position):
            return
                "the model's outputs are not finite (NaN or infinity) at character \(position + 1); the checkpoint is damaged — retrain or use an earlier one"
        }
    }
}
