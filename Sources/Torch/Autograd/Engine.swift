/// What a backward rule may ask of the pass running it.
enum BackwardContext {
  /// Per input of the node being applied, whether the pass wants its gradient; nil for all.
  @TaskLocal static var neededInputs: [Bool]?

  /// Whether input `index` of the node being applied needs a gradient: it requires one and,
  /// under `torch.autograd.grad`, leads to a requested input (PyTorch's `needs_input_grad`
  /// as the engine sets it). Expensive rules (products, convolutions) skip the others.
  static func needs(_ index: Int, _ input: Tensor) -> Bool {
    guard input.requiresGrad else { return false }
    guard let needed = neededInputs, index < needed.count else { return true }
    return needed[index]
  }
}

/// Reverse-mode differentiation: runs the graph's nodes in reverse topological order,
/// summing gradients per node, and delivers each leaf's gradient once every node that feeds
/// it has run (so post-accumulate hooks fire during backward, as distributed training needs).
///
/// With `createGraph`, backward rules run with grad mode on: they are written in
/// differentiable ops (or record their own nodes), so the gradients have a graph of their own
/// and can be differentiated again.
enum Engine {
  /// What to do with a leaf's gradient: accumulate into `.grad` (`backward`) or return it
  /// for the requested tensors (`torch.autograd.grad`).
  enum Mode {
    case accumulate
    case capture(inputs: [Tensor])
  }

  /// Runs backward from `roots` seeded with `gradients`; in capture mode returns one gradient
  /// per requested input (nil where it got none).
  @discardableResult
  static func run(roots: [Tensor], gradients: [Tensor], retainGraph: Bool, createGraph: Bool, mode: Mode) -> [Tensor?] {
    var pass = Pass(mode: mode, createGraph: createGraph)
    GradMode.with(enabled: createGraph) {
      var rootNodes: [Node] = []
      for (root, gradient) in zip(roots, gradients) {
        if let node = root.gradFn {
          pass.add(gradient, toNode: node)
          rootNodes.append(node)
        } else if pass.receives(root) {
          pass.add(gradient, toLeaf: root)
        }
      }
      let order = topologicalOrder(from: rootNodes)
      pass.prepare(order)
      for node in order {
        pass.execute(node)
        if !retainGraph { node.release() }
      }
      pass.deliverRemainingLeaves()
    }
    return pass.captured()
  }

  /// The state of one backward pass.
  private struct Pass {
    let mode: Mode
    let createGraph: Bool
    /// Gradients waiting for their node, keyed by the node.
    var pending: [ObjectIdentifier: Tensor] = [:]
    /// Gradients waiting for their leaf, with how many graph edges into the leaf are still to run.
    var leaves: [ObjectIdentifier: (leaf: Tensor, gradient: Tensor?, edgesLeft: Int)] = [:]
    var leafOrder: [ObjectIdentifier] = []
    /// Gradients handed to a leaf's `.grad` without a copy (so no other leaf may take them).
    var handedOut = Set<ObjectIdentifier>()
    /// In capture mode: the nodes on a path to a requested input, and the captured results.
    var needed: Set<ObjectIdentifier>? = nil
    var requestedNodes: Set<ObjectIdentifier> = []
    /// In capture mode, the requested leaves (other leaves get nothing).
    var requestedLeaves: Set<ObjectIdentifier>? = nil
    var results: [ObjectIdentifier: Tensor] = [:]
    /// Nodes and leaves whose waiting gradient this pass allocated (a sum or a buffer of slices),
    /// so that a view's gradient may be added into it in place.
    var owned = Set<ObjectIdentifier>()

    init(mode: Mode, createGraph: Bool) {
      self.mode = mode
      self.createGraph = createGraph
      if case .capture(let inputs) = mode {
        requestedNodes = Set(inputs.compactMap { $0.gradFn.map(ObjectIdentifier.init) })
        requestedLeaves = Set(inputs.filter { $0.gradFn == nil }.map(ObjectIdentifier.init))
      }
    }

    mutating func add(_ gradient: Tensor, toNode node: Node) {
      let key = ObjectIdentifier(node)
      pending[key] = sum(pending[key], gradient, key: key)
    }

    /// `existing + gradient`, or `gradient` when it is the first.
    private mutating func sum(_ existing: Tensor?, _ gradient: Tensor, key: ObjectIdentifier) -> Tensor {
      guard let existing else {
        owned.remove(key)
        return gradient
      }
      owned.insert(key)
      return existing + gradient
    }

