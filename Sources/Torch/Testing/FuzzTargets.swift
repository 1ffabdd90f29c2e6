import Foundation
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Entry points that feed arbitrary bytes to each reader of outside input, for libFuzzer
/// (`scripts/fuzz`, imported with `@_spi(Fuzzing)`) and for the corpus tests in `swift test`.
/// Each returns whether the input was accepted; a rejected input must be a thrown error, and
/// anything else (a trap, an out-of-bounds access under AddressSanitizer) is a bug.
@_spi(Fuzzing) public enum FuzzTargets {
  /// The readers, by name.
  public static let all: [(name: String, run: @Sendable (UnsafeRawBufferPointer) -> Bool)] = [
    ("safetensors", safetensors), ("pytorch", pytorch), ("idx", idx), ("gzip", gzip), ("http", http),
    ("cifar", cifar), ("tar", tar),
  ]

  /// A PyTorch checkpoint's bytes: zip directory, pickle and storages, loaded with widening.
  public static func pytorch(_ bytes: UnsafeRawBufferPointer) -> Bool {
    (try? PyTorchCheckpoint.load(MappedFile(copying: bytes, path: "fuzz.pt"), widening: true)) != nil
  }

  /// A safetensors file's bytes, decoded and validated.
  public static func safetensors(_ bytes: UnsafeRawBufferPointer) -> Bool {
    (try? SafeTensors.decode(MappedFile(copying: bytes, path: "fuzz.safetensors"))) != nil
  }

  /// An IDX file (gzipped or plain) read as FashionMNIST reads one, expecting 1 to 4 dims in
  /// turn so that every header shape is reachable.
  public static func idx(_ bytes: UnsafeRawBufferPointer) -> Bool {
    withScratchFile(bytes) { path in (1...4).contains { (try? IDX.load(path, expectedDims: $0)) != nil } }
  }

  /// A file through zlib's streaming reader, at most 1 MiB of content.
  public static func gzip(_ bytes: UnsafeRawBufferPointer) -> Bool {
    withScratchFile(bytes) { path in
      guard let reader = try? GzipReader(path: path), (try? reader.read(upTo: 1 << 20)) != nil else { return false }
      return (try? reader.close()) != nil
    }
  }

  /// A CIFAR-10 batch file's bytes (a pickle of NumPy images and labels), checked as a data
  /// set of 10 classes checks it.
  public static func cifar(_ bytes: UnsafeRawBufferPointer) -> Bool {
    (try? datasets.CIFAR10.batch(bytes, path: "fuzz_batch", classes: 10)) != nil
  }

  /// A tar archive (gzipped or plain) extracted into a scratch folder, removed afterwards.
  public static func tar(_ bytes: UnsafeRawBufferPointer) -> Bool {
    withScratchFile(bytes) { path in
      let folder = path + "-extracted"
      defer { try? FileManager.default.removeItem(atPath: folder) }
      return (try? Tar.extract(path, into: folder)) != nil
    }
  }

  /// A complete HTTP response, parsed with a 1 MiB body limit.
  public static func http(_ bytes: UnsafeRawBufferPointer) -> Bool {
    (try? HTTPResponse(parsing: Array(bytes), maxBody: 1 << 20)) != nil
  }

  /// Writes `bytes` to this process's scratch file (in memory where /dev/shm exists) and calls `body` with its path.
  private static func withScratchFile(_ bytes: UnsafeRawBufferPointer, _ body: (String) -> Bool) -> Bool {
    let folder = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    let path = "\(folder)/swift-torch-fuzz-\(getpid())"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return false }
    let written = AtomicFile.writeAll(fd, bytes)
    close(fd)
    defer { unlink(path) }
    return written && body(path)
  }
}
