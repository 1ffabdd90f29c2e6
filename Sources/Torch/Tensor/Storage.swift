/// A reference-counted block of memory shared by a tensor and all its views.
///
/// The `version` counter is bumped by every in-place write, so autograd can detect
/// that a tensor it saved for backward was modified afterwards (as PyTorch does).
public final class Storage: @unchecked Sendable {
  /// Where the memory is, as its backend sees it: a host address on the CPU, an opaque device
  /// address elsewhere (a CUDA address is not a host pointer and is never dereferenced here).
  public let address: UInt64
  public let byteCount: Int
  public let device: Device
  var version = 0
  private let host: UnsafeMutableRawPointer?
  private let release: (@Sendable (UInt64, Int) -> Void)?

  /// Allocates `byteCount` bytes on the CPU through the caching allocator.
  init(cpuBytes byteCount: Int) {
    let pointer = CPUAllocator.shared.allocate(byteCount)
    self.host = pointer
    self.address = UInt64(UInt(bitPattern: pointer))
    self.byteCount = byteCount
    self.device = .cpu
    self.release = { address, bytes in CPUAllocator.shared.free(UnsafeMutableRawPointer(bitPattern: UInt(address))!, byteCount: bytes) }
  }

  /// Host memory owned by someone else (`torch.fromBlob`): used in place, never copied;
  /// `release` runs when the last view goes away.
  init(hostPointer: UnsafeMutableRawPointer, byteCount: Int, release: (@Sendable (UInt64, Int) -> Void)?) {
    self.host = hostPointer
    self.address = UInt64(UInt(bitPattern: hostPointer))
    self.byteCount = byteCount
    self.device = .cpu
    self.release = release
  }

  /// Device memory owned by a backend; `release` runs when the last view goes away.
  init(deviceAddress: UInt64, byteCount: Int, device: Device, release: (@Sendable (UInt64, Int) -> Void)?) {
    precondition(device != .cpu, "CPU storage holds a host pointer")
    self.host = nil
    self.address = deviceAddress
    self.byteCount = byteCount
    self.device = device
    self.release = release
  }

  /// The host address of CPU memory. Device memory has none: reading it there is a bug in a
  /// backend, and stops with the reason.
  public var data: UnsafeMutableRawPointer {
    guard let host else { torchFail("host pointer requested for \(device) memory: device memory is reached only through its backend") }
    return host
  }

  deinit { release?(address, byteCount) }
}
