// CheckedWorksheet.swift — a worksheet that passed every static check, ready to evaluate.
//
// Built in passes, each of which can stop with a located `WorksheetError` before anything is
// evaluated:
//   1. parse (Parser.swift) and resolve names (Resolver.swift);
//   2. enumerate every statement's `for` instances and register its elements: an element
//      declared or defined twice is an error; given values (`W = [...]`) are read and checked
//      against the declared shape;
//   3. collect each definition's dependencies for its instance: an element used but never
//      defined is an error; order all elements so that each comes after what it uses (Kahn's
//      algorithm), or name a cycle;
//   4. infer every element's shape in that order: operand shapes that do not fit, and entries
//      or classes outside their range, are errors (an element whose empty range borrows its shape
//      from a family not yet shaped waits for it, with everything that uses it);
//   5. check every instance of every claim the same way, and that its value has the shape of
//      the derivative it claims (or that shape transposed, which the diagnosis then names).
//
// Work is bounded: a worksheet whose ranges ask for more than `limits` allow is refused with a
// `too-large` error instead of running for hours.

import WorkbenchNumerics

/// A worksheet that passed every static check.
final class CheckedWorksheet {
    let source: SourceText
    var sizes: [String: (value: Int, range: SourceRange)] = [:]
    var families: [Family] = []
    var familyByName: [String: Int] = [:]
    var statements: [Statement] = []
    /// Expressions while names are resolved, then frozen into `expressions`.
    var builder = ExpressionBuilder()
    var expressions = ExpressionBuilder().frozen()
    var elements: [Element] = []
    /// Values given in the worksheet for parameter and input elements.
    var given: [Int: Matrix<Double>] = [:]
    /// Values given for class labels.
    var givenLabels: [Int: Int] = [:]
    /// Parameters, inputs and labels in declaration order (the order values are drawn in).
    var leaves: [Int] = []
    /// Dependencies of each element (CSR: `dependencies[dependencyStart[e]..<dependencyStart[e+1]]`).
    var dependencyStart: [Int] = [0]
    var dependencies: [Int] = []
    /// Every element after those it uses.
    var order: [Int] = []
    /// Position of each element in `order`.
    var rank: [Int] = []
    /// For a definition or helper, when its shape was inferred (0, 1, …; `Int.max` before): the
    /// order of `order`, except that an element waiting for the shapes of a family it names only in
    /// an empty range comes later.
    var shapeRank: [Int] = []
    /// Fast element lookup, built once every element is registered.
    var elementIndex: ElementIndex?

    /// How much work a check may ask for.
    struct Limits {
        /// Elements in all.
        var elements = 2_000_000
        /// Instances of one claim.
        var claimInstances = 2_000_000
        /// Terms visited while checking (instances times terms of sums).
        var work = 400_000_000
        /// Rows or columns of one value.
        var dimension = 100_000
        /// Entries of one value.
        var entries = 20_000_000
    }
    let limits: Limits
    var work = 0

    /// Parses and checks `text`; throws the first problem found.
    init(text: String, name: String, limits: Limits = Limits()) throws {
        source = SourceText(name: name, text: text)
        self.limits = limits
        var parser = try Parser(source: source)
        let syntax = try parser.parseWorksheet()
        try resolveSizes(syntax)
        try registerFamilies(syntax)
        try resolveStatements(syntax)
        expressions = builder.frozen()
        builder = ExpressionBuilder()
        try registerElements()
        try collectDependencies()
        try orderElements()
        try inferShapes()
        try checkClaims()
    }

    // MARK: - Instances

    /// Calls `body` with the slot values of every instance of `statement`'s `for` ranges.
    func forEachInstance(of statement: Statement, charging: Bool = true, _ body: (inout [Int]) throws -> Void) throws {
        var bindings = [Int](repeating: 0, count: max(1, statement.slotNames.count))
        try enumerate(statement, 0, &bindings, charging, body)
    }

    private func enumerate(
        _ s: Statement, _ level: Int, _ bindings: inout [Int], _ charging: Bool,
        _ body: (inout [Int]) throws -> Void
    ) throws {
        if level == s.ranges.count {
            if charging { try charge(1, at: s.range) }
            try body(&bindings)
            return
        }
        let r = s.ranges[level]
        guard let lower = evaluateStatic(r.lower, bindings) else { throw overflow(r.range) }
        var upper = lower
        if let u = r.upper {
            guard let value = evaluateStatic(u, bindings) else { throw overflow(r.range) }
            upper = value
        }
        if lower > upper { return }
        if (span(lower, upper) ?? .max) > max(limits.elements, limits.claimInstances) {
            throw WorksheetError(
                .tooLarge,
                "the range \(s.slotNames[r.slot]) = \(lower)..\(upper) has more instances than a worksheet can check; make it smaller",
                at: r.range, in: source)
        }
        var v = lower
        while true {
            bindings[r.slot] = v
            try enumerate(s, level + 1, &bindings, charging, body)
            if v == upper { break }
            v += 1
        }
    }

