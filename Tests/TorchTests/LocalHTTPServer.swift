import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An HTTP/1.1 server on 127.0.0.1 for download tests: serves fixed bodies by path, 404
/// otherwise, and hostile answers for the downloader's limits (raw bytes, an endless body, a
/// trickle). Each client gets its own thread; the server stops when closed. Never reaches
/// beyond loopback.
final class LocalHTTPServer: @unchecked Sendable {
  /// What the server sends for a path.
  enum Answer {
    /// A 200 response with this body and its length.
    case body([UInt8])
    /// These bytes as they are (a whole response, well-formed or not).
    case raw([UInt8])
    /// `head`, then zeros until the client goes away.
    case endless(head: String)
    /// `head`, then one byte every `interval` seconds until the client goes away.
    case trickle(head: String, interval: Double)
  }

  let port: UInt16
  private let listener: Int32
  private let answers: [String: Answer]

  convenience init(files: [String: [UInt8]]) throws {
    try self.init(answers: files.mapValues { .body($0) })
  }

  init(answers: [String: Answer]) throws {
    self.answers = answers
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
        bind(fd, pointer, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, pointer, &length) == 0
      }
    }
    guard bound else { throw NSError(domain: "LocalHTTPServer", code: Int(errno)) }
    listener = fd
    port = UInt16(bigEndian: address.sin_port)
    Thread.detachNewThread { [self] in serve() }
  }

  var baseURL: String { "http://127.0.0.1:\(port)/" }

  private func serve() {
    while true {
      let client = accept(listener, nil, nil)
      if client < 0 { return }
      Thread.detachNewThread { [self] in answer(client) }
    }
  }

  private func answer(_ client: Int32) {
    defer { Glibc.close(client) }
    var request = [UInt8](repeating: 0, count: 4096)
    let n = recv(client, &request, request.count, 0)
    let line = String(decoding: request[..<max(n, 0)], as: UTF8.self).split(separator: "\r\n").first ?? ""
    let path = line.split(separator: " ").dropFirst().first.map { String($0.dropFirst()) } ?? ""
    switch answers[path] {
    case nil: _ = send(client, Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
    case .body(let body): _ = send(client, Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body)
    case .raw(let bytes): _ = send(client, bytes)
    case .endless(let head):
      guard send(client, Array(head.utf8)) else { return }
      let zeros = [UInt8](repeating: 0, count: 1 << 16)
      while send(client, zeros) {}
    case .trickle(let head, let interval):
      guard send(client, Array(head.utf8)) else { return }
      repeat { usleep(UInt32(interval * 1e6)) } while send(client, [0x61])
    }
  }

  /// Sends all of `bytes`; false once the client has gone.
  private func send(_ client: Int32, _ bytes: [UInt8]) -> Bool {
    var sent = 0
    while sent < bytes.count {
      let k = bytes[sent...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
      if k <= 0 { return false }
      sent += k
    }
    return true
  }

  func close() { shutdown(listener, Int32(SHUT_RDWR)); Glibc.close(listener) }
}
