import Foundation

/// MD5 (RFC 1321), for checking downloads against the data set's published sums. Not for security.
enum MD5 {
  private static let shifts: [UInt32] = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                         5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                                         4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                         6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]
  /// K[i] = floor(|sin(i + 1)| * 2^32), as the RFC defines them.
  private static let constants: [UInt32] = (0..<64).map { UInt32(truncatingIfNeeded: Int64(Swift.abs(sin(Double($0 + 1))) * 4_294_967_296)) }

  /// Lowercase hex digest of `bytes`.
  static func hex(_ bytes: [UInt8]) -> String {
    var message = bytes
    let bitLength = UInt64(bytes.count) &* 8
    message.append(0x80)
    while message.count % 64 != 56 { message.append(0) }
    for i in 0..<8 { message.append(UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i)))) }
    var a0: UInt32 = 0x6745_2301, b0: UInt32 = 0xefcd_ab89, c0: UInt32 = 0x98ba_dcfe, d0: UInt32 = 0x1032_5476
    message.withUnsafeBufferPointer { buffer in
      for chunk in Swift.stride(from: 0, to: buffer.count, by: 64) {
        var words = [UInt32](repeating: 0, count: 16)
        for i in 0..<16 {
          let base = chunk + 4 * i
          words[i] = UInt32(buffer[base]) | UInt32(buffer[base + 1]) << 8 | UInt32(buffer[base + 2]) << 16 | UInt32(buffer[base + 3]) << 24
        }
        var (a, b, c, d) = (a0, b0, c0, d0)
        for i in 0..<64 {
          var f: UInt32, g: Int
          switch i {
          case 0..<16: f = (b & c) | (~b & d); g = i
          case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
          case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
          default: f = c ^ (b | ~d); g = (7 * i) % 16
          }
          f = f &+ a &+ constants[i] &+ words[g]
          a = d
          d = c
          c = b
          b = b &+ (f << shifts[i] | f >> (32 - shifts[i]))
        }
        a0 = a0 &+ a; b0 = b0 &+ b; c0 = c0 &+ c; d0 = d0 &+ d
      }
    }
    return [a0, b0, c0, d0].flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
      .map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
  }
}
