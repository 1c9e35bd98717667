// ParallelMap.swift — independent check cases run on every core, results in input order.
//
// The check suites run many small, independent configurations. Each result is computed by one
// thread from its own inputs only, and the results are gathered in the order of the inputs, so
// the suite's rows are identical to a serial run whatever the number of cores.

import Dispatch
import Foundation

/// `items.map(transform)`, with the calls spread over the cores; the results keep the order of
/// `items`. `progress(done, total)` is called (from any thread, one call at a time) after each item.
func parallelMap<Item, Result>(
    _ items: [Item], progress: ((Int, Int) -> Void)? = nil,
    _ transform: (Item) -> Result
) -> [Result] {
    var results = [Result?](repeating: nil, count: items.count)
    let lock = NSLock()
    var done = 0
    results.withUnsafeMutableBufferPointer { slots in
        let base = slots.baseAddress!
        DispatchQueue.concurrentPerform(iterations: items.count) { n in
            (base + n).pointee = transform(items[n])  // each slot is written by exactly one iteration
            guard let progress else { return }
            lock.lock()
            done += 1
            progress(done, items.count)
            lock.unlock()
        }
    }
    return results.map { $0! }
}