    /// hi − lo + 1 without overflow.
    func span(_ lo: Int, _ hi: Int) -> Int? {
        let (d, o) = hi.subtractingReportingOverflow(lo)
        return o || d == .max ? nil : d + 1
    }

    func charge(_ amount: Int, at range: SourceRange) throws {
        let (total, overflowed) = work.addingReportingOverflow(amount)
        work = overflowed ? .max : total
        if work > limits.work {
            throw WorksheetError(
                .tooLarge, "checking this worksheet needs more than \(limits.work) steps; make the sizes or ranges smaller",
                at: range, in: source)
        }
    }

    func overflow(_ range: SourceRange) -> WorksheetError {
        WorksheetError(.tooLarge, "this index arithmetic overflows", at: range, in: source)
    }

    /// "t = 2, k = 1" for the bound slots of a statement.
    func describe(_ bindings: [Int], _ statement: Statement, slots: Int? = nil) -> String {
        let n = min(slots ?? statement.ranges.count, statement.slotNames.count, bindings.count)
        return (0..<n).map { "\(statement.slotNames[$0]) = \(bindings[$0])" }.joined(separator: ", ")
    }

    func at(_ bindings: [Int], _ statement: Statement, slots: Int? = nil) -> String {
        let d = describe(bindings, statement, slots: slots)
        return d.isEmpty ? "" : " (at \(d))"
    }

    /// The name of an element as written: `h[3]`, `U`.
    func elementName(_ e: Int) -> String {
        let element = elements[e]
        let name = families[element.family].name
        return element.indices.isEmpty ? name : "\(name)[\(element.indices.map(String.init).joined(separator: ","))]"
    }

    /// The element of `family` at `indices`, if declared or defined.
    func element(_ family: Int, _ indices: [Int]) -> Int? {
        switch indices.count {
        case 0: return element(family)
        case 1: return element(family, indices[0])
        case 2: return element(family, indices[0], indices[1])
        default: return families[family].elements[indices]
        }
    }

    // MARK: - Lookup tables

    func buildTables() {
        elementIndex = ElementIndex(families: families)
    }

    /// The index-free element of a family.
    func element(_ family: Int) -> Int? {
        elementIndex?.element(family) ?? families[family].elements[[]]
    }

    /// The element `family[i]`.
    func element(_ family: Int, _ i: Int) -> Int? {
        if let index = elementIndex { return index.element(family, i) }
        return families[family].elements[[i]]
    }

    /// The element `family[i, j]`.
    func element(_ family: Int, _ i: Int, _ j: Int) -> Int? {
        if let index = elementIndex { return index.element(family, i, j) }
        return families[family].elements[[i, j]]
    }

    /// A summary of which indices a family has, for "used but never defined" messages.
    func indexSummary(_ family: Int, arity: Int) -> String {
        let f = families[family]
        let keys = f.elements.keys.filter { $0.count == arity }
        guard arity > 0 else { return "" }
        if keys.isEmpty { return "\(f.name) has no elements with \(arity) \(arity == 1 ? "index" : "indices")" }
        var lows = [Int](repeating: .max, count: arity), highs = [Int](repeating: .min, count: arity)
        for key in keys {
            for (i, v) in key.enumerated() { lows[i] = min(lows[i], v); highs[i] = max(highs[i], v) }
        }
        let ranges = (0..<arity).map { lows[$0] == highs[$0] ? "\(lows[$0])" : "\(lows[$0])…\(highs[$0])" }
        return "\(f.name) has \(keys.count) element\(keys.count == 1 ? "" : "s") with indices within [\(ranges.joined(separator: ", "))]"
    }

    // MARK: - Pass 2: elements

