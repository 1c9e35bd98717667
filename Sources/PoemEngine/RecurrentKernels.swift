// RecurrentKernels.swift — the T steps of one LSTM layer, forward and backward, as one
// parallel section per layer.
//
// Dimension letters: B rows (poems) of a step, T steps, H hidden units, G = 4H gate columns,
// n the rows of one part of the batch. Rows are time-major as in Network.swift: row t·B + b.
// Notation: PyTorch LSTM gates (i, f, g, o); formulas as in Network.swift.
//
// How the work is split. The recurrence couples a row of the batch only with itself:
//   z_t[b] = (x_t W_ihᵀ + b)[b] + h_{t−1}[b] W_hhᵀ,   c_t[b] = f ⊙ c_{t−1}[b] + i ⊙ g,  …
//   dh_t[b] = dh_t^out[b] + dz_{t+1}[b] W_hh,          dc_t[b] = dc_{t+1}[b] ⊙ f_{t+1} + …
// So the B rows are cut into parts of whole 4-row blocks, one part per thread (32 rows on two
// threads: 16 + 16), and each thread runs all T steps of its own rows — forward from t = 0,
// backward from t = T − 1 — with W_hh packed once and shared read-only. The threads meet once
// per layer and pass, not once per step, so a core taken by another process for a moment
// delays one meeting instead of every one of the ~T · L · 2 steps. (Splitting the hidden
// units instead needs every unit of h_{t−1} before step t: a meeting per step.) Parts are
// claimed as threads come free, so on a busy machine the caller runs the parts no helper took.
// A wavefront over the layers is left out: with no meeting per step it has nothing to save,
// and it would cut layer 1's input projection (one large product today) into T small ones.
//
// Within a step, a part's products go in groups of hidden units. Forward, W_hhᵀ is packed
// with its columns permuted so that 64 consecutive columns hold the four gates of 16 units;
// the part's n rows times those 64 columns are computed with the workspace's micro-kernel
// (64 / NR panels) into the thread's step buffer, then the cell runs on them, one 16-lane
// vector per gate and row. Backward, a group is 32 units of dh_{t−1} = dz_t W_hh, followed by
// those units' cell backward.
// Summation order: each entry is summed as in the GEMM (a chain of fused multiply-adds over k
// in order per KC block, the blocks added in order) by one thread, and a row's chain never
// looks at the other rows of its block — so results depend neither on the thread count (how
// the rows are cut) nor on the tile.
// Used when H is a multiple of 16 (forward) / 32 (backward); otherwise Network.swift falls
// back to a GEMM + cell per step.

extension Kernels {
    /// Units of one forward group (its 4 · 16 = 64 gate columns are contiguous once permuted).
    static let forwardGroupUnits = 16
    /// Units of one backward group.
    static let backwardGroupUnits = 32

    /// W_hhᵀ (H, G) packed in panels of NR with permuted columns: permuted column 64q + c is
    /// gate c / 16 of unit 16q + c % 16; entry (p, j) of panel P is at `P * H * NR + p * NR + j`
    /// and holds permuted column P · NR + j.
    package static func packRecurrentForward(whh: UnsafePointer<Float>, H: Int, workspace: Workspace, slot: Int) -> PackedB {
        let nr = workspace.kernels.columns, u = forwardGroupUnits
        let G = 4 * H
        let buf = workspace.bBuffer(slot: slot, capacity: max(1, G * H))
        parallelTasks(G / nr, pool: workspace.pool) { panel, _ in
            for pc in (panel * nr)..<((panel + 1) * nr) {
                let q = pc / (4 * u), col = pc % (4 * u)
                let source = whh + ((col / u) * H + u * q + col % u) * H  // row of W_hh = column of W_hhᵀ
                let dst = buf + panel * H * nr + pc % nr
                for p in 0..<H { dst[p * nr] = source[p] }
            }
        }
        return PackedB(k: H, n: G, nr: nr, buffer: buf)
    }

    /// out (n, W) ← A (n, k) · the W columns of B's panels from `firstPanel` on, A read by
    /// rows (row i at `a + i · lda`). Loop order: panel, KC block, row block — so one block of
    /// a panel (KC × NR) stays in L1 while every row block uses it. `out` has `stepRows(n)` rows
    /// (the last row block writes its padding rows). Entries are summed as in the GEMM.
    @inline(__always)
    static func groupProduct<Tile: MicroTile>(
        _: Tile.Type, rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
        b: PackedB, firstPanel: Int, width: Int, out: UnsafeMutablePointer<Float>
    ) {
        let nr = Tile.nr
        for s in 0..<(width / nr) {
            let panel = b.panel(firstPanel + s)
            var p0 = 0
            while p0 < k {
                let kLen = min(kc, k - p0)
                Tile.forEachRowBlock(rows) { r, height, short in
                    if short {
                        Tile.kernelRows4(
                            kLen: kLen, a: a + r * lda + p0, lda: lda, height: height, b: panel + p0 * nr,
                            c: out + r * width + s * nr, ldc: width, add: p0 > 0)
                    } else {
                        Tile.kernelRows(
                            kLen: kLen, a: a + r * lda + p0, lda: lda, height: height, b: panel + p0 * nr,
                            c: out + r * width + s * nr, ldc: width, add: p0 > 0)
                    }
                }
                p0 += kc
            }
        }
    }

