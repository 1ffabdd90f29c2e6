/// A node of the autograd graph: the `grad_fn` of a tensor computed from tensors that
/// require grad. It knows its inputs and how to turn the output's gradient into theirs.
///
/// Its `name` is PyTorch's node name (`AddmmBackward0`), which is what `grad_fn=<...>`
/// prints; how the gradient is computed is the `backward` closure, written in terms of
/// other tensor ops. A node holds its inputs and saved tensors but never its own output
/// (saved outputs are detached), so graphs have no reference cycles.
public final class Node: CustomStringConvertible, PrintsNoneWhenAbsent {
  /// PyTorch's name for this node type, e.g. `MulBackward0`.
  public let name: String
  /// Where an input's gradient goes, fixed when the node is recorded: the node that produced
  /// the input, or the leaf itself. (Fixed then, so an in-place op that later gives the input
  /// new history does not re-route this node's gradients.)
  enum Edge {
    case node(Node)
    case leaf(Tensor)
  }

  /// One entry per differentiable input; nil where no gradient is needed.
  var edges: [Edge?]
  var backward: ((Tensor) -> [Tensor?])?
  /// Storages saved for backward with the version they had, to detect in-place writes.
  private var savedVersions: [(Storage, Int)]
  var isReleased: Bool { backward == nil }
  /// Hooks registered on the tensor this node produced (`register_hook` on a non-leaf).
  var tensorHooks: HookList<(Tensor) -> Tensor?>?
  /// Output tensors that called `retainGrad()`, held weakly.
  var retainedOutputs: [WeakTensor] = []
  /// For a view node (select, slice, split, unbind): where its gradient lands in its input, so
  /// that the engine adds it into one buffer per input instead of running `backward`, which
  /// builds a whole input of zeros per view (a loop over a sequence's steps would cost
  /// O(steps²)). Used when the pass builds no graph.
  var sliceOfInput: SliceOfInput?

  init(name: String, inputs: [Tensor?], saved: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
    self.name = name
    self.edges = inputs.map { input in
      guard let input else { return nil }
      if let node = input.gradFn { return .node(node) }
      return input.leafRequiresGrad ? .leaf(input) : nil
    }
    self.savedVersions = saved.map { ($0.storage, $0.storage.version) }
    self.backward = backward
  }

  /// As Python prints a node object (`<AddBackward0 object at 0x7f3b2c1d0e50>`).
  public var description: String { "<\(name) object at 0x\(String(UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque()), radix: 16))>" }

  /// The nodes this one sends gradients to (`grad_fn.next_functions`): an `AccumulateGrad`
  /// node for a leaf, nil for inputs that need no gradient.
  public var nextFunctions: [Node?] {
    edges.map { edge in
      switch edge {
      case .node(let node)?: node
      case .leaf(let tensor)?: Node.accumulateGrad(tensor)
      case nil: nil
      }
    }
  }

  /// The leaf a gradient is accumulated into, for `AccumulateGrad` nodes (nil otherwise).
  public private(set) var variable: Tensor?

  /// PyTorch's node for a leaf in `next_functions`: `AccumulateGrad`, whose `variable` is the leaf.
  private static func accumulateGrad(_ leaf: Tensor) -> Node {
    let node = Node(name: "AccumulateGrad", inputs: [], saved: []) { _ in [] }
    node.variable = leaf
    return node
  }

  /// Computes the input gradients, stopping if a saved tensor was modified in place.
  func apply(_ grad: Tensor) -> [Tensor?] {
    guard let backward else {
      torchFail(
        "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.")
    }
    for (storage, version) in savedVersions where storage.version != version {
      torchFail(
        "one of the variables needed for gradient computation has been modified by an inplace operation: output of \(name) is at version \(storage.version); expected version \(version) instead. Hint: the backtrace further above can point at the operation that failed to compute its gradient.")
    }
    return backward(grad)
  }

  /// Frees saved tensors and inputs once the graph has been used (`retain_graph=False`).
  func release() {
    backward = nil
    edges = []
    savedVersions = []
  }
}

/// The elements `start..<end` by `step` along `dim` of an input of `shape`, as a view took
/// them; `dropsDim` when the view removed `dim` (select, unbind).
struct SliceOfInput {
  let shape: [Int]
  let dim: Int
  let start: Int
  let end: Int
  let step: Int
  let dropsDim: Bool

  /// Adds a view's gradient `g` into `buffer` (the input's shape) where the view was taken.
  func add(_ g: Tensor, into buffer: Tensor) {
    buffer.slice(dim, start: start, end: end, step: step).add_(dropsDim ? g.unsqueeze(dim) : g)
  }
}

extension Tensor {
  /// Attaches an autograd node to `self` (a fresh op result) when grad mode is on and any
  /// input requires grad. `saved` are tensors the backward reads, checked for in-place writes.
  @discardableResult
  func recording(_ name: String, _ inputs: [Tensor], saved: [Tensor] = [],
                 _ backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
    // A result on its first input's memory is a view of it (select, slice, view, t, expand...),
    // whether or not anything requires grad yet: `y[0] = x` gives `y` history later.
    if let source = inputs.first, source.storage === storage, source !== self {
      viewBase = source.viewBase ?? source
      isNoGradView = !GradMode.isEnabled || source.isNoGradView
      if source.multipleViewsOutput != nil { multipleViewsOutput = 0 }
    }
    guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return self }
    gradFn = Node(name: name, inputs: inputs.map { $0.requiresGrad ? $0 : nil },
                  saved: saved, backward: backward)
    return self
  }

  /// `recording` for a view of `input` that is `slice` of it (see `Node.sliceOfInput`).
  func recordingSlice(_ name: String, of input: Tensor, _ slice: SliceOfInput, _ backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
    let view = recording(name, [input], backward)
    view.gradFn?.sliceOfInput = slice
    return view
  }
}
