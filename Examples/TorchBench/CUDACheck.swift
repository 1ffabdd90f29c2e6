import Foundation
import Torch

/// `torch-bench --cuda-check`: every op forward and backward on CUDA against the CPU on random
/// inputs (`DeviceParity`: relative error under 1e-4 in float32, 1e-10 in float64), then
/// training-step timings and peak device memory.
func cudaCheck() -> Int32 {
  guard cudaIsAvailable("cuda_check") else { return 1 }
  print("cuda_device \(torch.cuda.getDeviceName() ?? "?")")
  var failures = 0
  for dtype in [DType.float32, .float64] {
    for outcome in DeviceParity.run(on: .cuda(0), dtype: dtype) {
      if !outcome.passed { failures += 1 }
      print("cuda_check \(outcome.name) \(dtype) \(String(format: "%.2e", outcome.error)) \(outcome.passed ? "ok" : "FAIL")")
    }
  }
  print("cuda_check_summary \(failures == 0 ? "all passed" : "\(failures) failed")")
  for batch in [64, 4096] { cudaTrainingStep(batch: batch) }
  return failures == 0 ? 0 : 1
}

/// `torch-bench --cuda-sweep PATH`: the convolution family's CUDA kernels over the random
/// configurations of a sweep file (Tests/TorchTests/Fixtures/convolution_sweep.json), against
/// PyTorch's CPU values (`ConvolutionSweep`).
func cudaSweep(_ path: String) -> Int32 {
  guard cudaIsAvailable("cuda_sweep") else { return 1 }
  let cases: [ConvolutionSweep.Case]
  do { cases = try ConvolutionSweep.load(path).cases } catch {
    print("cuda_sweep error \(error)")
    return 1
  }
  var failures = 0
  for (number, sweepCase) in cases.enumerated() {
    guard let failure = ConvolutionSweep.check(sweepCase, on: .cuda(0)) else { continue }
    failures += 1
    print("cuda_sweep case \(number) \(sweepCase.description): \(failure) FAIL")
  }
  print("cuda_sweep_summary \(cases.count) cases, \(failures == 0 ? "all passed" : "\(failures) failed")")
  return failures == 0 ? 0 : 1
}

/// `torch-bench --cuda-steps`: only the training-step timings. With a stand-in driver whose
/// launches return at once (TORCH_CUDA_DRIVER), this measures the host-side cost of a step.
func cudaSteps() -> Int32 {
  guard cudaIsAvailable("cuda_steps") else { return 1 }
  for batch in [64, 4096] { cudaTrainingStep(batch: batch) }
  return 0
}

/// Says why CUDA is unavailable, as `<label> unavailable: <reason>`, when it is.
func cudaIsAvailable(_ label: String) -> Bool {
  if torch.cuda.isAvailable() { return true }
  print("\(label) unavailable: \(torch.cuda.unavailableReason ?? "unknown")")
  return false
}

/// Steps per second of the seed model on CUDA and its peak device memory.
func cudaTrainingStep(batch: Int) {
  torch.manualSeed(0)
  torch.cuda.resetPeakMemoryStats()
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
