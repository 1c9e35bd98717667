// RecurrentKernels.swift — one LSTM time step as a single parallel section.
//
// Dimension letters: B rows (poems) of the step, H hidden units, G = 4H gate columns.
// Notation: PyTorch LSTM gates (i, f, g, o); formulas as in Network.swift.
// The step's product h_{t−1} W_hhᵀ (B × H × G) is small, and running it as a GEMM followed
// by the cell needs two passes and a wait between them. Here each thread owns whole groups
// of hidden units: the forward pass packs W_hhᵀ with its columns permuted so that 32
// consecutive columns hold the four gates of 8 units; a thread computes those 32 columns for
// MR rows with the workspace's micro-kernel (32 / NR tiles side by side) into its tile buffer,
// and runs the cell on them at once. Backward, a group is 32 units of dh_{t−1} = dz_{t+1} W_hh,
// followed by those units' cell backward. Each entry is summed as in the GEMM (a chain of fused
// multiply-adds per KC block, blocks added in order) by one thread, so results depend neither
// on the thread count nor on the tile.
// Used when H is a multiple of 8 (forward) / 32 (backward); otherwise Network.swift falls
// back to GEMM + cell.

extension Kernels {
    /// Columns of one group of gate columns (forward) or hidden units (backward).
    static let groupWidth = 32

    /// W_hhᵀ (H, G) packed in panels of NR with permuted columns: permuted column
    /// 32q + c is gate c / 8 of unit 8q + c % 8; entry (p, j) of panel P is at
    /// `P * H * NR + p * NR + j` and holds permuted column P · NR + j.
    static func packRecurrentForward(whh: UnsafePointer<Float>, H: Int, workspace: Workspace, slot: Int) -> PackedB {
        let nr = workspace.kernels.columns
        let G = 4 * H
        let buf = workspace.bBuffer(slot: slot, capacity: max(1, G * H))
        for pc in 0..<G {
            let q = pc / groupWidth, col = pc % groupWidth
            let source = whh + ((col / 8) * H + 8 * q + col % 8) * H   // row of W_hh = column of W_hhᵀ
            let dst = buf + (pc / nr) * H * nr + pc % nr
            for p in 0..<H { dst[p * nr] = source[p] }
        }
        return PackedB(k: H, n: G, nr: nr, buffer: buf)
    }

    /// tile (MR, 32) ← A (MR rows, k) · the 32 columns of B from panel `firstPanel` on, with A
    /// read by rows (row i at `a + i · lda`, rows past `height` unused); KC blocks added in order.
    @inline(__always)
    static func groupProduct<Tile: MicroTile>(_: Tile.Type, k: Int, a: UnsafePointer<Float>, lda: Int, height: Int,
                                              b: PackedB, firstPanel: Int, tile: UnsafeMutablePointer<Float>) {
        let nr = Tile.nr
        for s in 0..<(groupWidth / nr) {
            let panel = b.panel(firstPanel + s)
            var p0 = 0
            while p0 < k {
                let kLen = min(kc, k - p0)
                Tile.kernelRows(kLen: kLen, a: a + p0, lda: lda, height: height, b: panel + p0 * nr,
                                c: tile + s * nr, ldc: groupWidth, add: p0 > 0)
                p0 += kc
            }
        }
    }

    @inline(__always)
    static func pair(_ p0: UnsafePointer<Float>, _ p1: UnsafePointer<Float>?) -> SIMD16<Float> {
        let lo = UnsafeRawPointer(p0).loadUnaligned(as: SIMD8<Float>.self)
        let hi = p1.map { UnsafeRawPointer($0).loadUnaligned(as: SIMD8<Float>.self) } ?? SIMD8<Float>()
        return SIMD16(lowHalf: lo, highHalf: hi)
    }

    @inline(__always)
    static func storePair(_ v: SIMD16<Float>, _ p0: UnsafeMutablePointer<Float>, _ p1: UnsafeMutablePointer<Float>?) {
        UnsafeMutableRawPointer(p0).storeBytes(of: v.lowHalf, as: SIMD8<Float>.self)
        if let p1 { UnsafeMutableRawPointer(p1).storeBytes(of: v.highHalf, as: SIMD8<Float>.self) }
    }

