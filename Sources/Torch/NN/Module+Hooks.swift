import Synchronization

/// The hooks of every module that has any, kept beside the module (user models need no stored
/// property for them). Entries are weak and die with their module.
enum ModuleHooks {
  final class Hooks: @unchecked Sendable {
    weak var module: AnyObject?
    let forwardPre = HookList<(any Module, Tensor) -> Tensor?>()
    let forward = HookList<(any Module, Tensor, Tensor) -> Tensor?>()
    let backward = HookList<(any Module, [Tensor?], [Tensor?]) -> [Tensor?]?>()
    init(_ module: AnyObject) { self.module = module }
    var isEmpty: Bool { forwardPre.isEmpty && forward.isEmpty && backward.isEmpty }
  }

  private static let table = Locked<[ObjectIdentifier: Hooks]>([:])
  /// How many modules have ever had hooks: calls skip the table while it is zero.
  private static let registered = Atomic<Int>(0)

  static func hooks(for module: AnyObject) -> Hooks? {
    guard registered.load(ordering: .relaxed) > 0 else { return nil }
    return table.withLock { table in
      guard let entry = table[ObjectIdentifier(module)], entry.module === module, !entry.isEmpty else { return nil }
      return entry
    }
  }

  static func hooksCreating(for module: AnyObject) -> Hooks {
    registered.add(1, ordering: .relaxed)
    return table.withLock { table in
      if let entry = table[ObjectIdentifier(module)], entry.module === module { return entry }
      if table.count > 1024 { table = table.filter { $0.value.module != nil } }
      let entry = Hooks(module)
      table[ObjectIdentifier(module)] = entry
      return entry
    }
  }
}

/// Carries the output gradient from the output's hook node to the input's.
private final class BackwardHookState {
  var gradOutput: Tensor?
}

extension Module {
  /// Registers `hook(module, input)`, called before every `forward`; a non-nil result replaces
  /// the input (`register_forward_pre_hook`).
  @discardableResult
  public func registerForwardPreHook(_ hook: @escaping (any Module, Tensor) -> Tensor?) -> RemovableHandle {
    ModuleHooks.hooksCreating(for: self).forwardPre.add(hook)
  }

  /// Registers `hook(module, input, output)`, called after every `forward`; a non-nil result
  /// replaces the output (`register_forward_hook`).
  @discardableResult
  public func registerForwardHook(_ hook: @escaping (any Module, Tensor, Tensor) -> Tensor?) -> RemovableHandle {
    ModuleHooks.hooksCreating(for: self).forward.add(hook)
  }

  /// Registers `hook(module, gradInput, gradOutput)`, called once the gradients with respect to
  /// the module's input are computed; a non-nil result replaces `gradInput`
  /// (`register_full_backward_hook`). `gradInput` is `[nil]` when the input needs no gradient.
  /// Like PyTorch's, the module's output (and input) pass through `BackwardHookFunctionBackward`.
  @discardableResult
  public func registerFullBackwardHook(_ hook: @escaping (any Module, [Tensor?], [Tensor?]) -> [Tensor?]?) -> RemovableHandle {
    ModuleHooks.hooksCreating(for: self).backward.add(hook)
  }

  /// Runs `forward` with the module's hooks (`model(x)`).
  public func callAsFunction(_ input: Tensor) -> Tensor { callWithHooks(input, forward) }

  /// Runs `forward`, or a forward that takes more arguments than the input
  /// (`convTranspose(x, outputSize: ...)`), with the module's hooks around it.
  func callWithHooks(_ input: Tensor, _ forward: (Tensor) -> Tensor) -> Tensor {
    guard let hooks = ModuleHooks.hooks(for: self) else { return forward(input) }
    var x = input
    for hook in hooks.forwardPre.hooks { x = hook(self, x) ?? x }
    let backwardHooks = hooks.backward.hooks
    let state = BackwardHookState()
    let hooked = !backwardHooks.isEmpty && GradMode.isEnabled
    func runBackwardHooks(_ gradInput: [Tensor?]) -> [Tensor?] {
      backwardHooks.reduce(gradInput) { current, hook in hook(self, current, [state.gradOutput]) ?? current }
    }
    let inputNeedsGradient = x.requiresGrad
    if hooked && inputNeedsGradient {
      x = x.detach().recording("BackwardHookFunctionBackward", [x]) { g in [runBackwardHooks([g])[0]] }
    }
    var y = forward(x)
    for hook in hooks.forward.hooks { y = hook(self, x, y) ?? y }
    if hooked && y.requiresGrad {
      y = y.detach().recording("BackwardHookFunctionBackward", [y]) { g in
        state.gradOutput = g
        if !inputNeedsGradient { _ = runBackwardHooks([nil]) }
        return [g]
      }
    }
    return y
  }
}
