// Safetensors.swift — reading and writing the safetensors format, by hand.
//
// Layout: 8 bytes little-endian u64 N, then N bytes of JSON header, then the data bytes.
// The header maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]}
// (offsets relative to the start of the data), plus an optional "__metadata__" map of
// strings to strings. Tensors are little-endian. Only F32, I32 and I64 are handled.
// Every read is validated (sizes, offsets, shapes) so that a truncated or corrupt file gives
// a `CheckpointError`, never a crash. Writes go through `AtomicFile` (a flushed temporary
// sibling renamed over the target), so an interrupted write never leaves a half-written
// checkpoint, and a full disk is reported as a full disk.

import Foundation
import WorkbenchNumerics

/// Why a checkpoint could not be read or written.
public enum CheckpointError: WorkbenchError, Equatable {
    case unreadable(path: String, reason: String)
    case corrupt(path: String, reason: String)
    case mismatch(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read checkpoint '\(path)': \(reason)"
        case .corrupt(let path, let reason): return "checkpoint '\(path)' is corrupt or truncated: \(reason)"
        case .mismatch(let path, let reason): return "checkpoint '\(path)' does not fit: \(reason)"
        }
    }
}

/// One tensor of a safetensors file.
public struct SafeTensor: Equatable, Sendable {
    public enum DType: String, Sendable {
        case f32 = "F32", i32 = "I32", i64 = "I64"
        var size: Int { self == .i64 ? 8 : 4 }
    }
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// The raw little-endian bytes.
    public let bytes: [UInt8]

    public init(name: String, floats: [Float], shape: [Int]) {
        precondition(shape.reduce(1, *) == floats.count, "shape \(shape) does not hold \(floats.count) values")
        self.name = name
        self.dtype = .f32
        self.shape = shape
        var bytes = [UInt8](repeating: 0, count: floats.count * 4)
        for (i, f) in floats.enumerated() {
            let b = f.bitPattern.littleEndian
            bytes[4 * i] = UInt8(truncatingIfNeeded: b)
            bytes[4 * i + 1] = UInt8(truncatingIfNeeded: b >> 8)
            bytes[4 * i + 2] = UInt8(truncatingIfNeeded: b >> 16)
            bytes[4 * i + 3] = UInt8(truncatingIfNeeded: b >> 24)
        }
        self.bytes = bytes
    }

    public init(name: String, int32s: [Int32], shape: [Int]) {
        precondition(shape.reduce(1, *) == int32s.count, "shape \(shape) does not hold \(int32s.count) values")
        self.name = name
        self.dtype = .i32
        self.shape = shape
        var bytes = [UInt8](repeating: 0, count: int32s.count * 4)
        for (i, v) in int32s.enumerated() {
            let b = UInt32(bitPattern: v)
            for k in 0..<4 { bytes[4 * i + k] = UInt8(truncatingIfNeeded: b >> (8 * UInt32(k))) }
        }
        self.bytes = bytes
    }

    init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The values as Float (F32 only).
    public var floats: [Float] {
        guard dtype == .f32 else { return [] }
        var out = [Float](repeating: 0, count: bytes.count / 4)
        for i in 0..<out.count {
            let b = UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8 | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24
            out[i] = Float(bitPattern: b)
        }
        return out
    }

    /// The values as Int (I32 or I64).
    public var ints: [Int] {
        switch dtype {
        case .f32: return []
        case .i32:
            return (0..<(bytes.count / 4)).map { i in
                Int(
                    Int32(
                        bitPattern: UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8 | UInt32(bytes[4 * i + 2]) << 16 | UInt32(
                            bytes[4 * i + 3]) << 24))
            }
        case .i64:
            return (0..<(bytes.count / 8)).map { i in
                var u: UInt64 = 0
                for k in 0..<8 { u |= UInt64(bytes[8 * i + k]) << (8 * UInt64(k)) }
                return Int(Int64(bitPattern: u))
            }
        }
    }
}

/// The contents of a safetensors file.
public struct SafetensorsFile: Sendable {
    /// Tensors in the order of their data.
    public var tensors: [SafeTensor]
    public var metadata: [String: String]

