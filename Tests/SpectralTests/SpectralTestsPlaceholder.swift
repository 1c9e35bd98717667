import XCTest

final class SpectralTestsPlaceholder: XCTestCase {}
