// Derivatives.swift — the true derivative dA/dB of a claim, by reverse mode on the Autodiff tape,
// and its cross-check by finite differences.
//
// dA/dB is the total derivative: B's value is perturbed and the change is followed through every
// model definition to A. For a parameter or input B the tape holds B as a variable leaf; for an
// intermediate B (z[k], h[t-1]) it holds B's own expression plus a zero-valued variable ε_B, so
// that ∂A/∂ε_B at ε = 0 is the derivative with respect to B's value along every path through it,
// while other denominators upstream of B keep their paths through B.
//
// Only what lies between the denominators and A is recorded (the *region*: ancestors of A that
// depend on a denominator); every other element enters the tape as a constant from the plain
// values. A is a scalar: one backward pass gives dA/dB for every denominator at once. A is a
// vector and the claim is a Jacobian: one pass per entry of A (a row of the Jacobian each).
//
// Finite differences perturb B along a random unit direction V (or along the one entry named),
// each entry's step scaled to its size (D = V ⊙ max(1, |B|)), and compare
// (A(B + εD) − A(B − εD)) / 2ε, by GradCheck's strict fourth-order stencil, with the autodiff
// value contracted with D: ⟨dA/dB, D⟩ for a scalar A, J·vec(D) for a Jacobian. When they
// disagree, the step is chosen again from a ladder by how little the estimate moves with it
// (never by the autodiff value), before the disagreement is called a fault of the tool.

import Autodiff
import GradCheck
import WorkbenchNumerics

/// One derivative of one claim instance: dA/dB, or of/with respect to an entry (0-based).
struct DerivativeRequest {
    let numerator: Int
    let numeratorEntry: (row: Int, col: Int)?
    let denominator: Int
    let denominatorEntry: (row: Int, col: Int)?
}

/// Reverse-mode derivatives and finite differences over one set of model values.
final class DerivativeEngine {
    let sheet: CheckedWorksheet
    let model: ModelValues
    private var ancestorCache: [Int: [Int]] = [:]
    private var visited: [Int]
    private var stamp = 0
    private var inRegion: [Int]
    private var regionStamp = 0

    init(sheet: CheckedWorksheet, model: ModelValues) {
        self.sheet = sheet
        self.model = model
        visited = [Int](repeating: 0, count: sheet.elements.count)
        inRegion = [Int](repeating: 0, count: sheet.elements.count)
    }

    // MARK: - Regions

    /// A and every element A depends on, in evaluation order.
    func ancestors(of a: Int) -> [Int] {
        if let cached = ancestorCache[a] { return cached }
        stamp += 1
        var stack = [a]
        var found: [Int] = []
        visited[a] = stamp
        while let e = stack.popLast() {
            found.append(e)
            for d in sheet.dependencies(of: e) where visited[d] != stamp {
                visited[d] = stamp
                stack.append(d)
            }
        }
        found.sort { sheet.rank[$0] < sheet.rank[$1] }
        ancestorCache[a] = found
        return found
    }

    /// The elements between the denominators and A (those of A's ancestors that depend on a
    /// denominator, the denominators included), in evaluation order; empty when A depends on none.
    func region(numerator a: Int, denominators: Set<Int>) -> [Int] {
        regionStamp += 1
        var result: [Int] = []
        for e in ancestors(of: a) {
            if denominators.contains(e) || sheet.dependencies(of: e).contains(where: { inRegion[$0] == regionStamp }) {
                inRegion[e] = regionStamp
                result.append(e)
            }
        }
        return inRegion[a] == regionStamp ? result : []
    }

    // MARK: - Reverse mode

