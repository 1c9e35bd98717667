// Diagnoser.swift — which mistake explains a failed claim.
//
// The catalogue is a list of wrong derivatives, each computed exactly (the model changed, then
// differentiated on the tape) and compared with the claim by the same exact-method rule as the
// truth. The first that matches names the mistake:
//   1. the true derivative with the opposite sign, transposed, or times a constant factor
//      (the least-squares factor, printed; fitted to a single number, any wrong value would be
//      some multiple of the truth, so there only a short fraction such as 2 or 1/2 counts); for
//      entries claimed one by one over two of the claim's indices (dU[i,j] for i, j), transposed
//      means each instance holds the true entry of its partner with i and j exchanged;
//   2. dropped-dependence: one use of one quantity in one model definition held constant
//      (h[t-1] in z[t]: truncated BPTT; a gate's input in an LSTM or GRU; a direct term);
//      after 3 and 4, the same use held constant at the first or the last step only (a sum
//      over k that misses k = 1, the h[0] term);
//   3. partial-loss: one `sum(i = a..b, …)` of a model definition over fewer terms (only the
//      last, only the first, starting one late, ending one early), or only the term whose index
//      is one of the claim's own (only L[t] in dL/dh[t] for t = 1..T: a different sum for each
//      instance, whatever the rest of the model);
//   4. derivative-rule: σ′ written as z(1 − z), tanh′ as 1 − z² (the rule applied to the
//      pre-activation), softmax′ as p(1 − p) (its Jacobian's diagonal only), or an activation's
//      derivative left out (softmax's Jacobian as the identity) — at one call, then at every
//      call of that function;
//   each of 2–4 also with the opposite sign, transposed or times a factor. A candidate that
//   changes nothing for this claim is skipped. When none matches: `unexplained`, with the
//   instance and entry where the claim and the truth differ most.
//
// Only the part of the model between the claim's denominators and numerators is searched.

import WorkbenchNumerics

/// One wrong derivative of the catalogue.
struct Candidate {
    let modification: Modification
    let kind: DiagnosisKind
    /// The sentence naming the mistake, before any sign/scale/transpose.
    let detail: String
    let line: Int
    /// For a partial sum that keeps only the term at the claim's own index: the claim's slot
    /// whose value, instance by instance, is the index kept.
    var ownIndexSlot: Int? = nil

    /// The modification for the instance whose slot values are `indices`.
    func modification(at indices: [Int]) -> Modification {
        guard let slot = ownIndexSlot, slot < indices.count, case .partial(let node, _) = modification else { return modification }
        return .partial(node: node, .only(indices[slot]))
    }
}

struct Diagnoser {
    let sheet: CheckedWorksheet
    let model: ModelValues
    let engine: DerivativeEngine
    let requests: [DerivativeRequest]
    let claim: [PlainValue]
    let truth: [Matrix<Double>]
    /// Labels of the instances ("t = 3, k = 1").
    let instanceLabels: [String]
    /// The claim's slot values of each instance (t, k, … in the order of its `for` ranges).
    let instanceIndices: [[Int]]
    /// The names of the claim's slots.
    let slotNames: [String]
    /// For a claim on entries dU[i,j] (or da[i]/db[j]) over its own i and j: the two slots and
    /// each instance's partner with them exchanged.
    var entrySwap: (slots: (Int, Int), partner: [Int])? = nil

    // MARK: - Transforms

    /// Sign, transpose and scale variants of a derivative, in the order they are tried.
    private func transforms(identity: Bool) -> [(factor: Double?, transposed: Bool)] {
        var list: [(Double?, Bool)] = identity ? [(1, false)] : []
        list += [(-1, false), (1, true), (-1, true), (nil, false), (nil, true)]
        return list
    }

