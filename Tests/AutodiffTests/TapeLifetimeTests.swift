// TapeLifetimeTests.swift — a tape is freed once nothing outside it holds one of its variables.
//
// A `Variable` holds its tape strongly; a pullback that captured a `Variable` would hold the
// tape from inside the tape (a reference cycle) and no tape would ever be freed. These tests
// record every op, back-propagate, drop the last variable and watch a weak reference.

import Autodiff
import XCTest

final class TapeLifetimeTests: XCTestCase {
    /// Records every primitive op on `tape` and back-propagates through all of them.
    /// Returns the loss variable (the caller decides how long it lives).
    @discardableResult
    func recordEveryOp(on tape: Tape<Double>) -> Variable<Double> {
        var rng = SeededGenerator(seed: 3)
        let a = tape.variable(.random(3, 4, in: 0.5...1.5, using: &rng))
        let b = tape.variable(.random(4, 3, using: &rng))
        let c = tape.constant(.random(3, 3, using: &rng))
        let row = tape.variable(.random(1, 3, using: &rng))
        let column = tape.variable(.random(3, 1, using: &rng))
        let y = a.matmul(b)  // (3, 3)
        let z = (y + c - c.scaled(by: 2)) * y.tanh()
        let w = z.addingRow(row).addingColumn(column).sigmoid().relu().exp()
        let slices = Variable.concatColumns([w.columns(0..<1), w.columns(1..<3)])
        let stacked = Variable.concatRows([slices.rows(0..<2), slices.rows(2..<3)]).transposed().reshaped(1, 9)
        let table = a.gatherRows([2, 0, 2]).log()  // (3, 4)
        let loss =
            stacked.sum() + stacked.mean() + table.softmaxCrossEntropy(targets: [1, 3, 0])
            + w.squaredError(target: .zeros(3, 3)) + (-table).sum()
        tape.backward(loss)
        _ = tape.gradient(of: a)
        return loss
    }

    func testTapeIsFreedAfterEveryOpAndBackward() {
        weak var weakTape: Tape<Double>?
        do {
            let tape = Tape<Double>()
            weakTape = tape
            recordEveryOp(on: tape)
            XCTAssertNotNil(weakTape, "the tape is alive while it is in scope")
        }
        XCTAssertNil(weakTape, "a tape with recorded ops was not freed: a pullback holds a Variable (reference cycle)")
    }

    func testAVariableKeepsItsTapeAliveUntilItIsDropped() {
        // The same weak probe turns when something still holds the tape: here a variable
        // that outlives the scope. This is what a leaking pullback would look like.
        weak var weakTape: Tape<Double>?
        var survivor: Variable<Double>?
        do {
            let tape = Tape<Double>()
            weakTape = tape
            survivor = recordEveryOp(on: tape)
        }
        XCTAssertNotNil(weakTape, "a live variable must keep its tape alive")
        XCTAssertEqual(survivor?.tape.count, weakTape?.count)
        survivor = nil
        XCTAssertNil(weakTape)
    }

    func testManyTapesDoNotAccumulate() {
        // One tape per training step, as a loop over batches would make them.
        var freed = 0
        for _ in 0..<50 {
            weak var weakTape: Tape<Double>?
            do {
                let tape = Tape<Double>()
                weakTape = tape
                recordEveryOp(on: tape)
            }
            if weakTape == nil { freed += 1 }
        }
        XCTAssertEqual(freed, 50)
    }
}
