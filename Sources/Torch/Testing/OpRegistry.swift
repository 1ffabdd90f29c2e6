/// Every differentiable op, registered once (the idea of PyTorch's OpInfo): its sample inputs,
/// its Swift call and its PyTorch spelling. The tests read it for finite-difference gradient
/// checks (first and second order), `DeviceParity` runs each entry on a device against the
/// CPU, and `scripts/generate_op_goldens.py` evaluates the PyTorch spelling on the same inputs
/// to pin values, gradients and gradients of gradients (`torch-bench --op-registry` lists the
/// entries for it). Registering an op here tests it everywhere.
package struct OpInfo: Sendable {
  /// One input: uniform in [low, high) from the seeded generator (the same draws as PyTorch's).
  package struct Input: Sendable {
    package let shape: [Int]
    package let low: Double
    package let high: Double
  }

  package let name: String
  package let inputs: [Input]
  /// A Python expression in `x` (the inputs), `torch` and `F` giving the same result.
  package let pytorch: String
  /// The op under test; `device` is where index tensors must live.
  package let body: @Sendable ([Tensor], Device) -> Tensor

  init(_ name: String, _ inputs: [Input], _ pytorch: String, _ body: @escaping @Sendable ([Tensor], Device) -> Tensor) {
    self.name = name
    self.inputs = inputs
    self.pytorch = pytorch
    self.body = body
  }

  /// The sample inputs: leaves of `dtype` that require grad, drawn after `torch.manualSeed(0)`.
  package func sampleInputs(dtype: DType = .float64) -> [Tensor] {
    torch.manualSeed(0)
    return inputs.map { input in
      (torch.rand(input.shape, dtype: dtype) * (input.high - input.low) + input.low).detach().requiresGrad_()
    }
  }

  /// Deterministic weights in [-1, 1] for an output of `shape` (`((i·7) mod 11 − 5) / 5`), so
  /// a weighted sum sees every element (a plain sum hides softmax's gradient).
  package static func weights(_ shape: [Int], dtype: DType = .float64) -> Tensor {
    let count = shape.reduce(1, *)
    return Tensor((0..<count).map { Double(($0 * 7) % 11 - 5) / 5 }, shape: [count]).reshape(shape).to(dtype)
  }
}

extension OpInfo.Input {
  /// A shape with values in [-1, 1).
  static func x(_ shape: Int..., low: Double = -1, high: Double = 1) -> Self { Self(shape: shape, low: low, high: high) }
  /// A shape with values in [0.2, 2): inputs of log, sqrt, reciprocal and powers.
  static func positive(_ shape: Int...) -> Self { Self(shape: shape, low: 0.2, high: 2) }
}

