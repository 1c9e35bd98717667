// ModelValues.swift — drawing the parameters and inputs, and the value of every element.
//
// Every parameter and input not given a value is drawn from one `SeededGenerator(seed:)`, in
// declaration order, element by element: entries uniform in [−1, 1), divided by √n for a matrix
// with n > 1 columns (so that a product U @ h stays of order one whatever the size). Class labels
// are uniform over their range. Then every definition and helper is evaluated once, in the order
// of `CheckedWorksheet.order`; a model value that is not finite stops the check with its place.

import WorkbenchNumerics

/// The drawn values of one check and the value of every element.
final class ModelValues {
    let sheet: CheckedWorksheet
    let seed: UInt64
    /// Class-label values by element.
    private(set) var labels: [Int: Int] = [:]
    /// The value of every element (nil for class labels).
    private(set) var values: [PlainValue?]

    init(sheet: CheckedWorksheet, seed: UInt64) throws {
        self.sheet = sheet
        self.seed = seed
        values = [PlainValue?](repeating: nil, count: sheet.elements.count)
        var rng = SeededGenerator(seed: seed)
        for e in sheet.leaves {
            let element = sheet.elements[e]
            switch element.role {
            case .label(let lower, let upper):
                // Drawn even when given, so that giving one label does not move the others.
                let drawn = lower + rng.int(below: upper - lower + 1)
                labels[e] = sheet.givenLabels[e] ?? drawn
            default:
                let shape = element.shape
                var m = Matrix<Double>.random(shape.rows, shape.cols, in: -1...1, using: &rng)
                if shape.cols > 1 { m = m / Double(shape.cols).squareRoot() }
                values[e] = .normalized(sheet.given[e] ?? m)
            }
        }
        values = try evaluate(modification: nil, helpers: true)
    }

    /// Every element's value under a modification of the model (a partial loss changes values);
    /// helpers only when asked.
    func evaluate(modification: Modification?, helpers: Bool) throws -> [PlainValue?] {
        var result = values
        var evaluator = Evaluator(sheet: sheet, backend: PlainBackend(), labels: labels, modification: modification) { e, _ in
            result[e] ?? .scalar(.nan)
        }
        for e in sheet.order {
            let element = sheet.elements[e]
            guard element.role == .definition || (helpers && element.role == .helper) else { continue }
            let s = sheet.statements[element.statement]
            var b = sheet.bindings(of: e)
            evaluator.currentElement = e
            let value = evaluator.evaluate(s.body!, &b, s)
            if element.role == .definition && !value.isFinite && modification == nil {
                throw WorksheetError(
                    .notFinite,
                    "\(sheet.elementName(e)) is not finite on the drawn values (seed \(seed))\(sheet.at(sheet.bindings(of: e), s)); give the inputs values that keep it finite (x = [...]) or try another --seed",
                    at: sheet.expressions.nodes[s.body!].range, in: sheet.source)
            }
            result[e] = value
        }
        return result
    }
}
