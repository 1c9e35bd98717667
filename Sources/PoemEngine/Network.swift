// Network.swift — forward and backward passes of the poem model on a batch, in Float32.
//
// Dimension letters: B poems in the batch, T input positions (poem length + 1: `G` + poem
// without `E` as input, poem + `E` as target), E embedding width, H hidden width, G = 4H,
// R = V + 1 output rows, L layers. Rows of every activation buffer are time-major:
// row r = t·B + b, so the B rows of one time step are contiguous.
// Notation: PyTorch LSTM, gates (i, f, g, o):
//   z_t = x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh        (B, G)
//   i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o)
//   c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
// Loss: mean over every (unpadded) position of −log softmax(h_t W_fcᵀ + b_fc)[target].
// Backward (the hand-derived LSTM BPTT):
//   dc_t = dc_{t+1} ⊙ f_{t+1} + dh_t ⊙ o ⊙ (1 − tanh²c_t)
//   dz_o = dh_t ⊙ tanh c_t ⊙ o(1−o),  dz_i = dc_t ⊙ g ⊙ i(1−i),
//   dz_g = dc_t ⊙ i ⊙ (1−g²),         dz_f = dc_t ⊙ c_{t−1} ⊙ f(1−f)
//   dh_{t−1} += dz_t W_hh,  dW_hh = Σ_t dz_tᵀ h_{t−1},  dW_ih = Σ_t dz_tᵀ x_t,  db = Σ_t dz_t
// `forward` keeps exactly what `backward` needs: every layer's input, activated gates,
// cells, tanh(cells) and outputs, the logits (overwritten by their gradient) and, per chunk
// of 32 rows, the sum of those gradient rows (db_fc is the chunks' sums added in order).
// The gradient is written (not added) into the caller's buffer.
// Leaves out: dropout, initial states other than zero, sequence packing.

import Dispatch
import Foundation

/// A growable raw Float32 buffer.
package final class FloatBuffer {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int
    init(_ capacity: Int = 16) {
        self.capacity = max(16, capacity)
        pointer = .allocate(capacity: self.capacity)
        pointer.initialize(repeating: 0, count: self.capacity)
    }
    deinit { pointer.deallocate() }
    /// Makes room for `count` floats (contents are not kept when it grows).
    @discardableResult func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: count)
            pointer.initialize(repeating: 0, count: count)
        }
        return pointer
    }
}

/// Seconds and floating-point operations spent in each phase of the passes.
public struct PhaseTimings: Equatable, Sendable, Codable {
    /// The T sequential steps of each layer: h_{t−1} W_hhᵀ, the cell, and their backward.
    public var recurrentSeconds: Double = 0
    public var recurrentFlops: Double = 0
    /// The batched LSTM products: input projections, dW_ih, dW_hh, dX.
    public var projectionSeconds: Double = 0
    public var projectionFlops: Double = 0
    /// The output layer: logits, dW_fc, dH.
    public var outputSeconds: Double = 0
    public var outputFlops: Double = 0
    /// Softmax, cross-entropy and its gradient.
    public var softmaxSeconds: Double = 0
    public var softmaxFlops: Double = 0
    /// The optimizer pass: gradient norm, clipping and the update (memory-bound, no FLOP count).
    public var optimizerSeconds: Double = 0
    /// Everything else (embedding lookup and its gradient).
    public var otherSeconds: Double = 0

    public init() {}

    public static func += (a: inout PhaseTimings, b: PhaseTimings) {
        a.recurrentSeconds += b.recurrentSeconds; a.recurrentFlops += b.recurrentFlops
        a.projectionSeconds += b.projectionSeconds; a.projectionFlops += b.projectionFlops
        a.outputSeconds += b.outputSeconds; a.outputFlops += b.outputFlops
        a.softmaxSeconds += b.softmaxSeconds; a.softmaxFlops += b.softmaxFlops
        a.optimizerSeconds += b.optimizerSeconds
        a.otherSeconds += b.otherSeconds
    }
}

@inline(__always) package func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