    func registerElements() throws {
        // Declarations first, so that a given value can find its element wherever it is written.
        for s in statements where s.kind == .declaration {
            guard let info = s.declaration, let family = s.family else { continue }
            try forEachInstance(of: s) { b in
                let indices = try s.target.map { expr -> Int in
                    guard let v = evaluateStatic(expr, b) else { throw overflow(s.targetRange) }
                    return v
                }
                var role: ElementRole
                var shape = Shape.scalar
                switch info.role {
                case .label:
                    guard let bounds = info.labelBounds, let lo = evaluateStatic(bounds.lower, b), let hi = evaluateStatic(bounds.upper, b)
                    else {
                        throw overflow(s.targetRange)
                    }
                    guard lo <= hi else {
                        throw WorksheetError(.indexRange, "the class range \(lo)..\(hi) is empty\(at(b, s))", at: s.targetRange, in: source)
                    }
                    role = .label(lower: lo, upper: hi)
                case .parameter, .input:
                    role = info.role == .parameter ? .parameter : .input
                    let dims = try info.dimensions.map { expr -> Int in
                        guard let v = evaluateStatic(expr, b) else { throw overflow(s.targetRange) }
                        return v
                    }
                    if let bad = dims.first(where: { $0 < 1 }) {
                        throw WorksheetError(
                            .indexRange, "a dimension must be at least 1, got \(bad)\(at(b, s))",
                            at: info.dimensionsRange ?? s.targetRange, in: source)
                    }
                    if let bad = dims.first(where: { $0 > limits.dimension }) {
                        throw WorksheetError(
                            .tooLarge, "a dimension of \(bad) is more than a worksheet can hold (\(limits.dimension))\(at(b, s))",
                            at: info.dimensionsRange ?? s.targetRange, in: source)
                    }
                    if dims.count == 1 { shape = Shape(rows: dims[0], cols: 1) }
                    if dims.count == 2 { shape = Shape(rows: dims[0], cols: dims[1]) }
                    if shape.count > limits.entries {
                        throw WorksheetError(
                            .tooLarge, "\(shape) is too large for a worksheet", at: info.dimensionsRange ?? s.targetRange, in: source)
                    }
                }
                leaves.append(try addElement(family: family, indices: indices, role: role, statement: s, bindings: b, shape: shape))
            }
        }
        for s in statements where s.kind == .definition || s.kind == .helper {
            guard let family = s.family else { continue }
            // A constant right side whose every element is a declared parameter or input is a given value.
            if s.kind == .definition, let body = s.body, isConstant(body) {
                var allDeclared = true
                var any = false
                try forEachInstance(of: s) { b in
                    any = true
                    let indices = s.target.map { evaluateStatic($0, b) ?? .min }
                    if let e = element(family, indices), elements[e].role.isLeaf { return }
                    allDeclared = false
                }
                if any && allDeclared {
                    try readGivenValues(s, family: family)
                    continue
                }
            }
            try forEachInstance(of: s) { b in
                let indices = try s.target.map { expr -> Int in
                    guard let v = evaluateStatic(expr, b) else { throw overflow(s.targetRange) }
                    return v
                }
                _ = try addElement(
                    family: family, indices: indices, role: s.kind == .helper ? .helper : .definition,
                    statement: s, bindings: Array(b.prefix(s.ranges.count)), shape: .scalar)
            }
        }
        buildTables()
        for s in statements where s.kind == .value {
            try readGivenValues(s, family: s.family!)
        }
        if elements.count > limits.elements {
            throw WorksheetError(
                .tooLarge, "the worksheet has \(elements.count) elements, more than \(limits.elements)", at: 0..<1, in: source)
        }
    }

    private func addElement(
        family: Int, indices: [Int], role: ElementRole, statement s: Statement, bindings: [Int],
        shape: Shape
    ) throws -> Int {
        if let existing = families[family].elements[indices] {
            let other = elements[existing]
            let what: String
            switch other.role {
            case .parameter: what = "declared as a parameter"
            case .input: what = "declared as an input"
            case .label: what = "declared as a class label"
            case .definition: what = "defined"
            case .helper: what = "defined (let)"
            }
            let name = elementName(existing)
            let again = other.statement == s.index ? "; the ranges of this statement reach it twice" : ""
            throw WorksheetError(
                .definedTwice, "\(name) is already \(what) on line \(statements[other.statement].line)\(again)\(at(bindings, s))",
                at: s.targetRange, in: source)
        }
        if elements.count >= limits.elements {
            throw WorksheetError(
                .tooLarge, "the worksheet has more than \(limits.elements) elements; make the sizes or ranges smaller",
                at: s.targetRange, in: source)
        }
        let id = elements.count
        elements.append(Element(family: family, indices: indices, role: role, statement: s.index, bindings: bindings, shape: shape))
        families[family].elements[indices] = id
        return id
    }

