import Foundation
import Synchronization
import XCTest
@testable import Torch

/// The CUDA backend end to end without a GPU: the mock driver, built with `-DEMULATE_KERNELS`,
/// runs the backend's own CUDA C source on the CPU (Fixtures/cuda_emulator.h: a fiber per
/// CUDA thread, barriers and warp shuffles as on the device). Launch geometry, argument
/// marshalling, strides, broadcasting and every kernel's arithmetic are checked against the
/// CPU backend. The backend still compiles its module with NVRTC, so these skip without it.
final class CUDAEmulatorTests: XCTestCase {
  /// The emulating driver, compiled once per test process.
  nonisolated(unsafe) static var emulator: Result<String, any Error>?

  static func emulatorPath() throws -> String {
    if emulator == nil { emulator = Result { try buildEmulator() } }
    return try emulator!.get()
  }

  /// Compiles the mock driver with the kernel source and a table of every kernel entry point.
  static func buildEmulator() throws -> String {
    let table = CUDAKernels.instances.map { "  EMULATED_KERNEL(\($0.name))," }.joined(separator: "\n")
    let kernels = CUDAKernels.source + "\nstatic const emu::Kernel emulatedKernels[] = {\n\(table)\n};\n"
    return try compileFixtureLibrary("mock_libcuda.cpp", as: "libcuda.so.1", ["-DEMULATE_KERNELS", "-w"], extraFiles: ["kernels.inc": kernels])
  }

  /// Makes `.cuda(0)` the emulated device while `body` runs.
  func withEmulatedDevice(cublasPath: String = "/nonexistent/libcublas.so", _ body: (CUDABackend) throws -> Void) throws {
    let nvrtc: NVRTC
    do { nvrtc = try NVRTC() } catch { throw XCTSkip("NVRTC is not installed (pip install nvidia-cuda-nvrtc): \(error)") }
    let driver = try CUDADriver(path: Self.emulatorPath())
    let backend = try CUDABackend(ordinal: 0, driver: driver, nvrtc: nvrtc, cublasPath: cublasPath, kernelCache: testKernelCache)
    Backends.register(backend)
    defer { Backends.unregister(.cuda(0)) }
    try body(backend)
  }

  func assertParity(_ outcomes: [DeviceParity.Outcome], _ label: String) {
    XCTAssertGreaterThan(outcomes.count, 25)
    for outcome in outcomes {
      XCTAssertTrue(outcome.passed, "\(label) \(outcome.name): error \(outcome.error) above \(outcome.tolerance)")
    }
  }

  func testEveryOpMatchesTheCPUInFloat32() throws {
    try withEmulatedDevice { backend in
      XCTAssertNil(backend.cublas, "the tiled NVRTC GEMM is under test")
      assertParity(DeviceParity.run(on: .cuda(0), dtype: .float32), "float32")
    }
  }

  /// The CUDA kernels of the convolution family over ConvolutionSweepTests' random
  /// configurations, against PyTorch's CPU values.
  func testConvolutionSweepMatchesPyTorchOnTheDevice() throws {
    try withEmulatedDevice { _ in
      let failures = try ConvolutionSweepTests.failures(on: .cuda(0))
      XCTAssertEqual(failures.count, 0, failures.prefix(12).joined(separator: "\n"))
    }
  }

  /// Every kernel reads strided inputs as the CPU does (the device's inputs are every other
  /// element of a wider buffer).
  func testEveryOpMatchesTheCPUOnStridedInputs() throws {
    try withEmulatedDevice { _ in assertParity(DeviceParity.run(on: .cuda(0), dtype: .float32, stridedInputs: true), "strided float32") }
  }

  func testEveryOpMatchesTheCPUInFloat64() throws {
    try withEmulatedDevice { _ in assertParity(DeviceParity.run(on: .cuda(0), dtype: .float64), "float64") }
  }

  func testEveryOpMatchesTheCPUWithCuBLAS() throws {
    let cublas = try compileFixtureLibrary("mock_libcublas.c", as: "libcublas.so.13")
    try withEmulatedDevice(cublasPath: cublas) { backend in
      XCTAssertNotNil(backend.cublas)
      assertParity(DeviceParity.run(on: .cuda(0), dtype: .float32), "cuBLAS float32")
    }
  }

  func testCUDATensorsPrintTheirDevice() throws {
    try withEmulatedDevice { _ in
      let x = torch.tensor([1.0, 2.5]).cuda()
      XCTAssertEqual(x.description, "tensor([1.0000, 2.5000], device='cuda:0')")
      let w = torch.tensor([3.0, 4.0], requiresGrad: true).to(.cuda(0))
      XCTAssertEqual((x * w).description, "tensor([ 3., 10.], device='cuda:0', grad_fn=<MulBackward0>)")
      XCTAssertEqual(torch.tensor([1, 2]).cuda().argmax().description, "tensor(1, device='cuda:0')")
      XCTAssertEqual(x.sum().item(), 3.5)
    }
  }