    /// Adds a view's gradient where the view was taken from its input, into the input's waiting
    /// gradient: in place when this pass allocated it, else in a new buffer (zeros, or a copy).
    private mutating func placing(_ gradient: Tensor, _ slice: SliceOfInput, into existing: Tensor?, key: ObjectIdentifier) -> Tensor {
      var buffer: Tensor
      if let existing, owned.contains(key) {
        buffer = existing
      } else {
        buffer = existing.map { $0.rawCopy() } ?? torch.zeros(slice.shape, dtype: gradient.dtype, device: gradient.device)
        owned.insert(key)
      }
      if buffer.dtype != gradient.dtype { buffer = buffer.to(DType.promote(buffer.dtype, gradient.dtype)) }
      slice.add(gradient, into: buffer)
      return buffer
    }

    mutating func addSlice(_ gradient: Tensor, _ slice: SliceOfInput, toNode node: Node) {
      let key = ObjectIdentifier(node)
      pending[key] = placing(gradient, slice, into: pending[key], key: key)
    }

    func receives(_ leaf: Tensor) -> Bool { requestedLeaves?.contains(ObjectIdentifier(leaf)) ?? leaf.leafRequiresGrad }

    mutating func add(_ gradient: Tensor, toLeaf leaf: Tensor) {
      let key = ObjectIdentifier(leaf)
      if let entry = leaves[key] {
        leaves[key]!.gradient = sum(entry.gradient, gradient, key: key)
      } else {
        leaves[key] = (leaf, gradient, 0)
        leafOrder.append(key)
      }
    }

    mutating func addSlice(_ gradient: Tensor, _ slice: SliceOfInput, toLeaf leaf: Tensor) {
      let key = ObjectIdentifier(leaf)
      if leaves[key] == nil {
        leaves[key] = (leaf, nil, 0)
        leafOrder.append(key)
      }
      leaves[key]!.gradient = placing(gradient, slice, into: leaves[key]!.gradient, key: key)
    }

    /// Counts the edges into each leaf and, for `autograd.grad`, marks the nodes that lead to
    /// a requested input (the rest of the graph does not run).
    mutating func prepare(_ order: [Node]) {
      if case .capture = mode {
        var reach = Set<ObjectIdentifier>()
        for node in order.reversed() where node.edges.contains(where: { leadsToRequest($0, reach: reach) }) {
          reach.insert(ObjectIdentifier(node))
        }
        needed = reach
      }
      for node in order where isNeeded(node) {
        for case .leaf(let input)? in node.edges where receives(input) {
          let key = ObjectIdentifier(input)
          if leaves[key] == nil {
            leaves[key] = (input, nil, 0)
            leafOrder.append(key)
          }
          leaves[key]!.edgesLeft += 1
        }
      }
    }

    func isNeeded(_ node: Node) -> Bool { needed?.contains(ObjectIdentifier(node)) ?? true }

    /// Which of the node's inputs this pass wants gradients for: under `autograd.grad`, those
    /// on a path to a requested input; nil (all that require one) under `backward`.
    func neededInputs(of node: Node) -> [Bool]? {
      guard let needed else { return nil }
      return node.edges.map { leadsToRequest($0, reach: needed) }
    }

    /// Whether a gradient sent along `edge` reaches a requested input: a requested leaf, a
    /// requested node, or a node in `reach` (those known to lead to one).
    private func leadsToRequest(_ edge: Node.Edge?, reach: Set<ObjectIdentifier>) -> Bool {
      switch edge {
      case .leaf(let leaf)?: requestedLeaves?.contains(ObjectIdentifier(leaf)) ?? false
      case .node(let next)?: reach.contains(ObjectIdentifier(next)) || requestedNodes.contains(ObjectIdentifier(next))
      case nil: false
      }
    }

    mutating func execute(_ node: Node) {
      let key = ObjectIdentifier(node)
      owned.remove(key)
      let gradient = pending.removeValue(forKey: key).map { node.runTensorHooks($0) }
      if let gradient {
        if requestedNodes.contains(key) { results[key] = gradient }
        if case .accumulate = mode { node.storeRetainedGradients(gradient, createGraph: createGraph) }
      }
      guard isNeeded(node) else { return }
      // A view's gradient goes straight into its input's buffer (see Node.sliceOfInput).
      let slice = createGraph || node.isReleased ? nil : node.sliceOfInput
      let inputGradients = slice != nil ? [] : gradient.map { g in
        BackwardContext.$neededInputs.withValue(neededInputs(of: node)) { node.apply(g) }
      } ?? []
      for (index, edge) in node.edges.enumerated() {
        let inputGradient = index < inputGradients.count ? inputGradients[index] : nil
        switch edge {
        case nil: continue
        case .node(let next)?:
          if let slice, let gradient { addSlice(gradient, slice, toNode: next) }
          if let inputGradient { add(inputGradient, toNode: next) }
        case .leaf(let input)?:
          guard receives(input) else { continue }
          if let slice, let gradient { addSlice(gradient, slice, toLeaf: input) }
          if let inputGradient { add(inputGradient, toLeaf: input) }
          let leafKey = ObjectIdentifier(input)
          leaves[leafKey]!.edgesLeft -= 1
          if leaves[leafKey]!.edgesLeft == 0 { deliver(leafKey) }
        }
      }
    }

