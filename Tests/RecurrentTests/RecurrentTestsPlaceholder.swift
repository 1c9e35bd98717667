import XCTest

final class RecurrentTestsPlaceholder: XCTestCase {}
