// Worksheet.swift — the public entry: read and check a worksheet, then check its claims.
//
//   let sheet = try Worksheet(contentsOf: "rnn.grad")       // every static check, or a WorksheetError
//   let report = try sheet.check(WorksheetCheckOptions(seed: 0))
//
// `check` draws the parameters and inputs (ModelValues.swift), and for every claim, in file
// order: evaluates its right side for every instance of its `for` ranges; computes the true
// derivative by reverse mode (Derivatives.swift); compares them by the exact-method rule
// (ClaimComparison.swift); cross-checks autodiff against finite differences on a few instances
// (the worst, the first and the last) — a disagreement there is a fault of the tool, reported as
// such; and, for a failed claim, names the mistake (Diagnoser.swift).
//
// What it leaves out: second derivatives, derivatives of helpers (`let`), and Jacobians of
// matrices (a claim takes an entry or a sum of a matrix numerator instead).
//
// Conventions the issue leaves open, as implemented: `@` binds tighter than `*`, `/`, `⊙`,
// which bind tighter than `+`, `-`; `^` binds tighter than a unary minus (−x^2 = −(x²)); `'` and
// `ᵀ` bind tightest. Brackets after a name name a family member when the family has members with
// that many indices (`L[t]` beside `L`), else an entry. `size param input let claim for` are
// keywords. A claim whose ranges give no instance is an error; so is a model value that is not
// finite on the drawn values (give the inputs values, or another --seed).
//
// Extensions (no valid worksheet changes meaning): a statement also continues after a line that
// ends with an operator, `,` or `=`, or before a line that starts with a binary operator or
// `for`; `∏` is `prod`, `Σ(x)` is `sum(x)`, `−` is `-`, `′` is `'`; `ones(m)`/`zeros(m)` are
// columns; `param a` (no brackets) is a scalar; a matrix literal may appear in an expression;
// a row of values given to a column vector is read as the column; a constant definition of a
// declared element (`h[0] = zeros(H, 1)`) is its given value; an entry of any value, `(U' @ v)[i]`;
// d(vector)/d(scalar) has the vector's shape; a scalar claim value (`= 0`) broadcasts over the
// derivative; a class label may pick the entry of a derivative (`dEmb[i, w[t]]`); comments that
// start with `@` are exercise annotations (`# @seed 003:157 expect dropped-dependence`), read by
// the Exercises module and ignored here (docs/worksheets.md, "Exercise annotations").

import Foundation
import GradCheck
import WorkbenchNumerics

/// How a worksheet is checked.
public struct WorksheetCheckOptions: Sendable {
    /// Seed of the parameters, inputs and class labels not given in the worksheet.
    public var seed: UInt64
    /// Report every instance of every claim, not only the worst.
    public var allInstances: Bool
    /// Instances of each claim whose autodiff value is cross-checked by finite differences.
    public var finiteDifferenceInstances: Int

    public init(seed: UInt64 = 0, allInstances: Bool = false, finiteDifferenceInstances: Int = 3) {
        self.seed = seed
        self.allInstances = allInstances
        self.finiteDifferenceInstances = finiteDifferenceInstances
    }
}

/// A worksheet that passed every static check.
public struct Worksheet {
    let sheet: CheckedWorksheet

    /// A hook for tests of the tool-fault path: changes the autodiff values before they are used.
    var autodiffPerturbation: ((Matrix<Double>) -> Matrix<Double>)?

    /// Parses and checks a worksheet's text; `name` is the file name shown in errors.
    public init(text: String, name: String = "worksheet") throws {
        sheet = try CheckedWorksheet(text: text, name: name)
    }

    /// A worksheet checked under tighter limits on its size (for tests that feed arbitrary text).
    init(text: String, name: String = "worksheet", limits: CheckedWorksheet.Limits) throws {
        sheet = try CheckedWorksheet(text: text, name: name, limits: limits)
    }

