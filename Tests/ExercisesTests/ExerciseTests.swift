import XCTest
@testable import Exercises

/// Runs an exercise and asserts it verifies, with findings that carry numbers.
func assertVerifies(_ exercise: any Exercise, minimumFindings: Int = 1, file: StaticString = #filePath, line: UInt = #line) -> ExerciseReport {
    let report = exercise.run()
    let failing = report.checks.filter { $0.status == .fail }.map { "\($0.name): \($0.measured.map { "\($0)" } ?? "-") vs \($0.bound.map { "\($0)" } ?? "-")" }
    XCTAssertTrue(report.verified, "\(report.id) failed: \(failing)", file: file, line: line)
    XCTAssertEqual(report.id, exercise.id, file: file, line: line)
    XCTAssertGreaterThanOrEqual(report.findings.count, minimumFindings, file: file, line: line)
    for finding in report.findings {
        XCTAssertFalse(finding.evidence.isEmpty, "finding without numbers: \(finding.claim)", file: file, line: line)
    }
    return report
}

final class ExerciseTests: XCTestCase {
    func testLab5Formulas640And641() {
        let r = assertVerifies(Lab5Formulas640And641(), minimumFindings: 3)
        XCTAssertEqual(r.notation, .nndl)
        XCTAssertEqual(r.findings.filter { $0.kind == .erratum }.count, 2)
    }

    func testLab5Formula631() {
        let r = assertVerifies(Lab5Formula631(), minimumFindings: 2)
        XCTAssertTrue(r.checks.contains { $0.name.contains("forward recursion") && $0.status == .pass })
    }

    func testCS224nGradients() {
        let r = assertVerifies(CS224nGradients(), minimumFindings: 5)
        // The sign erratum: Σ y ln ŷ is negative, the cross-entropy positive, equal magnitude.
        let sign = r.findings[0].evidence
        let stated = Double(sign[0].value)!, ce = Double(sign[1].value)!
        XCTAssertLessThan(stated, 0)
        XCTAssertEqual(stated, -ce, accuracy: 1e-6)
    }

    func testCS224nIdentities() {
        _ = assertVerifies(CS224nIdentities(), minimumFindings: 2)
    }

    func testHomework5Jacobian() {
        let r = assertVerifies(Homework5Jacobian())
        XCTAssertEqual(r.notation, .homework5)
    }

    func testHomework5DoubleSumStartsAtZeroOnlyWithAnEarlierState() {
        let r = assertVerifies(Homework5DoubleSum(), minimumFindings: 2)
        XCTAssertTrue(r.checks.contains { $0.name.contains("misses a term") && $0.status == .pass })
        XCTAssertTrue(r.checks.contains { $0.name.contains("is complete") && $0.status == .pass })
    }

    func testHomework5ExpansionProductsAreNotPowers() {
        let r = assertVerifies(Homework5Expansion(), minimumFindings: 2)
        XCTAssertTrue(r.checks.contains { $0.name.contains("10 terms") && $0.status == .pass })
    }

    func testHomework5GatesShownByForcing() {
        let r = assertVerifies(Homework5Gates())
        XCTAssertEqual(r.notation, .pytorch)
        XCTAssertEqual(r.checks.count, 7)
    }

    func testHomework5Positivity() {
        let r = assertVerifies(Homework5Positivity())
        XCTAssertEqual(r.checks.filter { $0.name.contains("never negative") }.count, 3)
        XCTAssertEqual(r.checks.filter { $0.name.contains("takes negative") }.count, 3)
    }

    func testHomework5CellStateIsIdentityWithForcedGates() {
        let r = assertVerifies(Homework5CellState(), minimumFindings: 3)
        XCTAssertEqual(r.checks.first?.measured, 0)
    }

    func testTanhRNNWithOutputLayer() {
        let r = assertVerifies(TanhRNNOutputLayer(), minimumFindings: 3)
        XCTAssertEqual(r.notation, .tanhOutputLayer)
        XCTAssertEqual(r.findings.filter { $0.kind == .erratum }.count, 2)
    }

    func testEverySeedDocumentIsCovered() {
        let documents = Set(ExerciseCatalog.all.map(\.source.document))
        XCTAssertEqual(documents, ["000/001", "002", "003", "004"])
    }

    func testLab5PoemModelShapes() {
        let r = assertVerifies(Lab5PoemModel())
        XCTAssertTrue(r.checks.contains { $0.name.contains("state_dict") && $0.status == .pass })
        // With the corpus the shapes are checked; without it that check skips, never fails.
        XCTAssertTrue(r.checks.filter { $0.name.contains("12,842") }.allSatisfy { $0.status != .fail })
    }

    func testCatalogIdsAreUniqueAndFindable() {
        let ids = ExerciseCatalog.all.map(\.id)
        XCTAssertEqual(Set(ids).count, ids.count)
        for id in ids { XCTAssertNotNil(ExerciseCatalog.exercise(id: id)) }
        XCTAssertNil(ExerciseCatalog.exercise(id: "nope"))
    }

    func testAFailingCheckMakesTheReportFail() {
        let failing = ExerciseReport(id: "x", title: "x", source: Seeds.lab5("x"), notation: .nndl, summary: "",
                                     quantities: [], checks: [.atMost("too big", 1, 0.5)], findings: [], commands: [])
        XCTAssertFalse(failing.verified)
        let skippedOnly = ExerciseReport(id: "x", title: "x", source: Seeds.lab5("x"), notation: .nndl, summary: "",
                                         quantities: [], checks: [.skipped("needs data", because: "absent")], findings: [], commands: [])
        XCTAssertFalse(skippedOnly.verified, "an exercise whose every check skipped has verified nothing")
    }
}
