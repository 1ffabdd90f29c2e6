import CTorchKernels
import Foundation
import Synchronization

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
/// the driver (Tests/TorchTests/Fixtures), checked op by op against the CPU backend; it has
/// not yet run on a real GPU (scripts/cuda-check.sh is that check).
final class CUDABackend: Backend, @unchecked Sendable {
  let device: Device
  let driver: CUDADriver
  let nvrtc: NVRTC
  let architecture: String
  private let context: OpaquePointer?
  private let stream: OpaquePointer?
  /// One loaded module per translation unit (`CUDAKernels.chunkSource`).
  private let modules: [OpaquePointer]
  /// cuBLAS when it loads; nil means the tiled NVRTC GEMM serves every product.
  let cublas: CUBLAS?
  private let functions = Mutex<[String: Int]>([:])
  private let cache = Mutex<[Int: [UInt64]]>([:])
  private let statistics = Mutex<(allocated: Int, peak: Int)>((0, 0))

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

  /// Loads every translation unit. A cached image the driver refuses (damaged on disk) is
  /// compiled again and replaced.
  private static func loadModules(driver: CUDADriver, nvrtc: NVRTC, architecture: String, cache: String) throws(TorchError) -> [OpaquePointer] {
    try kernelImages(nvrtc: nvrtc, driver: driver, architecture: architecture, directory: cache).map { image throws(TorchError) in
      do throws(TorchError) {
        return try driver.loadModule(image.bytes)
      } catch {
        guard image.cached else { throw error }
        let fresh = try compile(image.source, chunk: image.chunk, nvrtc: nvrtc, architecture: architecture)
        try? AtomicFile.write(fresh, to: image.path)
        return try driver.loadModule(fresh)
      }
    }
  }

  /// One compiled translation unit and where it is cached.
  private struct KernelImage: Sendable {
    let chunk: Int
    let source: String
    let path: String
    let bytes: [UInt8]
    /// Read from the cache rather than compiled now.
    let cached: Bool
  }

  /// The compiled translation units: from the on-disk cache when present, else compiled now,
  /// all at once on the available cores (cubin for the device, PTX as the fallback), and cached
  /// per NVRTC version, driver version, architecture and source.
  private static func kernelImages(nvrtc: NVRTC, driver: CUDADriver, architecture: String, directory: String) throws(TorchError) -> [KernelImage] {
    let prefix = "kernels-nvrtc\(nvrtc.version.0).\(nvrtc.version.1)-driver\(driver.driverVersion)-\(architecture)-"
    let results = Mutex<[Int: Result<KernelImage, TorchError>]>([:])
    DispatchQueue.concurrentPerform(iterations: CUDAKernels.chunkCount) { chunk in
      let source = CUDAKernels.chunkSource(chunk)
      let path = directory + "/" + prefix + MD5.hex(Array(source.utf8)) + ".bin"
      let result: Result<KernelImage, TorchError>
      if let cached = try? AtomicFile.read(path), !cached.isEmpty {
        result = .success(KernelImage(chunk: chunk, source: source, path: path, bytes: cached, cached: true))
      } else {
        result = Result { () throws(TorchError) in
          let bytes = try compile(source, chunk: chunk, nvrtc: nvrtc, architecture: architecture)
          try? AtomicFile.write(bytes, to: path)
          return KernelImage(chunk: chunk, source: source, path: path, bytes: bytes, cached: false)
        }
      }
      results.withLock { $0[chunk] = result }
    }
    pruneKernelCache(directory, keeping: 4 * CUDAKernels.chunkCount)
    let images = results.withLock { $0 }
    return try (0..<CUDAKernels.chunkCount).map { chunk throws(TorchError) in try images[chunk]!.get() }
  }

  private static func compile(_ source: String, chunk: Int, nvrtc: NVRTC, architecture: String) throws(TorchError) -> [UInt8] {
    let name = "torch_kernels_\(chunk).cu"
    do {
      return try nvrtc.compile(source, name: name, architecture: architecture).image
    } catch {
      return try nvrtc.compile(source, name: name, architecture: architecture.replacingOccurrences(of: "sm_", with: "compute_")).image
    }
  }

