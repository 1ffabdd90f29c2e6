import Foundation
import Torch

/// `torch-bench --cuda-check`: every op forward and backward on CUDA against the CPU on random
/// inputs (relative error under 1e-4), then training-step timings and peak device memory.
func cudaCheck() -> Int32 {
  guard torch.cuda.isAvailable() else {
    print("cuda_check unavailable: \(torch.cuda.unavailableReason ?? "unknown")")
    return 1
  }
  print("cuda_device \(torch.cuda.getDeviceName() ?? "?")")
  let index = torch.tensor([2, 0, 1])
  let cases: [(String, [[Int]], ([Tensor], Device) -> Tensor)] = [
    ("add_broadcast", [[4, 5], [5]], { inputs, device in inputs[0] + inputs[1] }),
    ("sub_mul_div", [[4, 5], [4, 5]], { inputs, device in (inputs[0] - inputs[1]) * inputs[0] / (inputs[1].abs() + 1.0) }),
    ("exp_log_sqrt", [[3, 7]], { inputs, device in (inputs[0].exp() + 1.0).log() + (inputs[0].abs() + 0.1).sqrt() }),
    ("tanh_sigmoid_relu", [[3, 7]], { inputs, device in inputs[0].tanh() + inputs[0].sigmoid() + inputs[0].relu() }),
    ("gelu_silu_elu_leaky", [[3, 7]], { inputs, device in inputs[0].gelu() + inputs[0].silu() + inputs[0].elu() + inputs[0].leakyRelu(0.2) }),
    ("clamp_pow_maximum", [[6], [6]], { inputs, device in inputs[0].clamp(min: -0.3, max: 0.4) + (inputs[0].abs() + 0.5).pow(1.5) + inputs[0].maximum(inputs[1]) }),
    ("where", [[4, 4], [4, 4]], { inputs, device in torch.where(inputs[0].gt(0.0), inputs[0], inputs[1] * 2.0) }),
    ("sum_mean_dims", [[3, 4, 5]], { inputs, device in inputs[0].sum(dims: [0, 2]) + inputs[0].mean(dim: 1).sum(dim: 1) }),
    ("max_min_dim", [[5, 6]], { inputs, device in inputs[0].max(dim: 1).values + inputs[0].min(dim: 1).values }),
    ("var_std_logsumexp", [[4, 9]], { inputs, device in inputs[0].var(dim: 1) + inputs[0].std(dim: 1) + inputs[0].logsumexp(dim: 1) }),
    ("softmax_logsoftmax", [[6, 10]], { inputs, device in inputs[0].softmax(dim: 1) * 3.0 + inputs[0].logSoftmax(dim: 0) }),
    ("views_slices", [[4, 6]], { inputs, device in inputs[0].t().reshape([-1])[3...].view(3, 7) * 2.0 }),
    ("cat_stack_split", [[4, 6]], { inputs, device in torch.cat(inputs[0].split(2, dim: 1).reversed(), dim: 1) + torch.stack([inputs[0], inputs[0]]).sum(dim: 0) }),
    ("index_gather", [[3, 5]], { inputs, device in inputs[0].indexSelect(0, index.to(device)) + inputs[0].gather(1, torch.tensor([[4, 0, 1, 1, 2], [0, 0, 0, 0, 0], [3, 3, 2, 1, 0]]).to(device)) }),
    ("mm_addmm", [[5, 7], [7, 3], [3]], { inputs, device in torch.addmm(inputs[2], inputs[0], inputs[1], beta: 0.5, alpha: 2) + inputs[0].mm(inputs[1]) }),
    ("matmul_batched", [[2, 3, 4], [4, 5]], { inputs, device in inputs[0].matmul(inputs[1]) }),
    ("linear", [[8, 784], [512, 784], [512]], { inputs, device in F.linear(inputs[0], inputs[1], inputs[2]).relu() }),
    ("cross_entropy", [[8, 10]], { inputs, device in F.crossEntropy(inputs[0], torch.tensor([1, 0, 9, 3, 3, 2, 7, 5]).to(device)) }),
    ("mse_l1_bce", [[6], [6]], { inputs, device in F.mseLoss(inputs[0], inputs[1]) + F.l1Loss(inputs[0], inputs[1]) + F.binaryCrossEntropyWithLogits(inputs[0], inputs[1].sigmoid().detach()) }),
  ]
  var failures = 0
  for (name, shapes, f) in cases {
    torch.manualSeed(1)
    let cpuInputs = shapes.map { torch.randn($0).requiresGrad_() }
    let gpuInputs = cpuInputs.map { $0.detach().to(.cuda(0)).requiresGrad_() }
    let expected = f(cpuInputs, .cpu)
    let actual = f(gpuInputs, .cuda(0))
    let weights = torch.rand(expected.shape.dims)
    (expected * weights).sum().backward()
    (actual * weights.to(.cuda(0))).sum().backward()
    var worst = relativeError(actual.cpu(), expected)
    for (g, c) in zip(gpuInputs, cpuInputs) {
      worst = max(worst, relativeError(g.grad!.cpu(), c.grad!))
    }
    let ok = worst < 1e-4
    if !ok { failures += 1 }
    print("cuda_check \(name) \(String(format: "%.2e", worst)) \(ok ? "ok" : "FAIL")")
  }
  print("cuda_check_summary \(cases.count - failures) passed, \(failures) failed")
  for batch in [64, 4096] { cudaTrainingStep(batch: batch) }
  return failures == 0 ? 0 : 1
}

func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
  let x = a.toArray(Double.self), y = b.toArray(Double.self)
  let scale = max(1e-6, y.map { abs($0) }.max() ?? 0)
  return zip(x, y).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}

/// Steps per second of the seed model on CUDA and its peak device memory.
func cudaTrainingStep(batch: Int) {
  torch.manualSeed(0)
  let model = NeuralNetwork().to(.cuda(0))
  let optimizer = optim.SGD(model.parameters(), lr: 1e-3)
  let x = torch.rand(batch, 1, 28, 28).to(.cuda(0)), y = torch.randint(0, 10, [batch]).to(.cuda(0))
  func step() {
    let loss = F.crossEntropy(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zeroGrad()
  }
  for _ in 0..<5 { step() }
  torch.cuda.synchronize()
  let steps = 200
  let start = Date()
  for _ in 0..<steps { step() }
  torch.cuda.synchronize()
  let seconds = Date().timeIntervalSince(start)
  print("cuda_train_steps_batch\(batch) \(String(format: "%.1f", Double(steps) / seconds)) steps/s")
  print("cuda_peak_memory_batch\(batch) \(torch.cuda.maxMemoryAllocated()) bytes")
}
