// Large checks cost what their size needs: finite differences on a seeded sample of entries of
// a big parameter, the check suite spread over the cores, and the sampling never hiding a
// wrong gradient.

import GradCheck
import WorkbenchNumerics
import XCTest

@testable import Recurrent

final class ProportionateCheckTests: XCTestCase {
    func testParallelMapKeepsTheOrderAndCountsProgress() {
        let items = Array(0..<200)
        var calls: [Int] = []
        let lock = NSLock()
        let squares = parallelMap(
            items,
            progress: { done, total in
                XCTAssertEqual(total, 200)
                lock.lock(); calls.append(done); lock.unlock()
            },
            { $0 * $0 })
        XCTAssertEqual(squares, items.map { $0 * $0 })
        XCTAssertEqual(calls.sorted(), Array(1...200))
    }

    func testTheSuiteRowsDoNotDependOnTheNumberOfCores() {
        // parallelMap gathers in input order; a configuration checked alone gives the same report.
        let config = RNNCheckConfiguration(activation: .tanh, loss: .softmax, steps: 7, hidden: 4, input: 3, seed: 7)
        let alone = checkRNN(config, options: .finiteDifferencesStrict)
        let inParallel = parallelMap([config, config, config]) { checkRNN($0, options: .finiteDifferencesStrict) }
        for r in inParallel {
            XCTAssertEqual(r.textbookVsFiniteDifferences.maxRelativeError, alone.textbookVsFiniteDifferences.maxRelativeError)
            XCTAssertEqual(r.formula631.maxFiniteDifferenceError, alone.formula631.maxFiniteDifferenceError)
        }
    }

    func testALargeRNNProbesASampleAndSaysSoAndStillCatchesTruncation() {
        let config = RNNCheckConfiguration(activation: .tanh, loss: .squared, steps: 3, hidden: 64, input: 3, seed: 1)
        let limit = rnnFiniteDifferenceEntryLimit(config)
        XCTAssertLessThan(limit, 64 * 64)
        var phases = Set<String>()
        let report = checkRNN(config, options: .finiteDifferencesStrict) { phases.insert($0.phase) }
        XCTAssertTrue(phases.contains("finite differences"))
        XCTAssertTrue(report.passed, report.textbookVsFiniteDifferences.failureMessage)
        let u = report.textbookVsFiniteDifferences.parameters[0]
        XCTAssertEqual(u.probedEntries, limit)
        XCTAssertTrue(report.textbookVsFiniteDifferences.table().contains("64×64, FD on \(limit)"))
        // The same sampled probe still catches the truncated gradient.
        XCTAssertEqual(report.truncatedVsFiniteDifferences?.passed, false)
    }

    func testLongSequencesPassAndUnresolvedEntriesDoNotHideAWrongGradient() {
        // T = 300 with a softmax loss (|L| in the hundreds): finite differences are at their limit.
        let config = RNNCheckConfiguration(activation: .tanh, loss: .softmax, steps: 300, hidden: 4, input: 3, seed: 3)
        let report = checkRNN(config, options: .finiteDifferencesStrict)
        XCTAssertTrue(report.passed, report.autodiffVsFiniteDifferences.failureMessage)
        XCTAssertEqual(report.truncatedVsFiniteDifferences?.passed, false, "truncated BPTT must still be caught at T = 300")
        // A 1e-4 relative error in one entry is far above the finite differences' noise: it fails.
        let (model, sequence) = config.makeProblem()
        var g = model.textbookGradients(sequence).list
        g[0].storage[5] *= 1 + 1e-4
        let named = (0..<6).map { NamedGradient(name: RNNGradients.names[$0], parameter: model.parameters[$0], gradient: g[$0]) }
        let wrong = checkGradients(named, method: "perturbed", options: .finiteDifferencesStrict) { theta in
            model.with(parameters: theta).loss(sequence)
        }
        XCTAssertFalse(wrong.passed, wrong.table())
    }

    func testFormula631AtAReluKinkNearTheStepPasses() {
        // Found by `workbench check --max-steps 100`: a relu unit switches on between ε and 2ε of
        // u₁₂ at T = 82; the fourth-order stencil straddled it by 1e-8 and the per-step error was 8.8e-6.
        let config = RNNCheckConfiguration(activation: .relu, loss: .softmax, steps: 82, hidden: 4, input: 3, seed: 82)
        let (model, sequence) = config.makeProblem()
        let r = model.formula631(sequence, i: 0, j: 1)
        XCTAssertTrue(r.passed, "fd error \(r.maxFiniteDifferenceError)")
    }

    func testALargeLSTMProbesASampleAndCatchesAWrongGradient() {
        let config = LSTMCheckConfiguration(layers: 1, steps: 3, hidden: 16, input: 3, classes: 4, batch: 2, seed: 2)
        XCTAssertEqual(lstmFiniteDifferenceEntryLimit(config), 256)
        let (report, probe) = checkLSTMKeepingFiniteDifferences(config, options: lstmFiniteDifferenceOptions)
        XCTAssertTrue(report.passed, report.handVsFiniteDifferences.failureMessage)
        let hh = report.handVsFiniteDifferences.parameters.first { $0.name == "weight_hh_l0" }
        XCTAssertEqual(hh?.probedEntries, 256)
        XCTAssertEqual(hh?.entryCount, 1024)
        // A gradient wrong in every entry of one parameter by 1% is caught by the sample.
        let problem = config.makeProblem()
        let hand = problem.handGradients().gradients
        let named = problem.parameterNames.map { name in
            NamedGradient(
                name: name, parameter: problem.tensor(named: name)!,
                gradient: name == "weight_hh_l0" ? hand[name]! * 1.01 : hand[name]!)
        }
        XCTAssertFalse(checkGradients(named, against: probe, method: "scaled").passed)
        // A very large setting probes few entries a parameter.
        let huge = LSTMCheckConfiguration(layers: 4, steps: 200, hidden: 64, input: 64, classes: 100, batch: 16)
        XCTAssertEqual(lstmFiniteDifferenceEntryLimit(huge), 2)
    }
}
