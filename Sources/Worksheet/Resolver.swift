// Resolver.swift — names to meanings: sizes, families, index slots, functions.
//
// Runs after parsing and before any element exists. Sizes are read first (in file order, each
// from numbers and earlier sizes); then every family is registered with its kind (model, helper,
// class label) and the numbers of indices its elements take (`L` and `L[t]` may both exist);
// then each statement's expressions are resolved into flat `Node` arrays whose index variables
// are numbered slots. Everything that can be
// said about a name without looking at index values is checked here: unknown names (with a
// suggestion), a family used without its indices, a model definition that uses a helper, a
// derivative of a helper or with respect to a class label, functions and their arguments.

import WorkbenchNumerics

/// The functions a worksheet can call.
let functionNames = [
    "tanh", "sigmoid", "σ", "relu", "exp", "log", "sqrt", "softmax", "sum", "Σ", "prod", "∏", "diag", "I",
    "onehot", "ones", "zeros",
]

/// Names visible inside one statement.
struct Scope {
    /// Index variables in scope, by name.
    var slots: [String: Int] = [:]
    /// Every slot of the statement, by number.
    var slotNames: [String] = []
    /// Slots that are `for` variables (the first ones).
    var forSlots = 0
    /// The statement's kind, to refuse helpers inside model definitions.
    var isModelDefinition = false
}

extension CheckedWorksheet {
    // MARK: - Sizes

    func resolveSizes(_ syntax: [StatementSyntax]) throws {
        for statement in syntax {
            guard case .size(let entries) = statement.kind else { continue }
            for entry in entries {
                if let earlier = sizes[entry.name] {
                    throw WorksheetError(
                        .definedTwice, "the size \(entry.name) is already defined (\(lineOf(earlier.range)))",
                        at: entry.nameRange, in: source)
                }
                let expr = try resolveIndex(entry.value, scope: Scope(), allowLabels: false, what: "a size")
                guard let value = evaluateStatic(expr, []) else {
                    throw WorksheetError(.tooLarge, "the size \(entry.name) is too large", at: entry.value.range, in: source)
                }
                sizes[entry.name] = (value, entry.nameRange)
            }
        }
    }

    func lineOf(_ range: SourceRange) -> String { "line \(source.position(of: range.lowerBound).line)" }

    // MARK: - Families

    /// The number of family indices a declaration has: two bracket groups are indices then
    /// dimensions; one group is indices for a class label or when it uses a `for` variable,
    /// else dimensions.
    func declarationArity(_ d: DeclarationSyntax, _ forNames: Set<String>) -> Int {
        if d.labelRange != nil { return d.groups.first?.count ?? 0 }
        if d.groups.count == 2 { return d.groups[0].count }
        if d.groups.count == 1, d.groups[0].contains(where: { mentions($0, forNames) }) { return d.groups[0].count }
        return 0
    }

    /// Registers every family with its kind and the numbers of indices of its elements.
    func registerFamilies(_ syntax: [StatementSyntax]) throws {
        for statement in syntax {
            let forNames = Set(statement.ranges.map(\.variable))
            switch statement.kind {
            case .size, .claim:
                continue
            case .declaration(_, let decls):
                for d in decls {
                    if d.labelRange != nil && d.groups.count > 1 {
                        throw WorksheetError(
                            .syntax, "a class label is one whole number and has no dimensions: input \(d.name)[t] : 1..C",
                            at: d.groupRanges[1], in: source)
                    }
                    try register(
                        name: d.name, range: d.nameRange, arity: declarationArity(d, forNames),
                        kind: d.labelRange != nil ? .label : .model)
                }
            case .assignment(let isHelper, let target, _):
                if target.groups.count > 1 {
                    throw WorksheetError(
                        .syntax, "the left side names a whole element (\(target.name)[…] = …); entries cannot be defined one by one",
                        at: target.groupRanges[1], in: source)
                }
                let arity = target.groups.first?.count ?? 0
                if let existing = familyByName[target.name], families[existing].kind == .label, !isHelper {
                    // A given value for a class label.
                    families[existing].arities.insert(arity)
                    continue
                }
                try register(name: target.name, range: target.nameRange, arity: arity, kind: isHelper ? .helper : .model)
            }
        }
    }

