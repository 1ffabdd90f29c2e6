import XCTest
@testable import Torch

/// `%`, fmod, rounded division and `~` against PyTorch's printed results (signs of remainders,
/// signed zeros, division by zero and infinity, integer and uint8 tensors), generated into
/// PyTorchGolden.swift by scripts/generate_golden.py (`division_reprs`).
final class DivisionTests: XCTestCase {
  let (x, y) = (torch.tensor([7, -7, 7, -7] as [Int64]), torch.tensor([2, 2, -2, -2] as [Int64]))

  func testIntegerRemaindersAndQuotientsRoundAsPyTorchs() {
    XCTAssertEqual("\(x % y)", pytorchOpReprs["remainderInt"])
    XCTAssertEqual("\(torch.fmod(x, y))", pytorchOpReprs["fmodInt"])
    XCTAssertEqual("\(torch.floorDivide(x, y))", pytorchOpReprs["floorDivideInt"])
    XCTAssertEqual("\(x.div(y, roundingMode: .trunc))", pytorchOpReprs["truncDivideInt"])
    XCTAssertEqual("\(torch.tensor([7, -7] as [Int64]) % 2.5)", pytorchOpReprs["remainderIntByFloat"])
    XCTAssertEqual("\(7 % torch.tensor([2, -2] as [Int64]))", pytorchOpReprs["scalarRemainderInt"])
  }

  func testFloatRemaindersKeepPyTorchsSignsZerosAndInfinities() {
    let f = torch.tensor([5.5, -5.5, 0.0, -0.0, 3.0, 7.0]), g = torch.tensor([2.0, 2.0, -2.0, 2.0, 0.0, .infinity])
    XCTAssertEqual("\(f % g)", pytorchOpReprs["remainderFloat"])
    XCTAssertEqual("\(torch.fmod(f, g))", pytorchOpReprs["fmodFloat"])
    XCTAssertEqual("\(f.div(g, roundingMode: .floor))", pytorchOpReprs["floorDivideFloat"])
  }

  func testInvertIsLogicalForBoolsAndBitwiseForIntegers() {
    XCTAssertEqual("\(~torch.tensor([true, false]))", pytorchOpReprs["invertBool"])
    XCTAssertEqual("\(~torch.tensor([5, 0] as [Int64]).to(.uint8))", pytorchOpReprs["invertUint8"])
    XCTAssertEqual(torch.logicalNot(torch.tensor([0.0, 2.0])).toArray(Bool.self), [true, false])
  }

  func testNodesAreNamedAsPyTorchs() {
    let a = torch.tensor([5.5], requiresGrad: true)
    XCTAssertEqual("\(a % 2)", pytorchOpReprs["remainderGrad"])
    XCTAssertEqual("\(torch.floorDivide(a, torch.tensor([2.0])))", pytorchOpReprs["floorDivideGrad"])
    XCTAssertEqual("\(2 % a)", pytorchOpReprs["scalarRemainderGrad"])
    XCTAssertEqual(a.remainder(torch.tensor([2.0])).gradFn?.name, "RemainderBackward1")
    XCTAssertEqual(a.div(2.0, roundingMode: .floor).gradFn?.name, "DivBackward2")
  }
}
