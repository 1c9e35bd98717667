// PassRuleTests.swift — the named bounds and rules of GradCheckOptions decide every verdict,
// and each turns when the value crosses its bound (or is NaN).

import GradCheck
import XCTest

final class PassRuleTests: XCTestCase {
    func testPresetsCarryTheNamedBounds() {
        XCTAssertEqual(GradCheckOptions.exact.maxRelativeError, GradCheckOptions.exactBound)
        XCTAssertEqual(GradCheckOptions.finiteDifferencesStrict.maxRelativeError, GradCheckOptions.finiteDifferenceBound)
        XCTAssertEqual(GradCheckOptions.finiteDifferencesStrict.epsilon, GradCheckOptions.fourthOrderEpsilon)
        XCTAssertEqual(GradCheckOptions.finiteDifferences.epsilon, GradCheckOptions.centralEpsilon)
        XCTAssertNil(GradCheckOptions.finiteDifferences.maxRelativeError)
    }

    func testAcceptsTurnsAtTheBoundAndNeverAcceptsNaN() {
        let exact = GradCheckOptions.exact
        XCTAssertTrue(exact.accepts(relativeError: GradCheckOptions.exactBound))
        XCTAssertFalse(exact.accepts(relativeError: GradCheckOptions.exactBound.nextUp))
        XCTAssertFalse(exact.accepts(relativeError: .nan))
        XCTAssertFalse(exact.accepts(relativeError: .infinity))
        // Without a bound only NaN is refused.
        XCTAssertTrue(GradCheckOptions.finiteDifferences.accepts(relativeError: 0.5))
        XCTAssertFalse(GradCheckOptions.finiteDifferences.accepts(relativeError: .nan))
    }

    func testRelativeErrorUsesTheFloorAndMakesNaNInfinite() {
        let o = GradCheckOptions.finiteDifferencesStrict  // relativeFloor 1e-3, absoluteFloor 1e-5
        // A tiny entry of a large gradient is measured against 1e-3 of the scale, not itself.
        XCTAssertEqual(o.relativeError(2e-6, 1e-6, scale: 10), 1e-6 / 1e-2, accuracy: 1e-15)
        XCTAssertEqual(o.relativeError(2e-6, 1e-6, scale: 1e-9), 1e-6 / 1e-5, accuracy: 1e-15)
        XCTAssertEqual(o.relativeError(2, 1, scale: 2), 0.5)
        XCTAssertEqual(o.relativeError(.nan, 1, scale: 1), .infinity)
        XCTAssertEqual(o.relativeErrorFloor(scale: 10), 1e-2)
    }

    func testSuiteRowJudgedByOptionsTurnsAtTheBound() {
        func row(_ e: Double, _ o: GradCheckOptions) -> CheckSuiteRow {
            CheckSuiteRow(family: "f", quantity: "q", methods: "m", cases: "c", maxRelativeError: e, judgedBy: o)
        }
        XCTAssertEqual(row(1e-12, .exact).verdict, .pass)
        XCTAssertEqual(row(1e-12, .exact).bound, GradCheckOptions.exactBound)
        XCTAssertEqual(row(2e-10, .exact).verdict, .fail)
        XCTAssertEqual(row(.nan, .exact).verdict, .fail)
        XCTAssertEqual(row(5e-7, .finiteDifferencesStrict).verdict, .pass)
        XCTAssertEqual(row(2e-6, .finiteDifferencesStrict).verdict, .fail)
        XCTAssertEqual(CheckSuiteReport(rows: [row(1e-12, .exact), row(2e-6, .finiteDifferencesStrict)]).verdict, .fail)
    }

    func testCompareAppliesTheHeadlineBound() {
        // Every entry passes the entry rule |a − n| ≤ atol + rtol·|n| of `.finiteDifferences`
        // (rtol 1e-3), yet the headline relative error 1e-4 exceeds the strict bound 1e-6.
        let n = Matrix<Double>([[1, 2, 3]])
        let a = n.map { $0 * (1 + 1e-4) }
        XCTAssertEqual(compare(name: "x", candidate: a, reference: n, methods: "m", options: .finiteDifferences).verdict, .pass)
        XCTAssertEqual(compare(name: "x", candidate: a, reference: n, methods: "m", options: .finiteDifferencesStrict).verdict, .fail)
    }
}
