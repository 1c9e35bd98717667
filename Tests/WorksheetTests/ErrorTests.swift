// ErrorTests.swift — every kind of static error, each with its line and column, found before
// anything is evaluated; and the one error found while evaluating (a value that is not finite).

import XCTest

@testable import Worksheet

final class ErrorTests: XCTestCase {
    func testSyntaxErrors() {
        assertStaticError("size H = 4\nparam U[H,H] $\n", .syntax, line: 2, column: 14, mentions: "unexpected character")
        // An unclosed bracket is named where it opens, not where the next statement was swallowed.
        assertStaticError(
            "size H = 2\nparam U[H,H]\ninput x[H]\nh = tanh(U @ x\nL = sum(h)\n", .syntax, line: 4, column: 9,
            mentions: "never closed")
        assertStaticError("size H = 2\nparam U[H,H]\nclaim L/dU = U\n", .syntax, line: 3, column: 7, mentions: "dA or ∂A")
        assertStaticError("param U[2,2]\nz = U @ for\n", .syntax, line: 2, column: 9, mentions: "for")
        assertStaticError(
            "param U[2,2]\nz = (((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((U)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))\n",
            .syntax, line: 2, column: 71, mentions: "nested too deeply")
        assertStaticError("size T = 1\nfor t = 1..T\n", .syntax, line: 2, column: 1, mentions: "for")
        assertStaticError("param U[2,2]\nU = [1, 2; 3]\n", .shape, line: 2, column: 12, mentions: "same number of entries")
    }

    func testUnknownNames() {
        assertStaticError("size H = 2\nparam U[H,H]\nz = U @ v\n", .unknownName, line: 3, column: 9, mentions: "unknown name 'v'")
        assertStaticError("size Hidden = 2\nparam U[Hiden,Hidden]\n", .unknownName, line: 2, column: 9, mentions: "did you mean Hidden?")
        assertStaticError("param U[2,2]\ninput x[2]\nz = tahn(U @ x)\n", .unknownName, line: 3, column: 5, mentions: "did you mean tanh?")
        assertStaticError("param U[2,2]\nclaim dL/dU = U\n", .unknownName, line: 2, column: 8, mentions: "unknown quantity 'L'")
    }

    func testShapeMismatches() {
        let text = """
            size H = 4, D = 3, T = 2
            param U[H,H]
            input x[t][D] for t = 1..T
            z[t] = U @ x[t]        for t = 1..T
            """
        assertStaticError(text, .shape, line: 4, column: 8, mentions: "`U @ x[t]` multiplies 4×4 by 3×1")
        assertStaticError("param U[4,4]\ninput x[3]\nz = U * x\n", .shape, line: 3, column: 5, mentions: "element-wise")
        assertStaticError("input x[3], y[4]\nz = x + y\n", .shape, line: 2, column: 5, mentions: "adds 3×1 and 4×1")
        assertStaticError(
            "param W[3,2]\ninput x[2]\nL = sum(W @ x)\nclaim dL/dW = x\n", .shape, line: 4, column: 15,
            mentions: "dL/dW is 3×2")
        assertStaticError("param U[2,2]\nz = softmax(U)\n", .shape, line: 2, column: 5, mentions: "softmax takes a column")
        assertStaticError("param W[3,2]\nW = [1, 2, 3; 4, 5, 6]\n", .shape, line: 2, column: 5, mentions: "declared 3×2")
    }

    func testElementsDefinedTwice() {
        assertStaticError(
            "size T = 3\ninput h[0][2]\nh[t] = 2 * h[t-1] for t = 1..T\nh[2] = h[1]\n", .definedTwice, line: 4, column: 1,
            mentions: "h[2] is already defined on line 3")
        assertStaticError(
            "size T = 3\ninput h[0][2]\nh[t] = 2 * h[t-1] + 1 for t = 0..T\n", .definedTwice, line: 3, column: 1,
            mentions: "h[0] is already declared as an input on line 2")
        assertStaticError("size H = 2, H = 3\n", .definedTwice, line: 1, column: 13, mentions: "already defined")
    }

    func testElementsUsedButNeverDefined() {
        assertStaticError(
            "size T = 3\nparam U[2,2]\nh[t] = U @ h[t-1] for t = 1..T\n", .undefined, line: 3, column: 12,
            mentions: "h[0] is used but never defined")
        assertStaticError(
            "size T = 2\ninput h[0][2]\nh[t] = h[t-1] for t = 1..T\nclaim dh[3]/dh[0] = I(2)\n", .undefined, line: 4, column: 7,
            mentions: "h[3] is used but never defined")
    }

