import XCTest
@testable import Torch

final class SmokeTests: XCTestCase {
  func testRand() {
    torch.manualSeed(0)
    XCTAssertEqual(torch.rand(5).description, "tensor([0.4963, 0.7682, 0.0885, 0.1320, 0.3074])")
  }
}
