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
/// Workers are created once and live for the process. A kernel is cut into two tasks per
/// thread, claimed one at a time by whoever is awake, the calling thread included: a worker the
/// scheduler has parked holds no work hostage, the others finish its share. After a job workers
/// spin briefly (yielding the core as the wait grows) before sleeping, so the next kernel of a
/// training step starts without a wake-up through the kernel scheduler. One job runs at a time;
/// a job started from inside a job runs inline.
///
/// On a busy machine (another process wants the cores) parallel kernels lose more to waiting
/// than they gain, so the pool watches how much CPU time the calling thread actually gets and
/// how long it waits for workers; when either says the cores are shared it runs kernels on the
/// calling thread alone for a while, then tries again.
///
/// The size defaults to the CPUs this process may use: its affinity mask, capped by a cgroup
/// CPU quota (`cpu.max`, or `cpu.cfs_quota_us` under cgroup v1), and is set by
/// `TORCH_NUM_THREADS` or `OMP_NUM_THREADS` when present, or `torch.setNumThreads` up to that size.
enum ThreadPool {
  /// Tasks per thread a kernel is cut into, so that a parked thread's share is finished by
  /// others. Two: with four, repacking GEMM panels per task cost about 10% of a quiet
  /// machine's training speed, and on a busy one the inline fallback matters more than the grain.
  static let tasksPerThread = 2

  private static let configured = Atomic<Int>(defaultThreadCount())
  private static let pool = WorkerPool(workers: max(0, defaultThreadCount() - 1))

