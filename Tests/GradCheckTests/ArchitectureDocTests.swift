// ArchitectureDocTests.swift — docs/architecture.md says what Package.swift declares.
//
// Reads the targets and their dependencies from Package.swift (test targets left out), then
// checks the page's dependency table (every module, every declared dependency, nothing else)
// and its picture: the boxes are the modules, and the arrows are the declared dependencies
// without the ones a path of other arrows already implies (the transitive reduction).

import Foundation
import XCTest

final class ArchitectureDocTests: XCTestCase {
    typealias Graph = [String: Set<String>]

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    // MARK: - Package.swift

    /// Every `.target(…)` and `.executableTarget(…)` of a manifest with its `dependencies: [...]`
    /// (string dependencies only, which is all this package uses).
    static func declaredTargets(manifest: String) -> Graph {
        var graph: Graph = [:]
        let text = Array(manifest)
        var i = 0
        while i < text.count {
            guard let call = [".target(", ".executableTarget("].first(where: { matches(text, at: i, $0) }) else { i += 1; continue }
            // The call's arguments run to its matching parenthesis.
            var depth = 0, j = i + call.count - 1
            repeat {
                if text[j] == "(" || text[j] == "[" { depth += 1 }
                if text[j] == ")" || text[j] == "]" { depth -= 1 }
                j += 1
            } while depth > 0 && j < text.count
            let arguments = String(text[i..<j])
            if let name = firstMatch(#"name:\s*"([^"]+)""#, in: arguments) {
                var dependencies = Set<String>()
                if let list = firstMatch(#"dependencies:\s*\[([^\]]*)\]"#, in: arguments) {
                    dependencies = Set(allMatches(#""([^"]+)""#, in: list))
                }
                graph[name] = dependencies
            }
            i = j
        }
        return graph
    }

    static func matches(_ text: [Character], at i: Int, _ word: String) -> Bool {
        i + word.count <= text.count && String(text[i..<(i + word.count)]) == word
    }

    static func firstMatch(_ pattern: String, in text: String) -> String? { allMatches(pattern, in: text).first }

    static func allMatches(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    // MARK: - docs/architecture.md

    /// The rows of the page's dependency table: module → the modules in its second column.
    static func documentedTable(page: String) -> Graph {
        var graph: Graph = [:]
        guard let section = page.range(of: "## Modules and their dependencies") else { return graph }
        for line in page[section.upperBound...].components(separatedBy: "\n") {
            if line.hasPrefix("## ") { break }
            let cells = line.components(separatedBy: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4, cells[1].hasPrefix("`") else { continue }
            graph[cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = Set(allMatches("`([^`]+)`", in: cells[2]))
        }
        return graph
    }

    /// The picture's boxes (by the first word inside) and arrows: from a `┬` on a box's bottom
    /// edge down a `│` line to a `▼` above the top edge of another box.
    static func drawnGraph(page: String) -> Graph {
        guard let open = page.range(of: "```\n"), let close = page.range(of: "\n```", range: open.upperBound..<page.endIndex)
        else { return [:] }
        let grid = page[open.upperBound..<close.lowerBound].components(separatedBy: "\n").map(Array.init)
        func at(_ r: Int, _ c: Int) -> Character { r >= 0 && r < grid.count && c >= 0 && c < grid[r].count ? grid[r][c] : " " }
        struct Box { let name: String; let top: Int, bottom: Int, left: Int, right: Int }
        var boxes: [Box] = []
        for r in grid.indices {
            for c in grid[r].indices where grid[r][c] == "┌" {
                var right = c + 1
                while at(r, right) == "─" || at(r, right) == "┴" { right += 1 }
                var bottom = r + 1
                while at(bottom, c) == "│" { bottom += 1 }
                guard at(r, right) == "┐", at(bottom, c) == "└" else { continue }
                let inside = String(grid[r + 1][(c + 1)..<right]).trimmingCharacters(in: .whitespaces)
                boxes.append(Box(name: String(inside.prefix { $0 != " " }), top: r, bottom: bottom, left: c, right: right))
            }
        }
        var graph: Graph = Dictionary(uniqueKeysWithValues: boxes.map { ($0.name, Set<String>()) })
        for box in boxes {
            for c in box.left...box.right where at(box.bottom, c) == "┬" {
                var r = box.bottom + 1
                while at(r, c) == "│" { r += 1 }
                guard at(r, c) == "▼", let target = boxes.first(where: { $0.top == r + 1 && $0.left < c && c < $0.right })
                else { graph[box.name, default: []].insert("(broken arrow at column \(c))"); continue }
                graph[box.name, default: []].insert(target.name)
            }
        }
        return graph
    }

    // MARK: - Graphs

    /// Every module reachable from `module` by one or more arrows.
    static func reachable(from module: String, in graph: Graph) -> Set<String> {
        var seen = Set<String>(), stack = Array(graph[module] ?? [])
        while let next = stack.popLast() {
            if seen.insert(next).inserted { stack += graph[next] ?? [] }
        }
        return seen
    }

    /// The dependencies that no path through another dependency implies.
    static func transitiveReduction(_ graph: Graph) -> Graph {
        graph.mapValues { deps in
            deps.filter { d in !deps.contains { other in other != d && reachable(from: other, in: graph).contains(d) } }
        }
    }

    /// One line per difference between two graphs; empty when they are equal.
    static func differences(_ documented: Graph, _ declared: Graph, what: String) -> [String] {
        var out: [String] = []
        for module in Set(documented.keys).union(declared.keys).sorted() {
            switch (documented[module], declared[module]) {
            case (nil, _): out.append("\(what) lacks module \(module)")
            case (_, nil): out.append("\(what) shows \(module), which Package.swift does not declare")
            case (let d?, let p?) where d != p:
                out.append("\(module): \(what) has \(d.sorted()), Package.swift declares \(p.sorted())")
            default: break
            }
        }
        return out
    }

    func sources() throws -> (declared: Graph, page: String) {
        let manifest = try String(contentsOf: Self.packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let page = try String(contentsOf: Self.packageRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        return (Self.declaredTargets(manifest: manifest), page)
    }

    // MARK: - Tests

    func testManifestParserReadsTheTargets() throws {
        let (declared, _) = try sources()
        XCTAssertEqual(declared["WorkbenchNumerics"], [])
        XCTAssertEqual(declared["Recurrent"], ["WorkbenchNumerics", "Autodiff", "GradCheck"])
        XCTAssertNotNil(declared["workbench"], "executable targets are read too")
        XCTAssertFalse(declared.keys.contains { $0.hasSuffix("Tests") }, "test targets are left out")
        XCTAssertGreaterThanOrEqual(declared.count, 10)
    }

    func testTheTableListsEveryModuleAndDependencyPackageSwiftDeclares() throws {
        let (declared, page) = try sources()
        let problems = Self.differences(Self.documentedTable(page: page), declared, what: "the table")
        XCTAssertTrue(problems.isEmpty, "docs/architecture.md is out of date:\n" + problems.joined(separator: "\n"))
    }

    func testThePictureDrawsEveryModuleAndTheReducedDependencies() throws {
        let (declared, page) = try sources()
        let problems = Self.differences(Self.drawnGraph(page: page), Self.transitiveReduction(declared), what: "the picture")
        XCTAssertTrue(problems.isEmpty, "docs/architecture.md's picture is out of date:\n" + problems.joined(separator: "\n"))
    }

    func testADriftedManifestOrPageIsCaught() throws {
        let (declared, page) = try sources()
        var moreDependencies = declared
        moreDependencies["Poetry", default: []].insert("Recurrent")
        XCTAssertFalse(Self.differences(Self.documentedTable(page: page), moreDependencies, what: "the table").isEmpty)
        XCTAssertFalse(
            Self.differences(Self.drawnGraph(page: page), Self.transitiveReduction(moreDependencies), what: "the picture").isEmpty)
        var newModule = declared
        newModule["Worksheet"] = ["WorkbenchNumerics"]
        XCTAssertFalse(Self.differences(Self.documentedTable(page: page), newModule, what: "the table").isEmpty)
        XCTAssertFalse(Self.differences(Self.drawnGraph(page: page), Self.transitiveReduction(newModule), what: "the picture").isEmpty)
        let editedRow = page.replacingOccurrences(
            of: "| `Poetry` | `WorkbenchNumerics`, `PoemEngine`, `Plotting` |",
            with: "| `Poetry` | `WorkbenchNumerics`, `PoemEngine` |")
        XCTAssertNotEqual(editedRow, page)
        XCTAssertFalse(Self.differences(Self.documentedTable(page: editedRow), declared, what: "the table").isEmpty)
    }

    func testTransitiveReductionDropsImpliedEdgesOnly() {
        let graph: Graph = ["a": ["b", "c"], "b": ["c"], "c": [], "d": ["c"]]
        XCTAssertEqual(Self.transitiveReduction(graph), ["a": ["b"], "b": ["c"], "c": [], "d": ["c"]])
    }
}