/// A batch of poems, padded to a common length. Tokens are (B, S) batch-major with S = T + 1.
public struct PoemBatch {
    /// (B, S) token indices, padded with the spare row R − 1.
    public private(set) var tokens: [Int32]
    /// (B) true lengths (≤ S).
    public private(set) var lengths: [Int]
    public var batchSize: Int { lengths.count }
    /// S: the padded length.
    public private(set) var span: Int

    /// Pads `poems` (encoded, with G and E) with `padding`.
    public init(poems: [[Int32]], padding: Int32) {
        span = poems.map(\.count).max() ?? 0
        lengths = poems.map(\.count)
        tokens = []
        tokens.reserveCapacity(poems.count * span)
        for p in poems { tokens += p; tokens += [Int32](repeating: padding, count: span - p.count) }
    }

    /// Positions that carry a target: Σ_b (length_b − 1).
    public var targetCount: Int { lengths.reduce(0) { $0 + max(0, $1 - 1) } }
}

/// Forward/backward engine for one model shape; owns all work buffers.
public final class PoemNetwork {
    public let layout: ParameterLayout
    /// Threads asked for.
    public let threads: Int
    /// Threads that run: the threads asked for, at most the cores (results do not depend on it).
    public var workers: Int { workspace.threads }
    /// The micro-kernel tile of the products (speed only: results do not depend on it).
    public var kernels: KernelChoice { workspace.kernels }
    public var timings = PhaseTimings()
    package let workspace: Kernels.Workspace

    // Saved by forward, used by backward. Time-major rows.
    private var layerInput: [FloatBuffer]  // l: (T·B, in_l); layer 0 holds the embeddings
    private var gates: [FloatBuffer]  // (T·B, G): activated i, f, g, o
    private var cells: [FloatBuffer]  // (T·B, H)
    private var tanhCells: [FloatBuffer]  // (T·B, H)
    private var hidden: [FloatBuffer]  // (T·B, H)
    private let logits = FloatBuffer()  // (T·B, R); after backward: dL/dlogits
    private let rowLoss = FloatBuffer()  // (T·B)
    private let biasPartials = FloatBuffer()  // (⌈T·B / 32⌉, R): per chunk of rows, Σ dL/dlogits
    private var lossChunks = 0
    private let bias = FloatBuffer()  // (G): b_ih + b_hh
    // Backward scratch.
    private let dGates = FloatBuffer()  // (T·B, G)
    private let dHidden = FloatBuffer()  // (T·B, H)
    private let dInput = FloatBuffer()  // (T·B, max(E, H))
    private let dhNext = FloatBuffer()  // (B, H)
    private let dcNext = FloatBuffer()  // (B, H)
    private let zeros = FloatBuffer()  // (B, max(H, G))

    private var inputTokens: [Int32] = []  // (T·B) time-major
    private var targetTokens: [Int32] = []  // (T·B) time-major
    private var targetWeight: [Float] = []  // (T·B): 1 / count, or 0 on padding
    private var steps = 0  // T
    private var batch = 0  // B

