import CTorchKernels
import Foundation
import Synchronization
import XCTest
@testable import Torch

/// CUDA tests. Compiling kernels needs only NVRTC (`pip install nvidia-cuda-nvrtc`), so it runs
/// on machines without a GPU; everything that launches kernels needs a device and skips here.
final class CUDATests: XCTestCase {
  func loadNVRTC() throws -> NVRTC {
    do { return try NVRTC() } catch {
      throw XCTSkip("NVRTC is not installed (pip install nvidia-cuda-nvrtc): \(error)")
    }
  }

  func testEveryKernelCompilesForHopperAndAmpere() throws {
    let nvrtc = try loadNVRTC()
    let architectures = ["compute_90", "sm_80"]
    let outputs = Mutex<[String: Result<NVRTC.Output, TorchError>]>([:])
    DispatchQueue.concurrentPerform(iterations: architectures.count) { i in
      let result = Result { () throws(TorchError) in
        try nvrtc.compile(CUDAKernels.source, name: "torch_kernels.cu", architecture: architectures[i])
      }
      outputs.withLock { $0[architectures[i]] = result }
    }
    for architecture in architectures {
      let output = try XCTUnwrap(outputs.withLock { $0[architecture] }).get()
      XCTAssertFalse(output.image.isEmpty, architecture)
      XCTAssertEqual(output.isCubin, architecture.hasPrefix("sm_"), architecture)
      if !output.isCubin {
        let ptx = String(decoding: output.image, as: UTF8.self)
        let missing = CUDAKernels.instances.map(\.name).filter { !ptx.contains(".entry \($0)(") }
        XCTAssertEqual(missing, [], "kernels missing from the PTX")
        XCTAssertGreaterThan(CUDAKernels.instances.count, 200)
      }
    }
  }

  /// Elementwise geometry merges dims that every operand lays out contiguously and drops size-1 dims.
  func testElementwiseGeometryIsCoalesced() {
    func shapeAndStrides(_ info: CTKTensorInfo) -> [[Int]] {
      let shape = withUnsafeBytes(of: info.shape) { Array($0.bindMemory(to: Int64.self).prefix(Int(info.ndim))) }
      let strides = withUnsafeBytes(of: info.strides) { Array($0.bindMemory(to: Int64.self).prefix(Int(info.ndim))) }
      return [shape.map(Int.init), strides.map(Int.init)]
    }
    let contiguous = torch.zeros(2, 1, 3, 4)
    XCTAssertEqual(CUDABackend.elementwiseInfos(contiguous, contiguous).map(shapeAndStrides), [[[24], [1]], [[24], [1]]])
    let bias = torch.zeros(512).broadcastView(to: [64, 512]), out = torch.zeros(64, 512)
    XCTAssertEqual(CUDABackend.elementwiseInfos(bias, out).map(shapeAndStrides), [[[64, 512], [0, 1]], [[64, 512], [512, 1]]])
    let transposed = torch.zeros(4, 3).t()
    XCTAssertEqual(CUDABackend.elementwiseInfos(transposed, torch.zeros(3, 4)).map(shapeAndStrides), [[[3, 4], [1, 3]], [[3, 4], [4, 1]]])
    let columns = torch.zeros(5, 8)[0..., 0..<4]
    XCTAssertEqual(CUDABackend.elementwiseInfos(columns).map(shapeAndStrides), [[[5, 4], [8, 1]]])
    XCTAssertEqual(CUDABackend.elementwiseInfos(torch.tensor(1.0)).map(shapeAndStrides), [[[], []]])
  }

