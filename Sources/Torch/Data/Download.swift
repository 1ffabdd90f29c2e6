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
/// failed download leaves nothing behind. Every download is bounded in size and time
/// (`Download.Limits`): a server that sends forever, lies about its length or stalls is an error.
enum Download {
  /// How much a download may take.
  struct Limits {
    /// The largest body accepted (FashionMNIST's largest file is 26 MB).
    var maxBytes = 1 << 30
    /// The whole download, redirects included, must finish within this many seconds.
    var deadline: Double = 600
    /// The download fails when no byte arrives for this many seconds.
    var stallTimeout: Double = 30
  }

  /// Fetches `url` into memory.
  static func fetch(_ url: String, limits: Limits = Limits()) throws(TorchError) -> [UInt8] {
    try fetch(url, limits: limits, until: monotonicSeconds() + limits.deadline, redirects: 5)
  }

  private static func fetch(_ url: String, limits: Limits, until deadline: Double, redirects: Int) throws(TorchError) -> [UInt8] {
    guard url.hasPrefix("http://") else {
      throw .download(url: url, reason: "only http:// URLs are supported by the built-in downloader; fetch the file yourself and pass its folder")
    }
    let rest = url.dropFirst("http://".count)
    let hostPort = String(rest.prefix { $0 != "/" })
    let path = rest.dropFirst(hostPort.count).isEmpty ? "/" : String(rest.dropFirst(hostPort.count))
    let host = String(hostPort.prefix { $0 != ":" })
    let port = hostPort.contains(":") ? String(hostPort.split(separator: ":").last!) : "80"
    let request = "GET \(path) HTTP/1.1\r\nHost: \(hostPort)\r\nUser-Agent: swift-torch\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n"
    let response: HTTPResponse
    do {
      response = try exchange(host: host, port: port, request: request, limits: limits, until: deadline)
    } catch { throw .download(url: url, reason: error.reason) }
    if (300..<400).contains(response.status), let location = response.headers["location"], redirects > 0 {
      let next = location.hasPrefix("/") ? "http://\(hostPort)\(location)" : location
      return try fetch(next, limits: limits, until: deadline, redirects: redirects - 1)
    }
    guard response.status == 200 else { throw .download(url: url, reason: "server answered \(response.statusLine)") }
    return response.body
  }

  /// Downloads `url` to `destination` atomically, checking the MD5 sum when one is given.
  static func file(_ url: String, to destination: String, md5: String?, limits: Limits = Limits()) throws(TorchError) {
    let body = try fetch(url, limits: limits)
    if let md5, MD5.hex(body) != md5 {
      throw .download(url: url, reason: "checksum mismatch: got md5 \(MD5.hex(body)), expected \(md5)")
    }
    try AtomicFile.write(body, to: destination)
  }

  static func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
  }

  /// Sends `request` and reads the response, no longer than the limits allow: reading stops
  /// at the announced length, past `maxBytes`, at the deadline, or after a stall.
  private static func exchange(host: String, port: String, request: String, limits: Limits, until deadline: Double) throws(HTTPError) -> HTTPResponse {
    let socketFD = try connect(host: host, port: port)
    defer { close(socketFD) }
    let requestBytes = Array(request.utf8)
    var sent = 0
    while sent < requestBytes.count {
      let n = requestBytes[sent...].withUnsafeBytes { send(socketFD, $0.baseAddress, $0.count, noSignal) }
      guard n > 0 else { throw HTTPError("send failed: \(String(cString: strerror(errno)))") }
      sent += n
    }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    var expectedTotal = Int.max, headSeen = false
    while response.count < expectedTotal {
      let remaining = deadline - monotonicSeconds()
      guard remaining > 0 else { throw HTTPError("did not finish within the \(limits.deadline) s deadline (\(response.count) bytes received)") }
      var ready = pollfd(fd: socketFD, events: Int16(POLLIN), revents: 0)
      let wait = min(limits.stallTimeout, remaining)
      let polled = poll(&ready, 1, Int32(max(1, (wait * 1000).rounded(.up))))
      if polled < 0 && errno == EINTR { continue }
      guard polled > 0 else {
        if polled == 0 && wait < limits.stallTimeout { continue }
        throw HTTPError(polled == 0 ? "stalled: no data for \(limits.stallTimeout) s (\(response.count) bytes received)" : "poll failed: \(String(cString: strerror(errno)))")
      }
      let n = buffer.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, min($0.count, expectedTotal - response.count), 0) }
      if n < 0 && errno == EINTR { continue }
      guard n >= 0 else { throw HTTPError("receive failed: \(String(cString: strerror(errno)))") }
      if n == 0 { break }
      response.append(contentsOf: buffer[..<n])
      // The head is parsed once, when it has arrived; the body that follows is only counted.
      if !headSeen, let head = try HTTPResponse.head(of: response, maxBody: limits.maxBytes) {
        headSeen = true
        if let length = head.contentLength { expectedTotal = head.bodyStart + length }
      }
      guard response.count <= limits.maxBytes + HTTPResponse.maxHeadBytes else {
        throw HTTPError("the response exceeds the \(limits.maxBytes)-byte limit")
      }
    }
    return try HTTPResponse(parsing: response, maxBody: limits.maxBytes)
  }

  private static func connect(host: String, port: String) throws(HTTPError) -> Int32 {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    #if canImport(Glibc)
      hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    #else
      hints.ai_socktype = SOCK_STREAM
    #endif
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, port, &hints, &list) == 0, let first = list else {
      throw HTTPError("could not resolve host \(host)")
    }
    defer { freeaddrinfo(list) }
    var cursor: UnsafeMutablePointer<addrinfo>? = first
    while let info = cursor {
      let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
      if fd >= 0 && posixConnect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
      if fd >= 0 { close(fd) }
      cursor = info.pointee.ai_next
    }
    throw HTTPError("could not connect to \(host):\(port)")
  }
}