    /// - Parameters:
    ///   - threads: worker threads; results do not depend on it.
    ///   - kernels: the micro-kernel tile; by default the one measured fastest on this machine.
    public convenience init(layout: ParameterLayout, threads: Int, kernels: KernelChoice = .preferred) {
        self.init(layout: layout, threads: threads, kernels: kernels, cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// - Parameter cores: the cores assumed (tests pass more than the machine has, to split the
    ///   work in as many parts as threads are asked for).
    package init(layout: ParameterLayout, threads: Int, kernels: KernelChoice, cores: Int) {
        self.layout = layout
        self.threads = max(1, threads)
        workspace = Kernels.Workspace(threads: self.threads, kernels: kernels, cores: cores)
        let L = layout.config.layers
        layerInput = (0..<L).map { _ in FloatBuffer() }
        gates = (0..<L).map { _ in FloatBuffer() }
        cells = (0..<L).map { _ in FloatBuffer() }
        tanhCells = (0..<L).map { _ in FloatBuffer() }
        hidden = (0..<L).map { _ in FloatBuffer() }
    }

    // MARK: - Safe entry points

    /// The mean cross-entropy of the model with `parameters` (P) on `batch`.
    /// Traps when `parameters` does not have the layout's count (checked in every build: the
    /// kernels run without bounds checks).
    public func loss(parameters: [Float], batch: PoemBatch) -> Double {
        checkCount(parameters)
        return parameters.withUnsafeBufferPointer { forward(parameters: $0.baseAddress!, batch: batch) }
    }

    /// The mean cross-entropy on `batch` and its gradient dL/dθ (P), written into `gradient`.
    /// Traps when `parameters` does not have the layout's count; `gradient` is resized to it.
    public func lossAndGradient(parameters: [Float], batch: PoemBatch, gradient: inout [Float]) -> Double {
        checkCount(parameters)
        if gradient.count != layout.count { gradient = [Float](repeating: 0, count: layout.count) }
        return parameters.withUnsafeBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { g in
                let loss = forward(parameters: p.baseAddress!, batch: batch)
                backward(parameters: p.baseAddress!, gradient: g.baseAddress!)
                return loss
            }
        }
    }

    private func checkCount(_ parameters: [Float]) {
        if parameters.count != layout.count {
            fatalError("PoemNetwork: \(parameters.count) parameters given, the layout has \(layout.count)")
        }
    }

    // MARK: - Forward

    /// Runs the model on `batch` and returns the mean cross-entropy over its target positions.
    /// Keeps what `backward` needs; evaluation simply does not call `backward`.
    package func forward(parameters: UnsafePointer<Float>, batch b: PoemBatch) -> Double {
        let c = layout.config
        let B = b.batchSize, S = b.span, T = max(0, S - 1)
        let H = c.hiddenSize, G = 4 * H, R = c.rows, E = c.embeddingDim
        steps = T
        batch = B
        let rows = T * B
        guard rows > 0 else { return 0 }
        // Tokens, time-major.
        inputTokens = [Int32](repeating: 0, count: rows)
        targetTokens = [Int32](repeating: 0, count: rows)
        targetWeight = [Float](repeating: 0, count: rows)
        let count = Float(max(1, b.targetCount))
        for bi in 0..<B {
            for t in 0..<T {
                let r = t * B + bi
                inputTokens[r] = b.tokens[bi * S + t]
                targetTokens[r] = b.tokens[bi * S + t + 1]
                targetWeight[r] = t + 1 < b.lengths[bi] ? 1 / count : 0
            }
        }
        let zero = zeros.reserve(B * max(G, H))
        zero.update(repeating: 0, count: B * max(G, H))

        // Embedding lookup: layerInput[0][r] = Emb[token_r].        (T·B, E)
        var t0 = now()
        let emb = parameters + layout.embedding.offset
        let x0 = layerInput[0].reserve(rows * E)
        for r in 0..<rows {
            let tok = min(max(Int(inputTokens[r]), 0), R - 1)
            (x0 + r * E).update(from: emb + tok * E, count: E)
        }
        timings.otherSeconds += now() - t0

        for l in 0..<c.layers {
            let inSize = c.inputSize(layer: l)
            let x = UnsafePointer(layerInput[l].pointer)
            let z = gates[l].reserve(rows * G)
            let cell = cells[l].reserve(rows * H)
            let tc = tanhCells[l].reserve(rows * H)
            let h = hidden[l].reserve(rows * H)
            let wih = parameters + layout.weightIH(l).offset
            let whh = parameters + layout.weightHH(l).offset
            // z = X W_ihᵀ + (b_ih + b_hh)                              (T·B, G)
            t0 = now()
            let bsum = bias.reserve(G)
            let bih = parameters + layout.biasIH(l).offset, bhh = parameters + layout.biasHH(l).offset
            for j in 0..<G { bsum[j] = bih[j] + bhh[j] }
            Kernels.gemm(
                m: rows, n: G, k: inSize, a: .rowMajor(x, cols: inSize), b: .transposeOf(wih, cols: inSize),
                c: z, ldc: G, accumulate: false, bias: bsum, workspace: workspace)
            timings.projectionSeconds += now() - t0
            timings.projectionFlops += 2 * Double(rows * G * inSize)
            // The recurrence: T steps, each thread running all of them for its own rows
            // (RecurrentKernels.swift), or a GEMM + cell per step when H is not a multiple of 16.
            t0 = now()
            if H % Kernels.forwardGroupUnits == 0 {
                let packed = Kernels.packRecurrentForward(whh: whh, H: H, workspace: workspace, slot: 1)
                Kernels.lstmForwardSequence(
                    T: T, B: B, H: H, z: z, cell: cell, tanhCell: tc, h: h,
                    packed: packed, workspace: workspace)
            }
            let packedWhh =
                H % Kernels.forwardGroupUnits == 0
                ? nil : Kernels.packB(k: H, n: G, b: .transposeOf(whh, cols: H), workspace: workspace, slot: 1)
            for t in 0..<T where packedWhh != nil {
                let packedWhh = packedWhh!
                let zt = z + t * B * G
                if t > 0 {
                    Kernels.gemm(
                        m: B, a: .rowMajor(UnsafePointer(h + (t - 1) * B * H), cols: H), b: packedWhh,
                        c: zt, ldc: G, accumulate: true, workspace: workspace)
                }
                let cPrev = t > 0 ? UnsafePointer(cell + (t - 1) * B * H) : UnsafePointer(zero)
                Self.cellForward(
                    rows: B, H: H, z: zt, cPrev: cPrev, cell: cell + t * B * H,
                    tanhCell: tc + t * B * H, h: h + t * B * H)
            }
            timings.recurrentSeconds += now() - t0
            timings.recurrentFlops += 2 * Double(max(0, T - 1) * B * G * H) + 30 * Double(rows * H)
            if l + 1 < c.layers {
                layerInput[l + 1].reserve(rows * H).update(from: h, count: rows * H)
            }
        }

        // Output layer: logits = H_top W_fcᵀ + b_fc                      (T·B, R)
        t0 = now()
        let top = UnsafePointer(hidden[c.layers - 1].pointer)
        let lg = logits.reserve(rows * R)
        Kernels.gemm(
            m: rows, n: R, k: H, a: .rowMajor(top, cols: H), b: .transposeOf(parameters + layout.fcWeight.offset, cols: H),
            c: lg, ldc: R, accumulate: false, bias: parameters + layout.fcBias.offset, workspace: workspace)
        timings.outputSeconds += now() - t0
        timings.outputFlops += 2 * Double(rows * R * H)

        // Softmax cross-entropy; logits become dL/dlogits. Rows go in fixed chunks of
        // `lossChunkRows`; each chunk also sums its rows of dL/dlogits (in row order) for db_fc,
        // so that the backward pass need not read the logits again. The chunks, not the
        // threads, fix the order of the sums.
        t0 = now()
        let losses = rowLoss.reserve(rows)
        let chunks = (rows + Self.lossChunkRows - 1) / Self.lossChunkRows
        let partial = biasPartials.reserve(chunks * R)
        targetTokens.withUnsafeBufferPointer { tgt in
            targetWeight.withUnsafeBufferPointer { w in
                parallelTasks(chunks, pool: workspace.pool) { chunk, _ in
                    let r0 = chunk * Self.lossChunkRows, r1 = min(rows, r0 + Self.lossChunkRows)
                    let sums = partial + chunk * R
                    for r in r0..<r1 {
                        let row = lg + r * R
                        losses[r] = Self.softmaxCrossEntropyRow(row, R: R, target: Int(tgt[r]), weight: w[r])
                        if r == r0 { sums.update(from: row, count: R) } else { Self.add(row, into: sums, count: R) }
                    }
                }
            }
        }
        lossChunks = chunks
        var total = 0.0
        for r in 0..<rows { total += Double(losses[r]) }
        timings.softmaxSeconds += now() - t0
        timings.softmaxFlops += 6 * Double(rows * R)
        return total
    }

    /// Rows of dL/dlogits summed together for db_fc before the chunks' sums are added.
    static let lossChunkRows = 32

    /// y (count) += x (count).
    @inline(__always)
    static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var j = 0
        while j < count {
            let n = min(16, count - j)
            Kernels.store(Kernels.load(y + j, n) + Kernels.load(x + j, n), y + j, n)
            j += 16
        }
    }

