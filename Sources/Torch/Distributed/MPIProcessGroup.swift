import Foundation

/// The default process group over Open MPI. MPI calls run one at a time, in the order issued
/// (MPI is initialized as MPI_THREAD_SERIALIZED; `CallSerializer`): collectives issued
/// asynchronously, such as DistributedDataParallel's during backward, run on a queue and
/// overlap with computation on the caller's threads; synchronous ones run on the caller's.
/// Tensors are handed to MPI as contiguous buffers; a non-contiguous tensor goes through a
/// contiguous copy that `Work.wait()` writes back.
final class MPIProcessGroup: ProcessGroup, @unchecked Sendable {
  let mpi: MPILibrary
  let rank: Int
  let worldSize: Int
  let timeout: Double
  /// `TORCH_DISTRIBUTED_DEBUG=DETAIL`: each collective first checks that every rank called the
  /// same one with the same element count and dtype.
  let checksConsistency: Bool
  private let calls = CallSerializer(label: "torch.distributed.mpi")
  /// The MPI call under way, watched by the watchdog.
  private let inFlight = InFlightCall()
  /// The handle of every call run by `runNow`: finished, nothing to write back.
  private let completed: dist.Work

  init(timeout: Double) throws(TorchError) {
    mpi = try MPILibrary.load()
    self.timeout = timeout
    checksConsistency = ProcessInfo.processInfo.environment["TORCH_DISTRIBUTED_DEBUG"] == "DETAIL"
    let library = mpi
    let started: Result<(Int, Int), TorchError> = calls.sync {
      var provided: Int32 = 0, already: Int32 = 0
      _ = library.initialized(&already)
      if already == 0 {
        let code = library.initThread(nil, nil, MPILibrary.threadSerialized, &provided)
        guard code == 0 else { return .failure(.backend("MPI_Init_thread failed: \(library.message(code))")) }
        guard provided >= MPILibrary.threadSerialized else {
          return .failure(.backend("this MPI provides thread level \(provided); MPI_THREAD_SERIALIZED (2) is needed"))
        }
      }
      _ = library.commSetErrhandler(library.commWorld, library.errorsReturn)
      var rank: Int32 = 0, size: Int32 = 0
      _ = library.commRank(library.commWorld, &rank)
      _ = library.commSize(library.commWorld, &size)
      return .success((Int(rank), Int(size)))
    }
    (rank, worldSize) = try started.get()
    completed = dist.Work("collective", rank: rank, queued: false, finish: {})
    completed.wait()
    startWatchdog()
    let environment = ProcessInfo.processInfo.environment
    if let expected = environment["WORLD_SIZE"].flatMap(Int.init), expected != worldSize {
      throw .invalidArgument("WORLD_SIZE is \(expected) but MPI started \(worldSize) process(es): launch with mpirun -np \(expected)")
    }
    if let expected = environment["RANK"].flatMap(Int.init), expected != rank {
      throw .invalidArgument("RANK is \(expected) but MPI gave this process rank \(rank)")
    }
  }

  var backendName: String { "mpi" }

  func finalize() {
    let library = mpi
    calls.sync { _ = library.finalize() }
  }

  /// Runs a collective: synchronous (`asyncOp: false`) on the caller's thread, returning once
  /// it has finished, else on the communication queue while the caller goes on.
  func perform(_ collective: dist.Collective, asyncOp: Bool) -> dist.Work {
    let inline = !asyncOp
    let work: dist.Work
    switch collective {
    case .allReduce(let tensor, let op): work = allReduce(tensor, op: op, inline: inline)
    case .broadcast(let tensor, let src): work = broadcast(tensor, src: src, inline: inline)
    case .reduce(let tensor, let dst, let op): work = reduce(tensor, dst: dst, op: op, inline: inline)
    case .allGather(let outputs, let tensor): work = allGather(outputs, tensor, inline: inline)
    case .reduceScatter(let output, let inputs, let op): work = reduceScatter(output, inputs, op: op, inline: inline)
    case .gather(let tensor, let gatherList, let dst): work = gather(tensor, gatherList: gatherList, dst: dst, inline: inline)
    case .scatter(let tensor, let scatterList, let src): work = scatter(tensor, scatterList: scatterList, src: src, inline: inline)
    case .barrier: work = barrier(inline: inline)
    case .send(let tensor, let dst, let tag): work = send(tensor, dst: dst, tag: tag, inline: inline)
    case .recv(let tensor, let src, let tag): work = recv(tensor, src: src, tag: tag, inline: inline)
    }
    if !asyncOp { work.wait() }
    return work
  }

  // MARK: - Collectives

