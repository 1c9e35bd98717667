// WorkerPool.swift — a small pool of threads that run one parallel section at a time.
//
// The trainer runs ~200 small parallel sections per batch (one per LSTM step, forward and
// backward). `DispatchQueue.concurrentPerform` wakes its workers through the kernel, which
// takes longer than one step's work, so the steps ran on one core. Here helper threads spin
// for a short while after each section (then sleep), so a new section starts on every thread
// within a microsecond. Task t always runs on thread t: the split of the work, and so every
// result, does not depend on timing.
//
// Correct by construction — every wake-up has exactly one addressee:
//   - a section is a generation number; helper i runs each generation once, then decrements
//     `pending`; the helper that takes `pending` to zero is the one that finished last;
//   - a thread about to sleep first raises its own flag, then looks at the condition again
//     (Dekker's order, sequentially consistent): the waker changes the condition first, then
//     takes the flag down with an exchange and signals only if it was up. Each thread sleeps
//     on a semaphore of its own, so one thread can never swallow a wake-up meant for another
//     (the fault of a shared semaphore: one helper took two signals, another slept forever).
// When the pool has more threads than the machine has cores, spinning would take the core from
// the very thread that holds the work: then helpers and the caller sleep at once (no spin).
// Leaves out: work stealing, nested sections (a section must not start another on this pool).

import Dispatch
import Foundation
import Synchronization

package final class WorkerPool: @unchecked Sendable {
    /// One sleeping place: a flag raised before sleeping and a semaphore of its own.
    private final class Sleeper: @unchecked Sendable {
        let asleep = Atomic<Bool>(false)
        let semaphore = DispatchSemaphore(value: 0)

        /// Sleeps unless `stillWaiting()` turns false after the flag is raised.
        func sleep(while stillWaiting: () -> Bool) {
            asleep.store(true, ordering: .sequentiallyConsistent)
            if stillWaiting() {
                semaphore.wait()
            } else if !asleep.exchange(false, ordering: .sequentiallyConsistent) {
                // The waker took the flag down first, so its signal is on the way: take it, so
                // that the semaphore's count stays zero between sleeps.
                semaphore.wait()
            }
        }

        /// Wakes the thread if (and only if) it raised its flag; call after changing the condition.
        func wake() {
            if asleep.exchange(false, ordering: .sequentiallyConsistent) { semaphore.signal() }
        }
    }

    /// State shared with the helper threads (they keep it alive, not the pool).
    private final class Shared: @unchecked Sendable {
        let generation = Atomic<Int>(0)
        let pending = Atomic<Int>(0)
        let shutdown = Atomic<Bool>(false)
        /// helpers[i − 1] is helper i's; `caller` is the thread that runs sections.
        let helpers: [Sleeper]
        let caller = Sleeper()
        /// Whether threads may spin before sleeping (false when they outnumber the cores).
        let spins: Bool
        /// The current section; written before `generation` is bumped.
        var body: ((Int) -> Void)?

        init(helpers: Int, spins: Bool) {
            self.helpers = (0..<helpers).map { _ in Sleeper() }
            self.spins = spins
        }
    }

    /// Number of threads taking part, the caller included.
    package let threads: Int
    /// Whether the threads spin between sections (more threads than cores: they sleep at once).
    package var spins: Bool { shared.spins }
    private let shared: Shared
    /// Spins before a thread goes to sleep (~50 µs).
    private static let spinLimit = 4_000

    /// - Parameters:
    ///   - threads: threads taking part, the caller included.
    ///   - cores: cores this process may use; above it the threads sleep instead of spinning.
    package init(threads: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.threads = max(1, threads)
        shared = Shared(helpers: self.threads - 1, spins: self.threads <= max(1, cores))
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
        for h in shared.helpers { h.wake() }
    }

    /// Spins while `condition()` holds, for a while, giving the core away now and then;
    /// returns whether the condition still holds.
    @inline(__always)
    private static func spin(_ enabled: Bool, while condition: () -> Bool) -> Bool {
        guard enabled else { return condition() }
        var spins = 0
        while condition() {
            spins += 1
            // On a busy machine a spinning thread would take the core from the thread doing
            // the work: give it up now and then.
            if spins & 63 == 0 { sched_yield() }
            if spins > spinLimit { return true }
        }
        return false
    }

    private static func helperLoop(_ s: Shared, index: Int) {
        let me = s.helpers[index - 1]
        var seen = 0
        while true {
            // Wait for the next generation: spin, then sleep until woken.
            while spin(s.spins, while: { s.generation.load(ordering: .acquiring) == seen }) {
                me.sleep(while: { s.generation.load(ordering: .sequentiallyConsistent) == seen })
            }
            seen += 1
            if s.shutdown.load(ordering: .sequentiallyConsistent) { return }
            s.body?(index)
            if s.pending.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                // The last helper to finish: the caller may be asleep.
                s.caller.wake()
            }
        }
    }

    /// Runs body(0) … body(threads − 1), one per thread, and returns when all are done.
    package func run(_ body: (Int) -> Void) {
        if threads == 1 { body(0); return }
        let s = shared
        withoutActuallyEscaping(body) { escaping in
            s.body = escaping
            s.pending.store(threads - 1, ordering: .sequentiallyConsistent)
            s.generation.add(1, ordering: .sequentiallyConsistent)
            for h in s.helpers { h.wake() }
            escaping(0)
            while WorkerPool.spin(s.spins, while: { s.pending.load(ordering: .acquiring) > 0 }) {
                s.caller.sleep(while: { s.pending.load(ordering: .sequentiallyConsistent) > 0 })
            }
            s.body = nil
        }
    }
}
