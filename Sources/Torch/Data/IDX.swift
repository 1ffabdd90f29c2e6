/// The IDX format of MNIST-style data sets: a big-endian header (magic 0x0000 08 NN, where NN
/// is the number of dims), the dims as u32, then uint8 data.
enum IDX {
  /// Parses IDX bytes into a uint8 tensor, checking the magic number, the element type, and
  /// that the data is exactly as long as the dims say.
  static func parse(_ bytes: [UInt8], path: String, expectedDims: Int) throws(TorchError) -> Tensor {
    guard bytes.count >= 4 else { throw .corruptFile(path: path, reason: "file is too short for an IDX header (\(bytes.count) bytes)") }
    let magic = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
    guard bytes[0] == 0, bytes[1] == 0, Int(bytes[3]) == expectedDims else {
      throw .corruptFile(path: path, reason: String(format: "wrong magic number 0x%08x, expected 0x%08x", magic, 0x800 | expectedDims))
    }
    guard bytes[2] == 0x08 else { throw .corruptFile(path: path, reason: "unsupported IDX element type 0x\(String(bytes[2], radix: 16)); only unsigned bytes are supported") }
    let headerLength = 4 + 4 * expectedDims
    guard bytes.count >= headerLength else { throw .corruptFile(path: path, reason: "truncated IDX header") }
    let dims = (0..<expectedDims).map { d in bytes[(4 + 4 * d)..<(8 + 4 * d)].reduce(0) { $0 << 8 | Int($1) } }
    var count = 1
    for d in dims {
      let (product, overflow) = count.multipliedReportingOverflow(by: d)
      guard !overflow else { throw .corruptFile(path: path, reason: "IDX dims \(dims) describe more elements than can exist") }
      count = product
    }
    guard bytes.count - headerLength == count else {
      throw .corruptFile(path: path, reason: "IDX data holds \(bytes.count - headerLength) bytes but the header promises \(count) (dims \(dims))")
    }
    let tensor = Tensor(uninitialized: dims, dtype: .uint8)
    bytes.withUnsafeBufferPointer { buffer in
      tensor.pointer(UInt8.self).update(from: buffer.baseAddress! + headerLength, count: count)
    }
    return tensor
  }
}
