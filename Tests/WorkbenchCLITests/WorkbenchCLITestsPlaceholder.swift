import XCTest

final class WorkbenchCLITestsPlaceholder: XCTestCase {}
