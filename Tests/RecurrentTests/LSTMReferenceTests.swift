// LSTMReferenceTests.swift — the LSTM forward pass and hand-derived BPTT against tensors that
// PyTorch computed (Fixtures/, written by scripts/make_reference.py). Tolerance 1e-9
// relative to each tensor's largest entry, in Double.

import Foundation
import WorkbenchNumerics
import XCTest

@testable import Recurrent

/// One fixture file (see Fixtures/README.md).
struct LSTMReferenceFixture: Decodable {
    struct Tensor: Decodable {
        let shape: [Int]
        let data: [Double]
    }
    struct IntTensor: Decodable {
        let shape: [Int]
        let data: [Int]
    }
    struct Config: Decodable {
        let input_size, hidden_size, num_layers, outputs, batch, steps: Int
        let nonzero_initial: Bool
    }
    let format: Int
    let generator: String
    let torch: String
    let seed: Int
    let config: Config
    let parameters: [String: Tensor]
    let input: Tensor
    let h0: Tensor
    let c0: Tensor
    let targets: IntTensor
    let output: Tensor
    let h_n: Tensor
    let c_n: Tensor
    let loss: Double
    let gradients: [String: Tensor]
}

extension LSTMReferenceFixture.Tensor {
    /// A PyTorch (N) or (R, C) tensor as a matrix; a vector becomes a (1, N) row.
    var matrix: Matrix<Double> {
        shape.count == 1 ? Matrix(rows: 1, cols: shape[0], storage: data) : Matrix(rows: shape[0], cols: shape[1], storage: data)
    }

    /// Slice `t` of a (B, T, X) tensor as a (B, X) matrix: x[:, t, :].
    func timeSlice(_ t: Int) -> Matrix<Double> {
        let (b, steps, x) = (shape[0], shape[1], shape[2])
        var m = Matrix<Double>.zeros(b, x)
        for r in 0..<b { for j in 0..<x { m[r, j] = data[(r * steps + t) * x + j] } }
        return m
    }

    /// Slice `l` of an (L, B, H) tensor as a (B, H) matrix.
    func layer(_ l: Int) -> Matrix<Double> {
        let (b, h) = (shape[1], shape[2])
        return Matrix(rows: b, cols: h, storage: Array(data[(l * b * h)..<((l + 1) * b * h)]))
    }
}

final class LSTMReferenceTests: XCTestCase {
    func fixtureURLs() throws -> [URL] {
        let dir = try XCTUnwrap(
            Bundle.module.url(forResource: "Fixtures", withExtension: nil), "Fixtures folder missing from the test bundle")
        let files = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        XCTAssertEqual(files.count, 12, "expected 12 fixtures (L ∈ {1,2} × T ∈ {1,5,20} × zero/random h0)")
        return files
    }

    /// The workbench's problem built from the fixture's tensors (nothing of ours computed).
    func problem(from f: LSTMReferenceFixture) -> LSTMProblem<Double> {
        let layers = (0..<f.config.num_layers).map { l in
            LSTMLayerParameters(
                weightIH: f.parameters["weight_ih_l\(l)"]!.matrix, weightHH: f.parameters["weight_hh_l\(l)"]!.matrix,
                biasIH: f.parameters["bias_ih_l\(l)"]!.matrix, biasHH: f.parameters["bias_hh_l\(l)"]!.matrix)
        }
        let initial = LSTMState(hidden: (0..<layers.count).map { f.h0.layer($0) }, cell: (0..<layers.count).map { f.c0.layer($0) })
        let steps = f.config.steps, b = f.config.batch
        let targets = (0..<steps).map { t in (0..<b).map { r in f.targets.data[r * steps + t] } }
        return LSTMProblem(
            lstm: LSTM(layers: layers), fcWeight: f.parameters["fc.weight"]!.matrix,
            fcBias: f.parameters["fc.bias"]!.matrix, initial: initial,
            inputs: (0..<steps).map { f.input.timeSlice($0) }, loss: .crossEntropy(targets: targets))
    }

