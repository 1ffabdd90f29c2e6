/// Reverse-mode differentiation: runs the graph's nodes in reverse topological order,
/// summing gradients per node and accumulating them into leaves' `.grad`.
enum Engine {
  static func backward(_ root: Tensor, gradient: Tensor, retainGraph: Bool) {
    guard let rootNode = root.gradFn else {
      accumulate(gradient, into: root, handedOut: [])
      return
    }
    let order = topologicalOrder(from: rootNode)
    var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(rootNode): gradient]
    var handedOut = Set<ObjectIdentifier>()
    GradMode.with(enabled: false) {
      if root.retainsGrad { accumulate(gradient, into: root, handedOut: []) }
      for node in order {
        guard let grad = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
        let inputGrads = node.apply(grad)
        for (input, inputGrad) in zip(node.inputs, inputGrads) {
          guard let input, let inputGrad else { continue }
          if let next = input.gradFn {
            let key = ObjectIdentifier(next)
            pending[key] = pending[key].map { $0 + inputGrad } ?? inputGrad
            if input.retainsGrad { accumulate(inputGrad, into: input, handedOut: handedOut) }
          } else if input.leafRequiresGrad {
            accumulate(inputGrad, into: input, handedOut: handedOut)
            handedOut.insert(ObjectIdentifier(inputGrad))
          }
        }
        if !retainGraph { node.release() }
      }
    }
  }

  /// Nodes reachable from `root`, each after every node that feeds it a gradient.
  private static func topologicalOrder(from root: Node) -> [Node] {
    var visited = Set<ObjectIdentifier>()
    var postOrder: [Node] = []
    var stack: [(Node, Int)] = [(root, 0)]
    visited.insert(ObjectIdentifier(root))
    while let (node, next) = stack.popLast() {
      if next < node.inputs.count {
        stack.append((node, next + 1))
        if let child = node.inputs[next]?.gradFn, visited.insert(ObjectIdentifier(child)).inserted {
          stack.append((child, 0))
        }
      } else {
        postOrder.append(node)
      }
    }
    return postOrder.reversed()
  }

  /// leaf.grad += grad, taking ownership of `grad` when nothing else can see it.
  private static func accumulate(_ grad: Tensor, into leaf: Tensor, handedOut: Set<ObjectIdentifier>) {
    let grad = grad.shape == leaf.shape ? grad : grad.sumToShape(leaf.dims)
    if let existing = leaf.grad {
      existing.add_(grad)
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
  /// explicit `gradient` of its shape. The graph is freed afterwards unless `retainGraph`.
  public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) {
    torchCheck(requiresGrad, "element 0 of tensors does not require grad and does not have a grad_fn")
    let seed: Tensor
    if let gradient {
      torchCheck(gradient.dims == dims,
        "Mismatch in shape: grad_output[0] has a shape of \(gradient.shape) and output[0] has a shape of \(shape).")
      seed = gradient
    } else {
      torchCheck(numel() == 1, "grad can be implicitly created only for scalar outputs")
      seed = torch.onesLike(self)
    }
    Engine.backward(self, gradient: seed, retainGraph: retainGraph)
  }
}