    /// Whether an expression uses no model quantity (a given value: numbers, sizes, literals).
    func isConstant(_ id: NodeID) -> Bool {
        let x = expressions
        switch x.nodes[id].kind {
        case .number, .literal, .identity, .filled, .onehot: return true
        case .integer(let e): return !usesLabel(e)
        case .reference: return false
        case .entry(let a, let idx): return isConstant(a) && !(0..<idx.count).contains { usesLabel(x.index(idx, $0)) }
        case .negate(let a), .transpose(let a), .function(_, let a): return isConstant(a)
        case .binary(_, let a, let b): return isConstant(a) && isConstant(b)
        case .reduction(_, _, _, _, let body): return isConstant(body)
        }
    }

    /// Whether an index expression reads a class label.
    func usesLabel(_ id: IndexID) -> Bool {
        switch expressions.indexOps[id] {
        case .constant, .slot, .offset: return false
        case .label: return true
        case .add(let a, let b), .subtract(let a, let b), .multiply(let a, let b): return usesLabel(a) || usesLabel(b)
        case .negate(let a): return usesLabel(a)
        }
    }

    private func readGivenValues(_ s: Statement, family: Int) throws {
        guard let body = s.body else { return }
        try forEachInstance(of: s) { b in
            let indices = s.target.map { evaluateStatic($0, b) ?? .min }
            guard let e = element(family, indices) else {
                throw WorksheetError(
                    .undefined,
                    "\(families[family].name)\(indices.isEmpty ? "" : "[\(indices.map(String.init).joined(separator: ","))]") is given a value but never declared; declare it with param or input\(at(b, s))",
                    at: s.targetRange, in: source)
            }
            let element = elements[e]
            if case .label(let lo, let hi) = element.role {
                var bindings = b
                let shape = try shapeOf(body, &bindings, s, lenient: false)
                guard shape.isScalar, case .number(let v) = expressions.nodes[body].kind, v == v.rounded(),
                    Int(exactly: v).map({ (lo...hi).contains($0) }) == true
                else {
                    throw WorksheetError(
                        .indexRange, "\(elementName(e)) is a class label in \(lo)..\(hi): give it one whole number in that range",
                        at: expressions.nodes[body].range, in: source)
                }
                if givenLabels[e] != nil { throw givenTwice(e, s) }
                givenLabels[e] = Int(v)
                return
            }
            guard element.role.isLeaf else {
                throw WorksheetError(
                    .definedTwice,
                    "\(elementName(e)) is defined on line \(statements[element.statement].line) and cannot also be given a value",
                    at: s.targetRange, in: source)
            }
            var bindings = b
            let shape = try shapeOf(body, &bindings, s, lenient: false)
            var value = evaluateConstant(body, bindings, s)
            if shape != element.shape {
                if shape.transposed == element.shape && element.shape.isVector {
                    value = value.transposed
                } else {
                    throw WorksheetError(
                        .shape, "\(elementName(e)) is declared \(element.shape) but given a \(shape) value",
                        at: expressions.nodes[body].range, in: source)
                }
            }
            guard value.isFinite else {
                throw WorksheetError(
                    .notFinite, "the value given to \(elementName(e)) is not finite", at: expressions.nodes[body].range, in: source)
            }
            if given[e] != nil { throw givenTwice(e, s) }
            given[e] = value
        }
    }

    private func givenTwice(_ e: Int, _ s: Statement) -> WorksheetError {
        WorksheetError(.definedTwice, "\(elementName(e)) is given a value twice", at: s.targetRange, in: source)
    }

    // MARK: - Pass 3: dependencies and order

    func collectDependencies() throws {
        var deps: [Int] = []
        var current = 0
        for e in elements.indices {
            let element = elements[e]
            if element.role == .definition || element.role == .helper {
                let s = statements[element.statement]
                var bindings = [Int](repeating: 0, count: max(1, s.slotNames.count))
                for (i, v) in element.bindings.enumerated() { bindings[i] = v }
                deps.removeAll(keepingCapacity: true)
                try collect(s.body!, &bindings, s, into: &deps)
                dependencies.append(contentsOf: deps)
            }
            current = dependencies.count
            dependencyStart.append(current)
        }
    }

