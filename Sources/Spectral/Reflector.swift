// Reflector.swift — the Householder reflector that maps (α, x) to (β, 0, …, 0) (LAPACK's dlarfg),
// shared by the Hessenberg reduction (RealSchur.swift) and the bidiagonalization
// (SingularValues.swift).
//
// Notation: H = I − τ v vᵀ with v = (1, u), a vector of length 1 + m. For (α, x) ≠ (α, 0),
// β = −sign(α) √(α² + ‖x‖²), τ = (β − α) / β ∈ [1, 2] and u = x / (α − β); then
// H (α; x) = (β; 0). For x = 0, τ = 0 and H = I (no sign flip, as in dlarfg). ‖x‖ comes from a
// scaled sum of squares, so nothing overflows; a β below the safe minimum is computed on a
// rescaled copy. Leaves out: the blocked (WY) form of several reflectors.

import Foundation

/// Turns (alpha, x) into the reflector's data in place: `alpha` becomes β, the `count` entries
/// `x[0], x[stride], …` become u, and the return value is τ (0 when H = I).
func makeReflector(alpha: inout Double, _ x: UnsafeMutablePointer<Double>, count: Int, stride: Int) -> Double {
    guard count > 0 else { return 0 }
    var xnorm = euclideanNorm(x, count: count, stride: stride)
    if xnorm == 0 { return 0 }
    var beta = -copysign(hypot(alpha, xnorm), alpha)
    let safmin = Double.leastNormalMagnitude / Double.ulpOfOne
    var rescalings = 0
    if abs(beta) < safmin {
        // β would lose accuracy to underflow: scale x and α up, recompute, scale β back.
        let rsafmn = 1 / safmin
        repeat {
            rescalings += 1
            for i in 0..<count { x[i * stride] *= rsafmn }
            beta *= rsafmn
            alpha *= rsafmn
        } while abs(beta) < safmin && rescalings < 20
        xnorm = euclideanNorm(x, count: count, stride: stride)
        beta = -copysign(hypot(alpha, xnorm), alpha)
    }
    let tau = (beta - alpha) / beta
    let inverse = 1 / (alpha - beta)
    for i in 0..<count { x[i * stride] *= inverse }
    for _ in 0..<rescalings { beta *= safmin }
    alpha = beta
    return tau
}
