import XCTest
@testable import Torch

/// `%`, fmod, rounded division and `~` against PyTorch 2.15's printed results (signs of
/// remainders, signed zeros, division by zero and infinity, integer and uint8 tensors).
final class DivisionTests: XCTestCase {
  let (x, y) = (torch.tensor([7, -7, 7, -7] as [Int64]), torch.tensor([2, 2, -2, -2] as [Int64]))

  func testIntegerRemaindersAndQuotientsRoundAsPyTorchs() {
    XCTAssertEqual("\(x % y)", "tensor([ 1,  1, -1, -1])")
    XCTAssertEqual("\(torch.fmod(x, y))", "tensor([ 1, -1,  1, -1])")
    XCTAssertEqual("\(torch.floorDivide(x, y))", "tensor([ 3, -4, -4,  3])")
    XCTAssertEqual("\(x.div(y, roundingMode: .trunc))", "tensor([ 3, -3, -3,  3])")
    XCTAssertEqual("\(torch.tensor([7, -7] as [Int64]) % 2.5)", "tensor([2.0000, 0.5000])")
    XCTAssertEqual("\(7 % torch.tensor([2, -2] as [Int64]))", "tensor([ 1, -1])")
  }

  func testFloatRemaindersKeepPyTorchsSignsZerosAndInfinities() {
    let f = torch.tensor([5.5, -5.5, 0.0, -0.0, 3.0, 7.0]), g = torch.tensor([2.0, 2.0, -2.0, 2.0, 0.0, .infinity])
    XCTAssertEqual("\(f % g)", "tensor([1.5000, 0.5000, 0.0000, -0.0000,    nan, 7.0000])")
    XCTAssertEqual("\(torch.fmod(f, g))", "tensor([ 1.5000, -1.5000,  0.0000, -0.0000,     nan,  7.0000])")
    XCTAssertEqual("\(f.div(g, roundingMode: .floor))", "tensor([ 2., -3., -0., -0., inf,  0.])")
  }

  func testInvertIsLogicalForBoolsAndBitwiseForIntegers() {
    XCTAssertEqual("\(~torch.tensor([true, false]))", "tensor([False,  True])")
    XCTAssertEqual("\(~torch.tensor([5, 0] as [Int64]).to(.uint8))", "tensor([250, 255], dtype=torch.uint8)")
    XCTAssertEqual(torch.logicalNot(torch.tensor([0.0, 2.0])).toArray(Bool.self), [true, false])
  }

  func testNodesAreNamedAsPyTorchs() {
    let a = torch.tensor([5.5], requiresGrad: true)
    XCTAssertEqual("\(a % 2)", "tensor([1.5000], grad_fn=<RemainderBackward0>)")
    XCTAssertEqual("\(torch.floorDivide(a, torch.tensor([2.0])))", "tensor([2.], grad_fn=<NotImplemented>)")
    XCTAssertEqual("\(2 % a)", "tensor([2.], grad_fn=<NotImplemented>)")
    XCTAssertEqual(a.remainder(torch.tensor([2.0])).gradFn?.name, "RemainderBackward1")
    XCTAssertEqual(a.div(2.0, roundingMode: .floor).gradFn?.name, "DivBackward2")
  }
}
