import Foundation

/// A value on the unpickler's stack. Lists and dicts are references, as in Python, so that a
/// container fetched from the memo and then filled is the same container everywhere.
indirect enum PickleItem {
  case none
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  /// A byte string: Python 3's `bytes`, or a Python 2 `str` (read as latin-1 where a text is
  /// wanted, as `pickle.load(f, encoding="latin1")` reads it). It points into the pickle's
  /// buffer, so it lives only while `load` runs.
  case bytes(UnsafeRawBufferPointer)
  case list(PickleList)
  case tuple([PickleItem])
  case dict(PickleDict)
  /// An allowlisted global (a class or function the checkpoint names).
  case global(PickleGlobal)
  /// Whatever a persistent id resolved to (a checkpoint's storage).
  case external(AnyObject)
  case tensor(Tensor)

  var typeName: String {
    switch self {
    case .none: "None"
    case .bool: "bool"
    case .int: "int"
    case .double: "float"
    case .string: "str"
    case .bytes: "bytes"
    case .list: "list"
    case .tuple: "tuple"
    case .dict: "dict"
    case .global(let g): g.name
    case .external: "storage"
    case .tensor: "Tensor"
    }
  }
}

/// An object that BUILD (`__setstate__`) fills in, such as a NumPy array: REDUCE makes it
/// (held as `.external`), then BUILD hands it its state.
protocol PickleBuildable: AnyObject {
  func setState(_ state: PickleItem) throws(TorchError)
}

final class PickleList {
  var items: [PickleItem] = []
}

final class PickleDict {
  var contents = OrderedEntries<PickleItem>()
  var isOrdered = false
  var entries: [(key: SavedKey, value: PickleItem)] { contents.entries }
}

/// A global that a pickle may name: its dotted name, and what calling it (REDUCE) builds.
/// Globals without `call` (storage classes) may only be passed as arguments.
struct PickleGlobal {
  let name: String
  let call: (([PickleItem]) throws(TorchError) -> PickleItem)?
}

/// A restricted unpickler, the equivalent of PyTorch's `weights_only=True`: it builds only
/// None, bools, ints, floats, strings, lists, tuples, dicts and what the allowlisted globals
/// make; it never imports or runs anything. Any other global is an error naming it. Work and
/// memory are linear in the input: every string is bounded by the bytes left, integers must
/// fit 64 bits, and nesting depth and the size of the result (counted through shared
/// references) are capped when the result is built.
struct Unpickler {
  let path: String
  /// Globals by dotted name ("collections.OrderedDict").
  let globals: [String: PickleGlobal]
  /// Resolves a persistent id (PyTorch's storage references).
  let persistentLoad: (PickleItem) throws(TorchError) -> PickleItem
  /// What errors call the pickle: a checkpoint's `data.pkl`, or the file itself.
  var source = "data.pkl"
  static let maxDepth = 200

  private func fail(_ reason: String, at offset: Int) -> TorchError {
    .corruptFile(path: path, reason: "\(source) at byte \(offset): \(reason)")
  }

  /// Runs the pickle in `bytes` to its STOP and returns what `build` makes of the result.
  ///
  /// Everything unpickled is torn down here, without recursion: a hostile pickle can nest
  /// containers a million deep in a few megabytes, and releasing such a chain one level per
  /// stack frame would overflow the stack. Every container made is kept in `arena`; at the end
  /// lists and dicts are emptied (which also breaks cycles) and the arena is released newest
  /// first, so a tuple always goes before the older tuples it holds.
  func load<T>(_ bytes: UnsafeRawBufferPointer, build: (PickleItem) throws(TorchError) -> T) throws(TorchError) -> T {
    var stack: [PickleItem] = []
    var memo: [Int: PickleItem] = [:]
    var arena: [PickleItem] = []
    defer {
      stack.removeAll()
      memo.removeAll()
      for item in arena {
        if case .list(let list) = item { list.items.removeAll() }
        if case .dict(let dict) = item { dict.contents.removeAll() }
      }
      while !arena.isEmpty { arena.removeLast() }
    }
    return try build(try run(bytes, &stack, &memo, &arena))
  }

