extension nn {
  /// Runs modules in order, feeding each one's output to the next (`torch.nn.Sequential`).
  /// Children are named "0", "1", ....
  public final class Sequential: Module {
    public private(set) var layers: [any Module]

    public init(_ layers: any Module...) { self.layers = layers }
    public init(_ layers: [any Module]) { self.layers = layers }

    public func forward(_ input: Tensor) -> Tensor { layers.reduce(input) { x, layer in layer(x) } }

    public subscript(index: Int) -> any Module { layers[index < 0 ? index + layers.count : index] }
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
    public subscript(index: Int) -> any Module { items[index] }
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