    /// One row of softmax cross-entropy: returns weight · (log Σ e^z − z_target) and
    /// overwrites z with weight · (softmax(z) − onehot(target)).
    static func softmaxCrossEntropyRow(_ z: UnsafeMutablePointer<Float>, R: Int, target: Int, weight: Float) -> Float {
        typealias V = SIMD16<Float>
        let full = R / 16 * 16
        var mv = V(repeating: -.infinity)
        var j = 0
        while j < full {
            let v = UnsafeRawPointer(z + j).loadUnaligned(as: V.self)
            mv = mv.replacing(with: v, where: v .> mv)
            j += 16
        }
        var m = mv.max()
        for q in full..<R { m = Swift.max(m, z[q]) }
        let mm = V(repeating: m)
        var sv = V()
        j = 0
        while j < full {
            let e = Kernels.exp(UnsafeRawPointer(z + j).loadUnaligned(as: V.self) - mm)
            UnsafeMutableRawPointer(z + j).storeBytes(of: e, as: V.self)
            sv += e
            j += 16
        }
        var sum = sv.sum()
        for q in full..<R { let e = Foundation.exp(z[q] - m); z[q] = e; sum += e }
        let safeTarget = Swift.min(Swift.max(target, 0), R - 1)
        let pTarget = z[safeTarget] / sum
        let loss = weight * -Foundation.log(Swift.max(pTarget, .leastNormalMagnitude))
        let scale = V(repeating: weight / sum)
        j = 0
        while j < full {
            let p = z + j
            UnsafeMutableRawPointer(p).storeBytes(of: UnsafeRawPointer(p).loadUnaligned(as: V.self) * scale, as: V.self)
            j += 16
        }
        for q in full..<R { z[q] *= weight / sum }
        z[safeTarget] -= weight
        return loss
    }

