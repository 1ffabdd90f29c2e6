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
    let generatorMD5: String
    let cases: [Case]
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

  func testDistributedGoldensComeFromTheCheckedInGenerator() throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/generate_distributed_goldens.py")
    XCTAssertEqual(MD5.hex(Array(try Data(contentsOf: script))), try goldens().generatorMD5,
                   "distributed_goldens.json was written by another version of its generator: regenerate it")
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

  // MARK: - Under mpirun

  /// Runs `dist-check mode` under `mpirun -np 2 --oversubscribe`, with `timeout` seconds to finish.
  func mpirun(_ mode: String, environment extra: [String: String] = [:], timeout: Double = 240) throws
    -> (status: Int32, output: String, seconds: Double) {
    let mpirun = try XCTUnwrap(["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) },
                               "mpirun is missing: install Open MPI (apt-get install openmpi-bin libopenmpi3); .ci/run does")
    let check = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dist-check").path
    guard FileManager.default.isExecutableFile(atPath: check) else {
      throw NSError(domain: "DistributedTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(check) is not built (swift build builds it)"])
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: mpirun)
    process.arguments = ["-np", "2", "--oversubscribe", check, mode]
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
    XCTAssertTrue(run.output.contains("ddp: 37 checks per rank, 0 failed"), run.output)
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
}
