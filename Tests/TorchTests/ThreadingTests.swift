import Foundation
import Synchronization
import XCTest
@testable import Torch

/// Threads: the README's thread-safety statement (separate models train on separate threads
/// with single-threaded results, bit for bit) and the pool's sizing and busy-machine policy.
final class ThreadingTests: XCTestCase {
  final class Net: Module {
    let flatten = nn.Flatten()
    let linear_relu_stack = nn.Sequential(nn.Linear(64, 96), nn.ReLU(), nn.Linear(96, 96), nn.ReLU(), nn.Linear(96, 10))
    func forward(_ x: Tensor) -> Tensor { linear_relu_stack(flatten(x)) }
  }

  /// A model with its initial state and data, all drawn up front on one thread.
  struct Job: @unchecked Sendable {  // tensors read from several threads: safe (README)
    let initial: StateDict, adam: Bool
    let batches: [(Tensor, Tensor)]
  }

  /// Trains a fresh model from `job` and returns its final parameters and every loss.
  static func train(_ job: Job) -> [Float] {
    let model = Net()
    try! model.loadStateDict(job.initial)
    let optimizer: optim.Optimizer = job.adam ? optim.Adam(model.parameters(), lr: 1e-2) : optim.SGD(model.parameters(), lr: 0.1, momentum: 0.9)
    var record: [Float] = []
    for (x, y) in job.batches {
      let loss = F.crossEntropy(model(x), y)
      optimizer.zeroGrad()
      loss.backward()
      optimizer.step()
      record.append(loss.item(Float.self))
    }
    for parameter in model.parameters() { record += parameter.toArray(Float.self) }
    return record
  }

  func testSeparateModelsTrainOnSeparateThreadsWithSingleThreadedResults() {
    torch.manualSeed(11)
    let jobs = (0..<8).map { i in
      Job(initial: Net().stateDict(), adam: i % 2 == 1,
          batches: (0..<6).map { _ in (torch.randn(32, 1, 8, 8), torch.randint(0, 10, [32])) })
    }
    let saved = torch.getNumThreads()
    torch.setNumThreads(1)
    let expected = jobs.map(Self.train)
    torch.setNumThreads(saved)
    for threads in [2, 8] {
      let results = Mutex<[Int: [Float]]>([:])
      DispatchQueue.concurrentPerform(iterations: threads) { t in
        for index in stride(from: t, to: jobs.count, by: threads) {
          let record = Self.train(jobs[index])
          results.withLock { $0[index] = record }
        }
      }
      for index in jobs.indices {
        XCTAssertEqual(results.withLock { $0[index] }, expected[index], "model \(index) trained beside \(threads - 1) others")
      }
    }
  }

  /// Kernels that split their work over the pool (softmax and log-softmax with their backward,
  /// the fused recurrent cells, exp, sigmoid, tanh, SiLU, GELU, erf, log, log1p, softplus, ELU
  /// and Mish with their backward) give the bits of one thread, whatever the thread count.
  func testKernelsSplitOverThePoolGiveSingleThreadedBits() {
    torch.manualSeed(12)
    let x = torch.randn(96, 700) * 3, g = torch.randn(96, 700)
    let lstm = nn.LSTM(16, 256), input = torch.randn(3, 160, 16)
    func run() -> [[Float]] {
      var results: [Tensor] = []
      for log in [false, true] {
        let leaf = x.clone().requiresGrad_()
        let y = log ? leaf.logSoftmax(dim: 1) : leaf.softmax(dim: 1)
        y.backward(g)
        results += [y, leaf.grad!]
      }
      let (output, _) = lstm(input)
      let activated = x.clone().requiresGrad_()
      let pointwise = [activated.exp(), activated.sigmoid(), activated.tanh(), activated.silu(), activated.abs().log(),
                       activated.abs().log1p(), F.softplus(activated), F.elu(activated), F.gelu(activated), activated.erf(), F.mish(activated)]
      pointwise.reduce(torch.zeros([]), { $0 + $1.sum() }).backward()
      return (results + [output] + pointwise + [activated.grad!]).map { $0.detach().flatten().toArray(Float.self) }
    }
    let saved = torch.getNumThreads()
    defer { torch.setNumThreads(saved) }
    torch.setNumThreads(1)
    let single = run()
    torch.setNumThreads(max(saved, 2))
    XCTAssertEqual(run().map { $0.map(\.bitPattern) }, single.map { $0.map(\.bitPattern) })
  }

