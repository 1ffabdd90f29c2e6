import Foundation

/// Extracts tar archives, gzipped or not, as torchvision's `extract_archive` does for the data
/// sets it downloads (`cifar-10-python.tar.gz`). Only regular files are written, each
/// atomically, at relative paths inside the target folder: an absolute path or one that climbs
/// out with `..` is an error, and links, devices and other entries are skipped, so an archive
/// cannot write outside the folder. Every header's checksum is verified, sizes are bounded by
/// what the file can hold, and a truncated archive is an error naming it.
enum Tar {
  private static let block = 512

  /// Extracts `archive` into `directory` and returns the relative paths written, in order.
  @discardableResult
  static func extract(_ archive: String, into directory: String) throws(TorchError) -> [String] {
    let reader = try GzipReader(path: archive)
    var written: [String] = []
    var longName: String?
    while true {
      let header = try reader.read(upTo: block)
      if header.isEmpty || header.allSatisfy({ $0 == 0 }) { break }  // the end: zero blocks (or none)
      guard header.count == block else { throw .corruptFile(path: archive, reason: "truncated tar header") }
      try verifyChecksum(header, archive)
      let size = try octal(header[124..<136], archive)
      guard size <= reader.contentBound else { throw .corruptFile(path: archive, reason: "a tar entry claims \(size) bytes") }
      let type = header[156]
      let name = longName ?? entryName(header)
      longName = nil
      switch type {
      case UInt8(ascii: "0"), 0:
        let relative = try safeRelativePath(name, archive)
        try copy(size, from: reader, to: (directory as NSString).appendingPathComponent(relative), archive)
        written.append(relative)
      case UInt8(ascii: "L"):  // GNU: the next entry's long name
        longName = String(decoding: try exactly(size, from: reader, archive).prefix { $0 != 0 }, as: UTF8.self)
      default:  // directories (made as needed), links, pax headers and the rest: skipped
        _ = try exactly(size, from: reader, archive)
      }
      _ = try exactly((block - size % block) % block, from: reader, archive)
    }
    try reader.close()
    return written
  }

  /// The name in a ustar header: its prefix field, a slash, and the name field.
  private static func entryName(_ header: [UInt8]) -> String {
    let field = { (range: Range<Int>) in String(decoding: header[range].prefix { $0 != 0 }, as: UTF8.self) }
    let prefix = header[257..<262].elementsEqual("ustar".utf8) ? field(345..<500) : ""
    return prefix.isEmpty ? field(0..<100) : prefix + "/" + field(0..<100)
  }

  private static func safeRelativePath(_ name: String, _ archive: String) throws(TorchError) -> String {
    let parts = name.split(separator: "/").filter { $0 != "." }
    guard !name.hasPrefix("/"), !parts.isEmpty, !parts.contains("..") else {
      throw .corruptFile(path: archive, reason: "tar entry \"\(name)\" points outside the folder it is extracted into")
    }
    return parts.joined(separator: "/")
  }

  /// The header's checksum: the sum of its bytes with the checksum field read as spaces.
  private static func verifyChecksum(_ header: [UInt8], _ archive: String) throws(TorchError) {
    let stored = try octal(header[148..<156], archive)
    let sum = header.enumerated().reduce(0) { total, entry in total + ((148..<156).contains(entry.offset) ? 32 : Int(entry.element)) }
    guard stored == sum else { throw .corruptFile(path: archive, reason: "a tar header's checksum is \(stored), its bytes sum to \(sum)") }
  }

  /// An octal number field, NUL- or space-terminated.
  private static func octal(_ field: ArraySlice<UInt8>, _ archive: String) throws(TorchError) -> Int {
    let digits = field.drop { $0 == 32 }.prefix { $0 != 0 && $0 != 32 }
    guard digits.count <= 11, let value = Int(String(decoding: digits, as: UTF8.self), radix: 8) ?? (digits.isEmpty ? 0 : nil) else {
      throw .corruptFile(path: archive, reason: "a tar header's number field is not octal")
    }
    return value
  }

  private static func exactly(_ count: Int, from reader: GzipReader, _ archive: String) throws(TorchError) -> [UInt8] {
    let bytes = try reader.read(upTo: count)
    guard bytes.count == count else { throw .corruptFile(path: archive, reason: "truncated tar archive") }
    return bytes
  }

  /// Streams `size` bytes of the archive into `destination`, atomically.
  private static func copy(_ size: Int, from reader: GzipReader, to destination: String, _ archive: String) throws(TorchError) {
    try AtomicFile.write(to: destination) { (file: FileWriter) throws(TorchError) in
      var left = size
      while left > 0 {
        let chunk = try exactly(min(left, 1 << 20), from: reader, archive)
        try file.write(chunk)
        left -= chunk.count
      }
    }
  }
}
