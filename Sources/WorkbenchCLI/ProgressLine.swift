// ProgressLine.swift — one line of progress on standard error for work that may take a while:
// drawn once the work has run for a second, then redrawn in place four times a second (with the
// elapsed seconds, so a long single phase still shows it is alive), and only when standard error
// is a terminal (so pipes, files and tests see none of it). `finish` stops it and clears it.

import Dispatch
import Foundation

final class ProgressLine: @unchecked Sendable {
    private let console: Console
    private let lock = NSLock()
    private var text: String?
    private var drawn = false
    private var finished = false
    private let started = DispatchTime.now().uptimeNanoseconds
    private var timer: DispatchSourceTimer?

    init(console: Console) {
        self.console = console
        guard console.isTerminal else { return }
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + 1, repeating: 0.25)
        timer.setEventHandler { [weak self] in self?.draw() }
        timer.resume()
        self.timer = timer
    }

    deinit { timer?.cancel() }

    /// Sets the text of the line (the elapsed seconds are added when it is drawn).
    func show(_ text: String) {
        guard timer != nil else { return }
        lock.lock()
        self.text = text
        lock.unlock()
    }

    private func draw() {
        lock.lock(); defer { lock.unlock() }
        guard !finished, let text else { return }
        drawn = true
        let seconds = (DispatchTime.now().uptimeNanoseconds - started) / 1_000_000_000
        console.writeError("\r\u{1B}[K\(text)  (\(seconds) s)")
    }

    /// Stops redrawing and clears the line, if one was drawn.
    func finish() {
        timer?.cancel()
        lock.lock(); defer { lock.unlock() }
        finished = true
        if drawn { console.writeError("\r\u{1B}[K") }
        drawn = false
    }
}
