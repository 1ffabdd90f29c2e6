extension torch {
  /// `torch.autograd`: gradients of chosen tensors, and user-defined differentiable functions.
  public enum autograd {
    /// The gradients of `outputs` with respect to `inputs`, returned rather than accumulated
    /// into `.grad` (`torch.autograd.grad`). `gradOutputs` weight non-scalar outputs;
    /// `createGraph` records the gradients' own graph (gradient penalties, Hessian-vector
    /// products); the graph is kept when `retainGraph` (default: `createGraph`). Every input
    /// must be used by the outputs.
    public static func grad(_ outputs: [Tensor], _ inputs: [Tensor], gradOutputs: [Tensor?]? = nil,
                            retainGraph: Bool? = nil, createGraph: Bool = false) -> [Tensor] {
      let gradients = grad(outputs, inputs, gradOutputs: gradOutputs, retainGraph: retainGraph, createGraph: createGraph, allowUnused: false)
      return gradients.map { $0! }
    }

    /// The gradient of one output with respect to one or more inputs.
    public static func grad(_ output: Tensor, _ inputs: Tensor..., gradOutputs: Tensor? = nil,
                            retainGraph: Bool? = nil, createGraph: Bool = false) -> [Tensor] {
      grad([output], inputs, gradOutputs: [gradOutputs], retainGraph: retainGraph, createGraph: createGraph)
    }

    /// As `grad`, with `nil` for inputs the outputs do not use (`allow_unused=True`).
    public static func grad(_ outputs: [Tensor], _ inputs: [Tensor], gradOutputs: [Tensor?]? = nil,
                            retainGraph: Bool? = nil, createGraph: Bool = false, allowUnused: Bool) -> [Tensor?] {
      torchCheck(gradOutputs == nil || gradOutputs!.count == outputs.count,
        "grad requires one grad_output per output (got \(gradOutputs?.count ?? 0) for \(outputs.count))")
      for input in inputs {
        torchCheck(input.requiresGrad, "One of the differentiated Tensors does not require grad")
      }
      var roots: [Tensor] = [], seeds: [Tensor] = []
      for (index, output) in outputs.enumerated() {
        torchCheck(output.requiresGrad, "element \(index) of tensors does not require grad and does not have a grad_fn")
        roots.append(output)
        seeds.append(Engine.seed(for: output, gradOutputs?[index] ?? nil, index: index))
      }
      let results = Engine.run(roots: roots, gradients: seeds, retainGraph: retainGraph ?? createGraph,
                               createGraph: createGraph, mode: .capture(inputs: inputs))
      if !allowUnused, let unused = results.firstIndex(where: { $0 == nil }) {
        torchFail("The differentiated Tensor at index \(unused) appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.")
      }
      return results.enumerated().map { index, gradient in
        guard let gradient else { return nil }
        return gradient.dims == inputs[index].dims ? gradient : gradient.sumToShape(inputs[index].dims)
      }
    }

    /// A differentiable function with a hand-written backward (`torch.autograd.Function`).
    ///
    /// ```swift
    /// enum Cube: torch.autograd.Function {
    ///   static func forward(_ ctx: torch.autograd.FunctionContext, _ inputs: [Tensor]) -> Tensor {
    ///     ctx.saveForBackward(inputs[0])
    ///     return inputs[0].pow(3)
    ///   }
    ///   static func backward(_ ctx: torch.autograd.FunctionContext, _ gradOutput: Tensor) -> [Tensor?] {
    ///     [gradOutput * 3 * ctx.savedTensors[0].pow(2)]
    ///   }
    /// }
    /// let y = Cube.apply(x)   // grad_fn=<CubeBackward>
    /// ```
    /// `forward` runs without recording history; `backward` returns one gradient per input (nil
    /// for none) and runs with grad mode on under `createGraph`, so a backward written in
    /// tensor ops can be differentiated again. Saved inputs keep their history; a saved output is
    /// stored detached (keeping it live would make the graph a cycle).
    public protocol Function {
      static func forward(_ ctx: FunctionContext, _ inputs: [Tensor]) -> Tensor
      static func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> [Tensor?]
    }

    /// What a custom `Function` keeps between forward and backward (`ctx`).
    public final class FunctionContext {
      private var saved: [Tensor] = []
      private var savedVersions: [Int] = []
      /// Set by the caller of `forward`: which inputs need a gradient (`ctx.needs_input_grad`).
      public internal(set) var needsInputGrad: [Bool] = []
      /// Any other values the backward needs.
      public var values: [String: Any] = [:]

      init() {}

      /// Keeps tensors for `backward` (`ctx.save_for_backward`).
      public func saveForBackward(_ tensors: Tensor...) {
        saved.append(contentsOf: tensors)
        savedVersions.append(contentsOf: tensors.map { $0.storage.version })
      }

      /// The tensors passed to `saveForBackward`, checked for in-place changes since.
      public var savedTensors: [Tensor] {
        for (tensor, version) in zip(saved, savedVersions) where tensor.storage.version != version {
          torchFail("one of the variables needed for gradient computation has been modified by an inplace operation")
        }
        return saved
      }

      /// Replaces a saved output by a detached alias, so the context does not keep its own node alive.
      func markOutput(_ tensor: Tensor) {
        saved = saved.map { $0 === tensor ? tensor.detach() : $0 }
      }
    }
  }
}