    /// The derivative of every request, under a modification of the model. `values` are the
    /// model's values under that modification.
    func derivatives(_ requests: [DerivativeRequest], modification: Modification?, values: [PlainValue?]) -> [Matrix<Double>] {
        var results = [Matrix<Double>](repeating: Matrix(rows: 1, cols: 1), count: requests.count)
        var groups: [Int: [Int]] = [:]
        var groupOrder: [Int] = []
        for (i, r) in requests.enumerated() {
            if groups[r.numerator] == nil { groupOrder.append(r.numerator) }
            groups[r.numerator, default: []].append(i)
        }
        // One tape per numerator records only its own region. When the numerators' regions overlap
        // (dL[t]/dz[k] for every t: each L[t] reaches back through all earlier steps) one tape over
        // the union serves them all and saves recording the shared steps again; it is used when
        // the backward passes it implies cost little more than the separate tapes' would.
        let allDenominators = Set(requests.map(\.denominator))
        var separate = 0, shared = 0
        var plans: [(numerator: Int, members: [Int], denominators: Set<Int>, region: [Int])] = []
        var union = Set<Int>()
        for a in groupOrder {
            let members = groups[a]!
            let denominators = Set(members.map { requests[$0].denominator })
            let own = region(numerator: a, denominators: denominators)
            plans.append((a, members, denominators, own))
            separate += own.count
            if groupOrder.count > 1 {
                let wide = region(numerator: a, denominators: allDenominators)
                shared += wide.count
                union.formUnion(wide)
            }
        }
        var common: RecordedTape?
        if groupOrder.count > 1 && 2 * shared <= 3 * separate {
            common = record(
                region: union.sorted { sheet.rank[$0] < sheet.rank[$1] }, denominators: allDenominators,
                modification: modification, values: values)
        }
        for plan in plans {
            let a = plan.numerator
            let aShape = sheet.elements[a].shape
            // Which rows of dA/dB are needed: every entry of A for a whole vector A, else those named.
            var seeds: [Int] = []
            if aShape.isScalar {
                seeds = [0]
            } else if plan.members.contains(where: { requests[$0].numeratorEntry == nil }) {
                seeds = Array(0..<aShape.count)
            } else {
                seeds = Array(Set(plan.members.map { requests[$0].numeratorEntry!.row * aShape.cols + requests[$0].numeratorEntry!.col }))
                    .sorted()
            }
            // gradients[seed position][denominator]
            var gradients: [[Int: Matrix<Double>]] = Array(repeating: [:], count: seeds.count)
            if !plan.region.isEmpty {
                let recorded =
                    common
                    ?? record(
                        region: plan.region, denominators: plan.denominators, modification: modification,
                        values: values)
                if let output = recorded.nodes[a]?.variable {
                    for (k, seedIndex) in seeds.enumerated() {
                        var seed = Matrix<Double>(rows: aShape.rows, cols: aShape.cols)
                        seed.storage[seedIndex] = 1
                        recorded.tape.backward(output, seed: seed)
                        for d in plan.denominators {
                            if let source = recorded.sources[d] { gradients[k][d] = recorded.tape.gradient(of: source) }
                        }
                    }
                }
            }
            let seedPosition = Dictionary(uniqueKeysWithValues: seeds.enumerated().map { ($1, $0) })
            for i in plan.members {
                let r = requests[i]
                let bShape = sheet.elements[r.denominator].shape
                func gradient(_ k: Int) -> Matrix<Double> {
                    gradients[k][r.denominator] ?? Matrix(rows: bShape.rows, cols: bShape.cols)
                }
                func denominatorPart(_ g: Matrix<Double>) -> Matrix<Double> {
                    guard let (row, col) = r.denominatorEntry else { return g }
                    return Matrix(rows: 1, cols: 1, storage: [g[row, col]])
                }
                if aShape.isScalar || r.numeratorEntry != nil {
                    let index = r.numeratorEntry.map { $0.row * aShape.cols + $0.col } ?? 0
                    results[i] = denominatorPart(gradient(seedPosition[index]!))
                } else if r.denominatorEntry != nil || bShape.isScalar {
                    // d(vector)/d(scalar): A's shape.
                    var m = Matrix<Double>(rows: aShape.rows, cols: aShape.cols)
                    for k in 0..<aShape.count { m.storage[k] = denominatorPart(gradient(k)).storage[0] }
                    results[i] = m
                } else {
                    // The Jacobian: row k is d(entry k of A)/dB, B's entries in order.
                    var m = Matrix<Double>(rows: aShape.count, cols: bShape.count)
                    for k in 0..<aShape.count {
                        let g = gradient(k)
                        for j in 0..<bShape.count { m.storage[k * bShape.count + j] = g.storage[j] }
                    }
                    results[i] = m
                }
            }
        }
        return results
    }