  private func allReduce(_ tensor: Tensor, op: dist.ReduceOp, inline: Bool) -> dist.Work {
    _ = checked(tensor, "all_reduce")
    nonisolated(unsafe) let (type, reduction) = (datatype(tensor, "all_reduce"), reduction(op, tensor, "all_reduce"))
    if inline && tensor.isContiguous && op != .avg && !checksConsistency {
      // Small all-reduces cost microseconds: the synchronous in-place case skips the work's
      // buffer and closures.
      let start = tensor.storage.data + tensor.storageOffset * tensor.dtype.itemSize, itemSize = tensor.dtype.itemSize
      return runNow("all_reduce") { mpi in
        Self.chunked(tensor.numel()) { offset, count in
          mpi.allreduce(MPILibrary.inPlace, start + offset * itemSize, count, type, reduction, mpi.commWorld)
        }
      }
    }
    let buffer = Buffer(tensor)
    let world = worldSize
    return run("all_reduce", inline: inline, [buffer], finish: { buffer.finish(averagingOver: op == .avg ? world : nil) }) { mpi in
      Self.chunked(buffer.count) { offset, count in
        mpi.allreduce(MPILibrary.inPlace, buffer.bytes(at: offset), count, type, reduction, mpi.commWorld)
      }
    }
  }

  private func broadcast(_ tensor: Tensor, src: Int, inline: Bool) -> dist.Work {
    checkRank(src, "broadcast", "src")
    let buffer = Buffer(checked(tensor, "broadcast"))
    nonisolated(unsafe) let type = datatype(tensor, "broadcast")
    return run("broadcast", inline: inline, [buffer], finish: { buffer.finish() }) { mpi in
      Self.chunked(buffer.count) { offset, count in
        mpi.bcast(buffer.bytes(at: offset), count, type, Int32(src), mpi.commWorld)
      }
    }
  }

  private func reduce(_ tensor: Tensor, dst: Int, op: dist.ReduceOp, inline: Bool) -> dist.Work {
    checkRank(dst, "reduce", "dst")
    let buffer = Buffer(checked(tensor, "reduce"))
    nonisolated(unsafe) let (type, reduction) = (datatype(tensor, "reduce"), reduction(op, tensor, "reduce"))
    let (root, world) = (rank == dst, worldSize)
    return run("reduce", inline: inline, [buffer], finish: { if root { buffer.finish(averagingOver: op == .avg ? world : nil) } }) { mpi in
      Self.chunked(buffer.count) { offset, count in
        root ? mpi.reduce(MPILibrary.inPlace, buffer.bytes(at: offset), count, type, reduction, Int32(dst), mpi.commWorld)
          : mpi.reduce(buffer.bytes(at: offset), nil, count, type, reduction, Int32(dst), mpi.commWorld)
      }
    }
  }

  private func allGather(_ outputs: [Tensor], _ tensor: Tensor, inline: Bool) -> dist.Work {
    checkList(outputs, like: tensor, "all_gather", "tensor_list")
    let input = Buffer(checked(tensor, "all_gather"))
    let gathered = Buffer(stacking: outputs)
    nonisolated(unsafe) let type = datatype(tensor, "all_gather")
    let count = Self.count(input.count, "all_gather")
    return run("all_gather", inline: inline, [input], finish: { gathered.scatter(into: outputs) }) { mpi in
      mpi.allgather(input.bytes(at: 0), count, type, gathered.bytes(at: 0), count, type, mpi.commWorld)
    }
  }

  private func reduceScatter(_ output: Tensor, _ inputs: [Tensor], op: dist.ReduceOp, inline: Bool) -> dist.Work {
    checkList(inputs, like: output, "reduce_scatter", "input_list")
    let result = Buffer(checked(output, "reduce_scatter"))
    let stacked = Buffer(stacking: inputs)
    nonisolated(unsafe) let (type, reduction) = (datatype(output, "reduce_scatter"), reduction(op, output, "reduce_scatter"))
    let count = Self.count(result.count, "reduce_scatter"), world = worldSize
    return run("reduce_scatter", inline: inline, [result], finish: { result.finish(averagingOver: op == .avg ? world : nil) }) { mpi in
      mpi.reduceScatterBlock(stacked.bytes(at: 0), result.bytes(at: 0), count, type, reduction, mpi.commWorld)
    }
  }

