// WorkerPoolTests.swift — the worker pool under stress: thousands of parallel sections of both
// kinds with more threads than cores, each section checked to run every thread or task exactly
// once, all under a deadline so that a deadlock fails the test instead of hanging it.

import Foundation
import PoemEngine
import XCTest

/// Runs `work` on a thread of its own and waits at most `seconds` for it; false on timeout
/// (the stuck thread is left behind, the test goes on).
func finishesWithin(_ seconds: Double, _ work: @escaping @Sendable () -> Void) -> Bool {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        work()
        done.signal()
    }
    thread.start()
    return done.wait(timeout: .now() + seconds) == .success
}

/// A value written by the worker thread before it signals (the semaphore orders the accesses).
final class ResultBox: @unchecked Sendable { var value = -1 }

final class WorkerPoolTests: XCTestCase {
    /// Runs `sections` sections on `pool`, alternating the two kinds: `run` (every thread once)
    /// and `forEachTask` (1…40 tasks, each once, on any thread). Every 8th is preceded by a pause
    /// long enough for the helpers to go to sleep, so both the spinning and the sleeping
    /// hand-over are exercised. Returns the number of threads or tasks that did not run exactly once.
    static func stress(_ pool: WorkerPool, sections: Int) -> Int {
        // Thread or task i writes only counts[i]; the caller reads them after the section returns.
        let capacity = max(pool.threads, 40)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
        counts.initialize(repeating: 0, count: capacity)
        defer { counts.deallocate() }
        var wrong = 0
        for s in 0..<sections {
            if s % 8 == 0 { usleep(120) }
            let expected: Int
            if s % 2 == 0 {
                pool.run { t in counts[t] += 1 }
                expected = pool.threads
            } else {
                expected = 1 + s % 40
                pool.forEachTask(expected) { i, thread in
                    if thread < pool.threads { counts[i] += 1 }
                }
            }
            for i in 0..<capacity where counts[i] != (i < expected ? 1 : 0) { wrong += 1 }
            counts.update(repeating: 0, count: capacity)
        }
        return wrong
    }

    func testMoreThreadsThanCoresNeverDeadlocks() {
        // Sleeping pools (threads > cores, as `--threads 4` on two cores) and spinning pools
        // told that the machine has more cores than it has (the configuration that hung).
        for (threads, cores) in [(3, 2), (4, 2), (5, 1), (3, 64), (4, 64)] {
            let wrong = ResultBox()
            let finished = finishesWithin(10) {
                let pool = WorkerPool(threads: threads, cores: cores)
                wrong.value = WorkerPoolTests.stress(pool, sections: 3_000)
            }
            XCTAssertTrue(finished, "a pool of \(threads) threads (told \(cores) cores) did not finish 3,000 sections in 10 s: deadlock")
            if finished { XCTAssertEqual(wrong.value, 0, "threads \(threads), cores \(cores): a task ran other than once") }
        }
    }

    func testPoolSleepsInsteadOfSpinningWhenThreadsOutnumberCores() {
        XCTAssertFalse(WorkerPool(threads: 3, cores: 2).spins)
        XCTAssertTrue(WorkerPool(threads: 2, cores: 2).spins)
    }

    func testDeadlineCatchesASectionThatNeverEnds() {
        // The same harness fed a section that blocks forever must report it, not hang.
        let never = DispatchSemaphore(value: 0)
        let finished = finishesWithin(0.3) {
            let pool = WorkerPool(threads: 3, cores: 2)
            pool.run { t in if t == 2 { never.wait() } }
        }
        XCTAssertFalse(finished)
        never.signal()
    }

    func testTasksAllRunWhenHelpersAreSlowToJoin() {
        // Helpers that sleep between sections (threads > cores) often join late or not at all;
        // the caller then runs the tasks itself. Each task must still run exactly once.
        let pool = WorkerPool(threads: 4, cores: 1)
        var wrong = 0
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        defer { counts.deallocate() }
        for _ in 0..<500 {
            counts.initialize(repeating: 0, count: 64)
            pool.forEachTask(64) { i, _ in counts[i] += 1 }
            wrong += (0..<64).filter { counts[$0] != 1 }.count
        }
        XCTAssertEqual(wrong, 0)
    }
}
