import Foundation
import XCTest
@testable import Torch

/// Gradients where a convention, not calculus, decides the value: kinks (relu and abs at 0),
/// ties (max, maximum, sort), bounds (clamp, hardtanh), zeros (prod, pow, norm) and −inf
/// inputs (logsumexp), and the order of tensor hooks and retained gradients, against PyTorch
/// (scripts/generate_autograd_goldens.py, `edge_gradients`, in float64). Each case returns
/// the gradients the generator flattens, in its order.
final class EdgeGradientTests: XCTestCase {
  static let ties = [1.0, 3, 3, -2]
  static let bounds = [-Double.infinity, -1, 1, 2, 3, .infinity, .nan]

  /// Gradients of `make(leaves)` for fresh float64 leaves holding `values`.
  static func grad(_ values: [[Double]], _ make: ([Tensor]) -> Tensor) -> [Tensor] {
    let leaves = values.map { torch.tensor($0, dtype: .float64).requiresGrad_() }
    make(leaves).backward()
    return leaves.map { $0.grad! }
  }

  static func grad(_ values: [Double], _ make: (Tensor) -> Tensor) -> [Tensor] { grad([values]) { make($0[0]) } }

  /// The gradient of `make(x)` and the gradient of (gradient · weights): a Hessian-vector product.
  static func second(_ values: Tensor, weights: Tensor, _ make: (Tensor) -> Tensor) -> [Tensor] {
    let x = values.to(.float64).requiresGrad_()
    let g = torch.autograd.grad(make(x), x, createGraph: true)[0]
    return [g, torch.autograd.grad((g * weights.to(.float64)).sum(), x)[0]]
  }

  static func retainedHook(_ order: [String]) -> [Tensor] {
    let a = torch.tensor([1.0, 2], dtype: .float64).requiresGrad_()
    let b = a * 3
    for step in order {
      switch step {
      case "retain": b.retainGrad()
      case "times 10": _ = b.registerHook { $0 * 10 }
      default: _ = b.registerHook { $0 + 1 }
      }
    }
    (b * b).sum().backward()
    return [b.grad!, a.grad!]
  }

  static func pair(_ values: Double...) -> Tensor { torch.tensor(values, dtype: .float64) }

