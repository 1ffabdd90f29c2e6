/// Finds a module's members by reflecting over its stored properties.
enum Reflection {
  /// Stored properties from the root class down (PyTorch registers base-class members first),
  /// with property-wrapper underscores stripped.
  static func members(of module: AnyObject) -> [(name: String, member: ModuleMember)] {
    var chain: [Mirror] = []
    var mirror: Mirror? = Mirror(reflecting: module)
    while let current = mirror {
      chain.append(current)
      mirror = current.superclassMirror
    }
    var result: [(name: String, member: ModuleMember)] = []
    for mirror in chain.reversed() {
      for child in mirror.children {
        guard var name = child.label else { continue }
        if name.hasPrefix("_") { name.removeFirst() }
        if let member = classify(child.value) { result.append((name, member)) }
      }
    }
    return result
  }

  /// Parameters, buffers, modules, optionals of those, and arrays of modules.
  private static func classify(_ value: Any) -> ModuleMember? {
    if let tensor = value as? Tensor {
      if tensor.isParameter { return .parameter(tensor) }
      if tensor.isBuffer { return .buffer(tensor) }
      return nil
    }
    if let module = value as? any Module { return .module(module) }
    let mirror = Mirror(reflecting: value)
    if mirror.displayStyle == .optional {
      return mirror.children.first.flatMap { classify($0.value) }
    }
    if mirror.displayStyle == .collection {
      let modules = mirror.children.compactMap { $0.value as? any Module }
      if !modules.isEmpty && modules.count == mirror.children.count {
        return .module(nn.ModuleList(reflecting: modules))
      }
    }
    return nil
  }
}

extension Module {
  // MARK: - Children and modules

  /// Direct submodules with their names (`named_children`).
  public func namedChildren() -> [(String, any Module)] {
    namedMembers().compactMap { name, member in
      if case .module(let module) = member { return (name, module) }
      return nil
    }
  }

  /// Direct submodules (`children`).
  public func children() -> [any Module] { namedChildren().map(\.1) }

  /// This module and every submodule, pre-order, each once (`named_modules`).
  public func namedModules(prefix: String = "") -> [(String, any Module)] {
    var seen = Set<ObjectIdentifier>()
    var result: [(String, any Module)] = []
    func visit(_ module: any Module, _ name: String) {
      guard seen.insert(ObjectIdentifier(module)).inserted else { return }
      result.append((name, module))
      for (childName, child) in module.namedChildren() {
        visit(child, name.isEmpty ? childName : name + "." + childName)
      }
    }
    visit(self, prefix)
    return result
  }

  /// This module and every submodule (`modules`).
  public func modules() -> [any Module] { namedModules().map(\.1) }

  // MARK: - Parameters and buffers

  /// The module's own parameters, without its children's.
  func ownParameters() -> [(String, Tensor)] {
    namedMembers().compactMap { name, member in
      if case .parameter(let tensor) = member { return (name, tensor) }
      return nil
    }
  }

  func ownBuffers() -> [(String, Tensor)] {
    namedMembers().compactMap { name, member in
      if case .buffer(let tensor) = member { return (name, tensor) }
      return nil
    }
  }

  /// Every parameter with its dotted name, each tensor once, a module's own before its
  /// children's (`named_parameters`).
  public func namedParameters(prefix: String = "", recurse: Bool = true) -> [(String, Tensor)] {
    collect(prefix: prefix, recurse: recurse) { $0.ownParameters() }
  }

  /// Every parameter (`parameters`).
  public func parameters(recurse: Bool = true) -> [Tensor] { namedParameters(recurse: recurse).map(\.1) }

  /// Every buffer with its dotted name (`named_buffers`).
  public func namedBuffers(prefix: String = "", recurse: Bool = true) -> [(String, Tensor)] {
    collect(prefix: prefix, recurse: recurse) { $0.ownBuffers() }
  }

  public func buffers(recurse: Bool = true) -> [Tensor] { namedBuffers(recurse: recurse).map(\.1) }

  private func collect(prefix: String, recurse: Bool, _ own: (any Module) -> [(String, Tensor)]) -> [(String, Tensor)] {
    var seen = Set<ObjectIdentifier>()
    var result: [(String, Tensor)] = []
    let modules = recurse ? namedModules(prefix: prefix) : [(prefix, self as any Module)]
    for (moduleName, module) in modules {
      for (name, tensor) in own(module) where seen.insert(ObjectIdentifier(tensor)).inserted {
        result.append((moduleName.isEmpty ? name : moduleName + "." + name, tensor))
      }
    }
    return result
  }
}