    mutating func deliverRemainingLeaves() {
      for key in leafOrder where leaves[key]?.gradient != nil { deliver(key) }
    }

    /// Hands a leaf its complete gradient: through its hooks, then into `.grad` (or the results).
    mutating func deliver(_ key: ObjectIdentifier) {
      guard let entry = leaves[key], let raw = entry.gradient else { return }
      leaves[key]!.gradient = nil
      owned.remove(key)
      let gradient = entry.leaf.runTensorHooks(raw)
      switch mode {
      case .capture:
        results[key] = results[key].map { $0 + gradient } ?? gradient
      case .accumulate:
        Engine.accumulate(gradient, into: entry.leaf, handedOut: handedOut, createGraph: createGraph)
        handedOut.insert(ObjectIdentifier(gradient))
        entry.leaf.runPostAccumulateGradHooks()
      }
    }

    func captured() -> [Tensor?] {
      guard case .capture(let inputs) = mode else { return [] }
      return inputs.map { input in results[input.gradFn.map(ObjectIdentifier.init) ?? ObjectIdentifier(input)] }
    }
  }

  /// Nodes reachable from `roots`, each after every node that feeds it a gradient.
  private static func topologicalOrder(from roots: [Node]) -> [Node] {
    var visited = Set<ObjectIdentifier>()
    var postOrder: [Node] = []
    for root in roots where visited.insert(ObjectIdentifier(root)).inserted {
      var stack: [(Node, Int)] = [(root, 0)]
      while let (node, next) = stack.popLast() {
        if next < node.edges.count {
          stack.append((node, next + 1))
          if case .node(let child)? = node.edges[next], visited.insert(ObjectIdentifier(child)).inserted {
            stack.append((child, 0))
          }
        } else {
          postOrder.append(node)
        }
      }
    }
    return postOrder.reversed()
  }

  /// leaf.grad += grad, taking ownership of `grad` when nothing else can see it. With
  /// `createGraph` the sum is out of place, so `.grad` keeps its graph.
  static func accumulate(_ grad: Tensor, into leaf: Tensor, handedOut: Set<ObjectIdentifier>, createGraph: Bool) {
    let grad = grad.shape == leaf.shape ? grad : grad.sumToShape(leaf.dims)
    if let existing = leaf.grad {
      if createGraph || existing.requiresGrad { leaf.grad = existing + grad } else { existing.add_(grad) }
      return
    }
    if createGraph {
      leaf.grad = grad
      return
    }
    let owned = grad.isContiguous && grad.storageOffset == 0
      && grad.storage.byteCount == grad.numel() * grad.dtype.itemSize
      && grad.gradFn == nil && !handedOut.contains(ObjectIdentifier(grad))
      && isKnownUniquelyReferenced(&grad.storage)
    leaf.grad = owned ? grad : grad.clone()
  }
}

extension Tensor {
  /// Computes the gradient of this tensor with respect to every leaf that requires grad,
  /// accumulating into their `.grad` (PyTorch's `backward`). A non-scalar tensor needs an
  /// explicit `gradient` of its shape. The graph is freed afterwards unless `retainGraph`
  /// (which defaults to `createGraph`); with `createGraph` the gradients have graphs of their
  /// own, for higher derivatives.
  public func backward(_ gradient: Tensor? = nil, retainGraph: Bool? = nil, createGraph: Bool = false) {
    torchCheck(requiresGrad, "element 0 of tensors does not require grad and does not have a grad_fn")
    let seed = Engine.seed(for: self, gradient, index: 0)
    Engine.run(roots: [self], gradients: [seed], retainGraph: retainGraph ?? createGraph, createGraph: createGraph, mode: .accumulate)
  }
}

extension Tensor {
  /// `backward(gradient=...)` with the argument named, as PyTorch code often writes it.
  public func backward(gradient: Tensor, retainGraph: Bool? = nil, createGraph: Bool = false) {
    backward(gradient, retainGraph: retainGraph, createGraph: createGraph)
  }
}

extension Engine {
  /// The gradient an output starts from: the given one (checked against the output's shape)
  /// or ones for a scalar.
  static func seed(for output: Tensor, _ gradient: Tensor?, index: Int) -> Tensor {
    if let gradient {
      torchCheck(gradient.dims == output.dims,
        "Mismatch in shape: grad_output[\(index)] has a shape of \(gradient.shape) and output[\(index)] has a shape of \(output.shape).")
      return gradient
    }
    torchCheck(output.numel() == 1, "grad can be implicitly created only for scalar outputs")
    return torch.onesLike(output)
  }
}
