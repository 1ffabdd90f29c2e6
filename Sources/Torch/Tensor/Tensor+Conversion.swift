extension Tensor {
  // MARK: - Copies and dtype/device conversion

  /// A fresh contiguous copy of `self` with no history.
  func rawCopy(dtype: DType? = nil, device: Device? = nil) -> Tensor {
    let targetDevice = device ?? self.device
    let result = Tensor(uninitialized: dims, dtype: dtype ?? self.dtype, device: targetDevice)
    if targetDevice == self.device {
      Backends.backend(for: targetDevice).copy(self, into: result)
    } else {
      let staged = (self.dtype == result.dtype) ? self : self.rawCopy(dtype: result.dtype)
      let bytes = Backends.backend(for: self.device).readBytes(staged)
      bytes.withUnsafeBytes { Backends.backend(for: targetDevice).writeBytes($0, into: result) }
    }
    return result
  }

  /// `self` when already contiguous, else a fresh contiguous copy with no history: what kernels
  /// read (unlike `contiguous()`, nothing is recorded).
  func rawContiguous() -> Tensor { isContiguous ? self : rawCopy() }

  /// A copy that autograd differentiates (`clone()`, node `CloneBackward0`).
  public func clone() -> Tensor {
    rawCopy().recording("CloneBackward0", [self]) { [$0] }
  }

  /// `self` when already contiguous, else a contiguous copy (`CloneBackward0`).
  public func contiguous() -> Tensor { isContiguous ? self : clone() }

  /// A tensor sharing storage with `self` but cut from the graph (`detach()`).
  public func detach() -> Tensor {
    Tensor(storage: storage, shape: dims, strides: elementStrides, offset: storageOffset, dtype: dtype)
  }

  /// The same memory without autograd (`.data`): in-place ops on it change the tensor without
  /// being recorded, as in PyTorch's manual `p.data.sub_(lr * p.grad.data)` updates.
  public var data: Tensor { detach() }

  /// Converts to `dtype`; returns `self` when it already has it (`ToCopyBackward0` otherwise).
  public func to(_ dtype: DType) -> Tensor {
    if dtype == self.dtype { return self }
    let source = self.dtype
    return rawCopy(dtype: dtype).recording("ToCopyBackward0", dtype.isFloatingPoint ? [self] : []) {
      [$0.to(source)]
    }
  }

  /// Moves to `device`; returns `self` when already there.
  public func to(_ device: Device) -> Tensor {
    if device == self.device { return self }
    let source = self.device
    return rawCopy(device: device).recording("ToCopyBackward0", [self]) { [$0.to(source)] }
  }

  /// Moves to `device` and converts to `dtype`.
  public func to(_ device: Device, _ dtype: DType) -> Tensor { to(device).to(dtype) }

  /// Converts to `dtype` (`x.type(torch.float)`), as `to(dtype)`.
  public func type(_ dtype: DType) -> Tensor { to(dtype) }
  /// PyTorch's legacy type name (`x.type()`): `torch.FloatTensor`, `torch.cuda.LongTensor`, ...
  public func type() -> String {
    let name = switch dtype {
    case .float32: "FloatTensor"
    case .float64: "DoubleTensor"
    case .int64: "LongTensor"
    case .uint8: "ByteTensor"
    case .bool: "BoolTensor"
    }
    return device == .cpu ? "torch.\(name)" : "torch.cuda.\(name)"
  }

  public func float() -> Tensor { to(.float32) }
  public func double() -> Tensor { to(.float64) }
  public func long() -> Tensor { to(.int64) }
  public func bool() -> Tensor { to(.bool) }
  public func byte() -> Tensor { to(.uint8) }
  public func cpu() -> Tensor { to(.cpu) }
  public func cuda(_ index: Int = 0) -> Tensor { to(.cuda(index)) }

  // MARK: - In-place writes

  /// Stops when an in-place write (of `inputs` into `self`) would corrupt autograd, or would
  /// write one element through several (an expanded tensor: `fill_` and `zero_` allow that, as
  /// in PyTorch), as PyTorch does. A view made in no-grad mode may not be written where the
  /// write would be recorded: its base or an input requires grad.
  func checkInPlace(allowingOverlap: Bool = false, inputs: [Tensor] = []) {
    torchCheck(allowingOverlap || !zip(dims, elementStrides).contains { $0 > 1 && $1 == 0 },
      "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.")
    guard GradMode.isEnabled else { return }
    torchCheck(!(isNoGradView && (viewBase?.requiresGrad == true || inputs.contains { $0.requiresGrad })),
      Tensor.noGradViewMessage("is being modified inplace"))
    if let output = multipleViewsOutput, let node = gradFn?.name {
      // PyTorch names the view's own op: "SplitWithSizesBackward0" → "SplitWithSizes".
      let op = node.replacingOccurrences(of: #"Backward\d+$"#, with: "", options: .regularExpression)
      torchFail("Output \(output) of \(op) is a view and is being modified inplace. This view is the output of a function that returns multiple views. Such functions do not allow the output views to be modified inplace. You should replace the inplace operation by an out-of-place one.")
    }
    if isLeaf && leafRequiresGrad {
      torchFail("a leaf Variable that requires grad is being used in an in-place operation.")
    }
    // A view made directly from such a leaf (x[0], x.view(...)) shares its memory: writing
    // through it would change the leaf behind autograd's back.
    for case .leaf(let base)? in gradFn?.edges ?? [] where base.leafRequiresGrad && base.storage === storage {
      torchFail("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    }
  }

  /// PyTorch's refusal of a view made in no-grad mode whose memory is written with grad mode on.
  static func noGradViewMessage(_ what: String) -> String {
    "A view was created in no_grad mode and \(what) with grad mode enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked)."
  }

  /// Writes `result` (same shape) into `self` and records `name` as the new history: the old
  /// value of `self` becomes the node's first input, as PyTorch's rebase of history does.
  func commitInPlace(_ name: String, inputs: [Tensor], compute: () -> Tensor,
                     backward: @escaping (Tensor) -> [Tensor?]) {
    commitInPlace(name, inputs: inputs, compute: compute, savingOutput: false) { g, _ in backward(g) }
  }

  /// `commitInPlace` for a rule that reads the op's result (relu_'s mask): with `savingOutput`,
  /// `backward` gets the gradient and the result as written, saved as PyTorch saves `result`:
  /// an alias without history (so the node keeps the memory alive even after `self` is gone,
  /// without a cycle), whose version is checked, so a later in-place write to `self` stops
  /// backward.
  func commitInPlace(_ name: String, inputs: [Tensor], compute: () -> Tensor, savingOutput: Bool,
                     backward: @escaping (Tensor, Tensor?) -> [Tensor?]) {
    checkInPlace(inputs: inputs)
    let tracking = GradMode.isEnabled && (requiresGrad || inputs.contains { $0.requiresGrad })
    // Written through a view, the base takes the history (CopySlices); else `self`, whose old
    // history becomes the node's first input.
    let writtenBase = viewBase.flatMap { $0.storage === storage ? $0 : nil }
    let previous = tracking && writtenBase == nil ? snapshot() : nil
    let result = GradMode.with(enabled: false, compute)
    Backends.backend(for: device).copy(result, into: self)
    bumpVersion()
    guard tracking else { return }
    let output = savingOutput ? alias() : nil
    let saved = output.map { [$0] } ?? []
    if let base = writtenBase {
      rebaseThroughView(base, inputs: inputs, saved: saved) { g in backward(g, output) }
      return
    }
    gradFn = nil
    let node = alias()
    node.recording(name, [previous!] + inputs, saved: saved) { g in backward(g, output) }
    gradFn = node.gradFn
  }

  /// A tensor on `self`'s memory, shape and strides, without autograd history.
  func alias() -> Tensor {
    Tensor(storage: storage, shape: dims, strides: elementStrides, offset: storageOffset, dtype: dtype)
  }

  /// An alias of `self` that keeps its current autograd history.
  func snapshot() -> Tensor {
    let snapshot = alias()
    snapshot.gradFn = gradFn
    snapshot.leafRequiresGrad = leafRequiresGrad
    return snapshot
  }

  /// Copies `source` (broadcast to this shape, any dtype or device) into `self` (`copy_`).
  @discardableResult
  public func copy_(_ source: Tensor) -> Tensor {
    let sourceDType = source.dtype
    commitInPlace("CopyBackwards", inputs: [source], compute: {
      let placed = source.to(self.device).expand(self.dims)
      return placed.dtype == self.dtype ? placed : placed.rawCopy(dtype: self.dtype)
    }, backward: { g in [torch.zerosLike(g), g.sumToShape(source.dims).to(sourceDType)] })
    return self
  }

  /// Writes an op's `result` into `self`, an `out=` argument: resized first when its shape
  /// differs (as PyTorch resizes outputs), converted to its dtype. Returns `self`.
  func writeOutput(_ result: Tensor, op: String) -> Tensor {
    torchCheck(!(GradMode.isEnabled && (result.requiresGrad || requiresGrad)),
      "\(op)(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad.")
    if dims != result.dims {
      storage = Backends.backend(for: device).allocate(bytes: result.numel() * dtype.itemSize)
      dims = result.dims
      elementStrides = contiguousStrides(result.dims)
      storageOffset = 0
      bumpVersion()
    }
    return torch.noGrad { copy_(result) }
  }

  /// Sets every element to `value` (`fill_`).
  @discardableResult
  public func fill_(_ value: Double) -> Tensor {
    checkInPlace(allowingOverlap: true)
    if GradMode.isEnabled && requiresGrad {
      commitInPlace("FillBackward0", inputs: [], compute: { torch.fullLike(self, value) },
                    backward: { [torch.zerosLike($0)] })
    } else {
      Backends.backend(for: device).fill(self, with: value)
      bumpVersion()
    }
    return self
  }

  /// Sets every element to zero (`zero_`).
  @discardableResult
  public func zero_() -> Tensor { fill_(0) }
}

// MARK: - Sharing memory with Swift code (PyTorch's NumPy bridge)

extension Tensor {
  /// Calls `body` with the tensor's elements in place, without a copy (as `t.numpy()` shares
  /// memory with NumPy). The tensor must be a contiguous CPU tensor of `T`'s dtype.
  public func withUnsafeBufferPointer<T: Element, R>(_: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
    checkSharable(T.self)
    return try body(UnsafeBufferPointer(start: pointer(T.self), count: numel()))
  }

  /// Calls `body` with the tensor's elements in place for writing: what `body` writes, the
  /// tensor holds (counted as an in-place change for autograd's checks).
  public func withUnsafeMutableBufferPointer<T: Element, R>(_: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R) rethrows -> R {
    checkSharable(T.self)
    torchCheck(!(requiresGrad && isLeaf && GradMode.isEnabled), "a leaf Variable that requires grad is being used in an in-place operation.")
    defer { bumpVersion() }
    return try body(UnsafeMutableBufferPointer(start: pointer(T.self), count: numel()))
  }

  private func checkSharable<T: Element>(_: T.Type) {
    torchCheck(device == .cpu, "can't convert \(device) device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.", kind: "TypeError")
    torchCheck(T.dtype == dtype, "the buffer's element type is \(T.dtype) but the tensor's dtype is \(dtype)")
    torchCheck(isContiguous, "only a contiguous tensor can share its memory; call contiguous() first")
  }
}

extension torch {
  /// A tensor over memory the caller owns (`torch::from_blob`), without a copy: writes through
  /// either side are seen by the other. `deleter` runs when the last view of the tensor goes
  /// away; without one the memory must outlive every view.
  public static func fromBlob(_ data: UnsafeMutableRawPointer, shape: [Int], dtype: DType = .float32,
                              deleter: (@Sendable (UnsafeMutableRawPointer) -> Void)? = nil) -> Tensor {
    let count = shape.reduce(1) { $0 * Swift.max($1, 0) }
    torchCheck(shape.allSatisfy { $0 >= 0 }, "Trying to create tensor with negative dimension: \(shape)")
    var release: (@Sendable (UInt64, Int) -> Void)?
    if let deleter {
      release = { address, _ in deleter(UnsafeMutableRawPointer(bitPattern: UInt(address))!) }
    }
    let storage = Storage(hostPointer: data, byteCount: count * dtype.itemSize, release: release)
    return Tensor(storage: storage, shape: shape, strides: contiguousStrides(shape), offset: 0, dtype: dtype)
  }
}
