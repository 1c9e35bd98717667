// TorchReference.swift — running the project's PyTorch trainer (scripts/torch_poem_bench.py)
// for the benchmark's comparison, and reading the figures it prints.
//
// The script is the homework's model and loop in PyTorch; it prints one JSON object. This
// type finds the script (next to the project: the current directory, then the folders above
// the executable), checks that the Python interpreter exists and imports torch, runs the
// script with the same corpus, thread count and number of batches, and decodes its report.
// Environment variables pass through, so ATEN_CPU_CAPABILITY=avx2 (and MKL_ENABLE_INSTRUCTIONS,
// ONEDNN_MAX_CPU_ISA) restrict PyTorch as a Swift build for AVX2 is restricted.
// Leaves out: installing torch.

import Foundation
import WorkbenchNumerics

/// What the PyTorch reference measured (its first epoch).
public struct TorchFigures: Sendable, Codable, Equatable {
    public var python: String
    public var script: String
    public var version: String
    /// PyTorch's CPU capability (e.g. AVX2, AVX512).
    public var cpuCapability: String
    public var threads: Int
    public var batchesTimed: Int
    public var projectedEpochSeconds: Double
    public var meanLoss: Double
}

/// Why the PyTorch comparison could not run.
public enum TorchReferenceError: WorkbenchError, Equatable {
    case pythonNotFound(String)
    case noTorch(python: String)
    case scriptNotFound(String)
    case noDefaultScript(searched: [String])
    case failed(command: String, status: Int32, message: String)
    case unreadableOutput(command: String)

    public var description: String {
        switch self {
        case .pythonNotFound(let p):
            return "python '\(p)' does not exist or cannot run; pass --python PATH of a Python with torch, or --no-torch"
        case .noTorch(let p):
            return
                "python '\(p)' cannot import torch; pass --python PATH of a Python with torch (e.g. a virtual environment), or --no-torch"
        case .scriptNotFound(let path):
            return "no PyTorch script at '\(path)'; pass --torch-script FILE (the project's is scripts/torch_poem_bench.py)"
        case .noDefaultScript(let searched):
            return
                "the project's PyTorch script was not found (looked for \(searched.joined(separator: ", "))); run from the project folder, pass --torch-script FILE, or --no-torch"
        case .failed(let command, let status, let message):
            return "the PyTorch reference failed (exit \(status)): \(message.isEmpty ? "no message" : message) — command: \(command)"
        case .unreadableOutput(let command):
            return "the PyTorch reference printed no figures this workbench can read — command: \(command)"
        }
    }
}

/// The project's PyTorch trainer, ready to run.
public struct TorchReference: Sendable {
    public var python: String
    public var script: String

    /// The script's path inside the project.
    public static let scriptPath = "scripts/torch_poem_bench.py"
    /// The interpreter tried when none is given.
    public static let defaultPython = "python3"

    /// Checks the interpreter (it must exist and import torch) and the script.
    /// - Parameters:
    ///   - python: the interpreter (a path, or a name looked up in PATH); nil: `python3`.
    ///   - script: the script; nil: the project's, found by `locateScript`.
    public init(python: String?, script: String?) throws {
        let python = python ?? Self.defaultPython
        if let script, !FileManager.default.fileExists(atPath: script) { throw TorchReferenceError.scriptNotFound(script) }
        guard let status = Self.exitStatus(python, ["-c", "import torch"]) else { throw TorchReferenceError.pythonNotFound(python) }
        if status == 127 || status == 126 { throw TorchReferenceError.pythonNotFound(python) }
        if status != 0 { throw TorchReferenceError.noTorch(python: python) }
        if let script {
            self.script = script
        } else {
            let candidates = Self.scriptCandidates()
            guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw TorchReferenceError.noDefaultScript(searched: candidates)
            }
            self.script = found
        }
        self.python = python
    }

    /// Where the project's script may be: under the current directory, then under each folder
    /// above the running executable (a build in `.build/…/release` of the project).
    public static func scriptCandidates() -> [String] {
        var paths = [scriptPath]  // relative to the current directory
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            paths.append(dir.appendingPathComponent(scriptPath).path)
            dir = dir.deletingLastPathComponent()
        }
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }

    /// Runs the script on `corpus` and returns its first epoch's figures.
    public func run(corpus: String, threads: Int, batches: Int) throws -> TorchFigures {
        let arguments = [script, corpus, "--threads", String(threads), "--batches", String(batches)]
        let command = ([python] + arguments).joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { throw TorchReferenceError.pythonNotFound(python) }
        // Read stderr on its own thread so that neither pipe can fill up and stall the script.
        let errorText = ErrorCollector()
        let reader = Thread { errorText.data = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorText.done { usleep(1000) }
        guard process.terminationStatus == 0 else {
            let lines = String(decoding: errorText.data ?? Data(), as: UTF8.self).split(separator: "\n")
            throw TorchReferenceError.failed(
                command: command, status: process.terminationStatus,
                message: lines.last.map(String.init) ?? "")
        }
        struct Report: Decodable {
            struct Epoch: Decodable {
                var batches: Int
                var projected_epoch_seconds: Double
                var mean_loss: Double
            }
            var torch: String
            var cpu_capability: String?
            var threads: Int
            var epochs: [Epoch]
        }
        guard let report = try? JSONDecoder().decode(Report.self, from: data), let first = report.epochs.first else {
            throw TorchReferenceError.unreadableOutput(command: command)
        }
        return TorchFigures(
            python: python, script: script, version: report.torch, cpuCapability: report.cpu_capability ?? "?",
            threads: report.threads, batchesTimed: first.batches,
            projectedEpochSeconds: first.projected_epoch_seconds, meanLoss: first.mean_loss)
    }

    /// The exit status of `command arguments` (nil when it cannot be started).
    static func exitStatus(_ command: String, _ arguments: [String]) -> Int32? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Standard error of the script, filled by a reader thread.
private final class ErrorCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Data?
    private var finished = false
    var data: Data? {
        get { lock.withLock { stored } }
        set {
            lock.withLock {
                stored = newValue; finished = true
            }
        }
    }
    var done: Bool { lock.withLock { finished } }
}