    /// The first transform under which `derivative` equals the claim: (factor, transposed).
    private func match(_ derivative: [Matrix<Double>], identity: Bool) -> (factor: Double, transposed: Bool)? {
        for (factor, transposed) in transforms(identity: identity) {
            if transposed && !derivative.contains(where: { $0.rows != $0.cols || $0.rows > 1 }) { continue }
            var f: Double
            if let factor {
                f = factor
            } else {
                guard let c = ClaimComparer.leastSquaresFactor(claim: claim, derivative: derivative, transposed: transposed) else {
                    continue
                }
                // A factor of ±1 is a plain or sign match, tried already.
                if abs(abs(c) - 1) <= 1e-9 { continue }
                // One number is a multiple of any other: a factor fitted to a single entry is taken
                // for a mistake only when it is a short fraction (2, 1/2, −3/4).
                if informativeEntries(derivative) <= 1 && shortFraction(c) == nil { continue }
                f = c
            }
            if ClaimComparer.compare(claim: claim, derivative: derivative, factor: f, transposed: transposed, stopAtFirstFailure: true)
                .passed
            {
                return (f, transposed)
            }
        }
        return nil
    }

    private func suffix(_ factor: Double, _ transposed: Bool) -> String {
        var parts: [String] = []
        if transposed { parts.append("transposed") }
        if factor == -1 { parts.append("with the opposite sign") } else if factor != 1 { parts.append("times \(formatFactor(factor))") }
        return parts.isEmpty ? "" : ", " + parts.joined(separator: " and ")
    }

    // MARK: - Diagnosis

    func diagnose() -> Diagnosis {
        if let (f, t) = match(truth, identity: false) {
            if t {
                let extra = f == 1 ? "" : (f == -1 ? ", with the opposite sign" : ", times \(formatFactor(f))")
                return Diagnosis(
                    kind: .transpose, detail: "the claim is the transpose of the true derivative\(extra)", factor: f, transposed: true)
            }
            if f == -1 {
                return Diagnosis(kind: .sign, detail: "the claim is the true derivative with the opposite sign", factor: -1)
            }
            return Diagnosis(
                kind: .scale, detail: "the claim is \(formatFactor(f)) times the true derivative (a constant factor of \(formatFactor(f)))",
                factor: f)
        }
        // Entries claimed one by one, with the row and column indices exchanged.
        if let swap = entrySwap, let (f, _) = match(swap.partner.map { truth[$0] }, identity: true) {
            let (i, j) = (slotNames[swap.slots.0], slotNames[swap.slots.1])
            let extra = f == 1 ? "" : (f == -1 ? ", with the opposite sign" : ", times \(formatFactor(f))")
            return Diagnosis(
                kind: .transpose,
                detail:
                    "the claim is the transpose of the true derivative\(extra): its value at (\(i), \(j)) is the true derivative's at (\(j), \(i)), \(i) and \(j) exchanged",
                factor: f, transposed: true)
        }
        // Each candidate is first tried on a few probe instances (the one where claim and truth
        // differ most, the first, the last); only a candidate that fits there is computed for
        // every instance.
        let worst = ClaimComparer.compare(claim: claim, derivative: truth).worst
        var probe: [Int] = []
        for i in [worst, 0, requests.count - 1] where !probe.contains(i) { probe.append(i) }
        let probeClaim = probe.map { claim[$0] }
        let probeTruth = probe.map { truth[$0] }
        var modelValues: [Modification: [PlainValue?]] = [:]
        for candidate in candidates() {
            guard let probeDerivative = derivatives(candidate, instances: probe, cache: &modelValues) else { continue }
            // A change that leaves this claim's derivative as it was explains nothing.
            if ClaimComparer.compare(claim: probeTruth.map { .matrix($0) }, derivative: probeDerivative, stopAtFirstFailure: true).passed {
                continue
            }
            let probeDiagnoser = Diagnoser(
                sheet: sheet, model: model, engine: engine, requests: probe.map { requests[$0] }, claim: probeClaim,
                truth: probeTruth, instanceLabels: probe.map { instanceLabels[$0] },
                instanceIndices: probe.map { instanceIndices[$0] }, slotNames: slotNames)
            guard probeDiagnoser.match(probeDerivative, identity: true) != nil else { continue }
            let everyInstance = Array(0..<requests.count)
            guard
                let derivative = probe == everyInstance
                    ? probeDerivative
                    : derivatives(candidate, instances: everyInstance, cache: &modelValues)
            else { continue }
            if let (f, t) = match(derivative, identity: true) {
                return Diagnosis(
                    kind: candidate.kind, detail: candidate.detail + suffix(f, t), factor: f, transposed: t,
                    modelLine: candidate.line)
            }
        }
        return unexplained()
    }

