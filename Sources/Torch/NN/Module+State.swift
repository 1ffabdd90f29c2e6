/// A module's state: names to tensors in PyTorch's order (`state_dict()`'s OrderedDict).
public struct StateDict: Sequence, CustomStringConvertible {
  public private(set) var keys: [String] = []
  private var values: [String: Tensor] = [:]

  public init() {}
  public init(_ pairs: [(String, Tensor)]) {
    for (key, value) in pairs { self[key] = value }
  }

  public subscript(key: String) -> Tensor? {
    get { values[key] }
    set {
      if newValue != nil, values[key] == nil { keys.append(key) }
      if newValue == nil { keys.removeAll { $0 == key } }
      values[key] = newValue
    }
  }

  public var count: Int { keys.count }
  public func makeIterator() -> AnyIterator<(key: String, value: Tensor)> {
    var index = 0
    return AnyIterator {
      guard index < keys.count else { return nil }
      defer { index += 1 }
      return (keys[index], values[keys[index]]!)
    }
  }

  public var description: String {
    "OrderedDict([" + keys.map { "('\($0)', \(values[$0]!))" }.joined(separator: ", ") + "])"
  }
}

extension Module {
  // MARK: - State dict

  /// Parameters and buffers by dotted name, detached (`state_dict`), in PyTorch's order: a
  /// module's own parameters, then its own buffers, then each child's state in turn, whatever
  /// the order of the stored properties. Unlike `namedParameters`, a module reachable under two
  /// names appears under both.
  public func stateDict(prefix: String = "") -> StateDict {
    var result = StateDict()
    func visit(_ module: any Module, _ prefix: String) {
      for (name, tensor) in module.ownParameters() { result[prefix + name] = tensor.detach() }
      for (name, tensor) in module.ownBuffers() { result[prefix + name] = tensor.detach() }
      for (name, child) in module.namedChildren() { visit(child, prefix + name + ".") }
    }
    visit(self, prefix)
    return result
  }

  /// Copies `state` into the module's tensors in place (`load_state_dict`). With `strict`,
  /// missing and unexpected keys are an error; a shape mismatch always is. The error lists
  /// every problem, as PyTorch's does, and nothing is changed when there is one.
  @discardableResult
  public func loadStateDict(_ state: StateDict, strict: Bool = true) throws -> IncompatibleKeys {
    let own = stateDict()
    let missing = own.keys.filter { state[$0] == nil }
    let unexpected = state.keys.filter { own[$0] == nil }
    var problems: [String] = []
    if strict && !missing.isEmpty {
      problems.append("Missing key(s) in state_dict: " + missing.map { "\"\($0)\"" }.joined(separator: ", ") + ". ")
    }
    if strict && !unexpected.isEmpty {
      problems.append("Unexpected key(s) in state_dict: " + unexpected.map { "\"\($0)\"" }.joined(separator: ", ") + ". ")
    }
    for key in own.keys {
      guard let target = own[key], let source = state[key], source.dims != target.dims else { continue }
      problems.append("size mismatch for \(key): copying a param with shape \(source.shape) from checkpoint, the shape in current model is \(target.shape).")
    }
    if !problems.isEmpty {
      throw TorchError.stateDict("Error(s) in loading state_dict for \(typeName):\n\t" + problems.joined(separator: "\n\t"))
    }
    torch.noGrad {
      for key in own.keys {
        if let source = state[key], let target = own[key] { target.copy_(source) }
      }
    }
    return IncompatibleKeys(missingKeys: missing, unexpectedKeys: unexpected)
  }

  // MARK: - Modes and gradients

  /// Whether the module is in training mode (`module.training`).
  public var isTraining: Bool { TrainingFlags.isTraining(self) }

  /// Sets training mode on this module and every submodule (`train()`).
  @discardableResult
  public func train(_ mode: Bool = true) -> Self {
    for module in modules() { TrainingFlags.set(module, training: mode) }
    return self
  }

  /// Sets evaluation mode everywhere (`eval()`): dropout stops dropping.
  @discardableResult
  public func eval() -> Self { train(false) }

  /// Clears every parameter's gradient: to nil by default, as PyTorch 2 does (`zero_grad`).
  public func zeroGrad(setToNone: Bool = true) {
    for parameter in parameters() {
      if setToNone { parameter.grad = nil } else { parameter.grad?.zero_() }
    }
  }

  /// Turns gradient tracking on or off for every parameter (`requires_grad_`).
  @discardableResult
  public func requiresGrad_(_ flag: Bool = true) -> Self {
    for parameter in parameters() { parameter.requiresGrad = flag }
    return self
  }

  /// Moves every parameter and buffer to `device`, in place (`to(device)`).
  @discardableResult
  public func to(_ device: Device) -> Self {
    for tensor in parameters() + buffers() where tensor.device != device {
      tensor.moveStorage(to: device)
      if let grad = tensor.grad { tensor.grad = grad.to(device) }
    }
    return self
  }

  /// Converts every floating-point parameter and buffer to `dtype`, in place (`to(dtype)`).
  @discardableResult
  public func to(_ dtype: DType) -> Self {
    for tensor in parameters() + buffers() where tensor.dtype.isFloatingPoint && tensor.dtype != dtype {
      tensor.adopt(tensor.rawCopy(dtype: dtype))
      tensor.grad = nil
    }
    return self
  }

  /// Calls `body` on every submodule and then on this module (`apply`), e.g. for custom init.
  @discardableResult
  public func apply(_ body: (any Module) -> Void) -> Self {
    for child in children() { child.apply(body) }
    body(self)
    return self
  }
}

/// What `loadStateDict` did not match, printed as PyTorch prints its `_IncompatibleKeys`
/// (`<All keys matched successfully>` when everything matched).
public struct IncompatibleKeys: Equatable, CustomStringConvertible {
  public let missingKeys: [String]
  public let unexpectedKeys: [String]

  public var description: String {
    if missingKeys.isEmpty && unexpectedKeys.isEmpty { return "<All keys matched successfully>" }
    func list(_ keys: [String]) -> String { "[" + keys.map { "'\($0)'" }.joined(separator: ", ") + "]" }
    return "_IncompatibleKeys(missing_keys=\(list(missingKeys)), unexpected_keys=\(list(unexpectedKeys)))"
  }
}

extension Module {
  /// A deep copy of this module (`copy.deepcopy`): `make` builds a module of the same
  /// configuration, its draws from the default generator undone, and this module's parameters,
  /// buffers and training mode are copied into it.
  func deepCopy<Copy: Module>(_ make: () -> Copy) -> Copy {
    let state = torch.getRngState()
    let copy = make()
    torch.setRngState(state)
    torch.noGrad {
      for ((_, target), (_, source)) in zip(copy.namedParameters(), namedParameters()) { target.copy_(source) }
      for ((_, target), (_, source)) in zip(copy.namedBuffers(), namedBuffers()) { target.copy_(source) }
    }
    copy.train(isTraining)
    return copy
  }
}