  private func gather(_ tensor: Tensor, gatherList: [Tensor]?, dst: Int, inline: Bool) -> dist.Work {
    checkRank(dst, "gather", "dst")
    let gathered = rootList(gatherList, root: dst, like: tensor, "gather", "gather_list")
    let input = Buffer(checked(tensor, "gather"))
    nonisolated(unsafe) let type = datatype(tensor, "gather")
    let count = Self.count(input.count, "gather")
    return run("gather", inline: inline, [input], finish: { if let gathered { gathered.scatter(into: gatherList!) } }) { mpi in
      mpi.gather(input.bytes(at: 0), count, type, gathered?.bytes(at: 0), count, type, Int32(dst), mpi.commWorld)
    }
  }

  private func scatter(_ tensor: Tensor, scatterList: [Tensor]?, src: Int, inline: Bool) -> dist.Work {
    checkRank(src, "scatter", "src")
    let stacked = rootList(scatterList, root: src, like: tensor, "scatter", "scatter_list")
    let output = Buffer(checked(tensor, "scatter"))
    nonisolated(unsafe) let type = datatype(tensor, "scatter")
    let count = Self.count(output.count, "scatter")
    return run("scatter", inline: inline, [output], finish: { output.finish() }) { mpi in
      mpi.scatter(stacked?.bytes(at: 0), count, type, output.bytes(at: 0), count, type, Int32(src), mpi.commWorld)
    }
  }

  private func barrier(inline: Bool) -> dist.Work {
    run("barrier", inline: inline, [], finish: {}) { mpi in mpi.barrier(mpi.commWorld) }
  }

  private func send(_ tensor: Tensor, dst: Int, tag: Int, inline: Bool) -> dist.Work {
    checkRank(dst, "send", "dst")
    torchCheck(dst != rank, "[rank \(rank)] send: a rank cannot send to itself", kind: "ValueError")
    let buffer = Buffer(checked(tensor, "send"))
    nonisolated(unsafe) let type = datatype(tensor, "send")
    let count = Self.count(buffer.count, "send")
    return run("send", inline: inline, [], finish: {}) { mpi in
      mpi.send(buffer.bytes(at: 0), count, type, Int32(dst), Int32(tag), mpi.commWorld)
    }
  }

  private func recv(_ tensor: Tensor, src: Int, tag: Int, inline: Bool) -> dist.Work {
    checkRank(src, "recv", "src")
    torchCheck(src != rank, "[rank \(rank)] recv: a rank cannot receive from itself", kind: "ValueError")
    let buffer = Buffer(checked(tensor, "recv"))
    nonisolated(unsafe) let type = datatype(tensor, "recv")
    let count = Self.count(buffer.count, "recv")
    return run("recv", inline: inline, [], finish: { buffer.finish() }) { mpi in
      mpi.recv(buffer.bytes(at: 0), count, type, Int32(src), Int32(tag), mpi.commWorld, nil)
    }
  }

  /// MPI_Allreduce (sum) called directly on a contiguous tensor, serialized with the other
  /// calls and without a work handle: the yardstick `torch-bench --distributed` measures
  /// `allReduce` against.
  func directAllReduce(_ tensor: Tensor) -> Int32 {
    let buffer = Buffer(tensor)
    nonisolated(unsafe) let type = datatype(tensor, "all_reduce")
    let mpi = self.mpi
    return calls.sync {
      Self.chunked(buffer.count) { offset, count in
        mpi.allreduce(MPILibrary.inPlace, buffer.bytes(at: offset), count, type, mpi.sum, mpi.commWorld)
      }
    }
  }

  // MARK: - Running calls

  /// Calls `body(offset, count)` over chunks MPI's 32-bit counts can carry; the first
  /// nonzero MPI code, or 0.
  static func chunked(_ total: Int, _ body: (Int, Int32) -> Int32) -> Int32 {
    let chunk = 1 << 30
    var offset = 0
    repeat {
      let count = Swift.min(chunk, total - offset)
      let code = body(offset, Int32(count))
      if code != 0 { return code }
      offset += count
    } while offset < total
    return 0
  }

  private static func count(_ n: Int, _ name: String) -> Int32 {
    torchCheck(n <= Int(Int32.max), "\(name): \(n) elements is more than MPI's 32-bit counts carry in one call")
    return Int32(n)
  }

  /// Runs `body` now on the caller's thread (`inline`, for a synchronous call) or queues it;
  /// the work completes when MPI returns, `finish` leaving the result in the tensors. With
  /// `TORCH_DISTRIBUTED_DEBUG=DETAIL` the ranks first compare what they were asked to do.
  private func run(_ name: StaticString, inline: Bool, _ buffers: [Buffer], finish: @escaping () -> Void,
                   _ body: @escaping @Sendable (MPILibrary) -> Int32) -> dist.Work {
    let work = dist.Work("\(name)", rank: rank, queued: !inline, finish: finish)
    let mpi = self.mpi, rank = self.rank, inFlight = self.inFlight
    let fingerprint = checksConsistency ? Fingerprint(name: "\(name)", buffers: buffers) : nil
    let execute: @Sendable () -> Void = {
      inFlight.enter(name)
      defer { inFlight.leave() }
      if let fingerprint, let mismatch = fingerprint.mismatch(mpi, rank: rank) {
        work.complete(failure: mismatch)
        return
      }
      let code = body(mpi)
      work.complete(failure: code == 0 ? nil : mpi.message(code))
    }
    if inline { calls.sync(execute) } else { calls.async(execute) }
    return work
  }

