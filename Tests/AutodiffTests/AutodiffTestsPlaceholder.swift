import XCTest

final class AutodiffTestsPlaceholder: XCTestCase {}
