/// A strict, bounded JSON reader for file headers (safetensors): RFC 8259 syntax, UTF-8 only,
/// nesting and member counts limited, integers kept exact. Written for hostile input: every
/// malformed byte is an error with its offset, and work is linear in the input.
enum JSON: Equatable {
  case object([(key: String, value: JSON)])
  case array([JSON])
  case string(String)
  case integer(Int)
  case number(Double)
  case bool(Bool)
  case null

  static func == (a: JSON, b: JSON) -> Bool {
    switch (a, b) {
    case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    case (.array(let x), .array(let y)): x == y
    case (.string(let x), .string(let y)): x == y
    case (.integer(let x), .integer(let y)): x == y
    case (.number(let x), .number(let y)): x == y
    case (.bool(let x), .bool(let y)): x == y
    case (.null, .null): true
    default: false
    }
  }

  /// Why a text is not acceptable JSON.
  struct SyntaxError: Error, CustomStringConvertible {
    let offset: Int
    let reason: String
    /// The text exceeded `maxMembers` (it may be well formed).
    var exceedsMembers = false
    var description: String { "\(reason) at byte \(offset)" }
  }

  /// Parses one JSON value filling all of `bytes` (whitespace aside). `maxDepth` bounds nesting
  /// and `maxMembers` bounds the members of any one object or array.
  static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 32, maxMembers: Int = 1 << 20) throws(SyntaxError) -> JSON {
    var parser = Parser(bytes: bytes, maxDepth: maxDepth, maxMembers: maxMembers)
    let value = try parser.value(depth: 0)
    parser.skipWhitespace()
    guard parser.index == bytes.count else { throw parser.error("unexpected text after the value") }
    return value
  }

  var integer: Int? { if case .integer(let value) = self { value } else { nil } }
  var string: String? { if case .string(let value) = self { value } else { nil } }
  var array: [JSON]? { if case .array(let value) = self { value } else { nil } }
  var members: [(key: String, value: JSON)]? { if case .object(let value) = self { value } else { nil } }

  /// The value of `key` in an object.
  subscript(key: String) -> JSON? { members?.first { $0.key == key }?.value }

  private struct Parser {
    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int, maxMembers: Int
    var index = 0

    func error(_ reason: String) -> SyntaxError { SyntaxError(offset: index, reason: reason) }
    func tooMany() -> SyntaxError { SyntaxError(offset: index, reason: "more than \(maxMembers) members in one object or array", exceedsMembers: true) }

    mutating func skipWhitespace() {
      while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
    }

    mutating func expect(_ byte: UInt8) throws(SyntaxError) {
      skipWhitespace()
      guard index < bytes.count, bytes[index] == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))'") }
      index += 1
    }

    /// The next non-space byte, not consumed.
    mutating func peek() throws(SyntaxError) -> UInt8 {
      skipWhitespace()
      guard index < bytes.count else { throw error("unexpected end of text") }
      return bytes[index]
    }

    mutating func value(depth: Int) throws(SyntaxError) -> JSON {
      guard depth < maxDepth else { throw error("nesting deeper than \(maxDepth)") }
      switch try peek() {
      case UInt8(ascii: "{"): return try object(depth: depth)
      case UInt8(ascii: "["): return try array(depth: depth)
      case UInt8(ascii: "\""): return .string(try string())
      case UInt8(ascii: "t"): try literal("true"); return .bool(true)
      case UInt8(ascii: "f"): try literal("false"); return .bool(false)
      case UInt8(ascii: "n"): try literal("null"); return .null
      default: return try number()
      }
    }

    mutating func object(depth: Int) throws(SyntaxError) -> JSON {
      index += 1
      var members: [(key: String, value: JSON)] = []
      if try peek() == UInt8(ascii: "}") { index += 1; return .object(members) }
      while true {
        guard members.count < maxMembers else { throw tooMany() }
        guard try peek() == UInt8(ascii: "\"") else { throw error("expected a string key") }
        let key = try string()
        try expect(UInt8(ascii: ":"))
        members.append((key, try value(depth: depth + 1)))
        let next = try peek()
        index += 1
        if next == UInt8(ascii: "}") { return .object(members) }
        guard next == UInt8(ascii: ",") else { index -= 1; throw error("expected ',' or '}'") }
      }
    }

    mutating func array(depth: Int) throws(SyntaxError) -> JSON {
      index += 1
      var elements: [JSON] = []
      if try peek() == UInt8(ascii: "]") { index += 1; return .array(elements) }
      while true {
        guard elements.count < maxMembers else { throw tooMany() }
        elements.append(try value(depth: depth + 1))
        let next = try peek()
        index += 1
        if next == UInt8(ascii: "]") { return .array(elements) }
        guard next == UInt8(ascii: ",") else { index -= 1; throw error("expected ',' or ']'") }
      }
    }

    mutating func literal(_ word: StaticString) throws(SyntaxError) {
      let count = word.utf8CodeUnitCount
      guard index + count <= bytes.count,
        (0..<count).allSatisfy({ bytes[index + $0] == word.utf8Start[$0] })
      else { throw error("invalid literal") }
      index += count
    }

    mutating func number() throws(SyntaxError) -> JSON {
      let start = index
      func digits() -> Int {
        let first = index
        while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
        return index - first
      }
      if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
      let integerStart = index
      let integerDigits = digits()
      guard integerDigits > 0 else { throw error("unexpected character") }
      guard integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else {
        index = integerStart
        throw error("leading zero in a number")
      }
      var isInteger = true
      if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
        index += 1
        isInteger = false
        guard digits() > 0 else { throw error("missing digits after '.'") }
      }
      if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
        index += 1
        isInteger = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digits() > 0 else { throw error("missing exponent digits") }
      }
      let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
      if isInteger, let value = Int(text) { return .integer(value) }
      guard let value = Double(text) else { throw error("invalid number") }
      return .number(value)
    }

    mutating func string() throws(SyntaxError) -> String {
      index += 1
      var utf8: [UInt8] = []
      while true {
        guard index < bytes.count else { throw error("unterminated string") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""):
          guard let text = String(validating: utf8, as: UTF8.self) else { throw error("string is not valid UTF-8") }
          return text
        case UInt8(ascii: "\\"): try escape(into: &utf8)
        case 0..<0x20: index -= 1; throw error("control character in a string")
        default: utf8.append(byte)
        }
      }
    }

    mutating func escape(into utf8: inout [UInt8]) throws(SyntaxError) {
      guard index < bytes.count else { throw error("unterminated string") }
      let code = bytes[index]
      index += 1
      switch code {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(code); return
      case UInt8(ascii: "b"): utf8.append(0x08); return
      case UInt8(ascii: "f"): utf8.append(0x0C); return
      case UInt8(ascii: "n"): utf8.append(0x0A); return
      case UInt8(ascii: "r"): utf8.append(0x0D); return
      case UInt8(ascii: "t"): utf8.append(0x09); return
      case UInt8(ascii: "u"): break
      default: throw error("invalid escape")
      }
      var scalar = try hex4()
      if (0xD800..<0xDC00).contains(scalar) {
        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
          throw error("unpaired surrogate")
        }
        index += 2
        let low = try hex4()
        guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
        scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
      }
      guard let unicode = Unicode.Scalar(scalar) else { throw error("unpaired surrogate") }
      utf8.append(contentsOf: String(Character(unicode)).utf8)
    }

    mutating func hex4() throws(SyntaxError) -> UInt32 {
      guard index + 4 <= bytes.count else { throw error("truncated \\u escape") }
      var value: UInt32 = 0
      for _ in 0..<4 {
        guard let digit = Int(String(Unicode.Scalar(bytes[index])), radix: 16) else { throw error("invalid \\u escape") }
        value = value << 4 | UInt32(digit)
        index += 1
      }
      return value
    }
  }
}