    /// Rows of a step buffer for n rows: room for the padding rows of the last row block.
    static func stepRows<Tile: MicroTile>(_: Tile.Type, _ n: Int) -> Int { n + max(Tile.mr, 4) }

    /// Rows of one 4-row block: parts of the batch are made of whole blocks.
    static let partBlockRows = 4

    /// The rows of part `part` of `parts` of a batch of B rows: contiguous, made of whole
    /// 4-row blocks (the last part may end with a shorter one), as equal as blocks allow
    /// (B = 32: 16 + 16 on two threads, 8 + 12 + 12 on three).
    package static func rowPart(_ part: Int, of parts: Int, rows B: Int) -> Range<Int> {
        let blocks = (B + partBlockRows - 1) / partBlockRows
        let lo = part * blocks / parts * partBlockRows, hi = (part + 1) * blocks / parts * partBlockRows
        return min(lo, B)..<min(hi, B)
    }

    /// Parts a batch of B rows is cut into: one per thread, at most one per 4-row block.
    package static func rowParts(rows B: Int, threads: Int) -> Int {
        max(1, min(threads, (B + partBlockRows - 1) / partBlockRows))
    }

    // MARK: - Forward

    /// The forward recurrence of one layer over T steps. On entry z (T·B, G) holds
    /// x_t W_ihᵀ + b_ih + b_hh; on exit the activated gates. Writes c, tanh c, h (T·B, H).
    /// The state before t = 0 is zero. `packed` comes from `packRecurrentForward`.
    package static func lstmForwardSequence(
        T: Int, B: Int, H: Int, z: UnsafeMutablePointer<Float>,
        cell: UnsafeMutablePointer<Float>, tanhCell: UnsafeMutablePointer<Float>,
        h: UnsafeMutablePointer<Float>, packed: PackedB, workspace: Workspace
    ) {
        switch workspace.kernels {
        case .tile8x32:
            lstmForwardSequence(
                Tile8x32.self, T: T, B: B, H: H, z: z, cell: cell, tanhCell: tanhCell, h: h, packed: packed, workspace: workspace)
        case .tile6x16:
            lstmForwardSequence(
                Tile6x16.self, T: T, B: B, H: H, z: z, cell: cell, tanhCell: tanhCell, h: h, packed: packed, workspace: workspace)
        case .tile12x8:
            lstmForwardSequence(
                Tile12x8.self, T: T, B: B, H: H, z: z, cell: cell, tanhCell: tanhCell, h: h, packed: packed, workspace: workspace)
        }
    }

    static func lstmForwardSequence<Tile: MicroTile>(
        _: Tile.Type, T: Int, B: Int, H: Int, z: UnsafeMutablePointer<Float>,
        cell: UnsafeMutablePointer<Float>, tanhCell: UnsafeMutablePointer<Float>,
        h: UnsafeMutablePointer<Float>, packed: PackedB, workspace: Workspace
    ) {
        let G = 4 * H
        let parts = rowParts(rows: B, threads: workspace.threads)
        let widest = (0..<parts).map { rowPart($0, of: parts, rows: B).count }.max() ?? 0
        workspace.reserveStepBuffers(stepRows(Tile.self, widest) * 4 * forwardGroupUnits)
        // One section for the layer: each part runs every step of its own rows.
        parallelTasks(parts, pool: workspace.pool) { part, thread in
            let rows = rowPart(part, of: parts, rows: B)
            let buffer = workspace.stepBuffers[thread]
            for t in 0..<T {
                let r = t * B + rows.lowerBound  // the part's first row at step t
                lstmStepForward(
                    Tile.self, rows: rows.count, H: H, z: z + r * G,
                    hPrev: t > 0 ? UnsafePointer(h + (r - B) * H) : nil,
                    cPrev: t > 0 ? UnsafePointer(cell + (r - B) * H) : nil,
                    cell: cell + r * H, tanhCell: tanhCell + r * H, h: h + r * H, packed: packed, buffer: buffer)
            }
        }
    }

