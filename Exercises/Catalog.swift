// Catalog.swift — every exercise the workbench reproduces, in the order of the seeds.

/// The list of exercises.
public enum ExerciseCatalog {
    public static let all: [any Exercise] = [
        Lab5Formulas640And641(),
        Lab5Formula631(),
        Lab5PoemModel(),
        CS224nGradients(),
        CS224nIdentities(),
        Homework5Jacobian(),
        Homework5DoubleSum(),
        Homework5Expansion(),
        Homework5PowerByEigenDecomposition(),
        Homework5Powers(),
        Homework5Gates(),
        Homework5Positivity(),
        Homework5CellState(),
        TanhRNNOutputLayer(),
    ]

    /// The exercise with `id`, if any.
    public static func exercise(id: String) -> (any Exercise)? {
        all.first { $0.id == id }
    }
}
