import Foundation

/// Finds CUDA at run time. Nothing CUDA-related is linked: where the driver, a device or
/// NVRTC is missing, `torch.cuda.isAvailable()` is false and using `.cuda` says which.
/// `TORCH_CUDA_DRIVER` names another driver library than `libcuda.so.1` (a stand-in, such
/// as the tests' CPU emulator).
enum CUDARuntime {
  private struct Loaded: @unchecked Sendable {
    let backends: [CUDABackend]
    let driver: CUDADriver
  }

  private static let state: Result<Loaded, TorchError> = {
    do {
      let driver = try CUDADriver(path: ProcessInfo.processInfo.environment["TORCH_CUDA_DRIVER"])
      let count = try driver.deviceCount()
      guard count > 0 else { return .failure(.backend("the NVIDIA driver found no CUDA device")) }
      let nvrtc = try NVRTC()
      let backends = try (0..<count).map { try CUDABackend(ordinal: $0, driver: driver, nvrtc: nvrtc) }
      backends.forEach(Backends.register)
      return .success(Loaded(backends: backends, driver: driver))
    } catch let error as TorchError {
      return .failure(error)
    } catch {
      return .failure(.backend("\(error)"))
    }
  }()

  /// Why CUDA cannot be used here, or nil when it can.
  static var unavailableReason: String? {
    if case .failure(let error) = state { return error.description }
    return nil
  }

  static func backend(_ index: Int) -> CUDABackend? {
    guard case .success(let loaded) = state, index < loaded.backends.count else { return nil }
    return loaded.backends[index]
  }

  static var deviceCount: Int {
    if case .success(let loaded) = state { return loaded.backends.count }
    return 0
  }

  static func unavailableMessage(for device: Device) -> String {
    if case .cuda(let index) = device, unavailableReason == nil {
      return "CUDA error: invalid device ordinal \(index) (\(deviceCount) device(s) available)"
    }
    return "cannot use \(device): CUDA is not available: " + (unavailableReason ?? "no device")
  }
}

extension Backends {
  /// Loads CUDA on first use of a CUDA device, then looks the backend up again.
  static func cudaBackend(for device: Device) -> (any Backend)? {
    guard case .cuda(let index) = device else { return nil }
    return CUDARuntime.backend(index)
  }
}

extension torch {
  /// `torch.cuda`: device queries and memory figures. Where no usable GPU exists they
  /// report none, and `unavailableReason` says why.
  public enum cuda {
    /// True when a CUDA device can run tensors (`torch.cuda.is_available()`).
    public static func isAvailable() -> Bool { CUDARuntime.unavailableReason == nil }
    /// Number of usable CUDA devices.
    public static func deviceCount() -> Int { CUDARuntime.deviceCount }
    /// Why CUDA is unavailable, for messages; nil when it is available.
    public static var unavailableReason: String? { CUDARuntime.unavailableReason }

    /// The device's marketing name (`torch.cuda.get_device_name`).
    public static func getDeviceName(_ index: Int = 0) -> String? {
      guard let backend = CUDARuntime.backend(index) else { return nil }
      return try? backend.driver.name(backend.driver.device(index))
    }

    /// Waits for every queued kernel and copy on the device (`torch.cuda.synchronize`).
    public static func synchronize(_ index: Int = 0) { CUDARuntime.backend(index)?.synchronize() }

    /// Seeds the generator CUDA tensors draw from. Random CUDA tensors are sampled by the CPU
    /// generator and copied, so this is `torch.manualSeed`; the numbers match PyTorch's CPU
    /// draws, not PyTorch's CUDA (Philox) draws.
    public static func manualSeed(_ seed: UInt64) { torch.manualSeed(seed) }

    /// Bytes held by live CUDA tensors (`torch.cuda.memory_allocated`).
    public static func memoryAllocated(_ index: Int = 0) -> Int { CUDARuntime.backend(index)?.memoryAllocated ?? 0 }
    /// The most bytes ever held at once (`torch.cuda.max_memory_allocated`).
    public static func maxMemoryAllocated(_ index: Int = 0) -> Int { CUDARuntime.backend(index)?.maxMemoryAllocated ?? 0 }
    /// Starts the peak figure again from the bytes held now (`torch.cuda.reset_peak_memory_stats`).
    public static func resetPeakMemoryStats(_ index: Int = 0) { CUDARuntime.backend(index)?.resetPeakMemoryStats() }
    /// Returns cached device blocks to the driver (`torch.cuda.empty_cache`).
    public static func emptyCache(_ index: Int = 0) { CUDARuntime.backend(index)?.emptyCache() }
  }
}
