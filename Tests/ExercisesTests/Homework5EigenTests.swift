// Homework5EigenTests.swift — exercises 2 (b) and 2 (c) verify, with their errata.

import XCTest
@testable import Exercises

final class Homework5EigenTests: XCTestCase {
    func testHomework5PowerByEigenDecompositionHoldsExceptForTheJordanBlock() {
        let r = assertVerifies(Homework5PowerByEigenDecomposition(), minimumFindings: 2)
        XCTAssertEqual(r.notation, .homework5)
        XCTAssertTrue(r.checks.contains { $0.name.contains("Jordan") && $0.status == .pass })
    }

    func testHomework5PowersFindsTheTypoTheRoundingSlipAndTheWrongStatement() {
        let r = assertVerifies(Homework5Powers(), minimumFindings: 6)
        let errata = r.findings.filter { $0.kind == .erratum }
        XCTAssertTrue(errata.contains { $0.claim.contains("[−0.8, 0.5]") })
        XCTAssertTrue(errata.contains { $0.finding.contains("0.015261") })
        XCTAssertTrue(errata.contains { $0.evidence.contains { $0.value == "wrong" } })
        XCTAssertEqual(r.findings.filter { $0.kind == .confirmation }.count, 1)
        XCTAssertNotNil(ExerciseCatalog.exercise(id: "hw5-2c"))
        XCTAssertNotNil(ExerciseCatalog.exercise(id: "hw5-2b"))
    }
}
