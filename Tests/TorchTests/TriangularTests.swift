import XCTest
@testable import Torch

/// tril, triu and repeat against PyTorch's printed results (scripts/generate_golden.py,
/// `triangular_reprs`); their gradients are checked by the op registry.
final class TriangularTests: XCTestCase {
  func testTrilAndTriuKeepTheirTriangles() {
    XCTAssertEqual("\(torch.arange(12.0).view(3, 4).requiresGrad_().tril())", pytorchOpReprs["tril"])
    XCTAssertEqual("\(torch.arange(12).view(3, 4).tril(-1))", pytorchOpReprs["trilBelow"])
    XCTAssertEqual("\(torch.triu(torch.arange(12.0).view(3, 4), diagonal: 1))", pytorchOpReprs["triuAbove"])
    XCTAssertEqual("\(torch.ones([2, 3, 3], dtype: .int64).triu())", pytorchOpReprs["triuBatched"])
  }

  func testRepeatTilesAndSumsItsGradient() {
    XCTAssertEqual("\(torch.tensor([1, 2] as [Int64]).repeat(2, 2))", pytorchOpReprs["repeat"])
    let x = torch.arange(12.0).view(3, 4).requiresGrad_()
    let r = x.repeat(2, 1, 2)
    XCTAssertEqual("\(torch.tensor(r.dims.map(Int64.init)))", pytorchOpReprs["repeatShape"])
    XCTAssertEqual(r.gradFn?.name, "RepeatBackward0")
    (r * torch.arange(48.0).view(2, 3, 8)).sum().backward()
    XCTAssertEqual("\(x.grad!)", pytorchOpReprs["repeatGradient"])
  }

  func testACausalMaskFromTriu() {
    // The attention mask PyTorch code builds: -inf above the diagonal.
    let mask = torch.full([3, 3], -Double.infinity).triu(1)
    XCTAssertEqual(mask.toArray(Double.self), [0, -.infinity, -.infinity, 0, 0, -.infinity, 0, 0, 0])
  }
}