    /// max |ours − torch| / max(|torch|) for one named tensor.
    func relativeError(_ ours: Matrix<Double>, _ torch: Matrix<Double>) -> Double {
        precondition(ours.count == torch.count)
        return (ours - Matrix(rows: ours.rows, cols: ours.cols, storage: torch.storage)).maxAbs() / max(torch.maxAbs(), 1e-300)
    }

    /// (name, relative difference) for every tensor the fixture holds: outputs, h_n, c_n, loss,
    /// every parameter gradient, ∂L/∂h0, ∂L/∂c0 and ∂L/∂input.
    func differences(_ p: LSTMProblem<Double>, _ f: LSTMReferenceFixture) throws -> [(String, Double)] {
        var errors: [(String, Double)] = []
        // Forward: output (B, T, H), h_n, c_n, loss.
        let result = p.lstm.forward(p.inputs, initial: p.initial)
        for t in 0..<f.config.steps {
            errors.append(("output[:, \(t)]", relativeError(result.outputs[t], f.output.timeSlice(t))))
        }
        for l in 0..<f.config.num_layers {
            errors.append(("h_n[\(l)]", relativeError(result.final.hidden[l], f.h_n.layer(l))))
            errors.append(("c_n[\(l)]", relativeError(result.final.cell[l], f.c_n.layer(l))))
        }
        let (loss, grads) = p.handGradients()
        errors.append(("loss", abs(loss - f.loss) / abs(f.loss)))
        // Backward: every parameter, h0, c0.
        for (key, tensor) in f.gradients where key != "h0" && key != "c0" && key != "input" {
            errors.append(("∂L/∂\(key)", relativeError(try XCTUnwrap(grads[key], "no gradient for \(key)"), tensor.matrix)))
        }
        for l in 0..<f.config.num_layers {
            errors.append(("∂L/∂h0[\(l)]", relativeError(grads["h0_l\(l)"]!, f.gradients["h0"]!.layer(l))))
            errors.append(("∂L/∂c0[\(l)]", relativeError(grads["c0_l\(l)"]!, f.gradients["c0"]!.layer(l))))
        }
        // ∂L/∂input through the backward's dInputs.
        var acc = p.lstm.zeroGradients()
        let head = p.headLoss(result.outputs, wantGradient: true)
        let back = p.lstm.backward(result, dOutputs: head.dOutputs, into: &acc)
        for t in 0..<f.config.steps {
            errors.append(("∂L/∂input[:, \(t)]", relativeError(back.dInputs[t], f.gradients["input"]!.timeSlice(t))))
        }
        return errors
    }

    func testForwardAndBPTTMatchPyTorchFixturesToOneInABillion() throws {
        for url in try fixtureURLs() {
            let f = try JSONDecoder().decode(LSTMReferenceFixture.self, from: Data(contentsOf: url))
            XCTAssertEqual(f.format, 1)
            XCTAssertEqual(f.generator, "scripts/make_reference.py")
            let name = url.lastPathComponent
            let errors = try differences(problem(from: f), f)
            let worst = errors.max { $0.1 < $1.1 }!
            print("\(name): \(errors.count) tensors, worst relative difference \(worst.0) = \(worst.1)")
            if !(worst.1 <= 1e-9) {
                let report = errors.filter { !($0.1 <= 1e-9) }.map { "\($0.0): \($0.1)" }.joined(separator: ", ")
                XCTFail("\(name): worst relative difference \(worst.0) = \(worst.1) > 1e-9; failing tensors: \(report)")
            }
        }
    }

    func testFixtureComparisonDetectsAWeightChangedByOnePartInAMillion() throws {
        let url = try XCTUnwrap(fixtureURLs().first { $0.lastPathComponent == "lstm_l2_t5_h0rand.json" })
        let f = try JSONDecoder().decode(LSTMReferenceFixture.self, from: Data(contentsOf: url))
        var p = problem(from: f)
        p.lstm.layers[1].weightHH.storage[3] *= 1 + 1e-6
        let worst = try differences(p, f).map(\.1).max()!
        XCTAssertGreaterThan(worst, 1e-9, "a perturbed weight went unnoticed")
    }
}
