import Foundation
import WorkbenchCLI

// A closed pipe is reported by `write` (EPIPE) and handled by the console, not a signal.
signal(SIGPIPE, SIG_IGN)
exit(Workbench.main(arguments: Array(CommandLine.arguments.dropFirst())))
