/// An n-dimensional array with reverse-mode autograd, mirroring `torch.Tensor`.
///
/// A tensor is a view: a `Storage` plus a shape, element strides and an offset. Views
/// (`view`, `transpose`, slicing) share storage; ops return new tensors. Like PyTorch's,
/// tensors are reference types, so in-place ops (`add_`) are visible through every
/// reference. Ops live in `Tensor+*.swift` files grouped by family.
public final class Tensor {
  /// The memory this tensor reads, shared with its views.
  public internal(set) var storage: Storage
  /// Element offset of this view's first element within `storage`.
  public internal(set) var storageOffset: Int
  public internal(set) var dtype: DType
  var dims: [Int]
  var elementStrides: [Int]

  var leafRequiresGrad = false
  /// The accumulated gradient (leaves, or non-leaves after `retainGrad()`); `nil` until
  /// the first `backward()`.
  public var grad: Tensor?
  /// The autograd node that produced this tensor; `nil` for leaves. A view whose base has
  /// since been written in place (through the base or another view) gets the base's new
  /// history here, as `AsStridedBackward0`, as PyTorch regenerates a view's `grad_fn`.
  public internal(set) var gradFn: Node? {
    get {
      if let base = viewBase, base.gradFn !== viewedBaseNode {
        torchCheck(!isNoGradView, Tensor.noGradViewMessage("its base or another view of its base has been modified inplace"))
        refreshViewHistory(base)
      }
      return ownGradFn
    }
    set {
      ownGradFn = newValue
      viewedBaseNode = viewBase?.gradFn
    }
  }
  /// The node `gradFn` gives, as last set or regenerated.
  private var ownGradFn: Node?
  /// For a view: the base's node when this view's history was set (weak: a view outliving its
  /// base's old history must not keep it).
  weak var viewedBaseNode: Node?
  /// Set by `nn.Parameter`: reflection treats the tensor as a module parameter.
  public internal(set) var isParameter = false
  /// Set by `nn.Buffer`: reflection lists the tensor in `buffers()` and `stateDict()`.
  public internal(set) var isBuffer = false
  /// Hooks of a leaf (`registerHook`, `registerPostAccumulateGradHook`); nil until one is registered.
  var leafHooks: LeafHooks?
  /// For a view recorded by autograd (`y[0]`, `y.t()`, ...): the tensor whose memory it views,
  /// PyTorch's `_base` (never itself a view), so an in-place write through the view can give
  /// the base its new history (`CopySlices`). Set before the view's `gradFn`.
  var viewBase: Tensor? {
    didSet { viewedBaseNode = viewBase?.gradFn }
  }
  /// A view made in no-grad mode (or a view of one): writing it in place with grad mode on, or
  /// reading its history after its base was so written, is ambiguous, and stops as in PyTorch.
  var isNoGradView = false
  /// For an output of a function that returns several views of a tensor requiring grad
  /// (`unbind`, `split`, `chunk`): its index among them; 0 for a view of such an output. PyTorch
  /// refuses to write these in place with grad mode on (`checkInPlace`).
  var multipleViewsOutput: Int?

  init(storage: Storage, shape: [Int], strides: [Int], offset: Int, dtype: DType) {
    self.storage = storage
    self.dims = shape
    self.elementStrides = strides
    self.storageOffset = offset
    self.dtype = dtype
  }

  /// A new contiguous tensor with uninitialized memory.
  init(uninitialized shape: [Int], dtype: DType, device: Device = .cpu) {
    if let negative = shape.first(where: { $0 < 0 }) {
      torchFail("Trying to create tensor with negative dimension \(negative): \(shape)")
    }
    var bytes = dtype.itemSize
    for d in shape {
      let (product, overflow) = bytes.multipliedReportingOverflow(by: d)
      torchCheck(!overflow, "numel: integer multiplication overflow (shape \(shape))")
      bytes = product
    }
    self.storage = Backends.backend(for: device).allocate(bytes: bytes)
    self.dims = shape
    self.elementStrides = contiguousStrides(shape)
    self.storageOffset = 0
    self.dtype = dtype
  }

  // MARK: - Shape

