import Foundation

/// `torch.distributed`: processes that train together, one rank each, exchanging tensors
/// through collectives. Open MPI carries CPU tensors (`initProcessGroup(backend: "mpi")`,
/// ranks started by `mpirun`); the library is opened at run time, so a program that never
/// initializes a group never needs it.
public enum dist {
  /// How a reduction combines the ranks' values (`dist.ReduceOp`).
  public enum ReduceOp: String, Sendable {
    case sum = "SUM", avg = "AVG", product = "PRODUCT", min = "MIN", max = "MAX"
  }

  nonisolated(unsafe) static var group: MPIProcessGroup?

  /// Joins the processes started together (`dist.init_process_group`). Ranks and world size
  /// come from MPI (`mpirun` sets them); `RANK`/`WORLD_SIZE` as torchrun sets them, when
  /// present, must agree. A collective that has not finished after `timeout` seconds stops the
  /// process with an error naming it (a peer that died never answers).
  public static func initProcessGroup(backend: String = "mpi", timeout: Double = 1800) throws(TorchError) {
    guard group == nil else { throw .invalidArgument("trying to initialize the default process group twice!") }
    guard backend == "mpi" else {
      throw .invalidArgument("Invalid backend: '\(backend)'; this build supports 'mpi' (CPU tensors through Open MPI)")
    }
    group = try MPIProcessGroup(timeout: timeout)
  }

  /// Whether `initProcessGroup` has run (`dist.is_initialized`).
  public static var isInitialized: Bool { group != nil }

  /// This process's rank, 0 ..< world size (`dist.get_rank`).
  public static func getRank() -> Int { defaultGroup().rank }

  /// The number of processes (`dist.get_world_size`).
  public static func getWorldSize() -> Int { defaultGroup().worldSize }

  /// The backend's name (`dist.get_backend`).
  public static func getBackend() -> String {
    _ = defaultGroup()
    return "mpi"
  }

  /// Leaves the group and finalizes MPI (`dist.destroy_process_group`).
  public static func destroyProcessGroup() {
    defaultGroup().finalize()
    group = nil
  }

  static func defaultGroup() -> MPIProcessGroup {
    guard let group else {
      torchFail("Default process group has not been initialized, please make sure to call init_process_group.", kind: "ValueError")
    }
    return group
  }

  /// Open MPI's own MPI_Allreduce (sum) on a contiguous CPU tensor, called directly: the
  /// yardstick for `allReduce`'s overhead (`torch-bench --distributed`).
  @_spi(Benchmark) public static func mpiAllReduce(_ tensor: Tensor) {
    torchCheck(tensor.isContiguous && tensor.device == .cpu, "mpiAllReduce takes a contiguous CPU tensor")
    let code = defaultGroup().directAllReduce(tensor)
    torchCheck(code == 0, "MPI_Allreduce failed with code \(code)")
  }

  // MARK: - Collectives

  /// Reduces `tensor` over all ranks in place, every rank getting the result (`dist.all_reduce`).
  @discardableResult
  public static func allReduce(_ tensor: Tensor, op: ReduceOp = .sum, asyncOp: Bool = false) -> Work {
    defaultGroup().call(asyncOp) { $0.allReduce(tensor, op: op) }
  }

  /// Copies rank `src`'s `tensor` into every rank's `tensor` (`dist.broadcast`).
  @discardableResult
  public static func broadcast(_ tensor: Tensor, src: Int, asyncOp: Bool = false) -> Work {
    defaultGroup().call(asyncOp) { $0.broadcast(tensor, src: src) }
  }

  /// Reduces `tensor` over all ranks into rank `dst`'s `tensor` (`dist.reduce`).
  @discardableResult
  public static func reduce(_ tensor: Tensor, dst: Int, op: ReduceOp = .sum, asyncOp: Bool = false) -> Work {
    defaultGroup().call(asyncOp) { $0.reduce(tensor, dst: dst, op: op) }
  }

