/// The IDX format of MNIST-style data sets: a big-endian header (magic 0x0000 08 NN, where NN
/// is the number of dims), the dims as u32, then uint8 data.
enum IDX {
  /// Reads an IDX file, gzipped or plain, into a uint8 tensor, checking the magic number, the
  /// element type, and that the data is exactly as long as the dims say. Reading stops at the
  /// size the header promises: more data is an error, not a larger allocation.
  static func load(_ path: String, expectedDims: Int) throws(TorchError) -> Tensor {
    let reader = try GzipReader(path: path)
    func fail(_ reason: String) -> TorchError { .corruptFile(path: path, reason: reason) }
    let headerLength = 4 + 4 * expectedDims
    let header = try reader.read(upTo: headerLength)
    // Where the header comes up short, close first: zlib reports a damaged stream only then,
    // and that is the cause to name.
    let headerRead = header.count
    guard headerRead >= 4 else { try reader.close(); throw fail("file is too short for an IDX header (\(headerRead) bytes)") }
    let magic = header[0..<4].reduce(0) { $0 << 8 | Int($1) }
    guard header[0] == 0, header[1] == 0, Int(header[3]) == expectedDims else {
      throw fail(String(format: "wrong magic number 0x%08x, expected 0x%08x", magic, 0x800 | expectedDims))
    }
    guard header[2] == 0x08 else { throw fail("unsupported IDX element type 0x\(String(header[2], radix: 16)); only unsigned bytes are supported") }
    guard headerRead == headerLength else { try reader.close(); throw fail("truncated IDX header") }
    let dims = (0..<expectedDims).map { d in header[(4 + 4 * d)..<(8 + 4 * d)].reduce(0) { $0 << 8 | Int($1) } }
    // Zero dims aside too: strides are products of the other dims.
    var addressable = 1
    for d in dims where d != 0 {
      let (product, overflow) = addressable.multipliedReportingOverflow(by: d)
      guard !overflow else { throw fail("IDX dims \(dims) describe more elements than can exist") }
      addressable = product
    }
    let count = dims.contains(0) ? 0 : addressable
    let bound = reader.contentBound - (reader.isPlain ? headerLength : 0)
    guard count <= bound else {
      throw fail(reader.isPlain
        ? "IDX data holds \(bound) bytes but the header promises \(count) (dims \(dims))"
        : "the header promises \(count) bytes (dims \(dims)), more than a \(reader.fileSize)-byte gzip file can hold")
    }
    let tensor = Tensor(uninitialized: dims, dtype: .uint8)
    let got = try reader.read(into: UnsafeMutableRawBufferPointer(start: tensor.pointer(UInt8.self), count: count))
    let more = try reader.read(upTo: 1).count
    try reader.close()
    guard got == count, more == 0 else {
      throw fail(more == 0
        ? "IDX data holds \(got) bytes but the header promises \(count) (dims \(dims))"
        : "IDX data holds more than the \(count) bytes the header promises (dims \(dims))")
    }
    return tensor
  }
}