    private func register(name: String, range: SourceRange, arity: Int, kind: Family.Kind) throws {
        if sizes[name] != nil {
            throw WorksheetError(.definedTwice, "\(name) is already a size (\(lineOf(sizes[name]!.range)))", at: range, in: source)
        }
        if let existing = familyByName[name] {
            let f = families[existing]
            if f.kind != kind {
                func word(_ k: Family.Kind) -> String {
                    switch k {
                    case .model: return "a model quantity"
                    case .helper: return "a helper (let)"
                    case .label: return "a class label"
                    }
                }
                throw WorksheetError(
                    .invalid, "\(name) is \(word(f.kind)) (\(lineOf(f.firstRange))), here it is \(word(kind)); one name has one kind",
                    at: range, in: source)
            }
            families[existing].arities.insert(arity)
            return
        }
        familyByName[name] = families.count
        families.append(Family(name: name, arities: [arity], kind: kind, firstRange: range))
    }

    /// "1 index", "0 or 1 indices".
    func aritiesText(_ family: Int) -> String {
        let a = families[family].arities.sorted()
        let numbers = a.map(String.init).joined(separator: " or ")
        return "\(numbers) \(a == [1] ? "index" : "indices")"
    }

    /// How a bracketed reference splits: the element's indices, then entries. Brackets name a
    /// family member when the family has members with that many indices; otherwise they are an
    /// entry of the name's index-free element.
    func splitGroups(_ family: Int, _ groups: [[Expr]], _ range: SourceRange) throws -> (indices: [Expr], entries: ArraySlice<[Expr]>) {
        let f = families[family]
        if let first = groups.first, first.count > 0, f.arities.contains(first.count) {
            return (first, groups.dropFirst())
        }
        if f.arities.contains(0) && f.kind != .label { return ([], groups[...]) }
        let count = groups.first?.count ?? 0
        throw WorksheetError(.invalid, "\(f.name) is a family over \(aritiesText(family)), here it has \(count)", at: range, in: source)
    }

    /// Whether an expression mentions any of `names`.
    func mentions(_ e: Expr, _ names: Set<String>) -> Bool {
        switch e.kind {
        case .number: return false
        case .name(let n): return names.contains(n)
        case .call(_, _, let args): return args.contains { mentions($0, names) }
        case .subscripted(let b, let g): return mentions(b, names) || g.contains { mentions($0, names) }
        case .negate(let a), .transpose(let a): return mentions(a, names)
        case .binary(_, let a, let b): return mentions(a, names) || mentions(b, names)
        case .reduction(_, _, _, let l, let u, let body): return mentions(l, names) || mentions(u, names) || mentions(body, names)
        case .matrix(let rows): return rows.contains { $0.contains { mentions($0, names) } }
        }
    }

    // MARK: - Statements