  func testKernelCacheKeepsTheNewestImages() throws {
    let folder = fixtureFolder + "/cache-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for i in 0..<10 {
      let path = folder + "/kernels-\(i).bin"
      XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data([1])))
      try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: Double(1_000_000 + i))], ofItemAtPath: path)
    }
    XCTAssertTrue(FileManager.default.createFile(atPath: folder + "/other.txt", contents: Data()))
    CUDABackend.pruneKernelCache(folder, keeping: 8)
    let left = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    XCTAssertEqual(left, ["kernels-2.bin", "kernels-3.bin", "kernels-4.bin", "kernels-5.bin", "kernels-6.bin",
                          "kernels-7.bin", "kernels-8.bin", "kernels-9.bin", "other.txt"])
  }

  /// The backend's translation units hold every kernel exactly once.
  func testTranslationUnitsPartitionTheKernels() {
    let names = CUDAKernels.instances.map(\.name)
    XCTAssertEqual(Set(names).count, names.count, "kernel names are unique")
    XCTAssertEqual(Set(CUDAKernels.chunkOfKernel.keys), Set(names))
    for chunk in 0..<CUDAKernels.chunkCount {
      let source = CUDAKernels.chunkSource(chunk)
      let defined = names.filter { CUDAKernels.chunkOfKernel[$0] == chunk }
      XCTAssertFalse(defined.isEmpty)
      XCTAssertEqual(defined.count, CUDAKernels.instances.filter { source.contains($0.code) }.count, "chunk \(chunk)")
    }
  }

  func testCompileErrorsCarryTheLog() throws {
    let nvrtc = try loadNVRTC()
    XCTAssertThrowsError(try nvrtc.compile("extern \"C\" __global__ void broken() { undeclared_name = 1; }", name: "broken.cu", architecture: "compute_90")) { error in
      XCTAssertTrue("\(error)".contains("nvrtcCompileProgram(broken.cu, compute_90) failed"), "\(error)")
      XCTAssertTrue("\(error)".contains("undeclared_name"), "the log is missing: \(error)")
    }
  }

  func testWithoutADeviceCudaIsUnavailableWithAReason() throws {
    guard !torch.cuda.isAvailable() else { throw XCTSkip("a CUDA device is present") }
    XCTAssertEqual(torch.cuda.deviceCount(), 0)
    XCTAssertNotNil(torch.cuda.unavailableReason)
    XCTAssertTrue(CUDARuntime.unavailableMessage(for: .cuda(0)).contains("cuda:0"))
  }

  func testMissingLibrariesAreNamedWithWhereTheLoaderLooked() {
    XCTAssertThrowsError(try DynamicLibrary.open("Example", candidates: ["libdefinitely-missing.so.9", "/nowhere/libx.so"])) { error in
      XCTAssertTrue("\(error)".contains("libdefinitely-missing.so.9"))
      XCTAssertTrue("\(error)".contains("/nowhere/libx.so"))
    }
  }
}

/// The driver wrapper against a mock libcuda (Fixtures/mock_libcuda.c): loading, argument
/// marshalling and error reporting, checked without a GPU.
final class CUDADriverMockTests: XCTestCase {
  typealias FailNext = @convention(c) (Int32) -> Void
  typealias Recorded = @convention(c) (Int32) -> UnsafePointer<UInt8>
  typealias Dimension = @convention(c) (Int32) -> UInt32

  func buildMock(_ flags: [String] = []) throws -> String { try compileFixtureLibrary("mock_libcuda.cpp", as: "libcuda.so.1", flags) }

  func testDriverLoadsQueriesAndMovesMemory() throws {
    let driver = try CUDADriver(path: buildMock())
    XCTAssertEqual(driver.driverVersion, 13050)
    XCTAssertEqual(try driver.deviceCount(), 1)
    let device = try driver.device(0)
    XCTAssertEqual(try driver.name(device), "Mock GPU")
    XCTAssertEqual(try driver.computeCapability(device).0, 9)
    XCTAssertThrowsError(try driver.allocate(16)) { error in
      XCTAssertTrue("\(error)".contains("CUDA_ERROR_INVALID_CONTEXT"), "no context is current yet: \(error)")
    }
    _ = try driver.activatePrimaryContext(device)
    let address = try driver.allocate(16)
    let values: [Float] = [1, 2, 3, 4]
    try values.withUnsafeBytes { try driver.copyToDevice(address, $0.baseAddress!, 16, nil) }
    var back = [Float](repeating: 0, count: 4)
    try back.withUnsafeMutableBytes { try driver.copyToHost($0.baseAddress!, address, 16, nil) }
    XCTAssertEqual(back, values)
    try driver.free(address)
  }

  func testLaunchPassesEveryArgumentByValue() throws {
    let driver = try CUDADriver(path: buildMock())
    _ = try driver.activatePrimaryContext(driver.device(0))
    var info = CTKTensorInfo()
    info.ndim = 2
    info.shape.0 = 3
    info.shape.1 = 5
    info.strides.0 = 1
    info.strides.1 = 3
    var pointer: UInt64 = 0xDEAD_BEEF, count: Int64 = 15, scale: Double = 0.25
    try withUnsafeMutablePointer(to: &pointer) { p in
      try withUnsafeMutablePointer(to: &info) { i in
        try withUnsafeMutablePointer(to: &count) { c in
          try withUnsafeMutablePointer(to: &scale) { s in
            var arguments: [UnsafeMutableRawPointer?] = [UnsafeMutableRawPointer(p), UnsafeMutableRawPointer(i), UnsafeMutableRawPointer(c), UnsafeMutableRawPointer(s)]
            try arguments.withUnsafeMutableBufferPointer { buffer in
              try driver.launch(driver.function(driver.loadModule(Array("// ptx\n".utf8) + [0]), "k"), grid: 7, block: 256, stream: nil, arguments: buffer.baseAddress!, name: "k")
            }
          }
        }
      }
    }
    let recorded = try XCTUnwrap(driver.library.symbol("mock_recorded_parameter", Recorded.self))
    let dimension = try XCTUnwrap(driver.library.symbol("mock_recorded_grid", Dimension.self))
    XCTAssertEqual(UnsafeRawPointer(recorded(0)).loadUnaligned(as: UInt64.self), 0xDEAD_BEEF)
    let passed = UnsafeRawPointer(recorded(1)).loadUnaligned(as: CTKTensorInfo.self)
    XCTAssertEqual([passed.ndim, Int32(passed.shape.0), Int32(passed.shape.1), Int32(passed.strides.1)], [2, 3, 5, 3])
    XCTAssertEqual(UnsafeRawPointer(recorded(2)).loadUnaligned(as: Int64.self), 15)
    XCTAssertEqual(UnsafeRawPointer(recorded(3)).loadUnaligned(as: Double.self), 0.25)
    XCTAssertEqual(dimension(0), 7)
  }

