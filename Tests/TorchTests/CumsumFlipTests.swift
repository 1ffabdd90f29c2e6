import XCTest
@testable import Torch

/// cumsum and flip against PyTorch's printed results, generated into PyTorchGolden.swift by
/// scripts/generate_golden.py (`cumsum_flip_reprs`).
final class CumsumFlipTests: XCTestCase {
  func testCumsumMatchesPyTorchWithItsGradient() {
    torch.manualSeed(0)
    let x = torch.randn([2, 3, 4], requiresGrad: true)
    let c = x.cumsum(dim: 1)
    XCTAssertEqual("\(c)", pytorchOpReprs["cumsum"])
    (c * torch.arange(24.0).view(2, 3, 4)).sum().backward()
    XCTAssertEqual("\(x.grad!)", pytorchOpReprs["cumsumGradient"])
  }

  func testCumsumWidensIntegersAndAccumulatesFloatsInDouble() {
    XCTAssertEqual("\(torch.tensor([1, 2, 3] as [Int64]).to(.uint8).cumsum(dim: 0))", pytorchOpReprs["cumsumUint8"])
    XCTAssertEqual("\(torch.tensor([true, false, true]).cumsum(dim: 0))", pytorchOpReprs["cumsumBool"])
    // A float32 running sum rounds only its outputs: 1000 × 0.1 ends at 100 exactly, as in PyTorch.
    XCTAssertEqual(torch.full([1000], 0.1).cumsum(dim: 0)[999].item(), 100)
  }

  func testFlipReversesTheGivenDims() {
    let x = torch.arange(6).view(2, 3)
    XCTAssertEqual("\(x.flip(dims: [0]))", pytorchOpReprs["flip0"])
    XCTAssertEqual("\(x.flip(dims: [0, 1]))", pytorchOpReprs["flip01"])
    let y = torch.arange(6.0).view(2, 3).requiresGrad_()
    XCTAssertEqual("\(y.flip(dims: [-1]))", pytorchOpReprs["flipGrad"])
  }
}
