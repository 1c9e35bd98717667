// Activation.swift — the element-wise nonlinearities f of a vanilla RNN and their derivatives:
// the workbench's one activation type (the RNN models and checks of Recurrent, the lag probes
// and Spectral's gradient-norm experiments all name their f with it), kept here so that both
// modules share it without depending on each other.

/// The activation f in h_k = f(z_k).
public enum Activation: String, CaseIterable, Codable, Sendable {
    case tanh, sigmoid, relu, identity

    /// f(z).
    @inlinable
    public func value<T: RealScalar>(_ z: T) -> T {
        switch self {
        case .tanh: return T.tanh(z)
        case .sigmoid: return T.sigmoid(z)
        case .relu: return max(z, 0)
        case .identity: return z
        }
    }

    /// f'(z). For relu the subgradient 0 is used at z = 0.
    @inlinable
    public func derivative<T: RealScalar>(_ z: T) -> T {
        switch self {
        case .tanh: let y = T.tanh(z); return 1 - y * y
        case .sigmoid: let s = T.sigmoid(z); return s * (1 - s)
        case .relu: return z > 0 ? 1 : 0
        case .identity: return 1
        }
    }

    /// f'(z) written with the output y = f(z), as a backward pass that kept only y needs it:
    /// 1 − y² for tanh, y(1 − y) for the sigmoid, [y > 0] for relu, 1 for the identity.
    @inlinable
    public func derivative<T: RealScalar>(output y: T) -> T {
        switch self {
        case .tanh: return 1 - y * y
        case .sigmoid: return y * (1 - y)
        case .relu: return y > 0 ? 1 : 0
        case .identity: return 1
        }
    }

    /// The largest value f' takes (γ in the vanishing-gradient bounds): 1/4 for the sigmoid.
    @inlinable
    public var derivativeBound: Double {
        switch self {
        case .sigmoid: return 0.25
        case .tanh, .relu, .identity: return 1
        }
    }
}
