// LineChartTests.swift — the SVG is well-formed XML, has one path per series, escapes text,
// handles log axes and empty / non-finite series; the sparkline maps values to blocks.

import Foundation
import XCTest

@testable import Plotting

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Collects the elements of a parsed XML document (name and attributes, in order) and the
/// concatenated text content.
private final class ElementCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var text = ""
    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        elements.append((elementName, attributeDict))
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
}

/// Parses `svg`, failing the test with the parser's error if it is not well-formed XML.
private func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) -> ElementCollector? {
    let parser = XMLParser(data: Data(svg.utf8))
    let collector = ElementCollector()
    parser.delegate = collector
    guard parser.parse() else {
        XCTFail("SVG is not well-formed XML: \(String(describing: parser.parserError))\n\(svg.prefix(2000))", file: file, line: line)
        return nil
    }
    return collector
}

final class LineChartTests: XCTestCase {
    private func seriesPaths(_ doc: ElementCollector) -> [[String: String]] {
        doc.elements.filter { $0.name == "path" && $0.attributes["class"] == "series" }.map(\.attributes)
    }

    func testSVGParsesAsXMLWithOnePathPerSeriesAndALegendEntryEach() {
        let chart = LineChart(
            title: "norms", xLabel: "n", yLabel: "‖W^n‖",
            series: [
                .init(name: "a", values: [1, 2, 3]),
                .init(name: "b", points: [(0, 3), (1, 1), (2, 0.5)], markers: true),
                .init(name: "c", values: [-1, 0, 1]),
            ])
        guard let doc = parse(chart.svg(width: 600, height: 400)) else { return }
        XCTAssertEqual(doc.elements.first?.name, "svg")
        XCTAssertEqual(seriesPaths(doc).map { $0["data-name"] ?? "?" }, ["a", "b", "c"])
        XCTAssertEqual(doc.elements.filter { $0.name == "circle" }.count, 3, "markers only on series b")
        XCTAssertTrue(doc.text.contains("norms") && doc.text.contains("‖W^n‖"))
        let legend = doc.elements.filter { $0.name == "text" && $0.attributes["class"] == "legend" }
        XCTAssertEqual(legend.count, 3)
        XCTAssertGreaterThanOrEqual(doc.elements.filter { $0.attributes["class"] == "xtick" }.count, 2)
        XCTAssertGreaterThanOrEqual(doc.elements.filter { $0.attributes["class"] == "ytick" }.count, 2)
    }

    func testTextWithLessThanAmpersandAndQuotesIsEscapedAndRoundTrips() {
        let name = #"x < y & "z" 'w' > 0"#
        let chart = LineChart(title: "A<B & C", xLabel: "<n>", yLabel: "y & z", series: [.init(name: name, values: [1, 2])])
        let svg = chart.svg(width: 400, height: 300)
        XCTAssertFalse(svg.contains("A<B"), "raw '<' in title must be escaped")
        XCTAssertTrue(svg.contains("A&lt;B &amp; C"))
        guard let doc = parse(svg) else { return }
        XCTAssertEqual(seriesPaths(doc).first?["data-name"], name, "attribute value must round-trip through the parser")
        XCTAssertTrue(doc.text.contains("A<B & C") && doc.text.contains("<n>") && doc.text.contains(name))
    }

    func testLogScaleTicksArePowersOfTenCoveringTheData() {
        let values = (0...30).map { pow(0.9, Double($0)) * 3 }  // 3 … 0.126
        let chart = LineChart(title: "decay", xLabel: "n", yLabel: "norm", logY: true, series: [.init(name: "0.9^n", values: values)])
        guard let doc = parse(chart.svg()) else { return }
        let yticks = doc.elements.filter { $0.attributes["class"] == "ytick" }.count
        XCTAssertEqual(yticks, 3, "values span 10^-1 … 10^1: ticks at 10^-1, 10^0, 10^1")
        let axis = Axis.logarithmic(minExponent: log10(0.126), maxExponent: log10(3))
        XCTAssertEqual(axis.ticks.map(\.value), [-1, 0, 1])
        XCTAssertEqual(axis.low, -1)
        XCTAssertEqual(axis.high, 1)
    }

    func testLogScaleWithManyDecadesKeepsAtMostAboutTenTicks() {
        let axis = Axis.logarithmic(minExponent: -40, maxExponent: 12)
        XCTAssertLessThanOrEqual(axis.ticks.count, 12)
        XCTAssertTrue(axis.ticks.allSatisfy { $0.value == $0.value.rounded() }, "every tick is an integer power of ten")
        XCTAssertLessThanOrEqual(axis.low, -40)
        XCTAssertGreaterThanOrEqual(axis.high, 12)
    }

    func testNaNInfinityAndNonPositiveOnLogAxisAreSkippedAndBreakTheLine() {
        let chart = LineChart(
            title: "gaps", xLabel: "n", yLabel: "y", logY: true,
            series: [
                .init(name: "s", points: [(0, 1), (1, .nan), (2, 4), (3, .infinity), (4, 0), (5, -2), (6, 8), (7, 16)])
            ])
        let svg = chart.svg()
        XCTAssertFalse(svg.lowercased().contains("nan") || svg.contains("inf"), "no non-finite coordinates in the output")
        guard let doc = parse(svg) else { return }
        let d = seriesPaths(doc).first?["d"] ?? ""
        XCTAssertEqual(d.filter { $0 == "M" }.count, 3, "three runs: [0], [2], [6, 7] — got d=\(d)")
        XCTAssertEqual(d.filter { $0 == "L" }.count, 1)
    }

    func testEmptyAndAllNaNSeriesRenderWithoutCrashing() {
        for logY in [false, true] {
            let chart = LineChart(
                title: "empty", xLabel: "x", yLabel: "y", logY: logY,
                series: [
                    .init(name: "none", points: []),
                    .init(name: "nan", values: [.nan, .nan]),
                ])
            guard let doc = parse(chart.svg()) else { return }
            XCTAssertEqual(seriesPaths(doc).count, 2)
            XCTAssertTrue(doc.text.contains("no finite data"))
        }
        let noSeries = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [])
        XCTAssertNotNil(parse(noSeries.svg(width: 10, height: 10)))
    }

    func testConstantSeriesGetsANonDegenerateAxis() {
        let chart = LineChart(title: "flat", xLabel: "x", yLabel: "y", series: [.init(name: "one", values: [1, 1, 1])])
        let svg = chart.svg()
        XCTAssertFalse(svg.lowercased().contains("nan"), "a zero-height range must not divide by zero")
        XCTAssertNotNil(parse(svg))
    }

    func testLinearTicksAreNiceStepsCoveringTheRange() {
        let axis = Axis.linear(min: 0.13, max: 9.7)
        XCTAssertEqual(axis.ticks.map(\.value), [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(Axis.niceStep(0.3), 0.5, accuracy: 1e-15)
        XCTAssertEqual(Axis.niceStep(7), 10)
    }
}

final class SparklineTests: XCTestCase {
    func testSparklineMapsMinimumToLowestAndMaximumToHighestBlock() {
        XCTAssertEqual(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), "▁▂▃▄▅▆▇█")
        XCTAssertEqual(sparkline([5, -5]), "█▁")
    }

    func testSparklineHandlesEmptyConstantAndNonFiniteValues() {
        XCTAssertEqual(sparkline([]), "")
        XCTAssertEqual(sparkline([2, 2]), "▄▄")
        XCTAssertEqual(sparkline([0, .nan, 1, .infinity]), "▁ █ ")
        XCTAssertEqual(sparkline([.nan]), " ")
    }
}
