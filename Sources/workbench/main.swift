import WorkbenchCLI
import Foundation

exit(Workbench.main(arguments: Array(CommandLine.arguments.dropFirst())))