  /// Runs `body` now on the caller's thread (serialized with the queue's calls, watched by
  /// the watchdog) for a synchronous call whose result needs no finishing; a failure stops
  /// the process as `Work.wait()` would.
  private func runNow(_ name: StaticString, _ body: (MPILibrary) -> Int32) -> dist.Work {
    let mpi = self.mpi, inFlight = self.inFlight
    let code = calls.sync {
      inFlight.enter(name)
      defer { inFlight.leave() }
      return body(mpi)
    }
    if code != 0 { torchFail("[rank \(rank)] \(name) failed: \(mpi.message(code))", kind: "DistBackendError") }
    return completed
  }

  /// Stops the process when one MPI call has run longer than the timeout (`Watchdog`).
  private func startWatchdog() {
    let inFlight = self.inFlight, timeout = self.timeout
    Watchdog.start("torch.distributed.watchdog", rank: rank, timeout: timeout) {
      guard let (name, since) = inFlight.current else { return .fine }
      return Watchdog.overdue(name, since: since, timeout: timeout)
    }
  }

  // MARK: - Checks

  private func checked(_ tensor: Tensor, _ name: String) -> Tensor {
    torchCheck(tensor.device == .cpu, "[rank \(rank)] \(name): the mpi backend carries CPU tensors, but got a tensor on \(tensor.device)")
    return tensor
  }

  private func datatype(_ tensor: Tensor, _ name: String) -> MPILibrary.Handle {
    guard let type = mpi.datatype(tensor.dtype) else {
      torchFail("[rank \(rank)] \(name): the mpi backend carries float32, float64, int64 and uint8 tensors, not \(tensor.dtype)")
    }
    return type
  }

  private func reduction(_ op: dist.ReduceOp, _ tensor: Tensor, _ name: String) -> MPILibrary.Handle {
    switch summingAverages(op, tensor, name) {
    case .sum, .avg: mpi.sum
    case .product: mpi.product
    case .min: mpi.min
    case .max: mpi.max
    }
  }
}

/// What a rank is about to do, compared across ranks before the collective itself.
private struct Fingerprint {
  let code: Int64
  let elements: Int64
  let dtype: Int64
  let name: String

  private static let names = ["all_reduce", "broadcast", "reduce", "all_gather", "reduce_scatter", "gather", "scatter", "barrier", "send", "recv"]
  private static let dtypes: [DType] = [.float32, .float64, .int64, .uint8, .bool]

  init(name: String, buffers: [Buffer]) {
    self.name = name
    code = Int64(Self.names.firstIndex(of: name) ?? 99)
    elements = Int64(buffers.first?.count ?? 0)
    dtype = Int64(buffers.first.map { Self.dtypes.firstIndex(of: $0.dense.dtype) ?? 9 } ?? -1)
  }

  /// A description of the first rank that differs from rank 0, or nil when all agree.
  func mismatch(_ mpi: MPILibrary, rank: Int) -> String? {
    guard name != "send" && name != "recv" else { return nil }
    var size: Int32 = 0
    _ = mpi.commSize(mpi.commWorld, &size)
    var mine: [Int64] = [code, elements, dtype]
    var all = [Int64](repeating: 0, count: 3 * Int(size))
    let code = mine.withUnsafeMutableBytes { m in
      all.withUnsafeMutableBytes { a in mpi.allgather(m.baseAddress, 3, mpi.int64, a.baseAddress, 3, mpi.int64, mpi.commWorld) }
    }
    guard code == 0 else { return mpi.message(code) }
    func describe(_ r: Int) -> String {
      let n = Int(all[3 * r]), dt = Int(all[3 * r + 2])
      let op = n < Self.names.count ? Self.names[n] : "?"
      return "rank \(r) called \(op) with \(all[3 * r + 1]) \(dt >= 0 && dt < Self.dtypes.count ? "\(Self.dtypes[dt])" : "no") elements"
    }
    for r in 1..<Int(size) where all[3 * r ..< 3 * r + 3] != all[0..<3] {
      return "mismatched collectives: \(describe(0)), \(describe(r))"
    }
    return nil
  }
}
