extension optim.Optimizer {
  /// The state in PyTorch's own nested shape, for `torch.save` to a `.pt` file that PyTorch's
  /// `optimizer.load_state_dict` accepts: `{'state': {0: {'step': ..., 'exp_avg': ...}},
  /// 'param_groups': [{'lr': 0.001, 'betas': (0.9, 0.999), ..., 'params': [0, 1]}]}`.
  /// (The flat `StateDict` overload suits safetensors, which holds only tensors.)
  @_disfavoredOverload
  public func stateDict() -> SavedValue {
    var perParameter = SavedDict()
    var groups: [SavedValue] = []
    var index = 0
    for group in paramGroups {
      var saved = SavedDict()
      saved["lr"] = .double(group.lr ?? 0)
      for (key, value) in pytorchOptions(group) { saved[.string(key)] = value }
      var ids: [SavedValue] = []
      for p in group.params {
        if let tensors = state[ObjectIdentifier(p)] {
          let names = tensors.keys.sorted { ($0 == "step" ? 0 : 1, $0) < ($1 == "step" ? 0 : 1, $1) }
          perParameter[.int(index)] = .dict(SavedDict(names.map { (SavedKey.string($0), SavedValue.tensor(tensors[$0]!.detach())) }))
        }
        ids.append(.int(index))
        index += 1
      }
      saved["params"] = .list(ids)
      groups.append(.dict(saved))
    }
    return ["state": .dict(perParameter), "param_groups": .list(groups)]
  }

  /// Restores a state saved by PyTorch (`optimizer.state_dict()` in a `.pt` file) or by the
  /// `SavedValue` overload of `stateDict()`; a flat dict of tensors goes to the `StateDict`
  /// overload. Group and parameter counts must match; nothing changes when anything is wrong.
  public func loadStateDict(_ saved: SavedValue) throws {
    guard let groups = saved["param_groups"]?.array, let perParameter = saved["state"]?.dict else {
      guard let flat = saved.stateDict else {
        throw TorchError.stateDict("an optimizer state dict has 'state' and 'param_groups' (or is a flat dict of tensors); got \(saved.kindDescription)")
      }
      return try loadStateDict(flat)
    }
    guard groups.count == paramGroups.count else {
      throw TorchError.stateDict("loaded state dict has a different number of parameter groups")
    }
    var flat = StateDict()
    var position: [Int: Int] = [:]
    for (g, (group, current)) in zip(groups, paramGroups).enumerated() {
      guard let options = group.dict, let ids = group["params"]?.array?.compactMap(\.int) else {
        throw TorchError.stateDict("param_groups[\(g)] is not a dict with a params list")
      }
      guard ids.count == current.params.count else {
        throw TorchError.stateDict("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
      }
      for id in ids { position[id] = position.count }
      for (key, value) in options.entries {
        guard case .string(let name) = key else { throw TorchError.stateDict("param_groups[\(g)] has a non-string key \(key)") }
        for (option, number) in try Self.flatOptions(name, value, group: g) {
          flat["param_groups.\(g).\(option)"] = torch.tensor(number, dtype: .float64)
        }
      }
    }
    for (key, value) in perParameter.entries {
      guard case .int(let id) = key, let index = position[id], let tensors = value.dict else {
        throw TorchError.stateDict("optimizer state key \(key) names no parameter of the saved groups")
      }
      for (name, entry) in tensors.entries {
        guard case .string(let field) = name, let tensor = entry.tensor ?? entry.double.map({ torch.tensor($0) }) else {
          throw TorchError.stateDict("optimizer state of parameter \(id): \(name) is not a tensor or number")
        }
        flat["state.\(index).\(field)"] = tensor
      }
    }
    try loadStateDict(flat)
  }

  /// A PyTorch group option as this package's hyper-parameters: `betas` splits in two, booleans
  /// become 0/1, and the options that only choose PyTorch's implementation are dropped.
  private static func flatOptions(_ name: String, _ value: SavedValue, group: Int) throws -> [(String, Double)] {
    switch name {
    case "params", "foreach", "capturable", "differentiable", "fused", "decoupled_weight_decay": return []
    case "betas":
      guard let betas = value.array?.compactMap(\.double), betas.count == 2 else {
        throw TorchError.stateDict("param_groups[\(group)].betas is not a pair of numbers")
      }
      return [("beta1", betas[0]), ("beta2", betas[1])]
    default:
      if let flag = value.bool { return [(name, flag ? 1 : 0)] }
      guard let number = value.double else { throw TorchError.stateDict("param_groups[\(group)].\(name) is not a number") }
      return [(name, number)]
    }
  }

  /// A group's options in PyTorch's order and types, with the implementation flags PyTorch keeps.
  func pytorchOptions(_ group: optim.ParamGroup) -> [(String, SavedValue)] {
    var result: [(String, SavedValue)] = []
    func number(_ key: optim.HyperParameter) -> SavedValue? {
      guard let value = group.options[key] else { return nil }
      if Self.booleanOptions.contains(key) { return .bool(value != 0) }
      let integral = [.momentum, .dampening, .weightDecay].contains(key) && value == value.rounded() && Swift.abs(value) < 1e15
      return integral ? .int(Int(value)) : .double(value)
    }
    for key in [optim.HyperParameter.momentum, .dampening, .alpha] { if let v = number(key) { result.append((key.rawValue, v)) } }
    if let beta1 = group.options[.beta1], let beta2 = group.options[.beta2] { result.append(("betas", .tuple([.double(beta1), .double(beta2)]))) }
    for key in [optim.HyperParameter.eps, .centered, .weightDecay, .nesterov, .amsgrad, .maximize] { if let v = number(key) { result.append((key.rawValue, v)) } }
    return result + implementationFlags
  }
}

extension Module {
  /// The state dict as a `SavedValue` (an `OrderedDict`), so that a checkpoint dict literal
  /// reads as in Python: `["epoch": 5, "model_state_dict": model.stateDict()]`.
  @_disfavoredOverload
  public func stateDict(prefix: String = "") -> SavedValue { SavedValue(stateDict(prefix: prefix) as StateDict) }

  /// Loads a state dict held in a `SavedValue` (`checkpoint["model_state_dict"]`).
  @discardableResult
  public func loadStateDict(_ saved: SavedValue, strict: Bool = true) throws -> IncompatibleKeys {
    guard let state = saved.stateDict else {
      throw TorchError.stateDict("expected a state dict (names to tensors), got \(saved.kindDescription)")
    }
    return try loadStateDict(state, strict: strict)
  }
}