  /// Bounds the on-disk cache (a few MB per entry): only the `keeping` newest images stay.
  static func pruneKernelCache(_ directory: String, keeping: Int) {
    let files = FileManager.default
    let images = ((try? files.contentsOfDirectory(atPath: directory)) ?? [])
      .filter { $0.hasPrefix("kernels-") && $0.hasSuffix(".bin") }
      .map { directory + "/" + $0 }
      .sorted { modified($0) > modified($1) }
    for stale in images.dropFirst(keeping) { try? files.removeItem(atPath: stale) }
  }

  private static func modified(_ path: String) -> Date {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
  }

  private func function(_ name: String) -> OpaquePointer {
    if let cached = functions.withLock({ $0[name] }) { return OpaquePointer(bitPattern: cached)! }
    let loaded = orFail {
      guard let chunk = CUDAKernels.chunkOfKernel[name] else { throw TorchError.backend("no CUDA kernel named \(name)") }
      return try driver.function(modules[chunk], name)
    }
    functions.withLock { $0[name] = Int(bitPattern: UnsafeRawPointer(loaded)) }
    return loaded
  }

  /// Runs CUDA calls on this device's context, which must be current on the calling thread
  /// (driver contexts are per thread; Swift code may run on any thread). A failure, like any
  /// op misuse, stops with the driver's message.
  private func orFail<R>(_ body: () throws -> R) -> R {
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

  private func bindContext() throws(TorchError) {
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
    let release: @Sendable (UnsafeMutableRawPointer, Int) -> Void = { [self] pointer, _ in
      cache.withLock { $0[size, default: []].append(UInt64(UInt(bitPattern: pointer))) }
      statistics.withLock { $0.allocated -= size }
    }
    return Storage(data: UnsafeMutableRawPointer(bitPattern: UInt(address))!, byteCount: bytes, device: device, release: release)
  }

  /// A new device block. When the device is out of memory, the cached blocks go back to the
  /// driver and the request is tried once more (as PyTorch's allocator does).
  private func freshBlock(_ size: Int) -> UInt64 {
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

  private func address(_ t: Tensor) -> UInt64 {
    UInt64(UInt(bitPattern: t.storage.data)) + UInt64(t.storageOffset * t.dtype.itemSize)
  }

  // MARK: - Launching

  private static func info(_ t: Tensor) -> CTKTensorInfo { info(shape: t.dims, strides: t.elementStrides) }

  private static func info(shape: [Int], strides: [Int]) -> CTKTensorInfo {
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

  private func launch(_ name: String, count: Int, block: Int = 256, grid: (Int, Int)? = nil, _ arguments: [Argument]) {
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

  private func t(_ tensor: Tensor) -> String { CUDAKernels.typeName(tensor.dtype) }

  // MARK: - Backend

  func copy(_ src: Tensor, into dst: Tensor) {
    if src.dtype == dst.dtype, src.isContiguous, dst.isContiguous, src.dims == dst.dims {
      orFail { try driver.copyOnDevice(address(dst), address(src), src.numel() * src.dtype.itemSize, stream) }
      return
    }
    let infos = Self.elementwiseInfos(src, dst)
    launch("copy_\(t(src))_\(t(dst))", count: dst.numel(), [
      .pointer(address(src)), .info(infos[0]), .pointer(address(dst)), .info(infos[1]), .int64(Int64(dst.numel())),
    ])
  }

  func fill(_ dst: Tensor, with value: Double) {
    launch("fill_\(t(dst))", count: dst.numel(), [.pointer(address(dst)), .info(Self.elementwiseInfos(dst)[0]), .int64(Int64(dst.numel())), .double(value)])
  }

  func unary(_ op: UnaryOp, _ x: Tensor, into out: Tensor) {
    let infos = Self.elementwiseInfos(x, out)
    launch("unary_\(op.kernel.name)_\(t(x))", count: out.numel(), [
      .pointer(address(x)), .info(infos[0]), .pointer(address(out)), .info(infos[1]), .int64(Int64(out.numel())), .double(op.p0), .double(op.p1),
    ])
  }

  func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, into out: Tensor) {
    let infos = Self.elementwiseInfos(a, b, out)
    launch("binary_\(op.kernel.name)_\(t(a))", count: out.numel(), [
      .pointer(address(a)), .info(infos[0]), .pointer(address(b)), .info(infos[1]),
      .pointer(address(out)), .info(infos[2]), .int64(Int64(out.numel())), .double(op.p0), .double(op.p1),
    ])
  }

  func whereSelect(_ condition: Tensor, _ a: Tensor, _ b: Tensor, into out: Tensor) {
    let infos = Self.elementwiseInfos(condition, a, b, out)
    launch("where_\(t(out))", count: out.numel(), [
      .pointer(address(condition)), .info(infos[0]), .pointer(address(a)), .info(infos[1]),
      .pointer(address(b)), .info(infos[2]), .pointer(address(out)), .int64(Int64(out.numel())),
    ])
  }

  /// The geometry of operands that share one shape, with adjacent dims merged wherever every
  /// operand lays them out contiguously relative to each other (as PyTorch's TensorIterator
  /// does) and size-1 dims dropped: kernels then index with fewer 64-bit divisions, and
  /// contiguous operands become 1-D.
  static func elementwiseInfos(_ tensors: Tensor...) -> [CTKTensorInfo] {
    let kept = tensors[0].dims.indices.filter { tensors[0].dims[$0] != 1 }
    var shape: [Int] = [], strides: [[Int]] = Array(repeating: [], count: tensors.count)
    for d in kept {
      let size = tensors[0].dims[d]
      if let last = shape.last, tensors.indices.allSatisfy({ strides[$0].last! == tensors[$0].elementStrides[d] * size }) {
        shape[shape.count - 1] = last * size
        for i in tensors.indices { strides[i][strides[i].count - 1] = tensors[i].elementStrides[d] }
      } else {
        shape.append(size)
        for i in tensors.indices { strides[i].append(tensors[i].elementStrides[d]) }
      }
    }
    return strides.map { info(shape: shape, strides: $0) }
  }

  /// `x`'s geometry with `moved` dims placed last, in order (kept dims keep their order).
  private static func permuted(_ x: Tensor, last moved: [Int]) -> CTKTensorInfo {
    let order = x.dims.indices.filter { !moved.contains($0) } + moved
    return info(shape: order.map { x.dims[$0] }, strides: order.map { x.elementStrides[$0] })
  }

  func reduce(_ op: ReduceOp, _ x: Tensor, dims: [Int], into out: Tensor) {
    let name: String
    switch op {
    case .sum: name = "sum"
    case .prod: name = "prod"
    case .max, .amax: name = "max"
    case .min, .amin: name = "min"
    }
    let inner = dims.reduce(1) { $0 * x.dims[$1] }, outer = out.numel()
    launch("reduce_\(name)_\(t(x))", count: outer, grid: (Swift.min(outer, 65_535), 1), [
      .pointer(address(x)), .info(Self.permuted(x, last: dims)), .pointer(address(out)), .int64(Int64(outer)), .int64(Int64(inner)),
    ])
  }

  func argReduce(max: Bool, _ x: Tensor, dim: Int, values: Tensor?, indices: Tensor) {
    let rows = indices.numel()
    launch("argreduce_\(max ? "max" : "min")_\(t(x))", count: rows, [
      .pointer(address(x)), .info(Self.permuted(x, last: [dim])), .pointer(values.map(address) ?? 0), .pointer(address(indices)),
      .int64(Int64(rows)), .int64(Int64(x.dims[dim])), .int32(values == nil ? 0 : 1),
    ])
  }

  func softmax(_ x: Tensor, dim: Int, log: Bool, into out: Tensor) {
    let length = x.dims[dim], rows = x.numel() / Swift.max(length, 1)
    launch("softmax_\(t(x))", count: rows, grid: ((rows + 7) / 8, 1), [
      .pointer(address(x)), .info(Self.permuted(x, last: [dim])), .pointer(address(out)), .info(Self.permuted(out, last: [dim])),
      .int64(Int64(rows)), .int64(Int64(length)), .int32(log ? 1 : 0),
    ])
  }

  func softmaxBackward(grad: Tensor, output: Tensor, dim: Int, log: Bool, into out: Tensor) {
    let length = output.dims[dim], rows = output.numel() / Swift.max(length, 1)
    launch("softmax_backward_\(t(output))", count: rows, grid: ((rows + 7) / 8, 1), [
      .pointer(address(grad)), .info(Self.permuted(grad, last: [dim])), .pointer(address(output)), .info(Self.permuted(output, last: [dim])),
      .pointer(address(out)), .info(Self.permuted(out, last: [dim])), .int64(Int64(rows)), .int64(Int64(length)), .int32(log ? 1 : 0),
    ])
  }

  func gemm(_ a: Tensor, _ b: Tensor, into out: Tensor, alpha: Double, beta: Double) {
    let (m, k, n) = (a.dims[0], a.dims[1], b.dims[1])
    if let cublas, m > 0, n > 0, k > 0,
      cublas.gemm(dtype: out.dtype, m: m, n: n, k: k,
                  a: address(a), rsA: a.elementStrides[0], csA: a.elementStrides[1],
                  b: address(b), rsB: b.elementStrides[0], csB: b.elementStrides[1],
                  c: address(out), rsC: out.elementStrides[0], alpha: alpha, beta: beta)
    {
      return
    }
    launch("gemm_\(t(out))", count: m * n, grid: ((n + 15) / 16, (m + 15) / 16), [
      .pointer(address(a)), .int64(Int64(a.elementStrides[0])), .int64(Int64(a.elementStrides[1])),
      .pointer(address(b)), .int64(Int64(b.elementStrides[0])), .int64(Int64(b.elementStrides[1])),
      .pointer(address(out)), .int64(Int64(out.elementStrides[0])), .int64(Int64(m)), .int64(Int64(n)), .int64(Int64(k)),
      .double(alpha), .double(beta),
    ])
  }

  func indexSelect(_ x: Tensor, dim: Int, index: Tensor, into out: Tensor) {
    launch("index_select_\(t(x))", count: out.numel(), [
      .pointer(address(x)), .info(Self.info(x)), .pointer(address(index)), .int64(Int64(index.elementStrides.first ?? 0)),
      .pointer(address(out)), .info(Self.info(out)), .int32(Int32(dim)), .int64(Int64(out.numel())),
    ])
  }

  func indexAdd(_ out: Tensor, dim: Int, index: Tensor, source: Tensor) {
    launch("index_add_\(t(out))", count: source.numel(), [
      .pointer(address(out)), .info(Self.info(out)), .pointer(address(index)), .int64(Int64(index.elementStrides.first ?? 0)),
      .pointer(address(source)), .info(Self.info(source)), .int32(Int32(dim)), .int64(Int64(source.numel())),
    ])
  }

  func gather(_ x: Tensor, dim: Int, index: Tensor, into out: Tensor) {
    launch("gather_\(t(x))", count: out.numel(), [
      .pointer(address(x)), .info(Self.info(x)), .pointer(address(index)), .info(Self.info(index)),
      .pointer(address(out)), .int32(Int32(dim)), .int64(Int64(out.numel())),
    ])
  }

  func scatterAdd(_ out: Tensor, dim: Int, index: Tensor, source: Tensor) {
    launch("scatter_add_\(t(out))", count: index.numel(), [
      .pointer(address(out)), .info(Self.info(out)), .pointer(address(index)), .info(Self.info(index)),
      .pointer(address(source)), .info(Self.info(source)), .int32(Int32(dim)), .int64(Int64(index.numel())),
    ])
  }

  func nllLoss(logProbs: Tensor, target: Tensor, weight: Tensor?, ignoreIndex: Int, losses: Tensor, weights: Tensor) {
    let targets = target.dtype == .int64 ? target : target.rawCopy(dtype: .int64)
    launch("nll_\(t(logProbs))", count: losses.numel(), [
      .pointer(address(logProbs)), .int64(Int64(logProbs.elementStrides[0])), .int64(Int64(logProbs.elementStrides[1])),
      .pointer(address(targets)), .int64(Int64(targets.elementStrides.first ?? 0)),
      .pointer(weight.map(address) ?? 0), .int64(Int64(weight?.elementStrides.first ?? 0)),
      .int64(Int64(ignoreIndex)), .int64(Int64(logProbs.dims[1])), .pointer(address(losses)), .pointer(address(weights)),
      .int64(Int64(losses.numel())),
    ])
  }

  func readBytes(_ x: Tensor) -> [UInt8] {
    let dense = x.isContiguous ? x : x.rawCopy()
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
