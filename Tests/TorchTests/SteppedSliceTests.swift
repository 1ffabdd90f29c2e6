import XCTest
@testable import Torch

/// Python's stepped slices, `x[::2]`, `x[1:7:3]`, `x[:, 1::2] = 0`, as views.
final class SteppedSliceTests: XCTestCase {
  func testSteppedSlicesViewEveryNthElement() {
    let x = torch.arange(10)
    XCTAssertEqual(x[(0...).by(2)].toArray(Int64.self), [0, 2, 4, 6, 8])
    XCTAssertEqual(x[(1..<7).by(3)].toArray(Int64.self), [1, 4])
    XCTAssertEqual(x[(2...8).by(3)].toArray(Int64.self), [2, 5, 8])
    XCTAssertEqual(x[(..<5).by(2)].toArray(Int64.self), [0, 2, 4])
    XCTAssertEqual(x[((-3)...).by(2)].toArray(Int64.self), [7, 9])
    let grid = torch.arange(12).view(3, 4)
    XCTAssertEqual("\(grid[0..., (1...).by(2)])", "tensor([[ 1,  3],\n        [ 5,  7],\n        [ 9, 11]])")
    grid[0..., (1...).by(2)] = 0
    XCTAssertEqual(grid.toArray(Int64.self), [0, 0, 2, 0, 4, 0, 6, 0, 8, 0, 10, 0])
    let leaf = torch.ones([6], requiresGrad: true)
    (leaf[(0...).by(3)] * 2).sum().backward()
    XCTAssertEqual(leaf.grad!.toArray(), [2, 0, 0, 2, 0, 0])
  }
}