  private func run(_ bytes: UnsafeRawBufferPointer, _ stack: inout [PickleItem], _ memo: inout [Int: PickleItem], _ arena: inout [PickleItem]) throws(TorchError) -> PickleItem {
    var cursor = ByteCursor(bytes, path: path)
    var marks: [Int] = []
    /// A container just made: kept in the arena for the teardown.
    func made(_ item: PickleItem) -> PickleItem {
      switch item {
      case .list, .dict, .tuple: arena.append(item)
      default: break
      }
      return item
    }
    func pop(_ at: Int) throws(TorchError) -> PickleItem {
      guard let item = stack.popLast(), stack.count >= (marks.last ?? 0) else { throw fail("stack underflow", at: at) }
      return item
    }
    func popMark(_ at: Int) throws(TorchError) -> [PickleItem] {
      guard let mark = marks.popLast(), mark <= stack.count else { throw fail("no MARK before this opcode", at: at) }
      let items = Array(stack[mark...])
      stack.removeSubrange(mark...)
      return items
    }
    func top(_ at: Int) throws(TorchError) -> PickleItem {
      guard let item = stack.last, stack.count > (marks.last ?? 0) else { throw fail("stack underflow", at: at) }
      return item
    }
    func text(_ count: Int, _ at: Int) throws(TorchError) -> String {
      guard let string = String(validating: try cursor.slice(count, "a string"), as: UTF8.self) else { throw fail("a string is not valid UTF-8", at: at) }
      return string
    }
    func key(_ item: PickleItem, _ at: Int) throws(TorchError) -> SavedKey {
      switch item {
      case .string(let s): return .string(s)
      case .bytes(let raw): return .string(Self.latin1(raw))
      case .int(let i): return .int(i)
      case .bool(let b): return .int(b ? 1 : 0)
      default: throw fail("a dict key of type \(item.typeName) is not supported (only str and int keys)", at: at)
      }
    }
    func setItems(_ pairs: [PickleItem], into target: PickleItem, _ at: Int) throws(TorchError) {
      guard case .dict(let dict) = target else { throw fail("SETITEM(S) on a \(target.typeName)", at: at) }
      guard pairs.count % 2 == 0 else { throw fail("SETITEMS with an odd number of items", at: at) }
      for i in stride(from: 0, to: pairs.count, by: 2) { dict.contents[try key(pairs[i], at)] = pairs[i + 1] }
    }
    func integer(_ count: Int, _ at: Int) throws(TorchError) -> Int {
      let raw = try cursor.slice(count, "an integer")
      guard count <= 8 else {
        let sign: UInt8 = raw[7] & 0x80 == 0 ? 0 : 0xFF
        guard raw[8...].allSatisfy({ $0 == sign }) else { throw fail("an integer of \(count) bytes does not fit 64 bits", at: at) }
        return try Self.signed(UnsafeRawBufferPointer(rebasing: raw[0..<8]))
      }
      return try Self.signed(raw)
    }

    while true {
      let at = cursor.offset
      let opcode: UInt8 = try cursor.integer(UInt8.self, "the pickle (no STOP)")
      switch opcode {
      case 0x80:  // PROTO
        let version = try cursor.integer(UInt8.self, "PROTO")
        guard version <= 5 else { throw fail("pickle protocol \(version) is not supported", at: at) }
      case 0x95: try cursor.skip(8, "FRAME")  // FRAME: a length prefix only
      case 0x2E:  // STOP
        guard marks.isEmpty, stack.count == 1 else { throw fail("STOP with \(stack.count) items on the stack", at: at) }
        return stack[0]
      case 0x28: marks.append(stack.count)  // MARK
      case 0x30: _ = try pop(at)  // POP
      case 0x31: _ = try popMark(at)  // POP_MARK
      case 0x32: stack.append(try top(at))  // DUP
      case 0x4E: stack.append(.none)  // NONE
      case 0x88: stack.append(.bool(true))  // NEWTRUE
      case 0x89: stack.append(.bool(false))  // NEWFALSE
      case 0x4B: stack.append(.int(Int(try cursor.integer(UInt8.self, "BININT1"))))
      case 0x4D: stack.append(.int(Int(try cursor.integer(UInt16.self, "BININT2"))))
      case 0x4A: stack.append(.int(Int(Int32(bitPattern: try cursor.integer(UInt32.self, "BININT")))))
      case 0x8A: stack.append(.int(try integer(Int(try cursor.integer(UInt8.self, "LONG1")), at)))
      case 0x8B:
        let count = try cursor.integer(UInt32.self, "LONG4")
        guard count <= 16 else { throw fail("an integer of \(count) bytes does not fit 64 bits", at: at) }
        stack.append(.int(try integer(Int(count), at)))
      case 0x47: stack.append(.double(Double(bitPattern: try cursor.integer(UInt64.self, "BINFLOAT").byteSwapped)))
      case 0x58: stack.append(.string(try text(Int(try cursor.integer(UInt32.self, "BINUNICODE")), at)))
      case 0x8C: stack.append(.string(try text(Int(try cursor.integer(UInt8.self, "SHORT_BINUNICODE")), at)))
      case 0x8D:
        let count = try cursor.integer(UInt64.self, "BINUNICODE8")
        guard count <= UInt64(bytes.count) else { throw fail("a string longer than the file", at: at) }
        stack.append(.string(try text(Int(count), at)))
      case 0x55: stack.append(.bytes(try cursor.slice(Int(try cursor.integer(UInt8.self, "SHORT_BINSTRING")), "a string")))
      case 0x43: stack.append(.bytes(try cursor.slice(Int(try cursor.integer(UInt8.self, "SHORT_BINBYTES")), "bytes")))
      case 0x54, 0x42:  // BINSTRING (Python 2's str), BINBYTES
        let count = Int(try cursor.integer(UInt32.self, "BINSTRING"))
        stack.append(.bytes(try cursor.slice(count, "a string")))
      case 0x8E:  // BINBYTES8
        let count = try cursor.integer(UInt64.self, "BINBYTES8")
        guard count <= UInt64(bytes.count) else { throw fail("bytes longer than the file", at: at) }
        stack.append(.bytes(try cursor.slice(Int(count), "bytes")))
      case 0x7D: stack.append(made(.dict(PickleDict())))  // EMPTY_DICT
      case 0x5D: stack.append(made(.list(PickleList())))  // EMPTY_LIST
      case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
      case 0x74: stack.append(made(.tuple(try popMark(at))))  // TUPLE
      case 0x85: stack.append(made(.tuple([try pop(at)])))  // TUPLE1
      case 0x86:  // TUPLE2
        let b = try pop(at), a = try pop(at)
        stack.append(made(.tuple([a, b])))
      case 0x87:  // TUPLE3
        let c = try pop(at), b = try pop(at), a = try pop(at)
        stack.append(made(.tuple([a, b, c])))
      case 0x6C: stack.append(made(.list({ let l = PickleList(); l.items = $0; return l }(try popMark(at)))))  // LIST
      case 0x64:  // DICT
        let dict = PickleDict()
        let items = try popMark(at)
        stack.append(made(.dict(dict)))
        try setItems(items, into: .dict(dict), at)
      case 0x61:  // APPEND
        let item = try pop(at)
        guard case .list(let list) = try top(at) else { throw fail("APPEND to a \(try top(at).typeName)", at: at) }
        list.items.append(item)
      case 0x65:  // APPENDS
        let items = try popMark(at)
        guard case .list(let list) = try top(at) else { throw fail("APPENDS to a \(try top(at).typeName)", at: at) }
        list.items += items
      case 0x73:  // SETITEM
        let value = try pop(at), k = try pop(at)
        try setItems([k, value], into: try top(at), at)
      case 0x75:  // SETITEMS
        let items = try popMark(at)
        try setItems(items, into: try top(at), at)
      case 0x71: memo[Int(try cursor.integer(UInt8.self, "BINPUT"))] = try top(at)
      case 0x72: memo[Int(try cursor.integer(UInt32.self, "LONG_BINPUT"))] = try top(at)
      case 0x94: memo[memo.count] = try top(at)  // MEMOIZE
      case 0x68, 0x6A:  // BINGET, LONG_BINGET
        let index = opcode == 0x68 ? Int(try cursor.integer(UInt8.self, "BINGET")) : Int(try cursor.integer(UInt32.self, "LONG_BINGET"))
        guard let item = memo[index] else { throw fail("memo entry \(index) was never stored", at: at) }
        stack.append(item)
      case 0x63:  // GLOBAL "module\nname\n"
        let module = try line(&cursor, at), name = try line(&cursor, at)
        stack.append(.global(try global(module, name, at)))
      case 0x93:  // STACK_GLOBAL
        let nameItem = try pop(at), moduleItem = try pop(at)
        guard case .string(let module) = moduleItem, case .string(let name) = nameItem else { throw fail("STACK_GLOBAL needs two strings", at: at) }
        stack.append(.global(try global(module, name, at)))
      case 0x52:  // REDUCE
        let arguments = try pop(at), callable = try pop(at)
        guard case .global(let function) = callable, let call = function.call else { throw fail("cannot call a \(callable.typeName)", at: at) }
        guard case .tuple(let args) = arguments else { throw fail("\(function.name) called with a \(arguments.typeName), not a tuple", at: at) }
        stack.append(made(try call(args)))
      case 0x62:  // BUILD: an object's state, or an OrderedDict's attributes (a state dict's `_metadata`), which are dropped
        let state = try pop(at)
        if case .external(let object) = try top(at), let buildable = object as? PickleBuildable {
          try buildable.setState(state)
          continue
        }
        guard case .dict(let dict) = try top(at), dict.isOrdered, case .dict = state else {
          throw fail("BUILD on a \(try top(at).typeName) is not allowed", at: at)
        }
      case 0x51:  // BINPERSID
        stack.append(try persistentLoad(try pop(at)))
      default:
        throw fail(String(format: "opcode 0x%02X is not allowed", opcode), at: at)
      }
    }
  }

