import Foundation
import XCTest
@testable import Torch

final class RandomTests: XCTestCase {
  /// `torch.getRngState()` writes PyTorch's bytes (MD5s from scripts/generate_golden.py), and
  /// restoring a saved state replays the same draws, the cached normal sample included.
  func testRNGStateHasPyTorchsLayoutAndRestores() {
    func md5() -> String { MD5.hex(torch.getRngState().toArray(UInt8.self)) }
    torch.manualSeed(0)
    XCTAssertEqual(md5(), pytorchRngStateMD5s["seeded"])
    _ = torch.rand(3)
    XCTAssertEqual(md5(), pytorchRngStateMD5s["afterRand3"])
    _ = torch.randn(1)
    XCTAssertEqual(md5(), pytorchRngStateMD5s["afterRandn1"])
    let saved = torch.getRngState()
    let expected = torch.randn(3).toArray() + torch.rand(2).toArray()
    _ = torch.randperm(700)
    torch.setRngState(saved)
    XCTAssertEqual(torch.randn(3).toArray() + torch.rand(2).toArray(), expected)
    torch.manualSeed(0)
    _ = torch.rand(3)
    _ = torch.randn(1)
    _ = torch.randperm(700)
    XCTAssertEqual(md5(), pytorchRngStateMD5s["afterRandperm700"])
    let fresh = Generator(seed: 9)
    let state = fresh.getState()
    let first = torch.rand([4], generator: fresh).toArray()
    fresh.setState(state)
    XCTAssertEqual(torch.rand([4], generator: fresh).toArray(), first, "a freshly seeded state restores too")
  }

  func testKnownPyTorchValues() {
    torch.manualSeed(0)
    XCTAssertEqual(torch.rand(5).description, "tensor([0.4963, 0.7682, 0.0885, 0.1320, 0.3074])")
    torch.manualSeed(0)
    XCTAssertEqual(torch.randn(5).description, "tensor([ 1.5410, -0.2934, -2.1788,  0.5684, -1.0845])")
    torch.manualSeed(0)
    XCTAssertEqual(torch.randperm(8).description, "tensor([4, 0, 7, 3, 2, 5, 1, 6])")
    torch.manualSeed(0)
    XCTAssertEqual(torch.rand(8).toArray(Double.self)[0], 0.49625658988952637)
  }

  func testRandnMatchesPyTorchBitForBit() {
    torch.manualSeed(0)
    let bits = torch.randn(100_003).toArray().map(\.bitPattern)
    let sampled = Swift.stride(from: 0, to: bits.count, by: 997).map { bits[$0] }
    XCTAssertEqual(sampled, pytorchRandnBits)
  }

  func testGeneratorsAreIndependentAndReproducible() {
    let g = Generator(seed: 7)
    let a = torch.rand([4], generator: g)
    g.manualSeed(7)
    XCTAssertTrue(torch.rand([4], generator: g).equal(a))
    torch.manualSeed(1)
    let fromDefault = torch.rand(4)
    XCTAssertFalse(fromDefault.equal(a))
  }

  func testStreamContinuesAcrossCalls() {
    torch.manualSeed(0)
    let whole = torch.rand(10)
    torch.manualSeed(0)
    let parts = torch.cat([torch.rand(3), torch.rand(7)])
    XCTAssertTrue(whole.equal(parts))
  }
}

final class ViewTests: XCTestCase {
  func testViewsShareStorage() {
    let x = torch.arange(12.0).reshape(3, 4)
    let row = x[1]
    let column = x[0..., 2]
    let transposed = x.t()
    row.fill_(-1)
    XCTAssertEqual(x.toArray()[4...7], [-1, -1, -1, -1])
    XCTAssertEqual(column.toArray(), [2, -1, 10])
    XCTAssertEqual(transposed[2].toArray(), [2, -1, 10])
    XCTAssertTrue(x.view(12).storage === x.storage)
    XCTAssertFalse(transposed.isContiguous)
    XCTAssertTrue(transposed.contiguous().isContiguous)
    XCTAssertFalse(transposed.contiguous().storage === x.storage)
  }

  func testSlicingMatchesPython() {
    let x = torch.arange(10)
    XCTAssertEqual(x[..<2].toArray(Int64.self), [0, 1])
    XCTAssertEqual(x[7...].toArray(Int64.self), [7, 8, 9])
    XCTAssertEqual(x[(-3)...].toArray(Int64.self), [7, 8, 9])
    XCTAssertEqual(x[2..<5].toArray(Int64.self), [2, 3, 4])
    XCTAssertEqual(x[...2].toArray(Int64.self), [0, 1, 2])
    XCTAssertEqual(x.slice(0, start: 1, end: 100, step: 3).toArray(Int64.self), [1, 4, 7])
    XCTAssertEqual(x[-1].item(), 9)
  }

