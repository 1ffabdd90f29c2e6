#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Reads files that may be gzip-compressed through the system's zlib, loaded at run time
/// (`libz.so.1`), so the package needs no zlib headers to build. Plain files pass through.
enum Gzip {
  private typealias GzOpen = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>) -> OpaquePointer?
  private typealias GzRead = @convention(c) (OpaquePointer, UnsafeMutableRawPointer, UInt32) -> Int32
  private typealias GzClose = @convention(c) (OpaquePointer) -> Int32
  private typealias GzError = @convention(c) (OpaquePointer, UnsafeMutablePointer<Int32>) -> UnsafePointer<CChar>?

  private struct Library: @unchecked Sendable {
    let open: GzOpen, read: GzRead, close: GzClose, error: GzError
  }

  private static let library: Result<Library, TorchError> = {
    let names = ["libz.so.1", "libz.so", "libz.1.dylib", "libz.dylib"]
    guard let handle = names.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_LOCAL) }).first else {
      return .failure(.backend("zlib could not be loaded (tried \(names.joined(separator: ", "))); install zlib1g"))
    }
    func symbol<T>(_ name: String, _: T.Type) -> T? { dlsym(handle, name).map { unsafeBitCast($0, to: T.self) } }
    guard let open = symbol("gzopen", GzOpen.self), let read = symbol("gzread", GzRead.self),
      let close = symbol("gzclose", GzClose.self), let error = symbol("gzerror", GzError.self)
    else { return .failure(.backend("zlib is missing gzopen/gzread/gzclose/gzerror")) }
    return .success(Library(open: open, read: read, close: close, error: error))
  }()

  /// The whole decompressed content of `path` (or its raw bytes when it is not gzipped).
  /// A corrupt or truncated stream is an error naming the file.
  static func readAll(_ path: String) throws(TorchError) -> [UInt8] {
    let zlib = try library.get()
    guard access(path, R_OK) == 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
    guard let file = zlib.open(path, "rb") else { throw .io(path: path, reason: "could not be opened") }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = chunk.withUnsafeMutableBytes { zlib.read(file, $0.baseAddress!, UInt32($0.count)) }
      if count < 0 {
        var code: Int32 = 0
        let message = zlib.error(file, &code).map { String(cString: $0) } ?? "read error"
        _ = zlib.close(file)
        throw .corruptFile(path: path, reason: "corrupt gzip stream: \(message)")
      }
      if count == 0 { break }
      output.append(contentsOf: chunk[..<Int(count)])
    }
    // zlib reports a stream cut short only when the file is closed.
    let status = zlib.close(file)
    if status != 0 {
      throw .corruptFile(path: path, reason: "truncated or corrupt gzip stream (zlib status \(status))")
    }
    return output
  }
}