    func testCycles() {
        assertStaticError("param U[2,2]\na = U @ b\nb = tanh(a)\n", .cycle, line: 2, column: 9, mentions: "a → b → a")
        assertStaticError(
            "size T = 3\ninput x[2]\nh[t] = tanh(h[t+1]) for t = 1..T\nh[4] = h[1] + x\n", .cycle, line: 3, column: 13,
            mentions: "→")
    }

    func testIndicesOutOfRange() {
        assertStaticError("size H = 4\ninput x[H]\ny = x[5]\n", .indexRange, line: 3, column: 5, mentions: "entry 5 is outside 1…4")
        assertStaticError("size H = 4\nparam U[H,H]\ny = U[2, 0]\n", .indexRange, line: 3, column: 5, mentions: "column 0")
        assertStaticError("size C = 3\ninput y : 1..4\np = onehot(y, C)\n", .indexRange, line: 3, column: 5, mentions: "onehot")
        assertStaticError(
            "size H = 4\nparam b[H]\nL = sum(b)\nclaim dL/db[i] = 1 for i = 1..H+1\n", .indexRange, line: 4, column: 10,
            mentions: "entry 5 is outside 1…4")
        assertStaticError(
            "size T = 3\ninput x[t][2] for t = 1..T\nL = sum(x[1])\nclaim dL/dx[t] = ones(2, 1) for t = 2..1\n",
            .indexRange, line: 4, column: 1, mentions: "no instances")
    }

    func testStatementsThatAreNotAllowed() {
        assertStaticError("param U[2,2]\nlet d = U\nz = d * 2\n", .invalid, line: 3, column: 5, mentions: "helper")
        assertStaticError("param U[2,2]\nlet d = U\nclaim dd/dU = I(2)\n", .invalid, line: 3, column: 7, mentions: "never differentiated")
        assertStaticError(
            "size C = 3\ninput y : 1..C\nparam u[C]\nL = u[y]\nclaim dL/dy = 0\n", .invalid, line: 5, column: 10,
            mentions: "class label")
        assertStaticError(
            "size T = 2\ninput h[0][2]\nh[t] = h[t-1] for t = 1..T\nL = sum(h)\n", .invalid, line: 4, column: 9,
            mentions: "family over 1 index")
        // A line starting with `for` continues the statement before it (whose `for` clause it is).
        assertStaticError("param U[2,2]\nfor = U\n", .syntax, line: 2, column: 5, mentions: "index name")
    }

    func testTooLarge() {
        assertStaticError("size N = 100000000\ninput x[N]\n", .tooLarge, line: 2, column: 8)
        assertStaticError("size T = 100000000\ninput x[t][2] for t = 1..T\n", .tooLarge, line: 2, column: 19, mentions: "t = 1..100000000")
    }

    func testErrorDescriptionQuotesTheLineWithACaret() throws {
        let error = try XCTUnwrap(staticError("size H = 4, D = 3\nparam U[H,H]\ninput x[D]\nz = U @ x   # the product\n"))
        let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(
            lines[0],
            "bad.grad, line 4, column 5: `U @ x` multiplies 4×4 by 3×1: the columns of the left (4) must equal the rows of the right (3)")
        XCTAssertEqual(lines[1], "    4 | z = U @ x   # the product")
        XCTAssertEqual(lines[2], "      |     ^~~~~")
    }

    func testNothingIsEvaluatedBeforeTheStaticChecksPass() {
        // The shape error on line 4 is found although line 3 would not be finite.
        assertStaticError("input x[2]\nx = [-1; -2]\ny = log(x)\nz = x @ x\n", .shape, line: 4, column: 5)
    }

    func testAValueThatIsNotFiniteStopsTheCheck() throws {
        let sheet = try Worksheet(text: "input x[2]\nx = [-1; -2]\ny = log(x)\nL = sum(y)\nclaim dL/dx = 1 / x\n", name: "nan.grad")
        XCTAssertThrowsError(try sheet.check()) { error in
            let e = error as? WorksheetError
            XCTAssertEqual(e?.kind, .notFinite)
            XCTAssertEqual(e?.line, 3)
            XCTAssertEqual(e?.column, 5)
            XCTAssertEqual(e?.exitStatus, 2)
        }
    }

    func testAnUnreadableFile() {
        XCTAssertThrowsError(try Worksheet(contentsOf: "/nonexistent/dir/sheet.grad")) { error in
            let e = error as? WorksheetError
            XCTAssertEqual(e?.kind, .unreadable)
            XCTAssertEqual(e?.exitStatus, 1)
            XCTAssertTrue(e?.description.contains("/nonexistent/dir/sheet.grad") == true)
        }
    }
}
