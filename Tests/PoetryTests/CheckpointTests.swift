// CheckpointTests.swift — safetensors round trips and clear errors for damaged files.

import XCTest

@testable import Poetry
@testable import WorkbenchNumerics  // FileWriteError(path:code:operation:)

final class CheckpointTests: XCTestCase {
    func tinyCheckpoint() -> PoemCheckpoint {
        let v = Vocabulary(poems: [Array("山水月风花"), Array("雪云天日江")])
        let config = PoemModelConfig(rows: v.modelRows, embeddingDim: 3, hiddenSize: 2, layers: 2)
        return PoemCheckpoint(model: PoemModel(config: config, seed: 1), vocabulary: v, info: ["note": "x\"y"])
    }

    func testModelCheckpointRoundTripsWithHomeworkNames() throws {
        let dir = try scratchDirectory(self)
        let path = dir.appendingPathComponent("m.safetensors").path
        let ck = tinyCheckpoint()
        try ck.write(to: path)
        let back = try PoemCheckpoint.read(path: path)
        XCTAssertEqual(back.model, ck.model)
        XCTAssertEqual(back.vocabulary.characters, ck.vocabulary.characters)
        XCTAssertEqual(back.info["note"], "x\"y")
        let names = ck.file().tensors.map(\.name)
        XCTAssertEqual(names.first, "word_embedding_lookup.word_embedding.weight")
        XCTAssertTrue(names.contains("rnn_lstm.weight_hh_l1"))
        XCTAssertEqual(names.last, "fc.bias")
        // header length is a multiple of 8 and the data follows it
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let n = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16
        XCTAssertEqual(n % 8, 0)
        XCTAssertEqual(bytes.count, 8 + n + ck.model.parameters.count * 4)
    }

    func testTrainingStateRoundTripsExactly() throws {
        let dir = try scratchDirectory(self)
        let path = dir.appendingPathComponent("s.safetensors").path
        let s = TrainingState(
            step: 7, epoch: 1, batch: 3, firstMoment: [1, -2.5], secondMoment: [0.25, 3],
            rngState: [1, 2, 3, 4], order: [2, 0, 1], epochLossSum: 0.1 + 0.2,
            epochLosses: [3.25, .pi], validationLosses: [], stepLosses: [1, 2], options: ["lr": "0.003"])
        try s.write(to: path)
        XCTAssertEqual(try TrainingState.read(path: path), s)
        XCTAssertEqual(TrainingState.path(forCheckpoint: "a/b.safetensors"), "a/b.state.safetensors")
    }

