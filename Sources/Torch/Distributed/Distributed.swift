import Foundation

/// `torch.distributed`: processes that train together, one rank each, exchanging tensors
/// through collectives. Open MPI carries CPU tensors (`initProcessGroup(backend: "mpi")`,
/// ranks started by `mpirun`) and NCCL carries CUDA tensors (`backend: "nccl"`, one GPU per
/// rank, its unique id sent over MPI); both libraries are opened at run time, so a program
/// that never initializes a group never needs them.
public enum dist {
  /// How a reduction combines the ranks' values (`dist.ReduceOp`).
  public enum ReduceOp: String, Sendable {
    case sum = "SUM", avg = "AVG", product = "PRODUCT", min = "MIN", max = "MAX"
  }

  nonisolated(unsafe) static var group: (any ProcessGroup)?

  /// Joins the processes started together (`dist.init_process_group`). Ranks and world size
  /// come from MPI (`mpirun` sets them); `RANK`/`WORLD_SIZE` as torchrun sets them, when
  /// present, must agree. A collective that has not finished after `timeout` seconds stops the
  /// process with an error naming it (a peer that died never answers).
  ///
  /// `"nccl"` carries CUDA tensors on the rank's GPU (`LOCAL_RANK`, or Open MPI's local rank,
  /// modulo the device count): rank 0 creates NCCL's unique id and MPI broadcasts it, so
  /// more than one rank needs `mpirun`; a world of one needs neither.
  public static func initProcessGroup(backend: String = "mpi", timeout: Double = 1800) throws(TorchError) {
    guard group == nil else { throw .invalidArgument("trying to initialize the default process group twice!") }
    switch backend {
    case "mpi": group = try MPIProcessGroup(timeout: timeout)
    case "nccl": group = try NCCLProcessGroup(timeout: timeout)
    default:
      throw .invalidArgument("Invalid backend: '\(backend)'; this build supports 'mpi' (CPU tensors through Open MPI) and 'nccl' (CUDA tensors)")
    }
  }

  /// Whether `initProcessGroup` has run (`dist.is_initialized`).
  public static var isInitialized: Bool { group != nil }

  /// This process's rank, 0 ..< world size (`dist.get_rank`).
  public static func getRank() -> Int { defaultGroup().rank }

  /// The number of processes (`dist.get_world_size`).
  public static func getWorldSize() -> Int { defaultGroup().worldSize }

  /// The backend's name (`dist.get_backend`).
  public static func getBackend() -> String { defaultGroup().backendName }

  /// Leaves the group and finalizes MPI (`dist.destroy_process_group`).
  public static func destroyProcessGroup() {
    defaultGroup().finalize()
    group = nil
  }

  static func defaultGroup() -> any ProcessGroup {
    guard let group else {
      torchFail("Default process group has not been initialized, please make sure to call init_process_group.", kind: "ValueError")
    }
    return group
  }

  /// Open MPI's own MPI_Allreduce (sum) on a contiguous CPU tensor, called directly: the
  /// yardstick for `allReduce`'s overhead (`torch-bench --distributed`).
  @_spi(Benchmark) public static func mpiAllReduce(_ tensor: Tensor) {
    torchCheck(tensor.isContiguous && tensor.device == .cpu, "mpiAllReduce takes a contiguous CPU tensor")
    guard let group = defaultGroup() as? MPIProcessGroup else { torchFail("mpiAllReduce needs the mpi backend") }
    let code = group.directAllReduce(tensor)
    torchCheck(code == 0, "MPI_Allreduce failed with code \(code)")
  }

  // MARK: - Collectives

  /// Reduces `tensor` over all ranks in place, every rank getting the result (`dist.all_reduce`).
  @discardableResult
  public static func allReduce(_ tensor: Tensor, op: ReduceOp = .sum, asyncOp: Bool = false) -> Work {
    defaultGroup().perform(.allReduce(tensor, op: op), asyncOp: asyncOp)
  }

  /// Copies rank `src`'s `tensor` into every rank's `tensor` (`dist.broadcast`).
  @discardableResult
  public static func broadcast(_ tensor: Tensor, src: Int, asyncOp: Bool = false) -> Work {
    defaultGroup().perform(.broadcast(tensor, src: src), asyncOp: asyncOp)
  }

  /// Reduces `tensor` over all ranks into rank `dst`'s `tensor` (`dist.reduce`).
  @discardableResult
  public static func reduce(_ tensor: Tensor, dst: Int, op: ReduceOp = .sum, asyncOp: Bool = false) -> Work {
    defaultGroup().perform(.reduce(tensor, dst: dst, op: op), asyncOp: asyncOp)
  }

  /// Every rank's `tensor` into `tensorList[rank]` on every rank (`dist.all_gather`).
  @discardableResult
  public static func allGather(_ tensorList: [Tensor], _ tensor: Tensor, asyncOp: Bool = false) -> Work {
    defaultGroup().perform(.allGather(tensorList, tensor), asyncOp: asyncOp)
  }

