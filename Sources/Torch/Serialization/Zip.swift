import CTorchKernels

/// The subset of the zip format that PyTorch's checkpoints use: stored (uncompressed) entries,
/// zip64 for files or offsets past 4 GiB, no encryption, one disk.
enum Zip {
  static let localHeaderSignature: UInt32 = 0x0403_4B50
  static let centralHeaderSignature: UInt32 = 0x0201_4B50
  static let endSignature: UInt32 = 0x0605_4B50
  static let zip64EndSignature: UInt32 = 0x0606_4B50
  static let zip64LocatorSignature: UInt32 = 0x0706_4B50
  static let zip64ExtraID: UInt16 = 0x0001
  /// The extra field PyTorch pads local headers with so that each record starts aligned ("FB").
  static let paddingExtraID: UInt16 = 0x4246
}

/// Bounds-checked little-endian reads from a byte buffer; reading past the end is an error
/// naming the file, never a trap.
struct ByteCursor {
  let bytes: UnsafeRawBufferPointer
  let path: String
  var offset: Int

  init(_ bytes: UnsafeRawBufferPointer, path: String, offset: Int = 0) {
    self.bytes = bytes
    self.path = path
    self.offset = offset
  }

  func fail(_ reason: String) -> TorchError { .corruptFile(path: path, reason: reason) }

  mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws(TorchError) {
    guard count >= 0, count <= bytes.count - offset else { throw fail("truncated: \(what()) runs past the end of the file") }
    offset += count
  }

  mutating func integer<T: FixedWidthInteger & UnsignedInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(TorchError) -> T {
    let size = MemoryLayout<T>.size
    guard offset >= 0, size <= bytes.count - offset else { throw fail("truncated: \(what()) runs past the end of the file") }
    var value: T = 0
    for i in 0..<size { value |= T(bytes[offset + i]) << (8 * i) }
    offset += size
    return value
  }

  mutating func slice(_ count: Int, _ what: @autoclosure () -> String) throws(TorchError) -> UnsafeRawBufferPointer {
    let start = offset
    try skip(count, what())
    return UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)])
  }
}

/// A zip archive's directory, read from its bytes and validated: every entry is stored,
/// lies inside the file before the central directory, matches its local header, and overlaps
/// no other entry; names are unique UTF-8. The entries' data is never copied.
struct ZipArchive {
  struct Entry {
    let name: String
    /// Where the entry's data starts in the file, and its length.
    let dataOffset: Int
    let size: Int
    let localHeaderOffset: Int
    /// Compressed entries are listed (so an archive can be recognized) but their data is not readable here.
    let isCompressed: Bool
  }

  let entries: [Entry]
  private let byName: [String: Int]

  /// Central-directory entries a file may declare: far above a checkpoint's (one per storage).
  static let maxEntries = 1 << 22

  subscript(name: String) -> Entry? { byName[name].map { entries[$0] } }

  /// The entry `name`, which must exist and be stored uncompressed, as PyTorch's records are.
  func stored(_ name: String, path: String) throws(TorchError) -> Entry {
    guard let entry = self[name] else { throw .corruptFile(path: path, reason: "the checkpoint has no record \(name)") }
    guard !entry.isCompressed else { throw .corruptFile(path: path, reason: "\(name) is compressed; PyTorch checkpoints store records uncompressed") }
    return entry
  }

