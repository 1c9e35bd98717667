// Suite.swift — the rows of `workbench check`: one per quantity and pair of methods.

/// One line of the check suite.
public struct CheckSuiteRow: Codable, Sendable {
    /// The model family, e.g. "rnn" or "lstm".
    public let family: String
    /// What was checked, e.g. "tanh, softmax loss: ∂L/∂{U,W,b,h0,V,c}".
    public let quantity: String
    /// The methods compared, e.g. "textbook vs autodiff".
    public let methods: String
    /// The cases covered, e.g. "T = 1…20".
    public let cases: String
    /// The largest relative error met over all cases.
    public let maxRelativeError: Double
    /// The bound it had to meet (nil for rows judged otherwise, e.g. "caught").
    public let bound: Double?
    public let verdict: Verdict

    public init(
        family: String, quantity: String, methods: String, cases: String, maxRelativeError: Double,
        bound: Double?, verdict: Verdict
    ) {
        self.family = family
        self.quantity = quantity
        self.methods = methods
        self.cases = cases
        self.maxRelativeError = maxRelativeError
        self.bound = bound
        self.verdict = verdict
    }

    /// A row judged by its headline relative error alone, against `options.maxRelativeError`
    /// (e.g. `.exact` for two exact methods, `.finiteDifferencesStrict` against finite differences).
    public init(
        family: String, quantity: String, methods: String, cases: String, maxRelativeError: Double,
        judgedBy options: GradCheckOptions
    ) {
        self.init(
            family: family, quantity: quantity, methods: methods, cases: cases, maxRelativeError: maxRelativeError,
            bound: options.maxRelativeError, verdict: options.verdict(relativeError: maxRelativeError))
    }
}

/// The whole suite: its rows and an overall verdict.
public struct CheckSuiteReport: Codable, Sendable {
    public var rows: [CheckSuiteRow]

    public init(rows: [CheckSuiteRow]) { self.rows = rows }

    /// Pass only if every row succeeded (a deliberately wrong gradient counts when caught).
    public var verdict: Verdict { rows.allSatisfy { $0.verdict.isSuccess } ? .pass : .fail }

    public func table() -> String {
        var cells = [["family", "quantity", "methods", "cases", "max rel err", "bound", "verdict"]]
        for r in rows {
            cells.append([
                r.family, r.quantity, r.methods, r.cases, sci(r.maxRelativeError),
                r.bound.map { "≤ " + sci($0, 1) } ?? "-", r.verdict.rawValue,
            ])
        }
        let passed = rows.filter { $0.verdict.isSuccess }.count
        return renderTable(cells) + "\n\n\(passed) of \(rows.count) rows succeeded — verdict: \(verdict.rawValue)"
    }
}