  /// Reduces `inputList[r]` over all ranks into rank r's `output` (`dist.reduce_scatter`).
  @discardableResult
  public static func reduceScatter(_ output: Tensor, _ inputList: [Tensor], op: ReduceOp = .sum, asyncOp: Bool = false) -> Work {
    defaultGroup().perform(.reduceScatter(output, inputList, op: op), asyncOp: asyncOp)
  }

  /// Every rank's `tensor` into rank `dst`'s `gatherList` (`dist.gather`; other ranks pass nil).
  @discardableResult
  public static func gather(_ tensor: Tensor, gatherList: [Tensor]? = nil, dst: Int = 0, asyncOp: Bool = false) -> Work {
    defaultGroup().perform(.gather(tensor, gatherList: gatherList, dst: dst), asyncOp: asyncOp)
  }

  /// Rank `src`'s `scatterList[r]` into rank r's `tensor` (`dist.scatter`; other ranks pass nil).
  @discardableResult
  public static func scatter(_ tensor: Tensor, scatterList: [Tensor]? = nil, src: Int = 0, asyncOp: Bool = false) -> Work {
    defaultGroup().perform(.scatter(tensor, scatterList: scatterList, src: src), asyncOp: asyncOp)
  }

  /// Waits until every rank has called it (`dist.barrier`).
  @discardableResult
  public static func barrier(asyncOp: Bool = false) -> Work {
    defaultGroup().perform(.barrier, asyncOp: asyncOp)
  }

  /// Sends `tensor` to rank `dst` (`dist.send`; blocks until the matching `recv` has it).
  public static func send(_ tensor: Tensor, dst: Int, tag: Int = 0) {
    _ = defaultGroup().perform(.send(tensor, dst: dst, tag: tag), asyncOp: false)
  }

  /// Receives into `tensor` from rank `src` (`dist.recv`).
  public static func recv(_ tensor: Tensor, src: Int, tag: Int = 0) {
    _ = defaultGroup().perform(.recv(tensor, src: src, tag: tag), asyncOp: false)
  }

  /// One collective as a process group is asked to run it.
  enum Collective {
    case allReduce(Tensor, op: ReduceOp)
    case broadcast(Tensor, src: Int)
    case reduce(Tensor, dst: Int, op: ReduceOp)
    case allGather([Tensor], Tensor)
    case reduceScatter(Tensor, [Tensor], op: ReduceOp)
    case gather(Tensor, gatherList: [Tensor]?, dst: Int)
    case scatter(Tensor, scatterList: [Tensor]?, src: Int)
    case barrier
    case send(Tensor, dst: Int, tag: Int)
    case recv(Tensor, src: Int, tag: Int)
  }

  /// A collective in flight (`asyncOp: true`) or done: `wait()` blocks until it has finished
  /// and its result is in the tensors. A collective on a GPU (nccl) runs on a stream of its own:
  /// `wait()` then makes the device's stream wait for it (the host goes on, as in PyTorch).
  public final class Work: @unchecked Sendable {
    let name: String
    let rank: Int
    /// Signalled by the communication queue; nil for a collective run inline, complete on return.
    private let done: DispatchSemaphore?
    /// For a collective enqueued on a device: the event that marks its end.
    private let onDevice: DeviceCompletion?
    private var failure: String?
    private var finished = false
    private let finish: () -> Void

    init(_ name: String, rank: Int, queued: Bool, onDevice: DeviceCompletion? = nil, finish: @escaping () -> Void) {
      (self.name, self.rank, self.onDevice, self.finish) = (name, rank, onDevice, finish)
      done = queued ? DispatchSemaphore(value: 0) : nil
    }

    /// A dropped, unwaited device collective still orders the device's later work after it, so
    /// no buffer it uses is handed to another tensor while it runs.
    deinit { if !finished { onDevice?.orderDeviceAfter() } }

    /// Called when MPI returns (or NCCL has queued the call): `failure` is its message for a
    /// nonzero code.
    func complete(failure: String?) {
      self.failure = failure
      done?.signal()
    }

    /// Whether the collective has finished (`Work.is_completed`).
    public var isCompleted: Bool {
      if let onDevice, !finished { return onDevice.hasHappened }
      guard !finished, let done else { return true }
      guard done.wait(timeout: .now()) == .success else { return false }
      done.signal()
      return true
    }

    /// Waits until the collective has finished (on a GPU: makes the device's stream wait),
    /// then leaves its result in the tensors. A failed collective stops the process with an
    /// error naming the rank and the collective (one that never finishes is stopped by the
    /// group's timeout watchdog).
    public func wait() {
      guard !finished else { return }
      done?.wait()
      finished = true
      if let failure { torchFail("[rank \(rank)] \(name) failed: \(failure)", kind: "DistBackendError") }
      onDevice?.orderDeviceAfter()
      finish()
    }
  }
}

extension torch {
  /// `torch.distributed`, also reachable as `dist`.
  public typealias distributed = dist
}