  init(_ bytes: UnsafeRawBufferPointer, path: String) throws(TorchError) {
    var cursor = ByteCursor(bytes, path: path)
    let end = try Self.findEnd(bytes, path: path)
    cursor.offset = end + 4
    let disk = try cursor.integer(UInt16.self, "the end record")
    let directoryDisk = try cursor.integer(UInt16.self, "the end record")
    _ = try cursor.integer(UInt16.self, "the end record")
    var count = Int(try cursor.integer(UInt16.self, "the end record"))
    var directorySize = Int(try cursor.integer(UInt32.self, "the end record"))
    var directoryOffset = Int(try cursor.integer(UInt32.self, "the end record"))
    var directoryLimit = end
    if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
      (count, directorySize, directoryOffset, directoryLimit) = try Self.readZip64End(bytes, path: path, endRecord: end)
    } else {
      guard disk == 0, directoryDisk == 0 else { throw cursor.fail("a multi-disk zip archive is not supported") }
    }
    guard count <= Self.maxEntries else { throw cursor.fail("the zip directory declares \(count) entries, more than \(Self.maxEntries)") }
    guard directoryOffset <= directoryLimit, directorySize <= directoryLimit - directoryOffset else {
      throw cursor.fail("the zip directory (offset \(directoryOffset), \(directorySize) bytes) lies outside the file")
    }
    cursor.offset = directoryOffset
    var entries: [Entry] = []
    var byName: [String: Int] = [:]
    for index in 0..<count {
      let entry = try Self.readEntry(&cursor, index: index, directoryStart: directoryOffset)
      guard cursor.offset <= directoryOffset + directorySize else { throw cursor.fail("zip entry \(index) runs past the directory's declared size") }
      guard byName[entry.name] == nil else { throw cursor.fail("the zip archive holds \(entry.name) twice") }
      byName[entry.name] = entries.count
      entries.append(entry)
    }
    let ordered = entries.sorted { $0.localHeaderOffset < $1.localHeaderOffset }
    for (a, b) in zip(ordered, ordered.dropFirst()) where a.dataOffset + a.size > b.localHeaderOffset {
      throw cursor.fail("zip entries \(a.name) and \(b.name) overlap")
    }
    self.entries = entries
    self.byName = byName
  }

  /// The end-of-central-directory record: the last signature within the final 64 KiB + 22 bytes.
  private static func findEnd(_ bytes: UnsafeRawBufferPointer, path: String) throws(TorchError) -> Int {
    guard bytes.count >= 22 else { throw .corruptFile(path: path, reason: "too short for a zip archive (\(bytes.count) bytes)") }
    let lowest = Swift.max(0, bytes.count - 22 - 0xFFFF)
    for start in stride(from: bytes.count - 22, through: lowest, by: -1)
    where bytes[start] == 0x50 && bytes[start + 1] == 0x4B && bytes[start + 2] == 0x05 && bytes[start + 3] == 0x06 {
      let commentLength = Int(bytes[start + 20]) | Int(bytes[start + 21]) << 8
      if start + 22 + commentLength == bytes.count { return start }
    }
    throw .corruptFile(path: path, reason: "no zip end record: the file is truncated or not a zip archive")
  }

  private static func readZip64End(_ bytes: UnsafeRawBufferPointer, path: String, endRecord: Int) throws(TorchError) -> (Int, Int, Int, Int) {
    var cursor = ByteCursor(bytes, path: path, offset: endRecord - 20)
    guard endRecord >= 20, try cursor.integer(UInt32.self, "the zip64 locator") == Zip.zip64LocatorSignature else {
      throw cursor.fail("the end record asks for zip64 but there is no zip64 locator")
    }
    _ = try cursor.integer(UInt32.self, "the zip64 locator")
    let recordOffset = try cursor.integer(UInt64.self, "the zip64 locator")
    guard try cursor.integer(UInt32.self, "the zip64 locator") <= 1 else { throw cursor.fail("a multi-disk zip archive is not supported") }
    guard endRecord >= 20 + 56, recordOffset <= UInt64(endRecord - 20 - 56) else { throw cursor.fail("the zip64 end record lies outside the file") }
    cursor.offset = Int(recordOffset)
    guard try cursor.integer(UInt32.self, "the zip64 end record") == Zip.zip64EndSignature else { throw cursor.fail("no zip64 end record where the locator points") }
    try cursor.skip(8 + 2 + 2 + 4 + 4, "the zip64 end record")
    _ = try cursor.integer(UInt64.self, "the zip64 end record")
    let count = try cursor.integer(UInt64.self, "the zip64 end record")
    let size = try cursor.integer(UInt64.self, "the zip64 end record")
    let offset = try cursor.integer(UInt64.self, "the zip64 end record")
    let limit = UInt64(recordOffset)
    guard count <= UInt64(ZipArchive.maxEntries), size <= limit, offset <= limit else {
      throw cursor.fail("the zip64 end record's directory (offset \(offset), \(size) bytes, \(count) entries) lies outside the file")
    }
    return (Int(count), Int(size), Int(offset), Int(limit))
  }

  private static func readEntry(_ cursor: inout ByteCursor, index: Int, directoryStart: Int) throws(TorchError) -> Entry {
    let what = "zip directory entry \(index)"
    guard try cursor.integer(UInt32.self, what) == Zip.centralHeaderSignature else { throw cursor.fail("\(what) has no signature") }
    try cursor.skip(4, what)
    let flags = try cursor.integer(UInt16.self, what)
    let method = try cursor.integer(UInt16.self, what)
    try cursor.skip(8, what)
    var compressed = UInt64(try cursor.integer(UInt32.self, what))
    var size = UInt64(try cursor.integer(UInt32.self, what))
    let nameLength = Int(try cursor.integer(UInt16.self, what))
    let extraLength = Int(try cursor.integer(UInt16.self, what))
    let commentLength = Int(try cursor.integer(UInt16.self, what))
    try cursor.skip(8, what)
    var localOffset = UInt64(try cursor.integer(UInt32.self, what))
    guard let name = String(validating: try cursor.slice(nameLength, what), as: UTF8.self), !name.isEmpty, !name.contains("\0") else {
      throw cursor.fail("\(what) has an empty or invalid name")
    }
    var extra = ByteCursor(try cursor.slice(extraLength, what), path: cursor.path)
    try cursor.skip(commentLength, what)
    while extra.offset + 4 <= extra.bytes.count {
      let id = try extra.integer(UInt16.self, "\(name)'s extra field")
      let length = Int(try extra.integer(UInt16.self, "\(name)'s extra field"))
      var field = ByteCursor(try extra.slice(length, "\(name)'s extra field"), path: cursor.path)
      guard id == Zip.zip64ExtraID else { continue }
      if size == 0xFFFF_FFFF { size = try field.integer(UInt64.self, "\(name)'s zip64 field") }
      if compressed == 0xFFFF_FFFF { compressed = try field.integer(UInt64.self, "\(name)'s zip64 field") }
      if localOffset == 0xFFFF_FFFF { localOffset = try field.integer(UInt64.self, "\(name)'s zip64 field") }
    }
    guard flags & 1 == 0 else { throw cursor.fail("\(name) is encrypted") }
    guard method == 0 || method == 8 else { throw cursor.fail("\(name) uses compression method \(method)") }
    guard method != 0 || compressed == size else { throw cursor.fail("\(name): stored entry with \(compressed) compressed and \(size) uncompressed bytes") }
    guard localOffset < UInt64(directoryStart), compressed <= UInt64(directoryStart) else { throw cursor.fail("\(name) lies outside the file") }
    var local = ByteCursor(cursor.bytes, path: cursor.path, offset: Int(localOffset))
    guard try local.integer(UInt32.self, "\(name)'s local header") == Zip.localHeaderSignature else {
      throw cursor.fail("\(name)'s local header is missing at offset \(localOffset)")
    }
    try local.skip(22, "\(name)'s local header")
    let localNameLength = Int(try local.integer(UInt16.self, "\(name)'s local header"))
    let localExtraLength = Int(try local.integer(UInt16.self, "\(name)'s local header"))
    guard try local.slice(localNameLength, "\(name)'s local header").elementsEqual(name.utf8) else {
      throw cursor.fail("\(name)'s local header names another file")
    }
    try local.skip(localExtraLength, "\(name)'s local header")
    let dataOffset = local.offset
    guard Int(compressed) <= directoryStart - dataOffset else { throw cursor.fail("\(name)'s \(compressed) bytes run into the zip directory") }
    return Entry(name: name, dataOffset: dataOffset, size: Int(compressed), localHeaderOffset: Int(localOffset), isCompressed: method != 0)
  }
}