  func testReshapeCopiesOnlyWhenNeeded() {
    let x = torch.rand(4, 6)
    XCTAssertTrue(x.reshape(2, 12).storage === x.storage)
    XCTAssertTrue(x.t().reshape(24).storage !== x.storage)
    // The transposed elements in row-major order, read off by hand.
    let values = x.toArray(Float.self)
    XCTAssertEqual(x.t().reshape(24).toArray(Float.self), (0..<6).flatMap { j in (0..<4).map { i in values[i * 6 + j] } })
    XCTAssertTrue(x.unsqueeze(0).expand(3, 4, 6).storage === x.storage)
    XCTAssertEqual(x.view(-1, 3).shape.dims, [8, 3])
  }

  func testSplitChunkCatStack() {
    let x = torch.arange(10.0)
    XCTAssertEqual(x.split(4).map { $0.numel() }, [4, 4, 2])
    XCTAssertEqual(x.chunk(3).map { $0.numel() }, [4, 4, 2])
    XCTAssertTrue(torch.cat(x.split(3)).equal(x))
    let s = torch.stack([x, x * 2.0], dim: 1)
    XCTAssertEqual(s.shape.dims, [10, 2])
    XCTAssertEqual(s[3].toArray(), [3, 6])
  }

  func testDTypePromotionAndConversion() {
    XCTAssertEqual((torch.tensor([1, 2]) + 0.5).dtype, .float32)
    XCTAssertEqual((torch.tensor([1, 2]) + 1).dtype, .int64)
    XCTAssertEqual((torch.tensor([1.0]) + torch.tensor([1.0], dtype: .float64)).dtype, .float64)
    XCTAssertEqual(torch.tensor([true]).long().toArray(Int64.self), [1])
    XCTAssertEqual(torch.tensor([2.7, -2.7]).long().toArray(Int64.self), [2, -2])
    XCTAssertEqual(torch.tensor([1.0, 2.0]).lt(1.5).dtype, .bool)
    XCTAssertEqual(torch.tensor([3, 300]).byte().toArray(UInt8.self), [3, 44])
  }

  func testReductionsAgainstHandValues() {
    let x = torch.tensor([[1.0, 5, 2], [7, 0, 1]])
    XCTAssertEqual(x.sum().item(), 16)
    XCTAssertEqual(x.sum(dim: 0).toArray(), [8, 5, 3])
    XCTAssertEqual(x.mean(dim: 1, keepdim: true).shape.dims, [2, 1])
    XCTAssertEqual(x.max().item(), 7)
    XCTAssertEqual(x.max(dim: 1).indices.toArray(Int64.self), [1, 0])
    XCTAssertEqual(x.min(dim: 0).values.toArray(), [1, 0, 1])
    XCTAssertEqual(x.argmax().item(), 3)
    XCTAssertEqual(x.var().item(), 112.0 / 15, accuracy: 1e-5)
    XCTAssertEqual(x.std(dim: 1, correction: 0).toArray()[0], 1.6996731, accuracy: 1e-5)
    XCTAssertEqual(x.logsumexp(dim: 1).toArray()[1], Float(7 + Foundation.log(1 + Foundation.exp(-7.0) + Foundation.exp(-6.0))), accuracy: 1e-5)
    XCTAssertEqual(torch.tensor([[1000.0, 1001]]).logSoftmax(dim: 1).toArray()[1], -0.3132617, accuracy: 1e-5)
    XCTAssertEqual(torch.tensor([3, 4]).sum().dtype, .int64)
  }

  func testMatmulShapes() {
    let a = torch.rand(2, 3, 4), b = torch.rand(4, 5), v = torch.rand(4)
    XCTAssertEqual(a.matmul(b).shape.dims, [2, 3, 5])
    XCTAssertEqual(a.matmul(v).shape.dims, [2, 3])
    XCTAssertEqual(v.matmul(b).shape.dims, [5])
    XCTAssertEqual(torch.rand(7, 1, 3, 4).matmul(torch.rand(2, 4, 6)).shape.dims, [7, 2, 3, 6])
    let expected = a[1].mm(b)
    assertClose(a.matmul(b)[1], expected)
  }
}

