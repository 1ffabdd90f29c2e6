// Views and data movement: reshaping, transposing, slicing, concatenation.

extension Tensor {
  /// A view of the same storage with other geometry and no autograd history.
  func aliased(shape: [Int], strides: [Int], offset: Int? = nil) -> Tensor {
    Tensor(storage: storage, shape: shape, strides: strides, offset: offset ?? storageOffset, dtype: dtype)
  }

  /// A contiguous tensor seen with another shape of the same element count, without autograd
  /// history (for handing planes to kernels).
  func reshaped(_ shape: [Int]) -> Tensor {
    aliased(shape: shape, strides: contiguousStrides(shape))
  }

  /// Resolves a single -1 in a requested shape, stopping when the sizes disagree.
  private func inferShape(_ shape: [Int]) -> [Int] {
    var shape = shape
    if let (index, size) = shape.enumerated().first(where: { $0.element < -1 }) {
      torchFail("invalid shape dimension \(size) at index \(index) of shape \(shape)")
    }
    let count = numel()
    let known = shape.filter { $0 != -1 }.reduce(1, *)
    let unknown = shape.indices.filter { shape[$0] == -1 }
    torchCheck(unknown.count <= 1, "only one dimension can be inferred")
    if let i = unknown.first {
      torchCheck(known != 0 && count % known == 0, "shape '\(shape)' is invalid for input of size \(count)")
      shape[i] = count / known
    }
    torchCheck(shape.reduce(1, *) == count, "shape '\(shape)' is invalid for input of size \(count)")
    return shape
  }

  /// Strides that let `shape` view this tensor's memory without a copy, or nil
  /// (ATen's `computeStride`: each group of merged dimensions must be contiguous).
  private func viewStrides(for shape: [Int]) -> [Int]? {
    if isContiguous { return contiguousStrides(shape) }
    if numel() == 0 { return contiguousStrides(shape) }
    var newStrides = [Int](repeating: 0, count: shape.count)
    var viewDim = shape.count - 1
    var chunkBase = elementStrides.last ?? 1
    var tensorElements = 1, viewElements = 1
    for d in Swift.stride(from: dims.count - 1, through: 0, by: -1) {
      tensorElements *= dims[d]
      if d == 0 || (dims[d - 1] != 1 && elementStrides[d - 1] != tensorElements * chunkBase) {
        while viewDim >= 0 && (viewElements < tensorElements || shape[viewDim] == 1) {
          newStrides[viewDim] = viewElements * chunkBase
          viewElements *= shape[viewDim]
          viewDim -= 1
        }
        if viewElements != tensorElements { return nil }
        if d > 0 {
          chunkBase = elementStrides[d - 1]
          tensorElements = 1
          viewElements = 1
        }
      }
    }
    return viewDim == -1 ? newStrides : nil
  }

