import Foundation
import XCTest

@testable import WorkbenchNumerics

final class AtomicFileTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testAnExistingFileIsReplacedWhole() throws {
        let path = dir.appendingPathComponent("plot.svg").path
        try AtomicFile.write("first, longer contents", to: path)
        try AtomicFile.write("second", to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "second")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["plot.svg"], "no temporary file is left")
    }

    func testAMissingFolderIsAnErrorThatNamesThePathAndLeavesNothing() {
        let path = dir.appendingPathComponent("missing/plot.svg").path
        XCTAssertThrowsError(try AtomicFile.write("x", to: path)) { error in
            let e = error as? FileWriteError
            XCTAssertEqual(e?.code, ENOENT)
            XCTAssertTrue(e?.description.contains(path) ?? false)
            XCTAssertEqual(e?.exitStatus, 1)
        }
    }

    func testAFolderIsNotReplaced() throws {
        let path = dir.appendingPathComponent("sub").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        XCTAssertThrowsError(try AtomicFile.write("x", to: path)) { XCTAssertEqual(($0 as? FileWriteError)?.code, EISDIR) }
    }

    func testAFullDiskIsNamedAsSuch() {
        XCTAssertTrue(FileWriteError(path: "a", code: ENOSPC, operation: "write").description.contains("the disk is full"))
    }

    func testTemporaryFilesOfDeadProcessesAreRemovedAndLiveOnesKept() throws {
        // A process that has exited: its pid no longer runs.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        let dead = p.processIdentifier
        let stale = ".poem.safetensors.tmp-\(dead)-1"
        let live = ".poem.safetensors.tmp-\(getppid())-1"
        for name in [stale, live, "poem.safetensors"] {
            FileManager.default.createFile(atPath: dir.appendingPathComponent(name).path, contents: Data("x".utf8))
        }
        XCTAssertEqual(AtomicFile.removeStale(in: dir.path), [stale])
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)), [live, "poem.safetensors"])
    }
}
