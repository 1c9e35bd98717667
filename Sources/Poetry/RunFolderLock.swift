// RunFolderLock.swift — one training run per folder: an advisory lock file with its owner's pid.
//
// The lock is `flock(2)` on `FOLDER/.poem-train.lock`, which holds the owner's pid. The kernel
// drops an flock when its process ends in any way (SIGKILL included), so a lock file left by a
// dead process is stale by construction: the next run takes it over, and says so. Releasing
// removes the file while still holding the lock; a process that opened the old file meanwhile
// sees that the path no longer names the file it locked, and starts over. Where the file system
// does not support flock, the pid alone decides: a live process other than this one owns it.
// Leaves out: waiting for the lock (a second run is refused at once), locks across machines on
// network file systems.

import Foundation

/// An exclusive, advisory lock on a run folder, held until `release` (or deinit).
public final class RunFolderLock {
    /// The lock file's name inside the folder.
    public static let fileName = ".poem-train.lock"

    /// The lock file.
    public let path: String
    /// The pid recorded by a previous owner that was no longer running (a stale lock), if any.
    public let stalePid: Int32?
    private var descriptor: Int32

    private init(path: String, descriptor: Int32, stalePid: Int32?) {
        self.path = path
        self.descriptor = descriptor
        self.stalePid = stalePid
    }

    deinit { release() }

    /// Takes the lock of `folder` (which must exist), or throws `TrainingRunError.folderInUse`
    /// naming the owner's pid.
    public static func acquire(folder: String) throws -> RunFolderLock {
        let path = (folder as NSString).appendingPathComponent(fileName)
        for _ in 0..<8 {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw TrainingRunError.lockFailed(folder: folder, reason: String(cString: strerror(errno))) }
            let recorded = recordedPid(fd)
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                close(fd)
                if code == EWOULDBLOCK || code == EINTR { throw TrainingRunError.folderInUse(folder: folder, pid: recorded) }
                // No flock on this file system: decide by the recorded pid alone.
                if let pid = recorded, pid != getpid(), AtomicFile.processIsAlive(pid) {
                    throw TrainingRunError.folderInUse(folder: folder, pid: pid)
                }
                return try takeOver(path: path, folder: folder, stalePid: recorded)
            }
            // The path must still name the file just locked (a releasing owner unlinks it).
            var opened = stat(), named = stat()
            guard fstat(fd, &opened) == 0, stat(path, &named) == 0, opened.st_ino == named.st_ino, opened.st_dev == named.st_dev else {
                close(fd)
                continue
            }
            guard write(pid: getpid(), to: fd) else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw TrainingRunError.lockFailed(folder: folder, reason: reason)
            }
            let stale = recorded.flatMap { $0 != getpid() ? $0 : nil }
            return RunFolderLock(path: path, descriptor: fd, stalePid: stale)
        }
        throw TrainingRunError.lockFailed(folder: folder, reason: "the lock file keeps being replaced by another process")
    }

    /// Without flock: records this process's pid in a fresh lock file.
    private static func takeOver(path: String, folder: String, stalePid: Int32?) throws -> RunFolderLock {
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0, write(pid: getpid(), to: fd) else {
            throw TrainingRunError.lockFailed(folder: folder, reason: String(cString: strerror(errno)))
        }
        return RunFolderLock(path: path, descriptor: fd, stalePid: stalePid.flatMap { $0 != getpid() ? $0 : nil })
    }

    /// Removes the lock file and drops the lock (again: nothing).
    public func release() {
        guard descriptor >= 0 else { return }
        unlink(path)
        close(descriptor)
        descriptor = -1
    }

    /// Whether this object still holds the lock.
    public var isHeld: Bool { descriptor >= 0 }

    private static func recordedPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text).flatMap { $0 > 0 ? $0 : nil }
    }

    private static func write(pid: Int32, to fd: Int32) -> Bool {
        let bytes = Array("\(pid)\n".utf8)
        guard ftruncate(fd, 0) == 0 else { return false }
        return pwrite(fd, bytes, bytes.count, 0) == bytes.count
    }
}