    /// The elements a node uses (for its instance), checking that each exists.
    private func collect(_ id: NodeID, _ b: inout [Int], _ s: Statement, into deps: inout [Int]) throws {
        let node = expressions.nodes[id]
        switch node.kind {
        case .number, .literal:
            return
        case .integer(let e):
            try checkLabels(e, b, s, node.range)
        case .identity(let e):
            try checkLabels(e, b, s, node.range)
        case .filled(_, let m, let n):
            try checkLabels(m, b, s, node.range); try checkLabels(n, b, s, node.range)
        case .onehot(let c, let n):
            try checkLabels(c, b, s, node.range); try checkLabels(n, b, s, node.range)
        case .reference(let family, let indices):
            deps.append(try lookup(family, indices, b, s, node.range))
        case .entry(let a, let idx):
            try collect(a, &b, s, into: &deps)
            for i in 0..<idx.count { try checkLabels(expressions.index(idx, i), b, s, node.range) }
        case .negate(let a), .transpose(let a), .function(_, let a):
            try collect(a, &b, s, into: &deps)
        case .binary(_, let a, let c):
            try collect(a, &b, s, into: &deps)
            try collect(c, &b, s, into: &deps)
        case .reduction(_, let slot, let lower, let upper, let body):
            guard let lo = staticValue(lower, b), let hi = staticValue(upper, b) else { throw overflow(node.range) }
            if lo > hi { return }
            try charge(span(lo, hi) ?? .max, at: node.range)
            for v in lo...hi {
                b[slot] = v
                try collect(body, &b, s, into: &deps)
            }
        }
    }

    /// The element a reference names, or an "used but never defined" error.
    func lookup(_ family: Int, _ indices: IndexList, _ b: [Int], _ s: Statement, _ range: SourceRange) throws -> Int {
        try lookup(family, indices, b, s, range, expressions, elementIndex)
    }

    func lookup(
        _ family: Int, _ indices: IndexList, _ b: [Int], _ s: Statement, _ range: SourceRange,
        _ x: Expressions, _ table: ElementIndex?
    ) throws -> Int {
        if let table {
            switch indices.count {
            case 0:
                if let e = table.element(family) { return e }
            case 1:
                if let i = staticValue(x.index(indices, 0), b, x), let e = table.element(family, i) { return e }
            case 2:
                if let i = staticValue(x.index(indices, 0), b, x), let j = staticValue(x.index(indices, 1), b, x),
                    let e = table.element(family, i, j)
                {
                    return e
                }
            default:
                break
            }
        }
        let values = try (0..<indices.count).map { k -> Int in
            guard let v = staticValue(x.index(indices, k), b) else { throw overflow(range) }
            return v
        }
        if let e = element(family, values) { return e }
        let name = families[family].name
        let shown = values.isEmpty ? name : "\(name)[\(values.map(String.init).joined(separator: ","))]"
        let summary = indexSummary(family, arity: values.count)
        throw WorksheetError(
            .undefined, "\(shown) is used but never defined\(at(b, s, slots: b.count))\(summary.isEmpty ? "" : "; \(summary)")",
            at: range, in: source)
    }

    /// Checks that every class label an index expression reads exists.
    private func checkLabels(_ id: IndexID, _ b: [Int], _ s: Statement, _ range: SourceRange) throws {
        let x = expressions
        switch x.indexOps[id] {
        case .constant, .slot, .offset: return
        case .label(let family, let indices):
            let values = try (0..<indices.count).map { k -> Int in
                guard let v = staticValue(x.index(indices, k), b) else { throw overflow(range) }
                return v
            }
            if element(family, values) == nil {
                throw WorksheetError(
                    .undefined,
                    "the class label \(families[family].name)[\(values.map(String.init).joined(separator: ","))] is used but never declared\(at(b, s))",
                    at: range, in: source)
            }
        case .add(let a, let c), .subtract(let a, let c), .multiply(let a, let c):
            try checkLabels(a, b, s, range); try checkLabels(c, b, s, range)
        case .negate(let a):
            try checkLabels(a, b, s, range)
        }
    }

    func dependencies(of e: Int) -> ArraySlice<Int> { dependencies[dependencyStart[e]..<dependencyStart[e + 1]] }