    /// One forward step for n consecutive rows (row stride G for z, H for the rest):
    ///   z ← activations of (z + h_{t−1} W_hhᵀ)   (n, G)
    ///   c_t = f ⊙ c_{t−1} + i ⊙ g,  tanh c_t,  h_t = o ⊙ tanh c_t   (n, H)
    /// hPrev/cPrev nil at t = 0 (zero state). `buffer` holds `stepRows(n)` rows of 64.
    @inline(__always)
    static func lstmStepForward<Tile: MicroTile>(
        _: Tile.Type, rows n: Int, H: Int, z: UnsafeMutablePointer<Float>,
        hPrev: UnsafePointer<Float>?, cPrev: UnsafePointer<Float>?,
        cell: UnsafeMutablePointer<Float>, tanhCell: UnsafeMutablePointer<Float>,
        h: UnsafeMutablePointer<Float>, packed: PackedB, buffer: UnsafeMutablePointer<Float>
    ) {
        typealias V = SIMD16<Float>
        let G = 4 * H, u = forwardGroupUnits, width = 4 * u
        for q in 0..<(H / u) {
            let u0 = u * q
            // buffer (n, 64) = h_{t−1} (n, H) · the 64 permuted columns of group q   (gate k of unit u0 + j at 16k + j)
            if let hPrev {
                groupProduct(
                    Tile.self, rows: n, k: H, a: hPrev, lda: H, b: packed, firstPanel: q * width / Tile.nr,
                    width: width, out: buffer)
            } else {
                buffer.update(repeating: 0, count: n * width)
            }
            for row in 0..<n {
                let t = UnsafeRawPointer(buffer + row * width)
                let zr = UnsafeMutableRawPointer(z + row * G + u0)
                // z = (x W_ihᵀ + b) + h W_hhᵀ, then the activations.
                @inline(__always) func gate(_ k: Int) -> V {
                    zr.loadUnaligned(fromByteOffset: 4 * k * H, as: V.self) + t.loadUnaligned(fromByteOffset: 64 * k, as: V.self)
                }
                let ig = sigmoid(gate(0)), fg = sigmoid(gate(1)), gg = tanh(gate(2)), og = sigmoid(gate(3))
                zr.storeBytes(of: ig, as: V.self)
                zr.storeBytes(of: fg, toByteOffset: 4 * H, as: V.self)
                zr.storeBytes(of: gg, toByteOffset: 8 * H, as: V.self)
                zr.storeBytes(of: og, toByteOffset: 12 * H, as: V.self)
                let cp = cPrev.map { UnsafeRawPointer($0 + row * H + u0).loadUnaligned(as: V.self) } ?? V()
                let c = fg * cp + ig * gg
                let tc = tanh(c)
                UnsafeMutableRawPointer(cell + row * H + u0).storeBytes(of: c, as: V.self)
                UnsafeMutableRawPointer(tanhCell + row * H + u0).storeBytes(of: tc, as: V.self)
                UnsafeMutableRawPointer(h + row * H + u0).storeBytes(of: og * tc, as: V.self)
            }
        }
    }

    // MARK: - Backward

    /// The backward recurrence of one layer over T steps, last to first:
    ///   dh_t = dhOut_t + dz_{t+1} W_hh (no second term at t = T − 1), then the cell backward.
    /// act (T·B, G): activated gates; cell, tanhCell (T·B, H) from the forward pass; dhOut
    /// (T·B, H): dL/dh_t from the layer above (or the output layer). Writes dz (T·B, G) and
    /// leaves dL/dc_0 ⊙ f_0 in dcNext (B, H), which must be zero on entry.
    /// `packedWhh` is W_hh (G, H) packed by `packB`.
    package static func lstmBackwardSequence(
        T: Int, B: Int, H: Int, act: UnsafePointer<Float>, cell: UnsafePointer<Float>,
        tanhCell: UnsafePointer<Float>, dhOut: UnsafePointer<Float>,
        dcNext: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>,
        packedWhh: PackedB, workspace: Workspace
    ) {
        switch workspace.kernels {
        case .tile8x32:
            lstmBackwardSequence(
                Tile8x32.self, T: T, B: B, H: H, act: act, cell: cell, tanhCell: tanhCell, dhOut: dhOut, dcNext: dcNext, dz: dz,
                packedWhh: packedWhh, workspace: workspace)
        case .tile6x16:
            lstmBackwardSequence(
                Tile6x16.self, T: T, B: B, H: H, act: act, cell: cell, tanhCell: tanhCell, dhOut: dhOut, dcNext: dcNext, dz: dz,
                packedWhh: packedWhh, workspace: workspace)
        case .tile12x8:
            lstmBackwardSequence(
                Tile12x8.self, T: T, B: B, H: H, act: act, cell: cell, tanhCell: tanhCell, dhOut: dhOut, dcNext: dcNext, dz: dz,
                packedWhh: packedWhh, workspace: workspace)
        }
    }