  /// A view with a new shape; -1 infers one size (node `ViewBackward0`).
  public func view(_ shape: Int...) -> Tensor { view(shape) }
  public func view(_ shape: [Int]) -> Tensor {
    let shape = inferShape(shape)
    guard let strides = viewStrides(for: shape) else {
      torchFail("view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    }
    let original = dims
    return aliased(shape: shape, strides: strides).recording("ViewBackward0", [self]) { g in [g.reshape(original)] }
  }

  /// `view` when the memory allows it, else a copy (`UnsafeViewBackward0` over `CloneBackward0`).
  public func reshape(_ shape: Int...) -> Tensor { reshape(shape) }
  public func reshape(_ shape: [Int]) -> Tensor {
    let shape = inferShape(shape)
    if shape == dims && gradFn == nil && !requiresGrad { return self }
    if viewStrides(for: shape) != nil { return view(shape) }
    let copy = clone()
    let original = dims
    return copy.aliased(shape: shape, strides: contiguousStrides(shape))
      .recording("UnsafeViewBackward0", [copy]) { g in [g.reshape(original)] }
  }

  /// Merges dims `startDim...endDim` into one (`flatten`); returns `self` when there is
  /// nothing to merge, as PyTorch does.
  /// `x.flatten(1)`: the dims from `startDim` on in one.
  public func flatten(_ startDim: Int, _ endDim: Int = -1) -> Tensor { flatten(startDim: startDim, endDim: endDim) }

  public func flatten(startDim: Int = 0, endDim: Int = -1) -> Tensor {
    if dims.isEmpty { return reshape([1]) }
    let start = wrapDim(startDim, dims.count), end = wrapDim(endDim, dims.count)
    torchCheck(start <= end, "flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end { return self }
    let merged = dims[start...end].reduce(1, *)
    return reshape(Array(dims[..<start]) + [merged] + Array(dims[(end + 1)...]))
  }

  /// Splits `dim` into `sizes` (`unflatten`).
  public func unflatten(_ dim: Int, _ sizes: [Int]) -> Tensor {
    let d = wrapDim(dim, dims.count)
    var inner = sizes
    if let i = inner.firstIndex(of: -1) {
      inner[i] = dims[d] / inner.filter { $0 != -1 }.reduce(1, *)
    }
    torchCheck(inner.reduce(1, *) == dims[d],
      "unflatten: Provided sizes \(sizes) don't multiply up to the size of dim \(dim) (\(dims[d])) in the input tensor")
    return view(Array(dims[..<d]) + inner + Array(dims[(d + 1)...]))
  }

  /// Removes every size-1 dim (`SqueezeBackward0`).
  public func squeeze() -> Tensor {
    let keep = dims.indices.filter { dims[$0] != 1 }
    let original = dims
    return aliased(shape: keep.map { dims[$0] }, strides: keep.map { elementStrides[$0] })
      .recording("SqueezeBackward0", [self]) { g in [g.reshape(original)] }
  }

  /// Removes `dim` if it has size 1 (`SqueezeBackward1`).
  public func squeeze(_ dim: Int) -> Tensor {
    let d = wrapDim(dim, dims.count)
    let original = dims
    var shape = dims, strides = elementStrides
    if !dims.isEmpty && dims[d] == 1 {
      shape.remove(at: d)
      strides.remove(at: d)
    }
    return aliased(shape: shape, strides: strides)
      .recording("SqueezeBackward1", [self]) { g in [g.reshape(original)] }
  }

  /// Inserts a size-1 dim at `dim` (`UnsqueezeBackward0`).
  public func unsqueeze(_ dim: Int) -> Tensor {
    let d = wrapDim(dim, dims.count + 1)
    var shape = dims, strides = elementStrides
    shape.insert(1, at: d)
    strides.insert(d < dims.count ? dims[d] * elementStrides[d] : 1, at: d)
    return aliased(shape: shape, strides: strides)
      .recording("UnsqueezeBackward0", [self]) { g in [g.squeeze(d)] }
  }

  /// Swaps two dims (`TransposeBackward0`).
  public func transpose(_ dim0: Int, _ dim1: Int) -> Tensor {
    swapped(dim0, dim1).recording("TransposeBackward0", [self]) { g in [g.transpose(dim0, dim1)] }
  }

  /// `transpose` recorded as PyTorch's in-place `transpose_` records it (`TransposeBackward1`),
  /// for results PyTorch transposes in place before returning them (a batch-first RNN's output).
  func transposedInPlaceStyle(_ dim0: Int, _ dim1: Int) -> Tensor {
    swapped(dim0, dim1).recording("TransposeBackward1", [self]) { g in [g.transpose(dim0, dim1)] }
  }

  private func swapped(_ dim0: Int, _ dim1: Int) -> Tensor {
    let a = wrapDim(dim0, dims.count), b = wrapDim(dim1, dims.count)
    var shape = dims, strides = elementStrides
    shape.swapAt(a, b)
    strides.swapAt(a, b)
    return aliased(shape: shape, strides: strides)
  }

  /// The transpose of a matrix (`t()`, `TBackward0`); 0-D and 1-D tensors are returned as views.
  public func t() -> Tensor {
    torchCheck(dims.count <= 2, "t() expects a tensor with <= 2 dimensions, but self is \(dims.count)D")
    let view = dims.count == 2 ? swapped(0, 1) : aliased(shape: dims, strides: elementStrides)
    return view.recording("TBackward0", [self]) { g in [g.t()] }
  }

  /// Reverses all dims (`.T`, node `PermuteBackward0`).
  public var T: Tensor { permute(Array((0..<dims.count).reversed())) }
  /// Transposes the last two dims (`.mT`).
  public var mT: Tensor { transpose(-2, -1) }

  /// Reorders dims (`PermuteBackward0`).
  public func permute(_ order: Int...) -> Tensor { permute(order) }
  public func permute(_ order: [Int]) -> Tensor {
    let order = order.map { wrapDim($0, dims.count) }
    torchCheck(order.count == dims.count && Set(order).count == order.count,
      "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = \(dims.count) is not equal to len(dims) = \(order.count)")
    var inverse = [Int](repeating: 0, count: order.count)
    for (i, d) in order.enumerated() { inverse[d] = i }
    return aliased(shape: order.map { dims[$0] }, strides: order.map { elementStrides[$0] })
      .recording("PermuteBackward0", [self]) { g in [g.permute(inverse)] }
  }

  /// Broadcasts size-1 dims to `shape` without copying; -1 keeps a size (`ExpandBackward0`).
  public func expand(_ shape: Int...) -> Tensor { expand(shape) }
  public func expand(_ shape: [Int]) -> Tensor {
    torchCheck(shape.count >= dims.count,
      "expand(\(type()){\(dims)}, size=\(shape)): the number of sizes provided (\(shape.count)) must be greater or equal to the number of dimensions in the tensor (\(dims.count))")
    let lead = shape.count - dims.count
    for (index, size) in shape.enumerated() where size < -1 || (size == -1 && index < lead) {
      torchFail("expand(): the size \(size) at dimension \(index) is invalid (-1 keeps an existing dimension; sizes must be non-negative)")
    }
    var target = shape
    for i in 0..<dims.count {
      if target[lead + i] == -1 { target[lead + i] = dims[i] }
      torchCheck(dims[i] == 1 || dims[i] == target[lead + i],
        "The expanded size of the tensor (\(target[lead + i])) must match the existing size (\(dims[i])) at non-singleton dimension \(lead + i).  Target sizes: \(shape).  Tensor sizes: \(dims)")
    }
    if target == dims { return self }
    let original = dims
    return broadcastView(to: target).recording("ExpandBackward0", [self]) { g in [g.sumToShape(original)] }
  }

  public func expandAs(_ other: Tensor) -> Tensor { expand(other.dims) }

  // MARK: - Select and slice

  /// The sub-tensor at `index` along `dim`, one dim fewer (`select`, `SelectBackward0`).
  public func select(_ dim: Int, _ index: Int) -> Tensor {
    torchCheck(!dims.isEmpty, "select() cannot be applied to a 0-dim tensor.", kind: "IndexError")
    let d = wrapDim(dim, dims.count)
    let size = dims[d]
    torchCheck(index >= -size && index < size,
      "index \(index) is out of bounds for dimension \(d) with size \(size)", kind: "IndexError")
    return selecting(d, index < 0 ? index + size : index, node: "SelectBackward0")
  }

  /// The sub-tensors along `dim`, each one dim fewer (`unbind`, `UnbindBackward0`): views, as
  /// `select` gives them.
  public func unbind(_ dim: Int = 0) -> [Tensor] {
    torchCheck(!dims.isEmpty, "Dimension specified as \(dim) but tensor has no dimensions", kind: "IndexError")
    let d = wrapDim(dim, dims.count)
    return markingMultipleViews((0..<dims[d]).map { selecting(d, $0, node: "UnbindBackward0") })
  }

  /// Marks `views`, the outputs of one call that returns several views of this tensor, when
  /// grad mode is on and this tensor requires grad: PyTorch refuses to write them in place.
  private func markingMultipleViews(_ views: [Tensor]) -> [Tensor] {
    guard GradMode.isEnabled, requiresGrad else { return views }
    for (index, view) in views.enumerated() { view.multipleViewsOutput = index }
    return views
  }

  /// Index `i` (in range) along dim `d` as a view.
  private func selecting(_ d: Int, _ i: Int, node: String) -> Tensor {
    var shape = dims, strides = elementStrides
    shape.remove(at: d)
    strides.remove(at: d)
    let original = dims, type = dtype
    let slice = SliceOfInput(shape: original, dim: d, start: i, end: i + 1, step: 1, dropsDim: true)
    return aliased(shape: shape, strides: strides, offset: storageOffset + i * elementStrides[d])
      .recordingSlice(node, of: self, slice) { g in
        let grad = torch.zeros(original, dtype: type, device: g.device)
        if GradMode.isEnabled { return [grad.placing(g.unsqueeze(d), along: d, at: [i])] }
        slice.add(g, into: grad)
        return [grad]
      }
  }

  /// The elements in reverse order along each of `dims` (`torch.flip`, node `FlipBackward0`): a
  /// copy, as PyTorch's (strides cannot be negative).
  public func flip(dims flipped: [Int]) -> Tensor {
    let wrapped = flipped.map { wrapDim($0, Swift.max(dims.count, 1)) }
    if let repeated = wrapped.enumerated().first(where: { wrapped[..<$0.offset].contains($0.element) }) {
      torchFail("dim \(repeated.element) appears multiple times in the list of dims")
    }
    guard !dims.isEmpty else { return clone().recording("FlipBackward0", [self]) { g in [g] } }
    let reversed = GradMode.with(enabled: false) {
      wrapped.reduce(detach()) { x, d in x.indexSelect(d, torch.arange(x.dims[d] - 1, -1, -1, device: device)) }
    }
    return reversed.recording("FlipBackward0", [self]) { g in [g.flip(dims: wrapped)] }
  }

  /// Elements `start..<end` by `step` along `dim`, clamped as Python slices are (`SliceBackward0`).
  public func slice(_ dim: Int, start: Int? = nil, end: Int? = nil, step: Int = 1) -> Tensor {
    let d = wrapDim(dim, dims.count)
    torchCheck(step > 0, "slice step must be positive")
    let size = dims[d]
    func clampIndex(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + size : i, 0), size) }
    let lower = clampIndex(start ?? 0), upper = Swift.max(lower, clampIndex(end ?? size))
    var shape = dims, strides = elementStrides
    shape[d] = (upper - lower + step - 1) / step
    strides[d] *= step
    let original = dims, type = dtype
    let slice = SliceOfInput(shape: original, dim: d, start: lower, end: upper, step: step, dropsDim: false)
    return aliased(shape: shape, strides: strides, offset: storageOffset + lower * elementStrides[d])
      .recordingSlice("SliceBackward0", of: self, slice) { g in
        let grad = torch.zeros(original, dtype: type, device: g.device)
        if GradMode.isEnabled { return [grad.placing(g, along: d, at: Array(Swift.stride(from: lower, to: upper, by: step)))] }
        slice.add(g, into: grad)
        return [grad]
      }
  }

  /// `length` elements from `start` along `dim` (`narrow`).
  public func narrow(_ dim: Int, start: Int, length: Int) -> Tensor {
    torchCheck(length >= 0, "narrow(): length must be non-negative.")
    return slice(dim, start: start, end: start + length)
  }

  /// Pieces of `splitSize` along `dim`, the last one possibly shorter (`split`).
  public func split(_ splitSize: Int, dim: Int = 0) -> [Tensor] {
    let d = wrapDim(dim, dims.count)
    torchCheck(splitSize > 0, "split expects split_size be non-negative, but got split_size=\(splitSize)")
    return markingMultipleViews(Swift.stride(from: 0, to: Swift.max(dims[d], 1), by: splitSize).map { start in
      piece(d, start, Swift.min(splitSize, dims[d] - start), node: "SplitBackward0")
    })
  }

  /// Pieces of the given sizes along `dim` (`split` with a list).
  public func split(_ sizes: [Int], dim: Int = 0) -> [Tensor] {
    let d = wrapDim(dim, dims.count)
    torchCheck(sizes.allSatisfy { $0 >= 0 },
      "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=\(sizes)")
    torchCheck(sizes.reduce(0, +) == dims[d],
      "split_with_sizes expects split_sizes to sum exactly to \(dims[d]) (input tensor's size at dimension \(d)), but got split_sizes=\(sizes)")
    var start = 0
    return markingMultipleViews(sizes.map { size in
      defer { start += size }
      return piece(d, start, size, node: "SplitWithSizesBackward0")
    })
  }

  /// `chunks` nearly equal pieces along `dim` (`chunk`).
  public func chunk(_ chunks: Int, dim: Int = 0) -> [Tensor] {
    torchCheck(chunks > 0, "chunk expects `chunks` to be greater than 0, got: \(chunks)")
    let d = wrapDim(dim, dims.count)
    return split(Swift.max(1, (dims[d] + chunks - 1) / chunks), dim: d)
  }

  private func piece(_ d: Int, _ start: Int, _ length: Int, node: String) -> Tensor {
    var shape = dims
    shape[d] = length
    let original = dims, type = dtype
    let slice = SliceOfInput(shape: original, dim: d, start: start, end: start + length, step: 1, dropsDim: false)
    return aliased(shape: shape, strides: elementStrides, offset: storageOffset + start * elementStrides[d])
      .recordingSlice(node, of: self, slice) { g in
        let grad = torch.zeros(original, dtype: type, device: g.device)
        if GradMode.isEnabled { return [grad.placing(g, along: d, at: Array(start..<(start + length)))] }
        slice.add(g, into: grad)
        return [grad]
      }
  }

  /// `self` (zeros) with `slices` added at `positions` along `d`, recorded: how view backward
  /// rules place a gradient when its own graph is being built (`createGraph`).
  func placing(_ slices: Tensor, along d: Int, at positions: [Int]) -> Tensor {
    indexAdd(d, Tensor(positions.map(Int64.init), shape: [positions.count]).to(device), slices)
  }
}

extension torch {
  /// Joins tensors along an existing dim (`torch.cat`, node `CatBackward0`).
  public static func cat(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
    torchCheck(!tensors.isEmpty, "torch.cat(): expected a non-empty list of Tensors")
    let parts = tensors.filter { !($0.dims == [0]) }
    guard let first = parts.first else { return tensors[0] }
    let d = wrapDim(dim, first.dims.count)
    let type = parts.map(\.dtype).max()!
    var shape = first.dims
    shape[d] = 0
    for (i, t) in parts.enumerated() {
      torchCheck(t.dims.count == first.dims.count,
        "Tensors must have same number of dimensions: got \(first.dims.count) and \(t.dims.count)")
      for k in 0..<shape.count where k != d {
        torchCheck(t.dims[k] == first.dims[k],
          "Sizes of tensors must match except in dimension \(d). Expected size \(first.dims[k]) but got size \(t.dims[k]) for tensor number \(i) in the list.")
      }
      shape[d] += t.dims[d]
    }
    let out = Tensor(uninitialized: shape, dtype: type, device: first.device)
    var offset = 0
    let backend = Backends.backend(for: first.device)
    for t in parts {
      backend.copy(t, into: out.narrowView(d, offset, t.dims[d]))
      offset += t.dims[d]
    }
    let sizes = parts.map { $0.dims[d] }
    return out.recording("CatBackward0", parts) { g in
      let pieces = g.split(sizes, dim: d)
      return zip(parts, pieces).map { t, piece in t.requiresGrad ? piece.to(t.dtype) : nil }
    }
  }