/// Why an HTTP exchange failed (the downloader adds the URL).
struct HTTPError: Error {
  let reason: String
  init(_ reason: String) { self.reason = reason }
}

/// A complete HTTP/1.1 response, parsed strictly: the status line, headers, and the body
/// (de-chunked when sent chunked), with the body's size bounded.
struct HTTPResponse {
  /// The most bytes a status line and headers may take.
  static let maxHeadBytes = 64 << 10

  let statusLine: String
  let status: Int
  /// Header names in lower case.
  let headers: [String: String]
  let body: [UInt8]

  /// The parsed head of a response, once all of it has arrived.
  struct Head {
    let statusLine: String, status: Int, headers: [String: String], bodyStart: Int
    /// The announced body length (none for chunked or close-delimited bodies).
    var contentLength: Int? { headers["transfer-encoding"] == nil ? headers["content-length"].flatMap { Int($0) } : nil }
    var isChunked: Bool { headers["transfer-encoding"]?.lowercased() == "chunked" }
  }

  /// The head of `bytes`, or nil while it is incomplete.
  static func head(of bytes: [UInt8], maxBody: Int) throws(HTTPError) -> Head? {
    guard let end = bytes.firstRange(of: [13, 10, 13, 10]) else {
      guard bytes.count <= maxHeadBytes else { throw HTTPError("the response head exceeds \(maxHeadBytes) bytes") }
      return nil
    }
    guard end.lowerBound <= maxHeadBytes else { throw HTTPError("the response head exceeds \(maxHeadBytes) bytes") }
    var lines = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
    let statusLine = lines.removeFirst()
    let parts = statusLine.split(separator: " ", maxSplits: 2)
    guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]), status >= 100 else {
      throw HTTPError("malformed HTTP status line")
    }
    var headers: [String: String] = [:]
    for line in lines {
      guard let colon = line.firstIndex(of: ":") else { throw HTTPError("malformed HTTP header line") }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    let head = Head(statusLine: statusLine, status: status, headers: headers, bodyStart: end.upperBound)
    if let text = headers["content-length"], headers["transfer-encoding"] == nil {
      guard let length = Int(text), length >= 0, text.allSatisfy(\.isASCII) else { throw HTTPError("malformed Content-Length \(text)") }
      guard length <= maxBody else { throw HTTPError("the server announces \(length) bytes, more than the \(maxBody)-byte limit") }
    }
    return head
  }

  /// Parses a whole response (the connection has closed or the announced length arrived).
  init(parsing bytes: [UInt8], maxBody: Int) throws(HTTPError) {
    guard let head = try Self.head(of: bytes, maxBody: maxBody) else { throw HTTPError("malformed HTTP response") }
    statusLine = head.statusLine
    status = head.status
    headers = head.headers
    let rest = bytes[head.bodyStart...]
    if head.isChunked {
      body = try Self.dechunk(rest, maxBody: maxBody)
    } else if let length = head.contentLength {
      guard rest.count >= length else { throw HTTPError("connection closed after \(rest.count) of \(length) bytes") }
      body = Array(rest.prefix(length))
    } else {
      guard rest.count <= maxBody else { throw HTTPError("the response exceeds the \(maxBody)-byte limit") }
      body = Array(rest)
    }
  }

  /// The body of a chunked transfer: hex sizes (1 to 15 digits, extensions ignored), each chunk
  /// followed by CRLF, ending at a zero size.
  private static func dechunk(_ bytes: ArraySlice<UInt8>, maxBody: Int) throws(HTTPError) -> [UInt8] {
    var output: [UInt8] = [], index = bytes.startIndex
    while true {
      guard let lineEnd = bytes[index...].firstRange(of: [13, 10]) else { throw HTTPError("truncated chunked body") }
      let sizeText = (String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";", omittingEmptySubsequences: false).first ?? "")
        .trimmingCharacters(in: .whitespaces)
      guard (1...15).contains(sizeText.count), sizeText.allSatisfy(\.isHexDigit), let size = Int(sizeText, radix: 16) else {
        throw HTTPError("malformed chunk size \"\(sizeText.prefix(20))\"")
      }
      if size == 0 { return output }
      guard size <= maxBody - output.count else { throw HTTPError("the chunked body exceeds the \(maxBody)-byte limit") }
      let start = lineEnd.upperBound
      guard size <= bytes.endIndex - start else { throw HTTPError("truncated chunked body") }
      output.append(contentsOf: bytes[start..<(start + size)])
      index = start + size
      guard bytes.endIndex - index >= 2, bytes[index] == 13, bytes[index + 1] == 10 else { throw HTTPError("chunk not followed by CRLF") }
      index += 2
    }
  }
}

#if canImport(Glibc)
  private func posixConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>!, _ length: socklen_t) -> Int32 { Glibc.connect(fd, address, length) }
  /// A write to a closed connection fails with EPIPE instead of killing the process.
  private let noSignal = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
  private func posixConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>!, _ length: socklen_t) -> Int32 { Darwin.connect(fd, address, length) }
  /// Darwin has no MSG_NOSIGNAL (sockets there take SO_NOSIGPIPE instead).
  private let noSignal: Int32 = 0
#endif
