import XCTest
@testable import Torch

/// sort, argsort and topk against PyTorch's printed results (values, indices: stable, NaN above
/// every number; several dims, integer dtypes, gradients), generated into PyTorchGolden.swift
/// by scripts/generate_golden.py (`sorting_reprs`).
final class SortingTests: XCTestCase {
  func testSortAlongAnyDimMatchesPyTorch() {
    torch.manualSeed(0)
    let x = torch.randn(2, 3, 4)
    let (values, indices) = x.sort(dim: 1)
    XCTAssertEqual("\(values)", pytorchOpReprs["sortDim1Values"])
    XCTAssertEqual("\(indices)", pytorchOpReprs["sortDim1Indices"])
    XCTAssertEqual("\(x.sort(descending: true).indices)", pytorchOpReprs["sortDescendingIndices"])
    let (low, lowIndices) = x.topk(2, dim: 0, largest: false)
    XCTAssertEqual("\(low)", pytorchOpReprs["topkSmallestValues"])
    XCTAssertEqual("\(lowIndices)", pytorchOpReprs["topkSmallestIndices"])
  }

  func testTiesKeepTheirOrderAndNaNSortsHighest() {
    let t = torch.tensor([3.0, .nan, 1.0, 3.0, -2.0, .nan, 1.0])
    XCTAssertEqual("\(t.sort().values)", pytorchOpReprs["sortNaNValues"])
    XCTAssertEqual("\(t.sort().indices)", pytorchOpReprs["sortNaNIndices"])
    XCTAssertEqual("\(t.sort(descending: true).values)", pytorchOpReprs["sortNaNDescendingValues"])
    XCTAssertEqual("\(t.sort(descending: true).indices)", pytorchOpReprs["sortNaNDescendingIndices"])
    let ints = torch.tensor([5, 1, 5, 0, 1] as [Int64])
    XCTAssertEqual("\(ints.argsort())", pytorchOpReprs["argsortInt"])
    // PyTorch leaves the order of tied topk elements unspecified (its CPU topk picked index 4
    // for the second 1 here); the values agree, and ties here come in index order.
    XCTAssertEqual("\(ints.topk(3).values)", pytorchOpReprs["topkIntValues"])
    XCTAssertEqual("\(ints.topk(3).indices)", "tensor([0, 2, 1])")
    let bytes = torch.tensor([3, 1, 2] as [Int64]).to(.uint8).view(1, 3).sort(descending: true)
    XCTAssertEqual("\(bytes.values)", pytorchOpReprs["sortUint8Values"])
    XCTAssertEqual("\(bytes.indices)", pytorchOpReprs["sortUint8Indices"])
    XCTAssertEqual("\(torch.tensor(2.5).sort().values)", pytorchOpReprs["sortScalar"])
  }

  /// float32 rows sort as integer keys: the same indices as the comparator's order (float64,
  /// the generic path) along either dim and direction, with repeated values, ±0 (equal: index
  /// order), ±∞ and NaNs of both signs and other payloads (above every number), and the values
  /// the source's own bits.
  func testFloat32SortKeysGiveTheComparatorsOrder() {
    torch.manualSeed(3)
    var values = (torch.randint(-20, 20, [5, 600]).to(.float32) / 4).toArray(Float.self)
    let specials: [Float] = [0, -0.0, .infinity, -.infinity, .nan, -.nan, Float(bitPattern: 0x7fc0_1234), .leastNonzeroMagnitude]
    for (k, v) in specials.enumerated() { values[k * 97 % values.count] = v; values[(k * 331 + 5) % values.count] = v }
    let x = torch.tensor(values).view(5, 600)
    for dim in [0, 1] {
      for descending in [false, true] {
        let ours = x.sort(dim: dim, descending: descending), reference = x.double().sort(dim: dim, descending: descending)
        XCTAssertEqual(ours.indices.toArray(Int64.self), reference.indices.toArray(Int64.self), "dim \(dim), descending \(descending)")
        let gathered = x.gather(dim, ours.indices).toArray(Float.self).map(\.bitPattern)
        XCTAssertEqual(ours.values.toArray(Float.self).map(\.bitPattern), gathered, "the source's bits")
      }
    }
  }

  func testTopkGradientGoesBackToTheChosenElements() {
    torch.manualSeed(0)
    _ = torch.randn(2, 3, 4)
    let y = torch.randn([3, 5], requiresGrad: true)
    let (chosen, _) = y.topk(2)
    XCTAssertEqual("\(chosen)", pytorchOpReprs["topkValues"])
    (chosen * torch.tensor([1.0, 2, 3, 4, 5, 6]).view(3, 2)).sum().backward()
    XCTAssertEqual("\(y.grad!)", pytorchOpReprs["topkGradient"])
  }
}