    func resolveStatements(_ syntax: [StatementSyntax]) throws {
        for s in syntax {
            let line = source.position(of: s.range.lowerBound).line
            var scope = Scope()
            var ranges: [ForRange] = []
            for r in s.ranges {
                try checkNewIndex(r.variable, r.variableRange, scope)
                let lower = try resolveIndex(r.lower, scope: scope, allowLabels: false, what: "a range bound")
                let upper = try r.upper.map { try resolveIndex($0, scope: scope, allowLabels: false, what: "a range bound") }
                let slot = scope.slotNames.count
                scope.slotNames.append(r.variable)
                scope.slots[r.variable] = slot
                ranges.append(
                    ForRange(
                        slot: slot, lower: lower, upper: upper,
                        range: r.variableRange.lowerBound..<(r.upper ?? r.lower).range.upperBound))
            }
            scope.forSlots = scope.slotNames.count
            let index = statements.count
            switch s.kind {
            case .size:
                continue
            case .declaration(let isParameter, let decls):
                for d in decls {
                    let family = familyByName[d.name]!
                    var indices: [IndexExpr] = []
                    var dims: [Expr] = []
                    var dimsRange: SourceRange?
                    let forNames = Set(s.ranges.map(\.variable))
                    if d.labelRange != nil {
                        if let g = d.groups.first {
                            indices = try g.map { try resolveIndex($0, scope: scope, allowLabels: false, what: "an index") }
                        }
                    } else if declarationArity(d, forNames) > 0 {
                        indices = try d.groups[0].map { try resolveIndex($0, scope: scope, allowLabels: false, what: "an index") }
                        if d.groups.count == 2 { dims = d.groups[1]; dimsRange = d.groupRanges[1] }
                    } else if let g = d.groups.first {
                        dims = g; dimsRange = d.groupRanges[0]
                    }
                    if dims.count > 2 {
                        throw WorksheetError(.syntax, "dimensions are [n] for a column or [m, n] for a matrix", at: dimsRange!, in: source)
                    }
                    let dimensions = try dims.map { try resolveIndex($0, scope: scope, allowLabels: false, what: "a dimension") }
                    var bounds: (IndexExpr, IndexExpr)?
                    if let l = d.labelRange {
                        bounds = (
                            try resolveIndex(l.lower, scope: scope, allowLabels: false, what: "a label bound"),
                            try resolveIndex(l.upper, scope: scope, allowLabels: false, what: "a label bound")
                        )
                    }
                    let role: DeclarationInfo.Role = bounds != nil ? .label : (isParameter ? .parameter : .input)
                    let info = DeclarationInfo(
                        role: role, dimensions: dimensions, dimensionsRange: dimsRange,
                        labelBounds: bounds.map { (lower: $0.0, upper: $0.1) })
                    statements.append(
                        Statement(
                            index: statements.count, kind: .declaration, range: s.range, line: line,
                            slotNames: scope.slotNames, ranges: ranges, family: family, target: indices,
                            body: nil, numerator: nil, denominator: nil, text: "", declaration: info,
                            targetRange: d.range))
                }
            case .assignment(let isHelper, let target, let bodySyntax):
                let family = familyByName[target.name]!
                let indices = try (target.groups.first ?? []).map {
                    try resolveIndex($0, scope: scope, allowLabels: false, what: "an index")
                }
                let isLabelValue = families[family].kind == .label
                scope.isModelDefinition = !isHelper && !isLabelValue
                let body = try resolveValue(bodySyntax, scope: &scope)
                let kind: Statement.Kind = isHelper ? .helper : (isLabelValue ? .value : .definition)
                statements.append(
                    Statement(
                        index: index, kind: kind, range: s.range, line: line, slotNames: scope.slotNames,
                        ranges: ranges, family: family, target: indices, body: body, numerator: nil,
                        denominator: nil, text: source.text(s.range), targetRange: target.range))
            case .claim(let num, let den, let bodySyntax):
                let numerator = try resolveTarget(num, scope: scope, side: "numerator")
                let denominator = try resolveTarget(den, scope: scope, side: "denominator")
                let body = try resolveValue(bodySyntax, scope: &scope)
                let textStart = num.range.lowerBound
                statements.append(
                    Statement(
                        index: index, kind: .claim, range: s.range, line: line, slotNames: scope.slotNames,
                        ranges: ranges, family: nil, target: [], body: body, numerator: numerator,
                        denominator: denominator, text: source.text(textStart..<s.range.upperBound),
                        targetRange: num.range.lowerBound..<den.range.upperBound))
            }
        }
    }

    private func checkNewIndex(_ name: String, _ range: SourceRange, _ scope: Scope) throws {
        if scope.slots[name] != nil {
            throw WorksheetError(.definedTwice, "the index \(name) is already in use here; pick another name", at: range, in: source)
        }
        if let size = sizes[name] {
            throw WorksheetError(
                .definedTwice, "\(name) is a size (\(lineOf(size.range))); an index needs a name of its own", at: range, in: source)
        }
        if let f = familyByName[name] {
            throw WorksheetError(
                .definedTwice, "\(name) is a quantity (\(lineOf(families[f].firstRange))); an index needs a name of its own",
                at: range, in: source)
        }
    }

