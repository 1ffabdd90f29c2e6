import CTorchKernels
import Foundation

/// Compiling the kernels with NVRTC and keeping the images on disk between runs.
extension CUDABackend {
  /// Loads every translation unit. A cached image the driver refuses (damaged on disk) is
  /// compiled again and replaced.
  static func loadModules(driver: CUDADriver, nvrtc: NVRTC, architecture: String, cache: String) throws(TorchError) -> [OpaquePointer] {
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
    let results = Locked<[Int: Result<KernelImage, TorchError>]>([:])
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
}
