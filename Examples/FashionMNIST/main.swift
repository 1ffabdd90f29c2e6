// Trains a FashionMNIST classifier: the seed tutorial's network (`--model mlp`, the default) or a
// small CNN (`--model cnn`), with the "Optimizing Model Parameters" loop of PyTorch's
// tutorial, in Swift. `swift run -c release fashion-mnist --help`.
import Foundation
import Torch

final class NeuralNetwork: Module {
  let flatten = nn.Flatten()
  let linear_relu_stack = nn.Sequential(
    nn.Linear(28 * 28, 512),
    nn.ReLU(),
    nn.Linear(512, 512),
    nn.ReLU(),
    nn.Linear(512, 10)
  )

  func forward(_ x: Tensor) -> Tensor {
    linear_relu_stack(flatten(x))
  }
}

/// The `--model cnn` network: two blocks of 3×3 convolution, batch norm, ReLU and 2×2 max
/// pooling (32 then 64 channels, 28×28 → 7×7), then a 128-unit hidden layer with dropout.
final class ConvolutionalNetwork: Module {
  let features = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding: 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding: 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2)
  )
  let classifier = nn.Sequential(
    nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(p: 0.25), nn.Linear(128, 10)
  )

  func forward(_ x: Tensor) -> Tensor {
    classifier(features(x))
  }
}

/// Whether this process reports: always, except on ranks other than 0 of a distributed run.
nonisolated(unsafe) var reporting = true

/// `print` on the reporting rank only.
func report(_ text: String) { if reporting { print(text) } }

/// Prints progress: a redrawn bar on a terminal, the tutorial's loss lines otherwise.
struct Progress {
  let interactive = isatty(STDOUT_FILENO) != 0
  let total: Int

  func update(batch: Int, seen: Int, loss: Double, samplesPerSecond: Double) {
    if interactive {
      let width = 30, filled = width * seen / max(total, 1)
      let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
      print(String(format: "\r[%@] %5ld/%5ld  loss %.4f  %.0f img/s", bar, seen, total, loss, samplesPerSecond), terminator: "")
      fflush(nil)
    } else if batch % 100 == 0 {
      print(String(format: "loss: %7f  [%5ld/%5ld]", loss, seen, total))
    }
  }

  func finish() { if interactive && reporting { print("") } }
}

func trainLoop<D: Dataset>(_ loader: DataLoader<D>, _ model: any Module, _ lossFn: nn.CrossEntropyLoss,
                           _ optimizer: optim.Optimizer, device: Device) {
  // A distributed rank reports its share: its batches, scaled to the whole set.
  let world = dist.isInitialized ? dist.getWorldSize() : 1
  let size = loader.dataset.count
  let progress = Progress(total: size)
  let start = Date()
  model.train()
  var seen = 0
  for (batch, (X, y)) in loader.enumerated() {
    let pred = model(X.to(device))
    let loss = lossFn(pred, y.to(device))
    loss.backward()
    optimizer.step()
    optimizer.zeroGrad()
    seen += X.size(0) * world
    if reporting && (progress.interactive || batch % 100 == 0) {
      progress.update(batch: batch, seen: seen, loss: loss.item(), samplesPerSecond: Double(seen) / Date().timeIntervalSince(start))
    }
  }
  progress.finish()
}

func testLoop<D: Dataset>(_ loader: DataLoader<D>, _ model: any Module, _ lossFn: nn.CrossEntropyLoss,
                          device: Device) -> (accuracy: Double, loss: Double) {
  model.eval()
  var testLoss = 0.0, correct = 0.0
  torch.noGrad {
    for (X, y) in loader {
      let pred = model(X.to(device))
      let target = y.to(device)
      testLoss += lossFn(pred, target).item()
      correct += pred.argmax(1).eq(target).to(.float32).sum().item()
    }
  }
  testLoss /= Double(loader.count)
  let accuracy = correct / Double(loader.dataset.count)
  report(String(format: "Test Error: \n Accuracy: %0.1f%%, Avg loss: %8f \n", 100 * accuracy, testLoss))
  return (accuracy, testLoss)
}