    private func resolveTarget(_ t: DerivativeTargetSyntax, scope: Scope, side: String) throws -> DerivativeTarget {
        guard let family = familyByName[t.name] else {
            var message = "unknown quantity '\(t.name)' in the \(side) of the derivative"
            if let guess = suggestName(t.name) { message += " (did you mean \(guess)?)" }
            throw WorksheetError(.unknownName, message, at: t.nameRange, in: source)
        }
        let f = families[family]
        switch f.kind {
        case .helper:
            throw WorksheetError(
                .invalid,
                "\(t.name) is a helper (let): helpers are your working and are never differentiated; a derivative is taken of model quantities (parameters, inputs, definitions)",
                at: t.range, in: source)
        case .label:
            throw WorksheetError(
                .invalid,
                "\(t.name) is a class label, a whole number: there is no derivative \(side == "numerator" ? "of" : "with respect to") it",
                at: t.range, in: source)
        case .model:
            break
        }
        let (indexSyntax, entryGroups) = try splitGroups(family, t.groups, t.range)
        let indices = try indexSyntax.map { try resolveIndex($0, scope: scope, allowLabels: false, what: "an index") }
        var groups = entryGroups
        var entry: [IndexExpr]?
        if let g = groups.popFirst() {
            if g.count > 2 { throw WorksheetError(.syntax, "an entry has one or two indices", at: t.range, in: source) }
            entry = try g.map { try resolveIndex($0, scope: scope, allowLabels: true, what: "an entry") }
        }
        if !groups.isEmpty {
            throw WorksheetError(
                .syntax, "too many brackets: an entry is written \(t.name)[…][i] or \(t.name)[i,j]", at: t.range, in: source)
        }
        return DerivativeTarget(
            family: family, indices: indices, entry: entry, range: t.range, text: source.text(t.nameRange.lowerBound..<t.range.upperBound))
    }

    // MARK: - Names

    func suggestName(_ name: String) -> String? {
        let candidates = Array(sizes.keys) + families.map(\.name)
        return closest(name, candidates)
    }

    // MARK: - Index expressions

    /// Resolves a whole-number expression: numbers, sizes, indices, + − *, and (where allowed)
    /// class labels.
    func resolveIndex(_ e: Expr, scope: Scope, allowLabels: Bool, what: String) throws -> IndexExpr {
        try resolveIndexTree(e, scope: scope, allowLabels: allowLabels, what: what).simplified
    }

    private func resolveIndexTree(_ e: Expr, scope: Scope, allowLabels: Bool, what: String) throws -> IndexExpr {
        switch e.kind {
        case .number(let v, _):
            guard v == v.rounded(), abs(v) < 1e15 else {
                throw WorksheetError(.invalid, "\(what) must be a whole number, got \(source.text(e.range))", at: e.range, in: source)
            }
            return .constant(Int(v))
        case .name(let n):
            if let slot = scope.slots[n] { return .slot(slot) }
            if let size = sizes[n] { return .constant(size.value) }
            if let f = familyByName[n] {
                if families[f].kind == .label && families[f].arities.contains(0) {
                    guard allowLabels else { throw labelNotHere(n, e.range, what) }
                    return .label(family: f, indices: [])
                }
                throw WorksheetError(
                    .invalid, "\(what) must be a whole number; \(n) is a quantity with values, not an index or a size",
                    at: e.range, in: source)
            }
            var message = "unknown name '\(n)' in \(what)"
            let candidates = Array(scope.slots.keys) + Array(sizes.keys)
            if let guess = closest(n, candidates) { message += " (did you mean \(guess)?)" }
            throw WorksheetError(.unknownName, message, at: e.range, in: source)
        case .subscripted(let base, let group):
            if case .name(let n) = base.kind, let f = familyByName[n], families[f].kind == .label {
                guard allowLabels else { throw labelNotHere(n, e.range, what) }
                guard families[f].arities.contains(group.count) else {
                    throw WorksheetError(
                        .invalid, "\(n) is a family over \(aritiesText(f)), here it has \(group.count)", at: e.range, in: source)
                }
                let indices = try group.map { try resolveIndex($0, scope: scope, allowLabels: false, what: "an index") }
                return .label(family: f, indices: indices)
            }
            throw WorksheetError(
                .invalid,
                "\(what) must be a whole number made of numbers, sizes and indices with + − *; \(source.text(e.range)) is a value",
                at: e.range, in: source)
        case .negate(let a):
            return .negate(try resolveIndexTree(a, scope: scope, allowLabels: allowLabels, what: what))
        case .binary(let op, let a, let b):
            let l = try resolveIndexTree(a, scope: scope, allowLabels: allowLabels, what: what)
            let r = try resolveIndexTree(b, scope: scope, allowLabels: allowLabels, what: what)
            switch op {
            case .add: return .add(l, r)
            case .subtract: return .subtract(l, r)
            case .multiply: return .multiply(l, r)
            default:
                throw WorksheetError(
                    .invalid, "\(what) is whole-number arithmetic: + − * only (found \(op.rawValue))", at: e.range, in: source)
            }
        default:
            throw WorksheetError(
                .invalid, "\(what) must be a whole number made of numbers, sizes and indices with + − *", at: e.range, in: source)
        }
    }

