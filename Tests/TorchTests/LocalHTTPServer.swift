import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A one-thread HTTP/1.1 server on 127.0.0.1 for download tests: serves fixed bodies by
/// path, 404 otherwise, and stops when closed. Never reaches beyond loopback.
final class LocalHTTPServer: @unchecked Sendable {
  let port: UInt16
  private let listener: Int32
  private let files: [String: [UInt8]]

  init(files: [String: [UInt8]]) throws {
    self.files = files
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
      var request = [UInt8](repeating: 0, count: 4096)
      let n = recv(client, &request, request.count, 0)
      let line = String(decoding: request[..<max(n, 0)], as: UTF8.self).split(separator: "\r\n").first ?? ""
      let path = line.split(separator: " ").dropFirst().first.map { String($0.dropFirst()) } ?? ""
      let body = files[path]
      let head = body == nil
        ? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        : "HTTP/1.1 200 OK\r\nContent-Length: \(body!.count)\r\nConnection: close\r\n\r\n"
      let response = Array(head.utf8) + (body ?? [])
      var sent = 0
      while sent < response.count {
        let k = response[sent...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if k <= 0 { break }
        sent += k
      }
      Glibc.close(client)
    }
  }

  func close() { shutdown(listener, Int32(SHUT_RDWR)); Glibc.close(listener) }
}