  private func line(_ cursor: inout ByteCursor, _ at: Int) throws(TorchError) -> String {
    let start = cursor.offset
    while true {
      let byte = try cursor.integer(UInt8.self, "GLOBAL")
      if byte == 0x0A { break }
      guard cursor.offset - start <= 256 else { throw fail("a GLOBAL name longer than 256 bytes", at: at) }
    }
    let raw = UnsafeRawBufferPointer(rebasing: cursor.bytes[start..<(cursor.offset - 1)])
    guard let text = String(validating: raw, as: UTF8.self) else { throw fail("a GLOBAL name is not valid UTF-8", at: at) }
    return text
  }

  private func global(_ module: String, _ name: String, _ at: Int) throws(TorchError) -> PickleGlobal {
    guard let global = globals[module + "." + name] else {
      if module.hasPrefix("torch.nn.modules") || module == "__main__" {
        throw .unsupportedFile(path: path, reason: "the file holds a whole pickled object (\(module).\(name)), as torch.save(model) writes; only state dicts and containers of tensors can be loaded: in Python, save model.state_dict() instead")
      }
      throw fail("unsupported global \(module).\(name): loading a checkpoint never runs code, and only the globals that tensor checkpoints need are allowed (\(globals.keys.sorted().joined(separator: ", ")))", at: at)
    }
    return global
  }

