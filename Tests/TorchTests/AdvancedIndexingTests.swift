import XCTest
@testable import Torch

/// Several index tensors in one subscript (`x[rows, cols]`) broadcast together and pick
/// elements pairwise, as PyTorch's advanced indexing: values, shapes (the indexed part stays
/// where adjacent index tensors were, else comes first) and gradients, reading and writing,
/// against PyTorch (scripts/generate_autograd_goldens.py, `advanced_indexing`).
final class AdvancedIndexingTests: XCTestCase {
  static var i: Tensor { torch.tensor([0, 2, -1]) }
  static var j: Tensor { torch.tensor([1, 3, 0]) }
  static var mask: Tensor { torch.tensor([true, false, true]) }

  static let reads: [(String, @Sendable (Tensor) -> Tensor)] = [
    ("rows_cols", { $0[i, j] }),
    ("apart", { $0[i, 0..., torch.tensor([1, 2, 4])] }),
    ("number_then_index", { $0[0, 0..., j] }),
    ("adjacent_after_slice", { $0[0..., j, torch.tensor([0, 1, 2])] }),
    ("broadcast_2d", { $0[torch.tensor([[0, 1], [2, 0]]), torch.tensor([1, 2])] }),
    ("index_then_number", { $0[i, 1] }),
    ("mask_and_index", { $0[mask, torch.tensor([0, 3])] }),
    ("three", { $0[i, j, torch.tensor([4])] }),
    ("after_ellipsis", { $0[..., torch.tensor([1, 3, 0]), torch.tensor([0, 1, 2])] }),
    ("repeats", { $0[torch.tensor([1, 1, 0]), torch.tensor([2, 2, 2])] }),
  ]

  static let writes: [(String, @Sendable (Tensor, Tensor) -> Void)] = [
    ("set_number", { z, _ in z[i, j] = 7.0 }),
    ("set_rows", { z, v in z[i, j] = v[..<5] * 3 }),
    ("set_apart", { z, v in z[i, 0..., torch.tensor([1, 2, 4])] = v[..<4] - 1 }),
    ("set_adjacent_after_slice", { z, v in z[0..., j, torch.tensor([0, 1, 2])] = v[..<3].view(3, 1) }),
    ("set_repeats_last_wins", { z, v in z[torch.tensor([0, 0]), torch.tensor([1, 1])] = v[..<2].view(2, 1) * 2 }),
    ("set_index_then_number", { z, v in z[i, 1] = v[..<5] }),
    ("set_mask_and_index", { z, v in z[mask, torch.tensor([0, 3])] = v[5..<10] }),
  ]

  static func weights(_ t: Tensor) -> Tensor { OpInfo.weights(t.shape.dims) }
  static func values(_ t: Tensor) -> [Double] { t.detach().flatten().toArray(Double.self) }

  func testReadsMatchPyTorch() {
    for (name, read) in Self.reads {
      let x = torch.arange(60.0).to(.float64).view(3, 4, 5).requiresGrad_()
      let y = read(x)
      (y * Self.weights(y)).sum().backward()
      assertClose(y.shape.dims.map(Double.init) + Self.values(y) + Self.values(x.grad!),
                  AutogradGoldens.value("advanced_" + name), rtol: 1e-12, atol: 1e-12, name)
    }
    XCTAssertEqual((torch.ones([3, 4], requiresGrad: true) * 1)[Self.i, Self.j].gradFn?.name, AutogradGoldens.shared.names["advanced_node"])
  }

  func testWritesMatchPyTorch() {
    for (name, write) in Self.writes {
      let x = torch.arange(60.0).to(.float64).view(3, 4, 5).requiresGrad_()
      let v = torch.linspace(-1, 1, steps: 10, dtype: .float64).requiresGrad_()
      let z = x * 1
      write(z, v)
      (z * Self.weights(z)).sum().backward()
      assertClose(Self.values(z) + Self.values(x.grad!) + Self.values(v.grad ?? torch.zeros([10], dtype: .float64)),
                  AutogradGoldens.value("advanced_" + name), rtol: 1e-12, atol: 1e-12, name)
    }
  }

  /// A written −0 stays −0 (the write adds each value to −0, not to +0).
  func testWritesKeepNegativeZero() {
    let z = torch.zeros(2, 3)
    z[torch.tensor([0]), torch.tensor([1])] = -torch.zeros(1)
    z[0..., torch.tensor([2])] = -torch.zeros(1)
    XCTAssertEqual(z.flatten().toArray(Float.self).map { $0.sign }, [.plus, .minus, .minus, .plus, .plus, .minus])
  }
}
