import Foundation

/// What `dist` asks of its backend: Open MPI's group or NCCL's.
protocol ProcessGroup: AnyObject {
  var rank: Int { get }
  var worldSize: Int { get }
  /// `dist.get_backend()`'s answer.
  var backendName: String { get }
  /// Runs the collective; synchronous (`asyncOp: false`) its result is in the tensors on return.
  func perform(_ collective: dist.Collective, asyncOp: Bool) -> dist.Work
  func finalize()
}

/// The thread behind a group's timeout: every quarter of it (0.05 to 1 s) it asks `inspect`
/// what it sees, and stops the process with the failure it reports, so a peer that died or
/// never makes the matching call cannot leave the others waiting forever.
enum Watchdog {
  enum Finding {
    case fine
    /// The group has been destroyed: the thread ends.
    case done
    case failure(String)
  }

  static func start(_ label: String, rank: Int, timeout: Double, _ inspect: @escaping @Sendable () -> Finding) {
    let interval = Swift.max(0.05, Swift.min(1, timeout / 4))
    let thread = Thread {
      while true {
        Thread.sleep(forTimeInterval: interval)
        switch inspect() {
        case .fine: continue
        case .done: return
        case .failure(let message):
          FileHandle.standardError.write(Data("DistBackendError: [rank \(rank)] \(message)\n".utf8))
          exit(1)
        }
      }
    }
    thread.name = label
    thread.start()
  }

  /// A failure when call `name`, begun at `since` (uptime in ns), has run past `timeout`.
  static func overdue(_ name: String, since: UInt64, timeout: Double) -> Finding {
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - since) / 1e9
    guard elapsed > timeout else { return .fine }
    return .failure("\(name) did not finish within \(timeout) s: a peer may have died or not called \(name)")
  }
}

extension ProcessGroup {
  /// The reduction a backend runs for `op`: an average is a sum that `Buffer.finish` divides
  /// (floating point only, as in PyTorch).
  func summingAverages(_ op: dist.ReduceOp, _ tensor: Tensor, _ name: String) -> dist.ReduceOp {
    guard op == .avg else { return op }
    torchCheck(tensor.dtype.isFloatingPoint, "[rank \(rank)] \(name): ReduceOp.AVG needs a floating-point tensor, got \(tensor.dtype)")
    return .sum
  }

  /// The list only the root of a gather or scatter gives, checked and stacked into one
  /// buffer on the root; nil on the other ranks, which must give none.
  func rootList(_ list: [Tensor]?, root: Int, like tensor: Tensor, _ name: String, _ argument: String) -> Buffer? {
    guard root == rank else {
      torchCheck(list == nil || list!.isEmpty, "[rank \(rank)] \(name): \(argument) must be given only on rank \(root)", kind: "ValueError")
      return nil
    }
    guard let list else { torchFail("[rank \(rank)] \(name): rank \(root) must give \(argument)", kind: "ValueError") }
    checkList(list, like: tensor, name, argument)
    return Buffer(stacking: list)
  }

  func checkRank(_ value: Int, _ name: String, _ argument: String) {
    torchCheck(value >= 0 && value < worldSize, "[rank \(rank)] \(name): \(argument) \(value) is not a rank of a group of \(worldSize)", kind: "ValueError")
  }

  func checkList(_ list: [Tensor], like tensor: Tensor, _ name: String, _ argument: String) {
    torchCheck(list.count == worldSize, "[rank \(rank)] \(name): \(argument) has \(list.count) tensors, but the group has \(worldSize) ranks", kind: "ValueError")
    for (i, t) in list.enumerated() {
      torchCheck(t.dims == tensor.dims && t.dtype == tensor.dtype,
        "[rank \(rank)] \(name): \(argument)[\(i)] is \(t.dtype) \(t.shape.dims), but the tensor is \(tensor.dtype) \(tensor.shape.dims)")
    }
  }
}


/// A tensor's memory as a collective sees it: the tensor itself when contiguous, else a
/// contiguous copy (on the tensor's device) whose result `finish` writes back.
final class Buffer: @unchecked Sendable {
  let tensor: Tensor
  let dense: Tensor
  /// Whether `dense` is a copy (the tensor was not contiguous).
  let copied: Bool
  var count: Int { dense.numel() }

  init(_ tensor: Tensor) {
    self.tensor = tensor
    copied = !tensor.isContiguous
    dense = copied ? GradMode.with(enabled: false) { tensor.detach().rawContiguous() } : tensor
  }

  /// One contiguous [count, ...] buffer holding `tensors` (a list's collective sees one array).
  convenience init(stacking tensors: [Tensor]) {
    self.init(GradMode.with(enabled: false) { torch.stack(tensors.map { $0.detach() }) })
  }

  /// The host address of element `element` (a CPU tensor's).
  func bytes(at element: Int) -> UnsafeMutableRawPointer {
    dense.storage.data + (dense.storageOffset + element) * dense.dtype.itemSize
  }

  /// Puts the result into the caller's tensor (dividing by the world size for an average).
  func finish(averagingOver world: Int? = nil) {
    GradMode.with(enabled: false) {
      if let world { dense.div_(Double(world)) }
      if copied { tensor.detach().copy_(dense) }
    }
  }

  /// Splits a stacked [world, ...] result into `outputs`.
  func scatter(into outputs: [Tensor]) {
    GradMode.with(enabled: false) {
      for (i, output) in outputs.enumerated() { output.detach().copy_(dense[i]) }
    }
  }
}
