import XCTest
@testable import Torch

/// sort, argsort and topk against PyTorch 2.15's printed results: values, indices (stable,
/// NaN above every number), several dims, integer dtypes, gradients.
final class SortingTests: XCTestCase {
  func testSortAlongAnyDimMatchesPyTorch() {
    torch.manualSeed(0)
    let x = torch.randn(2, 3, 4)
    let (values, indices) = x.sort(dim: 1)
    XCTAssertEqual("\(values)", "tensor([[[-1.1258, -1.1524, -0.3160, -2.1152],\n         [ 0.4681, -0.1577, -0.2506, -0.4339],\n         [ 0.8487,  0.6920,  1.4437,  0.2660]],\n\n        [[ 0.1665, -0.4128, -0.8411, -2.3160],\n         [ 0.6181,  0.8744, -0.1435, -0.1116],\n         [ 0.9318,  1.2590,  2.0050,  0.0537]]])")
    XCTAssertEqual("\(indices)", "tensor([[[0, 0, 1, 1],\n         [2, 2, 0, 0],\n         [1, 1, 2, 2]],\n\n        [[0, 2, 2, 2],\n         [2, 0, 0, 0],\n         [1, 1, 1, 1]]])")
    XCTAssertEqual("\(x.sort(descending: true).indices)", "tensor([[[2, 3, 0, 1],\n         [0, 1, 2, 3],\n         [2, 0, 3, 1]],\n\n        [[1, 0, 3, 2],\n         [2, 1, 0, 3],\n         [0, 1, 2, 3]]])")
    let (low, lowIndices) = x.topk(2, dim: 0, largest: false)
    XCTAssertEqual("\(low)", "tensor([[[-1.1258, -1.1524, -0.2506, -0.4339],\n         [ 0.8487,  0.6920, -0.3160, -2.1152],\n         [ 0.4681, -0.4128, -0.8411, -2.3160]],\n\n        [[ 0.1665,  0.8744, -0.1435, -0.1116],\n         [ 0.9318,  1.2590,  2.0050,  0.0537],\n         [ 0.6181, -0.1577,  1.4437,  0.2660]]])")
    XCTAssertEqual("\(lowIndices)", "tensor([[[0, 0, 0, 0],\n         [0, 0, 0, 0],\n         [0, 1, 1, 1]],\n\n        [[1, 1, 1, 1],\n         [1, 1, 1, 1],\n         [1, 0, 0, 0]]])")
  }

  func testTiesKeepTheirOrderAndNaNSortsHighest() {
    let t = torch.tensor([3.0, .nan, 1.0, 3.0, -2.0, .nan, 1.0])
    XCTAssertEqual("\(t.sort().values)", "tensor([-2.,  1.,  1.,  3.,  3., nan, nan])")
    XCTAssertEqual("\(t.sort().indices)", "tensor([4, 2, 6, 0, 3, 1, 5])")
    XCTAssertEqual("\(t.sort(descending: true).values)", "tensor([nan, nan,  3.,  3.,  1.,  1., -2.])")
    XCTAssertEqual("\(t.sort(descending: true).indices)", "tensor([1, 5, 0, 3, 2, 6, 4])")
    let ints = torch.tensor([5, 1, 5, 0, 1] as [Int64])
    XCTAssertEqual("\(ints.argsort())", "tensor([3, 1, 4, 0, 2])")
    // PyTorch leaves the order of tied topk elements unspecified (its CPU topk picked index 4
    // for the second 1 here); the values agree, and ties here come in index order.
    XCTAssertEqual("\(ints.topk(3).values)", "tensor([5, 5, 1])")
    XCTAssertEqual("\(ints.topk(3).indices)", "tensor([0, 2, 1])")
    let bytes = torch.tensor([3, 1, 2] as [Int64]).to(.uint8).view(1, 3).sort(descending: true)
    XCTAssertEqual("\(bytes.values)", "tensor([[3, 2, 1]], dtype=torch.uint8)")
    XCTAssertEqual("\(bytes.indices)", "tensor([[0, 2, 1]])")
    XCTAssertEqual("\(torch.tensor(2.5).sort().values)", "tensor(2.5000)")
  }

  func testTopkGradientGoesBackToTheChosenElements() {
    torch.manualSeed(0)
    _ = torch.randn(2, 3, 4)
    let y = torch.randn([3, 5], requiresGrad: true)
    let (values, _) = y.topk(2)
    XCTAssertEqual("\(values)", "tensor([[ 1.4565,  0.9398],\n        [ 1.2638, -0.0209],\n        [ 0.5428,  0.5186]], grad_fn=<TopkBackward0>)")
    (values * torch.tensor([1.0, 2, 3, 4, 5, 6]).view(3, 2)).sum().backward()
    XCTAssertEqual("\(y.grad!)", "tensor([[0., 1., 2., 0., 0.],\n        [3., 0., 0., 4., 0.],\n        [6., 0., 0., 5., 0.]])")
  }
}
