import Foundation

extension optim {
  /// An optimizer option, named as PyTorch's `param_groups` name it (the raw value): a typed
  /// key, so a misspelled option is a compile error rather than an option silently ignored.
  /// Booleans (nesterov, maximize, amsgrad, centered) are stored as 0 or 1.
  public enum HyperParameter: String, CaseIterable, Sendable, Comparable {
    case lr, momentum, dampening, nesterov, maximize, eps, amsgrad
    case weightDecay = "weight_decay"
    case beta1, beta2
    case alpha, centered

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
  }

  /// A set of parameters with its own hyper-parameters (`param_groups[i]`). Options that an
  /// optimizer does not set on a group come from its defaults.
  public struct ParamGroup {
    public var params: [Tensor]
    public var lr: Double?
    public var options: [HyperParameter: Double]

    public init(params: [Tensor], lr: Double? = nil, options: [HyperParameter: Double] = [:]) {
      self.params = params
      self.lr = lr
      self.options = options
    }
  }

  /// The base of every optimizer (`torch.optim.Optimizer`): parameter groups, per-parameter
  /// state, `zeroGrad`, and a state dict for resuming training exactly.
  open class Optimizer: CustomStringConvertible {
    /// The groups, with every option filled in from the defaults.
    public var paramGroups: [ParamGroup]
    /// Per-parameter state tensors (momentum buffers, Adam moments, step counts).
    public internal(set) var state: [ObjectIdentifier: [String: Tensor]] = [:]
    let defaults: [HyperParameter: Double]

    init(_ groups: [ParamGroup], defaults: [HyperParameter: Double]) {
      self.defaults = defaults
      paramGroups = groups.map { group in
        var filled = group
        filled.lr = group.lr ?? group.options[.lr] ?? defaults[.lr]
        filled.options[.lr] = nil
        for (key, value) in defaults where key != .lr && filled.options[key] == nil { filled.options[key] = value }
        return filled
      }
      let all = paramGroups.flatMap(\.params)
      torchCheck(!all.isEmpty, "optimizer got an empty parameter list", kind: "ValueError")
      torchCheck(Set(all.map(ObjectIdentifier.init)).count == all.count,
        "some parameters appear in more than one parameter group", kind: "ValueError")
    }

    /// Updates every parameter that has a gradient.
    open func step() { torchFail("Optimizer.step is abstract", kind: "NotImplementedError") }

    /// Clears gradients: to nil by default, as PyTorch 2 does (`zero_grad`).
    public func zeroGrad(setToNone: Bool = true) {
      for group in paramGroups {
        for p in group.params {
          if setToNone { p.grad = nil } else { p.grad?.zero_() }
        }
      }
    }

    /// The state for resuming: per-parameter tensors under `state.<index>.<name>` and each
    /// group's hyper-parameters under `param_groups.<group>.<name>`, indices numbering the
    /// parameters in group order, as PyTorch's `state_dict()` does.
    public func stateDict() -> StateDict {
      var result = StateDict()
      var index = 0
      for (g, group) in paramGroups.enumerated() {
        result["param_groups.\(g).lr"] = torch.tensor(group.lr ?? 0, dtype: .float64)
        for key in group.options.keys.sorted() {
          result["param_groups.\(g).\(key.rawValue)"] = torch.tensor(group.options[key]!, dtype: .float64)
        }
        for p in group.params {
          for (name, tensor) in (state[ObjectIdentifier(p)] ?? [:]).sorted(by: { $0.key < $1.key }) {
            result["state.\(index).\(name)"] = tensor.detach()
          }
          index += 1
        }
      }
      return result
    }

