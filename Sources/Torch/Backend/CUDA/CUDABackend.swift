import CTorchKernels
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The CUDA implementation of `Backend`: device memory from a caching allocator, one stream
/// per device with asynchronous copies (the host waits only when a value crosses to it),
/// and kernels compiled by NVRTC on first use for the device's exact architecture (cubin),
/// cached on disk per NVRTC version, driver version and architecture.
///
/// Status: every kernel compiles with NVRTC in the tests and runs there on a CPU emulator of
/// the driver (Tests/TorchTests/Fixtures), checked op by op against the CPU backend; the same
/// checks passed on an NVIDIA H200 (scripts/cuda-check.sh, README's CUDA section).
final class CUDABackend: Backend, @unchecked Sendable {
  let device: Device
  let driver: CUDADriver
  let nvrtc: NVRTC
  let architecture: String
  let context: OpaquePointer?
  let stream: OpaquePointer?
  /// One loaded module per translation unit (`CUDAKernels.chunkSource`).
  let modules: [OpaquePointer]
  /// cuBLAS when it loads; nil means the tiled NVRTC GEMM serves every product.
  let cublas: CUBLAS?
  let functions = Locked<[String: Int]>([:])
  let cache = Locked<[Int: [UInt64]]>([:])
  let statistics = Locked<(allocated: Int, peak: Int)>((0, 0))

  /// Where compiled kernel images are kept between runs: `$XDG_CACHE_HOME/swift-torch`, else
  /// `~/.cache/swift-torch`.
  static var defaultKernelCache: String {
    (ProcessInfo.processInfo.environment["XDG_CACHE_HOME"] ?? NSHomeDirectory() + "/.cache") + "/swift-torch"
  }

  /// Opens device `ordinal` and loads its kernels, compiled now or read from `kernelCache`.
  init(ordinal: Int, driver: CUDADriver, nvrtc: NVRTC, cublasPath: String? = nil, kernelCache: String = CUDABackend.defaultKernelCache) throws {
    self.device = .cuda(ordinal)
    self.driver = driver
    self.nvrtc = nvrtc
    let handle = try driver.device(ordinal)
    let (major, minor) = try driver.computeCapability(handle)
    let target = "sm_\(major)\(minor)"
    architecture = target
    context = try driver.activatePrimaryContext(handle)
    stream = try driver.createStream()
    modules = try Self.loadModules(driver: driver, nvrtc: nvrtc, architecture: target, cache: kernelCache)
    cublas = try? CUBLAS(path: cublasPath, stream: stream)
  }

  func function(_ name: String) -> OpaquePointer {
    if let cached = functions.withLock({ $0[name] }) { return OpaquePointer(bitPattern: cached)! }
    guard let chunk = CUDAKernels.chunkOfKernel[name] else {
      // The missing-op policy (Backends): stop, naming the kernel (op and dtype) and the device.
      torchFail("\"\(name)\" is not implemented on \(device): this CUDA backend has no kernel for that op and dtype", kind: "NotImplementedError")
    }
    let loaded = orFail { try driver.function(modules[chunk], name) }
    functions.withLock { $0[name] = Int(bitPattern: UnsafeRawPointer(loaded)) }
    return loaded
  }

  /// Runs CUDA calls on this device's context, which must be current on the calling thread
  /// (driver contexts are per thread; Swift code may run on any thread). A failure, like any
  /// op misuse, stops with the driver's message.
  func orFail<R>(_ body: () throws -> R) -> R {
    do {
      try bindContext()
      return try body()
    } catch { torchFail("\(error)") }
  }