    private func labelNotHere(_ name: String, _ range: SourceRange, _ what: String) -> WorksheetError {
        WorksheetError(
            .invalid, "the class label \(name) cannot be used in \(what); a label may pick an entry (p[t][\(name)…]) or go into onehot(…)",
            at: range, in: source)
    }

    // MARK: - Value expressions

    func makeNode(_ kind: NodeKind, _ range: SourceRange) -> NodeID { builder.add(kind, range) }
    func index(_ e: IndexExpr) -> IndexID { builder.add(e) }
    func list(_ items: [IndexExpr]) -> IndexList { builder.list(items) }

    func resolveValue(_ e: Expr, scope: inout Scope) throws -> NodeID {
        switch e.kind {
        case .number(let v, _):
            return makeNode(.number(v), e.range)
        case .name(let n):
            if let slot = scope.slots[n] { return makeNode(.integer(index(.slot(slot))), e.range) }
            if let size = sizes[n] { return makeNode(.integer(index(.constant(size.value))), e.range) }
            if let f = familyByName[n] {
                let family = families[f]
                if !family.arities.contains(0) {
                    let a = family.arities.min() ?? 1
                    throw WorksheetError(
                        .invalid,
                        "\(n) is a family over \(aritiesText(f)); name one element, e.g. \(n)[\(Array(["t", "k", "l", "m", "n", "p"].prefix(a)).joined(separator: ","))]",
                        at: e.range, in: source)
                }
                if family.kind == .label { return makeNode(.integer(index(.label(family: f, indices: []))), e.range) }
                try checkHelperUse(f, e.range, scope)
                return makeNode(.reference(family: f, indices: list([])), e.range)
            }
            if functionNames.contains(n) {
                throw WorksheetError(.invalid, "\(n) is a function: write \(n)(…)", at: e.range, in: source)
            }
            var message = "unknown name '\(n)'"
            if let guess = closest(n, Array(scope.slots.keys) + Array(sizes.keys) + families.map(\.name)) {
                message += " (did you mean \(guess)?)"
            } else {
                message += ": declare it (param, input, size), define it (\(n) = …) or bind it as an index (for \(n) = …)"
            }
            throw WorksheetError(.unknownName, message, at: e.range, in: source)
        case .subscripted:
            // h[t][i]: the groups in order, each with the range of the expression up to it.
            var chain: [(group: [Expr], range: SourceRange)] = []
            var base = e
            while case .subscripted(let inner, let g) = base.kind {
                chain.insert((g, base.range), at: 0)
                base = inner
            }
            let groups = chain.map(\.group)
            var node: NodeID
            var rest = groups[...]
            if case .name(let n) = base.kind, let f = familyByName[n] {
                let family = families[f]
                let (indexSyntax, entryGroups) = try splitGroups(f, groups, e.range)
                rest = entryGroups
                let indices = try indexSyntax.map { try resolveIndex($0, scope: scope, allowLabels: false, what: "an index of \(n)") }
                if family.kind == .label {
                    if !rest.isEmpty {
                        throw WorksheetError(.invalid, "\(n) is a class label, a whole number without entries", at: e.range, in: source)
                    }
                    return makeNode(.integer(index(.label(family: f, indices: indices))), e.range)
                }
                try checkHelperUse(f, e.range, scope)
                node = makeNode(.reference(family: f, indices: list(indices)), indexSyntax.isEmpty ? base.range : chain[0].range)
            } else {
                if case .name(let n) = base.kind, scope.slots[n] != nil || sizes[n] != nil {
                    throw WorksheetError(
                        .invalid, "\(n) is a whole number (an index or a size) and has no entries", at: e.range, in: source)
                }
                node = try resolveValue(base, scope: &scope)
            }
            for (position, g) in zip(rest.indices, rest) {
                if g.count > 2 {
                    throw WorksheetError(
                        .syntax, "an entry has one index (a vector) or two (a matrix)", at: chain[position].range, in: source)
                }
                let indices = try g.map { try resolveIndex($0, scope: scope, allowLabels: true, what: "an entry") }
                node = makeNode(.entry(node, list(indices)), chain[position].range)
            }
            return node
        case .call(let name, let nameRange, let args):
            return try resolveCall(name, nameRange, args, e.range, scope: &scope)
        case .negate(let a):
            return makeNode(.negate(try resolveValue(a, scope: &scope)), e.range)
        case .transpose(let a):
            return makeNode(.transpose(try resolveValue(a, scope: &scope)), e.range)
        case .binary(let op, let a, let b):
            let l = try resolveValue(a, scope: &scope)
            let r = try resolveValue(b, scope: &scope)
            return makeNode(.binary(op, l, r), e.range)
        case .reduction(let kind, let variable, let variableRange, let lowerSyntax, let upperSyntax, let bodySyntax):
            try checkNewIndex(variable, variableRange, scope)
            let lower = try resolveIndex(lowerSyntax, scope: scope, allowLabels: false, what: "a range bound")
            let upper = try resolveIndex(upperSyntax, scope: scope, allowLabels: false, what: "a range bound")
            let slot = scope.slotNames.count
            scope.slotNames.append(variable)
            scope.slots[variable] = slot
            let body = try resolveValue(bodySyntax, scope: &scope)
            scope.slots[variable] = nil
            return makeNode(.reduction(kind, slot: slot, lower: index(lower), upper: index(upper), body: body), e.range)
        case .matrix(let rows):
            let width = rows[0].count
            var values: [Double] = []
            for row in rows {
                guard row.count == width else {
                    throw WorksheetError(
                        .shape, "every row of a matrix needs the same number of entries (the first has \(width), this one \(row.count))",
                        at: row.first?.range ?? e.range, in: source)
                }
                for entry in row { values.append(try constantNumber(entry)) }
            }
            return makeNode(.literal(builder.literal(Matrix(rows: rows.count, cols: width, storage: values))), e.range)
        }
    }

