#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Finds the NVIDIA driver at run time. Nothing CUDA-related is linked: where the driver
/// is missing, `torch.cuda.isAvailable()` is false and using `.cuda` explains why.
enum CUDARuntime {
  /// Why CUDA cannot be used here, or nil when a driver library was found.
  static let unavailableReason: String? = {
    guard let handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL) else {
      let reason = dlerror().map { String(cString: $0) } ?? "not found"
      return "the NVIDIA driver library libcuda.so.1 could not be loaded (\(reason))"
    }
    dlclose(handle)
    return "the NVIDIA driver was found, but this build's CUDA backend is not enabled yet"
  }()

  static func unavailableMessage(for device: Device) -> String {
    "Torch not compiled with CUDA enabled or no CUDA device is usable: cannot use \(device): "
      + (unavailableReason ?? "no device")
  }
}

extension torch {
  /// `torch.cuda`: device queries. Where no usable GPU exists they report none.
  public enum cuda {
    /// True when a CUDA device can run tensors (`torch.cuda.is_available()`).
    public static func isAvailable() -> Bool { CUDARuntime.unavailableReason == nil }
    /// Number of usable CUDA devices.
    public static func deviceCount() -> Int { isAvailable() ? 1 : 0 }
    /// Why CUDA is unavailable, for messages; nil when it is available.
    public static var unavailableReason: String? { CUDARuntime.unavailableReason }
  }
}
