import XCTest
@testable import Torch

/// In-place writes through a view (`y[0] = v`, `y[1].mul_(3)`, `y.t()[0].mul_(5)`) change the
/// view's base, whose history must include them (PyTorch's CopySlices): the gradients of
/// (y · w).sum() against PyTorch's for the same seeded x and w
/// (scripts/generate_autograd_goldens.py, `in_place_views`). A view taken before its base is
/// written follows the base's new history, as PyTorch regenerates a view's grad_fn.
final class InPlaceViewTests: XCTestCase {
  /// The cases, by the generator's names.
  static let cases: [(String, @Sendable (Tensor) -> Tensor)] = [
    ("setitem_row", { x in let y = x * 2; y[0] = torch.zeros(5); return y }),
    ("setitem_column", { x in let y = x * 2; y[0..., 1] = torch.tensor(3.0); return y }),
    ("row_mul_", { x in let y = x * 1; let v = y[1]; v.mul_(3); return y }),
    ("column_add_", { x in let y = x * x; y[0..., 2].add_(x[0..., 3]); return y }),
    ("mask_set", { x in let y = x * 2; y[x > 0] = torch.tensor(0.0); return y }),
    ("clamp_", { x in let y = x * 3; y.clamp_(min: -1, max: 1); return y }),
    ("rows_relu_", { x in let y = x * 2; y[..<2].relu_(); return y }),
    ("div_", { x in let y = x + 3; y.div_(x.abs() + 1); return y }),
    ("transposed_row_mul_", { x in let y = x * 1; y.t()[0].mul_(5); return y }),
    ("index_put", { x in let y = x * 2; y[torch.tensor([0, 2])] = x[torch.tensor([1, 3])] * 3; return y }),
    ("flat_slice_mul_", { x in let y = x * 1; y.view(20)[..<7].mul_(x.view(20)[3..<10]); return y }),
    ("into_zeros", { x in let y = torch.zeros(4, 5); y[1] = x[2] * 2; y[0..., 3].add_(x[0..., 0]); return y }),
    ("two_views", { x in let y = x * 1; y[0].mul_(2); y[0..., 1].mul_(3); return y.exp() }),
    ("detach_zero", { x in let y = x * 2; let z = y * 3; y.detach()[0].zero_(); return z }),
    ("view_of_view_mul_", { x in let y = x * 1; y[1][2...].mul_(4); return y }),
    ("narrow_copy_", { x in let y = x.clone(); y.narrow(1, start: 1, length: 2).copy_(x[0..., ..<2] * 5); return y }),
    ("unsqueezed_mul_", { x in let y = x * 1; y.unsqueeze(0)[0, 2].mul_(7); return y }),
    // A view taken before its base is written in place follows the base's new history.
    ("view_before_base_mul_", { x in let y = x * 1; let v = y[0]; y.mul_(2); return y + v.unsqueeze(0) }),
    ("row_fill_", { x in let y = x * 3; y[2].fill_(1.5); return y }),
    ("columns_zero_", { x in let y = x.exp(); let z = y * 1; z[0..., 1...].zero_(); return z }),
    // The source reads a view (y[1]) whose base is written afterwards: its rule must still run
    // when that view's history is regenerated during backward.
    ("setitem_from_own_row", { x in let y = x * 2; y[0] = y[1] * 3; return y }),
  ]

  func testGradientsThroughInPlaceWritesToViewsMatchPyTorch() {
    torch.manualSeed(0)
    let x = torch.randn([4, 5], requiresGrad: true), w = torch.randn(4, 5)
    XCTAssertEqual(x.detach().flatten().toArray(Float.self), AutogradGoldens.value("views_x").map(Float.init))
    XCTAssertEqual(w.flatten().toArray(Float.self), AutogradGoldens.value("views_w").map(Float.init))
    for (name, make) in Self.cases {
      x.grad = nil
      (make(x) * w).sum().backward()
      // The same ops in the same order: float32 results to the last bit or so (exp's lanes).
      assertClose(x.grad!.to(.float64).flatten().toArray(Double.self), AutogradGoldens.value("views_" + name),
                  rtol: 1e-6, atol: 1e-6, name)
      // Masked elements are +0, as PyTorch's masks leave them.
      XCTAssertEqual(x.grad!.flatten().toArray(Float.self).map { $0 == 0 ? $0.sign : .plus },
                     AutogradGoldens.value("views_" + name).map { $0 == 0 ? $0.sign : .plus }, "\(name): signs of zeros")
    }
  }

  /// The base's node is CopySlices and the view's AsStridedBackward0, as PyTorch prints them.
  /// The outputs of unbind, split and chunk may be written in place where PyTorch allows it:
  /// under no_grad, once detached, or when nothing requires grad (writing them with grad mode on
  /// stops: MisuseTests). split with sizes records PyTorch's SplitWithSizesBackward0.
  func testMultipleViewsMayBeWrittenWhereAutogradDoesNotTrackThem() {
    let x = torch.rand([4, 3], requiresGrad: true), y = x * 2
    let row = y.unbind(0)[0]
    torch.noGrad { _ = row.add_(1.0) }
    _ = y.split(2)[1].detach().mul_(0.0)
    let plain = torch.rand(4, 3)
    _ = plain.chunk(2)[0].zero_()
    XCTAssertEqual(plain[0].sum().item(), 0)
    XCTAssertEqual(y.split([1, 3])[1].gradFn?.name, "SplitWithSizesBackward0")
    XCTAssertEqual(y.split(2)[1].gradFn?.name, "SplitBackward0")
    // y's values as written: row 0 plus 1, rows 2 and 3 zeroed; its gradient is untouched (2).
    XCTAssertEqual(y[2].sum().item(), 0)
    y.sum().backward()
    XCTAssertEqual(x.grad!.toArray(Float.self), [Float](repeating: 2, count: 12))
  }

  func testNodesAfterAnInPlaceWriteToAViewAreCopySlicesAndAsStrided() {
    let x = torch.randn([4, 5], requiresGrad: true)
    let y = x * 2
    let v = y[1]
    v.mul_(3)
    XCTAssertEqual("torch::autograd::" + y.gradFn!.name, AutogradGoldens.shared.names["views_base_node"])
    XCTAssertEqual(v.gradFn!.name, AutogradGoldens.shared.names["views_view_node"])
    XCTAssertTrue(y.gradFn!.description.hasPrefix("<CopySlices object at 0x"))
  }

  /// Gradients of gradients through such a write are refused with a clear message, not wrong.
  func testSecondGradientsThroughAnInPlaceWriteToAViewStop() {
    assertStops("viewInPlaceCreateGraph", with: "NotImplementedError: double backward through an in-place operation on a view is not supported")
  }
}
