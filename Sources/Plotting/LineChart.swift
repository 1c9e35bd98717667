// LineChart.swift — a line chart rendered as a self-contained SVG document.
//
// No dimension letters: a chart holds named series of (x, y) points in data units and maps
// them into a pixel frame. What it leaves out: bar charts, heat maps, several y axes,
// interactive features. Points whose x or y is NaN or infinite (and, on a log y axis, whose
// y is ≤ 0) are skipped; the line is broken at such a point instead of joined across it.

import Foundation

/// A line chart with one or more named series, rendered to SVG by `svg(width:height:)`.
///
/// ```swift
/// let chart = LineChart(title: "‖Wⁿ‖₂", xLabel: "n", yLabel: "norm", logY: true,
///                       series: [.init(name: "W", points: [(0, 1), (1, 0.9), (2, 0.81)])])
/// let text = chart.svg(width: 720, height: 440)   // a complete <svg> document
/// ```
public struct LineChart: Sendable, Equatable {
    /// One point in data units.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) { self.x = x; self.y = y }
    }

    /// A named sequence of points drawn as one polyline (one SVG `<path>`).
    public struct Series: Sendable, Equatable {
        /// The name shown in the legend.
        public var name: String
        /// The points in drawing order.
        public var points: [Point]
        /// Whether to draw a small circle at every drawable point.
        public var markers: Bool

        /// A series from `(x, y)` pairs.
        public init(name: String, points: [(Double, Double)], markers: Bool = false) {
            self.name = name
            self.points = points.map { Point(x: $0.0, y: $0.1) }
            self.markers = markers
        }

        /// A series from y values at x = 0, 1, 2, ….
        public init(name: String, values: [Double], markers: Bool = false) {
            self.init(name: name, points: values.enumerated().map { (Double($0.offset), $0.element) }, markers: markers)
        }
    }

    /// Title drawn above the plot area.
    public var title: String
    /// Label of the horizontal axis.
    public var xLabel: String
    /// Label of the vertical axis.
    public var yLabel: String
    /// Whether the y axis is logarithmic (base 10, ticks at powers of ten).
    public var logY: Bool
    /// The series, drawn in order, each with its own colour.
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, logY: Bool = false, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logY = logY
        self.series = series
    }

    /// Line colours, cycled over the series.
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// Whether a point can be drawn: both coordinates finite, y > 0 on a log axis.
    func isDrawable(_ p: Point) -> Bool {
        p.x.isFinite && p.y.isFinite && (!logY || p.y > 0)
    }

    // MARK: - Rendering

    /// The chart as a complete SVG document of `width × height` pixels (at least 160 × 120).
    public func svg(width: Int = 720, height: Int = 440) -> String {
        let w = Double(max(width, 160)), h = Double(max(height, 120))
        // Plot frame: margins leave room for tick labels, axis labels, title and legend.
        let left = 72.0, right = 16.0, top = 36.0
        let bottom = 52.0 + 16.0 * Double(series.count)
        let plotW = max(w - left - right, 10), plotH = max(h - top - bottom, 10)

        let drawable = series.flatMap { $0.points.filter(isDrawable) }
        let xs = drawable.map(\.x)
        let ys = drawable.map { logY ? log10($0.y) : $0.y }
        let xAxis = Axis.linear(min: xs.min(), max: xs.max())
        let yAxis =
            logY
            ? Axis.logarithmic(minExponent: ys.min(), maxExponent: ys.max())
            : Axis.linear(min: ys.min(), max: ys.max())

        func px(_ x: Double) -> Double { left + (x - xAxis.low) / (xAxis.high - xAxis.low) * plotW }
        func pyAxis(_ v: Double) -> Double { top + plotH - (v - yAxis.low) / (yAxis.high - yAxis.low) * plotH }
        func py(_ y: Double) -> Double { pyAxis(logY ? log10(y) : y) }

        var out: [String] = []
        out.append(#"<?xml version="1.0" encoding="UTF-8"?>"#)
        out.append(
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(w))" height="\#(Int(h))" viewBox="0 0 \#(Int(w)) \#(Int(h))" font-family="sans-serif" font-size="12">"#
        )
        out.append(#"<rect x="0" y="0" width="\#(Int(w))" height="\#(Int(h))" fill="white"/>"#)
        out.append(#"<text class="title" x="\#(fmt(w / 2))" y="22" text-anchor="middle" font-size="15">\#(escapeXML(title))</text>"#)

        // Grid lines and ticks.
        for t in xAxis.ticks {
            let x = px(t.value)
            out.append(
                #"<line class="grid" x1="\#(fmt(x))" y1="\#(fmt(top))" x2="\#(fmt(x))" y2="\#(fmt(top + plotH))" stroke="gainsboro"/>"#)
            out.append(
                #"<line class="tick" x1="\#(fmt(x))" y1="\#(fmt(top + plotH))" x2="\#(fmt(x))" y2="\#(fmt(top + plotH + 5))" stroke="black"/>"#
            )
            out.append(#"<text class="xtick" x="\#(fmt(x))" y="\#(fmt(top + plotH + 18))" text-anchor="middle">\#(t.label)</text>"#)
        }
        for t in yAxis.ticks {
            let y = pyAxis(t.value)
            out.append(
                #"<line class="grid" x1="\#(fmt(left))" y1="\#(fmt(y))" x2="\#(fmt(left + plotW))" y2="\#(fmt(y))" stroke="gainsboro"/>"#)
            out.append(#"<line class="tick" x1="\#(fmt(left - 5))" y1="\#(fmt(y))" x2="\#(fmt(left))" y2="\#(fmt(y))" stroke="black"/>"#)
            out.append(#"<text class="ytick" x="\#(fmt(left - 8))" y="\#(fmt(y + 4))" text-anchor="end">\#(t.label)</text>"#)
        }
        out.append(
            #"<rect class="frame" x="\#(fmt(left))" y="\#(fmt(top))" width="\#(fmt(plotW))" height="\#(fmt(plotH))" fill="none" stroke="black"/>"#
        )
        out.append(
            #"<text class="xlabel" x="\#(fmt(left + plotW / 2))" y="\#(fmt(top + plotH + 38))" text-anchor="middle">\#(escapeXML(xLabel))</text>"#
        )
        out.append(
            #"<text class="ylabel" x="16" y="\#(fmt(top + plotH / 2))" text-anchor="middle" transform="rotate(-90 16 \#(fmt(top + plotH / 2)))">\#(escapeXML(yLabel))</text>"#
        )
        if drawable.isEmpty {
            out.append(
                #"<text class="nodata" x="\#(fmt(left + plotW / 2))" y="\#(fmt(top + plotH / 2))" text-anchor="middle" fill="gray">no finite data</text>"#
            )
        }

        // Series: one <path> each; a point that cannot be drawn starts a new sub-path.
        for (index, s) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            var d: [String] = []
            var penDown = false
            for p in s.points {
                guard isDrawable(p) else { penDown = false; continue }
                d.append((penDown ? "L" : "M") + "\(fmt(px(p.x))),\(fmt(py(p.y)))")
                penDown = true
            }
            out.append(
                #"<path class="series" data-name="\#(escapeXML(s.name))" d="\#(d.joined(separator: " "))" fill="none" stroke="\#(color)" stroke-width="1.8" stroke-linejoin="round"/>"#
            )
            if s.markers {
                for p in s.points where isDrawable(p) {
                    out.append(#"<circle class="marker" cx="\#(fmt(px(p.x)))" cy="\#(fmt(py(p.y)))" r="2.5" fill="\#(color)"/>"#)
                }
            }
        }

        // Legend below the x label, one row per series.
        for (index, s) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            let y = top + plotH + 56 + 16 * Double(index)
            out.append(
                #"<line class="legend" x1="\#(fmt(left))" y1="\#(fmt(y - 4))" x2="\#(fmt(left + 24))" y2="\#(fmt(y - 4))" stroke="\#(color)" stroke-width="2.5"/>"#
            )
            out.append(#"<text class="legend" x="\#(fmt(left + 30))" y="\#(fmt(y))">\#(escapeXML(s.name))</text>"#)
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}

// MARK: - Axes

/// An axis range [low, high] in axis units (log10 of the value on a log axis) and its ticks.
struct Axis {
    struct Tick { var value: Double; var label: String }
    var low: Double
    var high: Double
    var ticks: [Tick]

    /// A linear axis covering [min, max] with "nice" ticks (1, 2 or 5 × 10^k apart).
    static func linear(min: Double?, max: Double?) -> Axis {
        var lo = min ?? 0, hi = max ?? 1
        if hi - lo <= 0 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.5
            lo -= pad; hi += pad
        }
        let step = niceStep((hi - lo) / 5)
        let first = (lo / step).rounded(.down) * step
        let last = (hi / step).rounded(.up) * step
        var ticks: [Tick] = []
        var k = 0
        while k <= 50 {
            let v = first + Double(k) * step
            if v > last + step * 1e-9 { break }
            ticks.append(Tick(value: v, label: escapeXML(String(format: "%g", abs(v) < step * 1e-9 ? 0 : v))))
            k += 1
        }
        return Axis(low: first, high: last, ticks: ticks)
    }

    /// A log axis from the decade at or below `minExponent` to the one at or above
    /// `maxExponent` (both log10 of data values), with a tick at every power of ten (every
    /// second, third … power when there are more than ten decades).
    static func logarithmic(minExponent: Double?, maxExponent: Double?) -> Axis {
        var lo = (minExponent ?? 0).rounded(.down), hi = (maxExponent ?? 1).rounded(.up)
        if hi <= lo { hi = lo + 1 }
        let every = Swift.max(1, (Int(hi - lo) + 9) / 10)
        lo = (lo / Double(every)).rounded(.down) * Double(every)
        hi = (hi / Double(every)).rounded(.up) * Double(every)
        var ticks: [Tick] = []
        var e = lo
        while e <= hi + 1e-9 {
            ticks.append(Tick(value: e, label: #"10<tspan dy="-5" font-size="9">\#(Int(e))</tspan>"#))
            e += Double(every)
        }
        return Axis(low: lo, high: hi, ticks: ticks)
    }

    /// The smallest of 1, 2, 5, 10 × 10^k that is ≥ `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, log10(raw).rounded(.down))
        let f = raw / magnitude
        let nice: Double = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10
        return nice * magnitude
    }
}

/// `x` with two decimals, for SVG coordinates.
func fmt(_ x: Double) -> String {
    String(format: "%.2f", x)
}

/// `text` with the five XML special characters (`& < > " '`) replaced by entities.
public func escapeXML(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for ch in text {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(ch)
        }
    }
    return out
}