    private func checkHelperUse(_ family: Int, _ range: SourceRange, _ scope: Scope) throws {
        if scope.isModelDefinition && families[family].kind == .helper {
            throw WorksheetError(
                .invalid,
                "\(families[family].name) is a helper (let): a model definition may use only model quantities (parameters, inputs, definitions); helpers are your working, never part of the computation",
                at: range, in: source)
        }
    }

    /// A number written with numbers, sizes and + − * / ^ (an entry of a matrix literal).
    private func constantNumber(_ e: Expr) throws -> Double {
        switch e.kind {
        case .number(let v, _): return v
        case .name(let n):
            if let s = sizes[n] { return Double(s.value) }
        case .negate(let a): return -(try constantNumber(a))
        case .binary(let op, let a, let b):
            let x = try constantNumber(a), y = try constantNumber(b)
            let v: Double
            switch op {
            case .add: v = x + y
            case .subtract: v = x - y
            case .multiply: v = x * y
            case .divide: v = x / y
            case .power: v = Double.pow(x, y)
            case .matmul: v = .nan
            }
            if v.isFinite { return v }
            throw WorksheetError(.notFinite, "this entry is not a finite number", at: e.range, in: source)
        default: break
        }
        throw WorksheetError(
            .invalid,
            "an entry of a matrix literal is a number (numbers, sizes and + − * / ^); use an expression outside the brackets for anything else",
            at: e.range, in: source)
    }