  /// Every rank's `tensor` into `tensorList[rank]` on every rank (`dist.all_gather`).
  @discardableResult
  public static func allGather(_ tensorList: [Tensor], _ tensor: Tensor, asyncOp: Bool = false) -> Work {
    defaultGroup().call(asyncOp) { $0.allGather(tensorList, tensor) }
  }

  /// Reduces `inputList[r]` over all ranks into rank r's `output` (`dist.reduce_scatter`).
  @discardableResult
  public static func reduceScatter(_ output: Tensor, _ inputList: [Tensor], op: ReduceOp = .sum, asyncOp: Bool = false) -> Work {
    defaultGroup().call(asyncOp) { $0.reduceScatter(output, inputList, op: op) }
  }

  /// Every rank's `tensor` into rank `dst`'s `gatherList` (`dist.gather`; other ranks pass nil).
  @discardableResult
  public static func gather(_ tensor: Tensor, gatherList: [Tensor]? = nil, dst: Int = 0, asyncOp: Bool = false) -> Work {
    defaultGroup().call(asyncOp) { $0.gather(tensor, gatherList: gatherList, dst: dst) }
  }

  /// Rank `src`'s `scatterList[r]` into rank r's `tensor` (`dist.scatter`; other ranks pass nil).
  @discardableResult
  public static func scatter(_ tensor: Tensor, scatterList: [Tensor]? = nil, src: Int = 0, asyncOp: Bool = false) -> Work {
    defaultGroup().call(asyncOp) { $0.scatter(tensor, scatterList: scatterList, src: src) }
  }

  /// Waits until every rank has called it (`dist.barrier`).
  @discardableResult
  public static func barrier(asyncOp: Bool = false) -> Work {
    defaultGroup().call(asyncOp) { $0.barrier() }
  }

  /// Sends `tensor` to rank `dst` (`dist.send`; blocks until the matching `recv` has it).
  public static func send(_ tensor: Tensor, dst: Int, tag: Int = 0) {
    defaultGroup().call(false) { $0.send(tensor, dst: dst, tag: tag) }
  }

  /// Receives into `tensor` from rank `src` (`dist.recv`).
  public static func recv(_ tensor: Tensor, src: Int, tag: Int = 0) {
    defaultGroup().call(false) { $0.recv(tensor, src: src, tag: tag) }
  }

  /// A collective in flight (`asyncOp: true`) or done: `wait()` blocks until it has finished
  /// and its result is in the tensors.
  public final class Work: @unchecked Sendable {
    let name: String
    let rank: Int
    /// Signalled by the communication queue; nil for a collective run inline, complete on return.
    private let done: DispatchSemaphore?
    private var failure: String?
    private var finished = false
    private let finish: () -> Void

    init(_ name: String, rank: Int, queued: Bool, finish: @escaping () -> Void) {
      (self.name, self.rank, self.finish) = (name, rank, finish)
      done = queued ? DispatchSemaphore(value: 0) : nil
    }

    /// Called when MPI returns: `failure` is MPI's message for a nonzero code.
    func complete(failure: String?) {
      self.failure = failure
      done?.signal()
    }

    /// Whether the collective has finished (`Work.is_completed`).
    public var isCompleted: Bool {
      guard !finished, let done else { return true }
      guard done.wait(timeout: .now()) == .success else { return false }
      done.signal()
      return true
    }

    /// Blocks until the collective has finished, then leaves its result in the tensors. A
    /// failed collective stops the process with an error naming the rank and the collective
    /// (one that never finishes is stopped by the group's timeout watchdog).
    public func wait() {
      guard !finished else { return }
      done?.wait()
      finished = true
      if let failure { torchFail("[rank \(rank)] \(name) failed: \(failure)", kind: "DistBackendError") }
      finish()
    }
  }
}

extension torch {
  /// `torch.distributed`, also reachable as `dist`.
  public typealias distributed = dist
}