    /// The cell for B rows of one step: activates z in place, writes c, tanh c, h.
    @inline(__always)
    static func cellForward(
        rows: Int, H: Int, z: UnsafeMutablePointer<Float>, cPrev: UnsafePointer<Float>,
        cell: UnsafeMutablePointer<Float>, tanhCell: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>
    ) {
        let G = 4 * H
        for b in 0..<rows {
            let zr = z + b * G
            var j = 0
            while j < H {
                let n = min(16, H - j)
                let i = Kernels.sigmoid(Kernels.load(zr + j, n))
                let f = Kernels.sigmoid(Kernels.load(zr + H + j, n))
                let g = Kernels.tanh(Kernels.load(zr + 2 * H + j, n))
                let o = Kernels.sigmoid(Kernels.load(zr + 3 * H + j, n))
                Kernels.store(i, zr + j, n)
                Kernels.store(f, zr + H + j, n)
                Kernels.store(g, zr + 2 * H + j, n)
                Kernels.store(o, zr + 3 * H + j, n)
                let c = f * Kernels.load(cPrev + b * H + j, n) + i * g
                let tcv = Kernels.tanh(c)
                Kernels.store(c, cell + b * H + j, n)
                Kernels.store(tcv, tanhCell + b * H + j, n)
                Kernels.store(o * tcv, h + b * H + j, n)
                j += 16
            }
        }
    }

    // MARK: - Backward