    public init(tensors: [SafeTensor], metadata: [String: String]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    public subscript(name: String) -> SafeTensor? { tensors.first { $0.name == name } }

    // MARK: - Writing

    /// The file's bytes.
    public func encoded() -> [UInt8] {
        var entries: [String] = []
        var offset = 0
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(Self.jsonQuote($0)):\(Self.jsonQuote(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        for t in tensors {
            let end = offset + t.bytes.count
            entries.append(
                "\(Self.jsonQuote(t.name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}"
            )
            offset = end
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while header.count % 8 != 0 { header.append(0x20) }  // pad with spaces, as the reference writer does
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        let n = UInt64(header.count)
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(k)))) }
        out.append(contentsOf: header)
        for t in tensors { out.append(contentsOf: t.bytes) }
        return out
    }

    /// Writes the file atomically (`AtomicFile.write`): the old file or the new one, never half of one.
    public func write(to path: String) throws {
        try AtomicFile.write(Data(encoded()), to: path)
    }

    static func jsonQuote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    // MARK: - Reading

    /// Reads and validates a safetensors file.
    public static func read(path: String) throws -> SafetensorsFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError.unreadable(path: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw CheckpointError.unreadable(path: path, reason: "is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError.unreadable(path: path, reason: "permission denied")
        }
        return try decode([UInt8](data), path: path)
    }

    /// Parses the bytes of a safetensors file; `path` is only used in messages.
    public static func decode(_ bytes: [UInt8], path: String) throws -> SafetensorsFile {
        func corrupt(_ reason: String) -> CheckpointError { .corrupt(path: path, reason: reason) }
        guard bytes.count >= 8 else { throw corrupt("\(bytes.count) bytes, shorter than the 8-byte header length") }
        var n: UInt64 = 0
        for k in 0..<8 { n |= UInt64(bytes[k]) << (8 * UInt64(k)) }
        guard n >= 2, n <= UInt64(bytes.count - 8), n < 100_000_000 else {
            throw corrupt("header length \(n) does not fit a file of \(bytes.count) bytes")
        }
        let headerEnd = 8 + Int(n)
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
            let header = json as? [String: Any]
        else {
            throw corrupt("the header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        if let meta = header["__metadata__"] {
            guard let m = meta as? [String: Any] else { throw corrupt("__metadata__ is not an object") }
            for (k, v) in m {
                guard let s = v as? String else { throw corrupt("metadata '\(k)' is not a string") }
                metadata[k] = s
            }
        }
        let dataCount = bytes.count - headerEnd
        var found: [(begin: Int, tensor: SafeTensor)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any],
                let dtypeName = entry["dtype"] as? String,
                let shapeAny = entry["shape"] as? [Any],
                let offsetsAny = entry["data_offsets"] as? [Any], offsetsAny.count == 2
            else {
                throw corrupt("tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let dtype = SafeTensor.DType(rawValue: dtypeName) else {
                throw CheckpointError.mismatch(
                    path: path, reason: "tensor '\(name)' has dtype \(dtypeName); only F32, I32 and I64 are supported")
            }
            let shape = try shapeAny.map { any -> Int in
                guard let v = (any as? NSNumber)?.intValue, v >= 0, v < 1 << 31 else { throw corrupt("tensor '\(name)' has a bad shape") }
                return v
            }
            let offsets = try offsetsAny.map { any -> Int in
                guard let v = (any as? NSNumber)?.intValue, v >= 0 else { throw corrupt("tensor '\(name)' has bad data_offsets") }
                return v
            }
            let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max / 16 : $0 * $1 }
            guard offsets[0] <= offsets[1], offsets[1] <= dataCount else {
                throw corrupt("tensor '\(name)' data [\(offsets[0]), \(offsets[1])) lies beyond the \(dataCount) data bytes")
            }
            guard offsets[1] - offsets[0] == count * dtype.size else {
                throw corrupt("tensor '\(name)' of shape \(shape) needs \(count * dtype.size) bytes, has \(offsets[1] - offsets[0])")
            }
            let start = headerEnd + offsets[0]
            let t = SafeTensor(name: name, dtype: dtype, shape: shape, bytes: Array(bytes[start..<(headerEnd + offsets[1])]))
            found.append((offsets[0], t))
        }
        return SafetensorsFile(tensors: found.sorted { $0.begin < $1.begin }.map(\.tensor), metadata: metadata)
    }
}
