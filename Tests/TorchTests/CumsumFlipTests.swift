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

  /// Along every dim of a strided float32 input: the running sums, and the gradient as the
  /// running sums of g from the dim's end (computed apart in one pass, and through PyTorch's
  /// flip formula when recorded), each summed in double in order, as written out here.
  func testCumsumAndItsGradientAreTheWrittenOutSumsAlongEveryDim() {
    torch.manualSeed(3)
    let base = torch.randn(5, 4, 3), g = torch.randn(3, 4, 5)
    let (shape, values, gradients) = ([3, 4, 5], base.permute(2, 1, 0).contiguous().toArray(Float.self), g.toArray(Float.self))
    func flat(_ i: [Int]) -> Int { (i[0] * 4 + i[1]) * 5 + i[2] }
    for dim in 0..<3 {
      var expected = [Float](repeating: 0, count: 60), expectedGradient = expected
      for a in 0..<3 { for b in 0..<4 { for c in 0..<5 {
        let at = [a, b, c]
        var total = 0.0, totalGradient = 0.0
        for k in 0...at[dim] { var i = at; i[dim] = k; total += Double(values[flat(i)]) }
        for k in at[dim]..<shape[dim] { var i = at; i[dim] = k; totalGradient += Double(gradients[flat(i)]) }
        expected[flat(at)] = Float(total)
        expectedGradient[flat(at)] = Float(totalGradient)
      } } }
      let x = base.permute(2, 1, 0).requiresGrad_()
      let y = x.cumsum(dim: dim)
      XCTAssertEqual(y.toArray(Float.self).map(\.bitPattern), expected.map(\.bitPattern), "cumsum along \(dim)")
      let gradient = torch.autograd.grad([y], [x], gradOutputs: [g], retainGraph: true)[0]
      XCTAssertEqual(gradient.toArray(Float.self).map(\.bitPattern), expectedGradient.map(\.bitPattern), "gradient along \(dim)")
      let recorded = torch.autograd.grad([y], [x], gradOutputs: [g], createGraph: true)[0]
      XCTAssertEqual(recorded.toArray(Float.self).map(\.bitPattern), expectedGradient.map(\.bitPattern), "recorded gradient along \(dim)")
    }
  }

  func testFlipReversesTheGivenDims() {
    let x = torch.arange(6).view(2, 3)
    XCTAssertEqual("\(x.flip(dims: [0]))", pytorchOpReprs["flip0"])
    XCTAssertEqual("\(x.flip(dims: [0, 1]))", pytorchOpReprs["flip01"])
    let y = torch.arange(6.0).view(2, 3).requiresGrad_()
    XCTAssertEqual("\(y.flip(dims: [-1]))", pytorchOpReprs["flipGrad"])
  }
}
