import CTorchKernels
import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A persistent pool of worker threads for data-parallel kernels.
///
/// Workers are created once and live for the process. After a job they spin for a few
/// milliseconds on an atomic before sleeping, so the next kernel of a training step (a few microseconds away)
/// starts without a wake-up through the kernel scheduler. The calling thread takes part in
/// every job. One job runs at a time; a job started from inside a job runs inline.
///
/// The worker count defaults to the machine's cores and can be set with the
/// `TORCH_NUM_THREADS` or `OMP_NUM_THREADS` environment variables, or `torch.setNumThreads`.
enum ThreadPool {
  private static let configured = Atomic<Int>(defaultThreadCount())
  private static let pool = WorkerPool(workers: max(0, defaultThreadCount() - 1))

  private static func defaultThreadCount() -> Int {
    let environment = ProcessInfo.processInfo.environment
    for key in ["TORCH_NUM_THREADS", "OMP_NUM_THREADS"] {
      if let value = environment[key].flatMap(Int.init), value > 0 { return value }
    }
    return max(1, ProcessInfo.processInfo.activeProcessorCount)
  }

  /// Threads a kernel may use (the pool never grows past its start-up size).
  static var threadCount: Int {
    get { configured.load(ordering: .relaxed) }
    set { configured.store(max(1, newValue), ordering: .relaxed) }
  }

  /// Calls `body(i)` for every `i` in `0..<tasks`, in parallel when `tasks > 1`.
  static func parallelFor(_ tasks: Int, _ body: (Int) -> Void) {
    if tasks <= 1 || threadCount == 1 {
      for i in 0..<tasks { body(i) }
      return
    }
    pool.run(tasks, body)
  }

  /// Splits `0..<count` into one contiguous chunk per thread (none smaller than
  /// `minimumChunk`) and calls `body(start, length)` for each, in parallel.
  static func parallelChunks(_ count: Int, minimumChunk: Int, _ body: (Int, Int) -> Void) {
    let chunks = Swift.max(1, Swift.min(threadCount, count / Swift.max(minimumChunk, 1)))
    let size = (count + chunks - 1) / chunks
    parallelFor(chunks) { i in
      let start = i * size
      if start < count { body(start, Swift.min(size, count - start)) }
    }
  }
}

/// The pool behind `ThreadPool`. A job is published as one 64-bit word,
/// `generation << 32 | taskCount << 16 | nextIndex`; threads claim tasks by
/// compare-and-swap on it, so a thread still looking at an old job can never claim a task
/// of a newer one.
final class WorkerPool: @unchecked Sendable {
  private let job = Atomic<UInt64>(0)
  private let remaining = Atomic<Int>(0)
  private let busy = Atomic<Bool>(false)
  private let sleepers = Atomic<Int>(0)
  private var body: ((Int) -> Void)?
  private var mutex = pthread_mutex_t()
  private var condition = pthread_cond_t()
  /// Spin iterations before a worker sleeps: about 5 ms of `pause` on a Zen 3 core, enough to
  /// bridge the serial parts of a training step. (A 0.5 ms budget let workers fall asleep
  /// between kernels in about 40% of one-epoch runs, which then took 2.7 s instead of 1.8 s.)
  private let spinLimit = 200_000

  init(workers: Int) {
    pthread_mutex_init(&mutex, nil)
    pthread_cond_init(&condition, nil)
    for _ in 0..<workers {
      let thread = Thread { [self] in workerLoop() }
      thread.stackSize = 1 << 20
      thread.start()
    }
  }

  func run(_ tasks: Int, _ work: (Int) -> Void) {
    guard tasks < 1 << 16, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
      for i in 0..<tasks { work(i) }
      return
    }
    withoutActuallyEscaping(work) { work in
      body = work
      remaining.store(tasks, ordering: .relaxed)
      let generation = (job.load(ordering: .relaxed) >> 32) &+ 1
      job.store(generation << 32 | UInt64(tasks) << 16, ordering: .releasing)
      if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
        pthread_mutex_lock(&mutex)
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
      }
      claimTasks(generation: generation)
      while remaining.load(ordering: .acquiring) > 0 { spinPause() }
      body = nil
    }
    busy.store(false, ordering: .releasing)
  }

  /// Runs tasks of job `generation` until none are left to claim.
  private func claimTasks(generation: UInt64) {
    var current = job.load(ordering: .acquiring)
    while current >> 32 == generation {
      let index = current & 0xFFFF, count = (current >> 16) & 0xFFFF
      guard index < count else { return }
      let (exchanged, actual) = job.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
      if !exchanged {
        current = actual
        continue
      }
      body!(Int(index))
      remaining.subtract(1, ordering: .releasing)
      current = job.load(ordering: .acquiring)
    }
  }

  private func workerLoop() {
    var seen = job.load(ordering: .acquiring) >> 32
    while true {
      var spins = 0
      while job.load(ordering: .acquiring) >> 32 == seen && spins < spinLimit {
        spinPause()
        spins += 1
      }
      if job.load(ordering: .acquiring) >> 32 == seen {
        pthread_mutex_lock(&mutex)
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while job.load(ordering: .sequentiallyConsistent) >> 32 == seen {
          pthread_cond_wait(&condition, &mutex)
        }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        pthread_mutex_unlock(&mutex)
      }
      seen = job.load(ordering: .acquiring) >> 32
      claimTasks(generation: seen)
    }
  }

  /// A spin-wait hint to the CPU (`pause` on x86, nothing elsewhere).
  @inline(__always) private func spinPause() { ctk_cpu_relax() }
}

extension torch {
  /// The number of threads CPU kernels use (`torch.get_num_threads()`).
  public static func getNumThreads() -> Int { ThreadPool.threadCount }
  /// Sets the number of threads CPU kernels use (`torch.set_num_threads(n)`), up to the
  /// pool's size at start-up.
  public static func setNumThreads(_ count: Int) { ThreadPool.threadCount = count }
}