    /// The candidate's derivative for the given instances (one modification per group of
    /// instances that share it); nil when the changed model has no values. `cache` keeps the
    /// model's values under each modification that changes them.
    private func derivatives(
        _ candidate: Candidate, instances: [Int],
        cache: inout [Modification: [PlainValue?]]
    ) -> [Matrix<Double>]? {
        var groups: [Modification: [Int]] = [:]
        var groupOrder: [Modification] = []
        for (position, i) in instances.enumerated() {
            let m = candidate.modification(at: instanceIndices[i])
            if groups[m] == nil { groupOrder.append(m) }
            groups[m, default: []].append(position)
        }
        var result = [Matrix<Double>](repeating: Matrix(rows: 1, cols: 1), count: instances.count)
        for m in groupOrder {
            let values: [PlainValue?]
            if !m.changesValues {
                values = model.values
            } else if let cached = cache[m] {
                values = cached
            } else {
                guard let v = try? model.evaluate(modification: m, helpers: false) else { return nil }
                cache[m] = v
                values = v
            }
            let positions = groups[m]!
            let d = engine.derivatives(positions.map { requests[instances[$0]] }, modification: m, values: values)
            for (k, position) in positions.enumerated() { result[position] = d[k] }
        }
        return result
    }

    private func unexplained() -> Diagnosis {
        let comparison = ClaimComparer.compare(claim: claim, derivative: truth)
        let i = comparison.worst
        let scale = ClaimComparer.scale(claim: claim, derivative: truth)
        var place = instanceLabels[i].isEmpty ? "" : " at \(instanceLabels[i])"
        if let entry = ClaimComparer.worstEntries(claim: claim[i], derivative: truth[i], scale: scale, limit: 1).first {
            if truth[i].count > 1 { place += "\(place.isEmpty ? " at" : ",") entry (\(entry.row), \(entry.column))" }
            place += ": claim \(formatScalar(entry.claim, digits: 6)) vs true \(formatScalar(entry.truth, digits: 6))"
        } else {
            place += ": the claim is \(claim[i].shape), the derivative \(truth[i].rows)×\(truth[i].cols)"
        }
        let finite =
            claim.allSatisfy(\.isFinite)
            ? "" : " The claim's value is not finite somewhere (a division by zero, a log of a negative number?)."
        return Diagnosis(
            kind: .unexplained,
            detail:
                "no mistake in the catalogue explains it (sign, scale, transpose, a dropped dependence, a partial loss, a derivative rule, or one of these with a sign, scale or transpose); the claim and the true derivative differ most\(place).\(finite)"
        )
    }

    // MARK: - The catalogue