  /// cgroup `cpu.max` (v2) and `cfs_quota_us period` (v1) lines.
  /// `parallelClaims` hands out every index exactly once, in runs that shrink to single
  /// indices, however the threads meet at the counter: counts below, at and far above the
  /// thread count, with a thread that stalls on its first claim.
  func testClaimsHandOutEveryIndexExactlyOnce() {
    for count in [0, 1, 2, 3, 7, 64, 1000] {
      let taken = Mutex<[Int]>([])
      let stalled = Atomic<Bool>(false)
      ThreadPool.parallelClaims(count) { next in
        var first = true
        while let index = next() {
          taken.withLock { $0.append(index) }
          if first, !stalled.exchange(true, ordering: .relaxed) { usleep(2_000) }
          first = false
        }
      }
      XCTAssertEqual(taken.withLock { $0.sorted() }, Array(0..<count), "count \(count)")
    }
  }

  func testCPUQuotaParsing() {
    XCTAssertEqual(ThreadPool.cpuQuota(cpuMax: "150000 100000\n"), 1.5)
    XCTAssertEqual(ThreadPool.cpuQuota(cpuMax: "200000 100000"), 2)
    XCTAssertNil(ThreadPool.cpuQuota(cpuMax: "max 100000\n"))
    XCTAssertNil(ThreadPool.cpuQuota(cpuMax: "-1 100000"))
    XCTAssertNil(ThreadPool.cpuQuota(cpuMax: "garbage"))
    XCTAssertGreaterThanOrEqual(ThreadPool.defaultThreadCount(), 1)
  }

  /// With the calling thread getting under 80% of the wall time, kernels run inline for a
  /// back-off that doubles while retries find the machine busy and halves with each quiet window.
  func testLoadMonitorNarrowsOnABusyMachineAndRetries() {
    var monitor = LoadMonitor()
    var wall = 100.0, cpu = 50.0
    func window(share: Double) {
      wall += 0.025
      cpu += 0.025 * share
      monitor.observe(wall: wall, cpu: cpu)
    }
    let first = LoadMonitor.firstBackOff
    monitor.observe(wall: wall, cpu: cpu)
    window(share: 0.98)
    XCTAssertFalse(monitor.isNarrowed(now: wall))
    window(share: 0.6)
    XCTAssertTrue(monitor.isNarrowed(now: wall + first - 0.001))
    XCTAssertFalse(monitor.isNarrowed(now: wall + first + 0.001))
    XCTAssertEqual(monitor.backOff, 2 * first)
    wall += first + 0.001
    monitor.observe(wall: wall, cpu: cpu)  // parallel again: a new window starts
    window(share: 0.55)
    XCTAssertTrue(monitor.isNarrowed(now: wall + 2 * first - 0.001))
    XCTAssertEqual(monitor.backOff, 4 * first)
    wall += 2 * first + 0.001
    monitor.observe(wall: wall, cpu: cpu)
    window(share: 0.95)
    XCTAssertFalse(monitor.isNarrowed(now: wall))
    XCTAssertEqual(monitor.backOff, 2 * first)
    window(share: 0.95)
    window(share: 0.95)
    XCTAssertEqual(monitor.backOff, first, "never below the first back-off")
    // The calling thread gets its core, but waits for a worker that shares its own: busy too.
    monitor.waited += 0.01
    window(share: 0.99)
    XCTAssertTrue(monitor.isNarrowed(now: wall + 0.05), "40% of the window spent waiting for workers")
  }
}
