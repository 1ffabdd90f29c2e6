/// A reference-counted block of memory shared by a tensor and all its views.
///
/// The `version` counter is bumped by every in-place write, so autograd can detect
/// that a tensor it saved for backward was modified afterwards (as PyTorch does).
public final class Storage: @unchecked Sendable {
  /// CPU address of the first byte (for CUDA storage, the device address).
  public let data: UnsafeMutableRawPointer
  public let byteCount: Int
  public let device: Device
  var version = 0
  private let release: (@Sendable (UnsafeMutableRawPointer, Int) -> Void)?

  /// Allocates `byteCount` bytes on the CPU through the caching allocator.
  init(cpuBytes byteCount: Int) {
    self.byteCount = byteCount
    self.device = .cpu
    self.data = CPUAllocator.shared.allocate(byteCount)
    self.release = { CPUAllocator.shared.free($0, byteCount: $1) }
  }

  /// Wraps memory owned elsewhere; `release` runs when the last view goes away.
  init(data: UnsafeMutableRawPointer, byteCount: Int, device: Device,
       release: (@Sendable (UnsafeMutableRawPointer, Int) -> Void)?) {
    self.data = data
    self.byteCount = byteCount
    self.device = device
    self.release = release
  }

  deinit { release?(data, byteCount) }
}
