import XCTest

final class ExercisesTestsPlaceholder: XCTestCase {}
