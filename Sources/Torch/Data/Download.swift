import Synchronization
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A minimal HTTP/1.1 client for fetching data set files over plain `http://` (the
/// FashionMNIST mirror serves http). It follows redirects to http URLs, requires a
/// successful status, and writes the body atomically (temporary file, then rename), so a
/// failed download leaves nothing behind.
enum Download {
  /// Fetches `url` into memory.
  static func fetch(_ url: String, redirects: Int = 5) throws(TorchError) -> [UInt8] {
    guard url.hasPrefix("http://") else {
      throw .download(url: url, reason: "only http:// URLs are supported by the built-in downloader; fetch the file yourself and pass its folder")
    }
    let rest = url.dropFirst("http://".count)
    let hostPort = String(rest.prefix { $0 != "/" })
    let path = rest.dropFirst(hostPort.count).isEmpty ? "/" : String(rest.dropFirst(hostPort.count))
    let host = String(hostPort.prefix { $0 != ":" })
    let port = hostPort.contains(":") ? String(hostPort.split(separator: ":").last!) : "80"
    let response = try exchange(host: host, port: port, request: "GET \(path) HTTP/1.1\r\nHost: \(hostPort)\r\nUser-Agent: swift-torch\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n", url: url)
    guard let headerEnd = response.firstRange(of: [13, 10, 13, 10]) else {
      throw .download(url: url, reason: "malformed HTTP response")
    }
    let head = String(decoding: response[..<headerEnd.lowerBound], as: UTF8.self)
    var lines = head.components(separatedBy: "\r\n")
    let statusLine = lines.removeFirst()
    let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    var headers: [String: String] = [:]
    for line in lines {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    if (300..<400).contains(status), let location = headers["location"], redirects > 0 {
      let next = location.hasPrefix("/") ? "http://\(hostPort)\(location)" : location
      return try fetch(next, redirects: redirects - 1)
    }
    guard status == 200 else { throw .download(url: url, reason: "server answered \(statusLine)") }
    var body = Array(response[headerEnd.upperBound...])
    if headers["transfer-encoding"]?.lowercased() == "chunked" { body = try dechunk(body, url: url) }
    if let length = headers["content-length"].flatMap(Int.init), length != body.count {
      throw .download(url: url, reason: "connection closed after \(body.count) of \(length) bytes")
    }
    return body
  }

  /// Downloads `url` to `destination` atomically, checking the MD5 sum when one is given.
  static func file(_ url: String, to destination: String, md5: String?) throws(TorchError) {
    let body = try fetch(url)
    if let md5, MD5.hex(body) != md5 {
      throw .download(url: url, reason: "checksum mismatch: got md5 \(MD5.hex(body)), expected \(md5)")
    }
    try AtomicFile.write(body, to: destination)
  }

  private static func exchange(host: String, port: String, request: String, url: String) throws(TorchError) -> [UInt8] {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    #if canImport(Glibc)
      hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    #else
      hints.ai_socktype = SOCK_STREAM
    #endif
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, port, &hints, &list) == 0, let first = list else {
      throw .download(url: url, reason: "could not resolve host \(host)")
    }
    defer { freeaddrinfo(list) }
    var socketFD: Int32 = -1
    var cursor: UnsafeMutablePointer<addrinfo>? = first
    while let info = cursor {
      let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
      if fd >= 0 && connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
        socketFD = fd
        break
      }
      if fd >= 0 { close(fd) }
      cursor = info.pointee.ai_next
    }
    guard socketFD >= 0 else { throw .download(url: url, reason: "could not connect to \(host):\(port)") }
    defer { close(socketFD) }
    var timeout = timeval(tv_sec: 60, tv_usec: 0)
    setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let requestBytes = Array(request.utf8)
    var sent = 0
    while sent < requestBytes.count {
      let n = requestBytes[sent...].withUnsafeBytes { send(socketFD, $0.baseAddress, $0.count, 0) }
      guard n > 0 else { throw .download(url: url, reason: "send failed: \(String(cString: strerror(errno)))") }
      sent += n
    }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = buffer.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, $0.count, 0) }
      if n < 0 { throw .download(url: url, reason: "receive failed: \(String(cString: strerror(errno)))") }
      if n == 0 { break }
      response.append(contentsOf: buffer[..<n])
    }
    return response
  }

  private static func dechunk(_ body: [UInt8], url: String) throws(TorchError) -> [UInt8] {
    var output: [UInt8] = [], index = 0
    while index < body.count {
      guard let lineEnd = body[index...].firstRange(of: [13, 10]) else { break }
      let sizeText = String(decoding: body[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
      guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
        throw .download(url: url, reason: "malformed chunked encoding")
      }
      if size == 0 { return output }
      let start = lineEnd.upperBound
      guard start + size <= body.count else { throw .download(url: url, reason: "truncated chunked body") }
      output.append(contentsOf: body[start..<(start + size)])
      index = start + size + 2
    }
    throw .download(url: url, reason: "truncated chunked body")
  }
}

/// Writes files atomically: into a temporary file beside the target, then a rename, so
/// readers never see a partial file and a failure leaves the old file untouched.
enum AtomicFile {
  /// How many finished files were flushed to disk before being moved into place (what the
  /// tests observe: a crash-free test cannot otherwise tell a flushed file from one in cache).
  static let flushes = Atomic<Int>(0)

  /// Writes `bytes` to a temporary file beside `path`, flushes it to disk, then renames it over
  /// `path`: readers see the old file or the new one, whole, even across a crash.
  static func write(_ bytes: [UInt8], to path: String) throws(TorchError) {
    let directory = (path as NSString).deletingLastPathComponent
    if !directory.isEmpty {
      do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
        throw .io(path: directory, reason: "could not create directory: \(error.localizedDescription)")
      }
    }
    let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { throw .io(path: path, reason: "could not create \(temporary): \(String(cString: strerror(errno)))") }
    var written = 0
    while written < bytes.count {
      let n = bytes[written...].withUnsafeBytes { posixWrite(fd, $0.baseAddress, $0.count) }
      if n <= 0 {
        let reason = String(cString: strerror(errno))
        close(fd)
        unlink(temporary)
        throw .io(path: path, reason: "write failed: \(reason)")
      }
      written += n
    }
    let synced = flush(fd)
    close(fd)
    guard synced, rename(temporary, path) == 0 else {
      let reason = String(cString: strerror(errno))
      unlink(temporary)
      throw .io(path: path, reason: "could not move the finished file into place: \(reason)")
    }
  }

  /// fsync, counted.
  private static func flush(_ fd: Int32) -> Bool {
    guard fsync(fd) == 0 else { return false }
    flushes.add(1, ordering: .relaxed)
    return true
  }

  /// Reads a whole file.
  static func read(_ path: String) throws(TorchError) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .io(path: path, reason: FileManager.default.fileExists(atPath: path) ? "could not be read" : "no such file")
    }
    return [UInt8](data)
  }
}

#if canImport(Glibc)
  private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { Glibc.write(fd, buffer, count) }
#elseif canImport(Darwin)
  private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { Darwin.write(fd, buffer, count) }
#endif
