import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes files atomically: into a temporary file beside the target, flushed to disk, then a
/// rename, so readers see the old file or the new one, whole, even across a crash (`kill -9`
/// or power loss), and a failure leaves the old file untouched.
enum AtomicFile {
  /// How many finished files were flushed to disk before being moved into place (what the
  /// tests observe: a crash-free test cannot otherwise tell a flushed file from one in cache).
  static let flushes = Atomic<Int>(0)

  /// Writes `bytes` to `path` atomically.
  static func write(_ bytes: [UInt8], to path: String) throws(TorchError) {
    try write(to: path) { (file: FileWriter) throws(TorchError) in try file.write(bytes) }
  }

  /// Streams a file to `path` atomically: `body` writes through a `FileWriter` on a temporary
  /// file beside `path` (nothing is buffered whole in memory); when it returns, the file is
  /// flushed to disk and renamed over `path`. If `body` throws, the temporary file is removed.
  static func write(to path: String, _ body: (FileWriter) throws(TorchError) -> Void) throws(TorchError) {
    let directory = (path as NSString).deletingLastPathComponent
    if !directory.isEmpty {
      do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
        throw .io(path: directory, reason: "could not create directory: \(error.localizedDescription)")
      }
    }
    removeStaleTemporaries(of: path)
    let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { throw .io(path: path, reason: "could not create \(temporary): \(String(cString: strerror(errno)))") }
    let file = FileWriter(fd: fd, path: path)
    do {
      try body(file)
      try file.flushBuffer()
    } catch {
      close(fd)
      unlink(temporary)
      throw error
    }
    let synced = flush(fd)
    close(fd)
    guard synced, rename(temporary, path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw .io(path: path, reason: "could not move the finished file into place: \(reason)")
    }
  }

  /// Deletes temporary files of earlier saves to `path` whose process has died (killed
  /// mid-save): `<name>.tmp-<pid>-<random>` beside it, where no process `pid` exists. Files of
  /// live processes, which may be saving right now, are left alone.
  static func removeStaleTemporaries(of path: String) {
    let directory = (path as NSString).deletingLastPathComponent
    let prefix = (path as NSString).lastPathComponent + ".tmp-"
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory) else { return }
    for name in names where name.hasPrefix(prefix) {
      let fields = name.dropFirst(prefix.count).split(separator: "-")
      guard fields.count == 2, let pid = Int32(fields[0]), pid > 0, UInt32(fields[1]) != nil else { continue }
      if kill(pid, 0) != 0 && errno == ESRCH {
        unlink((directory as NSString).appendingPathComponent(name))
      }
    }
  }

  /// Writes all of `bytes` to `fd`, retrying short writes; false on an error (`errno` says which).
  static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var written = 0
    while written < bytes.count {
      let n = posixWrite(fd, bytes.baseAddress! + written, bytes.count - written)
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { return false }
      written += n
    }
    return true
  }

  /// fsync, counted.
  private static func flush(_ fd: Int32) -> Bool {
    guard fsync(fd) == 0 else { return false }
    flushes.add(1, ordering: .relaxed)
    return true
  }

  /// Reads a whole regular file (a link to a device or a pipe is refused: it could be endless).
  static func read(_ path: String) throws(TorchError) -> [UInt8] {
    let file = try MappedFile(path: path)
    return Array(file.bytes)
  }
}

/// A file being written: small writes gather in a buffer, large ones go straight to the file
/// (after what is buffered), and `position` counts every byte so far (what a format needs for
/// its offsets).
final class FileWriter {
  private let fd: Int32
  /// The destination, for error messages.
  let path: String
  private(set) var position = 0
  private var buffer: [UInt8] = []
  private static let bufferLimit = 1 << 20

  init(fd: Int32, path: String) {
    self.fd = fd
    self.path = path
    buffer.reserveCapacity(Self.bufferLimit)
  }

  func write(_ bytes: UnsafeRawBufferPointer) throws(TorchError) {
    position += bytes.count
    if buffer.count + bytes.count <= Self.bufferLimit {
      buffer.append(contentsOf: bytes)
      return
    }
    try flushBuffer()
    guard AtomicFile.writeAll(fd, bytes) else { throw .io(path: path, reason: "write failed: \(String(cString: strerror(errno)))") }
  }

  func write(_ bytes: [UInt8]) throws(TorchError) {
    try bytes.withUnsafeBytes { raw in Result { () throws(TorchError) in try write(raw) } }.get()
  }

  func flushBuffer() throws(TorchError) {
    guard !buffer.isEmpty else { return }
    let ok = buffer.withUnsafeBytes { AtomicFile.writeAll(fd, $0) }
    buffer.removeAll(keepingCapacity: true)
    guard ok else { throw .io(path: path, reason: "write failed: \(String(cString: strerror(errno)))") }
  }
}

/// A regular file mapped into memory, private and copy-on-write: its pages are read from the
/// page cache when first touched, never copied up front, and writes to them (a loaded tensor
/// changed in place) stay in this process. Tensors loaded from it point into the mapping and
/// keep it alive. Like PyTorch's `mmap=True`, it assumes nobody truncates the file meanwhile.
final class MappedFile: @unchecked Sendable {
  let path: String
  let base: UnsafeMutableRawPointer?
  let count: Int

  init(path: String) throws(TorchError) {
    self.path = path
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw .io(path: path, reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno))) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw .io(path: path, reason: "is not a regular file") }
    count = Int(info.st_size)
    guard count > 0 else {
      base = nil
      return
    }
    let mapped = mmap(nil, count, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
    guard let mapped, mapped != MAP_FAILED else { throw .io(path: path, reason: "could not map the file: \(String(cString: strerror(errno)))") }
    base = mapped
  }

  /// Bytes already in memory (a fuzzer's input, a test's buffer), copied into a private buffer.
  init(copying bytes: UnsafeRawBufferPointer, path: String) {
    self.path = path
    count = bytes.count
    if count == 0 {
      base = nil
    } else {
      let buffer = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 64)
      buffer.copyMemory(from: bytes.baseAddress!, byteCount: count)
      base = buffer
      copied = true
    }
  }

  private var copied = false

  var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

  /// `byteCount` bytes at `offset` as tensor memory, used in place; the storage keeps this
  /// mapping alive.
  func storage(at offset: Int, byteCount: Int) -> Storage {
    Storage(hostPointer: base! + offset, byteCount: byteCount, release: { [self] _, _ in withExtendedLifetime(self) {} })
  }

  deinit {
    guard let base else { return }
    if copied { base.deallocate() } else { munmap(base, count) }
  }
}

#if canImport(Glibc)
  func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { Glibc.write(fd, buffer, count) }
  func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { Glibc.read(fd, buffer, count) }
#elseif canImport(Darwin)
  func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { Darwin.write(fd, buffer, count) }
  func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { Darwin.read(fd, buffer, count) }
#endif
