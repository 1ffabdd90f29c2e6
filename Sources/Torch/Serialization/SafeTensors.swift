import Foundation

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON
/// header mapping names to `{dtype, shape, data_offsets}` (plus optional `__metadata__`),
/// then the raw little-endian data. Files load in PyTorch with `safetensors.torch.load_file`.
enum SafeTensors {
  /// The format's limit on the JSON header (the reference implementation's `MAX_HEADER_SIZE`).
  static let maxHeaderBytes = 100_000_000
  /// Tensors per file: far above any model's (a large language model shard holds a few thousand),
  /// far below what would make a hostile header costly to read.
  static let maxEntries = 1 << 18

  static func code(_ dtype: DType) -> String {
    switch dtype {
    case .float32: "F32"
    case .float64: "F64"
    case .int64: "I64"
    case .uint8: "U8"
    case .bool: "BOOL"
    }
  }

  static func dtype(_ code: String) -> DType? {
    switch code {
    case "F32": .float32
    case "F64": .float64
    case "I64": .int64
    case "U8": .uint8
    case "BOOL": .bool
    default: nil
    }
  }

  /// The 8-byte header length and the JSON header (padded to 8 bytes) for these tensors, in
  /// the given order, and string metadata: everything before the data.
  static func header(_ tensors: StateDict, metadata: [String: String] = [:]) -> [UInt8] {
    var header: [String: Any] = [:]
    if !metadata.isEmpty { header["__metadata__"] = metadata }
    var offset = 0
    for (name, tensor) in tensors {
      let count = tensor.numel() * tensor.dtype.itemSize
      header[name] = ["dtype": code(tensor.dtype), "shape": tensor.dims, "data_offsets": [offset, offset + count]] as [String: Any]
      offset += count
    }
    var json = Array((try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8))
    while json.count % 8 != 0 { json.append(0x20) }
    return le(UInt64(json.count)) + json
  }

  /// Streams the file to `file`: the header, then each tensor's bytes straight from its memory
  /// (a copy only for a non-contiguous or device tensor), so no whole-file buffer exists.
  static func write(_ tensors: StateDict, metadata: [String: String] = [:], to file: FileWriter) throws(TorchError) {
    try file.write(header(tensors, metadata: metadata))
    for (_, tensor) in tensors {
      if tensor.device == .cpu && tensor.isContiguous {
        let start = tensor.storage.data + tensor.storageOffset * tensor.dtype.itemSize
        try file.write(UnsafeRawBufferPointer(start: start, count: tensor.numel() * tensor.dtype.itemSize))
      } else {
        try file.write(Backends.backend(for: tensor.device).readBytes(tensor))
      }
    }
  }

  /// The whole file in memory (tests and fuzz seeds; saving streams with `write`).
  static func encode(_ tensors: StateDict, metadata: [String: String] = [:]) -> [UInt8] {
    var out = header(tensors, metadata: metadata)
    for (_, tensor) in tensors { out += Backends.backend(for: tensor.device).readBytes(tensor) }
    return out
  }

  /// Decodes and validates a file's bytes: header length, JSON, dtypes, shapes and offsets
  /// are all checked against the data, so a hostile or truncated file is an error. The header
  /// is bounded (`maxHeaderBytes`, `maxEntries`) so a hostile one costs little time or memory.
  static func decode(_ bytes: [UInt8], path: String, maxEntries: Int = maxEntries) throws(TorchError) -> (StateDict, [String: String]) {
    try bytes.withUnsafeBytes { raw in
      Result { () throws(TorchError) in try decode(MappedFile(copying: raw, path: path), maxEntries: maxEntries) }
    }.get()
  }

