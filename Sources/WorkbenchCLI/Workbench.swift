// Workbench.swift — the root of the `workbench` command tree.
//
// The CLI is a formatter over library values: each command declares its options once
// (Parsing/Declarations.swift), calls a library function that returns a report value, and prints
// that value as a table or as JSON. Every error is a `WorkbenchError` whose exit status the
// dispatcher uses (2 for a malformed request, 1 for a failure while working). Commands live one
// per file in this folder; this file lists them.

import Foundation

public struct Workbench: CommandGroup {
    /// The version printed by `workbench --version`.
    public static let version = "1.0.0"

    public static let configuration = CommandConfiguration(
        name: "workbench",
        abstract: "Check the gradients of recurrent networks, reproduce the homework, train the poem LSTM.",
        discussion: """
            Every gradient is computed several independent ways (textbook formulas, reverse-mode
            autodiff, finite differences, forward recursion) and the tool reports how well they agree.
            Exit status: 0 when every check passes, 1 when a check fails or a file cannot be used,
            2 for a malformed command line or input file.
            """,
        subcommands: [CheckCommand.self, ExerciseCommand.self, LSTMCommand.self, SpectralCommand.self, PoemCommand.self])

    public init() {}

    /// Runs the CLI with `arguments` (without the program name); returns the exit status.
    public static func main(arguments: [String], console: Console = .standard()) -> Int32 {
        let status = dispatch(root: Workbench.self, version: version, arguments: arguments, console: console)
        if let failure = console.outputFailure {
            // The reader of a pipe went away (`workbench … | head`): end quietly, as Unix tools do.
            if failure == EPIPE { return 141 }
            console.printError("error: cannot write to standard output: \(String(cString: strerror(failure)))")
            return 1
        }
        return status
    }
}