    /// The wrong derivatives to try, for the part of the model between this claim's sides.
    func candidates() -> [Candidate] {
        var regionElements = Set<Int>()
        var denominators = Set<Int>()
        var groups: [Int: Set<Int>] = [:]
        for r in requests { groups[r.numerator, default: []].insert(r.denominator); denominators.insert(r.denominator) }
        for (a, dens) in groups { regionElements.formUnion(engine.region(numerator: a, denominators: dens)) }
        let statementsInRegion = Set(
            regionElements.compactMap { e -> Int? in
                sheet.elements[e].role == .definition ? sheet.elements[e].statement : nil
            }
        ).sorted()
        let relevantFamilies = Set(regionElements.map { sheet.elements[$0].family }).union(denominators.map { sheet.elements[$0].family })

        var dropped: [Candidate] = [], partial: [Candidate] = [], ownTerm: [Candidate] = [], rules: [Candidate] = [],
            oneStep: [Candidate] = []
        var sites: [Function: [(id: NodeID, range: SourceRange)]] = [:]
        for si in statementsInRegion {
            let s = sheet.statements[si]
            let definition = sheet.source.text(s.targetRange)
            walk(s.body!) { id in
                let node = sheet.expressions.nodes[id]
                switch node.kind {
                case .reference(let family, _) where relevantFamilies.contains(family):
                    let use = sheet.source.text(node.range)
                    let (line, column) = sheet.source.position(of: node.range.lowerBound)
                    dropped.append(
                        Candidate(
                            modification: .dropped(node: id, element: nil), kind: .droppedDependence,
                            detail:
                                "the claim leaves out the dependence of \(definition) on \(use) (line \(line), column \(column)): it equals the derivative with that use of \(use) held constant, so every path through it is missing",
                            line: line))
                    // The same use at one step only: the first or the last element the statement defines.
                    let defined = regionElements.filter { sheet.elements[$0].statement == si }.sorted()
                    if defined.count > 1 {
                        for e in Set([defined.first!, defined.last!]).sorted() {
                            let name = sheet.elementName(e)
                            oneStep.append(
                                Candidate(
                                    modification: .dropped(node: id, element: e), kind: .droppedDependence,
                                    detail:
                                        "the claim leaves out the dependence of \(name) on its use of \(use) (line \(line), column \(column)), at that one step: it equals the derivative with that use held constant in \(name) only",
                                    line: line))
                        }
                    }
                case .reduction(.sum, let sumSlot, let lower, let upper, let body):
                    let text = sheet.source.text(node.range)
                    let line = sheet.source.position(of: node.range.lowerBound).line
                    // Only the term at one of the claim's own indices, where that index falls in
                    // the sum's range for some instance.
                    let bounds = regionElements.filter { sheet.elements[$0].statement == si }.compactMap { e -> ClosedRange<Int>? in
                        let b = sheet.bindings(of: e)
                        guard let lo = sheet.staticValue(lower, b), let hi = sheet.staticValue(upper, b), lo <= hi else { return nil }
                        return lo...hi
                    }
                    let index = s.slotNames[sumSlot], term = sheet.source.text(sheet.expressions.nodes[body].range)
                    for (k, name) in slotNames.enumerated()
                    where instanceIndices.contains(where: { v in k < v.count && bounds.contains { $0.contains(v[k]) } }) {
                        let which = index == name ? "`\(term)`" : "\(index) = \(name)"
                        ownTerm.append(
                            Candidate(
                                modification: .partial(node: id, .only(0)), kind: .partialLoss,
                                detail:
                                    "the claim keeps only the term \(which) (at the claim's own \(name)) of `\(text)` in \(definition) (line \(line)): it is the derivative of only that part of the sum",
                                line: line, ownIndexSlot: k))
                    }
                    for terms in PartialTerms.fixed {
                        let which: String
                        switch terms {
                        case .lastOnly: which = "keeps only the last term of"
                        case .firstOnly: which = "keeps only the first term of"
                        case .startsLate: which = "starts one step late in"
                        case .endsEarly: which = "ends one step early in"
                        case .only: continue
                        }
                        partial.append(
                            Candidate(
                                modification: .partial(node: id, terms), kind: .partialLoss,
                                detail:
                                    "the claim \(which) `\(text)` in \(definition) (line \(line)): it is the derivative of only part of that sum",
                                line: line))
                    }
                case .function(let f, _) where f.isActivation:
                    sites[f, default: []].append((id, node.range))
                default:
                    break
                }
            }
        }
        for f in [Function.sigmoid, .tanh, .relu, .exp, .softmax] {
            guard let list = sites[f] else { continue }
            let name = f == .sigmoid ? "σ" : f.rawValue
            var kinds: [DerivativeRule] = f == .sigmoid || f == .tanh ? [.wrongVariable, .leftOut] : [.leftOut]
            if f == .softmax { kinds = [.diagonalOnly, .leftOut] }
            for rule in kinds {
                for site in list {
                    let line = sheet.source.position(of: site.range.lowerBound).line
                    rules.append(
                        Candidate(
                            modification: .rule(nodes: [site.id], rule), kind: .derivativeRule,
                            detail: ruleDetail(f, name, rule, "in `\(sheet.source.text(site.range))` (line \(line))"), line: line))
                }
                if list.count > 1 {
                    let lines = Set(list.map { sheet.source.position(of: $0.range.lowerBound).line }).sorted()
                    rules.append(
                        Candidate(
                            modification: .rule(nodes: Set(list.map(\.id)), rule), kind: .derivativeRule,
                            detail: ruleDetail(
                                f, name, rule,
                                "in every use of \(name) (line\(lines.count == 1 ? "" : "s") \(lines.map(String.init).joined(separator: ", ")))"
                            ),
                            line: lines[0]))
                }
            }
        }
        return dropped + partial + ownTerm + rules + oneStep
    }