  func testStatusesBecomeErrorsNamingTheCall() throws {
    let driver = try CUDADriver(path: buildMock())
    _ = try driver.activatePrimaryContext(driver.device(0))
    let failNext = try XCTUnwrap(driver.library.symbol("mock_fail_next", FailNext.self))
    failNext(2)
    XCTAssertThrowsError(try driver.allocate(64)) { error in
      XCTAssertEqual("\(error)", "cuMemAlloc_v2(64 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory)")
    }
    XCTAssertThrowsError(try driver.device(3)) { error in
      XCTAssertTrue("\(error)".contains("cuDeviceGet failed: CUDA_ERROR_INVALID_DEVICE"), "\(error)")
    }
  }

  func testAMissingSymbolIsNamed() throws {
    let path = try buildMock(["-DOMIT_LAUNCH"])
    XCTAssertThrowsError(try CUDADriver(path: path)) { error in
      XCTAssertTrue("\(error)".contains("lacks cuLaunchKernel"), "\(error)")
    }
  }
}

extension CUDADriverMockTests {
  func testBackendMovesDataAndMarshalsAStridedLaunch() throws {
    let nvrtc: NVRTC
    do { nvrtc = try NVRTC() } catch { throw XCTSkip("NVRTC is not installed: \(error)") }
    let driver = try CUDADriver(path: buildMock())
    let backend = try CUDABackend(ordinal: 0, driver: driver, nvrtc: nvrtc, kernelCache: testKernelCache)
    XCTAssertEqual(backend.architecture, "sm_90")
    // Host -> "device" -> host through the backend's allocator and copies.
    let host = torch.arange(6.0)
    let onDevice = Tensor(storage: backend.allocate(bytes: 24), shape: [6], strides: [1], offset: 0, dtype: .float32)
    Backends.cpu.readBytes(host).withUnsafeBytes { backend.writeBytes($0, into: onDevice) }
    XCTAssertEqual(backend.readBytes(onDevice), Backends.cpu.readBytes(host))
    XCTAssertEqual(backend.memoryAllocated, CPUAllocator.sizeClass(24))
    // A fill of a transposed view passes the view's geometry and the element count.
    let matrix = Tensor(storage: backend.allocate(bytes: 4 * 12), shape: [3, 4], strides: [4, 1], offset: 0, dtype: .float32)
    backend.fill(matrix.aliased(shape: [4, 3], strides: [1, 4]), with: 2.5)
    let recorded = try XCTUnwrap(driver.library.symbol("mock_recorded_parameter", Recorded.self))
    let info = UnsafeRawPointer(recorded(1)).loadUnaligned(as: CTKTensorInfo.self)
    XCTAssertEqual([Int(info.ndim), Int(info.shape.0), Int(info.shape.1), Int(info.strides.0), Int(info.strides.1)], [2, 4, 3, 1, 4])
    XCTAssertEqual(UnsafeRawPointer(recorded(2)).loadUnaligned(as: Int64.self), 12)
    XCTAssertEqual(UnsafeRawPointer(recorded(3)).loadUnaligned(as: Double.self), 2.5)
  }
}