    static func lstmBackwardSequence<Tile: MicroTile>(
        _: Tile.Type, T: Int, B: Int, H: Int, act: UnsafePointer<Float>,
        cell: UnsafePointer<Float>, tanhCell: UnsafePointer<Float>,
        dhOut: UnsafePointer<Float>, dcNext: UnsafeMutablePointer<Float>,
        dz: UnsafeMutablePointer<Float>, packedWhh: PackedB, workspace: Workspace
    ) {
        let G = 4 * H
        let parts = rowParts(rows: B, threads: workspace.threads)
        let widest = (0..<parts).map { rowPart($0, of: parts, rows: B).count }.max() ?? 0
        workspace.reserveStepBuffers(stepRows(Tile.self, widest) * backwardGroupUnits)
        // One section for the layer: each part runs every step of its own rows, last to first.
        parallelTasks(parts, pool: workspace.pool) { part, thread in
            let rows = rowPart(part, of: parts, rows: B)
            let buffer = workspace.stepBuffers[thread]
            for t in stride(from: T - 1, through: 0, by: -1) {
                let r = t * B + rows.lowerBound  // the part's first row at step t
                lstmStepBackward(
                    Tile.self, rows: rows.count, H: H, act: act + r * G,
                    cPrev: t > 0 ? cell + (r - B) * H : nil, tanhCell: tanhCell + r * H, dhOut: dhOut + r * H,
                    dzNext: t < T - 1 ? UnsafePointer(dz + (r + B) * G) : nil,
                    dcNext: dcNext + rows.lowerBound * H, dz: dz + r * G, packedWhh: packedWhh, buffer: buffer)
            }
        }
    }

    /// One backward step for n consecutive rows (row stride G for act, dz, dzNext; H for the rest):
    ///   dh = dhOut + dz_{t+1} W_hh                                  (n, H)
    ///   dc = dcNext + dh ⊙ o ⊙ (1 − tanh²c_t)   (dcNext: dL/dc_{t+1} ⊙ f_{t+1})
    ///   dz_i = dc ⊙ g ⊙ i(1−i),  dz_f = dc ⊙ c_{t−1} ⊙ f(1−f),
    ///   dz_g = dc ⊙ i ⊙ (1−g²),  dz_o = dh ⊙ tanh c_t ⊙ o(1−o)        (n, G)
    ///   dcNext ← dc ⊙ f
    /// dzNext nil at the last step, cPrev nil at the first. `buffer` holds `stepRows(n)` rows of 32.
    @inline(__always)
    static func lstmStepBackward<Tile: MicroTile>(
        _: Tile.Type, rows n: Int, H: Int, act: UnsafePointer<Float>,
        cPrev: UnsafePointer<Float>?, tanhCell: UnsafePointer<Float>,
        dhOut: UnsafePointer<Float>, dzNext: UnsafePointer<Float>?,
        dcNext: UnsafeMutablePointer<Float>, dz: UnsafeMutablePointer<Float>,
        packedWhh: PackedB, buffer: UnsafeMutablePointer<Float>
    ) {
        typealias V = SIMD16<Float>
        let G = 4 * H, nr = backwardGroupUnits
        let one = V(repeating: 1)
        for q in 0..<(H / nr) {
            let u0 = q * nr
            // buffer (n, 32) = dz_{t+1} (n, G) · W_hh[:, u0 ..< u0 + 32]
            if let dzNext {
                groupProduct(
                    Tile.self, rows: n, k: G, a: dzNext, lda: G, b: packedWhh, firstPanel: q * nr / Tile.nr,
                    width: nr, out: buffer)
            } else {
                buffer.update(repeating: 0, count: n * nr)
            }
            for row in 0..<n {
                let a = act + row * G, d = dz + row * G
                for half in 0..<2 {
                    let u = u0 + 16 * half
                    let ig = load(a + u, 16), fg = load(a + H + u, 16)
                    let gg = load(a + 2 * H + u, 16), og = load(a + 3 * H + u, 16)
                    let tcv = load(tanhCell + row * H + u, 16)
                    let dh = load(dhOut + row * H + u, 16) + load(buffer + row * nr + 16 * half, 16)
                    let dc = load(dcNext + row * H + u, 16) + dh * og * (one - tcv * tcv)
                    let cp = cPrev.map { load($0 + row * H + u, 16) } ?? V()
                    store(dc * gg * ig * (one - ig), d + u, 16)
                    store(dc * cp * fg * (one - fg), d + H + u, 16)
                    store(dc * ig * (one - gg * gg), d + 2 * H + u, 16)
                    store(dh * tcv * og * (one - og), d + 3 * H + u, 16)
                    store(dc * fg, dcNext + row * H + u, 16)
                }
            }
        }
    }
}