    private func resolveCall(
        _ name: String, _ nameRange: SourceRange, _ args: [Expr], _ range: SourceRange,
        scope: inout Scope
    ) throws -> NodeID {
        func arity(_ n: ClosedRange<Int>, _ usage: String) throws {
            guard n.contains(args.count) else {
                throw WorksheetError(
                    .invalid,
                    "\(name) takes \(n.lowerBound == n.upperBound ? "\(n.lowerBound)" : "\(n.lowerBound) or \(n.upperBound)") argument\(n.upperBound == 1 ? "" : "s"): \(usage)",
                    at: range, in: source)
            }
        }
        switch name {
        case "tanh", "sigmoid", "σ", "relu", "exp", "log", "sqrt", "softmax", "diag", "sum", "Σ":
            try arity(1...1, "\(name)(x)" + (name == "sum" || name == "Σ" ? ", or \(name)(i = a..b, expr)" : ""))
            let f: Function
            switch name {
            case "tanh": f = .tanh
            case "sigmoid", "σ": f = .sigmoid
            case "relu": f = .relu
            case "exp": f = .exp
            case "log": f = .log
            case "sqrt": f = .sqrt
            case "softmax": f = .softmax
            case "diag": f = .diag
            default: f = .sumAll
            }
            return makeNode(.function(f, try resolveValue(args[0], scope: &scope)), range)
        case "prod", "∏":
            throw WorksheetError(
                .syntax, "\(name) is written \(name)(i = a..b, expr): a matrix product over a range, highest index on the left",
                at: range, in: source)
        case "I":
            try arity(1...1, "I(n), the n×n identity")
            return makeNode(.identity(index(try resolveIndex(args[0], scope: scope, allowLabels: false, what: "a dimension"))), range)
        case "ones", "zeros":
            try arity(1...2, "\(name)(m, n) or \(name)(m) for a column")
            let m = try resolveIndex(args[0], scope: scope, allowLabels: false, what: "a dimension")
            let n =
                args.count == 2 ? try resolveIndex(args[1], scope: scope, allowLabels: false, what: "a dimension") : IndexExpr.constant(1)
            return makeNode(.filled(name == "ones" ? 1 : 0, index(m), index(n)), range)
        case "onehot":
            try arity(2...2, "onehot(c, n), the n×1 column with a one in entry c")
            let c = try resolveIndex(args[0], scope: scope, allowLabels: true, what: "the class of onehot")
            let n = try resolveIndex(args[1], scope: scope, allowLabels: false, what: "a dimension")
            return makeNode(.onehot(index(c), index(n)), range)
        default:
            if familyByName[name] != nil {
                throw WorksheetError(
                    .invalid, "\(name) is a quantity, not a function: index it with \(name)[…], multiply with @ or *",
                    at: nameRange, in: source)
            } else if sizes[name] != nil || scope.slots[name] != nil {
                throw WorksheetError(
                    .invalid, "\(name) is a number, not a function: write \(name) * (…) for a product", at: nameRange, in: source)
            }
            var message = "unknown function '\(name)'"
            if let guess = closest(name, functionNames) { message += " (did you mean \(guess)?)" }
            message += "; the functions are tanh, sigmoid (σ), relu, exp, log, sqrt, softmax, sum, prod, diag, I, onehot, ones, zeros"
            throw WorksheetError(.unknownName, message, at: nameRange, in: source)
        }
    }
}

/// The candidate closest to `word` by edit distance, when close enough to be a likely typo.
func closest(_ word: String, _ candidates: [String]) -> String? {
    let w = Array(word.lowercased())
    var best: (String, Int)?
    for c in Set(candidates).sorted() {
        let d = editDistance(w, Array(c.lowercased()))
        if best == nil || d < best!.1 { best = (c, d) }
    }
    guard let (candidate, distance) = best, distance > 0 || candidate != word else { return nil }
    // A one- or two-letter name is as close to every other short name as to the one meant.
    if max(candidate.count, word.count) <= 2 { return distance == 0 ? candidate : nil }
    let limit = max(1, min(3, max(candidate.count, word.count) / 3))
    return distance <= limit ? candidate : nil
}
