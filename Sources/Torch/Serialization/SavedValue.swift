/// What `torch.save` writes and `torch.load` reads back in PyTorch's format: tensors, numbers,
/// strings, `None`, and lists, tuples and dicts of them, as a Python checkpoint holds them
/// (`{'epoch': 5, 'model_state_dict': ..., 'optimizer_state_dict': ...}`).
///
/// Literals build one directly: `["epoch": 5, "loss": 0.25, "model_state_dict": .init(model.stateDict())]`.
public indirect enum SavedValue: CustomStringConvertible {
  case none
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case tensor(Tensor)
  case list([SavedValue])
  case tuple([SavedValue])
  case dict(SavedDict)

  /// A state dict, as PyTorch pickles one: an `OrderedDict` of names to tensors.
  public init(_ state: StateDict) {
    self = .dict(SavedDict(state.map { (SavedKey.string($0.key), SavedValue.tensor($0.value)) }, isOrdered: true))
  }

  public init(_ tensor: Tensor) { self = .tensor(tensor) }

  /// The value under `key` in a dict, nil for a missing key or a value that is not a dict.
  public subscript(key: String) -> SavedValue? {
    guard case .dict(let dict) = self else { return nil }
    return dict[.string(key)]
  }

  /// The value under integer `key` in a dict (an optimizer's `state[0]`), or element `key` of a
  /// list or tuple.
  public subscript(key: Int) -> SavedValue? {
    switch self {
    case .dict(let dict): dict[.int(key)]
    case .list(let items), .tuple(let items): items.indices.contains(key) ? items[key] : nil
    default: nil
    }
  }

  public var tensor: Tensor? { if case .tensor(let t) = self { t } else { nil } }
  public var int: Int? { if case .int(let i) = self { i } else { nil } }
  /// A float, or an int as a float (Python mixes them freely).
  public var double: Double? {
    switch self {
    case .double(let d): d
    case .int(let i): Double(i)
    default: nil
    }
  }
  public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
  public var string: String? { if case .string(let s) = self { s } else { nil } }
  /// The elements of a list or tuple.
  public var array: [SavedValue]? {
    switch self {
    case .list(let items), .tuple(let items): items
    default: nil
    }
  }
  public var dict: SavedDict? { if case .dict(let d) = self { d } else { nil } }
  public var isNone: Bool { if case .none = self { true } else { false } }

  /// This dict as a state dict, when every key is a string and every value a tensor.
  public var stateDict: StateDict? {
    guard case .dict(let dict) = self else { return nil }
    var state = StateDict()
    for (key, value) in dict.entries {
      guard case .string(let name) = key, case .tensor(let tensor) = value else { return nil }
      state[name] = tensor
    }
    return state
  }

  /// Python's repr, as `print(torch.load(path))` shows it.
  public var description: String {
    switch self {
    case .none: "None"
    case .bool(let b): b ? "True" : "False"
    case .int(let i): String(i)
    case .double(let d): pythonRepr(d)
    case .string(let s): pythonRepr(s)
    case .tensor(let t): t.description
    case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
    case .tuple(let items): "(" + items.map(\.description).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
    case .dict(let dict): dict.description
    }
  }
}

/// A key of a saved dict: Python checkpoints key by strings, and optimizers' state by ints.
public enum SavedKey: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
  case string(String)
  case int(Int)

  public init(stringLiteral value: String) { self = .string(value) }
  public init(integerLiteral value: Int) { self = .int(value) }

  public var description: String {
    switch self {
    case .string(let s): pythonRepr(s)
    case .int(let i): String(i)
    }
  }
}

/// A dict in insertion order, as Python's are; `isOrdered` marks an `OrderedDict` (what a
/// state dict is), which is written back as one.
public struct SavedDict: CustomStringConvertible {
  private var storage = OrderedEntries<SavedValue>()
  public var isOrdered: Bool

  public init(_ pairs: [(SavedKey, SavedValue)] = [], isOrdered: Bool = false) {
    self.isOrdered = isOrdered
    for (key, value) in pairs { self[key] = value }
  }

  public var entries: [(key: SavedKey, value: SavedValue)] { storage.entries }
  public var count: Int { storage.entries.count }
  public var keys: [SavedKey] { storage.entries.map(\.key) }

  /// Setting a new key appends it; setting an existing one replaces its value in place.
  public subscript(key: SavedKey) -> SavedValue? {
    get { storage[key] }
    set { storage[key] = newValue }
  }

  public var description: String {
    guard isOrdered else { return "{" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}" }
    // Python before 3.12, as StateDict prints.
    return entries.isEmpty ? "OrderedDict()" : "OrderedDict([" + entries.map { "(\($0.key), \($0.value))" }.joined(separator: ", ") + "])"
  }
}

extension SavedValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
  ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
  public init(nilLiteral: ()) { self = .none }
  public init(booleanLiteral value: Bool) { self = .bool(value) }
  public init(integerLiteral value: Int) { self = .int(value) }
  public init(floatLiteral value: Double) { self = .double(value) }
  public init(stringLiteral value: String) { self = .string(value) }
  public init(arrayLiteral elements: SavedValue...) { self = .list(elements) }
  public init(dictionaryLiteral elements: (SavedKey, SavedValue)...) { self = .dict(SavedDict(elements)) }
}

/// Key-value pairs in insertion order with lookup by key, as Python's dict keeps them: setting
/// a new key appends it, setting an existing one replaces its value in place, nil removes it.
struct OrderedEntries<Value> {
  private(set) var entries: [(key: SavedKey, value: Value)] = []
  private var positions: [SavedKey: Int] = [:]

  subscript(key: SavedKey) -> Value? {
    get { positions[key].map { entries[$0].value } }
    set {
      if let position = positions[key] {
        if let newValue {
          entries[position].value = newValue
        } else {
          entries.remove(at: position)
          positions = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.key, $0) })
        }
      } else if let newValue {
        positions[key] = entries.count
        entries.append((key, newValue))
      }
    }
  }

  mutating func removeAll() {
    entries.removeAll()
    positions.removeAll()
  }
}

/// Python's repr of a string: single quotes unless the text holds one and no double quote.
func pythonRepr(_ text: String) -> String {
  let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
  var out = String(quote)
  for scalar in text.unicodeScalars {
    switch scalar {
    case "\\": out += "\\\\"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    case _ where Character(scalar) == quote: out += "\\" + String(quote)
    case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += String(format: "\\x%02x", scalar.value)
    default: out.unicodeScalars.append(scalar)
    }
  }
  return out + String(quote)
}
