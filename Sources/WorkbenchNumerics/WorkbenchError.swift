// WorkbenchError.swift — the one protocol every user-facing error of the workbench adopts.
//
// A library error says what was wrong, where (file, line, option, value) and what to do, in one
// line, and which exit status a command-line tool should end with: 2 for a malformed request
// (a bad option, a malformed worksheet), 1 for a failure while doing the work (a file that
// cannot be read, a corrupt checkpoint). The command-line tool prints `error: <description>` and
// exits with `exitStatus`, so no command maps errors by hand.

/// An error whose description is a message a student can act on.
public protocol WorkbenchError: Error, CustomStringConvertible {
    /// The exit status a command-line tool ends with: 2 for a malformed request, 1 otherwise.
    var exitStatus: Int32 { get }
}

extension WorkbenchError {
    public var exitStatus: Int32 { 1 }
}
