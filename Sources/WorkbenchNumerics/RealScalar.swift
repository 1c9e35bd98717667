// RealScalar.swift — the floating-point types the workbench computes with.
//
// Generic numeric code needs elementary functions (exp, log, tanh) that the standard library
// does not put on a protocol. `RealScalar` adds them for `Double` and `Float`, so matrices,
// the autodiff tape and the checkers are written once and run in either precision.

import Foundation

/// A floating-point scalar with the elementary functions the workbench needs.
public protocol RealScalar: BinaryFloatingPoint, Codable, Sendable, CustomStringConvertible
where RawSignificand: FixedWidthInteger {
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func atan2(_ y: Self, _ x: Self) -> Self
}

extension Double: RealScalar {
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
    @inlinable public static func sin(_ x: Double) -> Double { Foundation.sin(x) }
    @inlinable public static func cos(_ x: Double) -> Double { Foundation.cos(x) }
    @inlinable public static func atan2(_ y: Double, _ x: Double) -> Double { Foundation.atan2(y, x) }
}

extension Float: RealScalar {
    @inlinable public static func exp(_ x: Float) -> Float { Foundation.expf(x) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.logf(x) }
    @inlinable public static func tanh(_ x: Float) -> Float { Foundation.tanhf(x) }
    @inlinable public static func pow(_ x: Float, _ y: Float) -> Float { Foundation.powf(x, y) }
    @inlinable public static func sin(_ x: Float) -> Float { Foundation.sinf(x) }
    @inlinable public static func cos(_ x: Float) -> Float { Foundation.cosf(x) }
    @inlinable public static func atan2(_ y: Float, _ x: Float) -> Float { Foundation.atan2f(y, x) }
}

extension RealScalar {
    /// The logistic sigmoid 1 / (1 + e^(−x)), written to stay finite for large |x|.
    @inlinable public static func sigmoid(_ x: Self) -> Self {
        if x >= 0 {
            return 1 / (1 + exp(-x))
        }
        let e = exp(x)
        return e / (1 + e)
    }
}
