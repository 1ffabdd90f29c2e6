extension nn {
  /// Runs modules in order, feeding each one's output to the next (`torch.nn.Sequential`).
  /// Children are named "0", "1", ....
  public final class Sequential: Module {
    public private(set) var layers: [any Module]

    public init(_ layers: any Module...) { self.layers = layers }
    public init(_ layers: [any Module]) { self.layers = layers }

    public func forward(_ input: Tensor) -> Tensor { layers.reduce(input) { x, layer in layer(x) } }

    /// The module at `index` (from the end when negative); setting it replaces that module, as
    /// fine-tuning replaces a pretrained classifier's last layer (`model.classifier[6] = ...`).
    public subscript(index: Int) -> any Module {
      get { layers[moduleIndex(index, count: layers.count)] }
      set { layers[moduleIndex(index, count: layers.count)] = newValue }
    }
    public var count: Int { layers.count }
    public func append(_ module: any Module) { layers.append(module) }

    public func namedMembers() -> [(name: String, member: ModuleMember)] {
      layers.enumerated().map { (String($0.offset), .module($0.element)) }
    }
  }

  /// A list of modules, registered by index (`torch.nn.ModuleList`). Its repr groups runs
  /// of identical children (`(0-1): 2 x Linear(...)`), as PyTorch's does.
  public final class ModuleList: Module, RandomAccessCollection {
    public private(set) var items: [any Module]

    /// True for the lists reflection makes to present an array property as a child.
    let isReflected: Bool

    public init(_ modules: [any Module] = []) {
      self.items = modules
      self.isReflected = false
    }

    init(reflecting modules: [any Module]) {
      self.items = modules
      self.isReflected = true
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { items.count }
    /// The module at `index` (from the end when negative); setting it replaces that module.
    public subscript(index: Int) -> any Module {
      get { items[moduleIndex(index, count: items.count)] }
      set { items[moduleIndex(index, count: items.count)] = newValue }
    }
    public func append(_ module: any Module) { items.append(module) }

    public func namedMembers() -> [(name: String, member: ModuleMember)] {
      items.enumerated().map { (String($0.offset), .module($0.element)) }
    }

    public var description: String {
      guard !items.isEmpty else { return "ModuleList()" }
      var lines: [String] = []
      var start = 0
      let reprs = items.map { String(describing: $0) }
      while start < reprs.count {
        var end = start
        while end + 1 < reprs.count && reprs[end + 1] == reprs[start] { end += 1 }
        let body = addIndent(reprs[start], 2)
        lines.append(end == start ? "(\(start)): \(body)" : "(\(start)-\(end)): \(end - start + 1) x \(body)")
        start = end + 1
      }
      return "ModuleList(\n  " + lines.joined(separator: "\n  ") + "\n)"
    }
  }

  /// Modules by name, in insertion order (`torch.nn.ModuleDict`): its children are named by
  /// their keys, so `namedParameters()` gives "key.weight". Like PyTorch's, it has no forward.
  public final class ModuleDict: Module {
    /// The names, in insertion order.
    public private(set) var keys: [String] = []
    private var modules: [String: any Module] = [:]

    public init(_ pairs: KeyValuePairs<String, any Module> = [:]) {
      for (key, module) in pairs { self[key] = module }
    }

    /// The module named `key`; assigning a new key appends it, an existing one replaces it in
    /// place, nil removes it.
    public subscript(key: String) -> (any Module)? {
      get { modules[key] }
      set {
        if newValue == nil { keys.removeAll { $0 == key } } else if modules[key] == nil { keys.append(key) }
        modules[key] = newValue
      }
    }

    public var count: Int { keys.count }
    public var values: [any Module] { keys.map { modules[$0]! } }

    public func forward(_ input: Tensor) -> Tensor {
      torchFail("Module [ModuleDict] is missing the required \"forward\" function", kind: "NotImplementedError")
    }

    public func namedMembers() -> [(name: String, member: ModuleMember)] {
      keys.map { ($0, .module(modules[$0]!)) }
    }
  }

  /// Zeroes each element with probability `p` while training and scales the rest by
  /// 1/(1-p) (`torch.nn.Dropout`); the identity in eval mode. The mask is PyTorch's own
  /// draw from the default generator (see `Tensor.bernoulli_`).
  public class Dropout: Module {
    public let p: Double
    public let inplace: Bool
    public init(p: Double = 0.5, inplace: Bool = false) {
      torchCheck(p >= 0 && p <= 1, "dropout probability has to be between 0 and 1, but got \(p)", kind: "ValueError")
      self.p = p
      self.inplace = inplace
    }
    public func forward(_ input: Tensor) -> Tensor { F.dropout(input, p: p, training: isTraining, inplace: inplace) }
    public var extraRepr: String { "p=\(p), inplace=\(pythonRepr(inplace))" }
  }
}

/// A container's position for `index`, counting from the end when negative, checked as
/// PyTorch's containers check it.
private func moduleIndex(_ index: Int, count: Int) -> Int {
  torchCheck(index >= -count && index < count, "index \(index) is out of range", kind: "IndexError")
  return index < 0 ? index + count : index
}
