import XCTest
@testable import Torch

/// Finite-difference checks that need their own step size. Every registered op is checked in
/// OpRegistryTests (first and second order, PyTorch goldens).
final class GradCheckTests: XCTestCase {
  override func setUp() { torch.manualSeed(1234) }

  func testConversions() {
    let x = leaf([3])
    // A float32 round trip is linear; a wide step keeps float32 rounding out of the estimate.
    gradCheck("to float32 and back", [x], eps: 1e-2, tolerance: 1e-4) { $0[0].float().double() * 2.0 }
    gradCheck("clone", [x]) { $0[0].clone() }
  }
}
