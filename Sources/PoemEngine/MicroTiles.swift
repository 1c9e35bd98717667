// MicroTiles.swift — the GEMM micro-kernels: one MR × NR tile of C held in vector registers.
//
// Dimension letters: a tile of C is MR rows × NR columns; k runs over `kLen` steps.
// acc (MR, NR) = Σ_p a_p ⊗ b_p, where a_p is column p of an MR-row panel of A and b_p row p
// of an NR-column panel of B. Each step broadcasts the MR entries of a_p, loads b_p as NR / W
// vectors of W lanes, and does MR · NR / W fused multiply-adds into MR · NR / W accumulators.
// The tile must fit the register file: accumulators + the vectors of b_p + one broadcast.
//
//   tile     vector        accumulators   registers it needs    made for
//   8 × 32   SIMD16<Float>  16            19 of 32 (512-bit)    AVX-512
//   6 × 16   SIMD8<Float>   12            15 of 16 (256-bit)    AVX2 + FMA (as BLIS on Haswell)
//   12 × 8   SIMD4<Float>   24            27 of 32 (128-bit)    arm64 NEON
//
// Every tile runs on every CPU (Swift's SIMD types are portable); on the wrong one it only
// spills registers or splits vectors and is slower.
// Summation order: every entry of acc is one chain of fused multiply-adds over p = 0, 1, …
// in order, starting from zero, whatever the tile — so the tile changes the speed and never
// the bits of a result.
// Each tile also has a 4-row form (`kernelRows4`) for the rows left over by MR-row blocks in
// the recurrent steps. Leaves out: prefetch hints; other edge kernels (the caller pads partial
// tiles).

/// One micro-kernel shape. A is read either packed (entry (i, p) at `a[p · lda + i]`, lda ≥ MR)
/// or by rows (entry (i, p) at `a[i · lda + p]`); B is always a packed (kLen, NR) panel.
package protocol MicroTile {
    /// MR: rows of the tile.
    static var mr: Int { get }
    /// NR: columns of the tile.
    static var nr: Int { get }

    /// acc = Σ_p a[p·lda + 0..<MR] ⊗ b[p·NR + 0..<NR]; then C ← acc (or C += acc when `add`).
    static func kernel(
        kLen: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, add: Bool)

    /// The same with A read by rows: row i is `a + i·lda`; rows at or past `height` repeat
    /// row 0 (their results are written to C's padding rows, which must exist).
    static func kernelRows(
        kLen: Int, a: UnsafePointer<Float>, lda: Int, height: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, add: Bool)

    /// `kernelRows` for a short block of at most 4 rows (writes 4 rows of C): the recurrent
    /// steps use it for the rows left over by MR-row blocks, instead of a mostly empty tile.
    static func kernelRows4(
        kLen: Int, a: UnsafePointer<Float>, lda: Int, height: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, add: Bool)
}

extension MicroTile {
    /// The row blocks for `rows` rows: as many MR-row blocks as fit, then the rest — in 4-row
    /// blocks when that computes fewer padding rows (e.g. 32 = 4 · 6 + 2 · 4 rather than
    /// 5 · 6 + 6 with four empty rows). Calls `body(start, height, short)` in order.
    @inline(__always)
    static func forEachRowBlock(_ rows: Int, _ body: (_ start: Int, _ height: Int, _ short: Bool) -> Void) {
        // Cost in rows computed; a 4-row block costs about 10 % more per row than a full one.
        func tailCost(_ tail: Int) -> Double {
            let asShort = Double((tail + 3) / 4) * 4.4
            return tail == 0 ? 0 : tail <= mr ? min(asShort, Double(mr)) : asShort
        }
        var full = rows / mr, rest = rows % mr
        if full > 0 && rest > 0 && Double((full - 1) * mr) + tailCost(rest + mr) < Double(full * mr) + tailCost(rest) {
            full -= 1
            rest += mr
        }
        var r = 0
        for _ in 0..<full { body(r, mr, false); r += mr }
        if rest > mr || (rest > 0 && Double((rest + 3) / 4) * 4.4 < Double(mr)) {
            while r < rows { body(r, min(4, rows - r), true); r += 4 }
        } else if rest > 0 {
            body(r, rest, false)
        }
    }

    /// Writes acc row `v` to C row `row` (or adds it).
    @inline(__always)
    static func put<V: SIMD>(_ row: UnsafeMutablePointer<Float>, _ offset: Int, _ v: V, add: Bool) where V.Scalar == Float {
        let r = UnsafeMutableRawPointer(row + offset)
        r.storeBytes(of: add ? r.loadUnaligned(as: V.self) + v : v, as: V.self)
    }
}

