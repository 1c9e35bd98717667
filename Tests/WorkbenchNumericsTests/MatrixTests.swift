import XCTest
@testable import WorkbenchNumerics

final class MatrixTests: XCTestCase {
    func testMatmulMatchesHandComputedProduct() {
        let a = Matrix<Double>([[1, 2, 3], [4, 5, 6]])
        let b = Matrix<Double>([[7, 8], [9, 10], [11, 12]])
        XCTAssertEqual(a * b, Matrix([[58, 64], [139, 154]]))
    }

    func testGemmTransposedOperandsAgreeWithExplicitTranspose() {
        var rng = SeededGenerator(seed: 3)
        let a = Matrix<Double>.random(4, 3, using: &rng)
        let b = Matrix<Double>.random(5, 3, using: &rng)
        let viaFlag = matmul(a, .none, b, .transpose)
        let explicit = a * b.transposed
        XCTAssertLessThan((viaFlag - explicit).maxAbs(), 1e-15)
        let c = Matrix<Double>.random(4, 2, using: &rng)
        XCTAssertLessThan((matmul(a, .transpose, c) - a.transposed * c).maxAbs(), 1e-15)
        var acc = Matrix<Double>.random(3, 2, using: &rng)
        let old = acc
        gemm(a, .transpose, c, .none, into: &acc, alpha: 2, beta: 0.5)
        XCTAssertLessThan((acc - (2 * (a.transposed * c) + 0.5 * old)).maxAbs(), 1e-14)
    }

    func testFloatAndDoubleMatricesAgree() {
        var rng = SeededGenerator(seed: 9)
        let a = Matrix<Double>.random(6, 6, using: &rng)
        let af: Matrix<Float> = a.converted()
        let pd = a * a
        let pf = (af * af).converted(to: Double.self)
        XCTAssertLessThan((pd - pf).maxAbs(), 1e-5)
    }

    func testStacksAndSlicesRoundTrip() {
        var rng = SeededGenerator(seed: 1)
        let a = Matrix<Double>.random(3, 5, using: &rng)
        XCTAssertEqual(Matrix.hstack([a.columns(0..<2), a.columns(2..<5)]), a)
        XCTAssertEqual(Matrix.vstack([a.rows(0..<1), a.rows(1..<3)]), a)
        XCTAssertEqual(a.transposed.transposed, a)
    }

    func testSeededGeneratorIsReproducibleAndResumable() {
        var g1 = SeededGenerator(seed: 42)
        var g2 = SeededGenerator(seed: 42)
        let first = (0..<5).map { _ in g1.next() }
        XCTAssertEqual(first, (0..<5).map { _ in g2.next() })
        // The stream is fixed across platforms: these are xoshiro256** outputs for seed 42
        // seeded by SplitMix64, checked against an independent Python implementation
        // of the published algorithm.
        XCTAssertEqual(first[0..<3], [1_546_998_764_402_558_742, 6_990_951_692_964_543_102, 12_544_586_762_248_559_009])
        var resumed = SeededGenerator(state: g1.state)!
        XCTAssertEqual(resumed.next(), g1.next())
        var g3 = SeededGenerator(seed: 43)
        XCTAssertNotEqual(first[0], g3.next())
    }

    func testUniformAndNormalMomentsAreRight() {
        var rng = SeededGenerator(seed: 7)
        let n = 100_000
        var sum = 0.0, sumSq = 0.0
        for _ in 0..<n { let x = rng.normal(); sum += x; sumSq += x * x }
        XCTAssertEqual(sum / Double(n), 0, accuracy: 0.02)
        XCTAssertEqual(sumSq / Double(n), 1, accuracy: 0.02)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<n { counts[rng.int(below: 10)] += 1 }
        XCTAssertTrue(counts.allSatisfy { abs($0 - n / 10) < 600 }, "\(counts)")
        var perm = Array(0..<20)
        rng.shuffle(&perm)
        XCTAssertEqual(perm.sorted(), Array(0..<20))
        XCTAssertNotEqual(perm, Array(0..<20))
    }

    func testNormsAndSigmoid() {
        let m = Matrix<Double>([[3, 4]])
        XCTAssertEqual(m.frobeniusNorm(), 5, accuracy: 1e-15)
        XCTAssertEqual(Double.sigmoid(0), 0.5)
        XCTAssertEqual(Double.sigmoid(-800), 0)
        XCTAssertEqual(Double.sigmoid(800), 1)
        XCTAssertTrue(Double.sigmoid(-800).isFinite)
    }
}
