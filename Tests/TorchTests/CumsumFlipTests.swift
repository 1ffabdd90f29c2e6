import XCTest
@testable import Torch

/// cumsum, cumprod and flip against PyTorch's printed results, generated into PyTorchGolden.swift
/// by scripts/generate_golden.py (`cumsum_flip_reprs`), and against sums and products written out.
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
    for dim in 0..<3 {
      var expected = [Float](repeating: 0, count: 60), expectedGradient = expected
      forEachIndex { at in
        var total = 0.0, totalGradient = 0.0
        for k in 0...at[dim] { var i = at; i[dim] = k; total += Double(values[flat(i)]) }
        for k in at[dim]..<shape[dim] { var i = at; i[dim] = k; totalGradient += Double(gradients[flat(i)]) }
        expected[flat(at)] = Float(total)
        expectedGradient[flat(at)] = Float(totalGradient)
      }
      let x = base.permute(2, 1, 0).requiresGrad_()
      assertScan(x.cumsum(dim: dim), of: x, g, equals: expected, gradient: expectedGradient, "cumsum along \(dim)")
    }
  }

  /// cumprod along every dim of a strided float32 input: each running product multiplied in
  /// double and rounded once, and the gradient as PyTorch forms it without zeros (g·output
  /// summed in double from the dim's end, divided by x), apart and recorded.
  func testCumprodAndItsGradientAreTheWrittenOutProductsAlongEveryDim() {
    torch.manualSeed(4)
    let base = torch.rand(5, 4, 3) + 0.5, g = torch.randn(3, 4, 5)
    let (shape, values, gradients) = ([3, 4, 5], base.permute(2, 1, 0).contiguous().toArray(Float.self), g.toArray(Float.self))
    for dim in 0..<3 {
      var expected = [Float](repeating: 0, count: 60), expectedGradient = expected
      forEachIndex { at in
        var product = 1.0
        for k in 0...at[dim] { var i = at; i[dim] = k; product *= Double(values[flat(i)]) }
        expected[flat(at)] = Float(product)
      }
      forEachIndex { at in
        var total = 0.0
        for k in at[dim]..<shape[dim] { var i = at; i[dim] = k; total += Double(expected[flat(i)] * gradients[flat(i)]) }
        expectedGradient[flat(at)] = Float(total) / values[flat(at)]
      }
      let x = base.permute(2, 1, 0).requiresGrad_()
      let y = x.cumprod(dim: dim)
      assertScan(y, of: x, g, equals: expected, gradient: expectedGradient, "cumprod along \(dim)")
      XCTAssertEqual(y.gradFn?.name, "CumprodBackward0")
    }
  }

  /// Every index of the [3, 4, 5] inputs these tests write out, in order.
  private func forEachIndex(_ body: ([Int]) -> Void) {
    for a in 0..<3 { for b in 0..<4 { for c in 0..<5 { body([a, b, c]) } } }
  }

  /// The flat position of an index in a contiguous [3, 4, 5] tensor.
  private func flat(_ i: [Int]) -> Int { (i[0] * 4 + i[1]) * 5 + i[2] }

  /// `y`'s values and its gradient with respect to `x` for `g`, computed apart and recorded
  /// (`createGraph`), each equal bit for bit to the written-out values.
  private func assertScan(_ y: Tensor, of x: Tensor, _ g: Tensor, equals expected: [Float], gradient expectedGradient: [Float],
                          _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(y.toArray(Float.self).map(\.bitPattern), expected.map(\.bitPattern), what, file: file, line: line)
    let gradient = torch.autograd.grad([y], [x], gradOutputs: [g], retainGraph: true)[0]
    XCTAssertEqual(gradient.toArray(Float.self).map(\.bitPattern), expectedGradient.map(\.bitPattern), "gradient: \(what)", file: file, line: line)
    let recorded = torch.autograd.grad([y], [x], gradOutputs: [g], createGraph: true)[0]
    XCTAssertEqual(recorded.toArray(Float.self).map(\.bitPattern), expectedGradient.map(\.bitPattern), "recorded gradient: \(what)", file: file, line: line)
  }

  /// Integers and bools multiply in int64; with zeros the gradient needs no division: for
  /// x = [2, 0, 3, 0, 5] and g = 1, element i gets Σ_{k≥i} Π_{j≤k, j≠i} x_j = [1, 2 + 2·3, 0, 0, 0].
  func testCumprodWidensIntegersAndDifferentiatesThroughZeros() {
    let integers = torch.tensor([1, 2, 3, 4] as [Int64]).cumprod(dim: 0)
    XCTAssertEqual(integers.toArray(Int64.self), [1, 2, 6, 24])
    let bools = torch.tensor([true, true, false]).cumprod(dim: 0)
    XCTAssertEqual(bools.dtype, .int64)
    XCTAssertEqual(bools.toArray(Int64.self), [1, 1, 0])
    let x = torch.tensor([2.0, 0, 3, 0, 5], dtype: .float64).requiresGrad_()
    XCTAssertEqual(x.cumprod(dim: 0).toArray(Double.self), [2, 0, 0, 0, 0])
    let plain = torch.autograd.grad([x.cumprod(dim: 0).sum()], [x])[0]
    XCTAssertEqual(plain.toArray(Double.self), [1, 8, 0, 0, 0])
    let recorded = torch.autograd.grad([x.cumprod(dim: 0).sum()], [x], createGraph: true)[0]
    XCTAssertEqual(recorded.toArray(Double.self), [1, 8, 0, 0, 0])
    // ∂L/∂x1 = x0 + x0·x2 + x0·x2·x3 + x0·x2·x3·x4, so its derivatives are
    // [1 + x2 + x2·x3 + x2·x3·x4, 0, x0 + x0·x3 + x0·x3·x4, x0·x2 + x0·x2·x4, x0·x2·x3] = [4, 0, 2, 36, 0],
    // 36 through x3 although x3 is 0.
    let second = torch.autograd.grad([recorded[1]], [x])[0]
    XCTAssertEqual(second.toArray(Double.self), [4, 0, 2, 36, 0])
  }

  func testFlipReversesTheGivenDims() {
    let x = torch.arange(6).view(2, 3)
    XCTAssertEqual("\(x.flip(dims: [0]))", pytorchOpReprs["flip0"])
    XCTAssertEqual("\(x.flip(dims: [0, 1]))", pytorchOpReprs["flip01"])
    let y = torch.arange(6.0).view(2, 3).requiresGrad_()
    XCTAssertEqual("\(y.flip(dims: [-1]))", pytorchOpReprs["flipGrad"])
  }
}