  static func defaultThreadCount() -> Int {
    let environment = ProcessInfo.processInfo.environment
    for key in ["TORCH_NUM_THREADS", "OMP_NUM_THREADS"] {
      if let value = environment[key].flatMap(Int.init), value > 0 { return value }
    }
    let affinity = Int(ctk_affinity_cpu_count())
    let cpus = affinity > 0 ? affinity : ProcessInfo.processInfo.activeProcessorCount
    let quota = cgroupCPUQuota().map { Int($0.rounded(.up)) } ?? cpus
    return max(1, min(cpus, quota))
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

  /// Splits `0..<count` into up to `tasksPerThread` contiguous chunks per thread (none smaller
  /// than `minimumChunk`) and calls `body(start, length)` for each, in parallel.
  static func parallelChunks(_ count: Int, minimumChunk: Int, _ body: (Int, Int) -> Void) {
    let chunks = Swift.max(1, Swift.min(threadCount * tasksPerThread, count / Swift.max(minimumChunk, 1)))
    let size = (count + chunks - 1) / chunks
    parallelFor(chunks) { i in
      let start = i * size
      if start < count { body(start, Swift.min(size, count - start)) }
    }
  }

  /// Calls `body(start, count)` over `rows` rows of `length` elements in parallel chunks of at
  /// least 16K elements (smaller work stays on the calling thread): for row kernels whose rows
  /// are independent, so any split gives the same bits.
  static func parallelRows(_ rows: Int, length: Int, _ body: (Int, Int) -> Void) {
    parallelChunks(rows, minimumChunk: Swift.max(1, 16_384 / Swift.max(length, 1)), body)
  }

  /// Runs `body` on up to one task per thread, each given `next`, which returns the indices of
  /// `0..<count` one at a time (nil when none are left), claimed from a shared counter in
  /// shrinking runs: a quarter of a thread's fair share of what is left, down to one index. A
  /// thread the machine slows leaves its share to the others, where fixed chunks left them
  /// waiting for its last one, and the threads meet at the counter a few times per job rather
  /// than once per index (each claim moves the counter's cache line between cores: a first
  /// convolution layer's forward took 2-3% longer with a claim per sample). For work whose
  /// results do not depend on which thread did which index.
  static func parallelClaims(_ count: Int, _ body: (_ next: () -> Int?) -> Void) {
    let claimed = Atomic<Int>(0)
    let tasks = Swift.min(threadCount, count)
    parallelFor(tasks) { _ in
      var (index, end) = (0, 0)
      body {
        if index == end {
          guard let run = claimRun(claimed, count: count, tasks: tasks) else { return nil }
          (index, end) = (run.lowerBound, run.upperBound)
        }
        index += 1
        return index - 1
      }
    }
  }

  /// The next run of indices from `claimed` (see `parallelClaims`), or nil when all are taken.
  private static func claimRun(_ claimed: borrowing Atomic<Int>, count: Int, tasks: Int) -> Range<Int>? {
    var start = claimed.load(ordering: .relaxed)
    while start < count {
      let end = start + Swift.max(1, (count - start) / (4 * tasks))
      let (exchanged, original) = claimed.compareExchange(expected: start, desired: end, ordering: .relaxed)
      if exchanged { return start..<end }
      start = original
    }
    return nil
  }

  /// Whether kernels currently run on the calling thread alone because the machine is busy.
  static var isNarrowed: Bool { pool.isNarrowed }

  /// Parallel jobs run so far, and how many of them ran inline because the machine was busy
  /// (what `torch-bench --contend` reports).
  static var jobCounts: (total: Int, narrowed: Int) {
    (pool.jobs.load(ordering: .relaxed), pool.narrowedJobs.load(ordering: .relaxed))
  }

  // MARK: - CPU quotas

  /// The CPU quota of this process's cgroup in CPUs (1.5 for `150000 100000`), or nil when unlimited.
  static func cgroupCPUQuota() -> Double? {
    func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
    // cgroup v2: the "0::/path" line of /proc/self/cgroup; every level up to the root may limit.
    if let membership = read("/proc/self/cgroup")?.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) {
      var path = String(membership.dropFirst(3))
      var limits: [Double] = []
      while true {
        if let text = read("/sys/fs/cgroup\(path == "/" ? "" : path)/cpu.max"), let limit = cpuQuota(cpuMax: text) { limits.append(limit) }
        if path == "/" || path.isEmpty { break }
        path = (path as NSString).deletingLastPathComponent
      }
      if let limit = limits.min() { return limit }
    }
    // cgroup v1.
    for folder in ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"] {
      if let quota = read(folder + "/cpu.cfs_quota_us"), let period = read(folder + "/cpu.cfs_period_us") {
        return cpuQuota(cpuMax: "\(quota.trimmingCharacters(in: .whitespacesAndNewlines)) \(period)")
      }
    }
    return nil
  }

  /// Parses a cgroup `cpu.max` line (`"<quota> <period>"`, quota `max` or -1 when unlimited).
  static func cpuQuota(cpuMax text: String) -> Double? {
    let fields = text.split(whereSeparator: \.isWhitespace)
    guard fields.count == 2, let quota = Double(fields[0]), let period = Double(fields[1]), quota > 0, period > 0 else { return nil }
    return quota / period
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
  /// How long a worker waits for the next job before sleeping: enough to bridge the serial
  /// parts of a training step (with 0.5 ms, workers fell asleep between kernels in about 40% of
  /// one-epoch runs, which then took 2.7 s instead of 1.8 s).
  private let spinNanoseconds: UInt64 = 5_000_000
  /// Spins of `pause` before a waiting thread starts offering its core with `sched_yield`.
  private let spinsBeforeYield = 2_000
  private var load = LoadMonitor()
  let jobs = Atomic<Int>(0), narrowedJobs = Atomic<Int>(0)

  init(workers: Int) {
    pthread_mutex_init(&mutex, nil)
    pthread_cond_init(&condition, nil)
    for _ in 0..<workers {
      let thread = Thread { [self] in workerLoop() }
      thread.stackSize = 1 << 20
      thread.start()
    }
  }

  var isNarrowed: Bool { load.isNarrowed(now: LoadMonitor.wallSeconds()) }

  func run(_ tasks: Int, _ work: (Int) -> Void) {
    guard tasks < 1 << 16, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
      for i in 0..<tasks { work(i) }
      return
    }
    // Only the thread holding `busy` touches `load`.
    jobs.add(1, ordering: .relaxed)
    if load.isNarrowed(now: LoadMonitor.wallSeconds()) {
      narrowedJobs.add(1, ordering: .relaxed)
      busy.store(false, ordering: .releasing)
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
      if remaining.load(ordering: .acquiring) > 0 {
        let start = LoadMonitor.wallSeconds()
        var spins = 0
        while remaining.load(ordering: .acquiring) > 0 { wait(&spins) }
        load.waited += LoadMonitor.wallSeconds() - start
      }
      body = nil
    }
    load.jobFinished()
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
      let deadline = DispatchTime.now().uptimeNanoseconds + spinNanoseconds
      while job.load(ordering: .acquiring) >> 32 == seen {
        wait(&spins)
        if spins % 256 == 0 && DispatchTime.now().uptimeNanoseconds > deadline { break }
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

  /// One step of a spin-wait: `pause` at first, then offering the core to other threads
  /// every 16 spins, so a long wait on a busy machine does not take time from whoever we wait for.
  @inline(__always) private func wait(_ spins: inout Int) {
    spins += 1
    if spins > spinsBeforeYield && spins % 16 == 0 { sched_yield() } else { ctk_cpu_relax() }
  }
}

/// Decides when the machine is too busy for parallel kernels. Over windows of at least `window`
/// seconds it watches two things: the calling thread's share of the CPU (CPU time over wall
/// time), which drops when another process shares its core, and the share of wall time it spends
/// waiting for workers to finish, which grows when another process shares a worker's core. When
/// the first falls below `busyShare` or the second exceeds `maximumWaitShare`, kernels run inline
/// for a back-off that doubles, up to `maximumBackOff`, each time a retry finds the machine still
/// busy, and halves with each window that finds it quiet.
struct LoadMonitor {
  static let window = 0.02, busyShare = 0.8, maximumWaitShare = 0.25, firstBackOff = 0.25, maximumBackOff = 2.0

  /// Seconds the calling thread has spent waiting for workers, in total.
  var waited = 0.0
  private var windowStart = (wall: 0.0, cpu: 0.0, waited: 0.0)
  private var jobs = 0
  private var narrowUntil = 0.0
  private(set) var backOff = firstBackOff

  func isNarrowed(now: Double) -> Bool { now < narrowUntil }

  /// Called after each parallel job; reads the clocks every 16 jobs.
  mutating func jobFinished() {
    jobs += 1
    if jobs % 16 == 0 { observe(wall: Self.wallSeconds(), cpu: Self.threadCPUSeconds()) }
  }

  /// Takes a reading of the wall clock and the calling thread's CPU clock, in seconds.
  mutating func observe(wall: Double, cpu: Double) {
    let now = (wall: wall, cpu: cpu, waited: waited)
    if windowStart.wall == 0 || now.wall - windowStart.wall > 10 * Self.window {
      windowStart = now  // the first window, or one that spanned idle time or a narrowed period
      return
    }
    guard now.wall - windowStart.wall >= Self.window else { return }
    let elapsed = now.wall - windowStart.wall
    let share = (now.cpu - windowStart.cpu) / elapsed, waitShare = (now.waited - windowStart.waited) / elapsed
    windowStart = now
    if share < Self.busyShare || waitShare > Self.maximumWaitShare {
      narrowUntil = now.wall + backOff
      backOff = min(backOff * 2, Self.maximumBackOff)
      windowStart = (0, 0, 0)  // the next window starts when parallel jobs resume
    } else {
      // Forget a busy spell slowly: one quiet-looking window is often just the scheduler's luck.
      backOff = max(backOff / 2, Self.firstBackOff)
    }
  }

  static func wallSeconds() -> Double { seconds(CLOCK_MONOTONIC) }
  static func threadCPUSeconds() -> Double { seconds(CLOCK_THREAD_CPUTIME_ID) }

  private static func seconds(_ clock: clockid_t) -> Double {
    var time = timespec()
    clock_gettime(clock, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }
}

extension torch {
  /// The number of threads CPU kernels use (`torch.get_num_threads()`).
  public static func getNumThreads() -> Int { ThreadPool.threadCount }
  /// Sets the number of threads CPU kernels use (`torch.set_num_threads(n)`), up to the
  /// pool's size at start-up.
  public static func setNumThreads(_ count: Int) { ThreadPool.threadCount = count }

  /// Parallel CPU jobs so far and how many ran inline because the machine was busy (for benchmarks).
  @_spi(Benchmarks) public static func threadPoolJobCounts() -> (total: Int, narrowed: Int) { ThreadPool.jobCounts }
}
