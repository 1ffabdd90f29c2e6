// torch-bench --distributed, under `mpirun -np N`: all-reduce bandwidth of dist.allReduce beside
// Open MPI's own MPI_Allreduce on the same buffers (1 KB to 64 MB), and the seed model's
// DistributedDataParallel step beside one single-process step on the same per-rank batch plus
// the all-reduce of its gradients. Rank 0 prints.
import Foundation
@_spi(Benchmark) import Torch

func distributedBenchmark() {
  do { try dist.initProcessGroup(backend: "mpi") } catch {
    FileHandle.standardError.write("torch-bench --distributed: \(error) (run it under mpirun -np 2)\n".data(using: .utf8)!)
    exit(1)
  }
  torch.setNumThreads(1)
  let (rank, world) = (dist.getRank(), dist.getWorldSize())
  func say(_ name: String, _ value: Double, _ unit: String) { if rank == 0 { report(name, value, unit) } }
  say("ranks", Double(world), "processes of 1 thread")
  // Bus bandwidth as nccl-tests define it: 2(N-1)/N bytes per rank cross the links.
  let busFactor = 2 * Double(world - 1) / Double(world)
  for bytes in [1 << 10, 16 << 10, 256 << 10, 4 << 20, 64 << 20] {
    let tensor = torch.ones([bytes / 4])
    let rounds = bytes >= 4 << 20 ? 10 : 200
    var best = (ours: Double.infinity, theirs: Double.infinity)
    for round in 0..<(rounds + 2) {
      dist.barrier()
      let ours = seconds { dist.allReduce(tensor) }
      dist.barrier()
      let theirs = seconds { dist.mpiAllReduce(tensor) }
      if round >= 2 { best = (min(best.ours, ours), min(best.theirs, theirs)) }
    }
    let label = bytes >= 1 << 20 ? "\(bytes >> 20)MB" : "\(bytes >> 10)KB"
    say("allreduce_\(label)", busFactor * Double(bytes) / best.ours / 1e9, "GB/s bus")
    say("allreduce_\(label)_mpi", busFactor * Double(bytes) / best.theirs / 1e9, "GB/s bus")
    say("allreduce_\(label)_ratio", best.theirs / best.ours, "x")
  }
  dataParallelFigures(rank: rank, say)
  dist.destroyProcessGroup()
}

/// The seed model's step: single-process on a per-rank batch of 64 (rank 0's, and the slower
/// rank's), the all-reduce of all its gradients alone, the DistributedDataParallel step, the
/// same under `noSync` (the wrapper and its hooks without communication) and with
/// `gradientAsBucketView`, and the single-process step followed by the all-reduce, medians of
/// rounds after warm-up.
private func dataParallelFigures(rank: Int, _ say: (String, Double, String) -> Void) {
  let lossFn = nn.CrossEntropyLoss()
  let x = torch.rand(64, 1, 28, 28), y = torch.randint(0, 10, [64])
  func step(_ model: any Module, _ optimizer: optim.Optimizer) {
    lossFn(model(x), y).backward()
    optimizer.step()
    optimizer.zeroGrad()
  }
  torch.manualSeed(0)
  let single = NeuralNetwork()
  let singleOptimizer = optim.SGD(single.parameters(), lr: 1e-3)
  let ddp = nn.parallel.DistributedDataParallel(NeuralNetwork())
  let ddpOptimizer = optim.SGD(ddp.parameters(), lr: 1e-3)
  let viewed = nn.parallel.DistributedDataParallel(NeuralNetwork(), gradientAsBucketView: true)
  let viewedOptimizer = optim.SGD(viewed.parameters(), lr: 1e-3)
  let gradients = torch.zeros([single.parameters().map { $0.numel() }.reduce(0, +)])
  let steps = 20
  var times = (single: [Double](), reduce: [Double](), ddp: [Double](), local: [Double](), viewed: [Double](), serial: [Double]())
  for round in 0..<9 {
    dist.barrier()
    let t1 = seconds { for _ in 0..<steps { step(single, singleOptimizer) } }
    dist.barrier()
    let t2 = seconds { for _ in 0..<steps { dist.allReduce(gradients) } }
    dist.barrier()
    let t3 = seconds { for _ in 0..<steps { step(ddp, ddpOptimizer) } }
    dist.barrier()
    let t4 = seconds { for _ in 0..<steps { ddp.noSync { step(ddp, ddpOptimizer) } } }
    dist.barrier()
    let t5 = seconds { for _ in 0..<steps { step(viewed, viewedOptimizer) } }
    dist.barrier()
    let t6 = seconds {
      for _ in 0..<steps {
        step(single, singleOptimizer)
        dist.allReduce(gradients)
      }
    }
    if round >= 2 {
      times.single.append(t1); times.reduce.append(t2); times.ddp.append(t3); times.local.append(t4); times.viewed.append(t5)
      times.serial.append(t6)
    }
  }
  func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] / Double(steps) * 1e3 }
  let (single1, reduce1, ddp1) = (median(times.single), median(times.reduce), median(times.ddp))
  say("seed_step_single_process", single1, "ms")
  say("seed_gradient_allreduce", reduce1, "ms (\(gradients.numel() * 4 / 1024) KB)")
  say("seed_step_ddp", ddp1, "ms")
  say("seed_step_ddp_over_single_plus_allreduce", ddp1 / (single1 + reduce1), "x")
  // Every DDP step waits for the slower rank; on a shared machine one core is often busier.
  let slowest = torch.tensor([single1], dtype: .float64)
  dist.allReduce(slowest, op: .max)
  say("seed_step_single_process_slowest_rank", slowest.item(), "ms")
  say("seed_step_ddp_over_slowest_single_plus_allreduce", ddp1 / (slowest.item() + reduce1), "x")
  say("seed_step_ddp_nosync", median(times.local), "ms (no communication)")
  // The same two, one after the other in each step: each evicts the other's data from the
  // caches and the ranks meet every step, so this costs more than the sum of the two alone.
  let serial1 = median(times.serial)
  say("seed_step_single_then_allreduce", serial1, "ms (one after the other, no overlap)")
  say("seed_step_ddp_over_single_then_allreduce", ddp1 / serial1, "x")
  let viewed1 = median(times.viewed)
  say("seed_step_ddp_gradient_as_bucket_view", viewed1, "ms")
  say("seed_step_ddp_gradient_as_bucket_view_over_single_plus_allreduce", viewed1 / (single1 + reduce1), "x")
}
