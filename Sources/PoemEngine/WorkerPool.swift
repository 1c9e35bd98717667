// WorkerPool.swift — a small pool of threads that run one parallel section at a time.
//
// The trainer runs ~250 small parallel sections per batch (one per LSTM step, forward and
// backward, and each product). `DispatchQueue.concurrentPerform` wakes its workers through the
// kernel, which takes longer than one step's work, so the steps ran on one core. Here helper
// threads spin for a short while after each section (then sleep), so a new section starts on
// every thread within a microsecond.
//
// Two kinds of section:
//   - `run(body)`: body(t) runs once on each thread t, and the call waits for all of them (for
//     work that needs every thread at once, as the FMA peak measurement);
//   - `forEachTask(count, task)`: tasks 0..<count, each run once by whichever thread claims it
//     next (an atomic counter). The caller works from the start and never waits for a helper
//     that has not joined: a section is open until the caller has run out of tasks, then it is
//     closed and the caller waits only for the helpers that joined. On a loaded machine, a
//     helper that has no core leaves its share to the others instead of holding them up.
// Tasks write disjoint results and each is computed the same way whoever runs it (the thread
// index only picks a scratch buffer), so no result depends on timing or on the thread count.
//
// Correct by construction — every wake-up has exactly one addressee:
//   - a section is a generation number; `membership` holds the generation it belongs to, its
//     kind, whether it is closed, and how many helpers joined, in one atomic word, so a helper
//     can only join the section it saw, and only while it is open;
//   - a thread about to sleep first raises its own flag, then looks at the condition again
//     (Dekker's order, sequentially consistent): the waker changes the condition first, then
//     takes the flag down with an exchange and signals only if it was up. Each thread sleeps
//     on a semaphore of its own, so one thread can never swallow a wake-up meant for another
//     (the fault of a shared semaphore: one helper took two signals, another slept forever).
// When the pool has more threads than the machine has cores, spinning would take the core from
// the very thread that holds the work: then helpers and the caller sleep at once (no spin).
// Leaves out: nested sections (a task must not start another section on the same pool).

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

    /// The `membership` word: generation << 32 | every-thread bit | closed bit | helpers joined.
    private static let everyThreadBit = 1 << 31
    private static let closedBit = 1 << 30
    private static let joinedMask = (1 << 30) - 1

    /// State shared with the helper threads (they keep it alive, not the pool).
    private final class Shared: @unchecked Sendable {
        let generation = Atomic<Int>(0)
        let membership = Atomic<Int>(0)
        /// `run`: helpers still running body(t).
        let pending = Atomic<Int>(0)
        /// `forEachTask`: the next task to claim, and helpers that joined and are done.
        let nextTask = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let shutdown = Atomic<Bool>(false)
        /// helpers[i − 1] is helper i's; `caller` is the thread that runs sections.
        let helpers: [Sleeper]
        let caller = Sleeper()
        /// Whether threads may spin before sleeping (false when they outnumber the cores).
        let spins: Bool
        /// The current section; written before `generation` is bumped, read only by threads
        /// that take part in it.
        var body: ((Int) -> Void)?
        var task: ((Int, Int) -> Void)?
        var taskCount = 0

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

    /// Claims and runs tasks until none is left.
    @inline(__always)
    private static func work(_ s: Shared, _ task: (Int, Int) -> Void, count: Int, thread: Int) {
        while true {
            let i = s.nextTask.add(1, ordering: .relaxed).oldValue
            if i >= count { return }
            task(i, thread)
        }
    }

    @inline(never)
    private static func runBody(_ s: Shared, thread: Int) { s.body?(thread) }

    @inline(never)
    private static func workOnCurrentSection(_ s: Shared, thread: Int) {
        if let task = s.task { work(s, task, count: s.taskCount, thread: thread) }
    }

    private static func helperLoop(_ s: Shared, index: Int) {
        let me = s.helpers[index - 1]
        var seen = 0
        while true {
            // Wait for the next generation: spin, then sleep until woken.
            while spin(s.spins, while: { s.generation.load(ordering: .acquiring) == seen }) {
                me.sleep(while: { s.generation.load(ordering: .sequentiallyConsistent) == seen })
            }
            // The latest generation: a helper may have missed `forEachTask` sections (they do
            // not wait for it), never a `run` section (it waits for every helper).
            seen = s.generation.load(ordering: .acquiring)
            if s.shutdown.load(ordering: .sequentiallyConsistent) { return }
            var word = s.membership.load(ordering: .acquiring)
            guard word >> 32 == seen & 0xFFFF_FFFF else { continue }  // that section is over
            if word & everyThreadBit != 0 {
                runBody(s, thread: index)
                s.pending.subtract(1, ordering: .acquiringAndReleasing)
                s.caller.wake()
                continue
            }
            // Join while the section is open.
            var joined = false
            while word >> 32 == seen & 0xFFFF_FFFF && word & closedBit == 0 {
                let (exchanged, original) = s.membership.compareExchange(
                    expected: word, desired: word + 1,
                    ordering: .acquiringAndReleasing)
                if exchanged { joined = true; break }
                word = original
            }
            guard joined else { continue }
            // In a function of its own, so that the helper's reference to the task closure is
            // gone before the caller learns that the helper is done.
            workOnCurrentSection(s, thread: index)
            s.finished.add(1, ordering: .acquiringAndReleasing)
            s.caller.wake()
        }
    }

    /// The next generation, published with its membership word (kind, open, none joined).
    private func publish(everyThread: Bool) {
        let s = shared
        let next = s.generation.load(ordering: .relaxed) + 1
        s.membership.store((next & 0xFFFF_FFFF) << 32 | (everyThread ? Self.everyThreadBit : 0), ordering: .sequentiallyConsistent)
        s.generation.store(next, ordering: .sequentiallyConsistent)
        for h in s.helpers { h.wake() }
    }

    /// Waits (spinning, then sleeping) while `condition()` holds.
    private func wait(while condition: () -> Bool) {
        let s = shared
        while WorkerPool.spin(s.spins, while: condition) {
            s.caller.sleep(while: condition)
        }
    }

    /// Runs body(0) … body(threads − 1), one per thread, and returns when all are done.
    package func run(_ body: (Int) -> Void) {
        if threads == 1 { body(0); return }
        let s = shared
        withoutActuallyEscaping(body) { escaping in
            s.body = escaping
            s.pending.store(threads - 1, ordering: .sequentiallyConsistent)
            publish(everyThread: true)
            escaping(0)
            wait(while: { s.pending.load(ordering: .sequentiallyConsistent) > 0 })
            s.body = nil
        }
    }

    /// Runs task(i, thread) for every i in 0..<count, each once, on whichever thread claims it
    /// (`thread` < `threads` names the thread, e.g. to pick its scratch buffer); returns when
    /// all are done. The caller never waits for a helper that did not join in time.
    package func forEachTask(_ count: Int, _ task: (_ index: Int, _ thread: Int) -> Void) {
        if threads == 1 || count <= 1 {
            for i in 0..<count { task(i, 0) }
            return
        }
        let s = shared
        withoutActuallyEscaping(task) { escaping in
            s.task = escaping
            s.taskCount = count
            s.nextTask.store(0, ordering: .relaxed)
            s.finished.store(0, ordering: .relaxed)
            publish(everyThread: false)
            WorkerPool.work(s, escaping, count: count, thread: 0)
            // No task is left to claim: close the section and wait for the helpers in it.
            let word = s.membership.bitwiseOr(Self.closedBit, ordering: .acquiringAndReleasing).oldValue
            let joined = word & Self.joinedMask
            wait(while: { s.finished.load(ordering: .sequentiallyConsistent) < joined })
            s.task = nil
        }
    }
}