  /// Decodes a mapped file: tensors whose data is aligned point into the mapping (no copy).
  static func decode(_ file: MappedFile, maxEntries: Int = maxEntries) throws(TorchError) -> (StateDict, [String: String]) {
    let bytes = file.bytes, path = file.path
    func fail(_ reason: String) -> TorchError { .corruptFile(path: path, reason: reason) }
    guard bytes.count >= 8 else { throw fail("file is \(bytes.count) bytes, too short for a safetensors header") }
    let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    guard headerLength <= UInt64(bytes.count - 8) else {
      throw fail("header length \(headerLength) exceeds the file size (\(bytes.count) bytes)")
    }
    guard headerLength <= UInt64(maxHeaderBytes) else {
      throw fail("header length \(headerLength) exceeds the format's limit of \(maxHeaderBytes) bytes")
    }
    let dataStart = 8 + Int(headerLength)
    let parsed = Result { () throws(JSON.SyntaxError) in
      try JSON.parse(UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]), maxDepth: 4, maxMembers: maxEntries + 1)
    }
    let header: JSON
    switch parsed {
    case .success(let value): header = value
    case .failure(let error):
      throw fail(error.exceedsMembers ? "more than \(maxEntries) tensors" : "header is not valid JSON: \(error)")
    }
    guard let members = header.members else { throw fail("header is not a JSON object") }
    var metadata: [String: String] = [:]
    var names = Set<String>()
    let dataLength = bytes.count - dataStart
    var entries: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
    for (name, value) in members {
      guard names.insert(name).inserted else { throw fail("entry \(name) appears twice") }
      if name == "__metadata__" {
        guard let pairs = value.members, pairs.allSatisfy({ $0.value.string != nil }) else {
          throw fail("__metadata__ must map strings to strings")
        }
        for (key, text) in pairs { metadata[key] = text.string }
        continue
      }
      guard entries.count < maxEntries else { throw fail("more than \(maxEntries) tensors") }
      guard let dtypeCode = value["dtype"]?.string, let shapeValues = value["shape"]?.array,
        let offsetValues = value["data_offsets"]?.array
      else { throw fail("entry \(name) lacks dtype, shape or data_offsets") }
      guard let type = dtype(dtypeCode) else { throw fail("entry \(name) has unsupported dtype \(dtypeCode)") }
      let shape = shapeValues.compactMap(\.integer)
      let offsets = offsetValues.compactMap(\.integer)
      guard shape.count == shapeValues.count, shape.count <= 64, shape.allSatisfy({ $0 >= 0 && $0 < 1 << 40 }) else {
        throw fail("entry \(name) has an invalid shape")
      }
      guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength else {
        throw fail("entry \(name) has data offsets \(offsets) outside the \(dataLength) data bytes")
      }
      // Zero dims aside too: strides are products of the other dims.
      let (addressable, overflow) = shape.reduce((1, false)) { acc, d in
        let (product, o) = acc.0.multipliedReportingOverflow(by: Swift.max(d, 1))
        return (product, acc.1 || o)
      }
      let count = shape.contains(0) ? 0 : addressable
      let (needed, tooBig) = count.multipliedReportingOverflow(by: type.itemSize)
      guard !overflow, !tooBig else { throw fail("entry \(name) has shape \(shape), too large to address") }
      guard needed == offsets[1] - offsets[0] else {
        throw fail("entry \(name) has \(offsets[1] - offsets[0]) bytes, but shape \(shape) of \(dtypeCode) needs \(needed)")
      }
      entries.append((name, type, shape, offsets[0], offsets[1]))
    }
    // By offset, an empty tensor before a non-empty one at the same offset (header order is the
    // writer's choice, so it must not decide).
    entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    var expected = 0
    for entry in entries {
      guard entry.begin == expected else { throw fail("tensor data overlaps or leaves a gap before \(entry.name)") }
      expected = entry.end
    }
    guard expected == dataLength else { throw fail("\(dataLength - expected) bytes of data follow the last tensor") }
    var result = StateDict()
    for entry in entries {
      let start = dataStart + entry.begin, count = entry.end - entry.begin
      if let base = file.base, Int(bitPattern: base + start) % entry.dtype.itemSize == 0 {
        let storage = file.storage(at: start, byteCount: count)
        result[entry.name] = Tensor(storage: storage, shape: entry.shape, strides: contiguousStrides(entry.shape), offset: 0, dtype: entry.dtype)
      } else {
        let tensor = Tensor(uninitialized: entry.shape, dtype: entry.dtype)
        Backends.cpu.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)]), into: tensor)
        result[entry.name] = tensor
      }
    }
    return (result, metadata)
  }
}
