// ActivationTests.swift — f'(z) from z and from y = f(z) agree, and both agree with central
// differences of f; the derivative bound γ is the largest f' takes.

import Recurrent
import XCTest

final class ActivationTests: XCTestCase {
    func testDerivativeFromOutputEqualsDerivativeFromInputAndFiniteDifferences() {
        let zs: [Double] = [-3, -0.7, -0.1, 0.2, 0.9, 2.5]
        for f in Activation.allCases {
            for z in zs {
                let fromZ = f.derivative(z), fromY = f.derivative(output: f.value(z))
                XCTAssertEqual(fromY, fromZ, accuracy: 1e-15, "\(f) at \(z)")
                let fd = (f.value(z + 1e-6) - f.value(z - 1e-6)) / 2e-6
                XCTAssertEqual(fromZ, fd, accuracy: 1e-8, "\(f) at \(z)")
                XCTAssertLessThanOrEqual(fromZ, f.derivativeBound)
            }
        }
        // The comparison sees a wrong derivative: the sigmoid's written as the tanh's.
        let y = Activation.sigmoid.value(0.9)
        XCTAssertGreaterThan(abs(Activation.tanh.derivative(output: y) - Activation.sigmoid.derivative(0.9)), 0.1)
    }

    func testDerivativeBoundIsAttainedAtZero() {
        XCTAssertEqual(Activation.sigmoid.derivative(0.0), Activation.sigmoid.derivativeBound)
        XCTAssertEqual(Activation.tanh.derivative(0.0), Activation.tanh.derivativeBound)
    }
}
