import Torch

/// The seed model (the tutorial's 784-512-512-10 network), or a narrower one.
private func seedModel(width: Int = 512) -> nn.Sequential {
  nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10))
}

/// DistributedDataParallel on every rank equals one process training on the concatenated
/// batches: 20 SGD steps of the seed model, each rank taking its 8 samples of a batch of
/// 8 per rank, within 1e-6; again with two micro-batches per step, the first under `noSync`;
/// both again with `gradientAsBucketView` (gradients set to none each step with one
/// micro-batch, zeroed in place, so accumulated straight into the buckets, with two). Without
/// it, a gradient held from the first step keeps its values through the later steps.
/// Small buckets make several, launched while backward runs. First, the broadcast
/// of parameters and buffers (checkBuffers). Models and data live on `device`; `width`
/// narrows the hidden layers (and the buckets with them) where steps are slow.
func checkDistributedDataParallel(_ report: inout Report, on device: Device = .cpu, steps: Int = 20, width: Int = 512) {
  let (rank, world) = (dist.getRank(), dist.getWorldSize())
  checkBuffers(&report, on: device)
  for (microBatches, asBucketView) in [(1, false), (2, false), (1, true), (2, true)] {
    torch.manualSeed(0)
    let reference = seedModel(width: width).to(device)
    // Each rank starts from its own weights: DDP's broadcast from rank 0 must make them equal.
    torch.manualSeed(UInt64(rank))
    // A cap of the middle layer's weight size: the last two layers fill the first bucket,
    // launched while the first layer's gradients are computed, and the first layer the second.
    let ddp = nn.parallel.DistributedDataParallel(seedModel(width: width).to(device), bucketCapMB: Double(width * width * 4) / 1_048_576,
                                                  gradientAsBucketView: asBucketView)
    report.check(torch.tensor([ddp.stateDict().keys.allSatisfy { $0.hasPrefix("module.") } ? 1.0 : 0]), torch.ones([1]), "state dict keys start with module.")
    report.check(torch.tensor(ddp.bucketSizes.map(Double.init)), torch.tensor([4.0, 2]), "buckets of the last two layers' 4 parameters, then the first's 2")
    let (referenceOptimizer, optimizer) = (optim.SGD(reference.parameters(), lr: 0.1), optim.SGD(ddp.parameters(), lr: 0.1))
    let lossFn = nn.CrossEntropyLoss()
    let data = Generator(seed: 1)
    // A gradient held from the first step, with its values then: later steps must not write
    // into it (DDP hands a gradient it created its view of the bucket, so the bucket must take
    // a new buffer).
    var held: (gradient: Tensor, values: Tensor)?
    for step in 0..<steps {
      for micro in 0..<microBatches {
        let x = torch.rand([8 * world, 1, 28, 28], generator: data).to(device)
        let y = torch.randint(0, 10, [8 * world], generator: data).to(device)
        lossFn(reference(x), y).backward()
        let (mine, targets) = (x.narrow(0, start: 8 * rank, length: 8), y.narrow(0, start: 8 * rank, length: 8))
        if micro < microBatches - 1 {
          ddp.noSync { lossFn(ddp(mine), targets).backward() }
        } else {
          lossFn(ddp(mine), targets).backward()
        }
      }
      referenceOptimizer.step()
      referenceOptimizer.zeroGrad()
      if step == 0 && !asBucketView, let gradient = ddp.module.parameters().last?.grad { held = (gradient, gradient.clone()) }
      optimizer.step()
      optimizer.zeroGrad(setToNone: !(asBucketView && microBatches == 2))
    }
    let layout = asBucketView ? "gradients as bucket views" : "gradients copied"
    if let held { report.check(held.gradient, held.values, "a gradient held from step 0 after \(steps) steps, \(microBatches) micro-batch(es)") }
    for ((name, parameter), expected) in zip(ddp.module.namedParameters(), reference.parameters()) {
      report.check(parameter, expected, "\(name) after \(steps) steps, \(microBatches) micro-batch(es), \(layout)", tolerance: 1e-6)
    }
  }
}

/// Rank 0's parameters and buffers reach every rank at construction, and its buffers again
/// before each forward: after a training forward on each rank's own data the running
/// statistics differ, and an evaluation forward (which updates none) starts by equalizing them.
private func checkBuffers(_ report: inout Report, on device: Device) {
  let (rank, world) = (dist.getRank(), dist.getWorldSize())
  torch.manualSeed(UInt64(10 + rank))
  let model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)).to(device)
  let ddp = nn.parallel.DistributedDataParallel(model)
  func assertEqualAcrossRanks(_ tensor: Tensor, _ name: String) {
    let all = (0..<world).map { _ in torch.zerosLike(tensor) }
    dist.allGather(all, tensor.detach())
    for other in all { report.check(other, all[0], name) }
  }
  for (name, tensor) in model.namedParameters() + model.namedBuffers() { assertEqualAcrossRanks(tensor, "\(name) after construction") }
  torch.manualSeed(UInt64(20 + rank))
  _ = ddp(torch.randn(8, 4).to(device))
  let runningMean = model.namedBuffers().first { $0.0.hasSuffix("running_mean") }!.1
  let spread = (0..<world).map { _ in torch.zerosLike(runningMean) }
  dist.allGather(spread, runningMean.detach())
  if world > 1 {
    report.check(torch.tensor([(spread[0] - spread[world - 1]).abs().max().item() > 0 ? 1.0 : 0]), torch.ones([1]), "running means differ after each rank's own batch")
  }
  ddp.eval()
  torch.noGrad { _ = ddp(torch.randn(8, 4).to(device)) }
  for (name, tensor) in model.namedBuffers() { assertEqualAcrossRanks(tensor, "\(name) after the next forward") }
}
