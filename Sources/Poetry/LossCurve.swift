// LossCurve.swift — the training loss as an SVG line chart (through Plotting's LineChart).
//
// Series over optimizer steps: the loss of every batch (thinned to at most ~1,500 points),
// the mean loss of every finished epoch (one point at the epoch's last step) and, when the
// run held out poems, their loss per epoch.

import Plotting

public enum LossCurve {
    /// An SVG document of `width` × `height` pixels.
    public static func svg(
        stepLosses: [Float], epochLosses: [Double], validationLosses: [Double] = [],
        batchesPerEpoch: Int, width: Int = 720, height: Int = 400
    ) -> String {
        let stride = max(1, stepLosses.count / 1_500)
        var batchPoints: [(Double, Double)] = []
        var i = 0
        while i < stepLosses.count {
            batchPoints.append((Double(i + 1), Double(stepLosses[i])))
            i += stride
        }
        var series = [LineChart.Series(name: "batch loss", points: batchPoints)]
        if !epochLosses.isEmpty {
            series.append(
                LineChart.Series(
                    name: "epoch mean",
                    points: epochLosses.enumerated().map {
                        (Double(($0.offset + 1) * batchesPerEpoch), $0.element)
                    }, markers: true))
        }
        if !validationLosses.isEmpty {
            series.append(
                LineChart.Series(
                    name: "validation",
                    points: validationLosses.enumerated().map {
                        (Double(($0.offset + 1) * batchesPerEpoch), $0.element)
                    }, markers: true))
        }
        let chart = LineChart(title: "poem LSTM training loss", xLabel: "optimizer step", yLabel: "cross-entropy", series: series)
        return chart.svg(width: width, height: height)
    }
}
