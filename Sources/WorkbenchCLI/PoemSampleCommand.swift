// PoemSampleCommand.swift — `workbench poem sample`: write poems with a trained checkpoint.
//
// Every option means one thing or is refused with the reason: combinations are checked here
// (validate), the text options against the model's vocabulary and the form by the sampler
// (`SamplingError`, exit status 2).

import Dispatch
import Foundation
import Poetry

struct PoemSampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        name: "sample", abstract: "Write poems with a trained checkpoint (greedy by default, as the homework).",
        discussion: """
            The form is kept in every decoding mode. quatrain: four lines of five characters, '，' after the
            first and third, '。' after the second and fourth. free: lines of any length, each closed by
            punctuation (，。？！；), ending after a sentence end (。？！) when the model writes its end
            token, or at --max-length with '。'. --start and --acrostic take poem characters only (no
            punctuation, no G or E: those are the model's start and end markers); --prefix is context and
            may hold punctuation. 'poem quality' compares the decoding modes on a trained model.
            """)
    static let defaults = SamplingOptions()

    @Option(placeholder: "FILE", help: "A checkpoint written by 'poem train' (required).")
    var checkpoint: String?
    @Option(placeholder: "TEXT", help: "The poem's first characters (quatrain: at most 5, one line).")
    var start: String?
    @Option(placeholder: "CHARS", help: "First character of each line (e.g. 春夏秋冬, at most 4); needs --form quatrain.")
    var acrostic: String?
    @Option(placeholder: "TEXT", help: "Context fed to the model before the poem (not printed; punctuation allowed).")
    var prefix: String?
    @Option(help: "quatrain: 4 lines of 5 characters with ，and 。; free: punctuated lines until E or --max-length.")
    var form = defaults.form
    @Option(placeholder: "N", help: "Longest free-form poem (characters, the closing '。' included).", range: 2...10_000)
    var maxLength = defaults.maxLength
    @Option(placeholder: "T", help: "Sample from softmax(logits/T) (0 = greedy).", range: 0...100)
    var temperature = defaults.temperature
    @Option(placeholder: "K", help: "Sample among the K most likely characters (0 = all); needs --temperature.", range: 0...1_000_000)
    var topK = defaults.topK
    @Option(help: "Seed of the sampling; needs --temperature.")
    var seed = defaults.seed
    @Option(
        placeholder: "N", help: "Number of poems; needs --temperature (greedy and beam write the same poem each time).", range: 1...10_000)
    var count = 1
    @Option(placeholder: "N", help: "Beam search of width N (quatrain form).", range: 0...256)
    var beam = defaults.beam
    @Flag(help: "Never repeat a character within a poem (punctuation excepted) while unused ones remain.")
    var noRepeat: Bool
    @Option(placeholder: "P", help: "Divide the logits of used characters by P (1 = off).", range: 0.01...100)
    var repetitionPenalty = defaults.repetitionPenalty
    @OptionGroup var output: OutputOptions

    init() {}

    func validate() throws {
        if checkpoint == nil { throw UsageError("poem sample needs --checkpoint FILE") }
        if temperature == 0 {
            for state in [$topK, $seed, $count] where state.isSet {
                throw UsageError("option \(state.name) applies only when sampling; add --temperature T (greedy decoding has no randomness)")
            }
        }
        if form != .quatrain {
            if $acrostic.isSet {
                throw UsageError(
                    "option --acrostic needs --form quatrain (an acrostic fixes the first character of each of the four lines)")
            }
            if beam > 1 { throw UsageError("option --beam needs --form quatrain") }
        } else if $maxLength.isSet {
            throw UsageError("option --max-length applies to --form free only (a quatrain has 24 characters)")
        }
        if beam > 1 && temperature > 0 { throw UsageError("option --beam is deterministic; drop --temperature") }
        if noRepeat && $repetitionPenalty.isSet {
            throw UsageError("option --repetition-penalty has no effect with --no-repeat (repeats are banned); use one of the two")
        }
    }

    func run(_ console: Console) throws -> Int32 {
        var o = SamplingOptions()
        o.temperature = temperature
        o.topK = topK
        o.seed = seed
        o.form = form
        o.maxLength = maxLength
        o.beam = beam
        o.noRepeat = noRepeat
        o.repetitionPenalty = repetitionPenalty
        let ck = try PoemCheckpoint.read(path: checkpoint!)
        let sampler = PoemSampler(checkpoint: ck)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let poems = try sampler.generate(start: start ?? "", acrostic: acrostic ?? "", prefix: prefix ?? "", count: count, options: o)
        let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        if output.json {
            struct Out: Encodable { let poems: [String]; let milliseconds: Double }
            console.print(try jsonString(Out(poems: poems, milliseconds: ms)))
        } else {
            for p in poems { console.print(p) }
        }
        return 0
    }
}
