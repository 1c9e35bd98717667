import XCTest

final class PlottingTestsPlaceholder: XCTestCase {}
