import XCTest

final class GradCheckTestsPlaceholder: XCTestCase {}