/// Resident set size of this process, from /proc (0 where unavailable).
func residentBytes() -> Int {
  guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
  let fields = text.split(separator: " ")
  return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}

final class WrappedNumberTests: XCTestCase {
  /// Integer literals in in-place ops are wrapped integers, as in PyTorch.
  func testInPlaceOpsWithIntegerLiteralsKeepIntegerTensors() {
    XCTAssertEqual(torch.tensor([1, 2]).add_(5).description, AutogradGoldens.shared.names["int_add_"])
    XCTAssertEqual(torch.tensor([1, 2]).mul_(3).sub_(1).toArray(Int64.self), [2, 5])
    XCTAssertEqual(torch.tensor([1.5, 2]).add_(1).toArray(Double.self), [2.5, 3])
    assertStops("intDivInPlace", with: "result type Float can't be cast to the desired output type Long")
  }

  /// Integer tensors to whole powers stay integers and wrap as PyTorch's do; fractional powers
  /// give float32 (PyTorch's reprs from scripts/generate_golden.py, `integer_power_reprs`).
  func testIntegerPowersStayIntegers() {
    XCTAssertEqual("\(torch.tensor([4, 7, -3] as [Int64]).pow(2))", pytorchOpReprs["powInt"])
    XCTAssertEqual("\(torch.tensor([250, 3, 7] as [Int64]).to(.uint8).pow(3))", pytorchOpReprs["powUint8"])
    XCTAssertEqual("\(torch.tensor([3, -2] as [Int64]).pow(41))", pytorchOpReprs["powWrap"])
    XCTAssertEqual("\(torch.tensor([4, 7] as [Int64]).pow(2.5))", pytorchOpReprs["powFraction"])
    XCTAssertEqual("\(torch.tensor([2, 3] as [Int64]).pow(0))", pytorchOpReprs["powZero"])
  }
}


final class InPlaceWriteTests: XCTestCase {
  /// mul_, div_, add_, relu_ and clamp_ write into self's own memory when the operand
  /// broadcasts to self, and give the out-of-place result: with a row, a scalar, self itself,
  /// and an overlapping shifted view of self (which must read the old values, as PyTorch's
  /// out-of-place fallback does), and on a transposed (non-dense) self.
  func testInPlaceArithmeticWritesIntoSelfAndMatchesOutOfPlace() {
    let base = torch.arange(1, 13, dtype: .float32).reshape([3, 4])
    let row = torch.tensor([1.0, -2, 0.5, 4], dtype: .float32)
    let cases: [(String, (Tensor) -> Tensor, (Tensor) -> Tensor)] = [
      ("mul_ row", { $0.mul_(row) }, { $0 * row }),
      ("div_ row", { $0.div_(row) }, { $0 / row }),
      ("add_ row alpha", { $0.add_(row, alpha: 0.25) }, { $0 + row * 0.25 }),
      ("mul_ scalar", { $0.mul_(0.5) }, { $0 * 0.5 }),
      ("div_ self", { $0.div_($0) }, { $0 / $0 }),
      ("mul_ self", { $0.mul_($0) }, { $0 * $0 }),
      ("relu_", { $0.sub_(6.5).relu_() }, { ($0 - 6.5).relu() }),
      ("clamp_", { $0.clamp_(min: 2.5, max: 9) }, { $0.clamp(min: 2.5, max: 9) }),
    ]
    for (name, inPlace, outOfPlace) in cases {
      let x = base.clone(), expected = outOfPlace(base.clone())
      let before = x.storage.data
      let result = inPlace(x)
      XCTAssertTrue(result === x, name)
      XCTAssertEqual(x.storage.data, before, "\(name) keeps self's memory")
      XCTAssertEqual(x.toArray(Float.self), expected.toArray(Float.self), name)
    }
    // Overlap: each element of the tail times its predecessor's old value.
    let x = torch.arange(1, 7, dtype: .float64)
    x.narrow(0, start: 1, length: 5).mul_(x.narrow(0, start: 0, length: 5))
    XCTAssertEqual(x.toArray(Double.self), [1, 2, 6, 12, 20, 30])
    // A transposed self takes the out-of-place path and still lands in self.
    let t = base.clone().t()
    t.mul_(torch.tensor([2.0, 3, 4], dtype: .float32))
    XCTAssertEqual(t.toArray(Float.self), (base.t() * torch.tensor([2.0, 3, 4], dtype: .float32)).toArray(Float.self))
  }
}