    /// Orders the elements so that each follows everything it uses, or reports a cycle.
    func orderElements() throws {
        let n = elements.count
        var remaining = [Int](repeating: 0, count: n)
        var usersStart = [Int](repeating: 0, count: n + 1)
        for e in 0..<n {
            remaining[e] = dependencyStart[e + 1] - dependencyStart[e]
            for d in dependencies(of: e) { usersStart[d + 1] += 1 }
        }
        for i in 0..<n { usersStart[i + 1] += usersStart[i] }
        var fill = usersStart
        var users = [Int](repeating: 0, count: dependencies.count)
        for e in 0..<n {
            for d in dependencies(of: e) { users[fill[d]] = e; fill[d] += 1 }
        }
        order.reserveCapacity(n)
        for e in 0..<n where remaining[e] == 0 { order.append(e) }
        var head = 0
        while head < order.count {
            let e = order[head]
            head += 1
            for u in users[usersStart[e]..<usersStart[e + 1]] {
                remaining[u] -= 1
                if remaining[u] == 0 { order.append(u) }
            }
        }
        if order.count < n {
            // Walk from an element left over along dependencies that are left over until one repeats.
            var seen = [Int: Int]()
            var path: [Int] = []
            var e = (0..<n).first { remaining[$0] > 0 }!
            while seen[e] == nil {
                seen[e] = path.count
                path.append(e)
                e = dependencies(of: e).first { remaining[$0] > 0 }!
            }
            let cycle = Array(path[seen[e]!...]) + [e]
            let first = cycle[0], next = cycle[1]
            let s = statements[elements[first].statement]
            var range = s.targetRange
            if let node = findReference(to: next, from: first) { range = node.range }
            let names = cycle.map(elementName).joined(separator: " → ")
            throw WorksheetError(
                .cycle, "a cycle: \(names) (each uses the next); definitions must not depend on themselves",
                at: range, in: source)
        }
        rank = [Int](repeating: 0, count: n)
        for (i, e) in order.enumerated() { rank[e] = i }
    }

    /// The reference node in element `from`'s definition that names element `to`.
    func findReference(to target: Int, from e: Int) -> Node? {
        let defined = elements[e]
        let s = statements[defined.statement]
        guard let body = s.body else { return nil }
        var b = [Int](repeating: 0, count: max(1, s.slotNames.count))
        for (i, v) in defined.bindings.enumerated() { b[i] = v }
        let x = expressions
        func search(_ id: NodeID) -> Node? {
            let node = x.nodes[id]
            switch node.kind {
            case .reference(let family, let indices):
                let values = (0..<indices.count).map { staticValue(x.index(indices, $0), b) ?? .min }
                return element(family, values) == target ? node : nil
            case .entry(let a, _), .negate(let a), .transpose(let a), .function(_, let a):
                return search(a)
            case .binary(_, let a, let c):
                return search(a) ?? search(c)
            case .reduction(_, let slot, let lower, let upper, let body):
                guard let lo = staticValue(lower, b), let hi = staticValue(upper, b), lo <= hi, hi - lo < 1_000_000 else { return nil }
                for v in lo...hi {
                    b[slot] = v
                    if let found = search(body) { return found }
                }
                return nil
            default:
                return nil
            }
        }
        return search(body)
    }

    // MARK: - Pass 4: shapes

    func inferShapes() throws {
        shapeRank = [Int](repeating: .max, count: elements.count)
        var next = 0
        // Elements whose empty range names only families not yet shaped, with what they would
        // report if that never changes, and the elements that use them (in `order`).
        var waiting: [Int] = []
        var unknown: [Int: WorksheetError] = [:]
        func isComputed(_ e: Int) -> Bool { elements[e].role == .definition || elements[e].role == .helper }
        /// Shapes `e`, or returns false when it has to wait.
        func shape(_ e: Int) throws -> Bool {
            if dependencies(of: e).contains(where: { isComputed($0) && shapeRank[$0] == .max }) { return false }
            let s = statements[elements[e].statement]
            var bindings = self.bindings(of: e)
            let shape: Shape
            do {
                shape = try shapeOf(s.body!, &bindings, s, lenient: false, rankBound: next, deferrable: true)
            } catch let wait as EmptyRangeShapeUnknown {
                unknown[e] = wait.error
                return false
            }
            if shape.count > limits.entries {
                throw WorksheetError(
                    .tooLarge, "\(elementName(e)) would be \(shape), too large for a worksheet",
                    at: expressions.nodes[s.body!].range, in: source)
            }
            elements[e].shape = shape
            unknown[e] = nil
            shapeRank[e] = next
            next += 1
            return true
        }
        for e in order where isComputed(e) {
            if try !shape(e) { waiting.append(e) }
        }
        // Each round shapes what the previous rounds made possible; `waiting` stays in `order`.
        while !waiting.isEmpty {
            let before = waiting.count
            waiting = try waiting.filter { try !shape($0) }
            if waiting.count == before { break }
        }
        if let first = waiting.first(where: { unknown[$0] != nil }) { throw unknown[first]! }
    }

}