    /// Backpropagates the loss of the last `forward` and writes dL/dθ into `gradient` (P).
    package func backward(parameters: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>) {
        let c = layout.config
        let B = batch, T = steps, rows = T * B
        let H = c.hiddenSize, G = 4 * H, R = c.rows, E = c.embeddingDim
        // Every slice is overwritten below except the embedding's, which is scattered into.
        (gradient + layout.embedding.offset).update(repeating: 0, count: layout.embedding.count)
        if T <= 1 { for l in 0..<c.layers { (gradient + layout.weightHH(l).offset).update(repeating: 0, count: layout.weightHH(l).count) } }
        guard rows > 0 else { gradient.update(repeating: 0, count: layout.count); return }
        let dz = UnsafePointer(logits.pointer)
        let top = UnsafePointer(hidden[c.layers - 1].pointer)

        // Output layer: logits = H_top W_fcᵀ + b_fc.
        var t0 = now()
        // dW_fc (R, H) = dLogitsᵀ · H_top ;  db_fc = Σ_r dLogits[r] (the chunks' sums, in order)
        Kernels.gemm(
            m: R, n: H, k: rows, a: .transposeOf(dz, cols: R), b: .rowMajor(top, cols: H),
            c: gradient + layout.fcWeight.offset, ldc: H, accumulate: false, workspace: workspace)
        columnSums(UnsafePointer(biasPartials.pointer), rows: lossChunks, cols: R, into: gradient + layout.fcBias.offset)
        // dH_top (T·B, H) = dLogits · W_fc
        let dh = dHidden.reserve(rows * H)
        Kernels.gemm(
            m: rows, n: H, k: R, a: .rowMajor(dz, cols: R), b: .rowMajor(parameters + layout.fcWeight.offset, cols: H),
            c: dh, ldc: H, accumulate: false, workspace: workspace)
        timings.outputSeconds += now() - t0
        timings.outputFlops += 4 * Double(rows * R * H) + Double(rows * R)

        for l in stride(from: c.layers - 1, through: 0, by: -1) {
            let inSize = c.inputSize(layer: l)
            let wih = parameters + layout.weightIH(l).offset
            let whh = parameters + layout.weightHH(l).offset
            let act = UnsafePointer(gates[l].pointer)
            let cell = UnsafePointer(cells[l].pointer)
            let tc = UnsafePointer(tanhCells[l].pointer)
            let h = UnsafePointer(hidden[l].pointer)
            let dg = dGates.reserve(rows * G)
            let dhN = dhNext.reserve(B * H)
            let dcN = dcNext.reserve(B * H)
            let dH = UnsafePointer(dHidden.pointer)
            dcN.update(repeating: 0, count: B * H)
            // BPTT over the steps, last to first: each thread runs all of them for its own
            // rows (RecurrentKernels.swift), or a GEMM + cell per step when H is not a multiple of 32.
            t0 = now()
            let packedWhh = Kernels.packB(k: G, n: H, b: .rowMajor(whh, cols: H), workspace: workspace, slot: 1)
            if H % Kernels.backwardGroupUnits == 0 {
                Kernels.lstmBackwardSequence(
                    T: T, B: B, H: H, act: act, cell: cell, tanhCell: tc, dhOut: dH,
                    dcNext: dcN, dz: dg, packedWhh: packedWhh, workspace: workspace)
            }
            for t in stride(from: T - 1, through: 0, by: -1) where H % Kernels.backwardGroupUnits != 0 {
                if t < T - 1 {
                    // dh_{t} (recurrent part) = dz_{t+1} W_hh                  (B, H)
                    Kernels.gemm(
                        m: B, a: .rowMajor(UnsafePointer(dg + (t + 1) * B * G), cols: G), b: packedWhh,
                        c: dhN, ldc: H, accumulate: false, workspace: workspace)
                } else {
                    dhN.update(repeating: 0, count: B * H)
                }
                let r0 = t * B
                Self.cellBackward(
                    rows: B, H: H, act: act + r0 * G, cPrev: t > 0 ? cell + (r0 - B) * H : nil,
                    tanhCell: tc + r0 * H, dhOut: dH + r0 * H, dhNext: dhN, dcNext: dcN, dz: dg + r0 * G)
            }
            timings.recurrentSeconds += now() - t0
            timings.recurrentFlops += 2 * Double(max(0, T - 1) * B * G * H) + 30 * Double(rows * H)

            t0 = now()
            // dW_hh (G, H) = Σ_{t≥1} dz_tᵀ h_{t−1}
            let gWhh = gradient + layout.weightHH(l).offset
            if T > 1 {
                Kernels.gemm(
                    m: G, n: H, k: (T - 1) * B, a: .transposeOf(UnsafePointer(dg + B * G), cols: G), b: .rowMajor(h, cols: H),
                    c: gWhh, ldc: H, accumulate: false, workspace: workspace)
            }
            // dW_ih (G, in) = Σ_t dz_tᵀ x_t
            let x = UnsafePointer(layerInput[l].pointer)
            Kernels.gemm(
                m: G, n: inSize, k: rows, a: .transposeOf(UnsafePointer(dg), cols: G), b: .rowMajor(x, cols: inSize),
                c: gradient + layout.weightIH(l).offset, ldc: inSize, accumulate: false, workspace: workspace)
            // db_ih = db_hh = Σ_t dz_t
            columnSums(dg, rows: rows, cols: G, into: gradient + layout.biasIH(l).offset)
            (gradient + layout.biasHH(l).offset).update(from: gradient + layout.biasIH(l).offset, count: G)
            // dX (T·B, in) = dz W_ih
            let dx = dInput.reserve(rows * max(E, H))
            Kernels.gemm(
                m: rows, n: inSize, k: G, a: .rowMajor(UnsafePointer(dg), cols: G), b: .rowMajor(wih, cols: inSize),
                c: dx, ldc: inSize, accumulate: false, workspace: workspace)
            timings.projectionSeconds += now() - t0
            timings.projectionFlops += 2 * Double(G * H * max(0, T - 1) * B) + 4 * Double(G * inSize * rows)
            if l > 0 {
                dHidden.reserve(rows * H).update(from: dx, count: rows * H)
            } else {
                // Embedding: dEmb[token_r] += dX[r], rows in order.
                t0 = now()
                let gEmb = gradient + layout.embedding.offset
                for r in 0..<rows {
                    let tok = min(max(Int(inputTokens[r]), 0), R - 1)
                    let dst = gEmb + tok * E, src = dx + r * E
                    var j = 0
                    while j < E {
                        let n = min(16, E - j)
                        Kernels.store(Kernels.load(dst + j, n) + Kernels.load(src + j, n), dst + j, n)
                        j += 16
                    }
                }
                timings.otherSeconds += now() - t0
            }
        }
    }

