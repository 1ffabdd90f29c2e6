import Dispatch
import Synchronization

/// Runs a library's calls one at a time, in the order they were issued, for a library that
/// allows one caller at a time (MPI initialized as MPI_THREAD_SERIALIZED): asynchronous work
/// runs on a serial queue while the caller goes on; synchronous work runs on the caller's own
/// thread, straight away when nothing is queued (a collective of a few kilobytes takes about a
/// microsecond, and a round trip through the queue half as much again), else through the queue
/// behind what is there. A lock keeps a synchronous call and the queue's work from overlapping.
final class CallSerializer: @unchecked Sendable {
  private let queue: DispatchQueue
  private let lock = Locked(())
  /// Work items queued and not yet finished.
  private let queued = Atomic<Int>(0)

  init(label: String) { queue = DispatchQueue(label: label) }

  /// Runs `work` after everything queued before it, on the queue's thread.
  func async(_ work: @escaping @Sendable () -> Void) {
    queued.add(1, ordering: .sequentiallyConsistent)
    queue.async { [self] in
      lock.withLock { _ in work() }
      queued.subtract(1, ordering: .sequentiallyConsistent)
    }
  }

  /// Runs `work` on the caller's thread after everything queued before it, and returns its result.
  func sync<R>(_ work: () -> R) -> R {
    if queued.load(ordering: .sequentiallyConsistent) == 0 { return lock.withLock { _ in work() } }
    return queue.sync { lock.withLock { _ in work() } }
  }
}

/// The call under way, for a watchdog: its name and when it began (uptime in ns), each in an
/// atomic, so entering and leaving a call costs a clock read and two stores (a lock each way
/// cost as much as the rest of a 1 KB all-reduce's overhead).
final class InFlightCall: Sendable {
  /// When the call began; 0 between calls.
  private let since = Atomic<UInt64>(0)
  /// The address of the call's name, a static, NUL-terminated string.
  private let name = Atomic<UInt>(0)

  func enter(_ call: StaticString) {
    name.store(UInt(bitPattern: call.utf8Start), ordering: .relaxed)
    since.store(Swift.max(1, DispatchTime.now().uptimeNanoseconds), ordering: .releasing)
  }

  func leave() { since.store(0, ordering: .releasing) }

  /// The call under way and when it began, or nil.
  var current: (name: String, since: UInt64)? {
    let began = since.load(ordering: .acquiring)
    guard began != 0, let address = UnsafePointer<UInt8>(bitPattern: name.load(ordering: .relaxed)) else { return nil }
    return (String(cString: address), began)
  }
}
