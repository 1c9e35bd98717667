import XCTest
@testable import Worksheet

let rnnModel = """
size H = 4, D = 3, T = 5
param U[H,H], W[H,D], b[H]
input x[t][D] for t = 1..T
input y[t][H] for t = 1..T
input h[0][H]
z[t] = U @ h[t-1] + W @ x[t] + b            for t = 1..T
h[t] = tanh(z[t])                           for t = 1..T
L[t] = 0.5 * sum((h[t] - y[t])^2)           for t = 1..T
L = sum(t = 1..T, L[t])
let delta[t,k] = (1 - h[t]^2) * (h[t] - y[t])         for t = 1..T, k = t
let delta[t,k] = (1 - h[k]^2) * (U' @ delta[t,k+1])   for t = 1..T, k = 1..t-1

"""

final class SmokeTests: XCTestCase {
    func testExample() throws {
        let url = Bundle.module.url(forResource: "nndl-rnn", withExtension: "grad", subdirectory: "Fixtures")!
        let sheet = try Worksheet(contentsOf: url.path)
        let report = try sheet.check()
        for c in report.claims {
            print(c.line, c.text, c.instances, c.verdict, c.maxRelativeError, c.diagnosis as Any, c.finiteDifferences, c.toolFault as Any)
        }
    }
    func testDiagnoses() throws {
        let text = rnnModel + """
        claim dL/dW = sum(t = 1..T, delta[t,t] @ x[t]')
        claim dL/dW = sum(k = 1..T, delta[T,k] @ x[k]')
        claim dL/db = -sum(t = 1..T, sum(k = 1..t, delta[t,k]))
        claim dL/db = 2 * sum(t = 1..T, sum(k = 1..t, delta[t,k]))
        claim dL/dU = sum(t = 1..T, sum(k = 1..t, h[k-1] @ delta[t,k]'))
        claim dL/dW = -sum(t = 1..T, delta[t,t] @ x[t]')
        claim dL/db = sum(t = 1..T, h[t])
        claim dL[t]/dz[t] = (1 - z[t]^2) * (h[t] - y[t])  for t = 1..T
        claim dL[t]/dz[t] = h[t] - y[t]  for t = 1..T
        claim dL/dW = sum(t = 2..T, sum(k = 1..t, delta[t,k] @ x[k]'))
        """
        let report = try Worksheet(text: text).check()
        for c in report.claims {
            print(c.line, c.text, c.verdict, c.maxRelativeError, c.diagnosis?.kind as Any, c.diagnosis?.detail as Any, c.toolFault as Any)
        }
    }
}