    /// Reads and checks the worksheet at `path`.
    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw WorksheetError(
                kind: .unreadable, file: path, line: 0, column: 0, length: 0, sourceLine: "",
                message: "cannot read the worksheet: \((error as NSError).localizedDescription)")
        }
        try self.init(text: String(decoding: data, as: UTF8.self), name: path)
    }

    /// The number of claim statements.
    public var claimCount: Int { sheet.statements.filter { $0.kind == .claim }.count }

    /// Checks every claim.
    public func check(_ options: WorksheetCheckOptions = WorksheetCheckOptions()) throws -> WorksheetReport {
        let model = try ModelValues(sheet: sheet, seed: options.seed)
        let engine = DerivativeEngine(sheet: sheet, model: model)
        var rng = SeededGenerator(seed: options.seed ^ 0x5EED_D1FF)
        var claims: [ClaimReport] = []
        for s in sheet.statements where s.kind == .claim {
            claims.append(try checkClaim(s, model: model, engine: engine, options: options, rng: &rng))
        }
        return WorksheetReport(seed: options.seed, claims: claims, file: sheet.source.name)
    }

    /// For a claim on entries whose row and column are two of its own indices (dL/dU[i,j] for
    /// i, j; da[i]/db[j] for i, j): each instance's partner with those two indices exchanged —
    /// the entry of the transpose. Nil when the claim is not of that form or a partner is missing.
    private func entrySwap(_ s: Statement, _ instances: [[Int]]) -> (slots: (Int, Int), partner: [Int])? {
        func slot(_ e: IndexExpr) -> Int? { if case .slot(let k) = e, k < s.ranges.count { return k } else { return nil } }
        var pair: (Int, Int)?
        if let den = s.denominator?.entry, den.count == 2, let a = slot(den[0]), let b = slot(den[1]) {
            pair = (a, b)
        } else if let num = s.numerator?.entry, num.count == 1, let den = s.denominator?.entry, den.count == 1,
            let a = slot(num[0]), let b = slot(den[0])
        {
            pair = (a, b)
        }
        guard let (a, b) = pair, a != b else { return nil }
        let position = Dictionary(instances.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var partner: [Int] = []
        for values in instances {
            var swapped = values
            swapped.swapAt(a, b)
            guard let p = position[swapped] else { return nil }
            partner.append(p)
        }
        return ((a, b), partner)
    }

    private func checkClaim(
        _ s: Statement, model: ModelValues, engine: DerivativeEngine, options: WorksheetCheckOptions,
        rng: inout SeededGenerator
    ) throws -> ClaimReport {
        // Every instance: what is differentiated, and the claim's value.
        var requests: [DerivativeRequest] = []
        var claimValues: [PlainValue] = []
        var labels: [[IndexValue]] = []
        let values = model.values
        let evaluator = Evaluator(sheet: sheet, backend: PlainBackend(), labels: model.labels, modification: nil) { e, _ in
            values[e] ?? .scalar(.nan)
        }
        try sheet.forEachInstance(of: s, charging: false) { b in
            let num = try sheet.resolveTarget(s.numerator!, b, s, labels: model.labels)
            let den = try sheet.resolveTarget(s.denominator!, b, s, labels: model.labels)
            requests.append(
                DerivativeRequest(
                    numerator: num.element, numeratorEntry: num.entry.map { (row: $0.0, col: $0.1) },
                    denominator: den.element, denominatorEntry: den.entry.map { (row: $0.0, col: $0.1) }))
            claimValues.append(evaluator.evaluate(s.body!, &b, s))
            labels.append((0..<s.ranges.count).map { IndexValue(name: s.slotNames[$0], value: b[$0]) })
        }
        var truth = engine.derivatives(requests, modification: nil, values: model.values)
        if let perturb = autodiffPerturbation { truth = truth.map(perturb) }
        for (i, d) in truth.enumerated() where !d.isFinite {
            throw WorksheetError(
                .notFinite,
                "the derivative d\(s.numerator!.text)/d\(s.denominator!.text) is not finite on the drawn values (seed \(options.seed))\(labels[i].isEmpty ? "" : " at " + labels[i].map { "\($0.name) = \($0.value)" }.joined(separator: ", ")); try another --seed or give the inputs values",
                at: s.targetRange, in: sheet.source)
        }
        let comparison = ClaimComparer.compare(claim: claimValues, derivative: truth)
        let scale = ClaimComparer.scale(claim: claimValues, derivative: truth)
        func instanceResult(_ i: Int) -> InstanceResult {
            InstanceResult(
                indices: labels[i], maxRelativeError: comparison.instanceErrors[i],
                verdict: comparison.instancePassed[i] ? .pass : .fail,
                worstEntries: ClaimComparer.worstEntries(claim: claimValues[i], derivative: truth[i], scale: scale))
        }

        // Autodiff against finite differences on a few instances: the worst, the one with the
        // largest derivative, the last — skipping instances whose derivative is too small for
        // finite differences to resolve (a vanished gradient far back in time). An entry dB[i,j]
        // is checked through the whole dA/dB along a random direction, which finite
        // differences resolve far better than one tiny entry.
        let norms = truth.map { $0.frobeniusNorm() }
        let largest = norms.max() ?? 0
        let informative = { (i: Int) in norms[i] >= 1e-6 * largest }
        var checked: [Int] = []
        let largestIndex = norms.firstIndex(of: largest) ?? 0
        for i in [comparison.worst, largestIndex, requests.count - 1, 0]
        where !checked.contains(i) && informative(i)
            && checked.count < options.finiteDifferenceInstances
        {
            checked.append(i)
        }
        var fdMax = 0.0
        var fdFailure: String?
        for i in checked {
            let name =
                "d\(s.numerator!.text)/d\(s.denominator!.text)"
                + (labels[i].isEmpty ? "" : " at " + labels[i].map { "\($0.name) = \($0.value)" }.joined(separator: ", "))
            var request = requests[i]
            var derivative = truth[i]
            if request.denominatorEntry != nil {
                request = DerivativeRequest(
                    numerator: request.numerator, numeratorEntry: request.numeratorEntry,
                    denominator: request.denominator, denominatorEntry: nil)
                derivative = engine.derivatives([request], modification: nil, values: model.values)[0]
                if let perturb = autodiffPerturbation { derivative = perturb(derivative) }
            }
            let fd = engine.finiteDifferenceCheck(request, derivative: derivative, name: name, rng: &rng)
            let rel = fd.maxRelativeError.isNaN ? Double.infinity : fd.maxRelativeError
            fdMax = max(fdMax, rel)
            if fd.verdict != .pass && fdFailure == nil {
                fdFailure =
                    "the workbench's own derivative disagrees with finite differences (\(fd.summary)); this is a fault of the tool, not of the claim — please report it with the worksheet and seed"
            }
        }
        let fdBound = GradCheckOptions.finiteDifferencesStrict.maxRelativeError ?? 0
        let fdCheck = FiniteDifferenceCheck(
            instances: checked.count, maxRelativeError: fdMax, bound: fdBound,
            verdict: fdFailure == nil ? .pass : .fail)

        var diagnosis: Diagnosis?
        if !comparison.passed && fdFailure == nil {
            let diagnoser = Diagnoser(
                sheet: sheet, model: model, engine: engine, requests: requests, claim: claimValues, truth: truth,
                instanceLabels: labels.map { $0.map { "\($0.name) = \($0.value)" }.joined(separator: ", ") },
                instanceIndices: labels.map { $0.map(\.value) }, slotNames: Array(s.slotNames.prefix(s.ranges.count)),
                entrySwap: entrySwap(s, labels.map { $0.map(\.value) }))
            diagnosis = diagnoser.diagnose()
        }
        let passed = comparison.passed && fdFailure == nil
        return ClaimReport(
            line: s.line, text: s.text, instances: requests.count, verdict: passed ? .pass : .fail,
            maxRelativeError: comparison.maxRelativeError, bound: ClaimComparer.options.maxRelativeError ?? 0,
            diagnosis: diagnosis, worstInstance: instanceResult(comparison.worst), finiteDifferences: fdCheck,
            toolFault: fdFailure, allInstances: options.allInstances ? requests.indices.map(instanceResult) : nil)
    }
}
