// swift-format-ignore-file: OrderedImports
// (the example's own imports stay in its region, which is the page's code to the letter)
// BEGIN docs/library.md example (Example.swift) — this region is the page's code, to the letter.
import Autodiff
import GradCheck

/// L(W) = Σ_i tanh((W x)_i): one tanh layer with weight W (2, 3) and a fixed input x (3, 1).
func exampleLoss(_ w: Matrix<Double>, _ x: Matrix<Double>) -> Double {
    (w * x).map { Double.tanh($0) }.sum()
}

/// ∂L/∂W two ways, each checked against finite differences: by the autodiff tape, and by
/// hand with a classic slip (tanh'(z) written 1 − z² instead of 1 − tanh²(z)).
func exampleGradientChecks() -> (autodiff: GradientCheckReport, slip: GradientCheckReport) {
    var rng = SeededGenerator(seed: 7)
    let w = Matrix<Double>.random(2, 3, using: &rng)
    let x = Matrix<Double>.random(3, 1, using: &rng)

    let tape = Tape<Double>()
    let wv = tape.variable(w)
    tape.backward(wv.matmul(tape.constant(x)).tanh().sum())
    let autodiff = tape.gradient(of: wv)

    let slip = (w * x).map { 1 - $0 * $0 } * x.transposed  // (2, 1) · (1, 3)

    func check(_ gradient: Matrix<Double>, _ method: String) -> GradientCheckReport {
        checkGradients(
            [NamedGradient(name: "∂L/∂W", parameter: w, gradient: gradient)], method: method,
            title: "\(method) vs finite differences", options: .finiteDifferencesStrict
        ) { theta in
            exampleLoss(theta[0], x)
        }
    }
    return (check(autodiff, "autodiff"), check(slip, "by hand, 1 − z²"))
}

/// What the example prints: both reports as tables.
func exampleOutput() -> String {
    let reports = exampleGradientChecks()
    return reports.autodiff.table() + "\n\n" + reports.slip.table()
}
// END docs/library.md example

import Foundation
import XCTest

// LibraryExampleTests.swift — the example of docs/library.md ("use it as a library") is the
// code above, compiled and run here: the page's Example.swift block must equal the region
// between the BEGIN and END lines of this file, and its output block must equal what
// `exampleOutput()` returns, so the page cannot drift from the code.

final class LibraryExampleTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let page = packageRoot.appendingPathComponent("docs/library.md")

    /// The lines strictly between the line starting with `begin` and the next starting with `end`.
    static func region(of text: String, from begin: String, to end: String) -> String? {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix(begin) }),
            let stop = lines[(start + 1)...].firstIndex(where: { $0.hasPrefix(end) })
        else { return nil }
        return lines[(start + 1)..<stop].joined(separator: "\n")
    }

    /// The fenced block that follows the line `<!-- marker -->` in a Markdown page.
    static func block(of page: String, marker: String) -> String? {
        guard let after = page.range(of: "<!-- \(marker) -->\n") else { return nil }
        return region(of: String(page[after.upperBound...]), from: "```", to: "```")
    }

    /// nil when `documented` is `code`; otherwise the first differing line, both versions.
    static func drift(documented: String, code: String) -> String? {
        let d = documented.components(separatedBy: "\n"), c = code.components(separatedBy: "\n")
        for i in 0..<max(d.count, c.count) where i >= d.count || i >= c.count || d[i] != c[i] {
            return "line \(i + 1): page has \(i < d.count ? "\"\(d[i])\"" : "nothing"), code has \(i < c.count ? "\"\(c[i])\"" : "nothing")"
        }
        return nil
    }

    func pageAndSource() throws -> (page: String, example: String) {
        let page = try String(contentsOf: Self.page, encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let example = try XCTUnwrap(Self.region(of: source, from: "// BEGIN docs/library.md example", to: "// END docs/library.md example"))
        return (page, example)
    }

    func testThePagesExampleIsTheCodeCompiledHere() throws {
        let (page, example) = try pageAndSource()
        let documented = try XCTUnwrap(
            Self.block(of: page, marker: "file: Sources/GradientCheckClient/Example.swift"),
            "docs/library.md has no Example.swift block")
        XCTAssertNil(Self.drift(documented: documented, code: example), "docs/library.md and LibraryExampleTests.swift differ")
    }

    func testThePagesOutputIsWhatTheExamplePrints() throws {
        let (page, _) = try pageAndSource()
        let documented = try XCTUnwrap(Self.block(of: page, marker: "output"), "docs/library.md has no output block")
        XCTAssertNil(Self.drift(documented: documented, code: exampleOutput()), "the output shown in docs/library.md is stale")
    }

    func testADriftedPageIsCaught() throws {
        let (_, example) = try pageAndSource()
        let edited = example.replacingOccurrences(of: "seed: 7", with: "seed: 8")
        XCTAssertNotEqual(edited, example)
        XCTAssertNotNil(Self.drift(documented: edited, code: example))
        XCTAssertNotNil(Self.drift(documented: example + "\n", code: example))
        XCTAssertNil(Self.drift(documented: example, code: example))
    }

    func testTheAutodiffGradientPassesAndTheSlipIsCaught() {
        let reports = exampleGradientChecks()
        XCTAssertTrue(reports.autodiff.passed, reports.autodiff.failureMessage)
        XCTAssertLessThanOrEqual(reports.autodiff.maxRelativeError, GradCheckOptions.finiteDifferenceBound)
        XCTAssertFalse(reports.slip.passed, "the 1 − z² slip went unnoticed")
    }
}
