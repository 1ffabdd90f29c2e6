
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A caching allocator for CPU tensor memory.
///
/// Freed blocks go onto a free list per size class and are handed out again, so a
/// training loop that allocates the same shapes every step stops calling `malloc`
/// after its first step. Size classes are 64-byte multiples up to 4 KiB, then eight
/// classes per power of two (at most 12.5% slack). At most `cacheLimit` bytes are kept.
final class CPUAllocator: Sendable {
  static let shared = CPUAllocator()

  private struct State {
    var freeLists: [Int: [Int]] = [:]  // size class -> addresses
    var cachedBytes = 0
    var allocatedBytes = 0
    var peakAllocatedBytes = 0
  }

  private let state = Locked(State())
  let cacheLimit = 1 << 30

  /// The size class a request of `bytes` is served from.
  static func sizeClass(_ bytes: Int) -> Int {
    if bytes <= 4096 { return max(64, (bytes + 63) & ~63) }
    let high = Int.bitWidth - 1 - (bytes - 1).leadingZeroBitCount  // floor(log2(bytes - 1))
    let step = 1 << (high - 3)
    return (bytes + step - 1) / step * step
  }

  func allocate(_ bytes: Int) -> UnsafeMutableRawPointer {
    let size = Self.sizeClass(bytes)
    let reused: Int? = state.withLock { s in
      s.allocatedBytes += size
      s.peakAllocatedBytes = max(s.peakAllocatedBytes, s.allocatedBytes)
      guard let address = s.freeLists[size]?.popLast() else { return nil }
      s.cachedBytes -= size
      return address
    }
    if let reused, let pointer = UnsafeMutableRawPointer(bitPattern: reused) { return pointer }
    var pointer: UnsafeMutableRawPointer?
    guard posix_memalign(&pointer, 64, size) == 0, let pointer else {
      state.withLock { $0.allocatedBytes -= size }
      torchFail("DefaultCPUAllocator: can't allocate memory: you tried to allocate \(bytes) bytes.")
    }
    return pointer
  }

  func free(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
    let size = Self.sizeClass(byteCount)
    let keep = state.withLock { s in
      s.allocatedBytes -= size
      guard s.cachedBytes + size <= cacheLimit else { return false }
      s.freeLists[size, default: []].append(Int(bitPattern: pointer))
      s.cachedBytes += size
      return true
    }
    if !keep { pointer.deallocate() }
  }

  /// Returns every cached block to the system.
  func emptyCache() {
    let addresses = state.withLock { s in
      defer { s.freeLists = [:]; s.cachedBytes = 0 }
      return s.freeLists.values.flatMap { $0 }
    }
    for address in addresses { UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
  }

  /// Bytes held by live tensors, and the most ever held at once.
  var statistics: (allocated: Int, peak: Int, cached: Int) {
    state.withLock { ($0.allocatedBytes, $0.peakAllocatedBytes, $0.cachedBytes) }
  }
}