    /// A region recorded on a tape: each element's node, and where each denominator's gradient
    /// is read (its variable leaf, or the zero-valued ε added to its definition).
    struct RecordedTape {
        let tape: Tape<Double>
        let nodes: [Int: TapeValue]
        let sources: [Int: Variable<Double>]
    }

    /// Records `region` (in evaluation order) with `denominators` as the variables; every other
    /// element enters as a constant from `values`.
    func record(region: [Int], denominators: Set<Int>, modification: Modification?, values: [PlainValue?]) -> RecordedTape {
        let tape = Tape<Double>()
        let backend = TapeBackend(tape: tape)
        var nodes: [Int: TapeValue] = [:]
        var constants: [Int: TapeValue] = [:]
        var sources: [Int: Variable<Double>] = [:]
        var evaluator = Evaluator(sheet: sheet, backend: backend, labels: model.labels, modification: modification) { e, _ in
            if let n = nodes[e] { return n }
            if let c = constants[e] { return c }
            let c = backend.constant(values[e]?.matrix ?? Matrix(rows: 1, cols: 1, repeating: .nan))
            constants[e] = c
            return c
        }
        for e in region {
            let element = sheet.elements[e]
            if element.role.isLeaf {
                let v = backend.variable(values[e]!.matrix)
                nodes[e] = v
                sources[e] = v.variable
                continue
            }
            let s = sheet.statements[element.statement]
            var b = sheet.bindings(of: e)
            evaluator.currentElement = e
            var v = evaluator.evaluate(s.body!, &b, s)
            if denominators.contains(e) {
                let epsilon = backend.variable(Matrix(rows: element.shape.rows, cols: element.shape.cols))
                v = backend.add(v, epsilon)
                sources[e] = epsilon.variable
            }
            nodes[e] = v
        }
        return RecordedTape(tape: tape, nodes: nodes, sources: sources)
    }

    // MARK: - Finite differences

    /// The numerator's value (or entry) with the denominator's value replaced by `bValue`.
    private func numeratorValue(_ r: DerivativeRequest, denominatorValue bValue: Matrix<Double>, region: [Int]) -> Matrix<Double> {
        let values = model.values
        var local: [Int: PlainValue] = [r.denominator: .normalized(bValue)]
        var evaluator = Evaluator(sheet: sheet, backend: PlainBackend(), labels: model.labels, modification: nil) { e, _ in
            local[e] ?? values[e] ?? .scalar(.nan)
        }
        for e in region where e != r.denominator {
            let element = sheet.elements[e]
            let s = sheet.statements[element.statement]
            var b = sheet.bindings(of: e)
            evaluator.currentElement = e
            local[e] = evaluator.evaluate(s.body!, &b, s)
        }
        let a = (local[r.numerator] ?? values[r.numerator] ?? .scalar(.nan)).matrix
        guard let (row, col) = r.numeratorEntry else { return a }
        return Matrix(rows: 1, cols: 1, storage: [a[row, col]])
    }

