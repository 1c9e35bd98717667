// CheckCommand.swift — `workbench check`: the gradient-verification suite.

enum CheckCommand {
    static var spec: CommandSpec {
        CommandSpec(name: "check", abstract: "Run the gradient checks (all of them, or one family).",
                    options: [.json], run: { _, console in console.print("not yet"); return 0 })
    }
}
