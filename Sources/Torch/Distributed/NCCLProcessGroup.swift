import Foundation

/// The default process group over NCCL, for CUDA tensors, one GPU per rank. Rank 0 creates
/// NCCL's unique id and an MPI broadcast hands it to the others (a world of one needs no MPI).
///
/// As in PyTorch, NCCL runs on a communication stream of its own: each call waits (on the
/// device) for the kernels queued before it, and `Work.wait()` makes the device's stream wait
/// for the call, so communication overlaps the kernels issued meanwhile (DDP's backward) and
/// the host never waits. A non-contiguous tensor goes through a contiguous copy on the device
/// that `Work.wait()` writes back. A watchdog thread stops the process when a call has not
/// finished within the timeout or NCCL reports an asynchronous error (a peer that died).
/// NCCL has no gather, scatter or tags: gather and scatter are grouped point-to-point calls, as
/// in PyTorch, and send/recv ignore `tag`.
final class NCCLProcessGroup: ProcessGroup, @unchecked Sendable {
  let nccl: NCCLLibrary
  let rank: Int
  let worldSize: Int
  let device: Device
  let backend: CUDABackend
  private let comm: NCCLLibrary.Comm
  /// The stream NCCL's calls run on.
  private let stream: OpaquePointer?
  /// Calls enqueued and not yet seen finished by the watchdog, with when they were enqueued.
  private let inFlight = Locked<[(name: String, completion: DeviceCompletion, since: UInt64)]>([])
  private let timeout: Double
  /// Set by `finalize` (under the lock, so the watchdog never polls a destroyed communicator).
  private let stopped = Locked(false)
  /// The MPI group that carried the unique id (nil in a world of one), finalized with this one.
  private let bootstrap: MPIProcessGroup?

  var backendName: String { "nccl" }

  init(timeout: Double) throws(TorchError) {
    nccl = try NCCLLibrary.load()
    let environment = ProcessInfo.processInfo.environment
    let requested = environment["WORLD_SIZE"].flatMap(Int.init) ?? 1
    if environment["OMPI_COMM_WORLD_SIZE"] != nil {
      bootstrap = try MPIProcessGroup(timeout: timeout)
    } else if requested > 1 {
      throw .invalidArgument("nccl: WORLD_SIZE is \(requested), but NCCL's unique id travels over MPI: start the ranks with mpirun -np \(requested)")
    } else {
      bootstrap = nil
    }
    (rank, worldSize) = (bootstrap?.rank ?? 0, bootstrap?.worldSize ?? 1)
    let localRank = environment["LOCAL_RANK"].flatMap(Int.init) ?? environment["OMPI_COMM_WORLD_LOCAL_RANK"].flatMap(Int.init) ?? rank
    device = .cuda(localRank % Swift.max(1, torch.cuda.deviceCount()))
    guard let backend = Backends.available(for: device) as? CUDABackend else {
      throw .backend("nccl: rank \(rank) has no CUDA device: \(torch.cuda.unavailableReason ?? "no backend for \(device)")")
    }
    self.backend = backend
    self.timeout = timeout
    comm = try Self.joinCommunicator(nccl, backend, bootstrap, rank: rank, worldSize: worldSize)
    try backend.bindContext()
    stream = try backend.driver.createStream()
    startWatchdog()
  }

  /// Rank 0's unique id, broadcast over MPI with a trailing status byte (so that the other
  /// ranks hear of a failure instead of waiting), then `ncclCommInitRank` on every rank.
  private static func joinCommunicator(_ nccl: NCCLLibrary, _ backend: CUDABackend, _ bootstrap: MPIProcessGroup?,
                                       rank: Int, worldSize: Int) throws(TorchError) -> NCCLLibrary.Comm {
    let id = torch.zeros([NCCLLibrary.uniqueIdBytes + 1], dtype: .uint8)
    let bytes = id.storage.data
    if rank == 0 {
      let code = nccl.getUniqueId(bytes)
      if code != 0 { bytes.storeBytes(of: 1, toByteOffset: NCCLLibrary.uniqueIdBytes, as: UInt8.self) }
      if code != 0 && bootstrap == nil { throw .backend("ncclGetUniqueId failed: \(nccl.message(code))") }
    }
    if let bootstrap { _ = bootstrap.perform(.broadcast(id, src: 0), asyncOp: false) }
    guard bytes.load(fromByteOffset: NCCLLibrary.uniqueIdBytes, as: UInt8.self) == 0 else {
      throw .backend("[rank \(rank)] nccl: rank 0 could not create NCCL's unique id")
    }
    try backend.bindContext()
    let (comm, code) = nccl.communicator(id: bytes, worldSize: worldSize, rank: rank)
    guard code == 0, let comm else {
      throw .backend("[rank \(rank)] ncclCommInitRank (\(worldSize) ranks) on \(backend.device) failed: \(nccl.message(code))")
    }
    return comm
  }

