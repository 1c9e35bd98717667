// AtomicFile.swift — the one way the workbench writes a file: whole, or not at all.
//
// The bytes go to a temporary file beside the target (`.NAME.tmp-PID-N`), are flushed to disk,
// and the temporary file is renamed over the target (POSIX `rename` replaces it atomically), so a
// reader sees the old file or the new one, never a half-written one — also after SIGKILL, a
// full disk or a power cut. On any failure the temporary file is removed and the target is left
// as it was. Temporary files that a killed process left behind carry its pid; `removeStale`
// deletes those whose process is gone.

import Foundation

/// Why a file could not be written.
public struct FileWriteError: WorkbenchError, Equatable {
    public let path: String
    /// The `errno` of the failed call.
    public let code: Int32
    public let operation: String

    public var description: String {
        switch code {
        case ENOSPC: return "cannot write \(path): the disk is full (no space left on device); nothing was changed"
        case EDQUOT: return "cannot write \(path): disk quota exceeded; nothing was changed"
        case ENOENT: return "cannot write \(path): its folder does not exist"
        case EACCES, EPERM: return "cannot write \(path): permission denied"
        case EISDIR: return "cannot write \(path): it is a folder"
        case EROFS: return "cannot write \(path): read-only file system"
        default: return "cannot write \(path): \(String(cString: strerror(code))) (\(operation))"
        }
    }
}

public enum AtomicFile {
    private static let counter = Counter()

    /// Writes `data` to `path` atomically, replacing any file there.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw FileWriteError(path: path, code: EISDIR, operation: "open")
        }
        let temporary = (folder as NSString).appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(counter.next())")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileWriteError(path: path, code: errno, operation: "create a temporary file") }
        var failure: FileWriteError?
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = FileWriteError(path: path, code: errno, operation: "write")
                    return
                }
                offset += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = FileWriteError(path: path, code: errno, operation: "flush") }
        if close(fd) != 0, failure == nil { failure = FileWriteError(path: path, code: errno, operation: "close") }
        if failure == nil, rename(temporary, path) != 0 { failure = FileWriteError(path: path, code: errno, operation: "rename") }
        if let failure {
            unlink(temporary)
            throw failure
        }
        // Make the rename itself durable.
        let dir = open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }

    /// Writes `text` as UTF-8 to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Removes the temporary files in `folder` left by processes that no longer run; returns their names.
    @discardableResult
    public static func removeStale(in folder: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(".") {
            guard let range = name.range(of: ".tmp-", options: .backwards) else { continue }
            let pidText = name[range.upperBound...].split(separator: "-").first ?? ""
            guard let pid = Int32(pidText), pid > 0, pid != getpid(), !processIsAlive(pid) else { continue }
            if unlink((folder as NSString).appendingPathComponent(name)) == 0 { removed.append(name) }
        }
        return removed
    }

    /// Whether a process with `pid` exists (signal 0 probes without sending anything).
    public static func processIsAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int {
            lock.lock(); defer { lock.unlock() }
            value += 1
            return value
        }
    }
}
