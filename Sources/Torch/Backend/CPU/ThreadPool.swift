import Dispatch
import Foundation
import Synchronization

/// Runs data-parallel work on the system's persistent worker pool (libdispatch keeps its
/// threads alive between calls, so no thread is created per op).
///
/// The number of workers defaults to the machine's cores and can be set with the
/// `TORCH_NUM_THREADS` or `OMP_NUM_THREADS` environment variables, or `torch.setNumThreads`.
enum ThreadPool {
  private static let configured = Atomic<Int>(defaultThreadCount())

  private static func defaultThreadCount() -> Int {
    let environment = ProcessInfo.processInfo.environment
    for key in ["TORCH_NUM_THREADS", "OMP_NUM_THREADS"] {
      if let value = environment[key].flatMap(Int.init), value > 0 { return value }
    }
    return max(1, ProcessInfo.processInfo.activeProcessorCount)
  }

  static var threadCount: Int {
    get { configured.load(ordering: .relaxed) }
    set { configured.store(max(1, newValue), ordering: .relaxed) }
  }

  /// Calls `body(i)` for every `i` in `0..<tasks`, in parallel when `tasks > 1`.
  static func parallelFor(_ tasks: Int, _ body: (Int) -> Void) {
    if tasks <= 1 {
      if tasks == 1 { body(0) }
      return
    }
    withoutActuallyEscaping(body) { body in
      let box = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: tasks) { box.value($0) }
    }
  }
}

/// Carries a value across a concurrency boundary that the caller has made safe by hand
/// (each parallel task writes a disjoint part of the output).
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

extension torch {
  /// The number of threads CPU kernels use (`torch.get_num_threads()`).
  public static func getNumThreads() -> Int { ThreadPool.threadCount }
  /// Sets the number of threads CPU kernels use (`torch.set_num_threads(n)`).
  public static func setNumThreads(_ count: Int) { ThreadPool.threadCount = count }
}