package enum OpRegistry {
  package static let ops: [OpInfo] = pointwise + transcendental + binary + reductions + scans + views + indexing + products + losses + convolution + normalization
    + recurrent + attention + similarity + einsum

  private typealias I = OpInfo.Input

  static let pointwise: [OpInfo] = [
    OpInfo("neg", [.x(3, 4)], "-x[0]") { x, _ in -x[0] },
    OpInfo("exp", [.x(3, 4)], "x[0].exp()") { x, _ in x[0].exp() },
    OpInfo("sin", [.x(3, 4, low: -4, high: 4)], "x[0].sin()") { x, _ in x[0].sin() },
    OpInfo("cos", [.x(3, 4, low: -4, high: 4)], "torch.cos(x[0])") { x, _ in torch.cos(x[0]) },
    // Rounding has a zero gradient: times x, the product's gradient shows the rounded values.
    OpInfo("round", [.x(3, 4, low: -3, high: 3)], "x[0].round() * x[0]") { x, _ in x[0].round() * x[0] },
    OpInfo("floor", [.x(3, 4, low: -3, high: 3)], "torch.floor(x[0]) * x[0]") { x, _ in torch.floor(x[0]) * x[0] },
    OpInfo("ceil", [.x(3, 4, low: -3, high: 3)], "x[0].ceil() * x[0]") { x, _ in x[0].ceil() * x[0] },
    OpInfo("trunc", [.x(3, 4, low: -3, high: 3)], "x[0].trunc() * x[0]") { x, _ in x[0].trunc() * x[0] },
    OpInfo("square", [.x(3, 4)], "x[0].square()") { x, _ in x[0].square() },
    OpInfo("log", [.positive(3, 4)], "x[0].log()") { x, _ in x[0].log() },
    OpInfo("sqrt", [.positive(3, 4)], "x[0].sqrt()") { x, _ in x[0].sqrt() },
    OpInfo("abs", [.x(3, 4)], "x[0].abs()") { x, _ in x[0].abs() },
    OpInfo("sign", [.x(3, 4)], "x[0].sign()") { x, _ in x[0].sign() },
    OpInfo("reciprocal", [.positive(3, 4)], "x[0].reciprocal()") { x, _ in x[0].reciprocal() },
    OpInfo("erf", [.x(3, 4, low: -2, high: 2)], "torch.erf(x[0])") { x, _ in x[0].erf() },
    OpInfo("pow_scalar", [.positive(3, 4)], "x[0].pow(1.5)") { x, _ in x[0].pow(1.5) },
    OpInfo("pow_cube", [.x(3, 4)], "x[0].pow(3)") { x, _ in x[0].pow(3) },
    OpInfo("scalar_arithmetic", [.x(3, 4)], "(2.0 / (x[0] + 3.0) - 1.0) * 3.0 + (1.0 - x[0]) / 4.0") { x, _ in
      (2.0 / (x[0] + 3.0) - 1.0) * 3.0 + (1.0 - x[0]) / 4.0
    },
    OpInfo("tanh", [.x(3, 4, low: -2, high: 2)], "x[0].tanh()") { x, _ in x[0].tanh() },
    OpInfo("sigmoid", [.x(3, 4, low: -3, high: 3)], "x[0].sigmoid()") { x, _ in x[0].sigmoid() },
    OpInfo("relu", [.x(3, 4)], "F.relu(x[0])") { x, _ in F.relu(x[0]) },
    OpInfo("gelu", [.x(3, 4, low: -3, high: 3)], "F.gelu(x[0])") { x, _ in F.gelu(x[0]) },
    OpInfo("logsigmoid", [.x(3, 4, low: -6, high: 6)], "F.logsigmoid(x[0])") { x, _ in F.logsigmoid(x[0]) },
    OpInfo("selu", [.x(3, 4, low: -3, high: 3)], "F.selu(x[0])") { x, _ in F.selu(x[0]) },
    OpInfo("celu", [.x(3, 4, low: -3, high: 3)], "F.celu(x[0], alpha=1.5)") { x, _ in F.celu(x[0], alpha: 1.5) },
    OpInfo("prelu", [.x(2, 3, 4), .x(3, low: 0, high: 1)], "F.prelu(x[0], x[1])") { x, _ in F.prelu(x[0], x[1]) },
    OpInfo("prelu_shared", [.x(2, 5), .x(1, low: 0, high: 1)], "F.prelu(x[0], x[1])") { x, _ in F.prelu(x[0], x[1]) },
    OpInfo("gelu_tanh", [.x(3, 4, low: -3, high: 3)], "F.gelu(x[0], approximate='tanh')") { x, _ in F.gelu(x[0], approximate: "tanh") },
    OpInfo("silu", [.x(3, 4, low: -3, high: 3)], "F.silu(x[0])") { x, _ in F.silu(x[0]) },
    OpInfo("leaky_relu", [.x(3, 4)], "F.leaky_relu(x[0], 0.1)") { x, _ in x[0].leakyRelu(0.1) },
    OpInfo("elu", [.x(3, 4, low: -2, high: 2)], "F.elu(x[0], alpha=0.7)") { x, _ in x[0].elu(alpha: 0.7) },
    OpInfo("clamp", [.x(3, 4)], "x[0].clamp(-0.5, 0.5)") { x, _ in x[0].clamp(min: -0.5, max: 0.5) },
    OpInfo("clamp_min", [.x(3, 4)], "x[0].clamp(min=0.1)") { x, _ in x[0].clamp(min: 0.1) },
    OpInfo("softplus", [.x(3, 4, low: -3, high: 3)], "F.softplus(x[0])") { x, _ in F.softplus(x[0]) },
    OpInfo("softplus_beta_threshold", [.x(3, 4, low: -3, high: 3)], "F.softplus(x[0], beta=2.0, threshold=3.0)") { x, _ in
      F.softplus(x[0], beta: 2, threshold: 3)
    },
    OpInfo("mish", [.x(3, 4, low: -3, high: 3)], "F.mish(x[0])") { x, _ in F.mish(x[0]) },
    OpInfo("hardswish", [.x(3, 4, low: -4, high: 4)], "F.hardswish(x[0])") { x, _ in F.hardswish(x[0]) },
    OpInfo("hardsigmoid", [.x(3, 4, low: -4, high: 4)], "F.hardsigmoid(x[0])") { x, _ in F.hardsigmoid(x[0]) },
    OpInfo("hardtanh", [.x(3, 4, low: -2, high: 2)], "F.hardtanh(x[0], -0.5, 1.0)") { x, _ in F.hardtanh(x[0], minVal: -0.5, maxVal: 1) },
    OpInfo("relu6", [.x(3, 4, low: -2, high: 8)], "F.relu6(x[0])") { x, _ in F.relu6(x[0]) },
    OpInfo("softsign", [.x(3, 4, low: -3, high: 3)], "F.softsign(x[0])") { x, _ in F.softsign(x[0]) },
  ]

  static let binary: [OpInfo] = [
    OpInfo("add_broadcast", [.x(3, 4), .x(4)], "x[0] + x[1]") { x, _ in x[0] + x[1] },
    OpInfo("add_alpha", [.x(3, 4), .x(3, 4)], "torch.add(x[0], x[1], alpha=0.3)") { x, _ in x[0].add(x[1], alpha: 0.3) },
    OpInfo("sub_broadcast", [.x(3, 4), .x(3, 1)], "x[0] - x[1]") { x, _ in x[0] - x[1] },
    OpInfo("mul_broadcast", [.x(3, 4), .x(4)], "x[0] * x[1]") { x, _ in x[0] * x[1] },
    OpInfo("div_broadcast", [.x(3, 4), .positive(3, 1)], "x[0] / x[1]") { x, _ in x[0] / x[1] },
    OpInfo("pow_tensor", [.positive(3, 4), .x(4)], "x[0].pow(x[1])") { x, _ in x[0].pow(x[1]) },
    OpInfo("maximum", [.x(3, 4), .x(3, 4)], "torch.maximum(x[0], x[1])") { x, _ in x[0].maximum(x[1]) },
    OpInfo("minimum", [.x(3, 4), .x(3, 4)], "torch.minimum(x[0], x[1])") { x, _ in x[0].minimum(x[1]) },
    // Quotients kept inside (0.05, 0.75) or (−0.75, −0.05), away from the whole numbers where
    // the rounded quotient jumps, so finite differences see the derivative.
    OpInfo("remainder", [.x(3, 4, low: 0.1, high: 0.9), .x(3, 4, low: 1.2, high: 2)],
           "torch.remainder(x[0], x[1]) + torch.remainder(-x[0], x[1])") { x, _ in
      torch.remainder(x[0], x[1]) + torch.remainder(-x[0], x[1])
    },
    OpInfo("fmod_scalar", [.x(3, 4, low: 0.1, high: 0.9)],
           "torch.fmod(x[0] * 1.5 + 0.1, 1.5) + torch.fmod(-(x[0] * 1.5 + 0.1), 1.5) + (-(x[0] * 1.5 + 0.1)) % 1.5") { x, _ in
      let v = x[0] * 1.5 + 0.1
      return v.fmod(1.5) + (-v).fmod(1.5) + (-v) % 1.5
    },
    OpInfo("div_rounded", [.x(3, 4, low: 0.1, high: 0.9), .x(3, 4, low: 1.2, high: 2)],
           "torch.div(x[0], x[1], rounding_mode='floor') * x[0] + torch.div(-x[0], x[1], rounding_mode='floor') * x[0] + torch.div(-x[0], x[1], rounding_mode='trunc')") { x, _ in
      x[0].div(x[1], roundingMode: .floor) * x[0] + (-x[0]).div(x[1], roundingMode: .floor) * x[0] + (-x[0]).div(x[1], roundingMode: .trunc)
    },
    OpInfo("where", [.x(3, 4), .x(3, 4)], "torch.where(x[0] > x[1], x[0] * x[1], x[1])") { x, _ in
      torch.where(x[0].gt(x[1]), x[0] * x[1], x[1])
    },
    OpInfo("mul_transposed", [.x(5, 3), .x(3, 5)], "x[0].t() * x[1]") { x, _ in x[0].t() * x[1] },
  ]

  static let reductions: [OpInfo] = [
    OpInfo("sum", [.x(3, 4, 2)], "x[0].sum()") { x, _ in x[0].sum() },
    OpInfo("sum_dims_keepdim", [.x(3, 4, 2)], "x[0].sum(dim=(0, 2), keepdim=True)") { x, _ in x[0].sum(dims: [0, 2], keepdim: true) },
    OpInfo("sum_dim_transposed", [.x(5, 3)], "x[0].t().sum(1)") { x, _ in x[0].t().sum(dim: 1) },
    OpInfo("mean", [.x(3, 4, 2)], "x[0].mean()") { x, _ in x[0].mean() },
    OpInfo("mean_dim", [.x(3, 4, 2)], "x[0].mean(-1)") { x, _ in x[0].mean(dim: -1) },
    OpInfo("max", [.x(3, 4)], "x[0].max()") { x, _ in x[0].max() },
    OpInfo("max_dim", [.x(3, 4, 2)], "x[0].max(1).values") { x, _ in x[0].max(dim: 1).values },
    OpInfo("min_dim_keepdim", [.x(3, 4, 2)], "x[0].min(2, keepdim=True).values") { x, _ in x[0].min(dim: 2, keepdim: true).values },
    OpInfo("amax", [.x(3, 4, 2)], "x[0].amax(1)") { x, _ in x[0].amax(dims: [1]) },
    OpInfo("amin", [.x(3, 4, 2)], "x[0].amin((0, 2))") { x, _ in x[0].amin(dims: [0, 2]) },
    OpInfo("cumsum", [.x(3, 4, 2)], "x[0].cumsum(1)") { x, _ in x[0].cumsum(dim: 1) },
    OpInfo("prod", [.x(3, 4)], "x[0].prod()") { x, _ in x[0].prod() },
    OpInfo("prod_dim", [.x(3, 4, 2)], "x[0].prod(1)") { x, _ in x[0].prod(dim: 1) },
    OpInfo("prod_dim_keepdim_transposed", [.x(4, 3)], "x[0].t().prod(-1, keepdim=True)") { x, _ in x[0].t().prod(dim: -1, keepdim: true) },
    OpInfo("flip", [.x(3, 4, 2)], "x[0].flip([0, 2]) * x[0]") { x, _ in x[0].flip(dims: [0, 2]) * x[0] },
    OpInfo("roll", [.x(3, 4)], "torch.roll(x[0], (1, -5), (0, 1)) * x[0]") { x, _ in torch.roll(x[0], [1, -5], dims: [0, 1]) * x[0] },
    OpInfo("roll_flat", [.x(3, 4)], "x[0].roll(2) * x[0]") { x, _ in x[0].roll(2) * x[0] },
    OpInfo("repeat_interleave", [.x(2, 3)], "x[0].repeat_interleave(2, dim=1)") { x, _ in x[0].repeatInterleave(2, dim: 1) },
    OpInfo("tril", [.x(2, 3, 4)], "x[0].tril(-1) * x[0]") { x, _ in x[0].tril(-1) * x[0] },
    OpInfo("triu", [.x(4, 3)], "x[0].triu(1) * x[0]") { x, _ in x[0].triu(1) * x[0] },
    OpInfo("repeat", [.x(2, 3)], "x[0].repeat(2, 1, 3) * x[0].repeat(2, 1, 3)") { x, _ in x[0].repeat(2, 1, 3) * x[0].repeat(2, 1, 3) },
    OpInfo("sort", [.x(3, 4, 2)], "x[0].sort(1, descending=True).values") { x, _ in x[0].sort(dim: 1, descending: true).values },
    OpInfo("topk", [.x(4, 3, 2)], "x[0].topk(2, dim=0, largest=False).values") { x, _ in x[0].topk(2, dim: 0, largest: false).values },
    OpInfo("var", [.x(3, 4)], "x[0].var()") { x, _ in x[0].var() },
    OpInfo("var_dim", [.x(3, 4, 2)], "x[0].var(1, keepdim=True)") { x, _ in x[0].var(dim: 1, keepdim: true) },
    OpInfo("std_dim", [.x(3, 4, 2)], "x[0].std(0)") { x, _ in x[0].std(dim: 0) },
    OpInfo("norm", [.x(3, 4)], "x[0].norm()") { x, _ in x[0].norm() },
    OpInfo("norm_dim", [.x(3, 4, 2)], "x[0].norm(2, dim=1)") { x, _ in x[0].norm(2, dim: 1) },
    OpInfo("norm_p3_keepdim", [.x(3, 4)], "x[0].norm(3, dim=0, keepdim=True)") { x, _ in x[0].norm(3, dim: 0, keepdim: true) },
    OpInfo("norm_p1", [.x(3, 4)], "x[0].norm(1, dim=1)") { x, _ in x[0].norm(1, dim: 1) },
    OpInfo("norm_inf", [.x(3, 4)], "x[0].norm(float('inf'), dim=1)") { x, _ in x[0].norm(.infinity, dim: 1) },
    OpInfo("norm_minus_inf_keepdim", [.x(3, 4)], "x[0].norm(float('-inf'), dim=0, keepdim=True)") { x, _ in
      x[0].norm(-.infinity, dim: 0, keepdim: true)
    },
    OpInfo("logsumexp", [.x(3, 4, 2)], "x[0].logsumexp(1)") { x, _ in x[0].logsumexp(dim: 1) },
    OpInfo("softmax", [.x(3, 4, 2)], "x[0].softmax(1)") { x, _ in x[0].softmax(dim: 1) },
    OpInfo("log_softmax", [.x(3, 4, 2)], "x[0].log_softmax(-1)") { x, _ in x[0].logSoftmax(dim: -1) },
    OpInfo("softmax_transposed", [.x(5, 3)], "x[0].t().softmax(1)") { x, _ in x[0].t().softmax(dim: 1) },
  ]

  static let views: [OpInfo] = [
    OpInfo("view", [.x(2, 3, 4)], "x[0].view(6, 4)") { x, _ in x[0].view(6, 4) },
    OpInfo("reshape_transposed", [.x(2, 3, 4)], "x[0].transpose(0, 2).reshape(-1)") { x, _ in x[0].transpose(0, 2).reshape([-1]) },
    OpInfo("flatten", [.x(2, 3, 4)], "x[0].flatten(1)") { x, _ in x[0].flatten(startDim: 1) },
    OpInfo("squeeze_unsqueeze", [.x(2, 1, 4)], "x[0].unsqueeze(1).squeeze()") { x, _ in x[0].unsqueeze(1).squeeze() },
    OpInfo("permute", [.x(2, 3, 4)], "x[0].permute(2, 0, 1)") { x, _ in x[0].permute(2, 0, 1) },
    OpInfo("expand", [.x(3, 1)], "x[0].expand(2, 3, 4)") { x, _ in x[0].expand(2, 3, 4) },
    OpInfo("select", [.x(2, 3, 4)], "x[0][1]") { x, _ in x[0][1] },
    OpInfo("slice", [.x(2, 3, 4)], "x[0][:, 1:]") { x, _ in x[0][0..., 1...] },
    OpInfo("slice_step", [.x(2, 3, 4)], "x[0][:, :, 0:4:2]") { x, _ in x[0].slice(2, start: 0, end: 4, step: 2) },
    OpInfo("split_cat", [.x(2, 3, 4)], "torch.cat(list(reversed(x[0].split(2, dim=2))), dim=2)") { x, _ in
      torch.cat(x[0].split(2, dim: 2).reversed(), dim: 2)
    },
    OpInfo("chunk", [.x(2, 3, 4)], "x[0].chunk(3, dim=1)[1]") { x, _ in x[0].chunk(3, dim: 1)[1] },
    OpInfo("cat", [.x(2, 3, 4), .x(2, 1, 4)], "torch.cat([x[0], x[1]], dim=1)") { x, _ in torch.cat([x[0], x[1]], dim: 1) },
    OpInfo("stack", [.x(2, 3), .x(2, 3)], "torch.stack([x[0], x[1]], dim=1)") { x, _ in torch.stack([x[0], x[1]], dim: 1) },
    OpInfo("unflatten", [.x(2, 3, 4)], "x[0].unflatten(2, (2, 2))") { x, _ in x[0].unflatten(2, [2, 2]) },
    OpInfo("transpose_contiguous", [.x(2, 3, 4)], "x[0].transpose(0, 1).contiguous()") { x, _ in x[0].transpose(0, 1).contiguous() },
    OpInfo("clone", [.x(3)], "x[0].clone()") { x, _ in x[0].clone() },
    OpInfo("add_inplace_history", [.x(3)], "(x[0] * 2.0).add_(x[0], alpha=3)") { x, _ in
      let y = x[0] * 2.0
      y.add_(x[0], alpha: 3)
      return y
    },
    OpInfo("mul_inplace_history", [.x(3)], "(x[0] + 1.0).mul_(x[0])") { x, _ in
      let y = x[0] + 1.0
      y.mul_(x[0])
      return y
    },
    // The tensor relu_ wrote is gone by backward: the node keeps the result it reads.
    OpInfo("relu_inplace_dropped", [.x(2, 5)], "(x[0] * 2.0).relu_() * 3.0") { x, _ in (x[0] * 2.0).relu_() * 3.0 },
  ]

  static let indexing: [OpInfo] = [
    OpInfo("tensor_index", [.x(4, 3)], "x[0][torch.tensor([2, 0, 2])]") { x, device in x[0][torch.tensor([2, 0, 2]).to(device)] },
    OpInfo("index_select", [.x(4, 3)], "x[0].index_select(0, torch.tensor([2, 0, 2]))") { x, device in
      x[0].indexSelect(0, torch.tensor([2, 0, 2]).to(device))
    },
    OpInfo("gather", [.x(4, 3)], "x[0].gather(1, torch.tensor([[0, 2], [1, 1], [2, 0], [0, 0]]))") { x, device in
      x[0].gather(1, torch.tensor([[0, 2], [1, 1], [2, 0], [0, 0]]).to(device))
    },
    OpInfo("scatter", [.x(3, 5), .x(2, 3)], "x[0].scatter(1, torch.tensor([[0, 1, 2], [0, 1, 4]]), x[1])") { x, device in
      x[0].scatter(1, torch.tensor([[0, 1, 2], [0, 1, 4]]).to(device), x[1])
    },
    OpInfo("scatter_value", [.x(3, 5)], "x[0].scatter(0, torch.tensor([[0, 1, 2, 0]]), 1.5)") { x, device in
      x[0].scatter(0, torch.tensor([[0, 1, 2, 0]]).to(device), value: 1.5)
    },
    OpInfo("scatter_add", [.x(3, 4), .x(2, 4)], "x[0].scatter_add(0, torch.tensor([[0, 1, 2, 0], [2, 2, 0, 1]]), x[1])") { x, device in
      x[0].scatterAdd(0, torch.tensor([[0, 1, 2, 0], [2, 2, 0, 1]]).to(device), x[1])
    },
    OpInfo("index_add", [.x(3, 4), .x(3, 2)], "x[0].index_add(1, torch.tensor([3, 0]), x[1], alpha=2.0)") { x, device in
      x[0].indexAdd(1, torch.tensor([3, 0]).to(device), x[1], alpha: 2)
    },
    OpInfo("index_copy", [.x(3, 4), .x(3, 2)], "x[0].index_copy(1, torch.tensor([3, 0]), x[1])") { x, device in
      x[0].indexCopy(1, torch.tensor([3, 0]).to(device), x[1])
    },
  ]

  static let products: [OpInfo] = [
    OpInfo("mm", [.x(3, 4), .x(4, 5)], "x[0].mm(x[1])") { x, _ in x[0].mm(x[1]) },
    OpInfo("pixel_shuffle", [.x(2, 8, 2, 3)], "F.pixel_shuffle(x[0], 2)") { x, _ in F.pixelShuffle(x[0], upscaleFactor: 2) },
    OpInfo("pixel_unshuffle", [.x(1, 2, 4, 6)], "F.pixel_unshuffle(x[0], 2)") { x, _ in F.pixelUnshuffle(x[0], downscaleFactor: 2) },
    OpInfo("bmm", [.x(2, 3, 4), .x(2, 4, 5)], "torch.bmm(x[0], x[1])") { x, _ in torch.bmm(x[0], x[1]) },
    OpInfo("mm_transposed", [.x(4, 3), .x(5, 4)], "x[0].t().mm(x[1].t())") { x, _ in x[0].t().mm(x[1].t()) },
    OpInfo("addmm", [.x(5), .x(3, 4), .x(4, 5)], "torch.addmm(x[0], x[1], x[2], beta=0.5, alpha=2.0)") { x, _ in
      torch.addmm(x[0], x[1], x[2], beta: 0.5, alpha: 2)
    },
    OpInfo("mv", [.x(3, 4), .x(4)], "x[0].matmul(x[1])") { x, _ in x[0].matmul(x[1]) },
    OpInfo("dot", [.x(4), .x(4)], "x[0].matmul(x[1])") { x, _ in x[0].matmul(x[1]) },
    OpInfo("vector_matrix", [.x(4), .x(4, 5)], "x[0].matmul(x[1])") { x, _ in x[0].matmul(x[1]) },
    OpInfo("batched_matrix", [.x(2, 3, 4), .x(4, 5)], "x[0].matmul(x[1])") { x, _ in x[0].matmul(x[1]) },
    OpInfo("bmm_broadcast", [.x(2, 1, 3, 4), .x(3, 4, 2)], "x[0].matmul(x[1])") { x, _ in x[0].matmul(x[1]) },
    OpInfo("linear", [.x(2, 3, 4), .x(5, 4), .x(5)], "F.linear(x[0], x[1], x[2])") { x, _ in F.linear(x[0], x[1], x[2]) },
    OpInfo("linear_no_bias", [.x(3, 4), .x(5, 4)], "F.linear(x[0], x[1])") { x, _ in F.linear(x[0], x[1]) },
  ]

  static let losses: [OpInfo] = [
    OpInfo("cross_entropy", [.x(4, 5, low: -2, high: 2)], "F.cross_entropy(x[0], torch.tensor([1, 0, 4, 3]))") { x, device in
      F.crossEntropy(x[0], torch.tensor([1, 0, 4, 3]).to(device))
    },
    OpInfo("cross_entropy_sum_weight", [.x(4, 5, low: -2, high: 2)],
           "F.cross_entropy(x[0], torch.tensor([1, 0, 4, 3]), weight=torch.tensor([1.0, 2.0, 0.5, 1.0, 3.0], dtype=torch.float64), reduction='sum')") { x, device in
      F.crossEntropy(x[0], torch.tensor([1, 0, 4, 3]).to(device), weight: torch.tensor([1.0, 2.0, 0.5, 1.0, 3.0]).to(x[0].dtype).to(device), reduction: .sum)
    },
    OpInfo("cross_entropy_smoothing", [.x(4, 5, low: -2, high: 2)], "F.cross_entropy(x[0], torch.tensor([1, 0, 4, 3]), label_smoothing=0.1)") { x, device in
      F.crossEntropy(x[0], torch.tensor([1, 0, 4, 3]).to(device), labelSmoothing: 0.1)
    },
    OpInfo("nll_loss", [.x(4, 5)], "F.nll_loss(x[0].log_softmax(1), torch.tensor([1, 0, 4, 3]))") { x, device in
      F.nllLoss(x[0].logSoftmax(dim: 1), torch.tensor([1, 0, 4, 3]).to(device))
    },
    OpInfo("cross_entropy_ignore_index", [.x(4, 5, low: -2, high: 2)], "F.cross_entropy(x[0], torch.tensor([1, -100, 4, 2]))") { x, device in
      F.crossEntropy(x[0], torch.tensor([1, -100, 4, 2]).to(device))
    },
    OpInfo("cross_entropy_probabilities", [.x(4, 5, low: -2, high: 2), .x(4, 5, low: 0, high: 1)], "F.cross_entropy(x[0], x[1].softmax(1))") { x, _ in
      F.crossEntropy(x[0], x[1].softmax(dim: 1))
    },
    OpInfo("nll_loss_none", [.x(4, 5)], "F.nll_loss(x[0], torch.tensor([1, 0, 4, 2]), reduction='none')") { x, device in
      F.nllLoss(x[0], torch.tensor([1, 0, 4, 2]).to(device), reduction: .none)
    },
    // Spatial class scores (N, C, H, W) and (N, C, L): a class per position, as segmentation has.
    OpInfo("cross_entropy_spatial", [.x(2, 3, 2, 3, low: -2, high: 2)],
           "F.cross_entropy(x[0], torch.tensor([[[0, 2, 1], [1, -100, 0]], [[2, 2, 0], [1, 0, 1]]]), weight=torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64))") { x, device in
      F.crossEntropy(x[0], torch.tensor([0, 2, 1, 1, -100, 0, 2, 2, 0, 1, 0, 1] as [Int64]).view(2, 2, 3).to(device),
                     weight: torch.tensor([1.0, 2.0, 0.5]).to(x[0].dtype).to(device))
    },
    OpInfo("cross_entropy_spatial_none_smoothing", [.x(2, 3, 4, low: -2, high: 2)],
           "F.cross_entropy(x[0], torch.tensor([[0, 2, 1, 1], [2, 0, 0, 1]]), reduction='none', label_smoothing=0.2)") { x, device in
      F.crossEntropy(x[0], torch.tensor([0, 2, 1, 1, 2, 0, 0, 1] as [Int64]).view(2, 4).to(device), reduction: .none, labelSmoothing: 0.2)
    },
    OpInfo("cross_entropy_spatial_probabilities", [.x(2, 3, 2, 2, low: -2, high: 2), .x(2, 3, 2, 2, low: 0, high: 1)],
           "F.cross_entropy(x[0], x[1].softmax(1), weight=torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64))") { x, device in
      F.crossEntropy(x[0], x[1].softmax(dim: 1), weight: torch.tensor([1.0, 2.0, 0.5]).to(x[0].dtype).to(device))
    },
    OpInfo("nll_loss_spatial_none", [.x(2, 3, 2, 2)], "F.nll_loss(x[0], torch.tensor([[[0, 2], [1, 1]], [[2, 0], [0, 1]]]), reduction='none')") { x, device in
      F.nllLoss(x[0], torch.tensor([0, 2, 1, 1, 2, 0, 0, 1] as [Int64]).view(2, 2, 2).to(device), reduction: .none)
    },
    OpInfo("mse_loss", [.x(3, 4), .x(3, 4)], "F.mse_loss(x[0], x[1])") { x, _ in F.mseLoss(x[0], x[1]) },
    // A constant target: PyTorch's second derivatives shift x and 1 − x by 1e-12 (its double
    // backward), which the cross terms with a target's gradient amplify past 1e-9; the target's
    // gradient is checked against PyTorch in LossTests.
    OpInfo("binary_cross_entropy", [.x(3, 4, low: 0.1, high: 0.9)],
           "F.binary_cross_entropy(x[0], torch.linspace(0, 1, 12, dtype=torch.float64).view(3, 4), weight=torch.tensor([0.5, 1.0, 1.5, 2.0], dtype=torch.float64)) + F.binary_cross_entropy(x[0], torch.linspace(0, 1, 12, dtype=torch.float64).view(3, 4), reduction='sum')") { x, device in
      let target = torch.linspace(0, 1, steps: 12, dtype: x[0].dtype).view(3, 4).to(device)
      return F.binaryCrossEntropy(x[0], target, weight: torch.tensor([0.5, 1.0, 1.5, 2.0]).to(x[0].dtype).to(device))
        + F.binaryCrossEntropy(x[0], target, reduction: .sum)
    },
    // Differences 3·x[0] − x[1] keep away from the kinks at ±beta and ±delta (finite differences).
    OpInfo("smooth_l1_huber", [.x(3, 4), .x(3, 4)],
           "F.smooth_l1_loss(x[0] * 3, x[1], beta=0.6) + F.huber_loss(x[0] * 3, x[1], delta=0.8, reduction='sum')") { x, _ in
      F.smoothL1Loss(x[0] * 3.0, x[1], beta: 0.6) + F.huberLoss(x[0] * 3.0, x[1], reduction: .sum, delta: 0.8)
    },
    OpInfo("log1p", [.positive(3, 4)], "x[0].log1p()") { x, _ in x[0].log1p() },
    // Without padding_idx: by definition the padding row gets no gradient, which finite
    // differences of a non-zero row would contradict (EmbeddingTests checks it against PyTorch).
    OpInfo("embedding", [.x(5, 3)], "F.embedding(torch.tensor([[1, 2, 4], [4, 3, 2]]), x[0]) * x[0][0]") { x, device in
      F.embedding(torch.tensor([1, 2, 4, 4, 3, 2] as [Int64]).view(2, 3).to(device), x[0]) * x[0][0]
    },
    OpInfo("normalize", [.x(3, 4)], "F.normalize(x[0], dim=1) + F.normalize(x[0], p=1, dim=0)") { x, _ in
      F.normalize(x[0], dim: 1) + F.normalize(x[0], p: 1, dim: 0)
    },
    OpInfo("l1_loss", [.x(3, 4), .x(3, 4)], "F.l1_loss(x[0], x[1], reduction='sum')") { x, _ in F.l1Loss(x[0], x[1], reduction: .sum) },
    OpInfo("bce_with_logits", [.x(3, 4, low: -3, high: 3), .x(3, 4, low: 0, high: 1)], "F.binary_cross_entropy_with_logits(x[0], x[1])") { x, _ in
      F.binaryCrossEntropyWithLogits(x[0], x[1])
    },
    OpInfo("bce_with_logits_pos_weight", [.x(3, 4, low: -3, high: 3), .x(3, 4, low: 0, high: 1)],
           "F.binary_cross_entropy_with_logits(x[0], x[1], pos_weight=torch.full((4,), 2.0, dtype=torch.float64))") { x, device in
      F.binaryCrossEntropyWithLogits(x[0], x[1], posWeight: torch.full([4], 2.0, dtype: x[0].dtype).to(device))
    },
  ]

  /// The recurrences through PyTorch's functional forms (`torch.lstm(input, hx, params,
  /// has_biases, num_layers, dropout, train, bidirectional, batch_first)`); every output and
  /// final state concatenated, so each is checked.
  static let recurrent: [OpInfo] = [
    OpInfo("rnn_tanh_two_layers", [.x(3, 2, 2), .x(2, 2, 3), .x(3, 2), .x(3, 3), .x(3), .x(3), .x(3, 3), .x(3, 3), .x(3), .x(3)],
           "(lambda r: torch.cat([r[0].flatten(), r[1].flatten()]))(torch.rnn_tanh(x[0], x[1], x[2:], True, 2, 0.0, False, False, False))") { x, _ in
      recurrence(.rnnTanh, x[0], state: [x[1]], flat: Array(x[2...]), layers: 2)
    },
    OpInfo("rnn_relu_reverse", [.x(3, 2, 2), .x(2, 2, 3), .x(3, 2), .x(3, 3), .x(3, 2), .x(3, 3)],
           "(lambda r: torch.cat([r[0].flatten(), r[1].flatten()]))(torch.rnn_relu(x[0], x[1], x[2:], False, 1, 0.0, False, True, False))") { x, _ in
      recurrence(.rnnRelu, x[0], state: [x[1]], flat: Array(x[2...]), hasBiases: false, bidirectional: true)
    },
    OpInfo("lstm", [.x(3, 2, 2), .x(1, 2, 3), .x(1, 2, 3), .x(12, 2), .x(12, 3), .x(12), .x(12)],
           "(lambda r: torch.cat([r[0].flatten(), r[1].flatten(), r[2].flatten()]))(torch.lstm(x[0], (x[1], x[2]), x[3:], True, 1, 0.0, False, False, False))") { x, _ in
      recurrence(.lstm, x[0], state: [x[1], x[2]], flat: Array(x[3...]))
    },
    OpInfo("lstm_projection", [.x(3, 2, 2), .x(1, 2, 2), .x(1, 2, 3), .x(12, 2), .x(12, 2), .x(12), .x(12), .x(2, 3)],
           "(lambda r: torch.cat([r[0].flatten(), r[1].flatten(), r[2].flatten()]))(torch.lstm(x[0], (x[1], x[2]), x[3:], True, 1, 0.0, False, False, False))") { x, _ in
      recurrence(.lstm, x[0], state: [x[1], x[2]], flat: Array(x[3...]), hasProjection: true)
    },
    OpInfo("gru", [.x(3, 2, 2), .x(1, 2, 3), .x(9, 2), .x(9, 3), .x(9), .x(9)],
           "(lambda r: torch.cat([r[0].flatten(), r[1].flatten()]))(torch.gru(x[0], x[1], x[2:], True, 1, 0.0, False, False, False))") { x, _ in
      recurrence(.gru, x[0], state: [x[1]], flat: Array(x[2...]))
    },
  ]

  static let similarity: [OpInfo] = [
    OpInfo("rsqrt", [.positive(3, 4)], "x[0].rsqrt()") { x, _ in x[0].rsqrt() },
    OpInfo("rms_norm", [.x(2, 3, 4), .x(4)], "F.rms_norm(x[0], [4], x[1], eps=1e-6)") { x, _ in F.rmsNorm(x[0], [4], weight: x[1], eps: 1e-6) },
    OpInfo("rms_norm_default_eps", [.x(3, 4)], "F.rms_norm(x[0], [3, 4])") { x, _ in F.rmsNorm(x[0], [3, 4]) },
    OpInfo("kl_div_batchmean", [.x(3, 4), .positive(3, 4)], "F.kl_div(x[0], x[1], reduction='batchmean')") { x, _ in
      F.klDiv(x[0], x[1], reduction: .batchmean)
    },
    OpInfo("kl_div_log_target", [.x(3, 4), .x(3, 4)], "F.kl_div(x[0], x[1], reduction='sum', log_target=True)") { x, _ in
      F.klDiv(x[0], x[1], reduction: .sum, logTarget: true)
    },
    OpInfo("cosine_similarity", [.x(3, 5), .x(1, 5)], "F.cosine_similarity(x[0], x[1])") { x, _ in F.cosineSimilarity(x[0], x[1]) },
  ]

  static let einsum: [OpInfo] = [
    OpInfo("einsum_batched_matmul", [.x(2, 3, 4), .x(2, 4, 5)], "torch.einsum('bij,bjk->bik', x[0], x[1])") { x, _ in
      torch.einsum("bij,bjk->bik", x[0], x[1])
    },
    OpInfo("einsum_implicit_output", [.x(3, 4), .x(5, 4)], "torch.einsum('ij,kj', x[0], x[1])") { x, _ in torch.einsum("ij,kj", x[0], x[1]) },
    OpInfo("einsum_ellipsis_broadcast", [.x(2, 1, 3, 4), .x(5, 4)], "torch.einsum('...ij,kj->...ik', x[0], x[1])") { x, _ in
      torch.einsum("...ij,kj->...ik", x[0], x[1])
    },
    OpInfo("einsum_diagonal_and_sum", [.x(3, 3, 2)], "torch.einsum('iij->j', x[0])") { x, _ in torch.einsum("iij->j", x[0]) },
    OpInfo("einsum_three_operands", [.x(2, 3), .x(3, 4), .x(4)], "torch.einsum('ij,jk,k->i', x[0], x[1], x[2])") { x, _ in
      torch.einsum("ij,jk,k->i", x[0], x[1], x[2])
    },
    OpInfo("einsum_outer_transpose", [.x(3), .x(2, 4)], "torch.einsum('i,jk->kij', x[0], x[1])") { x, _ in torch.einsum("i,jk->kij", x[0], x[1]) },
    OpInfo("einsum_attention_heads", [.x(2, 3, 2, 4), .x(2, 5, 2, 4)], "torch.einsum('bqhd,bkhd->bhqk', x[0], x[1])") { x, _ in
      torch.einsum("bqhd,bkhd->bhqk", x[0], x[1])
    },
  ]

  static let attention: [OpInfo] = [
    OpInfo("scaled_dot_product_attention", [.x(2, 3, 4), .x(2, 5, 4), .x(2, 5, 3)], "F.scaled_dot_product_attention(x[0], x[1], x[2])") { x, _ in
      F.scaledDotProductAttention(x[0], x[1], x[2])
    },
    OpInfo("scaled_dot_product_attention_causal", [.x(1, 2, 3, 4), .x(1, 2, 3, 4), .x(1, 2, 3, 4)],
           "F.scaled_dot_product_attention(x[0], x[1], x[2], is_causal=True, scale=0.7)") { x, _ in
      F.scaledDotProductAttention(x[0], x[1], x[2], isCausal: true, scale: 0.7)
    },
    OpInfo("scaled_dot_product_attention_mask", [.x(1, 3, 4), .x(1, 5, 4), .x(1, 5, 4)],
           "F.scaled_dot_product_attention(x[0], x[1], x[2], attn_mask=torch.tensor([True, False, True, True, False]))") { x, device in
      F.scaledDotProductAttention(x[0], x[1], x[2], attnMask: torch.tensor([true, false, true, true, false]).to(device))
    },
  ]

  /// `Recurrence.run` over flat weights, its output and final states concatenated.
  private static func recurrence(_ kind: RecurrentKind, _ input: Tensor, state: [Tensor], flat: [Tensor], layers: Int = 1,
                                 hasBiases: Bool = true, hasProjection: Bool = false, bidirectional: Bool = false) -> Tensor {
    let weights = RecurrentWeights.grouped(flat, hasBiases: hasBiases, hasProjection: hasProjection)
    let (output, finals) = Recurrence.run(kind, input, state: state, weights: weights, layers: layers, bidirectional: bidirectional,
                                          dropout: 0, training: false)
    return torch.cat(([output] + finals).map { $0.flatten() })
  }

  static let convolution: [OpInfo] = [
    OpInfo("conv2d", [.x(2, 3, 6, 5), .x(4, 3, 3, 2), .x(4)], "F.conv2d(x[0], x[1], x[2])") { x, _ in F.conv2d(x[0], x[1], x[2]) },
    OpInfo("conv2d_stride_padding_dilation", [.x(1, 2, 7, 7), .x(3, 2, 3, 3)], "F.conv2d(x[0], x[1], stride=2, padding=(1, 2), dilation=2)") { x, _ in
      F.conv2d(x[0], x[1], stride: 2, padding: [1, 2], dilation: 2)
    },
    OpInfo("conv2d_groups", [.x(2, 4, 5, 5), .x(6, 2, 3, 3), .x(6)], "F.conv2d(x[0], x[1], x[2], groups=2)") { x, _ in
      F.conv2d(x[0], x[1], x[2], groups: 2)
    },
    OpInfo("conv2d_depthwise", [.x(1, 3, 5, 5), .x(3, 1, 3, 3)], "F.conv2d(x[0], x[1], padding=1, groups=3)") { x, _ in
      F.conv2d(x[0], x[1], padding: 1, groups: 3)
    },
    OpInfo("conv2d_same_even_kernel", [.x(1, 2, 5, 6), .x(2, 2, 2, 4)], "F.conv2d(x[0], x[1], padding='same')") { x, _ in
      F.conv2d(x[0], x[1], padding: "same")
    },
    OpInfo("conv2d_7x7_batch1", [.x(1, 2, 9, 8), .x(2, 2, 7, 7), .x(2)], "F.conv2d(x[0], x[1], x[2], padding=3)") { x, _ in
      F.conv2d(x[0], x[1], x[2], padding: 3)
    },
    OpInfo("conv2d_stride_over_kernel", [.x(1, 1, 7, 7), .x(2, 1, 1, 1)], "F.conv2d(x[0], x[1], stride=3)") { x, _ in F.conv2d(x[0], x[1], stride: 3) },
    OpInfo("conv2d_unbatched_noncontiguous", [.x(5, 4, 3), .x(2, 3, 3, 3)], "F.conv2d(x[0].permute(2, 0, 1), x[1])") { x, _ in
      F.conv2d(x[0].permute(2, 0, 1), x[1])
    },
    OpInfo("conv1d", [.x(2, 3, 9), .x(4, 3, 3), .x(4)], "F.conv1d(x[0], x[1], x[2], stride=2, padding=1)") { x, _ in
      F.conv1d(x[0], x[1], x[2], stride: 2, padding: 1)
    },
    OpInfo("unfold", [.x(2, 2, 4, 5)], "F.unfold(x[0], (2, 3), dilation=1, padding=1, stride=(2, 1))") { x, _ in
      F.unfold(x[0], kernelSize: [2, 3], padding: 1, stride: [2, 1])
    },
    OpInfo("fold", [.x(2, 8, 6)], "F.fold(x[0], (3, 4), 2, stride=1)") { x, _ in F.fold(x[0], outputSize: [3, 4], kernelSize: 2) },
    OpInfo("pad_constant", [.x(2, 3, 4)], "F.pad(x[0], (1, 2, -1, 1), value=0.5)") { x, _ in F.pad(x[0], [1, 2, -1, 1], value: 0.5) },
    OpInfo("pad_reflect", [.x(1, 2, 3, 4)], "F.pad(x[0], (3, 1, 2, 0), mode='reflect')") { x, _ in F.pad(x[0], [3, 1, 2, 0], mode: .reflect) },
    OpInfo("pad_replicate", [.x(2, 3, 4)], "F.pad(x[0], (2, 3), mode='replicate')") { x, _ in F.pad(x[0], [2, 3], mode: .replicate) },
    OpInfo("pad_circular", [.x(1, 1, 3, 4)], "F.pad(x[0], (1, 2, 3, 1), mode='circular')") { x, _ in F.pad(x[0], [1, 2, 3, 1], mode: .circular) },
    OpInfo("conv_transpose2d", [.x(2, 4, 3, 4), .x(4, 3, 3, 2), .x(6)], "F.conv_transpose2d(x[0], x[1], x[2], stride=2, padding=1, output_padding=1, groups=2, dilation=(1, 2))") { x, _ in
      F.convTranspose2d(x[0], x[1], x[2], stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: [1, 2])
    },
    OpInfo("max_pool2d", [.x(2, 2, 5, 6)], "F.max_pool2d(x[0], 2)") { x, _ in F.maxPool2d(x[0], kernelSize: 2) },
    OpInfo("max_pool2d_padding_ceil", [.x(1, 2, 6, 7)], "F.max_pool2d(x[0], 3, stride=2, padding=1, ceil_mode=True)") { x, _ in
      F.maxPool2d(x[0], kernelSize: 3, stride: 2, padding: 1, ceilMode: true)
    },
    OpInfo("max_pool2d_dilation_stride_over_kernel", [.x(2, 7, 8)], "F.max_pool2d(x[0], (2, 3), stride=3, dilation=(2, 1))") { x, _ in
      F.maxPool2d(x[0], kernelSize: [2, 3], stride: 3, dilation: [2, 1])
    },
    OpInfo("max_pool1d", [.x(2, 3, 9)], "F.max_pool1d(x[0], 3, stride=2, padding=1)") { x, _ in F.maxPool1d(x[0], kernelSize: 3, stride: 2, padding: 1) },
    OpInfo("avg_pool2d", [.x(2, 2, 6, 5)], "F.avg_pool2d(x[0], 2)") { x, _ in F.avgPool2d(x[0], kernelSize: 2) },
    OpInfo("avg_pool2d_padding_ceil_exclude", [.x(1, 2, 7, 6)], "F.avg_pool2d(x[0], 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)") { x, _ in
      F.avgPool2d(x[0], kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false)
    },
    OpInfo("avg_pool2d_include_pad_divisor", [.x(1, 1, 6, 6)], "F.avg_pool2d(x[0], 3, stride=2, padding=1, ceil_mode=True) + F.avg_pool2d(x[0], 3, stride=1, divisor_override=2)") { x, _ in
      F.avgPool2d(x[0], kernelSize: 3, stride: 2, padding: 1, ceilMode: true) + F.avgPool2d(x[0], kernelSize: 3, stride: 1, divisorOverride: 2)
    },
    OpInfo("adaptive_avg_pool2d", [.x(2, 3, 7, 5)], "F.adaptive_avg_pool2d(x[0], (3, 2))") { x, _ in F.adaptiveAvgPool2d(x[0], [3, 2]) },
    OpInfo("adaptive_avg_pool2d_divisible", [.x(1, 2, 4, 6)], "F.adaptive_avg_pool2d(x[0], 2)") { x, _ in F.adaptiveAvgPool2d(x[0], 2) },
    OpInfo("adaptive_max_pool2d", [.x(2, 3, 7, 5)], "F.adaptive_max_pool2d(x[0], (3, 2))") { x, _ in F.adaptiveMaxPool2d(x[0], [3, 2]) },
  ]

  static let normalization: [OpInfo] = [
    OpInfo("batch_norm_training", [.x(4, 3, 2, 2), .x(3), .x(3)], "F.batch_norm(x[0], None, None, x[1], x[2], training=True)") { x, _ in
      F.batchNorm(x[0], runningMean: nil, runningVar: nil, weight: x[1], bias: x[2], training: true)
    },
    OpInfo("batch_norm_1d_no_affine", [.x(5, 3)], "F.batch_norm(x[0], None, None, training=True, eps=1e-3)") { x, _ in
      F.batchNorm(x[0], runningMean: nil, runningVar: nil, training: true, eps: 1e-3)
    },
    OpInfo("batch_norm_eval", [.x(2, 3, 2, 2), .x(3)],
           "F.batch_norm(x[0], torch.tensor([0.1, -0.2, 0.3], dtype=torch.float64), torch.tensor([0.5, 1.5, 2.0], dtype=torch.float64), x[1], None, training=False)") { x, device in
      F.batchNorm(x[0], runningMean: torch.tensor([0.1, -0.2, 0.3], dtype: x[0].dtype).to(device), runningVar: torch.tensor([0.5, 1.5, 2.0], dtype: x[0].dtype).to(device),
                  weight: x[1], training: false)
    },
    OpInfo("batch_norm_eval_affine", [.x(3, 2, 5), .x(2), .x(2)],
           "F.batch_norm(x[0], torch.tensor([0.4, -0.3], dtype=torch.float64), torch.tensor([0.8, 2.5], dtype=torch.float64), x[1], x[2], training=False, eps=1e-3)") { x, device in
      F.batchNorm(x[0], runningMean: torch.tensor([0.4, -0.3], dtype: x[0].dtype).to(device), runningVar: torch.tensor([0.8, 2.5], dtype: x[0].dtype).to(device),
                  weight: x[1], bias: x[2], training: false, eps: 1e-3)
    },
    OpInfo("layer_norm", [.x(2, 3, 4), .x(3, 4), .x(3, 4)], "F.layer_norm(x[0], (3, 4), x[1], x[2])") { x, _ in
      F.layerNorm(x[0], [3, 4], weight: x[1], bias: x[2])
    },
    OpInfo("group_norm", [.x(2, 4, 3), .x(4), .x(4)], "F.group_norm(x[0], 2, x[1], x[2])") { x, _ in
      F.groupNorm(x[0], numGroups: 2, weight: x[1], bias: x[2])
    },
    OpInfo("interpolate_nearest", [.x(1, 2, 3, 4)], "F.interpolate(x[0], size=(5, 7))") { x, _ in F.interpolate(x[0], size: [5, 7]) },
    OpInfo("interpolate_nearest_scale", [.x(1, 1, 3, 2)], "F.interpolate(x[0], scale_factor=2)") { x, _ in F.interpolate(x[0], scaleFactor: 2) },
    OpInfo("interpolate_bilinear", [.x(1, 2, 3, 4)], "F.interpolate(x[0], size=(5, 3), mode='bilinear')") { x, _ in
      F.interpolate(x[0], size: [5, 3], mode: .bilinear)
    },
    OpInfo("interpolate_bilinear_align_corners", [.x(1, 1, 3, 4)], "F.interpolate(x[0], scale_factor=1.5, mode='bilinear', align_corners=True)") { x, _ in
      F.interpolate(x[0], scaleFactor: 1.5, mode: .bilinear, alignCorners: true)
    },
  ]
}
