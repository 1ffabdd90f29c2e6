import XCTest
@testable import Torch

/// Finite-difference checks of every differentiable op: random shapes, broadcasting, and
/// non-contiguous (transposed) inputs.
final class GradCheckTests: XCTestCase {
  override func setUp() { torch.manualSeed(1234) }

  func testArithmeticWithBroadcasting() {
    let a = leaf([3, 4]), b = leaf([4]), c = leaf([3, 1], 0.5, 2)
    gradCheck("add", [a, b]) { $0[0] + $0[1] }
    gradCheck("sub", [a, c]) { $0[0] - $0[1] }
    gradCheck("mul", [a, b]) { $0[0] * $0[1] }
    gradCheck("div", [a, c]) { $0[0] / $0[1] }
    gradCheck("neg", [a]) { -$0[0] }
    gradCheck("scalars", [a]) { ($0[0] + 2.0) * 3.0 - 1.0 }
    gradCheck("rsub", [a]) { 1.0 - $0[0] }
    gradCheck("rdiv", [c]) { 2.0 / $0[0] }
    gradCheck("div scalar", [a]) { $0[0] / 4.0 }
  }

  func testNonContiguousInputs() {
    // Each case transposes a leaf inside the function, so the ops see strided inputs.
    let a = leaf([5, 3]), b = leaf([3, 5])
    gradCheck("mul transposed", [a, b]) { $0[0].t() * $0[1] }
    gradCheck("exp transposed", [a]) { $0[0].t().exp() }
    gradCheck("sum dim transposed", [a]) { $0[0].t().sum(dim: 1) }
    gradCheck("softmax transposed", [a]) { $0[0].t().softmax(dim: 1) }
    gradCheck("log_softmax transposed", [a]) { $0[0].t().logSoftmax(dim: 0) }
    gradCheck("mm transposed", [a, leaf([2, 5])]) { $0[0].t().mm($0[1].t()) }
    gradCheck("max dim transposed", [a]) { $0[0].t().max(dim: 1).values }
    gradCheck("gather transposed", [a]) { $0[0].t().gather(1, torch.tensor([[0, 4], [1, 1], [3, 2]])) }
  }

  func testUnaryFunctions() {
    let x = leaf([2, 3]), positive = leaf([2, 3], 0.2, 2)
    gradCheck("exp", [x]) { $0[0].exp() }
    gradCheck("log", [positive]) { $0[0].log() }
    gradCheck("sqrt", [positive]) { $0[0].sqrt() }
    gradCheck("abs", [x]) { $0[0].abs() }
    gradCheck("tanh", [x]) { $0[0].tanh() }
    gradCheck("sigmoid", [x]) { $0[0].sigmoid() }
    gradCheck("relu", [x]) { $0[0].relu() }
    gradCheck("gelu", [x]) { $0[0].gelu() }
    gradCheck("silu", [x]) { $0[0].silu() }
    gradCheck("leakyRelu", [x]) { $0[0].leakyRelu(0.1) }
    gradCheck("elu", [x]) { $0[0].elu(alpha: 0.7) }
    gradCheck("clamp", [x]) { $0[0].clamp(min: -0.5, max: 0.5) }
    gradCheck("pow", [positive]) { $0[0].pow(3) }
    gradCheck("pow fractional", [positive]) { $0[0].pow(1.5) }
    gradCheck("pow tensor", [positive, leaf([3])]) { $0[0].pow($0[1]) }
    gradCheck("reciprocal", [positive]) { $0[0].reciprocal() }
  }

  func testBinaryFunctions() {
    let a = leaf([3, 4]), b = leaf([3, 4])
    gradCheck("maximum", [a, b]) { $0[0].maximum($0[1]) }
    gradCheck("minimum", [a, b]) { $0[0].minimum($0[1]) }
    let mask = torch.rand([3, 4]).gt(0.5)
    gradCheck("where", [a, b]) { torch.where(mask, $0[0], $0[1]) }
  }

  func testReductions() {
    let x = leaf([3, 4, 2])
    gradCheck("sum", [x]) { $0[0].sum() }
    gradCheck("sum dims keepdim", [x]) { $0[0].sum(dims: [0, 2], keepdim: true) }
    gradCheck("mean", [x]) { $0[0].mean() }
    gradCheck("mean dim", [x]) { $0[0].mean(dim: -1) }
    gradCheck("max", [x]) { $0[0].max() }
    gradCheck("max dim", [x]) { $0[0].max(dim: 1).values }
    gradCheck("min dim keepdim", [x]) { $0[0].min(dim: 2, keepdim: true).values }
    gradCheck("amax", [x]) { $0[0].amax(dims: [1]) }
    gradCheck("var", [x]) { $0[0].var() }
    gradCheck("var dim", [x]) { $0[0].var(dim: 1, keepdim: true) }
    gradCheck("std dim", [x]) { $0[0].std(dim: 0) }
    gradCheck("logsumexp", [x]) { $0[0].logsumexp(dim: 1) }
    gradCheck("softmax", [x]) { $0[0].softmax(dim: 1) }
    gradCheck("log_softmax", [x]) { $0[0].logSoftmax(dim: -1) }
  }

