// torch-bench: speed figures for the CPU backend, one per line as `name value unit`,
// each the median of several timed repetitions after warm-up. NumPy's matmul runs in the
// same process tree for comparison (`python3` with NumPy; reported as missing otherwise).
import CTorchKernels
import Foundation
import Torch

func seconds(_ body: () -> Void) -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  body()
  return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Median time of `repeats` runs of `body` after `warmup` untimed runs.
func median(repeats: Int = 7, warmup: Int = 2, _ body: () -> Void) -> Double {
  for _ in 0..<warmup { body() }
  let times = (0..<repeats).map { _ in seconds(body) }.sorted()
  return times[times.count / 2]
}

func report(_ name: String, _ value: Double, _ unit: String) {
  print("\(name) \(String(format: value >= 100 ? "%.1f" : "%.3f", value)) \(unit)")
}

/// A matmul case: C[m,n] = A[m,k] B[k,n], with A or B read transposed where a layer's
/// backward pass reads them so.
struct GemmCase {
  let name: String, m: Int, k: Int, n: Int, transA: Bool, transB: Bool
  var flops: Double { 2 * Double(m * k * n) }
}

let gemmCases: [GemmCase] = [256, 512, 1024, 2048].map { GemmCase(name: "sgemm_\($0)", m: $0, k: $0, n: $0, transA: false, transB: false) } + [
  GemmCase(name: "sgemm_fwd_64x784x512", m: 64, k: 784, n: 512, transA: false, transB: true),
  GemmCase(name: "sgemm_fwd_64x512x512", m: 64, k: 512, n: 512, transA: false, transB: true),
  GemmCase(name: "sgemm_fwd_64x512x10", m: 64, k: 512, n: 10, transA: false, transB: true),
  GemmCase(name: "sgemm_bwd_input_64x512x784", m: 64, k: 512, n: 784, transA: false, transB: false),
  GemmCase(name: "sgemm_bwd_weight_512x64x784", m: 512, k: 64, n: 784, transA: true, transB: false),
  GemmCase(name: "sgemm_bwd_weight_512x64x512", m: 512, k: 64, n: 512, transA: true, transB: false),
]

func ourGemm(_ c: GemmCase) -> Double {
  let a = c.transA ? torch.rand(c.k, c.m).t() : torch.rand(c.m, c.k)
  let b = c.transB ? torch.rand(c.n, c.k).t() : torch.rand(c.k, c.n)
  let repeats = c.flops > 1e9 ? 5 : 25
  let time = median(repeats: repeats) { _ = a.mm(b) }
  return c.flops / time / 1e9
}

/// NumPy's float32 matmul GFLOP/s for the same cases, or nil when NumPy is missing.
func numpyGemm(_ cases: [GemmCase]) -> [String: Double]? {
  let spec = cases.map { "(\"\($0.name)\", \($0.m), \($0.k), \($0.n), \($0.transA ? "True" : "False"), \($0.transB ? "True" : "False"))" }
    .joined(separator: ", ")
  let script = """
    import time, numpy as np
    for name, m, k, n, ta, tb in [\(spec)]:
        a = np.random.rand(k, m).astype(np.float32).T if ta else np.random.rand(m, k).astype(np.float32)
        b = np.random.rand(n, k).astype(np.float32).T if tb else np.random.rand(k, n).astype(np.float32)
        reps = 5 if 2*m*k*n > 1e9 else 25
        for _ in range(2): a @ b
        ts = []
        for _ in range(reps):
            t = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t)
        ts.sort()
        print(name, 2*m*k*n / ts[len(ts)//2] / 1e9)
    """
  var environment = ProcessInfo.processInfo.environment
  environment["OPENBLAS_CORETYPE"] = nil
  environment["OPENBLAS_L2_SIZE"] = nil
  environment["OPENBLAS_NUM_THREADS"] = String(torch.getNumThreads())
  return pythonFigures(script, environment: environment)
}

/// Runs a Python script that prints `name value` lines and returns the values by name, or nil
/// when the interpreter (`python`, default python3) is missing or the script fails.
func pythonFigures(_ script: String, python: String = "python3", environment: [String: String]? = nil) -> [String: Double]? {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = [python, "-c", script]
  if let environment { process.environment = environment }
  let pipe = Pipe()
  process.standardOutput = pipe
  process.standardError = FileHandle.nullDevice
  guard (try? process.run()) != nil else { return nil }
  let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  guard process.terminationStatus == 0 else { return nil }
  var result: [String: Double] = [:]
  for line in text.split(separator: "\n") {
    let parts = line.split(separator: " ")
    if parts.count == 2, let value = Double(parts[1]) { result[String(parts[0])] = value }
  }
  return result
}