  /// A Python 2 `str` as text, each byte one character (`encoding="latin1"`).
  static func latin1(_ raw: UnsafeRawBufferPointer) -> String {
    String(decoding: raw.map { UInt16($0) }, as: UTF16.self)
  }

  private static func signed(_ raw: UnsafeRawBufferPointer) throws(TorchError) -> Int {
    guard !raw.isEmpty else { return 0 }
    var value: UInt64 = 0
    for (i, byte) in raw.enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
    if raw.count < 8, raw[raw.count - 1] & 0x80 != 0 { value |= ~0 << (8 * UInt64(raw.count)) }
    return Int(Int64(bitPattern: value))
  }
}

/// Builds a `SavedValue` from unpickled items, bounding depth (a container holding itself is
/// an error) and total size counted through shared references (a small pickle that refers to
/// the same list a billion times is an error, not a billion copies).
struct SavedValueBuilder {
  let path: String
  var budget: Int

  mutating func build(_ item: PickleItem, depth: Int = 0) throws(TorchError) -> SavedValue {
    budget -= 1
    guard budget >= 0 else { throw .corruptFile(path: path, reason: "data.pkl expands to more objects than the file could hold") }
    guard depth <= Unpickler.maxDepth else { throw .corruptFile(path: path, reason: "data.pkl nests deeper than \(Unpickler.maxDepth) levels") }
    switch item {
    case .none: return .none
    case .bool(let b): return .bool(b)
    case .int(let i): return .int(i)
    case .double(let d): return .double(d)
    case .string(let s): return .string(s)
    case .bytes: throw .corruptFile(path: path, reason: "data.pkl holds a byte string, which a checkpoint has no use for")
    case .tensor(let t): return .tensor(t)
    case .list(let list): return .list(try buildAll(list.items, depth))
    case .tuple(let items): return .tuple(try buildAll(items, depth))
    case .dict(let dict):
      var result = SavedDict(isOrdered: dict.isOrdered)
      for (key, value) in dict.entries { result[key] = try build(value, depth: depth + 1) }
      return .dict(result)
    case .global(let g): throw .corruptFile(path: path, reason: "data.pkl holds the global \(g.name) itself, which a checkpoint has no use for")
    case .external: throw .corruptFile(path: path, reason: "data.pkl holds a bare storage, not a tensor")
    }
  }

