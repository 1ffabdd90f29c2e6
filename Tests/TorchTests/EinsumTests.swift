import XCTest
@testable import Torch

/// torch.einsum against PyTorch's printed results (scripts/generate_golden.py, `einsum_reprs`);
/// values and gradients over random inputs are checked by the op registry's einsum entries.
final class EinsumTests: XCTestCase {
  func testContractionsPrintAsPyTorchs() {
    let a = torch.arange(6.0).view(2, 3).requiresGrad_(), b = torch.arange(12.0).view(3, 4)
    XCTAssertEqual("\(torch.einsum("ij,jk->ik", a, b))", pytorchOpReprs["einsumMatmul"])
    XCTAssertEqual("\(torch.einsum("bij,bjk->bik", torch.arange(12.0).view(2, 2, 3).requiresGrad_(), torch.arange(24.0).view(2, 3, 4)))",
                   pytorchOpReprs["einsumBatched"])
    XCTAssertEqual("\(torch.einsum("ii", torch.arange(9.0).view(3, 3).requiresGrad_()))", pytorchOpReprs["einsumTrace"])
    XCTAssertEqual("\(torch.einsum("ba,a", torch.arange(6).view(2, 3), torch.tensor([1, 10, 100] as [Int64])))", pytorchOpReprs["einsumImplicit"])
    XCTAssertEqual("\(torch.einsum("i,j->ji", torch.tensor([1.0, 2]), torch.tensor([1.0, 10, 100])))", pytorchOpReprs["einsumOuter"])
  }

  func testSpacesAndUppercaseLabels() {
    let x = torch.arange(6.0).view(2, 3)
    XCTAssertTrue(torch.einsum("A b -> b A", x).equal(x.t()))
    XCTAssertTrue(torch.einsum("Ab,ab->Aa", x, x).equal(x.matmul(x.t())))
  }
}