    /// Forward step: z (B, G) holds x_t W_ihᵀ + biases on entry and the activated gates on
    /// exit; writes c_t, tanh c_t, h_t (B, H). hPrev/cPrev nil at t = 0 (zero state).
    /// `packed` comes from `packRecurrentForward`.
    static func lstmStepForward(B: Int, H: Int, z: UnsafeMutablePointer<Float>, hPrev: UnsafePointer<Float>?,
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
        let G = 4 * H, groups = H / 8, mr = Tile.mr, nr = groupWidth
        let panelsPerGroup = groupWidth / Tile.nr
        let threads = min(workspace.threads, groups)
        parallelFor(threads, pool: workspace.pool) { th in
            let tile = workspace.tileBuffers[th]
            var q = th
            while q < groups {
                let u0 = 8 * q
                var r = 0
                while r < B {
                    let height = min(mr, B - r)
                    if let hPrev {
                        groupProduct(Tile.self, k: H, a: hPrev + r * H, lda: H, height: height, b: packed,
                                     firstPanel: q * panelsPerGroup, tile: tile)
                    } else {
                        tile.update(repeating: 0, count: mr * nr)
                    }
                    var i = 0
                    while i < height {
                        let a = r + i
                        let hasB = i + 1 < height
                        let b = a + 1
                        let t0 = UnsafePointer(tile + i * nr), t1: UnsafePointer<Float>? = hasB ? UnsafePointer(tile + (i + 1) * nr) : nil
                        let za = z + a * G + u0, zb: UnsafeMutablePointer<Float>? = hasB ? z + b * G + u0 : nil
                        func gate(_ k: Int) -> SIMD16<Float> {
                            pair(t0 + 8 * k, t1.map { $0 + 8 * k }) + pair(za + k * H, zb.map { UnsafePointer($0 + k * H) })
                        }
                        let ig = sigmoid(gate(0)), fg = sigmoid(gate(1)), gg = tanh(gate(2)), og = sigmoid(gate(3))
                        storePair(ig, za, zb)
                        storePair(fg, za + H, zb.map { $0 + H })
                        storePair(gg, za + 2 * H, zb.map { $0 + 2 * H })
                        storePair(og, za + 3 * H, zb.map { $0 + 3 * H })
                        let cp = cPrev.map { pair($0 + a * H + u0, hasB ? $0 + b * H + u0 : nil) } ?? SIMD16<Float>()
                        let c = fg * cp + ig * gg
                        let tc = tanh(c)
                        storePair(c, cell + a * H + u0, hasB ? cell + b * H + u0 : nil)
                        storePair(tc, tanhCell + a * H + u0, hasB ? tanhCell + b * H + u0 : nil)
                        storePair(og * tc, h + a * H + u0, hasB ? h + b * H + u0 : nil)
                        i += 2
                    }
                    r += mr
                }
                q += threads
            }
        }
    }

    /// Backward step: dh_t = dhOut + dz_{t+1} W_hh (the latter skipped when dzNext is nil),
    /// then the cell backward; writes dz_t (B, G) and updates dcNext (B, H) in place.
    /// `packedWhh` is W_hh (G, H) packed by `packB`.
    static func lstmStepBackward(B: Int, H: Int, act: UnsafePointer<Float>, cPrev: UnsafePointer<Float>?,
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
        let G = 4 * H, nr = groupWidth, groups = H / nr, mr = Tile.mr
        let panelsPerGroup = groupWidth / Tile.nr
        let threads = min(workspace.threads, groups)
        let one = V(repeating: 1)
        parallelFor(threads, pool: workspace.pool) { th in
            let tile = workspace.tileBuffers[th]
            var q = th
            while q < groups {
                let u0 = q * nr
                var r = 0
                while r < B {
                    let height = min(mr, B - r)
                    if let dzNext {
                        groupProduct(Tile.self, k: G, a: dzNext + r * G, lda: G, height: height, b: packedWhh,
                                     firstPanel: q * panelsPerGroup, tile: tile)
                    } else {
                        tile.update(repeating: 0, count: mr * nr)
                    }
                    for i in 0..<height {
                        let row = r + i
                        let a = act + row * G, d = dz + row * G
                        for half in 0..<2 {
                            let u = u0 + 16 * half
                            let ig = load(a + u, 16), fg = load(a + H + u, 16)
                            let gg = load(a + 2 * H + u, 16), og = load(a + 3 * H + u, 16)
                            let tcv = load(tanhCell + row * H + u, 16)
                            let dh = load(dhOut + row * H + u, 16) + load(tile + i * nr + 16 * half, 16)
                            let dc = load(dcNext + row * H + u, 16) + dh * og * (one - tcv * tcv)
                            let cp = cPrev.map { load($0 + row * H + u, 16) } ?? V()
                            store(dc * gg * ig * (one - ig), d + u, 16)
                            store(dc * cp * fg * (one - fg), d + H + u, 16)
                            store(dc * ig * (one - gg * gg), d + 2 * H + u, 16)
                            store(dh * tcv * og * (one - og), d + 3 * H + u, 16)
                            store(dc * fg, dcNext + row * H + u, 16)
                        }
                    }
                    r += mr
                }
                q += threads
            }
        }
    }
}