final class NeuralNetwork: Module {
  let flatten = nn.Flatten()
  let linear_relu_stack = nn.Sequential(
    nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
  func forward(_ x: Tensor) -> Tensor { linear_relu_stack(flatten(x)) }
}

func trainingStepsPerSecond(adam: Bool) -> Double {
  torch.manualSeed(0)
  let model = NeuralNetwork()
  let optimizer: optim.Optimizer = adam ? optim.Adam(model.parameters(), lr: 1e-3) : optim.SGD(model.parameters(), lr: 1e-3)
  return stepsPerSecond(model, optimizer, batches: 16, steps: 200)
}

/// PyTorch's figures for the seed model's training steps (SGD and Adam, 16 random batches of
/// 64, median of 5 runs of 200 steps) and 10,000-image inference, or nil without torch.
func pytorchSeedFigures() -> [String: Double]? {
  let script = pytorchTimingPrelude() + """
    torch.manual_seed(0)
    def seed_model():
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    batches = [(torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))) for _ in range(16)]
    loss_fn = nn.CrossEntropyLoss()
    for name, make in [("sgd", torch.optim.SGD), ("adam", torch.optim.Adam)]:
        model = seed_model(); opt = make(model.parameters(), lr=1e-3)
        def steps():
            for i in range(200):
                x, y = batches[i % 16]
                loss = loss_fn(model(x), y); loss.backward(); opt.step(); opt.zero_grad()
        print("train_steps_" + name, 200 / median(steps))
    model = seed_model().eval(); images = torch.rand(10000, 1, 28, 28)
    def infer():
        with torch.no_grad():
            for batch in images.split(1000): model(batch).argmax(1)
    print("inference_10k_images", median(infer))
    """
  return pythonFigures(script, python: ProcessInfo.processInfo.environment["TORCH_BENCH_PYTHON"] ?? "python3")
}

/// Training steps per second (median of 5 runs of `steps`) over `batches` random batches of 64.
func stepsPerSecond(_ model: any Module, _ optimizer: optim.Optimizer, batches count: Int, steps: Int) -> Double {
  stepsPerSecond(model, optimizer, batches: (0..<count).map { _ in (torch.rand(64, 1, 28, 28), torch.randint(0, 10, [64])) },
                 steps: steps)
}

/// Training steps per second with cross entropy (median of 5 runs of `steps`, after one),
/// taking `batches` (input, class) in turn.
func stepsPerSecond(_ model: any Module, _ optimizer: optim.Optimizer, batches: [(Tensor, Tensor)], steps: Int) -> Double {
  let lossFn = nn.CrossEntropyLoss()
  var index = 0
  let time = median(repeats: 5, warmup: 1) {
    for _ in 0..<steps {
      let (x, y) = batches[index % batches.count]
      index += 1
      let loss = lossFn(model(x), y)
      loss.backward()
      optimizer.step()
      optimizer.zeroGrad()
    }
  }
  return Double(steps) / time
}

let usage = """
  usage: torch-bench [MODE]
  Prints speed figures for the CPU backend, one per line as `name value unit` (medians of
  several timed runs after warm-up), with NumPy's matmul as the yardstick where python3 has it.

  modes:
    (none)               GEMM GFLOP/s against NumPy, training steps/s, inference, op latency
    --cnn                the FashionMNIST CNN: training steps/s and convolution GFLOP/s, beside
                         PyTorch's (TORCH_BENCH_PYTHON names a python3 with torch; default python3)
    --conv CIN COUT SIZE one 3x3 convolution's figures as --cnn prints them (batch 64, padding 1)
    --rnn                LSTM and GRU sequence classifiers: training steps/s at 35 and 140 steps,
                         beside PyTorch's, and how a step's time grows with the length
    --resnet             torchvision's ResNet-18: SGD training steps/s (32x3x64x64) and eval
                         images/s (4x3x224x224), beside PyTorch's (needs torchvision there)
    --transformer        a 2-layer Transformer encoder classifier (d_model 128, 4 heads, [35, 32]):
                         training steps/s beside PyTorch's
    --distributed        under mpirun -np N: all-reduce GB/s beside Open MPI's MPI_Allreduce
                         (1 KB to 64 MB) and the seed model's DistributedDataParallel step
    --checkpoint MB      save and load a float32 state dict of MB megabytes (PyTorch's format and
                         safetensors) beside the disk's write/read speed and PyTorch's torch.save/load
    --contend            training steps/s with one core kept busy by another process, with the
                         default thread count and with one thread (and the same on a quiet machine)
    --interpolate        F.interpolate 2x (nearest, bilinear) and reflect padding, forward +
                         backward ms, beside PyTorch's
    --op-sweep           forward and forward+backward microseconds of 36 common ops on [64, 512]
                         float32 (to find an op far slower than its neighbours), beside PyTorch's
    --profile-op NAME N  N forward+backward calls of one --op-sweep op, for perf (N > 0)
    --gemm N             N x N x N sgemm in a loop, for perf/callgrind (N > 0)
    --profile-sgd STEPS  STEPS SGD training steps, for perf/callgrind (STEPS > 0)
    --profile-cnn STEPS  STEPS Adam training steps of the CNN, for perf (STEPS > 0)
    --profile-rnn STEPS  STEPS Adam training steps of the LSTM classifier (--rnn), for perf
    --profile-gru STEPS  the same with the GRU classifier
    --profile-transformer STEPS
                         STEPS Adam training steps of the --transformer classifier, for perf
    --profile-conv CIN COUT SIZE STEPS [KERNEL]
                         STEPS forward and weight-gradient passes of a KERNELxKERNEL
                         convolution (default 3, "same" padding; batch 64), for perf stat
                         (all > 0)
    --op-registry        the op registry as JSON (input of scripts/generate_op_goldens.py)
    --cuda-check         CUDA backend checks against the CPU (needs a GPU)
    --cuda-sweep PATH    the convolution family's CUDA kernels over a sweep file's random
                         configurations against PyTorch's values (needs a GPU; the file is
                         Tests/TorchTests/Fixtures/convolution_sweep.json)
    --cuda-steps         CUDA training steps/s (needs a GPU)
    --help               this text
  """

/// Stops with the usage text: a command line that cannot be run is exit status 2, as in argparse.
func usageError(_ message: String) -> Never {
  FileHandle.standardError.write(Data("torch-bench: \(message)\n\n\(usage)\n".utf8))
  exit(2)
}

/// The one positive integer after a mode flag.
func positiveValue(_ arguments: ArraySlice<String>, _ flag: String) -> Int {
  positiveValues(arguments, flag, count: 1)[0]
}

/// The `count` positive integers after `flag`, and nothing after them.
func positiveValues(_ arguments: ArraySlice<String>, _ flag: String, count: Int) -> [Int] {
  let texts = Array(arguments.dropFirst().prefix(count))
  guard texts.count == count else { usageError("\(flag) needs \(count == 1 ? "a value" : "\(count) values")") }
  let values = texts.map { text in
    guard let value = Int(text), value > 0 else { usageError("\(flag): '\(text)' is not a positive integer") }
    return value
  }
  guard arguments.count == count + 1 else { usageError("unexpected argument \(arguments.dropFirst(count + 1).first!)") }
  return values
}

let arguments = CommandLine.arguments.dropFirst()
if let mode = arguments.first {
  if ["--op-registry", "--cuda-check", "--cuda-steps", "--contend", "--cnn", "--rnn", "--resnet", "--transformer", "--op-sweep", "--distributed", "--help", "-h"].contains(mode), arguments.count > 1 {
    usageError("unexpected argument \(arguments.dropFirst().first!)")
  }
  switch mode {
  case "--help", "-h": print(usage); exit(0)
  case "--profile-sgd": profileSGD(positiveValue(arguments, mode)); exit(0)
  case "--profile-cnn": profileCNN(positiveValue(arguments, mode)); exit(0)
  case "--profile-rnn": profileRecurrent(positiveValue(arguments, mode), lstm: true); exit(0)
  case "--profile-transformer": profileTransformer(positiveValue(arguments, mode)); exit(0)
  case "--profile-gru": profileRecurrent(positiveValue(arguments, mode), lstm: false); exit(0)
  case "--profile-op":
    guard arguments.count == 3, let calls = Int(arguments.last!), calls > 0 else { usageError("--profile-op needs an op's name and a positive count") }
    profileOp(arguments.dropFirst().first!, calls)
    exit(0)
  case "--profile-conv":
    let values = positiveValues(arguments, mode, count: arguments.count == 6 ? 5 : 4)
    profileConvolution(inChannels: values[0], outChannels: values[1], size: values[2], steps: values[3],
                       kernel: values.count == 5 ? values[4] : 3)
    exit(0)
  case "--gemm": profileGemm(positiveValue(arguments, mode)); exit(0)
  case "--interpolate": interpolateBenchmark(); exit(0)
  case "--op-registry": exit(dumpOpRegistry())
  case "--cuda-check": exit(cudaCheck())
  case "--cuda-sweep":
    guard arguments.count == 2 else { usageError("--cuda-sweep needs one file") }
    exit(cudaSweep(arguments.dropFirst().first!))
  case "--cuda-steps": exit(cudaSteps())
  case "--contend": contend(); exit(0)
  case "--cnn": cnnBenchmark(); exit(0)
  case "--conv":
    let values = positiveValues(arguments, mode, count: 3)
    print("threads \(torch.getNumThreads()) count")
    convolutionFigures(name: "conv_64x\(values[0])x\(values[2])", batch: 64, inChannels: values[0], outChannels: values[1], size: values[2])
    exit(0)
  case "--rnn": recurrentBenchmark(); exit(0)
  case "--resnet": resnetBenchmark(); exit(0)
  case "--transformer": transformerBenchmark(); exit(0)
  case "--op-sweep": opSweep(); exit(0)
  case "--distributed": distributedBenchmark(); exit(0)
  case "--checkpoint": checkpointBenchmark(megabytes: positiveValue(arguments, mode)); exit(0)
  default: usageError("unknown mode \(mode)")
  }
}

print("kernel_path \(String(cString: ctk_kernel_path())) name")
print("threads \(torch.getNumThreads()) count")

let numpy = numpyGemm(gemmCases)
if numpy == nil { print("# numpy missing: python3 with NumPy was not found, so no ratios") }
for c in gemmCases {
  let ours = ourGemm(c)
  report(c.name, ours, "GFLOP/s")
  if let theirs = numpy?[c.name] {
    report(c.name + "_numpy", theirs, "GFLOP/s")
    report(c.name + "_ratio", ours / theirs, "x")
  }
}

// The seed model beside PyTorch's same loops, where TORCH_BENCH_PYTHON (or python3) has torch.
let pytorchSeed = pytorchSeedFigures()
func compareWithPyTorch(_ name: String, _ ours: Double, _ unit: String) {
  report(name, ours, unit)
  if let theirs = pytorchSeed?[name] {
    report(name + "_pytorch", theirs, unit)
    report(name + "_ratio", unit == "s" ? theirs / ours : ours / theirs, "x")
  }
}
compareWithPyTorch("train_steps_sgd", trainingStepsPerSecond(adam: false), "steps/s")
compareWithPyTorch("train_steps_adam", trainingStepsPerSecond(adam: true), "steps/s")

do {
  torch.manualSeed(0)
  let model = NeuralNetwork().eval()
  let images = torch.rand(10_000, 1, 28, 28)
  let time = median(repeats: 5) {
    torch.noGrad { for batch in images.split(1000) { _ = model(batch).argmax(1) } }
  }
  compareWithPyTorch("inference_10k_images", time, "s")
}

for (name, shape, other) in [("add_4x4", [4, 4], [4, 4]), ("add_64x512", [64, 512], [64, 512]), ("add_broadcast_64x512", [64, 512], [512])] {
  let a = torch.rand(shape), b = torch.rand(other)
  let iterations = 20_000
  let time = median(repeats: 5) { for _ in 0..<iterations { _ = a + b } }
  report(name + "_latency", time / Double(iterations) * 1e6, "us")
}

// The backward of activations on a hidden layer's [64, 512]: each runs its derivative kernel once.
for (name, activation) in [("relu", { (x: Tensor) in x.relu() }), ("tanh", { $0.tanh() }), ("gelu", { $0.gelu() }),
                           ("silu", { F.silu($0) }), ("leaky_relu", { F.leakyRelu($0) })] {
  let x = torch.randn([64, 512], requiresGrad: true)
  let y = activation(x), g = torch.randLike(y)
  let iterations = 2_000
  let time = median(repeats: 5) {
    for _ in 0..<iterations { _ = torch.autograd.grad([y], [x], gradOutputs: [g], retainGraph: true) }
  }
  report(name + "_backward_64x512", time / Double(iterations) * 1e6, "us")
}