/// Writes a stored zip archive as PyTorch does, streaming: each entry's data goes straight from
/// the caller's memory to the file, starting at a multiple of `alignment` (so it can be
/// memory-mapped in place). Entries, sizes or offsets at `zip64Threshold` or beyond get zip64
/// fields (the threshold is lowered in tests).
final class ZipWriter {
  private struct Written {
    let name: [UInt8]
    let offset: Int
    let size: Int
    let crc: UInt32
  }

  private let file: FileWriter
  private let alignment: Int
  private let zip64Threshold: Int
  private var written: [Written] = []

  init(_ file: FileWriter, alignment: Int = 64, zip64Threshold: Int = 0xFFFF_FFFF) {
    self.file = file
    self.alignment = alignment
    self.zip64Threshold = zip64Threshold
  }

  func add(_ name: String, _ bytes: [UInt8]) throws(TorchError) {
    try bytes.withUnsafeBytes { raw in Result { () throws(TorchError) in try add(name, raw) } }.get()
  }

  /// Adds an entry holding `data`: its CRC-32 is computed first, so the local header is written
  /// once, complete (patching it afterwards would rewrite a page the kernel may be flushing).
  func add(_ name: String, _ data: UnsafeRawBufferPointer) throws(TorchError) {
    let nameBytes = Array(name.utf8)
    let offset = file.position, size = data.count
    let crc = ctk_crc32(0, data.baseAddress, data.count)
    let large = size >= zip64Threshold
    var extra: [UInt8] = []
    if large { extra += le(Zip.zip64ExtraID) + le(UInt16(16)) + le(UInt64(size)) + le(UInt64(size)) }
    let unpadded = offset + 30 + nameBytes.count + extra.count + 4
    let padding = (alignment - unpadded % alignment) % alignment
    extra += le(Zip.paddingExtraID) + le(UInt16(padding)) + [UInt8](repeating: 0x5A, count: padding)
    var header = le(Zip.localHeaderSignature) + le(UInt16(large ? 45 : 20)) + le(UInt16(0)) + le(UInt16(0))
    header += le(UInt16(0)) + le(UInt16(0x21)) + le(crc)
    header += le(large ? UInt32.max : UInt32(size)) + le(large ? UInt32.max : UInt32(size))
    header += le(UInt16(nameBytes.count)) + le(UInt16(extra.count)) + nameBytes + extra
    try file.write(header)
    try file.write(data)
    written.append(Written(name: nameBytes, offset: offset, size: size, crc: crc))
  }