extension torch.autograd.Function {
  /// Runs `forward` and records a node named `<Type>Backward` that calls `backward`.
  public static func apply(_ inputs: Tensor...) -> Tensor { apply(inputs) }

  public static func apply(_ inputs: [Tensor]) -> Tensor {
    let ctx = torch.autograd.FunctionContext()
    ctx.needsInputGrad = inputs.map(\.requiresGrad)
    let result = torch.noGrad { forward(ctx, inputs) }
    ctx.markOutput(result)
    return result.detach().recording("\(Self.self)Backward", inputs) { gradOutput in
      let gradients = backward(ctx, gradOutput)
      torchCheck(gradients.count == inputs.count,
        "function \(Self.self)Backward returned an incorrect number of gradients (expected \(inputs.count), got \(gradients.count))")
      return gradients
    }
  }
}

extension Tensor {
  /// Runs `body` (written in differentiable ops) as one node named `name`, as PyTorch shows a
  /// fused op (`BinaryCrossEntropyWithLogitsBackward0`). Backward differentiates the body's own
  /// graph; under `createGraph` it runs the body again on the live inputs, so gradients of
  /// gradients reach them.
  static func composite(_ name: String, _ inputs: [Tensor], _ body: @escaping ([Tensor]) -> Tensor) -> Tensor {
    guard GradMode.isEnabled, inputs.contains(where: \.requiresGrad) else { return body(inputs) }
    let stand = inputs.map { $0.requiresGrad ? $0.detach().requiresGrad_() : $0 }
    let inner = body(stand)
    let differentiable = inputs.indices.filter { inputs[$0].requiresGrad }
    return inner.detach().recording(name, inputs) { g in
      let (roots, sources) = GradMode.isEnabled
        ? (body(inputs), differentiable.map { inputs[$0] })
        : (inner, differentiable.map { stand[$0] })
      let gradients = torch.autograd.grad([roots], sources, gradOutputs: [g], retainGraph: true,
                                          createGraph: GradMode.isEnabled, allowUnused: true)
      var result = [Tensor?](repeating: nil, count: inputs.count)
      for (slot, index) in differentiable.enumerated() { result[index] = gradients[slot] }
      return result
    }
  }

  /// The gradients of `formula(inputs)` for the inputs that require them (nil for the others),
  /// with the graph kept: how a node computed by a kernel gives gradients of gradients, by
  /// differentiating the same computation written in tensor ops.
  static func formulaGradients(_ formula: ([Tensor]) -> Tensor, _ inputs: [Tensor], _ g: Tensor) -> [Tensor?] {
    let differentiable = inputs.indices.filter { inputs[$0].requiresGrad }
    let gradients = torch.autograd.grad([formula(inputs)], differentiable.map { inputs[$0] }, gradOutputs: [g],
                                        retainGraph: true, createGraph: true, allowUnused: true)
    var result = [Tensor?](repeating: nil, count: inputs.count)
    for (slot, index) in differentiable.enumerated() { result[index] = gradients[slot] }
    return result
  }
}