  /// Joins tensors along a new dim (`torch.stack`, node `StackBackward0`).
  public static func stack(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
    torchCheck(!tensors.isEmpty, "stack expects a non-empty TensorList")
    for t in tensors {
      torchCheck(t.dims == tensors[0].dims,
        "stack expects each tensor to be equal size, but got \(tensors[0].shape.dims) at entry 0 and \(t.shape.dims) at entry \(tensors.firstIndex { $0 === t } ?? 0)")
    }
    let d = wrapDim(dim, tensors[0].dims.count + 1)
    let joined = GradMode.with(enabled: false) { cat(tensors.map { $0.unsqueeze(d) }, dim: d) }
    return joined.recording("StackBackward0", tensors) { g in
      (0..<tensors.count).map { i in tensors[i].requiresGrad ? g.select(d, i) : nil }
    }
  }
}

extension Tensor {
  /// An untracked narrow view, for kernels writing into part of an output.
  func narrowView(_ d: Int, _ start: Int, _ length: Int) -> Tensor {
    var shape = dims
    shape[d] = length
    return aliased(shape: shape, strides: elementStrides, offset: storageOffset + start * elementStrides[d])
  }
}

extension torch {
  /// `torch.flatten(x, 1)`: the dims from `startDim` to `endDim` in one.
  public static func flatten(_ input: Tensor, _ startDim: Int = 0, _ endDim: Int = -1) -> Tensor {
    input.flatten(startDim: startDim, endDim: endDim)
  }
}
