// Sparkline.swift — a one-line terminal chart made of block characters.
//
// Each value becomes one of the eight blocks ▁▂▃▄▅▆▇█ scaled between the finite minimum and
// maximum; NaN and infinite values become a space. Leaves out: colours, width resampling.

/// A one-line chart of `values`: one block character per value, scaled linearly between the
/// finite minimum (▁) and maximum (█). Non-finite values print as a space; a constant series
/// prints as middle blocks (▄); an empty array gives an empty string.
///
/// ```swift
/// sparkline([0, 1, 2, 3, 4, 5, 6, 7])   // "▁▂▃▄▅▆▇█"
/// ```
public func sparkline(_ values: [Double]) -> String {
    let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    let finite = values.filter(\.isFinite)
    guard let lo = finite.min(), let hi = finite.max() else {
        return String(repeating: " ", count: values.count)
    }
    return String(
        values.map { v -> Character in
            guard v.isFinite else { return " " }
            guard hi > lo else { return blocks[3] }
            let level = Int(((v - lo) / (hi - lo) * Double(blocks.count - 1)).rounded())
            return blocks[min(max(level, 0), blocks.count - 1)]
        })
}
