// RecurrentKernels.swift — one LSTM time step as a single parallel section.
//
// Dimension letters: B rows (poems) of the step, H hidden units, G = 4H gate columns.
// Notation: PyTorch LSTM gates (i, f, g, o); formulas as in Network.swift.
// The step's product h_{t−1} W_hhᵀ (B × H × G) is small, and running it as a GEMM followed
// by the cell needs two passes and a wait between them. Here each thread owns whole groups
// of hidden units: the forward pass packs W_hhᵀ with its columns permuted so that 64
// consecutive columns hold the four gates of 16 units; a thread computes those 64 columns for
// all B rows with the workspace's micro-kernel (64 / NR panels) into its step buffer, then runs
// the cell on them, one 16-lane vector per gate and row. Backward, a group is 32 units of
// dh_{t−1} = dz_{t+1} W_hh, followed by those units' cell backward. Each entry is summed as in
// the GEMM (a chain of fused multiply-adds per KC block, blocks added in order) by one thread,
// so results depend neither on the thread count nor on the tile.
// Used when H is a multiple of 16 (forward) / 32 (backward); otherwise Network.swift falls
// back to GEMM + cell.

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
                let source = whh + ((col / u) * H + u * q + col % u) * H   // row of W_hh = column of W_hhᵀ
                let dst = buf + panel * H * nr + pc % nr
                for p in 0..<H { dst[p * nr] = source[p] }
            }
        }
        return PackedB(k: H, n: G, nr: nr, buffer: buf)
    }

    /// out (B, W) ← A (B, k) · the W columns of B's panels from `firstPanel` on, A read by
    /// rows (row i at `a + i · lda`). Loop order: panel, KC block, row block — so one block of
    /// a panel (KC × NR) stays in L1 while every row block uses it. `out` has `stepRows(B)` rows
    /// (the last row block writes its padding rows). Entries are summed as in the GEMM.
    @inline(__always)
    static func groupProduct<Tile: MicroTile>(_: Tile.Type, rows: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                              b: PackedB, firstPanel: Int, width: Int, out: UnsafeMutablePointer<Float>) {
        let nr = Tile.nr
        for s in 0..<(width / nr) {
            let panel = b.panel(firstPanel + s)
            var p0 = 0
            while p0 < k {
                let kLen = min(kc, k - p0)
                Tile.forEachRowBlock(rows) { r, height, short in
                    if short {
                        Tile.kernelRows4(kLen: kLen, a: a + r * lda + p0, lda: lda, height: height, b: panel + p0 * nr,
                                         c: out + r * width + s * nr, ldc: width, add: p0 > 0)
                    } else {
                        Tile.kernelRows(kLen: kLen, a: a + r * lda + p0, lda: lda, height: height, b: panel + p0 * nr,
                                        c: out + r * width + s * nr, ldc: width, add: p0 > 0)
                    }
                }
                p0 += kc
            }
        }
    }

    /// Rows of a step buffer for B rows: room for the padding rows of the last row block.
    static func stepRows<Tile: MicroTile>(_: Tile.Type, _ B: Int) -> Int { B + max(Tile.mr, 4) }

    /// Forward step: z (B, G) holds x_t W_ihᵀ + biases on entry and the activated gates on
    /// exit; writes c_t, tanh c_t, h_t (B, H). hPrev/cPrev nil at t = 0 (zero state).
    /// `packed` comes from `packRecurrentForward`.
    package static func lstmStepForward(B: Int, H: Int, z: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>?,
                                        cPrev: UnsafePointer<Float>?, cell: UnsafeMutablePointer<Float>,
                                        tanhCell: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>,
                                        packed: PackedB, workspace: Workspace) {
        switch workspace.kernels {
        case .tile8x32: lstmStepForward(Tile8x32.self, B: B, H: H, z: z, hPrev: hPrev, cPrev: cPrev, cell: cell, tanhCell: tanhCell, h: h, packed: packed, workspace: workspace)
        case .tile6x16: lstmStepForward(Tile6x16.self, B: B, H: H, z: z, hPrev: hPrev, cPrev: cPrev, cell: cell, tanhCell: tanhCell, h: h, packed: packed, workspace: workspace)
        case .tile12x8: lstmStepForward(Tile12x8.self, B: B, H: H, z: z, hPrev: hPrev, cPrev: cPrev, cell: cell, tanhCell: tanhCell, h: h, packed: packed, workspace: workspace)
        }
    }

    static func lstmStepForward<Tile: MicroTile>(_: Tile.Type, B: Int, H: Int, z: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>?,
                                                 cPrev: UnsafePointer<Float>?, cell: UnsafeMutablePointer<Float>,
                                                 tanhCell: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Float>,
                                                 packed: PackedB, workspace: Workspace) {
        typealias V = SIMD16<Float>
        let G = 4 * H, u = forwardGroupUnits, width = 4 * u
        let groups = H / u
        workspace.reserveStepBuffers(stepRows(Tile.self, B) * width)
        parallelTasks(groups, pool: workspace.pool) { q, th in
            let tile = workspace.stepBuffers[th]
            let u0 = u * q
            if let hPrev {
                groupProduct(Tile.self, rows: B, k: H, a: hPrev, lda: H, b: packed, firstPanel: q * width / Tile.nr,
                             width: width, out: tile)
            } else {
                tile.update(repeating: 0, count: B * width)
            }
            for row in 0..<B {
                let t = UnsafeRawPointer(tile + row * width)
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

    /// Backward step: dh_t = dhOut + dz_{t+1} W_hh (the latter skipped when dzNext is nil),
    /// then the cell backward; writes dz_t (B, G) and updates dcNext (B, H) in place.
    /// `packedWhh` is W_hh (G, H) packed by `packB`.
    package static func lstmStepBackward(B: Int, H: Int, act: UnsafePointer<Float>, cPrev: UnsafePointer<Float>?,
                                 tanhCell: UnsafePointer<Float>, dhOut: UnsafePointer<Float>,
                                 dzNext: UnsafePointer<Float>?, dcNext: UnsafeMutablePointer<Float>,
                                 dz: UnsafeMutablePointer<Float>, packedWhh: PackedB, workspace: Workspace) {
        switch workspace.kernels {
        case .tile8x32: lstmStepBackward(Tile8x32.self, B: B, H: H, act: act, cPrev: cPrev, tanhCell: tanhCell, dhOut: dhOut, dzNext: dzNext, dcNext: dcNext, dz: dz, packedWhh: packedWhh, workspace: workspace)
        case .tile6x16: lstmStepBackward(Tile6x16.self, B: B, H: H, act: act, cPrev: cPrev, tanhCell: tanhCell, dhOut: dhOut, dzNext: dzNext, dcNext: dcNext, dz: dz, packedWhh: packedWhh, workspace: workspace)
        case .tile12x8: lstmStepBackward(Tile12x8.self, B: B, H: H, act: act, cPrev: cPrev, tanhCell: tanhCell, dhOut: dhOut, dzNext: dzNext, dcNext: dcNext, dz: dz, packedWhh: packedWhh, workspace: workspace)
        }
    }

    static func lstmStepBackward<Tile: MicroTile>(_: Tile.Type, B: Int, H: Int, act: UnsafePointer<Float>, cPrev: UnsafePointer<Float>?,
                                                  tanhCell: UnsafePointer<Float>, dhOut: UnsafePointer<Float>,
                                                  dzNext: UnsafePointer<Float>?, dcNext: UnsafeMutablePointer<Float>,
                                                  dz: UnsafeMutablePointer<Float>, packedWhh: PackedB, workspace: Workspace) {
        typealias V = SIMD16<Float>
        let G = 4 * H, nr = backwardGroupUnits, groups = H / nr
        let one = V(repeating: 1)
        workspace.reserveStepBuffers(stepRows(Tile.self, B) * nr)
        parallelTasks(groups, pool: workspace.pool) { q, th in
            let tile = workspace.stepBuffers[th]
            let u0 = q * nr
            if let dzNext {
                groupProduct(Tile.self, rows: B, k: G, a: dzNext, lda: G, b: packedWhh, firstPanel: q * nr / Tile.nr,
                             width: nr, out: tile)
            } else {
                tile.update(repeating: 0, count: B * nr)
            }
            for row in 0..<B {
                let a = act + row * G, d = dz + row * G
                for half in 0..<2 {
                    let u = u0 + 16 * half
                    let ig = load(a + u, 16), fg = load(a + H + u, 16)
                    let gg = load(a + 2 * H + u, 16), og = load(a + 3 * H + u, 16)
                    let tcv = load(tanhCell + row * H + u, 16)
                    let dh = load(dhOut + row * H + u, 16) + load(tile + row * nr + 16 * half, 16)
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