  /// The context each thread last made current, so binding costs one lookup when unchanged.
  private static let threadContext: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
  }()

  func bindContext() throws(TorchError) {
    let mine = UnsafeRawPointer(context)
    guard UnsafeRawPointer(pthread_getspecific(Self.threadContext)) != mine else { return }
    try driver.setCurrent(context)
    pthread_setspecific(Self.threadContext, mine)
  }

  // MARK: - Memory

  func allocate(bytes: Int) -> Storage {
    let size = CPUAllocator.sizeClass(bytes)
    let address = cache.withLock { $0[size]?.popLast() } ?? freshBlock(size)
    statistics.withLock { $0.allocated += size; $0.peak = Swift.max($0.peak, $0.allocated) }
    let release: @Sendable (UInt64, Int) -> Void = { [self] block, _ in
      cache.withLock { $0[size, default: []].append(block) }
      statistics.withLock { $0.allocated -= size }
    }
    return Storage(deviceAddress: address, byteCount: bytes, device: device, release: release)
  }

  /// A new device block. When the device is out of memory, the cached blocks go back to the
  /// driver and the request is tried once more (as PyTorch's allocator does).
  func freshBlock(_ size: Int) -> UInt64 {
    do {
      try bindContext()
      return try driver.allocate(size)
    } catch {
      emptyCache()
      return orFail { try driver.allocate(size) }
    }
  }

  var memoryAllocated: Int { statistics.withLock { $0.allocated } }
  var maxMemoryAllocated: Int { statistics.withLock { $0.peak } }
  func resetPeakMemoryStats() { statistics.withLock { $0.peak = $0.allocated } }

  func emptyCache() {
    let blocks = cache.withLock { cache in defer { cache = [:] }; return cache.values.flatMap { $0 } }
    orFail { for block in blocks { try driver.free(block) } }
  }

  func synchronize() { orFail { try driver.synchronize(stream) } }

  func address(_ t: Tensor) -> UInt64 {
    t.storage.address + UInt64(t.storageOffset * t.dtype.itemSize)
  }

  // MARK: - Launching

  static func info(_ t: Tensor) -> CTKTensorInfo { info(shape: t.dims, strides: t.elementStrides) }

  static func info(shape: [Int], strides: [Int]) -> CTKTensorInfo {
    torchCheck(shape.count <= 8, "CUDA kernels support tensors of up to 8 dimensions, got \(shape.count)")
    var info = CTKTensorInfo()
    info.ndim = Int32(shape.count)
    withUnsafeMutableBytes(of: &info.shape) { raw in
      for (i, d) in shape.enumerated() { raw.storeBytes(of: Int64(d), toByteOffset: i * 8, as: Int64.self) }
    }
    withUnsafeMutableBytes(of: &info.strides) { raw in
      for (i, s) in strides.enumerated() { raw.storeBytes(of: Int64(s), toByteOffset: i * 8, as: Int64.self) }
    }
    return info
  }

  /// One kernel parameter, copied into storage that outlives the launch.
  enum Argument {
    case pointer(UInt64), int64(Int64), int32(Int32), double(Double), info(CTKTensorInfo)
  }

  func launch(_ name: String, count: Int, block: Int = 256, grid: (Int, Int)? = nil, _ arguments: [Argument]) {
    guard count > 0 else { return }
    let sizes = arguments.map { argument -> Int in
      switch argument {
      case .pointer, .int64, .double: 8
      case .int32: 4
      case .info: MemoryLayout<CTKTensorInfo>.stride
      }
    }
    let storage = UnsafeMutableRawPointer.allocate(byteCount: sizes.reduce(0) { $0 + ($1 + 7) / 8 * 8 }, alignment: 16)
    let pointers = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: arguments.count)
    defer { storage.deallocate(); pointers.deallocate() }
    var offset = 0
    for (i, argument) in arguments.enumerated() {
      let slot = storage + offset
      switch argument {
      case .pointer(let value): slot.storeBytes(of: value, as: UInt64.self)
      case .int64(let value): slot.storeBytes(of: value, as: Int64.self)
      case .int32(let value): slot.storeBytes(of: value, as: Int32.self)
      case .double(let value): slot.storeBytes(of: value, as: Double.self)
      case .info(let value): slot.storeBytes(of: value, as: CTKTensorInfo.self)
      }
      pointers[i] = slot
      offset += (sizes[i] + 7) / 8 * 8
    }
    let blocks = grid.map { $0.0 } ?? Swift.min((count + block - 1) / block, 65_535)
    orFail {
      if let grid {
        try driver.launch2D(function(name), grid: (UInt32(grid.0), UInt32(grid.1)), block: UInt32(block), stream: stream, arguments: pointers, name: name)
      } else {
        try driver.launch(function(name), grid: UInt32(blocks), block: UInt32(block), stream: stream, arguments: pointers, name: name)
      }
    }
  }

  func t(_ tensor: Tensor) -> String { CUDAKernels.typeName(tensor.dtype) }

  // MARK: - Host transfer (the op families are in CUDABackend+<Family>.swift)

  func readBytes(_ x: Tensor) -> [UInt8] {
    let dense = x.rawContiguous()
    var bytes = [UInt8](repeating: 0, count: dense.numel() * dense.dtype.itemSize)
    orFail {
      try bytes.withUnsafeMutableBytes { buffer in
        if let base = buffer.baseAddress { try driver.copyToHost(base, address(dense), buffer.count, stream) }
      }
      try driver.synchronize(stream)
    }
    return bytes
  }

  func writeBytes(_ bytes: UnsafeRawBufferPointer, into dst: Tensor) {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return }
    orFail {
      try driver.copyToDevice(address(dst), base, bytes.count, stream)
      // The host buffer may be freed when this returns.
      try driver.synchronize(stream)
    }
  }
}
