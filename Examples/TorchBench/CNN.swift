// torch-bench --cnn: the FashionMNIST CNN's training speed and the convolution layers' GFLOP/s
// against our own sgemm, with PyTorch's CPU figures for the same model in the same run
// (TORCH_BENCH_PYTHON, default python3, when it has torch).
import CTorchKernels
import Foundation
@_spi(Benchmarks) import Torch

/// The `fashion-mnist --model cnn` network (Examples/FashionMNIST), rebuilt here so the
/// benchmark stands alone.
func fashionCNN() -> nn.Sequential {
  nn.Sequential(
    nn.Conv2d(1, 32, 3, padding: 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding: 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(p: 0.25), nn.Linear(128, 10))
}

func cnnTrainingStepsPerSecond() -> Double {
  torch.manualSeed(0)
  let model = fashionCNN()
  return stepsPerSecond(model, optim.Adam(model.parameters(), lr: 1e-3), batches: 8, steps: 30)
}

/// Forward, backward (input and weight gradient), weight-gradient-only (all a network's first
/// layer computes) and input-gradient-only GFLOP/s of one convolution shape, and each as a
/// fraction of our 512³ sgemm. They are timed in turn, round after round, and each keeps its
/// fastest round: on a shared machine the slowest rounds measure the neighbours, and
/// interleaving puts every figure through the same moments. The forward is also timed call
/// after call (`_forward_repeated_over_sgemm`, median of 15), its output warm. Beside them, the
/// forward's memory bounds: its FLOPs over the time the threads take only to write its output,
/// with plain stores and with non-temporal ones (the direct kernel writes a large output with
/// both, two channel slivers in three streamed, so it can beat either bound alone).
func convolutionFigures(name: String, batch: Int, inChannels: Int, outChannels: Int, size: Int) {
  let x = torch.rand([batch, inChannels, size, size], requiresGrad: true)
  let w = torch.rand([outChannels, inChannels, 3, 3], requiresGrad: true)
  let (a, b) = (torch.rand(512, 512), torch.rand(512, 512))
  let flops = 2.0 * Double(batch * outChannels * size * size * inChannels * 9)
  let y = F.conv2d(x, w, padding: 1)
  let g = torch.randLike(y)
  // A first layer's input is data, without gradient: its backward is the weight gradient alone.
  let yFromData = F.conv2d(x.detach(), w, padding: 1)
  let output = OutputWrite(floats: y.numel())
  defer { output.deallocate() }
  // sgemm, forward, backward, weight gradient, write, input gradient, streamed write
  var best = [Double](repeating: .infinity, count: 7)
  let jobsBefore = torch.threadPoolJobCounts()
  for round in 0..<15 {
    let times = [seconds { _ = a.mm(b) },
                 seconds { torch.noGrad { _ = F.conv2d(x, w, padding: 1) } },
                 seconds { _ = torch.autograd.grad([y], [x, w], gradOutputs: [g], retainGraph: true) },
                 seconds { _ = torch.autograd.grad([yFromData], [w], gradOutputs: [g], retainGraph: true) },
                 seconds { output.run() },
                 seconds { _ = torch.autograd.grad([y], [x], gradOutputs: [g], retainGraph: true) },
                 seconds { output.run(streaming: true) }]
    if round >= 2 { best = zip(best, times).map { min($0, $1) } }
  }
  // The forward again, call after call: its output's lines then stay in L3 (the rounds above
  // leave them cold), so the two figures bracket what memory bandwidth costs it.
  let repeated = median(repeats: 15, warmup: 3) { torch.noGrad { _ = F.conv2d(x, w, padding: 1) } }
  let sgemm = 2.0 * 512 * 512 * 512 / best[0] / 1e9
  let (forward, backward, weightGradient) = (flops / best[1] / 1e9, 2 * flops / best[2] / 1e9, flops / best[3] / 1e9)
  report("\(name)_forward", forward, "GFLOP/s")
  report("\(name)_backward", backward, "GFLOP/s")
  report("\(name)_weight_gradient", weightGradient, "GFLOP/s")
  report("\(name)_input_gradient", flops / best[5] / 1e9, "GFLOP/s")
  report("\(name)_forward_over_sgemm", forward / sgemm, "x")
  report("\(name)_forward_repeated_over_sgemm", flops / repeated / 1e9 / sgemm, "x")
  report("\(name)_backward_over_sgemm", backward / sgemm, "x")
  report("\(name)_weight_gradient_over_sgemm", weightGradient / sgemm, "x")
  report("\(name)_forward_output_bound", flops / best[4] / 1e9, "GFLOP/s")
  report("\(name)_forward_streamed_output_bound", flops / best[6] / 1e9, "GFLOP/s")
  report("\(name)_inline_jobs", inlinePercent(threadPoolJobs(since: jobsBefore)), "%")
}

/// Writes a buffer of an output's size from every thread of the pool's count, as a
/// convolution's forward writes its output.
struct OutputWrite {
  let buffer: UnsafeMutablePointer<Float>
  let floats: Int

  init(floats: Int) {
    self.floats = floats
    buffer = .allocate(capacity: floats)
    buffer.initialize(repeating: 0, count: floats)
  }

  /// With `streaming`, through non-temporal stores (`ctk_stream_fill_f32`), else plain ones.
  func run(streaming: Bool = false) {
    let (floats, threads) = (self.floats, torch.getNumThreads())
    let chunk = (floats + threads - 1) / threads
    nonisolated(unsafe) let target = buffer
    DispatchQueue.concurrentPerform(iterations: threads) { t in
      let start = t * chunk, count = Swift.min(chunk, floats - start)
      guard count > 0 else { return }
      if streaming { ctk_stream_fill_f32(target + start, Int64(count), 1) } else { (target + start).update(repeating: 1, count: count) }
    }
  }

  func deallocate() { buffer.deallocate() }
}

/// The start of a side-by-side PyTorch script: imports, PyTorch on our thread count, and
/// `median(f, reps, warm)`, the median seconds of `reps` calls after `warm` untimed ones.
func pytorchTimingPrelude() -> String {
  """
  import time, torch, torch.nn as nn, torch.nn.functional as F
  torch.set_num_threads(\(torch.getNumThreads()))
  def median(f, reps=5, warm=1):
      for _ in range(warm): f()
      ts = []
      for _ in range(reps):
          t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
      return sorted(ts)[len(ts) // 2]

  """
}

/// PyTorch's figures for the same model and shapes, or nil without a Python that has torch.
func pytorchCNNFigures() -> [String: Double]? {
  let script = pytorchTimingPrelude() + """
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    batches = [(torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))) for _ in range(8)]
    def steps():
        for i in range(30):
            x, y = batches[i % 8]
            loss = loss_fn(model(x), y); loss.backward(); opt.step(); opt.zero_grad()
    print("cnn_train_steps", 30 / median(steps))
    for name, b, cin, cout, s in [("conv1_64x1x28", 64, 1, 32, 28), ("conv2_64x32x14", 64, 32, 64, 14)]:
        x = torch.rand(b, cin, s, s, requires_grad=True); w = torch.rand(cout, cin, 3, 3, requires_grad=True)
        flops = 2.0 * b * cout * s * s * cin * 9
        def fwd():
            with torch.no_grad(): F.conv2d(x, w, padding=1)
        print(name + "_forward", flops / median(fwd, 9, 2) / 1e9)
        y = F.conv2d(x, w, padding=1); g = torch.rand_like(y)
        print(name + "_backward", 2 * flops / median(lambda: torch.autograd.grad([y], [x, w], [g], retain_graph=True), 9, 2) / 1e9)
        y_data = F.conv2d(x.detach(), w, padding=1)
        print(name + "_weight_gradient", flops / median(lambda: torch.autograd.grad([y_data], [w], [g], retain_graph=True), 9, 2) / 1e9)
    """
  return pythonFigures(script, python: ProcessInfo.processInfo.environment["TORCH_BENCH_PYTHON"] ?? "python3")
}

func cnnBenchmark() {
  print("threads \(torch.getNumThreads()) count")
  let pytorch = pytorchCNNFigures()
  if pytorch == nil { print("# pytorch missing: set TORCH_BENCH_PYTHON to a python3 with torch for side-by-side figures") }
  func compare(_ name: String, _ ours: Double, _ unit: String) {
    report(name, ours, unit)
    if let theirs = pytorch?[name] {
      report(name + "_pytorch", theirs, unit)
      report(name + "_ratio", ours / theirs, "x")
    }
  }
  let sgemm = ourGemm(GemmCase(name: "sgemm_512", m: 512, k: 512, n: 512, transA: false, transB: false))
  report("sgemm_512", sgemm, "GFLOP/s")
  for (name, batch, cin, cout, size) in [("conv1_64x1x28", 64, 1, 32, 28), ("conv2_64x32x14", 64, 32, 64, 14)] {
    convolutionFigures(name: name, batch: batch, inChannels: cin, outChannels: cout, size: size)
    for figure in ["forward", "backward", "weight_gradient"] {
      if let theirs = pytorch?["\(name)_\(figure)"] { report("\(name)_\(figure)_pytorch", theirs, "GFLOP/s") }
    }
  }
  compare("cnn_train_steps", cnnTrainingStepsPerSecond(), "steps/s")
}
