import XCTest

final class PoetryTestsPlaceholder: XCTestCase {}