  static let cases: [(String, @Sendable () -> [Tensor])] = [
    ("max_ties", { grad(ties) { $0.max() } }),
    ("min_ties", { grad(ties) { $0.min() } }),
    ("amax_ties", { grad(ties) { $0.amax(dims: [0]) } }),
    ("max_dim_ties", { grad(ties) { $0.max(dim: 0).values } }),
    ("maximum_ties", { grad(ties) { $0.maximum(pair(1, 2, 3, 4)).sum() } }),
    ("minimum_ties", { grad(ties) { $0.minimum(pair(1, 2, 3, 4)).sum() } }),
    ("clamp_both", { grad(bounds) { $0.clamp(min: -1, max: 3).sum() } }),
    ("clamp_min", { grad(bounds) { $0.clamp(min: 1).sum() } }),
    ("clamp_max", { grad(bounds) { $0.clamp(max: 3).sum() } }),
    ("clamp_min_minus_inf", { grad(bounds) { $0.clamp(min: -.infinity).sum() } }),
    ("clamp_crossed", { grad(bounds) { $0.clamp(min: 3, max: 1).sum() } }),
    ("clamp_in_place", { grad(bounds) { ($0 * 1).clamp_(min: -1, max: 3).sum() } }),
    ("hardtanh", { grad(bounds) { $0.hardtanh(minVal: -1, maxVal: 3).sum() } }),
    ("relu6", { grad([-1.0, 0, 1, 2, 3]) { ($0 * 3).relu6().sum() } }),
    ("abs_zero", { grad(ties) { ($0 - 1).abs().sum() } }),
    ("relu_zero", { grad(ties) { ($0 - 1).relu().sum() } }),
    ("sqrt_zero", { grad(ties) { ($0 - 1).sqrt().sum() } }),
    ("pow_zero_exponent", { grad(ties) { ($0 - 1).pow(0).sum() } }),
    ("pow_tensor", { grad([[0.0, 0, 0, 2, -2, 0], [0.0, 1, 2, 0, 3, -1]]) { $0[0].pow($0[1]).sum() } }),
    ("prod", { grad(ties) { $0.prod() } }),
    ("prod_one_zero", { grad(ties) { ($0 - 1).prod() } }),
    ("prod_two_zeros", { grad(ties) { ($0 - 3).prod() } }),
    ("prod_dim_second", {
      second(torch.tensor([[0.0, 2, 3], [1, 2, 3], [0, 0, 5], [0, 0, 0]]),
             weights: torch.tensor([[1.0, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]])) { $0.prod(dim: 1).sum() }
    }),
    ("prod_second", { second(pair(0, 2, 0, 3), weights: pair(1, 2, 3, 4)) { $0.prod() } }),
    ("prod_keepdim_second", {
      second(torch.tensor([[0.0, 2], [4, 0], [5, 3]]), weights: torch.tensor([[1.0, 2], [3, 4], [5, 6]])) {
        $0.prod(dim: 0, keepdim: true).sum()
      }
    }),
    ("norm_zero", { grad(ties) { ($0 * 0).norm() } }),
    ("norm_inf_ties", { grad([1.0, -3, 3, -2]) { $0.norm(.infinity) } }),
    ("norm_count", { grad([1.0, 0, 3, -2]) { $0.norm(0) * $0.sum() } }),
    ("normalize_zero", { grad(ties) { F.normalize(($0 * 0).view(1, 4), dim: 1).sum() } }),
    ("div_zero", { grad(ties) { (1.0 / ($0 - 1)).sum() } }),
    ("logsumexp_minus_inf", {
      grad(ties) { $0.maskedFill(torch.tensor([true, false, false, true]), -.infinity).logsumexp(dim: 0) }
    }),
    ("log_softmax_minus_inf", {
      grad(ties) { $0.maskedFill(torch.tensor([true, false, false, false]), -.infinity).logSoftmax(dim: 0)[1...].sum() }
    }),
    ("masked_fill_in_place", { grad(ties) { ($0 * 2).maskedFill_(torch.tensor([true, false, true, false]), 0).sum() } }),
    ("sort_ties", { grad(ties) { ($0.sort().values * pair(1, 2, 3, 4)).sum() } }),
    ("topk_ties", { grad(ties) { ($0.topk(2).values * pair(1, 2)).sum() } }),
    ("gather_repeats", { grad(ties) { $0.gather(0, torch.tensor([1, 1, 0])).sum() } }),
    ("index_repeats", { grad(ties) { $0[torch.tensor([2, 2, 0])].sum() } }),
    ("bce_with_logits_zero", { grad([0.0, 0, 0, 1]) { F.binaryCrossEntropyWithLogits($0, pair(0, 1, 0.5, 1)) } }),
    ("bce_with_logits_zero_pos_weight", {
      grad([0.0, 0, 0, 1]) { F.binaryCrossEntropyWithLogits($0, pair(0, 1, 0.5, 1), posWeight: pair(2, 3, 1, 1)) }
    }),
    // A retained gradient is the one the hooks leave, whichever was registered first.
    ("hook_then_retain", { retainedHook(["times 10", "retain", "plus 1"]) }),
    ("retain_then_hook", { retainedHook(["retain", "times 10"]) }),
    ("leaf_hook_accumulates", {
      let a = torch.tensor([1.0, 2], dtype: .float64).requiresGrad_()
      _ = a.registerHook { $0 * 2 }
      (a * a).sum().backward()
      (a * 1).sum().backward()
      return [a.grad!]
    }),
    ("accumulates", {
      let a = torch.tensor([1.0, 2], dtype: .float64).requiresGrad_()
      (a * a).sum().backward()
      (a * 3).sum().backward()
      return [a.grad!]
    }),
  ]

  func testGradientsAtKinksTiesBoundsAndZerosMatchPyTorch() {
    for (name, make) in Self.cases {
      let actual = make().flatMap { $0.flatten().toArray(Double.self) }
      assertClose(actual, AutogradGoldens.value("edge_" + name), rtol: 1e-12, atol: 1e-12, name)
    }
    let generated = AutogradGoldens.shared.values.keys.filter { $0.hasPrefix("edge_") }.count
    XCTAssertEqual(Self.cases.count, generated, "every generated case is rebuilt here")
  }

  /// prod's gradient with zeros in a slice (one, two, three) passes finite-difference checks to
  /// second order: the product is a polynomial, so the differences are exact to rounding.
  func testProductWithZerosPassesGradcheckAndGradgradcheck() {
    let x = torch.tensor([[0.0, 2, 3, 0.5], [1, 0, 0, 5], [0, 0, 0, 2], [1.5, -2, 3, 0.25]], dtype: .float64).requiresGrad_()
    for (name, make) in [("prod", { (x: Tensor) in x.prod() }), ("prod(dim: 1)", { $0.prod(dim: 1) }),
                         ("prod(dim: 0, keepdim)", { $0.prod(dim: 0, keepdim: true) })] {
      gradCheck(name, [x]) { make($0[0]) }
      gradGradCheck(name, [x]) { make($0[0]) }
    }
  }
}