// MARK: - 8 × 32 of SIMD16 (AVX-512)

package enum Tile8x32: MicroTile {
    package static var mr: Int { 8 }
    package static var nr: Int { 32 }

    @inline(__always)
    package static func kernel(
        kLen: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, add: Bool
    ) {
        typealias V = SIMD16<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var c40 = V(), c41 = V(), c50 = V(), c51 = V(), c60 = V(), c61 = V(), c70 = V(), c71 = V()
        let rb = UnsafeRawPointer(b)
        var ap = a
        for p in 0..<kLen {
            let b0 = rb.loadUnaligned(fromByteOffset: p * 128, as: V.self)
            let b1 = rb.loadUnaligned(fromByteOffset: p * 128 + 64, as: V.self)
            var s = V(repeating: ap[0]); c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            s = V(repeating: ap[1]); c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            s = V(repeating: ap[2]); c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
            s = V(repeating: ap[3]); c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
            s = V(repeating: ap[4]); c40 = c40.addingProduct(s, b0); c41 = c41.addingProduct(s, b1)
            s = V(repeating: ap[5]); c50 = c50.addingProduct(s, b0); c51 = c51.addingProduct(s, b1)
            s = V(repeating: ap[6]); c60 = c60.addingProduct(s, b0); c61 = c61.addingProduct(s, b1)
            s = V(repeating: ap[7]); c70 = c70.addingProduct(s, b0); c71 = c71.addingProduct(s, b1)
            ap += lda
        }
        store(c, ldc, add, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71)
    }

    @inline(__always)
    package static func kernelRows(
        kLen: Int, a: UnsafePointer<Float>, lda: Int, height: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, add: Bool
    ) {
        typealias V = SIMD16<Float>
        @inline(__always) func row(_ i: Int) -> UnsafePointer<Float> { i < height ? a + i * lda : a }
        let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5), a6 = row(6), a7 = row(7)
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var c40 = V(), c41 = V(), c50 = V(), c51 = V(), c60 = V(), c61 = V(), c70 = V(), c71 = V()
        let rb = UnsafeRawPointer(b)
        for p in 0..<kLen {
            let b0 = rb.loadUnaligned(fromByteOffset: p * 128, as: V.self)
            let b1 = rb.loadUnaligned(fromByteOffset: p * 128 + 64, as: V.self)
            var s = V(repeating: a0[p]); c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            s = V(repeating: a1[p]); c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            s = V(repeating: a2[p]); c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
            s = V(repeating: a3[p]); c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
            s = V(repeating: a4[p]); c40 = c40.addingProduct(s, b0); c41 = c41.addingProduct(s, b1)
            s = V(repeating: a5[p]); c50 = c50.addingProduct(s, b0); c51 = c51.addingProduct(s, b1)
            s = V(repeating: a6[p]); c60 = c60.addingProduct(s, b0); c61 = c61.addingProduct(s, b1)
            s = V(repeating: a7[p]); c70 = c70.addingProduct(s, b0); c71 = c71.addingProduct(s, b1)
        }
        store(c, ldc, add, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71)
    }

    @inline(__always)
    package static func kernelRows4(
        kLen: Int, a: UnsafePointer<Float>, lda: Int, height: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, add: Bool
    ) {
        typealias V = SIMD16<Float>
        @inline(__always) func row(_ i: Int) -> UnsafePointer<Float> { i < height ? a + i * lda : a }
        let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3)
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        let rb = UnsafeRawPointer(b)
        for p in 0..<kLen {
            let b0 = rb.loadUnaligned(fromByteOffset: p * 128, as: V.self)
            let b1 = rb.loadUnaligned(fromByteOffset: p * 128 + 64, as: V.self)
            var s = V(repeating: a0[p]); c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            s = V(repeating: a1[p]); c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            s = V(repeating: a2[p]); c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
            s = V(repeating: a3[p]); c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
        }
        put(c, 0, c00, add: add); put(c, 16, c01, add: add)
        put(c + ldc, 0, c10, add: add); put(c + ldc, 16, c11, add: add)
        put(c + 2 * ldc, 0, c20, add: add); put(c + 2 * ldc, 16, c21, add: add)
        put(c + 3 * ldc, 0, c30, add: add); put(c + 3 * ldc, 16, c31, add: add)
    }

    @inline(__always)
    static func store(
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ add: Bool,
        _ c00: SIMD16<Float>, _ c01: SIMD16<Float>, _ c10: SIMD16<Float>, _ c11: SIMD16<Float>,
        _ c20: SIMD16<Float>, _ c21: SIMD16<Float>, _ c30: SIMD16<Float>, _ c31: SIMD16<Float>,
        _ c40: SIMD16<Float>, _ c41: SIMD16<Float>, _ c50: SIMD16<Float>, _ c51: SIMD16<Float>,
        _ c60: SIMD16<Float>, _ c61: SIMD16<Float>, _ c70: SIMD16<Float>, _ c71: SIMD16<Float>
    ) {
        put(c, 0, c00, add: add); put(c, 16, c01, add: add)
        put(c + ldc, 0, c10, add: add); put(c + ldc, 16, c11, add: add)
        put(c + 2 * ldc, 0, c20, add: add); put(c + 2 * ldc, 16, c21, add: add)
        put(c + 3 * ldc, 0, c30, add: add); put(c + 3 * ldc, 16, c31, add: add)
        put(c + 4 * ldc, 0, c40, add: add); put(c + 4 * ldc, 16, c41, add: add)
        put(c + 5 * ldc, 0, c50, add: add); put(c + 5 * ldc, 16, c51, add: add)
        put(c + 6 * ldc, 0, c60, add: add); put(c + 6 * ldc, 16, c61, add: add)
        put(c + 7 * ldc, 0, c70, add: add); put(c + 7 * ldc, 16, c71, add: add)
    }
}