    private func ruleDetail(_ f: Function, _ name: String, _ rule: DerivativeRule, _ place: String) -> String {
        switch (f, rule) {
        case (.sigmoid, .wrongVariable):
            return
                "σ′ is written as z(1 − z) \(place): the derivative of σ at z is σ(z)(1 − σ(z)); z(1 − z) applies the rule to the pre-activation instead of to σ(z)"
        case (.tanh, .wrongVariable):
            return
                "tanh′ is written as 1 − z² \(place): the derivative of tanh at z is 1 − tanh(z)²; 1 − z² applies the rule to the pre-activation instead of to tanh(z)"
        case (.softmax, .diagonalOnly):
            return
                "softmax′ is written element-wise as p(1 − p) \(place), as if it were σ: the Jacobian of p = softmax(z) is diag(p) − p pᵀ, and diag(p(1 − p)) keeps only its diagonal"
        case (.softmax, _):
            return "the derivative of softmax is left out \(place), as if its Jacobian diag(p) − p pᵀ were the identity"
        default:
            return "the derivative of \(name) is left out \(place), as if it were 1"
        }
    }

    /// Visits every node of an expression, parents first.
    private func walk(_ id: NodeID, _ visit: (NodeID) -> Void) {
        visit(id)
        switch sheet.expressions.nodes[id].kind {
        case .entry(let a, _), .negate(let a), .transpose(let a), .function(_, let a):
            walk(a, visit)
        case .binary(_, let a, let b):
            walk(a, visit)
            walk(b, visit)
        case .reduction(_, _, _, _, let body):
            walk(body, visit)
        default:
            break
        }
    }
}

/// The entries, over all instances, that are not zero.
private func informativeEntries(_ derivative: [Matrix<Double>]) -> Int {
    derivative.reduce(0) { $0 + $1.storage.filter { $0 != 0 }.count }
}

/// x as p/q with q ≤ 16 and |p| < 10⁶, when it is one.
func shortFraction(_ x: Double) -> (numerator: Int, denominator: Int)? {
    for q in 1...16 {
        let p = (x * Double(q)).rounded()
        if abs(p) < 1e6, abs(x - p / Double(q)) <= 1e-9 * max(1, abs(x)) { return (Int(p), q) }
    }
    return nil
}

/// A factor as a short fraction when it is one (2, 1/2, −3/4), else with six digits.
func formatFactor(_ x: Double) -> String {
    if let (p, q) = shortFraction(x) { return q == 1 ? "\(p)" : "\(p)/\(q)" }
    return formatScalar(x, digits: 6)
}