  func testDeviceMemoryIsCachedAndCounted() throws {
    try withEmulatedDevice { backend in
      let before = backend.memoryAllocated
      do {
        let x = torch.ones(1000).cuda()
        XCTAssertEqual(backend.memoryAllocated - before, CPUAllocator.sizeClass(4000))
        XCTAssertEqual((x * 2.0).sum().item(), 2000)
      }
      XCTAssertEqual(backend.memoryAllocated, before)
      XCTAssertGreaterThanOrEqual(backend.maxMemoryAllocated, before + 2 * CPUAllocator.sizeClass(4000))
      backend.resetPeakMemoryStats()
      XCTAssertEqual(backend.maxMemoryAllocated, backend.memoryAllocated)
      // Out of memory: the cached blocks are released and the allocation is tried again.
      typealias FailNext = @convention(c) (Int32) -> Void
      typealias Count = @convention(c) () -> Int32
      let failNext = try XCTUnwrap(backend.driver.library.symbol("mock_fail_next", FailNext.self))
      let frees = try XCTUnwrap(backend.driver.library.symbol("mock_free_count", Count.self))
      let freedBefore = frees()
      failNext(2)
      XCTAssertEqual(torch.ones(3000).cuda().sum().item(), 3000)
      XCTAssertGreaterThanOrEqual(frees() - freedBefore, 2, "the cached blocks went back to the driver")
      backend.emptyCache()
    }
  }

  func testSeedModelTrainsOnTheDeviceAsOnTheCPU() throws {
    try withEmulatedDevice { _ in
      func losses(on device: Device) -> [Double] {
        torch.manualSeed(0)
        let model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 24), nn.ReLU(), nn.Linear(24, 10)).to(device)
        let optimizer = optim.SGD(model.parameters(), lr: 0.1)
        let x = torch.rand(16, 1, 28, 28).to(device), y = torch.randint(0, 10, [16]).to(device)
        return (0..<3).map { _ in
          let loss = F.crossEntropy(model(x), y)
          optimizer.zeroGrad()
          loss.backward()
          optimizer.step()
          return loss.item()
        }
      }
      let cpu = losses(on: .cpu), cuda = losses(on: .cuda(0))
      assertClose(cuda, cpu, rtol: 1e-5, atol: 0)
      XCTAssertLessThan(cuda[2], cuda[0])
    }
  }

  /// Driver contexts are current per thread: ops issued from another thread (as async Swift
  /// code does) must bind the device's context there first.
  func testOpsRunFromAnotherThread() throws {
    try withEmulatedDevice { _ in
      _ = torch.ones(1).cuda()  // the context is now current on this thread only
      let result = Mutex<Double?>(nil)
      let finished = DispatchSemaphore(value: 0)
      let thread = Thread {
        result.withLock { $0 = (torch.arange(5.0).cuda() * 2.0).sum().item() }
        finished.signal()
      }
      thread.start()
      XCTAssertEqual(finished.wait(timeout: .now() + 120), .success, "the other thread finished")
      XCTAssertEqual(result.withLock { $0 }, 20)
    }
  }

  /// A CPU tensor meeting a CUDA tensor stops with PyTorch's message naming both devices
  /// (in a child process whose `TORCH_CUDA_DRIVER` is the emulator).
  func testCrossDeviceMisuseNamesBothDevices() throws {
    do { _ = try NVRTC() } catch { throw XCTSkip("NVRTC is not installed: \(error)") }
    let environment = ["TORCH_CUDA_DRIVER": try Self.emulatorPath()]
    assertStops("crossDeviceAdd", with: "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!", environment: environment)
    assertStops("cudaHostPointer", with: "host pointer requested for cuda:0 memory", environment: environment)
    assertStops("cudaMissingKernel", with: "NotImplementedError: \"gather_b8\" is not implemented on cuda:0", environment: environment)
    assertStops("crossDeviceLinear", with: "Expected all tensors to be on the same device, but found at least two devices, cpu and cuda:0!", environment: environment)
    // A device kernel cannot stop on a bad index, so indices bound for it are checked first.
    assertStops("cudaEmbeddingIndex", with: "IndexError: index out of range in self", environment: environment)
  }

  func testUsingCUDAWithoutADeviceStopsWithTheReason() throws {
    guard !torch.cuda.isAvailable() else { throw XCTSkip("a CUDA device is present") }
    assertStops("cudaUnavailable", with: "cannot use cuda:0: CUDA is not available: ")
  }

  /// A damaged kernel-cache file is compiled again and replaced, not fatal. The damaged file is
  /// one the backend reads: the test process's own cache holds only the current sources' images.
  func testADamagedKernelCacheFileIsRebuilt() throws {
    let nvrtc: NVRTC
    do { nvrtc = try NVRTC() } catch { throw XCTSkip("NVRTC is not installed: \(error)") }
    let driver = try CUDADriver(path: Self.emulatorPath())
    _ = try CUDABackend(ordinal: 0, driver: driver, nvrtc: nvrtc, cublasPath: "/nonexistent", kernelCache: testKernelCache)
    let folder = fixtureFolder + "/damaged-cache-\(UUID().uuidString)"
    try FileManager.default.copyItem(atPath: testKernelCache, toPath: folder)
    let images = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("kernels-") }.sorted()
    XCTAssertEqual(images.count, CUDAKernels.chunkCount, "one image per translation unit, all current")
    let victim = folder + "/" + (try XCTUnwrap(images.first))
    try Data("damaged".utf8).write(to: URL(fileURLWithPath: victim))
    let backend = try CUDABackend(ordinal: 0, driver: driver, nvrtc: nvrtc, cublasPath: "/nonexistent", kernelCache: folder)
    XCTAssertEqual(backend.architecture, "sm_90")
    let repaired = try Data(contentsOf: URL(fileURLWithPath: victim))
    XCTAssertEqual(Array(repaired.prefix(4)), [0x7F, 0x45, 0x4C, 0x46], "a cubin again")
  }
}