// MARK: - 6 × 16 of SIMD8 (AVX2)

package enum Tile6x16: MicroTile {
    package static var mr: Int { 6 }
    package static var nr: Int { 16 }

    @inline(__always)
    package static func kernel(
        kLen: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, add: Bool
    ) {
        typealias V = SIMD8<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        let rb = UnsafeRawPointer(b)
        var ap = a
        for p in 0..<kLen {
            let b0 = rb.loadUnaligned(fromByteOffset: p * 64, as: V.self)
            let b1 = rb.loadUnaligned(fromByteOffset: p * 64 + 32, as: V.self)
            var s = V(repeating: ap[0]); c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            s = V(repeating: ap[1]); c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            s = V(repeating: ap[2]); c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
            s = V(repeating: ap[3]); c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
            s = V(repeating: ap[4]); c40 = c40.addingProduct(s, b0); c41 = c41.addingProduct(s, b1)
            s = V(repeating: ap[5]); c50 = c50.addingProduct(s, b0); c51 = c51.addingProduct(s, b1)
            ap += lda
        }
        store(c, ldc, add, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
    }

    @inline(__always)
    package static func kernelRows(
        kLen: Int, a: UnsafePointer<Float>, lda: Int, height: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, add: Bool
    ) {
        typealias V = SIMD8<Float>
        @inline(__always) func row(_ i: Int) -> UnsafePointer<Float> { i < height ? a + i * lda : a }
        let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5)
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
        var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
        let rb = UnsafeRawPointer(b)
        for p in 0..<kLen {
            let b0 = rb.loadUnaligned(fromByteOffset: p * 64, as: V.self)
            let b1 = rb.loadUnaligned(fromByteOffset: p * 64 + 32, as: V.self)
            var s = V(repeating: a0[p]); c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            s = V(repeating: a1[p]); c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            s = V(repeating: a2[p]); c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
            s = V(repeating: a3[p]); c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
            s = V(repeating: a4[p]); c40 = c40.addingProduct(s, b0); c41 = c41.addingProduct(s, b1)
            s = V(repeating: a5[p]); c50 = c50.addingProduct(s, b0); c51 = c51.addingProduct(s, b1)
        }
        store(c, ldc, add, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
    }

    @inline(__always)
    package static func kernelRows4(
        kLen: Int, a: UnsafePointer<Float>, lda: Int, height: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, add: Bool
    ) {
        typealias V = SIMD8<Float>
        @inline(__always) func row(_ i: Int) -> UnsafePointer<Float> { i < height ? a + i * lda : a }
        let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3)
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        let rb = UnsafeRawPointer(b)
        for p in 0..<kLen {
            let b0 = rb.loadUnaligned(fromByteOffset: p * 64, as: V.self)
            let b1 = rb.loadUnaligned(fromByteOffset: p * 64 + 32, as: V.self)
            var s = V(repeating: a0[p]); c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            s = V(repeating: a1[p]); c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            s = V(repeating: a2[p]); c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
            s = V(repeating: a3[p]); c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
        }
        put(c, 0, c00, add: add); put(c, 8, c01, add: add)
        put(c + ldc, 0, c10, add: add); put(c + ldc, 8, c11, add: add)
        put(c + 2 * ldc, 0, c20, add: add); put(c + 2 * ldc, 8, c21, add: add)
        put(c + 3 * ldc, 0, c30, add: add); put(c + 3 * ldc, 8, c31, add: add)
    }

    @inline(__always)
    static func store(
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ add: Bool,
        _ c00: SIMD8<Float>, _ c01: SIMD8<Float>, _ c10: SIMD8<Float>, _ c11: SIMD8<Float>,
        _ c20: SIMD8<Float>, _ c21: SIMD8<Float>, _ c30: SIMD8<Float>, _ c31: SIMD8<Float>,
        _ c40: SIMD8<Float>, _ c41: SIMD8<Float>, _ c50: SIMD8<Float>, _ c51: SIMD8<Float>
    ) {
        put(c, 0, c00, add: add); put(c, 8, c01, add: add)
        put(c + ldc, 0, c10, add: add); put(c + ldc, 8, c11, add: add)
        put(c + 2 * ldc, 0, c20, add: add); put(c + 2 * ldc, 8, c21, add: add)
        put(c + 3 * ldc, 0, c30, add: add); put(c + 3 * ldc, 8, c31, add: add)
        put(c + 4 * ldc, 0, c40, add: add); put(c + 4 * ldc, 8, c41, add: add)
        put(c + 5 * ldc, 0, c50, add: add); put(c + 5 * ldc, 8, c51, add: add)
    }
}