  /// Writes the central directory and the end records.
  func finish() throws(TorchError) {
    let directoryOffset = file.position
    for entry in written {
      let largeSize = entry.size >= zip64Threshold, largeOffset = entry.offset >= zip64Threshold
      var zip64: [UInt8] = []
      if largeSize { zip64 += le(UInt64(entry.size)) + le(UInt64(entry.size)) }
      if largeOffset { zip64 += le(UInt64(entry.offset)) }
      let extra = zip64.isEmpty ? [] : le(Zip.zip64ExtraID) + le(UInt16(zip64.count)) + zip64
      let version = UInt16(zip64.isEmpty ? 20 : 45)
      var header = le(Zip.centralHeaderSignature) + le(version) + le(version) + le(UInt16(0)) + le(UInt16(0))
      header += le(UInt16(0)) + le(UInt16(0x21)) + le(entry.crc)
      header += le(largeSize ? UInt32.max : UInt32(entry.size)) + le(largeSize ? UInt32.max : UInt32(entry.size))
      header += le(UInt16(entry.name.count)) + le(UInt16(extra.count)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt32(0))
      header += le(largeOffset ? UInt32.max : UInt32(entry.offset)) + entry.name + extra
      try file.write(header)
    }
    let directorySize = file.position - directoryOffset
    let needsZip64 = written.count >= 0xFFFF || directoryOffset >= zip64Threshold || directorySize >= zip64Threshold
    if needsZip64 {
      let recordOffset = file.position
      var record = le(Zip.zip64EndSignature) + le(UInt64(44)) + le(UInt16(45)) + le(UInt16(45)) + le(UInt32(0)) + le(UInt32(0))
      record += le(UInt64(written.count)) + le(UInt64(written.count)) + le(UInt64(directorySize)) + le(UInt64(directoryOffset))
      record += le(Zip.zip64LocatorSignature) + le(UInt32(0)) + le(UInt64(recordOffset)) + le(UInt32(1))
      try file.write(record)
    }
    let count = needsZip64 ? UInt16.max : UInt16(written.count)
    var end = le(Zip.endSignature) + le(UInt16(0)) + le(UInt16(0)) + le(count) + le(count)
    end += le(needsZip64 ? UInt32.max : UInt32(directorySize)) + le(needsZip64 ? UInt32.max : UInt32(directoryOffset)) + le(UInt16(0))
    try file.write(end)
  }
}

/// The little-endian bytes of an integer.
func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
  (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}