extension CUDADriverMockTests {
  /// The README's host-side figures for a CUDA training step of the seed model (SGD), with a
  /// stand-in driver whose launches return at once: kernel launches per step and peak device
  /// memory, both deterministic.
  func testSeedModelStepLaunchCountAndPeakMemory() throws {
    let nvrtc: NVRTC
    do { nvrtc = try NVRTC() } catch { throw XCTSkip("NVRTC is not installed: \(error)") }
    let driver = try CUDADriver(path: buildMock())
    let backend = try CUDABackend(ordinal: 0, driver: driver, nvrtc: nvrtc, cublasPath: "/nonexistent", kernelCache: testKernelCache)
    Backends.register(backend)
    defer { Backends.unregister(.cuda(0)) }
    typealias Count = @convention(c) () -> Int32
    let launches = try XCTUnwrap(driver.library.symbol("mock_launch_count", Count.self))
    torch.manualSeed(0)
    let model = NeuralNetwork().to(.cuda(0))
    let optimizer = optim.SGD(model.parameters(), lr: 1e-3)
    let x = torch.rand(64, 1, 28, 28).to(.cuda(0)), y = torch.randint(0, 10, [64]).to(.cuda(0))
    func step() {
      let loss = F.crossEntropy(model(x), y)
      loss.backward()
      optimizer.step()
      optimizer.zeroGrad()
    }
    step()
    backend.resetPeakMemoryStats()
    let before = launches()
    step()
    XCTAssertEqual(launches() - before, 39, "kernel launches per step (README)")
    XCTAssertEqual(backend.maxMemoryAllocated, 5_899_008, "peak device memory at batch 64 (README)")
  }

  /// Row-major products through a mock cuBLAS that computes the column-major GEMM it is
  /// asked for: every transpose layout must give A·B.
  func testCuBLASRowMajorMappingGivesTheRightProduct() throws {
    let cublas = try CUBLAS(path: compileFixtureLibrary("mock_libcublas.c", as: "libcublas.so.13"), stream: nil)
    typealias Recorded = @convention(c) () -> UnsafePointer<Int32>
    XCTAssertEqual(try XCTUnwrap(cublas.library.symbol("mock_cublas_recorded", Recorded.self))()[7], 0, "TF32 math left off")
    torch.manualSeed(2)
    for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
      let (m, k, n) = (3, 5, 4)
      let a = transA ? torch.randn(k, m).t() : torch.randn(m, k)
      let b = transB ? torch.randn(n, k).t() : torch.randn(k, n)
      let out = torch.zeros(m, n)
      func address(_ t: Tensor) -> UInt64 { UInt64(UInt(bitPattern: t.storage.data)) + UInt64(t.storageOffset * 4) }
      XCTAssertTrue(cublas.gemm(dtype: .float32, m: m, n: n, k: k, a: address(a), rsA: a.stride(0), csA: a.stride(1),
                                b: address(b), rsB: b.stride(0), csB: b.stride(1), c: address(out), rsC: n, alpha: 1, beta: 0))
      assertClose(out, a.mm(b), rtol: 1e-5, atol: 1e-5)
    }
    let strided = torch.randn(6, 10).slice(1, step: 2)
    XCTAssertFalse(cublas.gemm(dtype: .float32, m: 6, n: 5, k: 5, a: 0, rsA: strided.stride(0), csA: strided.stride(1),
                               b: 0, rsB: 5, csB: 1, c: 0, rsC: 5, alpha: 1, beta: 0), "no unit stride: the tiled kernel's job")
  }
}

/// Compiles a stand-in library from Fixtures (C, or C++17 for `.cpp`) into a fresh temporary
/// folder, with `extraFiles` written beside it (found by `#include "name"`).
func compileFixtureLibrary(_ file: String, as library: String, _ flags: [String] = [], extraFiles: [String: String] = [:]) throws -> String {
  let source = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/" + file, withExtension: nil))
  let folder = fixtureFolder + "/" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  for (name, contents) in extraFiles { try contents.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
  let isCPlusPlus = file.hasSuffix(".cpp")
  let compilers = isCPlusPlus ? ["/usr/bin/c++", "/usr/bin/g++", "/usr/bin/clang++"] : ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"]
  let language = isCPlusPlus ? ["-std=c++17"] : []
  var log = ""
  for compiler in compilers where FileManager.default.isExecutableFile(atPath: compiler) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: compiler)
    process.arguments = language + ["-shared", "-fPIC", "-O1", "-I", folder] + flags + ["-o", folder + "/" + library, source.path]
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    if process.terminationStatus == 0 { return folder + "/" + library }
    XCTFail("\(compiler) could not build \(file):\n\(log.prefix(4000))")
  }
  throw XCTSkip("no \(isCPlusPlus ? "C++" : "C") compiler to build \(file)")
}

/// This test process's folder for compiled stand-ins; folders left by earlier processes that
/// have exited are removed first.
let fixtureFolder: String = {
  let root = NSTemporaryDirectory() + "swift-torch-tests"
  for entry in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
    if let pid = Int32(entry), kill(pid, 0) != 0 { try? FileManager.default.removeItem(atPath: root + "/" + entry) }
  }
  return root + "/\(getpid())"
}()

/// This test process's kernel cache: tests never read or prune the user's own cache.
let testKernelCache = fixtureFolder + "/kernel-cache"
