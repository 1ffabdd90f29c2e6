import Foundation
import XCTest
@testable import Torch

/// torch.distributed: the sampler against PyTorch's indices, and the collectives and
/// DistributedDataParallel run for real by `dist-check` under `mpirun -np 2` (Open MPI, which
/// `.ci/run` installs; without it these tests fail, they do not skip).
final class DistributedTests: XCTestCase {
  // MARK: - DistributedSampler

  struct Goldens: Decodable {
    struct Case: Decodable {
      let count, replicas, epoch, perRank: Int
      let seed: UInt64
      let shuffle, dropLast, truncated: Bool
      let indices: [[Int]]
    }
    struct BucketCase: Decodable {
      let elements: [Int]
      let dtypes: [String]
      let capMB: Double?
      let limits: [Int]
      let buckets: [[Int]]
    }
    let generatorMD5: String
    let cases: [Case]
    let buckets: [BucketCase]
  }

  func goldens() throws -> Goldens {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "distributed_goldens", withExtension: "json", subdirectory: "Fixtures"))
    return try JSONDecoder().decode(Goldens.self, from: Data(contentsOf: url))
  }

  func testDistributedSamplerGivesPyTorchsIndices() throws {
    let goldens = try goldens()
    XCTAssertEqual(goldens.cases.count, 10)
    for c in goldens.cases {
      var union: [Int] = []
      for rank in 0..<c.replicas {
        let sampler = DistributedSampler(count: c.count, numReplicas: c.replicas, rank: rank, shuffle: c.shuffle, seed: c.seed, dropLast: c.dropLast)
        sampler.setEpoch(c.epoch)
        let indices = sampler.indices()
        XCTAssertEqual(sampler.count, c.perRank, "\(c.count) over \(c.replicas)")
        XCTAssertEqual(indices.count, c.perRank)
        let compared = c.truncated ? Array(indices.prefix(50) + indices.suffix(50)) : indices
        XCTAssertEqual(compared, c.indices[rank], "\(c.count) samples, \(c.replicas) replicas, rank \(rank), shuffle \(c.shuffle), seed \(c.seed), epoch \(c.epoch), dropLast \(c.dropLast)")
        union += indices
      }
      // Without dropLast the ranks cover every sample; with it, no sample twice.
      if c.dropLast { XCTAssertEqual(Set(union).count, union.count) } else { XCTAssertEqual(Set(union), Set(0..<c.count)) }
    }
  }

  /// DistributedDataParallel's buckets are PyTorch's (its rebuilt buckets, over the gradient-ready
  /// order, with its limits for a cap given or not): by default the seed model's first bucket
  /// holds the last two layers (closing past 1 MB), so only the first layer's 1.6 MB is left
  /// for the end of backward.
  func testGradientBucketsArePyTorchs() throws {
    let goldens = try goldens()
    XCTAssertEqual(goldens.buckets.count, 8)
    for c in goldens.buckets {
      let ready = Array(c.elements.indices.reversed())
      let dtypes: [DType] = try c.dtypes.map { name in try XCTUnwrap(["float32": DType.float32, "float64": .float64][name]) }
      let limits = GradientReducer.BucketLimits(capMB: c.capMB)
      let cap: String = c.capMB.map { "\($0)" } ?? "None"
      XCTAssertEqual([limits.first, limits.rest], c.limits, "bucket_cap_mb \(cap)")
      let positions = GradientReducer.bucketAssignment(bytes: ready.map { c.elements[$0] * dtypes[$0].itemSize },
                                                       kinds: ready.map { .init(dtype: dtypes[$0], device: .cpu) }, limits: limits)
      XCTAssertEqual(positions.map { $0.map { ready[$0] } }, c.buckets, "\(c.elements), bucket_cap_mb \(cap)")
    }
  }

  func testDistributedGoldensComeFromTheCheckedInGenerator() throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/generate_distributed_goldens.py")
    XCTAssertEqual(MD5.hex(Array(try Data(contentsOf: script))), try goldens().generatorMD5,
                   "distributed_goldens.json was written by another version of its generator: regenerate it")
  }

  /// Why `fashion-mnist --sampler distributed` on one process sees the global batches of a
  /// `--distributed` run: batch k of every rank together is batch k of one replica.
  func testEveryRanksBatchesTogetherAreTheOneReplicaBatches() {
    let count = 1000, globalBatch = 64
    let single = DistributedSampler(count: count, numReplicas: 1, rank: 0, seed: 3)
    single.setEpoch(2)
    let singleBatches = stride(from: 0, to: count, by: globalBatch).map { Set(single.indices()[$0..<min($0 + globalBatch, count)]) }
    for replicas in [2, 4] {
      let perRank = globalBatch / replicas
      var merged = [Set<Int>](repeating: [], count: singleBatches.count)
      for rank in 0..<replicas {
        let sampler = DistributedSampler(count: count, numReplicas: replicas, rank: rank, seed: 3)
        sampler.setEpoch(2)
        let indices = sampler.indices()
        for (k, start) in stride(from: 0, to: indices.count, by: perRank).enumerated() {
          merged[k].formUnion(indices[start..<min(start + perRank, indices.count)])
        }
      }
      XCTAssertEqual(merged, singleBatches, "\(replicas) ranks of \(perRank) against one replica's batches of \(globalBatch)")
    }
  }

  func testDataLoaderVisitsTheSamplersIndices() {
    let data = TensorDataset(torch.arange(0, 10, dtype: .float32).reshape([10, 1]), torch.arange(10))
    let sampler = DistributedSampler(count: 10, numReplicas: 3, rank: 1, shuffle: false)
    let loader = DataLoader(data, batchSize: 2, sampler: sampler)
    XCTAssertEqual(loader.count, 2)
    let labels = loader.map { $0.1.toArray(Int64.self) }
    XCTAssertEqual(labels, [[1, 4], [7, 0]], "rank 1 of 3 over 10 samples padded by repetition: 1, 4, 7, 0")
  }

  // MARK: - Loading MPI

  func testAMissingOrForeignMPILibraryIsAnErrorNamingIt() {
    XCTAssertThrowsError(try MPILibrary.load(["/nonexistent/libmpi.so.40"])) { error in
      let text = "\(error)"
      XCTAssertTrue(text.contains("Open MPI") && text.contains("/nonexistent/libmpi.so.40") && text.contains("apt-get install openmpi-bin"), text)
    }
    // A library that is not Open MPI (libm has none of its handles).
    XCTAssertThrowsError(try MPILibrary.load(["libm.so.6"])) { error in
      XCTAssertTrue("\(error)".contains("lacks ompi_mpi_comm_world: only Open MPI is supported"), "\(error)")
    }
  }

  func testOpenMPILoadsWithEveryHandle() throws {
    let mpi = try MPILibrary.load()
    XCTAssertNotNil(mpi.datatype(.float32))
    XCTAssertNil(mpi.datatype(.bool), "bool tensors are not carried")
    XCTAssertNotEqual(mpi.sum, mpi.max)
  }

  // MARK: - Running MPI's calls

  /// Asynchronous work runs in the order issued, a synchronous call after everything queued
  /// before it, and no two pieces of work ever overlap, whichever threads issue them.
  func testCallSerializerKeepsOrderAndNeverOverlaps() {
    let calls = CallSerializer(label: "test.calls")
    let log = Locked<[Int]>([])
    let running = Locked(0)
    @Sendable func work(_ index: Int) {
      running.withLock { count in
        XCTAssertEqual(count, 0, "work \(index) overlapped another")
        count += 1
      }
      usleep(200)
      log.withLock { $0.append(index) }
      running.withLock { $0 -= 1 }
    }
    for index in 0..<20 { calls.async { work(index) } }
    calls.sync { work(20) }
    XCTAssertEqual(log.withLock { $0 }, Array(0...20), "the synchronous call ran before work queued ahead of it")
    // Synchronous calls from several threads at once, some with asynchronous work queued.
    DispatchQueue.concurrentPerform(iterations: 4) { thread in
      for index in 0..<25 {
        if index % 5 == 0 { calls.async { work(1000) } }
        calls.sync { work(100 + thread) }
      }
    }
    calls.sync {}
    XCTAssertEqual(log.withLock { $0 }.count, 21 + 100 + 20)
  }

  /// The watchdog sees the call under way, by name and start time, and nothing between calls.
  func testInFlightCallReportsTheCallUnderWay() throws {
    let call = InFlightCall()
    XCTAssertNil(call.current)
    let before = DispatchTime.now().uptimeNanoseconds
    call.enter("all_reduce")
    let current = try XCTUnwrap(call.current)
    XCTAssertEqual(current.name, "all_reduce")
    XCTAssertGreaterThanOrEqual(current.since, before)
    XCTAssertLessThanOrEqual(current.since, DispatchTime.now().uptimeNanoseconds)
    call.leave()
    XCTAssertNil(call.current)
    call.enter("barrier")
    XCTAssertEqual(call.current?.name, "barrier")
  }

  // MARK: - Under mpirun

  /// Runs `dist-check mode` under `mpirun -np 2 --oversubscribe` (alone with `ranks` nil),
  /// with `timeout` seconds to finish.
  func mpirun(_ mode: String, ranks: Int? = 2, environment extra: [String: String] = [:], timeout: Double = 240) throws
    -> (status: Int32, output: String, seconds: Double) {
    let mpirun = try XCTUnwrap(["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) },
                               "mpirun is missing: install Open MPI (apt-get install openmpi-bin libopenmpi3); .ci/run does")
    let check = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dist-check").path
    guard FileManager.default.isExecutableFile(atPath: check) else {
      throw NSError(domain: "DistributedTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(check) is not built (swift build builds it)"])
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: ranks == nil ? check : mpirun)
    process.arguments = ranks.map { ["-np", "\($0)", "--oversubscribe", check, mode] } ?? [mode]
    var environment = ProcessInfo.processInfo.environment
    // CI runs as root; Open MPI refuses root without both of these.
    environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    for (key, value) in extra { environment[key] = value }
    process.environment = environment
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    let start = Date()
    try process.run()
    let killer = DispatchWorkItem { process.terminate() }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    killer.cancel()
    return (process.terminationStatus, text, Date().timeIntervalSince(start))
  }

  func testCollectivesMatchHandComputedValuesOnTwoRanks() throws {
    let run = try mpirun("collectives")
    XCTAssertEqual(run.status, 0, run.output)
    XCTAssertTrue(run.output.contains("collectives: 173 checks per rank, 0 failed"), run.output)
  }

  func testDistributedDataParallelEqualsOneProcessOnTheWholeBatch() throws {
    let run = try mpirun("ddp")
    XCTAssertEqual(run.status, 0, run.output)
    XCTAssertTrue(run.output.contains("ddp: 55 checks per rank, 0 failed"), run.output)
  }

  func testARankThatExitsStopsTheOthersInsteadOfHanging() throws {
    let run = try mpirun("early-exit", environment: ["DIST_CHECK_TIMEOUT": "20"], timeout: 90)
    XCTAssertNotEqual(run.status, 0, run.output)
    XCTAssertLessThan(run.seconds, 60, "the job took \(run.seconds) s to stop")
    XCTAssertFalse(run.output.contains("returned after a peer exited"), run.output)
    XCTAssertTrue(run.output.contains("Exit code:    3") || run.output.contains("exited"), run.output)
  }

  func testMismatchedCollectivesAreNamedInDebugMode() throws {
    let run = try mpirun("mismatch", environment: ["TORCH_DISTRIBUTED_DEBUG": "DETAIL"], timeout: 90)
    XCTAssertNotEqual(run.status, 0, run.output)
    XCTAssertTrue(run.output.contains("mismatched collectives: rank 0 called all_reduce with 12 torch.float32 elements, rank 1 called all_reduce with 10 torch.float32 elements"), run.output)
  }

  /// Without the debug check, MPI itself refuses the larger message on the smaller rank: the
  /// synchronous all-reduce stops with MPI's reason, naming the rank and the collective.
  func testAFailedCollectiveNamesTheRankAndMPIsReason() throws {
    let run = try mpirun("mismatch", environment: ["DIST_CHECK_TIMEOUT": "20"], timeout: 90)
    XCTAssertNotEqual(run.status, 0, run.output)
    XCTAssertTrue(run.output.contains("DistBackendError: [rank 1] all_reduce failed: MPI_ERR_TRUNCATE"), run.output)
  }

  // MARK: - NCCL

  func testAMissingOrForeignNCCLLibraryIsAnErrorNamingIt() {
    XCTAssertThrowsError(try NCCLLibrary.load(["/nonexistent/libnccl.so.2"])) { error in
      let text = "\(error)"
      XCTAssertTrue(text.contains("NCCL") && text.contains("/nonexistent/libnccl.so.2") && text.contains("pip install nvidia-nccl"), text)
    }
    XCTAssertThrowsError(try NCCLLibrary.load(["libm.so.6"])) { error in
      XCTAssertTrue("\(error)".contains("libm.so.6 lacks ncclGetVersion"), "\(error)")
    }
  }

  /// The environment that makes `dist-check nccl` run on the CUDA driver emulator (NVRTC
  /// compiles the kernels, so it skips without NVRTC, as the emulator tests do) with the NCCL
  /// stand-in, which logs every call to the returned file.
  func emulatedNCCL() throws -> (environment: [String: String], log: String) {
    do { _ = try NVRTC() } catch { throw XCTSkip("NVRTC is not installed (pip install nvidia-cuda-nvrtc): \(error)") }
    let driver = try CUDAEmulatorTests.emulatorPath()
    let nccl = try compileFixtureLibrary("mock_libnccl.c", as: "libnccl.so.2")
    let log = (nccl as NSString).deletingLastPathComponent + "/calls.log"
    return (["TORCH_CUDA_DRIVER": driver, "TORCH_NCCL_LIBRARY": nccl, "MOCK_NCCL_LOG": log,
             "XDG_CACHE_HOME": fixtureFolder + "/xdg-cache"], log)
  }

  /// Every collective (each dtype, strided tensors, gather/scatter as grouped send/recv) and
  /// DDP through the nccl backend on two emulated GPUs, checked by hand-computed values as
  /// over MPI, and each call seen by the stand-in NCCL.
  func testNCCLBackendRunsEveryCollectiveAndDDPOnTwoRanks() throws {
    let (environment, log) = try emulatedNCCL()
    let run = try mpirun("nccl", environment: environment, timeout: 400)
    XCTAssertEqual(run.status, 0, run.output)
    XCTAssertTrue(run.output.contains("nccl: 228 checks per rank, 0 failed"), run.output)
    let calls = try String(contentsOfFile: log, encoding: .utf8)
    for rank in 0..<2 {
      for call in ["ncclCommInitRank nranks=2 rank=\(rank)", "rank \(rank): ncclAllReduce count=1000 type=float32 op=sum",
                   "rank \(rank): ncclAllReduce count=1000 type=int64 op=max", "rank \(rank): ncclBroadcast count=1000 type=uint8 root=1",
                   "rank \(rank): ncclReduce count=1000 type=float64 op=sum root=0", "rank \(rank): ncclAllGather count=1 type=float32",
                   "rank \(rank): ncclReduceScatter count=1000 type=int64 op=sum", "rank \(rank): ncclSend count=10 type=float64",
                   "rank \(rank): ncclRecv count=10 type=float64", "rank \(rank): ncclCommDestroy"] {
        XCTAssertTrue(calls.contains(call), "the stand-in saw no \"\(call)\"")
      }
    }
    XCTAssertTrue(calls.contains("rank 0: ncclGetUniqueId") || calls.contains("rank -1: ncclGetUniqueId"), "rank 0 creates the id")
  }

  /// A world of one: no mpirun, no MPI; the id never leaves the process.
  func testNCCLBackendRunsAloneWithoutMPI() throws {
    let (environment, log) = try emulatedNCCL()
    let run = try mpirun("nccl", ranks: nil, environment: environment, timeout: 400)
    XCTAssertEqual(run.status, 0, run.output)
    XCTAssertTrue(run.output.contains("nccl: 216 checks per rank, 0 failed"), run.output)
    XCTAssertTrue(try String(contentsOfFile: log, encoding: .utf8).contains("ncclCommInitRank nranks=1 rank=0"))
  }

  /// As PyTorch's: an NCCL call runs on a communication stream that first waits for the
  /// device's stream (the kernels that produced its tensors), and `Work.wait()` makes the
  /// device's stream wait for it; the host waits for neither. Checked in this process on the
  /// emulated device, whose driver logs each stream wait; the events are released afterwards.
  func testNCCLRunsOnItsOwnStreamOrderedByEvents() throws {
    let (environment, _) = try emulatedNCCL()
    let driver = try CUDADriver(path: environment["TORCH_CUDA_DRIVER"]!)
    let backend = try CUDABackend(ordinal: 0, driver: driver, nvrtc: NVRTC(), kernelCache: testKernelCache)
    Backends.register(backend)
    defer { Backends.unregister(.cuda(0)) }
    setenv("TORCH_NCCL_LIBRARY", environment["TORCH_NCCL_LIBRARY"]!, 1)
    defer { unsetenv("TORCH_NCCL_LIBRARY") }
    typealias Count = @convention(c) () -> Int32
    typealias Wait = @convention(c) (Int32, Int32) -> OpaquePointer?
    let waits = try XCTUnwrap(driver.library.symbol("mock_stream_wait_count", Count.self))
    let wait = try XCTUnwrap(driver.library.symbol("mock_stream_wait", Wait.self))
    let liveEvents = try XCTUnwrap(driver.library.symbol("mock_live_events", Count.self))
    let eventsBefore = liveEvents()

    try dist.initProcessGroup(backend: "nccl")
    XCTAssertEqual(dist.getBackend(), "nccl")
    XCTAssertEqual(dist.getWorldSize(), 1)
    do {
      let t = (torch.arange(0, 6, dtype: .float32) * 2).to(.cuda(0))
      let first = waits()
      let work = dist.allReduce(t, op: .avg, asyncOp: true)
      XCTAssertEqual(waits(), first + 1, "the communication stream waits for the device's stream")
      let communication = wait(first, 0)
      XCTAssertNotEqual(communication, backend.stream)
      XCTAssertEqual(wait(first, 1), backend.stream)
      work.wait()
      XCTAssertEqual(waits(), first + 2, "wait() makes the device's stream wait for the call")
      XCTAssertEqual(wait(first + 1, 0), backend.stream)
      XCTAssertEqual(wait(first + 1, 1), communication)
      XCTAssertEqual(t.cpu().toArray(Float.self), [0, 2, 4, 6, 8, 10])
      XCTAssertTrue(work.isCompleted)
    }
    dist.destroyProcessGroup()
    XCTAssertEqual(liveEvents(), eventsBefore, "every event is released")
  }
}