    /// Autodiff against finite differences for one instance, along a random direction of B (or
    /// the entry the claim names).
    ///
    /// The step of each entry of B is scaled to that entry's size, max(1, |B_ij|) (a shift of
    /// 1e-4 is lost in the rounding of a state of 5e8): the direction is D = V ⊙ max(1, |B|) with
    /// V a random unit direction, and the autodiff value is contracted with D. When that estimate
    /// disagrees, the step may be what is wrong rather than the derivative (A so large that its
    /// rounding swamps the difference): estimates with steps ε·10^(k/2), k = −4…6, are compared
    /// with each other, and the one that changes least when the step grows by √10 is taken — a
    /// choice made without looking at the autodiff value, so a wrong derivative still disagrees.
    func finiteDifferenceCheck(
        _ r: DerivativeRequest, derivative: Matrix<Double>, name: String,
        rng: inout SeededGenerator
    ) -> ParameterComparison {
        let options = GradCheckOptions.finiteDifferencesStrict
        let bValue = model.values[r.denominator]!.matrix
        var direction = Matrix<Double>(rows: bValue.rows, cols: bValue.cols)
        if let (row, col) = r.denominatorEntry {
            direction[row, col] = 1
        } else {
            direction = Matrix<Double>.randomNormal(bValue.rows, bValue.cols, using: &rng)
            let norm = direction.frobeniusNorm()
            if norm > 0 { direction = direction / norm }
        }
        for k in 0..<direction.count { direction.storage[k] *= max(1, abs(bValue.storage[k])) }
        let region = self.region(numerator: r.numerator, denominators: [r.denominator])
        var cache: [Double: Matrix<Double>] = [:]
        func shifted(_ shift: Double) -> Matrix<Double> {
            if let m = cache[shift] { return m }
            let m = numeratorValue(r, denominatorValue: bValue + shift * direction, region: region)
            cache[shift] = m
            return m
        }
        let base = shifted(0)
        func estimate(_ epsilon: Double) -> Matrix<Double> {
            var numeric = Matrix<Double>(rows: base.rows, cols: base.cols)
            if !region.isEmpty {
                for k in 0..<numeric.count {
                    numeric.storage[k] = options.stencil.derivative(epsilon: epsilon) { shifted($0).storage[k] }
                }
            }
            return numeric
        }
        // The autodiff value contracted with the direction.
        let analytic: Matrix<Double>
        let aShape = Shape(rows: base.rows, cols: base.cols)
        if r.denominatorEntry != nil || bValue.count == 1 {
            // dA/d(one number): A's shape, times the step of that number.
            let (row, col) = r.denominatorEntry ?? (0, 0)
            let scale = direction[row, col]
            analytic = Matrix(rows: aShape.rows, cols: aShape.cols, storage: derivative.storage.prefix(aShape.count).map { $0 * scale })
        } else if aShape.isScalar {
            analytic = Matrix(rows: 1, cols: 1, storage: [derivative.dot(direction)])
        } else {
            var m = Matrix<Double>(rows: aShape.rows, cols: aShape.cols)
            for k in 0..<aShape.count {
                var total = 0.0
                for j in 0..<direction.count { total += derivative.storage[k * direction.count + j] * direction.storage[j] }
                m.storage[k] = total
            }
            analytic = m
        }
        let methods = "autodiff vs finite differences"
        let first = compare(name: name, candidate: analytic, reference: estimate(options.epsilon), methods: methods, options: options)
        if first.verdict == .pass || region.isEmpty { return first }
        // The ladder: ε·10^(k/2), k = −4…6 (1e-6 … 1e-1 for ε = 1e-4), by the fourth-order formula
        // alone (a step that straddles a kink shows up as a large change, and is not chosen).
        let root10 = 10.0.squareRoot()
        let steps = [0.01, 0.1, 1, 10, 100, 1000].flatMap { [$0, $0 * root10] }.dropLast().map { options.epsilon * $0 }
        let estimates = steps.map { h -> Matrix<Double> in
            var numeric = Matrix<Double>(rows: base.rows, cols: base.cols)
            for k in 0..<numeric.count {
                numeric.storage[k] =
                    (-shifted(2 * h).storage[k] + 8 * shifted(h).storage[k]
                        - 8 * shifted(-h).storage[k] + shifted(-2 * h).storage[k]) / (12 * h)
            }
            return numeric
        }
        var best = 0, bestChange = Double.infinity
        for k in 0..<(steps.count - 1) {
            let size = max(estimates[k].maxAbs(), estimates[k + 1].maxAbs(), .leastNormalMagnitude)
            let change = (estimates[k] - estimates[k + 1]).maxAbs() / size
            if change < bestChange { (best, bestChange) = (k, change) }
        }
        return compare(
            name: name, candidate: analytic, reference: estimates[best],
            methods: "\(methods) (step \(formatScalar(steps[best], digits: 1)) times each entry's size)", options: options)
    }
}
