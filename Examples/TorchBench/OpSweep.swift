// torch-bench --op-sweep: each op's forward, and forward plus backward, on one hidden layer's
// [64, 512] float32 activations, beside PyTorch's for the same expression in the same run
// (TORCH_BENCH_PYTHON, default python3, when it has torch); an op far slower per element than
// its neighbours is a path that lost its specialization or its vector kernel (GELU's backward
// took 3.5 ms so).
import Foundation
import Torch

/// One op of the sweep: our expression of `x` and PyTorch's, in which `x`, `y` ([64, 512]),
/// `idx` ([32] rows) and `target` ([64] classes) are the same kinds of tensors.
private struct SweptOp {
  let name: String
  let python: String
  let ours: (Tensor) -> Tensor
}

/// The sweep's input (`x`, which requires grad) and its ops.
private func sweptOps() -> (x: Tensor, ops: [SweptOp]) {
  let x = torch.randn([64, 512], requiresGrad: true), y = torch.randn([64, 512])
  let idx = torch.randint(0, 64, [32])
  let target = torch.randint(0, 512, [64])
  return (x, [
    SweptOp(name: "exp", python: "x.exp()") { $0.exp() },
    SweptOp(name: "log", python: "x.abs().log()") { $0.abs().log() },
    SweptOp(name: "sigmoid", python: "x.sigmoid()") { $0.sigmoid() },
    SweptOp(name: "tanh", python: "x.tanh()") { $0.tanh() },
    SweptOp(name: "gelu", python: "F.gelu(x)") { $0.gelu() },
    SweptOp(name: "silu", python: "F.silu(x)") { F.silu($0) },
    SweptOp(name: "softmax", python: "x.softmax(1)") { $0.softmax(dim: 1) },
    SweptOp(name: "logsoftmax", python: "x.log_softmax(1)") { $0.logSoftmax(dim: 1) },
    SweptOp(name: "sum1", python: "x.sum(1)") { $0.sum(dim: 1) },
    SweptOp(name: "mean0", python: "x.mean(0)") { $0.mean(dim: 0) },
    SweptOp(name: "amax1", python: "x.amax(1)") { $0.amax(dims: [1]) },
    SweptOp(name: "pow2", python: "x.pow(2)") { $0.pow(2) },
    SweptOp(name: "pow3", python: "x.pow(3)") { $0.pow(3) },
    SweptOp(name: "sqrtabs", python: "x.abs().sqrt()") { $0.abs().sqrt() },
    SweptOp(name: "clamp", python: "x.clamp(-0.5, 0.5)") { $0.clamp(min: -0.5, max: 0.5) },
    SweptOp(name: "where", python: "torch.where(x > 0, x, y)") { torch.where($0.gt(0.0), $0, y) },
    SweptOp(name: "mulscalar", python: "x * 2.5") { $0 * 2.5 },
    SweptOp(name: "div", python: "x / y") { $0 / y },
    SweptOp(name: "maskedfill", python: "x.masked_fill(y > 0, 0)") { $0.maskedFill(y.gt(0.0), 0) },
    SweptOp(name: "indexselect", python: "x.index_select(0, idx)") { $0.indexSelect(0, idx) },
    SweptOp(name: "cat", python: "torch.cat([x, y], 1)") { torch.cat([$0, y], dim: 1) },
    SweptOp(name: "layernorm", python: "F.layer_norm(x, [512])") { F.layerNorm($0, [512]) },
    SweptOp(name: "crossentropy", python: "F.cross_entropy(x, target)") { F.crossEntropy($0, target) },
    SweptOp(name: "mse", python: "F.mse_loss(x, y)") { F.mseLoss($0, y) },
    SweptOp(name: "transposecontig", python: "x.t().contiguous()") { $0.t().contiguous() },
    SweptOp(name: "erf", python: "torch.erf(x)") { torch.erf($0) },
    SweptOp(name: "log1p", python: "x.abs().log1p()") { $0.abs().log1p() },
    SweptOp(name: "rsqrt", python: "x.abs().rsqrt()") { $0.abs().rsqrt() },
    SweptOp(name: "var", python: "x.var(1)") { $0.var(dim: 1) },
    SweptOp(name: "norm", python: "x.norm(2, 1)") { $0.norm(2, dim: 1) },
    SweptOp(name: "cumsum", python: "x.cumsum(1)") { $0.cumsum(dim: 1) },
    SweptOp(name: "sort", python: "x.sort(1).values") { $0.sort(dim: 1).values },
    SweptOp(name: "leakyrelu", python: "F.leaky_relu(x)") { F.leakyRelu($0) },
    SweptOp(name: "elu", python: "F.elu(x)") { F.elu($0) },
    SweptOp(name: "softplus", python: "F.softplus(x)") { F.softplus($0) },
    SweptOp(name: "hardswish", python: "F.hardswish(x)") { F.hardswish($0) },
  ])
}

