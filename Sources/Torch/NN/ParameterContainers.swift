extension nn {
  /// Parameters by position (`torch.nn.ParameterList`): a module whose parameters are named
  /// "0", "1", ..., so a model holding one as `layers_scale` lists `layers_scale.0`. A tensor
  /// that is not yet a parameter becomes one (requiring grad), as PyTorch's list converts it.
  public final class ParameterList: Module {
    private var parameters: [Tensor] = []

    public init(_ values: [Tensor] = []) {
      values.forEach { append($0) }
    }

    public subscript(index: Int) -> Tensor {
      get { parameters[position(index)] }
      set { parameters[position(index)] = Self.asParameter(newValue) }
    }

    public var count: Int { parameters.count }

    /// Adds `value` at the end (`append`).
    public func append(_ value: Tensor) { parameters.append(Self.asParameter(value)) }
    /// Adds each of `values` at the end (`extend`).
    public func extend(_ values: [Tensor]) { values.forEach { append($0) } }

    public func forward(_ input: Tensor) -> Tensor {
      torchFail("Module [ParameterList] is missing the required \"forward\" function", kind: "NotImplementedError")
    }

    public func namedMembers() -> [(name: String, member: ModuleMember)] {
      parameters.enumerated().map { (String($0.offset), .parameter($0.element)) }
    }

    /// PyTorch's listing: each parameter's dtype and size, and its device when not the CPU.
    public var extraRepr: String {
      parameters.enumerated().map { index, p in
        "  (\(index)): Parameter containing: [\(p.dtype) of size \(sizeText(p))\(deviceText(p))]"
      }.joined(separator: "\n")
    }

    /// An index from the end when negative, checked as Python's list checks it.
    private func position(_ index: Int) -> Int {
      let wrapped = index < 0 ? index + parameters.count : index
      torchCheck(wrapped >= 0 && wrapped < parameters.count, "index \(index) is out of range", kind: "IndexError")
      return wrapped
    }

    static func asParameter(_ value: Tensor) -> Tensor { value.isParameter ? value : nn.Parameter(value) }
  }

  /// Parameters by name, in insertion order (`torch.nn.ParameterDict`): its parameters are named
  /// by their keys. A tensor that is not yet a parameter becomes one, as in PyTorch.
  public final class ParameterDict: Module {
    /// The names, in insertion order.
    public private(set) var keys: [String] = []
    private var parameters: [String: Tensor] = [:]

    public init(_ pairs: KeyValuePairs<String, Tensor> = [:]) {
      for (key, value) in pairs { self[key] = value }
    }

    /// The parameter named `key`; assigning a new key appends it, an existing one replaces it
    /// in place, nil removes it.
    public subscript(key: String) -> Tensor? {
      get { parameters[key] }
      set {
        if newValue == nil { keys.removeAll { $0 == key } } else if parameters[key] == nil { keys.append(key) }
        parameters[key] = newValue.map(ParameterList.asParameter)
      }
    }

    public var count: Int { keys.count }
    public var values: [Tensor] { keys.map { parameters[$0]! } }

    public func forward(_ input: Tensor) -> Tensor {
      torchFail("Module [ParameterDict] is missing the required \"forward\" function", kind: "NotImplementedError")
    }

    public func namedMembers() -> [(name: String, member: ModuleMember)] {
      keys.map { ($0, .parameter(parameters[$0]!)) }
    }

    /// PyTorch's listing, which names each parameter's legacy type (`torch.FloatTensor`).
    public var extraRepr: String {
      keys.map { key in
        let p = parameters[key]!
        return "  (\(key)): Parameter containing: [\(p.type()) of size \(sizeText(p))\(deviceText(p))]"
      }.joined(separator: "\n")
    }
  }
}

/// "3x4" for a [3, 4] tensor, "" for a 0-d one (PyTorch's `"x".join(...)`).
private func sizeText(_ p: Tensor) -> String { p.dims.map(String.init).joined(separator: "x") }
/// " (cuda:0)" for a tensor on a GPU, "" on the CPU.
private func deviceText(_ p: Tensor) -> String { p.device == .cpu ? "" : " (\(p.device))" }
