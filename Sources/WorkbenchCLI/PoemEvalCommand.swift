// PoemEvalCommand.swift — `workbench poem eval`: mean cross-entropy and perplexity of a checkpoint.

import Foundation
import Poetry

struct PoemEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        name: "eval", abstract: "Mean cross-entropy and perplexity of a checkpoint on a corpus.")

    @Option(placeholder: "FILE", help: "A checkpoint written by 'poem train' (required).")
    var checkpoint: String?
    @OptionGroup var corpus: PoemCommand.CorpusOption
    @OptionGroup var threads: PoemCommand.ThreadsOption
    @OptionGroup var output: OutputOptions

    init() {}

    func validate() throws {
        if checkpoint == nil { throw UsageError("poem eval needs --checkpoint FILE") }
    }

    func run(_ console: Console) throws -> Int32 {
        let path = checkpoint!
        let ck = try PoemCheckpoint.read(path: path)
        let corpus = try self.corpus.load()
        let poems = try PoemCommand.encode(corpus, ck.vocabulary, checkpoint: path)
        let report = PoemTrainer.evaluate(
            poems: poems, model: ck.model,
            network: PoemNetwork(layout: ck.model.layout, threads: threads.threads), batchSize: 32)
        if output.json {
            console.print(try jsonString(report))
        } else {
            console.print("poems \(report.poems), positions \(report.positions)")
            console.print(
                "mean cross-entropy \(PoemCommand.fmt(report.meanCrossEntropy))  perplexity \(PoemCommand.fmt(report.perplexity, 3))")
        }
        return 0
    }
}
