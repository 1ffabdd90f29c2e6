#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The system's zlib, loaded at run time (`libz.so.1`), so the package needs no zlib headers
/// to build.
enum ZLib {
  /// A dlopen handle is process-wide and never closed, so sharing it is safe.
  private struct Handle: @unchecked Sendable { let pointer: UnsafeMutableRawPointer }

  private static let handle: Result<Handle, TorchError> = {
    let names = ["libz.so.1", "libz.so", "libz.1.dylib", "libz.dylib"]
    guard let handle = names.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_LOCAL) }).first else {
      return .failure(.backend("zlib could not be loaded (tried \(names.joined(separator: ", "))); install zlib1g"))
    }
    return .success(Handle(pointer: handle))
  }()

  /// The function `name` as `T`, nil when this zlib lacks it; an error when zlib cannot be loaded.
  static func symbol<T>(_ name: String, _: T.Type) throws(TorchError) -> T? {
    dlsym(try handle.get().pointer, name).map { unsafeBitCast($0, to: T.self) }
  }
}

/// Reads files that may be gzip-compressed through the system's zlib. Plain files pass through.
///
/// Reading is streamed and bounded: callers ask for the bytes a header promises and no more,
/// so a small file that expands to gigabytes (a "zip bomb") costs nothing beyond what was promised.
final class GzipReader {
  private typealias GzOpen = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>) -> OpaquePointer?
  private typealias GzRead = @convention(c) (OpaquePointer, UnsafeMutableRawPointer, UInt32) -> Int32
  private typealias GzClose = @convention(c) (OpaquePointer) -> Int32
  private typealias GzError = @convention(c) (OpaquePointer, UnsafeMutablePointer<Int32>) -> UnsafePointer<CChar>?
  private typealias GzDirect = @convention(c) (OpaquePointer) -> Int32

  private struct Library: @unchecked Sendable {
    let open: GzOpen, read: GzRead, close: GzClose, error: GzError, direct: GzDirect
  }

  private static let library: Result<Library, TorchError> = Result { () throws(TorchError) in
    guard let open = try ZLib.symbol("gzopen", GzOpen.self), let read = try ZLib.symbol("gzread", GzRead.self),
      let close = try ZLib.symbol("gzclose", GzClose.self), let error = try ZLib.symbol("gzerror", GzError.self),
      let direct = try ZLib.symbol("gzdirect", GzDirect.self)
    else { throw .backend("zlib is missing gzopen/gzread/gzclose/gzerror/gzdirect") }
    return Library(open: open, read: read, close: close, error: error, direct: direct)
  }

  /// Deflate's largest expansion: one compressed byte stands for at most 1032 bytes
  /// (RFC 1951's longest match over its shortest code), so a gzip file of `n` bytes holds less
  /// than `1032 * n` bytes of content however it was made.
  static let maximumExpansion = 1032

  let path: String
  /// The file's size on disk.
  let fileSize: Int
  private let zlib: Library
  private var file: OpaquePointer?

  /// Opens `path`, which must be a regular file (a link to a device or a pipe could be endless).
  init(path: String) throws(TorchError) {
    self.path = path
    zlib = try Self.library.get()
    var info = stat()
    guard stat(path, &info) == 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw .io(path: path, reason: "is not a regular file") }
    guard access(path, R_OK) == 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
    fileSize = Int(info.st_size)
    guard let file = zlib.open(path, "rb") else { throw .io(path: path, reason: "could not be opened") }
    self.file = file
  }

  deinit { if let file { _ = zlib.close(file) } }

  /// Whether the file is stored as is rather than gzip-compressed.
  var isPlain: Bool { file.map { zlib.direct($0) == 1 } ?? true }

  /// The most content bytes the file can hold: its size when plain, the deflate bound otherwise.
  var contentBound: Int {
    isPlain ? fileSize : fileSize.multipliedReportingOverflow(by: Self.maximumExpansion).partialValue
  }

  /// Fills `buffer` from the stream, returning how many bytes it got (fewer only at the end).
  /// A corrupt stream is an error naming the file.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws(TorchError) -> Int {
    guard let file, let base = buffer.baseAddress else { return 0 }
    var filled = 0
    while filled < buffer.count {
      let request = UInt32(min(buffer.count - filled, 1 << 30))
      let count = zlib.read(file, base + filled, request)
      if count < 0 {
        var code: Int32 = 0
        let message = zlib.error(file, &code).map { String(cString: $0) } ?? "read error"
        throw .corruptFile(path: path, reason: "corrupt gzip stream: \(message)")
      }
      if count == 0 { break }
      filled += Int(count)
    }
    return filled
  }

  /// Up to `count` bytes from the stream (fewer only at its end).
  func read(upTo count: Int) throws(TorchError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    let got = try bytes.withUnsafeMutableBytes { buffer in Result { () throws(TorchError) in try read(into: buffer) } }.get()
    return Array(bytes[..<got])
  }

  /// Ends the stream; a stream cut short is reported here (zlib says so only on close).
  func close() throws(TorchError) {
    guard let file else { return }
    self.file = nil
    let status = zlib.close(file)
    if status != 0 {
      throw .corruptFile(path: path, reason: "truncated or corrupt gzip stream (zlib status \(status))")
    }
  }
}