/// Finds the data: --data, then ./data and Debian's package, then the embedded sample.
func loadData(_ options: Options) throws -> (datasets.FashionMNIST<Int>, datasets.FashionMNIST<Int>) {
  let transform = transforms.ToTensor()
  func load(_ root: String, download: Bool = false, systemToo: Bool = true) throws -> (datasets.FashionMNIST<Int>, datasets.FashionMNIST<Int>) {
    (try datasets.FashionMNIST(root: root, train: true, download: download, transform: transform, searchSystemDirectory: systemToo),
     try datasets.FashionMNIST(root: root, train: false, download: download, transform: transform, searchSystemDirectory: systemToo))
  }
  // An explicit --data folder is the only place looked at.
  if let directory = options.dataDirectory { return try load(directory, download: options.download, systemToo: false) }
  if options.download { return try load("data", download: true) }
  do {
    return try load("data")
  } catch TorchError.io {
    guard let sample = Bundle.module.path(forResource: "sample", ofType: nil) else { throw TorchError.io(path: "sample", reason: "embedded sample missing") }
    report("FashionMNIST not found in ./data or \(datasets.FashionMNIST.systemDirectory); training on the embedded 5,000-image sample. For the full set: apt-get install dataset-fashion-mnist, --download, or --data DIR.")
    return try load(sample)
  }
}