  func finalize() {
    backend.orFail { try backend.driver.synchronize(stream) }
    backend.synchronize()
    inFlight.withLock { $0.removeAll() }
    stopped.withLock { $0 = true }
    _ = nccl.commDestroy(comm)
    bootstrap?.finalize()
  }

  func perform(_ collective: dist.Collective, asyncOp: Bool) -> dist.Work {
    let work: dist.Work
    switch collective {
    case .allReduce(let tensor, let op): work = allReduce(tensor, op: op)
    case .broadcast(let tensor, let src): work = broadcast(tensor, src: src)
    case .reduce(let tensor, let dst, let op): work = reduce(tensor, dst: dst, op: op)
    case .allGather(let outputs, let tensor): work = allGather(outputs, tensor)
    case .reduceScatter(let output, let inputs, let op): work = reduceScatter(output, inputs, op: op)
    case .gather(let tensor, let gatherList, let dst): work = gather(tensor, gatherList: gatherList, dst: dst)
    case .scatter(let tensor, let scatterList, let src): work = scatter(tensor, scatterList: scatterList, src: src)
    case .barrier: work = barrier()
    case .send(let tensor, let dst, _): work = pointToPoint("send", tensor, peer: dst)
    case .recv(let tensor, let src, _): work = pointToPoint("recv", tensor, peer: src)
    }
    if !asyncOp { work.wait() }
    return work
  }

  // MARK: - Collectives

  private func allReduce(_ tensor: Tensor, op: dist.ReduceOp) -> dist.Work {
    let buffer = Buffer(checked(tensor, "all_reduce"))
    let (type, reduction, world) = (datatype(tensor, "all_reduce"), reduction(op, tensor, "all_reduce"), worldSize)
    return enqueue("all_reduce", finish: { buffer.finish(averagingOver: op == .avg ? world : nil) }) { nccl, comm, stream in
      nccl.allReduce(address(buffer), address(buffer), buffer.count, type, reduction, comm, stream)
    }
  }

  private func broadcast(_ tensor: Tensor, src: Int) -> dist.Work {
    checkRank(src, "broadcast", "src")
    let buffer = Buffer(checked(tensor, "broadcast"))
    let type = datatype(tensor, "broadcast")
    return enqueue("broadcast", finish: { buffer.finish() }) { nccl, comm, stream in
      nccl.broadcast(address(buffer), address(buffer), buffer.count, type, Int32(src), comm, stream)
    }
  }

  private func reduce(_ tensor: Tensor, dst: Int, op: dist.ReduceOp) -> dist.Work {
    checkRank(dst, "reduce", "dst")
    let buffer = Buffer(checked(tensor, "reduce"))
    let (type, reduction, world, root) = (datatype(tensor, "reduce"), reduction(op, tensor, "reduce"), worldSize, rank == dst)
    return enqueue("reduce", finish: { if root { buffer.finish(averagingOver: op == .avg ? world : nil) } }) { nccl, comm, stream in
      nccl.reduce(address(buffer), address(buffer), buffer.count, type, reduction, Int32(dst), comm, stream)
    }
  }

  private func allGather(_ outputs: [Tensor], _ tensor: Tensor) -> dist.Work {
    checkList(outputs, like: tensor, "all_gather", "tensor_list")
    let input = Buffer(checked(tensor, "all_gather")), gathered = Buffer(stacking: outputs)
    let type = datatype(tensor, "all_gather")
    return enqueue("all_gather", finish: { gathered.scatter(into: outputs) }) { nccl, comm, stream in
      nccl.allGather(address(input), address(gathered), input.count, type, comm, stream)
    }
  }