  /// The tensor's shape (`x.shape` in PyTorch).
  public var shape: Size { Size(dims) }
  /// The size of the first dimension (`len(x)` in PyTorch); a 0-d tensor has none.
  public var count: Int {
    torchCheck(!dims.isEmpty, "len() of a 0-d tensor", kind: "TypeError")
    return dims[0]
  }
  /// The tensor's shape (`x.size()` in PyTorch).
  public func size() -> Size { Size(dims) }
  /// The length of one dimension; negative `dim` counts from the end.
  public func size(_ dim: Int) -> Int { dims[wrapDim(dim, dims.count)] }
  /// Element strides, one per dimension.
  public func stride() -> [Int] { elementStrides }
  public func stride(_ dim: Int) -> Int { elementStrides[wrapDim(dim, dims.count)] }
  /// Number of dimensions.
  public func dim() -> Int { dims.count }
  public var ndim: Int { dims.count }
  /// Number of elements.
  public func numel() -> Int { dims.reduce(1, *) }
  public var device: Device { storage.device }
  public var isCuda: Bool { if case .cuda = device { true } else { false } }

  /// True when the elements are laid out densely in row-major order (a tensor without
  /// elements always is, as in PyTorch).
  public var isContiguous: Bool {
    if dims.contains(0) { return true }
    var expected = 1
    for i in Swift.stride(from: dims.count - 1, through: 0, by: -1) where dims[i] != 1 {
      if elementStrides[i] != expected { return false }
      expected *= dims[i]
    }
    return true
  }

  // MARK: - Autograd state

  /// Whether gradients flow to this tensor: set by hand on leaves, implied by a `gradFn`.
  public var requiresGrad: Bool {
    get { leafRequiresGrad || gradFn != nil }
    set {
      torchCheck(gradFn == nil || newValue,
        "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
      torchCheck(!newValue || dtype.isFloatingPoint,
        "only Tensors of floating point dtype can require gradients")
      if gradFn == nil { leafRequiresGrad = newValue }
    }
  }

  /// Sets `requiresGrad` and returns the tensor, as `requires_grad_()` does.
  @discardableResult
  public func requiresGrad_(_ flag: Bool = true) -> Tensor {
    requiresGrad = flag
    return self
  }

  /// A leaf has no `gradFn`: it was created by the user, not computed from tensors that require grad.
  public var isLeaf: Bool { gradFn == nil }

  /// Keeps `.grad` on a non-leaf tensor after `backward()`.
  public func retainGrad() {
    guard let gradFn, !retainsGrad else { return }
    gradFn.retainedOutputs.append(WeakTensor(tensor: self))
  }

  /// Whether `retainGrad()` was called on this computed tensor.
  public var retainsGrad: Bool { gradFn?.retainedOutputs.contains { $0.tensor === self } ?? false }

  // MARK: - Raw access

  /// Typed pointer to this view's first element (CPU tensors only).
  @inline(__always)
  func pointer<T: Element>(_: T.Type = T.self) -> UnsafeMutablePointer<T> {
    assert(device == .cpu, "host pointer to a \(device) tensor")
    return storage.data.assumingMemoryBound(to: T.self) + storageOffset
  }

  /// Makes `self` refer to `other`'s memory and geometry, keeping its identity (and so every
  /// reference a module or optimizer holds): how `to(device)` and `to(dtype)` move parameters.
  func adopt(_ other: Tensor) {
    storage = other.storage
    dims = other.dims
    elementStrides = other.elementStrides
    storageOffset = other.storageOffset
    dtype = other.dtype
  }

  /// Marks the storage as written in place, for autograd's saved-tensor checks.
  func bumpVersion() { storage.version &+= 1 }
}

/// Row-major strides for `shape`.
func contiguousStrides(_ shape: [Int]) -> [Int] {
  var strides = [Int](repeating: 1, count: shape.count)
  var running = 1
  for i in Swift.stride(from: shape.count - 1, through: 0, by: -1) {
    strides[i] = running
    running *= Swift.max(shape[i], 1)
  }
  return strides
}

/// Wraps a possibly negative dimension index, stopping with PyTorch's message when out of range.
func wrapDim(_ dim: Int, _ ndim: Int) -> Int {
  let rank = Swift.max(ndim, 1)
  torchCheck(dim >= -rank && dim < rank,
    "Dimension out of range (expected to be in range of [\(-rank), \(rank - 1)], but got \(dim))",
    kind: "IndexError")
  return dim < 0 ? dim + rank : dim
}
