// WorkerPool.swift — a small pool of threads that spin between tasks.
//
// The trainer runs ~200 small parallel sections per batch (one per LSTM step, forward and
// backward). `DispatchQueue.concurrentPerform` wakes its workers through the kernel, which
// takes longer than one step's work, so the steps ran on one core. Here helper threads spin
// for a short while after each task (then sleep on a semaphore), so a new section starts on
// every thread within a microsecond. Task t always runs on thread t: the split of the work,
// and so every result, does not depend on timing.

import Dispatch
import Foundation
import Synchronization

package final class WorkerPool: @unchecked Sendable {
    /// State shared with the helper threads (they keep it alive, not the pool).
    private final class Shared: @unchecked Sendable {
        let generation = Atomic<Int>(0)
        let pending = Atomic<Int>(0)
        let sleepers = Atomic<Int>(0)
        let shutdown = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
        /// The current section; written before `generation` is bumped.
        var body: ((Int) -> Void)?
    }

    /// Number of threads taking part, the caller included.
    package let threads: Int
    private let shared = Shared()
    /// Spins before a helper goes to sleep (~50 µs).
    private static let spinLimit = 4_000

    package init(threads: Int) {
        self.threads = max(1, threads)
        for index in 1..<self.threads {
            let shared = self.shared
            let thread = Thread { WorkerPool.helperLoop(shared, index: index) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit {
        shared.shutdown.store(true, ordering: .sequentiallyConsistent)
        shared.generation.add(1, ordering: .sequentiallyConsistent)
        for _ in 0..<threads { shared.wake.signal() }
    }

    private static func helperLoop(_ s: Shared, index: Int) {
        var seen = 0
        while true {
            var spins = 0
            while s.generation.load(ordering: .acquiring) == seen {
                spins += 1
                // On a busy machine a spinning helper would take the core from the thread
                // doing the work: give it up now and then.
                if spins & 63 == 0 { sched_yield() }
                if spins > spinLimit {
                    s.sleepers.add(1, ordering: .sequentiallyConsistent)
                    if s.generation.load(ordering: .sequentiallyConsistent) == seen { s.wake.wait() }
                    s.sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    spins = 0
                }
            }
            seen = s.generation.load(ordering: .acquiring)
            if s.shutdown.load(ordering: .sequentiallyConsistent) { return }
            s.body?(index)
            s.pending.subtract(1, ordering: .releasing)
        }
    }

    /// Runs body(0) … body(threads − 1), one per thread, and returns when all are done.
    package func run(_ body: (Int) -> Void) {
        if threads == 1 { body(0); return }
        withoutActuallyEscaping(body) { escaping in
            shared.body = escaping
            shared.pending.store(threads - 1, ordering: .sequentiallyConsistent)
            shared.generation.add(1, ordering: .sequentiallyConsistent)
            let sleeping = shared.sleepers.load(ordering: .sequentiallyConsistent)
            for _ in 0..<sleeping { shared.wake.signal() }
            escaping(0)
            var spins = 0
            while shared.pending.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins & 63 == 0 { sched_yield() }
            }
            shared.body = nil
        }
    }
}
