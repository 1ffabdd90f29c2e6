import XCTest
@testable import Torch

/// cumsum and flip against PyTorch 2.15's printed results.
final class CumsumFlipTests: XCTestCase {
  func testCumsumMatchesPyTorchWithItsGradient() {
    torch.manualSeed(0)
    let x = torch.randn([2, 3, 4], requiresGrad: true)
    let c = x.cumsum(dim: 1)
    XCTAssertEqual("\(c)", "tensor([[[-1.1258, -1.1524, -0.2506, -0.4339],\n         [-0.2771, -0.4604, -0.5666, -2.5491],\n         [ 0.1910, -0.6181,  0.8771, -2.2830]],\n\n        [[ 0.1665,  0.8744, -0.1435, -0.1116],\n         [ 1.0983,  2.1334,  1.8615, -0.0579],\n         [ 1.7163,  1.7206,  1.0204, -2.3739]]], grad_fn=<CumsumBackward0>)")
    (c * torch.arange(24.0).view(2, 3, 4)).sum().backward()
    XCTAssertEqual("\(x.grad!)", "tensor([[[12., 15., 18., 21.],\n         [12., 14., 16., 18.],\n         [ 8.,  9., 10., 11.]],\n\n        [[48., 51., 54., 57.],\n         [36., 38., 40., 42.],\n         [20., 21., 22., 23.]]])")
  }

  func testCumsumWidensIntegersAndAccumulatesFloatsInDouble() {
    XCTAssertEqual("\(torch.tensor([1, 2, 3] as [Int64]).to(.uint8).cumsum(dim: 0))", "tensor([1, 3, 6])")
    XCTAssertEqual("\(torch.tensor([true, false, true]).cumsum(dim: 0))", "tensor([1, 1, 2])")
    // A float32 running sum rounds only its outputs: 1000 × 0.1 ends at 100 exactly, as in PyTorch.
    XCTAssertEqual(torch.full([1000], 0.1).cumsum(dim: 0)[999].item(), 100)
  }

  func testFlipReversesTheGivenDims() {
    let x = torch.arange(6).view(2, 3)
    XCTAssertEqual("\(x.flip(dims: [0]))", "tensor([[3, 4, 5],\n        [0, 1, 2]])")
    XCTAssertEqual("\(x.flip(dims: [0, 1]))", "tensor([[5, 4, 3],\n        [2, 1, 0]])")
    let y = torch.arange(6.0).view(2, 3).requiresGrad_()
    XCTAssertEqual("\(y.flip(dims: [-1]))", "tensor([[2., 1., 0.],\n        [5., 4., 3.]], grad_fn=<FlipBackward0>)")
  }
}
