// SeededGenerator.swift — a random stream that is the same on every platform.
//
// xoshiro256** (Blackman & Vigna), seeded through SplitMix64. Everything that must repeat
// (weights, data shuffles, sampling, random directions in the gradient checker) draws from
// this generator through the methods below, never through the standard library's
// `random(in:)` helpers, whose algorithms are not promised to stay fixed.

/// A seeded xoshiro256** generator.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// The 256-bit state; saving and restoring it resumes the stream exactly.
    public private(set) var state: [UInt64]

    /// A generator whose stream is determined by `seed`.
    public init(seed: UInt64) {
        var sm = seed
        func splitMix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = [splitMix(), splitMix(), splitMix(), splitMix()]
    }

    /// A generator resumed from a saved `state` (four words, not all zero).
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        self.state = state
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = Self.rotl(state[3], 45)
        return result
    }

    /// A uniform `Double` in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform value in [low, high).
    public mutating func uniform<T: RealScalar>(_ low: T, _ high: T) -> T {
        low + T(nextUnit()) * (high - low)
    }

    /// A standard normal value (Box–Muller, one value per call).
    public mutating func normal() -> Double {
        var u1 = nextUnit()
        while u1 <= 0 { u1 = nextUnit() }
        let u2 = nextUnit()
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
    }

    /// A uniform integer in 0..<bound (Lemire's unbiased method).
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// Shuffles `array` in place (Fisher–Yates, last to first).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = int(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }
}

extension Matrix {
    /// Entries drawn uniformly from [low, high).
    public static func random(
        _ rows: Int, _ cols: Int, in range: ClosedRange<Scalar> = -1...1,
        using rng: inout SeededGenerator
    ) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for i in 0..<m.count { m.storage[i] = rng.uniform(range.lowerBound, range.upperBound) }
        return m
    }

    /// Entries drawn from N(0, std²).
    public static func randomNormal(
        _ rows: Int, _ cols: Int, std: Scalar = 1,
        using rng: inout SeededGenerator
    ) -> Matrix {
        var m = Matrix(rows: rows, cols: cols)
        for i in 0..<m.count { m.storage[i] = std * Scalar(rng.normal()) }
        return m
    }
}
