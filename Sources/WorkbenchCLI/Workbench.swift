// Workbench.swift — the root of the `workbench` command tree.
//
// The CLI is a thin layer: each command parses its options, calls a library function that
// returns a report value, and formats that value as a table or as JSON. Commands live one
// per file in this folder; this file lists them.

import Foundation

public enum Workbench {
    /// The command tree. Add a new top-level command here.
    public static var root: CommandSpec {
        CommandSpec(
            name: "workbench",
            abstract: "Check the gradients of recurrent networks, reproduce the homework, train the poem LSTM.",
            discussion: """
            Every gradient is computed several independent ways (textbook formulas, reverse-mode
            autodiff, finite differences, forward recursion) and the tool reports how well they agree.
            """,
            subcommands: [
                CheckCommand.spec,
                ExerciseCommand.spec,
                LSTMCommand.spec,
                SpectralCommand.spec,
                PoemCommand.spec,
            ]
        )
    }

    /// Runs the CLI with `arguments` (without the program name); returns the exit status.
    public static func main(arguments: [String], console: Console = .standard()) -> Int32 {
        dispatch(root: root, arguments: arguments, console: console)
    }
}
