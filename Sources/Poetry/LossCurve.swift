// LossCurve.swift — the training loss as a small SVG line chart.
//
// Two series over optimizer steps: the loss of every batch (light) and the mean loss of
// every finished epoch (dark, one point at the epoch's last step). Plain SVG text, no
// dependencies; the CLI writes it next to the checkpoint.

import Foundation

public enum LossCurve {
    /// An SVG document of `width` × `height` pixels.
    public static func svg(stepLosses: [Float], epochLosses: [Double], batchesPerEpoch: Int,
                           width: Double = 720, height: Double = 360) -> String {
        let left = 56.0, right = 16.0, top = 24.0, bottom = 40.0
        let finite = stepLosses.filter(\.isFinite).map(Double.init) + epochLosses.filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = max(finite.max() ?? 1, lo + 1e-6)
        let n = max(stepLosses.count, 1)
        func x(_ step: Double) -> Double { left + (width - left - right) * step / Double(n) }
        func y(_ v: Double) -> Double { top + (height - top - bottom) * (1 - (v - lo) / (hi - lo)) }
        func path(_ points: [(Double, Double)]) -> String {
            points.enumerated().map { i, p in String(format: "%@%.1f,%.1f", i == 0 ? "M" : "L", p.0, p.1) }.joined(separator: " ")
        }
        // Thin the per-step series to at most ~2 points per pixel.
        let stride = max(1, stepLosses.count / Int(2 * (width - left - right)))
        var steps: [(Double, Double)] = []
        var i = 0
        while i < stepLosses.count {
            let v = Double(stepLosses[i])
            if v.isFinite { steps.append((x(Double(i + 1)), y(v))) }
            i += stride
        }
        let epochs = epochLosses.enumerated().compactMap { e, v in v.isFinite ? (x(Double((e + 1) * batchesPerEpoch)), y(v)) : nil }
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="black"/>
        <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="black"/>
        <text x="\(width / 2)" y="\(height - 8)" text-anchor="middle">optimizer step (\(stepLosses.count) steps)</text>
        <text x="14" y="\(height / 2)" text-anchor="middle" transform="rotate(-90 14 \(height / 2))">cross-entropy</text>

        """
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4
            svg += String(format: "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n", left - 6, y(v) + 4, v)
        }
        if !steps.isEmpty { svg += "<path d=\"\(path(steps))\" fill=\"none\" stroke=\"#9ecae1\" stroke-width=\"1\"/>\n" }
        if !epochs.isEmpty {
            svg += "<path d=\"\(path(epochs))\" fill=\"none\" stroke=\"#08519c\" stroke-width=\"2\"/>\n"
            for p in epochs { svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#08519c\"/>\n", p.0, p.1) }
        }
        svg += "<text x=\"\(width - right)\" y=\"16\" text-anchor=\"end\">light: batch loss · dark: epoch mean</text>\n</svg>\n"
        return svg
    }
}