  private func reduceScatter(_ output: Tensor, _ inputs: [Tensor], op: dist.ReduceOp) -> dist.Work {
    checkList(inputs, like: output, "reduce_scatter", "input_list")
    let result = Buffer(checked(output, "reduce_scatter")), stacked = Buffer(stacking: inputs)
    let (type, reduction, world) = (datatype(output, "reduce_scatter"), reduction(op, output, "reduce_scatter"), worldSize)
    return enqueue("reduce_scatter", finish: { result.finish(averagingOver: op == .avg ? world : nil) }) { nccl, comm, stream in
      nccl.reduceScatter(address(stacked), address(result), result.count, type, reduction, comm, stream)
    }
  }

  /// The root receives every other rank's tensor in one NCCL group and copies its own.
  private func gather(_ tensor: Tensor, gatherList: [Tensor]?, dst: Int) -> dist.Work {
    checkRank(dst, "gather", "dst")
    let gathered = rootList(gatherList, root: dst, like: tensor, "gather", "gather_list")
    let input = Buffer(checked(tensor, "gather"))
    let (type, rank, world) = (datatype(tensor, "gather"), self.rank, worldSize)
    if let gathered { torch.noGrad { gathered.dense[rank].copy_(input.dense) } }
    return enqueue("gather", finish: { if let gathered { gathered.scatter(into: gatherList!) } }) { nccl, comm, stream in
      guard let gathered else { return nccl.send(address(input), input.count, type, Int32(dst), comm, stream) }
      return eachPeer(nccl, world) { peer in
        nccl.recv(address(gathered, at: peer * input.count), input.count, type, Int32(peer), comm, stream)
      }
    }
  }

  /// The root sends every other rank its tensor in one NCCL group and copies its own.
  private func scatter(_ tensor: Tensor, scatterList: [Tensor]?, src: Int) -> dist.Work {
    checkRank(src, "scatter", "src")
    let stacked = rootList(scatterList, root: src, like: tensor, "scatter", "scatter_list")
    let output = Buffer(checked(tensor, "scatter"))
    let (type, rank, world) = (datatype(tensor, "scatter"), self.rank, worldSize)
    if let stacked { torch.noGrad { output.dense.copy_(stacked.dense[rank]) } }
    return enqueue("scatter", finish: { output.finish() }) { nccl, comm, stream in
      guard let stacked else { return nccl.recv(address(output), output.count, type, Int32(src), comm, stream) }
      return eachPeer(nccl, world) { peer in
        nccl.send(address(stacked, at: peer * output.count), output.count, type, Int32(peer), comm, stream)
      }
    }
  }

  /// As PyTorch's NCCL barrier: an all-reduce of one element, then the device waits for it.
  private func barrier() -> dist.Work {
    let token = Buffer(torch.zeros([1], device: device))
    let type = NCCLLibrary.datatype(.float32)!
    let backend = self.backend
    return enqueue("barrier", finish: { backend.synchronize() }) { nccl, comm, stream in
      nccl.allReduce(address(token), address(token), 1, type, NCCLLibrary.sum, comm, stream)
    }
  }

  private func pointToPoint(_ name: String, _ tensor: Tensor, peer: Int) -> dist.Work {
    checkRank(peer, name, name == "send" ? "dst" : "src")
    torchCheck(peer != rank, "[rank \(rank)] \(name): a rank cannot \(name == "send" ? "send to" : "receive from") itself", kind: "ValueError")
    let buffer = Buffer(checked(tensor, name))
    let type = datatype(tensor, name)
    return enqueue(name, finish: { if name == "recv" { buffer.finish() } }) { nccl, comm, stream in
      name == "send" ? nccl.send(address(buffer), buffer.count, type, Int32(peer), comm, stream)
        : nccl.recv(address(buffer), buffer.count, type, Int32(peer), comm, stream)
    }
  }

  // MARK: - Enqueueing

  /// Makes the NCCL call(s) in `body` on the communication stream, after the work queued so
  /// far on the device's stream; the work fails with NCCL's message if a call does.
  private func enqueue(_ name: String, finish: @escaping () -> Void,
                       _ body: (NCCLLibrary, NCCLLibrary.Comm, NCCLLibrary.Stream) -> Int32) -> dist.Work {
    let (driver, backend, stream) = (backend.driver, self.backend, self.stream)
    let (code, completion) = backend.orFail { () throws -> (Int32, DeviceCompletion?) in
      let ready = try driver.record(on: backend.stream)
      defer { driver.destroy(ready) }
      try driver.wait(stream, for: ready)
      let code = body(nccl, comm, stream)
      guard code == 0 else { return (code, nil) }
      return (0, DeviceCompletion(backend, event: try driver.record(on: stream)))
    }
    if let completion { inFlight.withLock { $0.append((name, completion, DispatchTime.now().uptimeNanoseconds)) } }
    let work = dist.Work(name, rank: rank, queued: false, onDevice: completion, finish: finish)
    work.complete(failure: code == 0 ? nil : nccl.message(code))
    return work
  }