  private mutating func buildAll(_ items: [PickleItem], _ depth: Int) throws(TorchError) -> [SavedValue] {
    var result: [SavedValue] = []
    for item in items { result.append(try build(item, depth: depth + 1)) }
    return result
  }
}

/// Writes pickle protocol 2, as `torch.save` does: the containers, numbers and strings of a
/// `SavedValue`, with tensors written by `tensor` (a persistent storage reference plus a call
/// to a rebuild function).
struct Pickler {
  private(set) var bytes: [UInt8] = [0x80, 2]

  mutating func global(_ module: String, _ name: String) {
    bytes.append(0x63)
    bytes += Array("\(module)\n\(name)\n".utf8)
  }

  mutating func mark() { bytes.append(0x28) }
  mutating func tupleFromMark() { bytes.append(0x74) }
  mutating func reduce() { bytes.append(0x52) }
  mutating func binpersid() { bytes.append(0x51) }
  mutating func stop() { bytes.append(0x2E) }

  mutating func int(_ value: Int) {
    switch value {
    case 0...0xFF: bytes += [0x4B, UInt8(value)]
    case 0x100...0xFFFF: bytes += [0x4D] + le(UInt16(value))
    case Int(Int32.min)...Int(Int32.max): bytes += [0x4A] + le(Int32(value))
    default:
      var raw = le(Int64(value))
      while raw.count > 1, (raw[raw.count - 1] == 0 && raw[raw.count - 2] & 0x80 == 0) || (raw[raw.count - 1] == 0xFF && raw[raw.count - 2] & 0x80 != 0) {
        raw.removeLast()
      }
      bytes += [0x8A, UInt8(raw.count)] + raw
    }
  }

  mutating func string(_ value: String) {
    let utf8 = Array(value.utf8)
    bytes += [0x58] + le(UInt32(utf8.count)) + utf8
  }

  mutating func tuple(_ build: (inout Pickler) -> Void, count: Int) {
    switch count {
    case 0: build(&self); bytes.append(0x29)
    case 1, 2, 3: build(&self); bytes.append(0x84 + UInt8(count))
    default:
      mark()
      build(&self)
      bytes.append(0x74)
    }
  }

  /// Writes `value`, calling `tensor` for each tensor.
  mutating func value(_ value: SavedValue, tensor: (inout Pickler, Tensor) -> Void) {
    switch value {
    case .none: bytes.append(0x4E)
    case .bool(let b): bytes.append(b ? 0x88 : 0x89)
    case .int(let i): int(i)
    case .double(let d): bytes += [0x47] + le(d.bitPattern.byteSwapped)
    case .string(let s): string(s)
    case .tensor(let t): tensor(&self, t)
    case .list(let items):
      bytes.append(0x5D)
      for chunk in stride(from: 0, to: items.count, by: 1000) {
        mark()
        for item in items[chunk..<Swift.min(items.count, chunk + 1000)] { self.value(item, tensor: tensor) }
        bytes.append(0x65)
      }
    case .tuple(let items):
      self.tuple({ p in for item in items { p.value(item, tensor: tensor) } }, count: items.count)
    case .dict(let dict):
      if dict.isOrdered {
        global("collections", "OrderedDict")
        bytes += [0x29, 0x52]
      } else {
        bytes.append(0x7D)
      }
      let entries = dict.entries
      for chunk in stride(from: 0, to: entries.count, by: 1000) {
        mark()
        for (key, item) in entries[chunk..<Swift.min(entries.count, chunk + 1000)] {
          switch key {
          case .string(let s): string(s)
          case .int(let i): int(i)
          }
          self.value(item, tensor: tensor)
        }
        bytes.append(0x75)
      }
    }
  }
}