    /// out (cols) = Σ_r m[r] over rows in order; columns split between threads.
    private func columnSums(_ m: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        let chunks = (cols + 15) / 16
        parallelTasks(chunks, pool: workspace.pool) { q, _ in
            let j = q * 16, n = min(16, cols - j)
            var acc = SIMD16<Float>()
            for r in 0..<rows { acc += Kernels.load(m + r * cols + j, n) }
            Kernels.store(acc, out + j, n)
        }
    }

    /// The cell's backward for B rows of one step (see the header for the formulas).
    /// dhNext holds the recurrent part of dL/dh_t on entry; dcNext holds dL/dc_{t+1}·f_{t+1}
    /// on entry and dL/dc_t·f_t on exit.
    @inline(__always)
    static func cellBackward(
        rows: Int, H: Int, act: UnsafePointer<Float>, cPrev: UnsafePointer<Float>?,
        tanhCell: UnsafePointer<Float>, dhOut: UnsafePointer<Float>,
        dhNext: UnsafePointer<Float>, dcNext: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>
    ) {
        typealias V = SIMD16<Float>
        let G = 4 * H
        let one = V(repeating: 1)
        for b in 0..<rows {
            let a = act + b * G, d = dz + b * G
            var j = 0
            while j < H {
                let n = min(16, H - j)
                let i = Kernels.load(a + j, n), f = Kernels.load(a + H + j, n)
                let g = Kernels.load(a + 2 * H + j, n), o = Kernels.load(a + 3 * H + j, n)
                let tcv = Kernels.load(tanhCell + b * H + j, n)
                let dh = Kernels.load(dhOut + b * H + j, n) + Kernels.load(dhNext + b * H + j, n)
                let dc = Kernels.load(dcNext + b * H + j, n) + dh * o * (one - tcv * tcv)
                let cp = cPrev.map { Kernels.load($0 + b * H + j, n) } ?? V()
                Kernels.store(dc * g * i * (one - i), d + j, n)
                Kernels.store(dc * cp * f * (one - f), d + H + j, n)
                Kernels.store(dc * i * (one - g * g), d + 2 * H + j, n)
                Kernels.store(dh * tcv * o * (one - o), d + 3 * H + j, n)
                Kernels.store(dc * f, dcNext + b * H + j, n)
                j += 16
            }
        }
    }
}