  /// A thread that stops the process when an enqueued call has not finished within the
  /// timeout, or NCCL reports an asynchronous error on the communicator (as PyTorch's NCCL
  /// watchdog does): a peer that died would otherwise leave the device waiting forever.
  private func startWatchdog() {
    let (inFlight, timeout, nccl, stopped) = (self.inFlight, self.timeout, self.nccl, self.stopped)
    nonisolated(unsafe) let comm = self.comm
    Watchdog.start("torch.distributed.nccl.watchdog", rank: rank, timeout: timeout) {
      guard let asyncError = stopped.withLock({ stopped -> Int32? in stopped ? nil : nccl.asyncError(comm) ?? 0 }) else { return .done }
      if asyncError != 0 { return .failure("NCCL reported an asynchronous error: \(nccl.message(asyncError)) (a peer may have died)") }
      let late = inFlight.withLock { calls -> (String, UInt64)? in
        calls.removeAll { $0.completion.hasHappened }
        return calls.first.map { ($0.name, $0.since) }
      }
      guard let (name, since) = late else { return .fine }
      return Watchdog.overdue(name, since: since, timeout: timeout)
    }
  }

  /// The device address of a buffer's element `element`.
  private func address(_ buffer: Buffer, at element: Int = 0) -> UnsafeMutableRawPointer? {
    UnsafeMutableRawPointer(bitPattern: UInt(backend.address(buffer.dense)) + UInt(element * buffer.dense.dtype.itemSize))
  }

  /// `call(peer)` for every other rank, between ncclGroupStart and ncclGroupEnd so the calls
  /// run as one (a root's sends or receives); the first failing code, or 0.
  private func eachPeer(_ nccl: NCCLLibrary, _ world: Int, _ call: (Int) -> Int32) -> Int32 {
    let start = nccl.groupStart()
    if start != 0 { return start }
    var code: Int32 = 0
    for peer in 0..<world where peer != rank && code == 0 { code = call(peer) }
    let end = nccl.groupEnd()
    return code != 0 ? code : end
  }

  // MARK: - Checks

  private func checked(_ tensor: Tensor, _ name: String) -> Tensor {
    torchCheck(tensor.device == device,
      "[rank \(rank)] \(name): the nccl backend carries tensors on this rank's GPU (\(device)), but got a tensor on \(tensor.device)")
    return tensor
  }

  private func datatype(_ tensor: Tensor, _ name: String) -> Int32 {
    guard let type = NCCLLibrary.datatype(tensor.dtype) else {
      torchFail("[rank \(rank)] \(name): the nccl backend carries float32, float64, int64 and uint8 tensors, not \(tensor.dtype)")
    }
    return type
  }

  private func reduction(_ op: dist.ReduceOp, _ tensor: Tensor, _ name: String) -> Int32 {
    switch summingAverages(op, tensor, name) {
    case .sum, .avg: NCCLLibrary.sum
    case .product: NCCLLibrary.product
    case .min: NCCLLibrary.min
    case .max: NCCLLibrary.max
    }
  }
}

/// The end of a collective enqueued on a device's communication stream: an event the device's
/// own stream can wait for, and the host can query.
final class DeviceCompletion: @unchecked Sendable {
  private let backend: CUDABackend
  private let event: OpaquePointer
  private let ordered = Locked(false)

  init(_ backend: CUDABackend, event: OpaquePointer) {
    (self.backend, self.event) = (backend, event)
  }

  deinit { backend.orFail { backend.driver.destroy(event) } }

  /// Whether the collective has finished on the device.
  var hasHappened: Bool { backend.orFail { try backend.driver.hasHappened(event) } }

  /// Makes the device's stream wait for the collective (once): kernels queued from now on see
  /// its results.
  func orderDeviceAfter() {
    guard ordered.withLock({ done in defer { done = true }; return !done }) else { return }
    backend.orFail { try backend.driver.wait(backend.stream, for: event) }
  }
}
