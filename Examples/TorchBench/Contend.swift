import Foundation
@_spi(Benchmarks) import Torch

/// `--contend`: training steps/s on a quiet machine and with all cores but one kept busy by
/// other processes (shell busy-loops), each with the default thread count and with one thread,
/// alternating to even out drift. A good pool loses nothing to the second core's other tenant:
/// the `*_time_ratio` lines (default thread count over one thread, in time) should be near 1.
/// `*_inline_jobs` is the share of parallel jobs the pool ran on the calling thread alone
/// because it found the machine busy.
func contend() {
  let cores = torch.getNumThreads()
  print("threads \(cores) count")
  measure("quiet", threads: cores)
  let hogs = (0..<max(1, cores - 1)).compactMap { _ in startBusyLoop() }
  defer { for hog in hogs { hog.terminate(); hog.waitUntilExit() } }
  print("busy_processes \(hogs.count) count")
  Thread.sleep(forTimeInterval: 0.2)
  measure("busy", threads: cores)
}

private func measure(_ label: String, threads: Int) {
  for adam in [false, true] {
    var parallel: [Double] = [], single: [Double] = []
    var narrowed = 0, total = 0
    for _ in 0..<3 {
      torch.setNumThreads(threads)
      let before = torch.threadPoolJobCounts()
      parallel.append(trainingStepsPerSecond(adam: adam))
      let jobs = threadPoolJobs(since: before)
      (total, narrowed) = (total + jobs.total, narrowed + jobs.narrowed)
      torch.setNumThreads(1)
      single.append(trainingStepsPerSecond(adam: adam))
    }
    torch.setNumThreads(threads)
    let name = "\(label)_\(adam ? "adam" : "sgd")"
    let (p, s) = (parallel.sorted()[1], single.sorted()[1])
    report("\(name)_steps_default", p, "steps/s")
    report("\(name)_steps_1thread", s, "steps/s")
    report("\(name)_time_ratio", s / p, "x")
    report("\(name)_inline_jobs", inlinePercent((total, narrowed)), "%")
  }
}

/// The parallel jobs the pool has run since `before` (a `torch.threadPoolJobCounts()`), and
/// how many of them it ran on the calling thread alone, finding the cores shared.
func threadPoolJobs(since before: (total: Int, narrowed: Int)) -> (total: Int, narrowed: Int) {
  let after = torch.threadPoolJobCounts()
  return (after.total - before.total, after.narrowed - before.narrowed)
}

/// The share of `jobs` run on the calling thread alone, in percent.
func inlinePercent(_ jobs: (total: Int, narrowed: Int)) -> Double { 100 * Double(jobs.narrowed) / Double(max(jobs.total, 1)) }

/// A shell that spins until terminated.
private func startBusyLoop() -> Process? {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/sh")
  process.arguments = ["-c", "while :; do :; done"]
  return (try? process.run()) != nil ? process : nil
}