    /// Restores a state dict saved by `stateDict()` from an optimizer over parameters of the
    /// same shapes. Everything is checked before anything changes (a failed load leaves the
    /// optimizer as it was); per-parameter tensors are copied and, as PyTorch does, cast to
    /// their parameter's dtype and device (the step count stays a float scalar).
    public func loadStateDict(_ saved: StateDict) throws {
      let params = paramGroups.flatMap(\.params)
      var restored: [Int: [String: Tensor]] = [:]
      var groups = paramGroups
      for key in saved.keys {
        let parts = key.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, let index = Int(parts[1]), index >= 0 else {
          throw TorchError.stateDict("unexpected optimizer state key \(key)")
        }
        let value = saved[key]!
        switch parts[0] {
        case "state":
          guard index < params.count else {
            throw TorchError.stateDict("optimizer state refers to parameter \(index), but the optimizer has \(params.count)")
          }
          let p = params[index]
          if parts[2] == "step" {
            guard value.numel() == 1, value.device == .cpu else { throw TorchError.stateDict("\(key) must be one number, got shape \(value.shape)") }
            restored[index, default: [:]]["step"] = value.to(.float32).reshape([]).clone().detach()
          } else {
            guard value.dims == p.dims else {
              throw TorchError.stateDict("optimizer state \(parts[2]) has shape \(value.shape) but its parameter has \(p.shape)")
            }
            restored[index, default: [:]][parts[2]] = value.to(p.dtype).to(p.device).clone().detach()
          }
        case "param_groups":
          guard index < groups.count else {
            throw TorchError.stateDict("loaded state dict has a different number of parameter groups")
          }
          guard let option = HyperParameter(rawValue: parts[2]) else {
            throw TorchError.stateDict("unexpected optimizer option \(parts[2]) in \(key)")
          }
          guard value.numel() == 1, value.dtype.isFloatingPoint || value.dtype == .int64 else {
            throw TorchError.stateDict("\(key) must be one number, got shape \(value.shape)")
          }
          if option == .lr { groups[index].lr = value.item() } else { groups[index].options[option] = value.item() }
        default:
          throw TorchError.stateDict("unexpected optimizer state key \(key)")
        }
      }
      for (index, tensors) in restored {
        let missing = requiredState(groupOf: params[index], in: groups).subtracting(tensors.keys).sorted()
        guard missing.isEmpty else {
          throw TorchError.stateDict("optimizer state of parameter \(index) lacks \(missing.joined(separator: ", "))")
        }
      }
      paramGroups = groups
      state = Dictionary(uniqueKeysWithValues: restored.map { (ObjectIdentifier(params[$0.key]), $0.value) })
    }

    /// The state entries a parameter's state must hold once it exists (checked on load).
    func requiredState(groupOf parameter: Tensor, in groups: [ParamGroup]) -> Set<String> { [] }

    var typeName: String { String(describing: type(of: self)) }

    /// PyTorch's optimizer repr: one block per group with sorted options.
    public var description: String {
      var lines = ["\(typeName) ("]
      for (g, group) in paramGroups.enumerated() {
        lines.append("Parameter Group \(g)")
        let options = reprOptions(group)
        for key in options.keys.sorted() { lines.append("    \(key): \(options[key]!)") }
      }
      return (lines + [")"]).joined(separator: "\n")
    }

    /// Options stored as 0/1 that PyTorch holds (and prints) as booleans.
    static let booleanOptions: Set<HyperParameter> = [.nesterov, .maximize, .amsgrad, .centered]

    /// A group's options as PyTorch prints them, including those that do not affect this
    /// implementation (foreach, fused, differentiable).
    func reprOptions(_ group: ParamGroup) -> [String: String] {
      var options = group.options.reduce(into: [String: String]()) { result, entry in
        result[entry.key.rawValue] = Self.booleanOptions.contains(entry.key) ? pythonRepr(entry.value != 0) : pythonNumber(entry.value)
      }
      options["lr"] = pythonNumber(group.lr ?? 0)
      for (name, value) in implementationFlags { options[name] = value.description }
      return options
    }

    /// The group options PyTorch keeps that only choose its implementation, with its defaults, in
    /// its order: printed in the repr and written in a saved state dict.
    var implementationFlags: [(String, SavedValue)] { [("foreach", nil), ("differentiable", false), ("fused", nil)] }

    func option(_ group: ParamGroup, _ key: HyperParameter) -> Double { group.options[key] ?? defaults[key] ?? 0 }

    /// Calls `update(parameter, gradient, group)` for every parameter that has a gradient,
    /// without recording: the loop of optimizers that update one parameter at a time.
    func forEachGradient(_ update: (Tensor, Tensor, ParamGroup) -> Void) {
      torch.noGrad {
        for group in paramGroups {
          for p in group.params { if let grad = p.grad { update(p, grad, group) } }
        }
      }
    }

    /// This parameter's state, created on first use.
    func stateFor(_ p: Tensor, _ make: () -> [String: Tensor]) -> [String: Tensor] {
      if let existing = state[ObjectIdentifier(p)] { return existing }
      let fresh = make()
      state[ObjectIdentifier(p)] = fresh
      return fresh
    }
  }
}

/// Python's spelling of a hyper-parameter: `0`, `0.001`, `False`.
func pythonNumber(_ value: Double) -> String {
  value == value.rounded() && Swift.abs(value) < 1e15 ? String(Int(value)) : "\(value)"
}