/// `torch-bench --profile-op NAME N`: N forward and backward calls of one of the sweep's ops
/// and nothing else (for perf).
func profileOp(_ name: String, _ calls: Int) {
  let (x, ops) = sweptOps()
  guard let op = ops.first(where: { $0.name == name }) else {
    print("no op \(name) in the sweep: \(ops.map(\.name).joined(separator: ", "))")
    exit(2)
  }
  let g = torch.onesLike(op.ours(x))
  for _ in 0..<calls { _ = torch.autograd.grad([op.ours(x)], [x], gradOutputs: [g]) }
}

func opSweep() {
  let (x, ops) = sweptOps()
  let iterations = 200
  let pytorch = pytorchOpSweep(ops, iterations: iterations)
  if pytorch == nil { print("# pytorch missing: set TORCH_BENCH_PYTHON to a python3 with torch for its columns") }
  // µs per call; PyTorch's columns "-" without it.
  print(row(["op", "fwd", "fwd+bwd", "torch fwd", "torch f+b"]))
  for op in ops {
    let out = op.ours(x)
    let g = torch.onesLike(out)
    let forward = median(repeats: 3, warmup: 1) { torch.noGrad { for _ in 0..<iterations { _ = op.ours(x) } } }
    let backward = median(repeats: 3, warmup: 1) {
      for _ in 0..<iterations { _ = torch.autograd.grad([op.ours(x)], [x], gradOutputs: [g]) }
    }
    let figures = [forward / Double(iterations) * 1e6, backward / Double(iterations) * 1e6, pytorch?["\(op.name)_fwd"], pytorch?["\(op.name)_bwd"]]
    print(row([op.name] + figures.map { $0.map { String(format: "%.1f", $0) } ?? "-" }))
  }
}

/// The sweep's table row: the name left-aligned, the figures right-aligned in columns.
private func row(_ cells: [String]) -> String {
  func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
  return cells[0].padding(toLength: 16, withPad: " ", startingAt: 0) + cells.dropFirst().map { pad($0, 10) }.joined(separator: " ")
}

/// PyTorch's µs per call for each op, forward (`name_fwd`) and forward plus backward
/// (`name_bwd`), timed as ours are (median of three runs of `iterations` calls after one), or
/// nil without a Python that has torch.
private func pytorchOpSweep(_ ops: [SweptOp], iterations: Int) -> [String: Double]? {
  let table = ops.map { "    (\"\($0.name)\", lambda x: \($0.python))," }.joined(separator: "\n")
  let script = pytorchTimingPrelude() + """
    x = torch.randn(64, 512, requires_grad=True); y = torch.randn(64, 512)
    idx = torch.randint(0, 64, (32,)); target = torch.randint(0, 512, (64,))
    ops = [
    \(table)
    ]
    n = \(iterations)
    for name, op in ops:
        g = torch.ones_like(op(x))
        def forward():
            with torch.no_grad():
                for _ in range(n): op(x)
        def backward():
            for _ in range(n): torch.autograd.grad([op(x)], [x], [g])
        print(name + "_fwd", median(forward, 3, 1) / n * 1e6)
        print(name + "_bwd", median(backward, 3, 1) / n * 1e6)
    """
  return pythonFigures(script, python: ProcessInfo.processInfo.environment["TORCH_BENCH_PYTHON"] ?? "python3")
}
