// Catalog.swift — every exercise the workbench reproduces, in the order of the seeds, and the
// shipped gradient worksheets.
//
// A derivation is a gradient worksheet (Exercises/Worksheets/ID.grad, run by WorksheetExercise);
// what a worksheet cannot express (eigenvalues, forced gates, the poem model, shapes that do
// not multiply) is a Swift exercise. Where a worksheet checks the derivation part of a Swift
// exercise, its id is the Swift exercise's with a suffix (hw5-2a and hw5-2a-expansion).

/// The list of exercises.
public enum ExerciseCatalog {
    public static let all: [any Exercise] = [
        WorksheetExercise.shipped("lab5-t1"),
        WorksheetExercise.shipped("lab5-t2"),
        Lab5PoemModel(),
        WorksheetExercise.shipped("cs224n-gradients"),
        WorksheetExercise.shipped("cs224n-identities"),
        CS224nPerplexity(),
        CS224nShapes(),
        CS224nExploding(),
        WorksheetExercise.shipped("hw5-1a"),
        WorksheetExercise.shipped("hw5-1b"),
        Homework5Expansion(),
        WorksheetExercise.shipped("hw5-2a-expansion"),
        Homework5PowerByEigenDecomposition(),
        Homework5Powers(),
        Homework5Gates(),
        Homework5Positivity(),
        Homework5CellState(),
        WorksheetExercise.shipped("hw5-3c-gradients"),
        TanhRNNOutputLayer(),
        WorksheetExercise.shipped("tanh-output-gradients"),
        TanhRNNSequence(),
    ]

    /// The exercises that are gradient worksheets.
    public static var worksheetExercises: [WorksheetExercise] { all.compactMap { $0 as? WorksheetExercise } }

    /// Shipped worksheets that are not exercises: a model answer beyond the seeds (a GRU, NNDL
    /// 6.6) and the blank template a student copies to start.
    public static let otherWorksheets = ["gru", "template"]

    /// Every shipped worksheet's name: the exercises', then the others.
    public static var worksheetNames: [String] { worksheetExercises.map(\.id) + otherWorksheets }

    /// The text of the shipped worksheet `name` (an exercise id, `gru` or `template`).
    public static func worksheet(named name: String) -> String? {
        worksheetNames.contains(name) ? ShippedWorksheets.text(of: name) : nil
    }

    /// The exercise with `id`, if any.
    public static func exercise(id: String) -> (any Exercise)? {
        all.first { $0.id == id }
    }
}