    func testTruncatedCorruptAndWrongShapedFilesGiveClearErrors() throws {
        let dir = try scratchDirectory(self)
        let good = tinyCheckpoint().file().encoded()
        func expectError(_ bytes: [UInt8], _ fragment: String, line: UInt = #line) throws {
            let path = dir.appendingPathComponent("bad-\(line).safetensors").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try PoemCheckpoint.read(path: path), line: line) { e in
                XCTAssertTrue(e is CheckpointError, "\(e)", line: line)
                XCTAssertTrue("\(e)".contains(fragment), "\(e) lacks '\(fragment)'", line: line)
                XCTAssertTrue("\(e)".contains(path), line: line)
            }
        }
        try expectError([], "shorter than")
        try expectError(Array(good.prefix(5)), "shorter than")
        try expectError(Array(good.prefix(40)), "header length")
        try expectError(Array(good.dropLast(4)), "lies beyond")
        var garbled = good
        for i in 8..<20 { garbled[i] = 0x7B }
        try expectError(garbled, "not a JSON object")
        // a tensor of the wrong shape
        var f = tinyCheckpoint().file()
        let i = f.tensors.firstIndex { $0.name == "fc.bias" }!
        f.tensors[i] = SafeTensor(name: "fc.bias", floats: [Float](repeating: 0, count: 4), shape: [2, 2])
        try expectError(f.encoded(), "has shape [2, 2]")
        // a missing tensor
        f = tinyCheckpoint().file()
        f.tensors.removeAll { $0.name == "rnn_lstm.bias_hh_l1" }
        try expectError(f.encoded(), "'rnn_lstm.bias_hh_l1' is missing")
        // no vocabulary
        f = tinyCheckpoint().file()
        f.metadata["vocabulary"] = nil
        try expectError(f.encoded(), "no vocabulary")
        // a NaN weight
        f = tinyCheckpoint().file()
        f.tensors[0] = SafeTensor(
            name: f.tensors[0].name, floats: [Float](repeating: .nan, count: f.tensors[0].count), shape: f.tensors[0].shape)
        try expectError(f.encoded(), "non-finite")
        XCTAssertThrowsError(try PoemCheckpoint.read(path: dir.appendingPathComponent("none").path)) { e in
            XCTAssertTrue("\(e)".contains("no such file"))
        }
    }

    func testRandomDamageNeverCrashesTheReader() {
        let good = tinyCheckpoint().file().encoded()
        var rng = SeededGenerator(seed: 17)
        for trial in 0..<300 {
            var bytes = good
            if trial % 3 == 0 {
                bytes = Array(bytes.prefix(rng.int(below: bytes.count)))
            } else {
                for _ in 0..<(1 + rng.int(below: 4)) {
                    let i = rng.int(below: min(bytes.count, 8 + 600))  // mostly the header
                    bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                }
            }
            do {
                _ = try SafetensorsFile.decode(bytes, path: "fuzz")
            } catch {
                XCTAssertTrue(error is CheckpointError, "trial \(trial): \(error)")
            }
            if trial % 10 == 0 {
                // The whole model reader too (shapes, metadata, values).
                let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(getpid())-\(trial).safetensors")
                try? Data(bytes).write(to: url)
                do { _ = try PoemCheckpoint.read(path: url.path) } catch {
                    XCTAssertTrue(error is CheckpointError, "trial \(trial): \(error)")
                }
                try? FileManager.default.removeItem(at: url)
            }
        }
    }

    func testImplausibleSizesInMetadataAreRejectedBeforeAllocating() throws {
        let dir = try scratchDirectory(self)
        var f = tinyCheckpoint().file()
        f.metadata["hidden_size"] = "16384"
        f.metadata["layers"] = "16"
        let path = dir.appendingPathComponent("big.safetensors").path
        try f.write(to: path)
        XCTAssertThrowsError(try PoemCheckpoint.read(path: path)) { e in
            XCTAssertTrue("\(e)".contains("has shape"), "\(e)")
        }
    }

    func testAtomicWriteLeavesNoTemporaryFiles() throws {
        let dir = try scratchDirectory(self)
        let path = dir.appendingPathComponent("m.safetensors").path
        try tinyCheckpoint().write(to: path)
        try tinyCheckpoint().write(to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["m.safetensors"])
        // The one atomic writer of the workbench (AtomicFile), with its errors: not a helper of its own.
        let missing = dir.appendingPathComponent("no/dir/m.safetensors").path
        XCTAssertThrowsError(try tinyCheckpoint().write(to: missing)) { e in
            XCTAssertEqual(e as? FileWriteError, FileWriteError(path: missing, code: ENOENT, operation: "create a temporary file"))
            XCTAssertTrue("\(e)".contains("its folder does not exist"), "\(e)")
        }
    }

    func testTrainingStateRoundTripsItsCorpusFingerprintAndRefusesTheOlderFormat() throws {
        let dir = try scratchDirectory(self)
        let path = dir.appendingPathComponent("s.safetensors").path
        let corpus = CorpusFingerprint(poems: [[0, 3, 4, 1], [0, 5, 1]])
        let s = TrainingState(rngState: [1, 2, 3, 4], order: [1, 0], options: ["lr": "0.003"], corpus: corpus)
        try s.write(to: path)
        XCTAssertEqual(try TrainingState.read(path: path), s)
        XCTAssertEqual(CorpusFingerprint(poems: [[0, 5, 1], [0, 3, 4, 1]]).unordered, corpus.unordered)
        XCTAssertNotEqual(CorpusFingerprint(poems: [[0, 5, 1], [0, 3, 4, 1]]).ordered, corpus.ordered)
        var old = s.file()
        old.metadata["format"] = PoemCheckpoint.format + "-state"
        try old.write(to: path)
        XCTAssertThrowsError(try TrainingState.read(path: path)) { e in
            XCTAssertTrue("\(e)".contains("older workbench") && "\(e)".contains("--init-from"), "\(e)")
        }
    }
}