func run() throws {
  let options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
  var device: Device
  switch options.device {
  case "cuda":
    guard torch.cuda.isAvailable() else {
      throw TorchError.backend("--device cuda: CUDA is not available: \(torch.cuda.unavailableReason ?? "unknown reason")")
    }
    device = .cuda(0)
  case "cpu": device = .cpu
  default: device = torch.cuda.isAvailable() ? .cuda(0) : .cpu
  }
  if options.distributed {
    // CPU tensors travel through Open MPI, CUDA tensors through NCCL, each rank on its own GPU.
    try dist.initProcessGroup(backend: device == .cpu ? "mpi" : "nccl")
    reporting = dist.getRank() == 0
    let environment = ProcessInfo.processInfo.environment
    if device == .cpu {
      // The ranks on one machine share its cores.
      let local = Int(environment["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? "") ?? 1
      torch.setNumThreads(Swift.max(1, ProcessInfo.processInfo.activeProcessorCount / Swift.max(local, 1)))
    } else {
      let local = Int(environment["LOCAL_RANK"] ?? environment["OMPI_COMM_WORLD_LOCAL_RANK"] ?? "") ?? dist.getRank()
      device = .cuda(local % torch.cuda.deviceCount())
    }
    guard options.batchSize % dist.getWorldSize() == 0 else {
      throw TorchError.invalidArgument("--batch-size \(options.batchSize) must divide over \(dist.getWorldSize()) ranks")
    }
  }
  report("Using \(device.type) device" + (options.distributed ? ", \(dist.getWorldSize()) ranks" : ""))
  torch.manualSeed(options.seed)

  let (trainingData, testData) = try loadData(options)
  let model: any Module = options.model == "cnn" ? ConvolutionalNetwork().to(device) : NeuralNetwork().to(device)
  let lossFn = nn.CrossEntropyLoss()
  let lr = options.lr ?? 1e-3
  let optimizer: optim.Optimizer = options.optimizer == "sgd"
    ? optim.SGD(model.parameters(), lr: lr) : optim.Adam(model.parameters(), lr: lr)

  if let path = options.loadPath {
    let saved: SavedValue = try torch.load(from: path)
    try model.loadStateDict(saved["model_state_dict"] ?? saved)
    report("Loaded model weights from \(path)")
  }
  var firstEpoch = 0
  if let path = options.resumePath {
    firstEpoch = try resume(from: path, model, optimizer)
    report("Resumed from \(path) after \(firstEpoch) epochs")
  }
  // Distributed, each rank trains a replica on its share of every batch, gradients averaged
  // (wrapped once the weights are final: the wrapper broadcasts rank 0's).
  let replica: any Module = options.distributed ? nn.parallel.DistributedDataParallel(model) : model

  let testLoader = DataLoader(testData, batchSize: options.batchSize)
  var result = (accuracy: 0.0, loss: 0.0)
  var trainSeconds = 0.0
  for epoch in firstEpoch..<(firstEpoch + options.epochs) {
    report("Epoch \(epoch + 1)\n-------------------------------")
    // Shuffled from the default generator as PyTorch's DataLoader does, so a seeded run sees
    // PyTorch's batches; checkpoints carry the generator's state, so a resumed run does too.
    // With the distributed sampler, each rank takes its share of a permutation seeded with
    // seed + epoch, in batches of batch-size / ranks: rank r's j-th sample of batch k is
    // element ranks·(k·batch-size/ranks + j) + r, so batch k over all ranks is elements
    // k·batch-size ..< (k + 1)·batch-size, whatever the number of ranks (one included).
    let trainLoader: DataLoader<datasets.FashionMNIST<Int>>
    if options.sampler == "distributed" {
      let ranks = options.distributed ? dist.getWorldSize() : 1
      let sampler = DistributedSampler(trainingData, numReplicas: ranks, rank: options.distributed ? dist.getRank() : 0,
                                       shuffle: true, seed: options.seed)
      sampler.setEpoch(epoch)
      trainLoader = DataLoader(trainingData, batchSize: options.batchSize / ranks, sampler: sampler)
    } else {
      trainLoader = DataLoader(trainingData, batchSize: options.batchSize, shuffle: true)
    }
    let start = Date()
    trainLoop(trainLoader, replica, lossFn, optimizer, device: device)
    let seconds = Date().timeIntervalSince(start)
    trainSeconds += seconds
    // Rank 0 alone evaluates and saves (the replicas are equal).
    guard reporting else { continue }
    result = testLoop(testLoader, model, lossFn, device: device)
    report(String(format: "epoch %ld: %.2f s training, %.0f images/s\n", epoch + 1, seconds, Double(trainingData.count) / seconds))
    if let path = options.savePath { try saveCheckpoint(to: path, epochsDone: epoch + 1, model, optimizer) }
  }
  if options.epochs == 0 && reporting { result = testLoop(testLoader, model, lossFn, device: device) }
  if options.distributed { dist.destroyProcessGroup() }
  guard reporting else { return }
  print("Done!")
  print(String(format: "result model=%@ test_accuracy=%.4f test_loss=%.4f train_seconds=%.2f epochs=%ld peak_rss_mb=%.0f",
               options.model, result.accuracy, result.loss, trainSeconds, options.epochs, peakResidentMegabytes()))
}

/// Writes what resuming needs: in PyTorch's format the tutorial's checkpoint dict (which PyTorch
/// loads: `checkpoint["model_state_dict"]`), in safetensors flat `model.`/`optimizer.` keys with
/// the epoch count as metadata. Both carry the generator's state, so a resumed run draws on.
func saveCheckpoint(to path: String, epochsDone: Int, _ model: any Module, _ optimizer: optim.Optimizer) throws {
  if path.hasSuffix(".safetensors") {
    var state = StateDict()
    for (key, value) in model.stateDict() as StateDict { state["model." + key] = value }
    for (key, value) in optimizer.stateDict() as StateDict { state["optimizer." + key] = value }
    state["rng_state"] = torch.getRngState()
    try torch.save(state, to: path, metadata: ["epochs_done": String(epochsDone)])
  } else {
    try torch.save(["epoch": .int(epochsDone), "model_state_dict": model.stateDict(), "optimizer_state_dict": optimizer.stateDict(),
                    "rng_state": .tensor(torch.getRngState())], to: path)
  }
}

/// Restores a checkpoint written by `saveCheckpoint` in either format; returns the epochs done.
func resume(from path: String, _ model: any Module, _ optimizer: optim.Optimizer) throws -> Int {
  let saved: SavedValue = try torch.load(from: path)
  if let modelState = saved["model_state_dict"], let optimizerState = saved["optimizer_state_dict"] {
    try model.loadStateDict(modelState)
    try optimizer.loadStateDict(optimizerState)
    if let rngState = saved["rng_state"]?.tensor { torch.setRngState(rngState) }
    return saved["epoch"]?.int ?? 0
  }
  let (state, metadata) = try torch.loadWithMetadata(from: path)
  try model.loadStateDict(StateDict(state.filter { $0.key.hasPrefix("model.") }.map { (String($0.key.dropFirst(6)), $0.value) }))
  try optimizer.loadStateDict(StateDict(state.filter { $0.key.hasPrefix("optimizer.") }.map { (String($0.key.dropFirst(10)), $0.value) }))
  if let rngState = state["rng_state"] { torch.setRngState(rngState) }
  return Int(metadata["epochs_done"] ?? "0") ?? 0
}

/// The process's peak resident memory (`ru_maxrss`, kilobytes on Linux, bytes on macOS).
func peakResidentMegabytes() -> Double {
  var usage = rusage()
  #if os(macOS)
  getrusage(RUSAGE_SELF, &usage)
  return Double(usage.ru_maxrss) / 1_048_576
  #else
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_maxrss) / 1024
  #endif
}

do {
  try run()
} catch TorchError.invalidArgument(let message) {
  FileHandle.standardError.write(Data("fashion-mnist: \(message)\n".utf8))
  exit(2)
} catch {
  FileHandle.standardError.write(Data("fashion-mnist: \(error)\n".utf8))
  exit(1)
}
