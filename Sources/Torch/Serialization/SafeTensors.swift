import Foundation

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON
/// header mapping names to `{dtype, shape, data_offsets}` (plus optional `__metadata__`),
/// then the raw little-endian data. Files load in PyTorch with `safetensors.torch.load_file`.
enum SafeTensors {
  static let maxHeaderBytes = 100 << 20

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

  /// Encodes tensors (in the given order) and string metadata.
  static func encode(_ tensors: StateDict, metadata: [String: String] = [:]) -> [UInt8] {
    var header: [String: Any] = [:]
    if !metadata.isEmpty { header["__metadata__"] = metadata }
    var blobs: [[UInt8]] = []
    var offset = 0
    for (name, tensor) in tensors {
      let bytes = Backends.backend(for: tensor.device).readBytes(tensor)
      header[name] = ["dtype": code(tensor.dtype), "shape": tensor.dims, "data_offsets": [offset, offset + bytes.count]] as [String: Any]
      offset += bytes.count
      blobs.append(bytes)
    }
    var json = Array((try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8))
    while json.count % 8 != 0 { json.append(0x20) }
    var out = [UInt8]()
    out.reserveCapacity(8 + json.count + offset)
    let length = UInt64(json.count)
    for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(i)))) }
    out += json
    for blob in blobs { out += blob }
    return out
  }

  /// Decodes and validates a file's bytes: header length, JSON, dtypes, shapes and offsets
  /// are all checked against the data, so a hostile or truncated file is an error.
  static func decode(_ bytes: [UInt8], path: String) throws(TorchError) -> (StateDict, [String: String]) {
    func fail(_ reason: String) -> TorchError { .corruptFile(path: path, reason: reason) }
    guard bytes.count >= 8 else { throw fail("file is \(bytes.count) bytes, too short for a safetensors header") }
    let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    guard headerLength <= UInt64(maxHeaderBytes), headerLength <= UInt64(bytes.count - 8) else {
      throw fail("header length \(headerLength) exceeds the file size (\(bytes.count) bytes)")
    }
    let dataStart = 8 + Int(headerLength)
    let object: Any
    do { object = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])) } catch {
      throw fail("header is not valid JSON")
    }
    guard let header = object as? [String: Any] else { throw fail("header is not a JSON object") }
    var metadata: [String: String] = [:]
    if let raw = header["__metadata__"] {
      guard let values = raw as? [String: String] else { throw fail("__metadata__ must map strings to strings") }
      metadata = values
    }
    let dataLength = bytes.count - dataStart
    var entries: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
    for (name, value) in header where name != "__metadata__" {
      guard let info = value as? [String: Any], let dtypeCode = info["dtype"] as? String,
        let shapeValues = info["shape"] as? [Any], let offsetValues = info["data_offsets"] as? [Any]
      else { throw fail("entry \(name) lacks dtype, shape or data_offsets") }
      guard let type = dtype(dtypeCode) else { throw fail("entry \(name) has unsupported dtype \(dtypeCode)") }
      let shape = shapeValues.compactMap { ($0 as? NSNumber)?.intValue }
      let offsets = offsetValues.compactMap { ($0 as? NSNumber)?.intValue }
      guard shape.count == shapeValues.count, shape.allSatisfy({ $0 >= 0 && $0 < 1 << 40 }) else {
        throw fail("entry \(name) has an invalid shape")
      }
      guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength else {
        throw fail("entry \(name) has data offsets \(offsetValues) outside the \(dataLength) data bytes")
      }
      let (count, overflow) = shape.reduce((1, false)) { acc, d in
        let (product, o) = acc.0.multipliedReportingOverflow(by: d)
        return (product, acc.1 || o)
      }
      let (needed, tooBig) = count.multipliedReportingOverflow(by: type.itemSize)
      guard !overflow, !tooBig else { throw fail("entry \(name) has shape \(shape), too large to address") }
      guard needed == offsets[1] - offsets[0] else {
        throw fail("entry \(name) has \(offsets[1] - offsets[0]) bytes, but shape \(shape) of \(dtypeCode) needs \(needed)")
      }
      entries.append((name, type, shape, offsets[0], offsets[1]))
    }
    // By offset, an empty tensor before a non-empty one at the same offset (header order is a
    // dictionary's, so it must not decide).
    entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    var expected = 0
    for entry in entries {
      guard entry.begin == expected else { throw fail("tensor data overlaps or leaves a gap before \(entry.name)") }
      expected = entry.end
    }
    guard expected == dataLength else { throw fail("\(dataLength - expected) bytes of data follow the last tensor") }
    var result = StateDict()
    for entry in entries {
      let tensor = Tensor(uninitialized: entry.shape, dtype: entry.dtype)
      bytes.withUnsafeBytes { raw in
        Backends.cpu.writeBytes(UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.begin)..<(dataStart + entry.end)]), into: tensor)
      }
      result[entry.name] = tensor
    }
    return (result, metadata)
  }
}

extension torch {
  /// Saves tensors by name in the safetensors format, atomically (`torch.save`; the file
  /// loads in PyTorch with `safetensors.torch.load_file`).
  public static func save(_ state: StateDict, to path: String, metadata: [String: String] = [:]) throws {
    guard state["__metadata__"] == nil else {
      throw TorchError.io(path: path, reason: "a tensor cannot be named __metadata__: the safetensors format reserves that key")
    }
    try AtomicFile.write(SafeTensors.encode(state, metadata: metadata), to: path)
  }

  /// Loads a safetensors file onto the CPU (`torch.load`). A file that is truncated or
  /// malformed is a `TorchError` naming the file and the problem.
  public static func load(from path: String) throws -> StateDict {
    try SafeTensors.decode(AtomicFile.read(path), path: path).0
  }

  /// Loads a safetensors file with its string metadata.
  public static func loadWithMetadata(from path: String) throws -> (StateDict, [String: String]) {
    try SafeTensors.decode(AtomicFile.read(path), path: path)
  }
}
