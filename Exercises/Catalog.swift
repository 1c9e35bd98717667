// Catalog.swift — every exercise the workbench reproduces, in the order of the seeds, and the
// pure-derivation exercises that gradient worksheets are to replace.

/// The list of exercises.
public enum ExerciseCatalog {
    public static let all: [any Exercise] = [
        Lab5Formulas640And641(),
        Lab5Formula631(),
        Lab5PoemModel(),
        CS224nGradients(),
        CS224nIdentities(),
        CS224nPerplexity(),
        CS224nShapes(),
        CS224nExploding(),
        Homework5Jacobian(),
        Homework5DoubleSum(),
        Homework5Expansion(),
        Homework5PowerByEigenDecomposition(),
        Homework5Powers(),
        Homework5Gates(),
        Homework5Positivity(),
        Homework5CellState(),
        TanhRNNOutputLayer(),
        TanhRNNSequence(),
    ]

    /// Exercises that only restate a derivation, and the gradient worksheet that is to replace
    /// each (docs/coverage.md). Their checks are not mutation-tested here: the worksheet tests
    /// will show that every claim of the replacing worksheet can fail.
    public static let replacedByWorksheets: [String: String] = [
        "lab5-t1": "lab5-t1.grad",
        "lab5-t2": "lab5-t2.grad",
        "cs224n-gradients": "cs224n-gradients.grad",
        "cs224n-identities": "cs224n-identities.grad",
        "hw5-1a": "hw5-1a.grad",
        "hw5-1b": "hw5-1b.grad",
    ]

    /// Every gradient worksheet planned for the seeds' derivations: those that replace whole
    /// exercises, and those for the derivation parts of hw5-2a, hw5-3c and tanh-output.
    public static let plannedWorksheets: Set<String> =
        Set(replacedByWorksheets.values).union(["hw5-2a.grad", "hw5-3c.grad", "tanh-output.grad"])

    /// The exercise with `id`, if any.
    public static func exercise(id: String) -> (any Exercise)? {
        all.first { $0.id == id }
    }
}
