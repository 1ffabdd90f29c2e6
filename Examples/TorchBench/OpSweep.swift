// torch-bench --op-sweep: each op's forward, and forward plus backward, on one hidden layer's
// [64, 512] float32 activations; an op far slower per element than its neighbours is a path
// that lost its specialization or its vector kernel (GELU's backward took 3.5 ms so).
import Foundation
import Torch

func opSweep() {
  let x = torch.randn([64, 512], requiresGrad: true), y = torch.randn([64, 512])
  let idx = torch.randint(0, 64, [32])
  let target = torch.randint(0, 512, [64])
  let ops: [(String, (Tensor) -> Tensor)] = [
    ("exp", { $0.exp() }), ("log", { $0.abs().log() }), ("sigmoid", { $0.sigmoid() }), ("tanh", { $0.tanh() }),
    ("gelu", { $0.gelu() }), ("silu", { F.silu($0) }), ("softmax", { $0.softmax(dim: 1) }), ("logsoftmax", { $0.logSoftmax(dim: 1) }),
    ("sum1", { $0.sum(dim: 1) }), ("mean0", { $0.mean(dim: 0) }), ("amax1", { $0.amax(dims: [1]) }), ("pow2", { $0.pow(2) }),
    ("pow3", { $0.pow(3) }), ("sqrtabs", { $0.abs().sqrt() }), ("clamp", { $0.clamp(min: -0.5, max: 0.5) }),
    ("where", { torch.where($0.gt(0.0), $0, y) }), ("mulscalar", { $0 * 2.5 }), ("div", { $0 / y }),
    ("maskedfill", { $0.maskedFill(y.gt(0.0), 0) }), ("indexselect", { $0.indexSelect(0, idx) }), ("cat", { torch.cat([$0, y], dim: 1) }),
    ("layernorm", { F.layerNorm($0, [512]) }), ("crossentropy", { F.crossEntropy($0, target) }), ("mse", { F.mseLoss($0, y) }),
    ("transposecontig", { $0.t().contiguous() }), ("erf", { torch.erf($0) }), ("log1p", { $0.abs().log1p() }), ("rsqrt", { $0.abs().rsqrt() }),
    ("var", { $0.var(dim: 1) }), ("norm", { $0.norm(2, dim: 1) }), ("cumsum", { $0.cumsum(dim: 1) }), ("sort", { $0.sort(dim: 1).values }),
    ("leakyrelu", { F.leakyRelu($0) }), ("elu", { F.elu($0) }), ("softplus", { F.softplus($0) }), ("hardswish", { F.hardswish($0) }),
  ]
  for (name, op) in ops {
    let out = op(x)
    let g = torch.onesLike(out)
    let iterations = 200
    let forward = median(repeats: 3, warmup: 1) { torch.noGrad { for _ in 0..<iterations { _ = op(x) } } }
    let backward = median(repeats: 3, warmup: 1) { for _ in 0..<iterations { _ = torch.autograd.grad([op(x)], [x], gradOutputs: [g]) } }
    print(String(format: "%-16@ fwd %8.1f us  fwd+bwd %8.1f us", name as NSString, forward / Double(iterations) * 1e6, backward / Double(iterations) * 1e6))
  }
}
