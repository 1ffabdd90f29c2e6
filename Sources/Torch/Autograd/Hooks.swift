/// A registered hook; `remove()` unregisters it (PyTorch's `RemovableHandle`).
public final class RemovableHandle {
  private var removal: (() -> Void)?

  init(_ removal: @escaping () -> Void) { self.removal = removal }

  /// Unregisters the hook. Calling it again does nothing.
  public func remove() {
    let action = removal
    removal = nil
    action?()
  }
}

/// Hooks on one tensor or node, in registration order.
final class HookList<Hook> {
  private var entries: [(id: Int, hook: Hook)] = []
  private var nextID = 0

  var isEmpty: Bool { entries.isEmpty }
  var hooks: [Hook] { entries.map(\.hook) }

  func add(_ hook: Hook) -> RemovableHandle {
    let id = nextID
    nextID += 1
    entries.append((id, hook))
    return RemovableHandle { [weak self] in self?.entries.removeAll { $0.id == id } }
  }
}

/// A weak reference to a tensor (a node never keeps its output alive).
struct WeakTensor {
  weak var tensor: Tensor?
}

extension Node {
  /// Runs the hooks registered on this node's output tensor (`Tensor.registerHook` on a
  /// non-leaf), each may replace the gradient.
  func runTensorHooks(_ gradient: Tensor) -> Tensor {
    guard let tensorHooks, !tensorHooks.isEmpty else { return gradient }
    return tensorHooks.hooks.reduce(gradient) { current, hook in hook(current) ?? current }
  }

  /// Stores the gradient in the `.grad` of output tensors that called `retainGrad()`.
  func storeRetainedGradients(_ gradient: Tensor, createGraph: Bool) {
    for entry in retainedOutputs {
      guard let tensor = entry.tensor else { continue }
      let shaped = gradient.dims == tensor.dims ? gradient : gradient.reshape(tensor.dims)
      if let existing = tensor.grad {
        tensor.grad = createGraph ? existing + shaped : (existing + shaped).detach()
      } else {
        tensor.grad = createGraph ? shaped : shaped.detach().clone()
      }
    }
  }
}

extension Tensor {
  /// Registers a hook called with this tensor's gradient each time it is computed; a non-nil
  /// result replaces the gradient (`Tensor.register_hook`). On a leaf it runs before the
  /// gradient is accumulated; on a computed tensor, before the gradient flows further back.
  @discardableResult
  public func registerHook(_ hook: @escaping (Tensor) -> Tensor?) -> RemovableHandle {
    torchCheck(requiresGrad, "cannot register a hook on a tensor that doesn't require gradient")
    if let gradFn {
      if gradFn.tensorHooks == nil { gradFn.tensorHooks = HookList() }
      return gradFn.tensorHooks!.add(hook)
    }
    if leafHooks == nil { leafHooks = LeafHooks() }
    return leafHooks!.gradient.add(hook)
  }

  /// Registers a hook called with this leaf after its gradient has been accumulated into
  /// `.grad` (`Tensor.register_post_accumulate_grad_hook`): where optimizers in backward and
  /// distributed data parallelism start work on a parameter as soon as its gradient is ready.
  @discardableResult
  public func registerPostAccumulateGradHook(_ hook: @escaping (Tensor) -> Void) -> RemovableHandle {
    torchCheck(gradFn == nil, "post accumulate grad hooks cannot be registered on non-leaf tensors")
    torchCheck(requiresGrad, "cannot register a hook on a tensor that doesn't require gradient")
    if leafHooks == nil { leafHooks = LeafHooks() }
    return leafHooks!.postAccumulate.add(hook)
  }

  func runTensorHooks(_ gradient: Tensor) -> Tensor {
    guard let hooks = leafHooks?.gradient, !hooks.isEmpty else { return gradient }
    return hooks.hooks.reduce(gradient) { current, hook in hook(current) ?? current }
  }

  func runPostAccumulateGradHooks() {
    guard let hooks = leafHooks?.postAccumulate, !hooks.isEmpty else { return }
    for hook in hooks.hooks { hook(self) }
  }
}

/// The hooks of a leaf tensor.
final class LeafHooks {
  let gradient = HookList<(Tensor) -> Tensor?>()
  let postAccumulate = HookList<(Tensor) -> Void>()
}