// MARK: - 12 × 8 of SIMD4 (arm64 NEON)

package enum Tile12x8: MicroTile {
    package static var mr: Int { 12 }
    package static var nr: Int { 8 }

    @inline(__always)
    package static func kernel(
        kLen: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, add: Bool
    ) {
        typealias V = SIMD4<Float>
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var c40 = V(), c41 = V(), c50 = V(), c51 = V(), c60 = V(), c61 = V(), c70 = V(), c71 = V()
        var c80 = V(), c81 = V(), c90 = V(), c91 = V(), ca0 = V(), ca1 = V(), cb0 = V(), cb1 = V()
        let rb = UnsafeRawPointer(b)
        var ap = a
        for p in 0..<kLen {
            let b0 = rb.loadUnaligned(fromByteOffset: p * 32, as: V.self)
            let b1 = rb.loadUnaligned(fromByteOffset: p * 32 + 16, as: V.self)
            var s = V(repeating: ap[0]); c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            s = V(repeating: ap[1]); c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            s = V(repeating: ap[2]); c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
            s = V(repeating: ap[3]); c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
            s = V(repeating: ap[4]); c40 = c40.addingProduct(s, b0); c41 = c41.addingProduct(s, b1)
            s = V(repeating: ap[5]); c50 = c50.addingProduct(s, b0); c51 = c51.addingProduct(s, b1)
            s = V(repeating: ap[6]); c60 = c60.addingProduct(s, b0); c61 = c61.addingProduct(s, b1)
            s = V(repeating: ap[7]); c70 = c70.addingProduct(s, b0); c71 = c71.addingProduct(s, b1)
            s = V(repeating: ap[8]); c80 = c80.addingProduct(s, b0); c81 = c81.addingProduct(s, b1)
            s = V(repeating: ap[9]); c90 = c90.addingProduct(s, b0); c91 = c91.addingProduct(s, b1)
            s = V(repeating: ap[10]); ca0 = ca0.addingProduct(s, b0); ca1 = ca1.addingProduct(s, b1)
            s = V(repeating: ap[11]); cb0 = cb0.addingProduct(s, b0); cb1 = cb1.addingProduct(s, b1)
            ap += lda
        }
        store(c, ldc, add, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
        store(c + 6 * ldc, ldc, add, c60, c61, c70, c71, c80, c81, c90, c91, ca0, ca1, cb0, cb1)
    }

    @inline(__always)
    package static func kernelRows(
        kLen: Int, a: UnsafePointer<Float>, lda: Int, height: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, add: Bool
    ) {
        // Twelve row pointers: arm64 has the 31 general registers they need (on x86-64 some
        // are kept on the stack, which only costs speed).
        typealias V = SIMD4<Float>
        @inline(__always) func row(_ i: Int) -> UnsafePointer<Float> { i < height ? a + i * lda : a }
        let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5)
        let a6 = row(6), a7 = row(7), a8 = row(8), a9 = row(9), a10 = row(10), a11 = row(11)
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var c40 = V(), c41 = V(), c50 = V(), c51 = V(), c60 = V(), c61 = V(), c70 = V(), c71 = V()
        var c80 = V(), c81 = V(), c90 = V(), c91 = V(), ca0 = V(), ca1 = V(), cb0 = V(), cb1 = V()
        let rb = UnsafeRawPointer(b)
        for p in 0..<kLen {
            let b0 = rb.loadUnaligned(fromByteOffset: p * 32, as: V.self)
            let b1 = rb.loadUnaligned(fromByteOffset: p * 32 + 16, as: V.self)
            var s = V(repeating: a0[p]); c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            s = V(repeating: a1[p]); c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            s = V(repeating: a2[p]); c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
            s = V(repeating: a3[p]); c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
            s = V(repeating: a4[p]); c40 = c40.addingProduct(s, b0); c41 = c41.addingProduct(s, b1)
            s = V(repeating: a5[p]); c50 = c50.addingProduct(s, b0); c51 = c51.addingProduct(s, b1)
            s = V(repeating: a6[p]); c60 = c60.addingProduct(s, b0); c61 = c61.addingProduct(s, b1)
            s = V(repeating: a7[p]); c70 = c70.addingProduct(s, b0); c71 = c71.addingProduct(s, b1)
            s = V(repeating: a8[p]); c80 = c80.addingProduct(s, b0); c81 = c81.addingProduct(s, b1)
            s = V(repeating: a9[p]); c90 = c90.addingProduct(s, b0); c91 = c91.addingProduct(s, b1)
            s = V(repeating: a10[p]); ca0 = ca0.addingProduct(s, b0); ca1 = ca1.addingProduct(s, b1)
            s = V(repeating: a11[p]); cb0 = cb0.addingProduct(s, b0); cb1 = cb1.addingProduct(s, b1)
        }
        store(c, ldc, add, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
        store(c + 6 * ldc, ldc, add, c60, c61, c70, c71, c80, c81, c90, c91, ca0, ca1, cb0, cb1)
    }

    @inline(__always)
    package static func kernelRows4(
        kLen: Int, a: UnsafePointer<Float>, lda: Int, height: Int, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, add: Bool
    ) {
        typealias V = SIMD4<Float>
        @inline(__always) func row(_ i: Int) -> UnsafePointer<Float> { i < height ? a + i * lda : a }
        let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3)
        var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V(), c30 = V(), c31 = V()
        let rb = UnsafeRawPointer(b)
        for p in 0..<kLen {
            let b0 = rb.loadUnaligned(fromByteOffset: p * 32, as: V.self)
            let b1 = rb.loadUnaligned(fromByteOffset: p * 32 + 16, as: V.self)
            var s = V(repeating: a0[p]); c00 = c00.addingProduct(s, b0); c01 = c01.addingProduct(s, b1)
            s = V(repeating: a1[p]); c10 = c10.addingProduct(s, b0); c11 = c11.addingProduct(s, b1)
            s = V(repeating: a2[p]); c20 = c20.addingProduct(s, b0); c21 = c21.addingProduct(s, b1)
            s = V(repeating: a3[p]); c30 = c30.addingProduct(s, b0); c31 = c31.addingProduct(s, b1)
        }
        put(c, 0, c00, add: add); put(c, 4, c01, add: add)
        put(c + ldc, 0, c10, add: add); put(c + ldc, 4, c11, add: add)
        put(c + 2 * ldc, 0, c20, add: add); put(c + 2 * ldc, 4, c21, add: add)
        put(c + 3 * ldc, 0, c30, add: add); put(c + 3 * ldc, 4, c31, add: add)
    }

    /// Writes six rows of the tile (two 4-lane vectors each).
    @inline(__always)
    static func store(
        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ add: Bool,
        _ c00: SIMD4<Float>, _ c01: SIMD4<Float>, _ c10: SIMD4<Float>, _ c11: SIMD4<Float>,
        _ c20: SIMD4<Float>, _ c21: SIMD4<Float>, _ c30: SIMD4<Float>, _ c31: SIMD4<Float>,
        _ c40: SIMD4<Float>, _ c41: SIMD4<Float>, _ c50: SIMD4<Float>, _ c51: SIMD4<Float>
    ) {
        put(c, 0, c00, add: add); put(c, 4, c01, add: add)
        put(c + ldc, 0, c10, add: add); put(c + ldc, 4, c11, add: add)
        put(c + 2 * ldc, 0, c20, add: add); put(c + 2 * ldc, 4, c21, add: add)
        put(c + 3 * ldc, 0, c30, add: add); put(c + 3 * ldc, 4, c31, add: add)
        put(c + 4 * ldc, 0, c40, add: add); put(c + 4 * ldc, 4, c41, add: add)
        put(c + 5 * ldc, 0, c50, add: add); put(c + 5 * ldc, 4, c51, add: add)
    }
}