  func testViewsAndSlices() {
    let x = leaf([2, 3, 4])
    gradCheck("view", [x]) { $0[0].view(6, 4) }
    gradCheck("reshape", [x]) { $0[0].transpose(0, 2).reshape([-1]) }
    gradCheck("flatten", [x]) { $0[0].flatten(startDim: 1) }
    gradCheck("unflatten", [x]) { $0[0].unflatten(2, [2, 2]) }
    gradCheck("squeeze/unsqueeze", [x]) { $0[0].unsqueeze(1).squeeze(1).squeeze() }
    gradCheck("transpose", [x]) { $0[0].transpose(0, 1) }
    gradCheck("permute", [x]) { $0[0].permute(2, 0, 1) }
    gradCheck("expand", [leaf([3, 1])]) { $0[0].expand(2, 3, 4) }
    gradCheck("select", [x]) { $0[0][1] }
    gradCheck("slice", [x]) { $0[0][0..., 1...] }
    gradCheck("slice step", [x]) { $0[0].slice(2, start: 0, end: 4, step: 2) }
    gradCheck("split", [x]) { torch.cat($0[0].split(2, dim: 2).reversed(), dim: 2) }
    gradCheck("chunk", [x]) { $0[0].chunk(3, dim: 1)[1] }
    gradCheck("cat", [x, leaf([2, 1, 4])]) { torch.cat([$0[0], $0[1]], dim: 1) }
    gradCheck("stack", [x, leaf([2, 3, 4])]) { torch.stack([$0[0], $0[1]], dim: 1) }
    gradCheck("contiguous", [x]) { $0[0].transpose(0, 1).contiguous() }
  }

  func testIndexing() {
    let x = leaf([4, 3])
    let index = torch.tensor([2, 0, 2])
    gradCheck("index_select", [x]) { $0[0].indexSelect(0, index) }
    gradCheck("tensor index", [x]) { $0[0][index] }
    gradCheck("gather", [x]) { $0[0].gather(1, torch.tensor([[0, 2], [1, 1], [2, 0], [0, 0]])) }
  }

  func testMatrixProducts() {
    let a = leaf([3, 4]), b = leaf([4, 5]), v = leaf([4]), w = leaf([4]), bias = leaf([5])
    gradCheck("mm", [a, b]) { $0[0].mm($0[1]) }
    gradCheck("addmm", [bias, a, b]) { torch.addmm($0[0], $0[1], $0[2], beta: 0.5, alpha: 2) }
    gradCheck("mv", [a, v]) { $0[0].matmul($0[1]) }
    gradCheck("dot", [v, w]) { $0[0].matmul($0[1]) }
    gradCheck("vector @ matrix", [v, b]) { $0[0].matmul($0[1]) }
    gradCheck("batched @ matrix", [leaf([2, 3, 4]), b]) { $0[0].matmul($0[1]) }
    gradCheck("bmm broadcast", [leaf([2, 1, 3, 4]), leaf([3, 4, 2])]) { $0[0].matmul($0[1]) }
    gradCheck("linear", [leaf([2, 3, 4]), leaf([5, 4]), bias]) { F.linear($0[0], $0[1], $0[2]) }
    gradCheck("linear no bias", [a, leaf([5, 4])]) { F.linear($0[0], $0[1]) }
  }

  func testConversions() {
    let x = leaf([3])
    // A float32 round trip is linear; a wide step keeps float32 rounding out of the estimate.
    gradCheck("to float32 and back", [x], eps: 1e-2, tolerance: 1e-4) { $0[0].float().double() * 2.0 }
    gradCheck("clone", [x]) { $0[0].clone() }
  }

  func testLosses() {
    let logits = leaf([4, 5], -3, 3), target = torch.tensor([1, 0, 4, 2])
    gradCheck("cross_entropy", [logits]) { F.crossEntropy($0[0], target) }
    gradCheck("cross_entropy sum weighted", [logits]) {
      F.crossEntropy($0[0], target, weight: torch.tensor([1.0, 2, 0.5, 1, 3], dtype: .float64), reduction: .sum)
    }
    gradCheck("cross_entropy ignore", [logits]) { F.crossEntropy($0[0], torch.tensor([1, -100, 4, 2])) }
    gradCheck("cross_entropy smoothing", [logits]) { F.crossEntropy($0[0], target, labelSmoothing: 0.1) }
    gradCheck("cross_entropy probabilities", [logits]) {
      F.crossEntropy($0[0], torch.tensor([[0.2, 0.2, 0.2, 0.2, 0.2], [1, 0, 0, 0, 0], [0, 0, 0.5, 0, 0.5], [0, 0, 0, 1, 0]], dtype: .float64))
    }
    gradCheck("nll none", [logits]) { F.nllLoss($0[0].logSoftmax(dim: 1), target, reduction: .none) }
    let y = leaf([4, 5])
    gradCheck("mse", [logits, y]) { F.mseLoss($0[0], $0[1]) }
    gradCheck("l1", [logits, y]) { F.l1Loss($0[0], $0[1]) }
    let labels = torch.rand([4, 5], dtype: .float64)
    gradCheck("bce with logits", [logits]) { F.binaryCrossEntropyWithLogits($0[0], labels) }
    gradCheck("bce pos weight", [logits]) {
      F.binaryCrossEntropyWithLogits($0[0], labels, posWeight: torch.full([5], 2.0, dtype: .float64))
    }
  }

  func testInPlaceHistory() {
    let x = leaf([3])
    gradCheck("add_ on non-leaf", [x]) { inputs in
      let y = inputs[0] * 2.0
      y.add_(inputs[0], alpha: 3)
      return y
    }
    gradCheck("mul_ on non-leaf", [x]) { inputs in
      let y = inputs[0] + 1.0
      y.mul_(inputs[0])
      return y
    }
  }
}
