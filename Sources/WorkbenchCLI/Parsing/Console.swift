// Console.swift — where a command writes: standard output and standard error, or buffers in tests.
//
// Writes go through POSIX `write`, retried on EINTR and partial writes. A failed write never
// traps: the first failure is remembered and later writes to that stream are dropped, so the
// command finishes its work (a trainer still saves its checkpoint); `Workbench.main` then ends
// quietly with status 141 when the reader closed a pipe (as `yes | head` does), and reports any
// other failure (a closed descriptor, a full disk) in one line with status 1.

import Foundation

/// Where a command writes.
public final class Console: @unchecked Sendable {
    private let writeOut: (String) -> Bool
    private let writeErr: (String) -> Bool
    private let lock = NSLock()
    /// Whether standard error is a terminal (progress lines, written there, are drawn only then).
    public let isTerminal: Bool
    /// The errno of the first failed write to standard output, if any.
    public private(set) var outputFailure: Int32?
    private var errorStreamFailed = false

    /// A console over two writers that cannot fail (tests).
    public convenience init(out: @escaping (String) -> Void, err: @escaping (String) -> Void, isTerminal: Bool = false) {
        self.init(
            failableOut: {
                out($0); return true
            },
            err: {
                err($0); return true
            }, isTerminal: isTerminal)
    }

    init(failableOut: @escaping (String) -> Bool, err: @escaping (String) -> Bool, isTerminal: Bool) {
        self.writeOut = failableOut
        self.writeErr = err
        self.isTerminal = isTerminal
    }

    /// The process's standard output and standard error.
    public static func standard() -> Console {
        var outErrno: Int32 = 0
        let console = Console(
            failableOut: { s in
                let ok = writeAll(1, s)
                if !ok { outErrno = errno }
                return ok
            },
            err: { s in writeAll(2, s) },
            isTerminal: isatty(2) == 1)
        console.errnoOfLastFailure = { outErrno }
        return console
    }

    private var errnoOfLastFailure: () -> Int32 = { EIO }

    /// Writes `text` and a newline to standard output.
    public func print(_ text: String = "") { write(text + "\n") }

    /// Writes `text` as it is to standard output.
    public func write(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        guard outputFailure == nil else { return }
        if !writeOut(text) { outputFailure = errnoOfLastFailure() }
    }

    /// Writes `text` and a newline to standard error.
    public func printError(_ text: String) { writeError(text + "\n") }

    /// Writes `text` as it is to standard error (progress lines).
    public func writeError(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        guard !errorStreamFailed else { return }
        if !writeErr(text) { errorStreamFailed = true }
    }

    /// Writes every byte of `text` to descriptor `fd`; false (errno set) on failure.
    static func writeAll(_ fd: Int32, _ text: String) -> Bool {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return true }
        return bytes.withUnsafeMutableBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                if n == 0 { errno = EIO; return false }
                offset += n
            }
            return true
        }
    }
}
