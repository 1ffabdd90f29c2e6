// Indexing with Swift ranges (`x[0]`, `p[..<2]`, `x[1..., 3]`, `x[(0...).by(2)]`), index tensors, gather.

/// Anything that can index one dimension: an `Int` selects (dropping the dim), a range
/// slices, an int64 tensor picks rows.
public protocol TensorIndex {
  func apply(to x: Tensor, dim: Int) -> (result: Tensor, keepsDim: Bool)
}

extension Int: TensorIndex {
  public func apply(to x: Tensor, dim: Int) -> (result: Tensor, keepsDim: Bool) { (x.select(dim, self), false) }
}
extension Range<Int>: TensorIndex {
  public func apply(to x: Tensor, dim: Int) -> (result: Tensor, keepsDim: Bool) {
    (x.slice(dim, start: lowerBound, end: upperBound), true)
  }
}
extension ClosedRange<Int>: TensorIndex {
  public func apply(to x: Tensor, dim: Int) -> (result: Tensor, keepsDim: Bool) { by(1).apply(to: x, dim: dim) }
}
extension PartialRangeFrom<Int>: TensorIndex {
  public func apply(to x: Tensor, dim: Int) -> (result: Tensor, keepsDim: Bool) { (x.slice(dim, start: lowerBound), true) }
}
extension PartialRangeUpTo<Int>: TensorIndex {
  public func apply(to x: Tensor, dim: Int) -> (result: Tensor, keepsDim: Bool) { (x.slice(dim, end: upperBound), true) }
}
extension PartialRangeThrough<Int>: TensorIndex {
  public func apply(to x: Tensor, dim: Int) -> (result: Tensor, keepsDim: Bool) {
    (x.slice(dim, end: upperBound == -1 ? nil : upperBound + 1), true)
  }
}
/// A slice with a step, Python's `start:end:step` (`x[::2]` is `x[(0...).by(2)]`, `x[1:7:3]`
/// is `x[(1..<7).by(3)]`); bounds are clamped as Python's are, the step must be positive.
public struct StridedSlice: TensorIndex, Sendable {
  public let start: Int?
  public let end: Int?
  public let step: Int

  public init(start: Int? = nil, end: Int? = nil, step: Int) {
    (self.start, self.end, self.step) = (start, end, step)
  }

  public func apply(to x: Tensor, dim: Int) -> (result: Tensor, keepsDim: Bool) {
    (x.slice(dim, start: start, end: end, step: step), true)
  }
}

extension Range<Int> {
  /// `start:end:step`.
  public func by(_ step: Int) -> StridedSlice { StridedSlice(start: lowerBound, end: upperBound, step: step) }
}
extension ClosedRange<Int> {
  /// `start:end + 1:step`.
  public func by(_ step: Int) -> StridedSlice { StridedSlice(start: lowerBound, end: upperBound == -1 ? nil : upperBound + 1, step: step) }
}
extension PartialRangeFrom<Int> {
  /// `start::step` (`(0...).by(2)` is `::2`).
  public func by(_ step: Int) -> StridedSlice { StridedSlice(start: lowerBound, step: step) }
}
extension PartialRangeUpTo<Int> {
  /// `:end:step`.
  public func by(_ step: Int) -> StridedSlice { StridedSlice(end: upperBound, step: step) }
}
extension Tensor: TensorIndex {
  /// An int64 tensor indexes rows (`x[idx]`, node `IndexBackward0`); a bool mask of the
  /// same shape selects elements.
  public func apply(to x: Tensor, dim: Int) -> (result: Tensor, keepsDim: Bool) {
    if dtype == .bool {
      return (x.maskedSelect(self), true)
    }
    torchCheck(dtype == .int64 || dtype == .uint8, "tensors used as indices must be long, int, byte or bool tensors", kind: "IndexError")
    let flat = flatten().to(.int64)
    let size = x.size(dim)
    let wrapped = torch.where(flat.lt(0.0), flat + size, flat)
    let picked = x.indexSelect(dim, wrapped, name: "IndexBackward0")
    if self.dim() == 1 { return (picked, true) }
    var shape = x.dims
    shape.replaceSubrange(dim...dim, with: dims)
    return (picked.reshape(shape), true)
  }
}

extension Tensor {
  /// PyTorch-style indexing, one index per leading dim: `x[0]`, `x[1..<3]`, `p[..<2]`,
  /// `x[0..., 3]` (all rows, column 3).
  /// Assigning writes into `self` (`x[1..., 0] = y`, `x[mask] = y`, `x[idx] = y`), broadcasting
  /// the value, as PyTorch's `__setitem__` does.
  public subscript(_ indices: any TensorIndex...) -> Tensor {
    get { index(indices) }
    set { assign(newValue, at: indices) }
  }

  /// A number assigned to a selection fills it (`t[0..., 1] = 0`, `x[x < 0] = 0`); read, a
  /// one-element selection gives its value (as `x[0, 1].item()`).
  @_disfavoredOverload
  public subscript(_ indices: any TensorIndex...) -> Double {
    get { index(indices).item() }
    set { assign(torch.tensor(newValue, dtype: dtype, device: device), at: indices) }
  }

  /// Indexing after an Ellipsis (`t[..., -1]`: the last column of every row, whatever the
  /// rank): the indices that follow apply to the trailing dims.
  public subscript(_ ellipsis: UnboundedRange, _ trailing: any TensorIndex...) -> Tensor {
    get { index(expandingEllipsis(trailing)) }
    set { assign(newValue, at: expandingEllipsis(trailing)) }
  }

  /// A number assigned after an Ellipsis fills the selection (`t[..., 0] = 1`).
  @_disfavoredOverload
  public subscript(_ ellipsis: UnboundedRange, _ trailing: any TensorIndex...) -> Double {
    get { index(expandingEllipsis(trailing)).item() }
    set { assign(torch.tensor(newValue, dtype: dtype, device: device), at: expandingEllipsis(trailing)) }
  }

  private func expandingEllipsis(_ trailing: [any TensorIndex]) -> [any TensorIndex] {
    Array(repeating: 0... as any TensorIndex, count: leadingDims(before: trailing)) + trailing
  }

  /// `__setitem__`: basic indices (numbers, ranges) give a view that is written in place; a
  /// final index tensor (a bool mask or int64 positions) writes through `where`, so only the
  /// picked elements change (`index_put_`).
  private func assign(_ value: Tensor, at indices: [any TensorIndex]) {
    guard let tensorPosition = indices.firstIndex(where: { $0 is Tensor }) else {
      index(indices).copy_(value)
      return
    }
    if tensorPosition != indices.count - 1 || indices.count(where: { $0 is Tensor }) > 1 {
      return assignAdvanced(value, at: indices)
    }
    let basic = Array(indices[..<tensorPosition])
    let target = index(basic)
    let dim = basic.reduce(0) { $0 + (($1 is Int) ? 0 : 1) }
    let picker = indices[tensorPosition] as! Tensor
    target.copy_(picker.dtype == .bool
      ? target.maskedScatter(picker, dim: dim, value)
      : target.indexCopy(dim, picker, value))
  }

  /// Dims an Ellipsis stands for: those not indexed by `trailing` (a tensor index takes as many
  /// dims as it has, a bool mask all of its dims).
  private func leadingDims(before trailing: [any TensorIndex]) -> Int {
    let indexed = trailing.reduce(0) { count, index in count + ((index as? Tensor)?.dtype == .bool ? (index as! Tensor).dim() : 1) }
    torchCheck(indexed <= dims.count, "too many indices for tensor of dimension \(dims.count)", kind: "IndexError")
    return dims.count - indexed
  }

  private func index(_ indices: [any TensorIndex]) -> Tensor {
    torchCheck(indices.count <= Swift.max(dims.count, indices.isEmpty ? 0 : 1),
      "too many indices for tensor of dimension \(dims.count)", kind: "IndexError")
    if indices.count(where: { $0 is Tensor }) > 1 { return advancedIndex(indices) }
    var result = self, dim = 0
    for index in indices {
      let (next, keeps) = index.apply(to: result, dim: dim)
      result = next
      if keeps { dim += 1 }
    }
    return result
  }

  /// Rows of `index` along `dim` (`index_select`, node `IndexSelectBackward0`).
  /// Unlike `x[index]`, negative indices are out of range here, as in PyTorch.
  public func indexSelect(_ dim: Int, _ index: Tensor) -> Tensor {
    indexSelect(dim, index, name: "IndexSelectBackward0")
  }

  /// The CPU kernel checks each index; device kernels cannot stop, so indices bound for them
  /// are checked here first (`index_select`, `x[idx]` and embeddings all come through).
  func indexSelect(_ dim: Int, _ index: Tensor, name: String) -> Tensor {
    let d = wrapDim(dim, dims.count)
    torchCheck(index.dim() <= 1, "index_select(): Index is supposed to be a vector")
    torchCheck(index.dtype == .int64, "index_select(): Expected dtype int64 for index")
    if device != .cpu, index.numel() > 0 {
      let indices = index.detach()
      torchCheck(indices.min().item() >= 0 && indices.max().item() < Double(dims.isEmpty ? 1 : dims[d]),
        "index out of range in self", kind: "IndexError")
    }
    var shape = dims
    if !shape.isEmpty { shape[d] = index.numel() }
    let out = Tensor(uninitialized: shape, dtype: dtype, device: device)
    Backends.backend(for: device).indexSelect(self, dim: d, index: index.flatten(), into: out)
    let original = dims, saved = index.detach().flatten()
    return out.recording(name, [self]) { g in
      let grad = torch.zeros(original, dtype: g.dtype, device: g.device)
      if GradMode.isEnabled { return [grad.indexAdd(d, saved, g)] }
      Backends.backend(for: g.device).indexAdd(grad, dim: d, index: saved, source: g.contiguous())
      return [grad]
    }
  }

  /// A copy of `self` with `source`'s slices along `dim` added at the positions in `index`
  /// (`index_add`, node `IndexAddBackward0`): the backward of `index_select`.
  public func indexAdd(_ dim: Int, _ index: Tensor, _ source: Tensor, alpha: Double = 1) -> Tensor {
    let d = wrapDim(dim, dims.count)
    torchCheck(index.dim() <= 1 && index.dtype == .int64, "index_add_(): Index is supposed to be a vector of int64")
    var expected = dims
    if !expected.isEmpty { expected[d] = index.numel() }
    torchCheck(source.dims == expected, "index_add_(): source shape \(source.shape) does not match \(Size(expected))")
    let flatIndex = index.detach().flatten()
    let scaled = alpha == 1 ? source : source * alpha
    let out = rawCopy()
    Backends.backend(for: device).indexAdd(out, dim: d, index: flatIndex, source: GradMode.with(enabled: false) { scaled.to(self.dtype).contiguous() })
    return out.recording("IndexAddBackward0", [self, source]) { g in
      [g, source.requiresGrad ? (alpha == 1 ? g : g * alpha).indexSelect(d, flatIndex) : nil]
    }
  }

  /// Elements picked along `dim` by `index` (`gather`, node `GatherBackward0`).
  public func gather(_ dim: Int, _ index: Tensor) -> Tensor {
    let d = wrapDim(dim, dims.count)
    torchCheck(index.dtype == .int64, "gather(): Expected dtype int64 for index")
    torchCheck(index.dim() == dims.count, "Index tensor must have the same number of dimensions as input tensor")
    let out = Tensor(uninitialized: index.dims, dtype: dtype, device: device)
    Backends.backend(for: device).gather(self, dim: d, index: index, into: out)
    let original = dims, saved = index.detach()
    return out.recording("GatherBackward0", [self]) { g in
      let grad = torch.zeros(original, dtype: g.dtype, device: g.device)
      if GradMode.isEnabled { return [grad.scatterAdd(d, saved, g)] }
      Backends.backend(for: g.device).scatterAdd(grad, dim: d, index: saved, source: g.contiguous())
      return [grad]
    }
  }

  /// A copy of `self` with each element of `source` added at the position `index` names
  /// along `dim` (`scatter_add`, node `ScatterAddBackward0`): the backward of `gather`.
  public func scatterAdd(_ dim: Int, _ index: Tensor, _ source: Tensor) -> Tensor {
    let d = wrapDim(dim, dims.count)
    torchCheck(index.dtype == .int64, "scatter_add(): Expected dtype int64 for index")
    torchCheck(index.dim() == dims.count && source.dim() == dims.count,
      "Index tensor must have the same number of dimensions as self tensor")
    torchCheck(index.dims == source.dims, "scatter_add(): index \(index.shape) and source \(source.shape) must have the same shape here")
    let savedIndex = index.detach()
    let out = rawCopy()
    Backends.backend(for: device).scatterAdd(out, dim: d, index: savedIndex, source: GradMode.with(enabled: false) { source.to(self.dtype).contiguous() })
    return out.recording("ScatterAddBackward0", [self, source]) { g in
      [g, source.requiresGrad ? g.gather(d, savedIndex) : nil]
    }
  }

  /// How `scatter` combines a value with the element it lands on (`reduce=`).
  public enum ScatterReduce: String, Sendable { case add, multiply }

  /// A copy of `self` with each element of `source` written at the position `index` names
  /// along `dim` (`scatter`, node `ScatterBackward0`): for dim 0, `out[index[i][j]][j] = source[i][j]`.
  /// `index` may be smaller than `source` (its leading block is used). Where `index` repeats a
  /// position PyTorch leaves the winner unspecified; here the written values are summed there.
  /// With `reduce: .add` the values are added to `self`'s (`scatter_add`).
  public func scatter(_ dim: Int, _ index: Tensor, _ source: Tensor, reduce: ScatterReduce? = nil) -> Tensor {
    let d = wrapDim(dim, dims.count)
    // A 0-d index or source counts as one-dimensional, as in PyTorch.
    let (index, source) = (index.dim() == 0 ? index.reshape([1]) : index, source.dim() == 0 ? source.reshape([1]) : source)
    checkScatter(d, index, source.dims)
    var block = source
    for axis in 0..<index.dim() where index.dims[axis] < source.dims[axis] { block = block.narrow(axis, start: 0, length: index.dims[axis]) }
    if let reduce { return scatterReduced(d, index, block, reduce) }
    let positions = index.detach()
    return Tensor.composite("ScatterBackward0", [self, block]) { inputs in
      let hit = Tensor.scatteredPositions(inputs[0], d, positions)
      let placed = torch.zerosLike(inputs[0]).scatterAdd(d, positions, inputs[1].to(inputs[0].dtype))
      return torch.where(hit, placed, inputs[0])
    }
  }

  /// `scatter` of one `value` at every position `index` names (`scatter(dim, index, value)`, node `ScatterBackward1`).
  public func scatter(_ dim: Int, _ index: Tensor, value: Double, reduce: ScatterReduce? = nil) -> Tensor {
    let d = wrapDim(dim, dims.count)
    let index = index.dim() == 0 ? index.reshape([1]) : index
    checkScatter(d, index, index.dims)
    let filled = torch.full(index.dims, value, dtype: dtype, device: device)
    if let reduce { return scatterReduced(d, index, filled, reduce) }
    let positions = index.detach()
    return Tensor.composite("ScatterBackward1", [self]) { inputs in
      let hit = Tensor.scatteredPositions(inputs[0], d, positions)
      return torch.where(hit, torch.fullLike(inputs[0], value), inputs[0])
    }
  }

  /// In-place `scatter` (`scatter_`); returns `self`.
  @discardableResult
  public func scatter_(_ dim: Int, _ index: Tensor, _ source: Tensor, reduce: ScatterReduce? = nil) -> Tensor {
    copy_(scatter(dim, index, source, reduce: reduce))
  }

  /// In-place `scatter` of one value (`scatter_(dim, index, value)`); returns `self`.
  @discardableResult
  public func scatter_(_ dim: Int, _ index: Tensor, value: Double, reduce: ScatterReduce? = nil) -> Tensor {
    copy_(scatter(dim, index, value: value, reduce: reduce))
  }

  /// Where `scatter` writes: a bool mask of `x`'s shape (counted in float32, which every device
  /// can scatter-add, and exact for any realistic number of repeats).
  private static func scatteredPositions(_ x: Tensor, _ dim: Int, _ index: Tensor) -> Tensor {
    torch.zeros(x.dims, dtype: .float32, device: x.device)
      .scatterAdd(dim, index, torch.ones(index.dims, dtype: .float32, device: x.device)) > 0
  }

  private func checkScatter(_ d: Int, _ index: Tensor, _ sourceDims: [Int]) {
    torchCheck(index.dtype == .int64, "scatter(): Expected dtype int64 for index")
    torchCheck(index.dim() == dims.count && sourceDims.count == dims.count,
      "Index tensor must have the same number of dimensions as self tensor")
    for axis in 0..<dims.count {
      torchCheck(index.dims[axis] <= sourceDims[axis] && (axis == d || index.dims[axis] <= dims[axis]),
        "Expected index \(index.shape) to be smaller than self \(shape) apart from dimension \(d) and to be smaller size than src \(Size(sourceDims))")
    }
  }

  private func scatterReduced(_ d: Int, _ index: Tensor, _ block: Tensor, _ reduce: ScatterReduce) -> Tensor {
    torchCheck(reduce == .add, "scatter(): reduce='multiply' is not implemented; reduce='add' is", kind: "NotImplementedError")
    return scatterAdd(d, index, block.contiguous())
  }

  /// The elements where `mask` is true, as a 1-D tensor (`masked_select`).
  public func maskedSelect(_ mask: Tensor) -> Tensor {
    let shape = broadcastShapes(dims, mask.dims)
    let flatMask = mask.broadcastView(to: shape).toArray(Bool.self)
    let positions = flatMask.indices.filter { flatMask[$0] }.map(Int64.init)
    return expand(shape).reshape([-1]).indexSelect(0, Tensor(positions, shape: [positions.count]))
  }

  /// `self` with `value` written where `mask` (covering the dims from `dim` on) is true: a value
  /// of one element fills, otherwise its elements go to the true positions in order.
  func maskedScatter(_ mask: Tensor, dim: Int, _ value: Tensor) -> Tensor {
    torchCheck(dims.count >= dim + mask.dim() && Array(dims[dim..<(dim + mask.dim())]) == mask.dims,
      "The shape of the mask \(mask.dims) at index 0 does not match the shape of the indexed tensor \(dims) at index \(dim)",
      kind: "IndexError")
    let region = mask.reshape(Array(repeating: 1, count: dim) + mask.dims + Array(repeating: 1, count: dims.count - dim - mask.dim()))
    if value.numel() == 1 { return torch.where(region, value.to(dtype).reshape([]), self) }
    let flags = region.broadcastView(to: dims).toArray(Bool.self)
    let positions = flags.indices.filter { flags[$0] }.map(Int64.init)
    torchCheck(value.numel() == positions.count,
      "shape mismatch: value tensor of shape \(value.shape) cannot be broadcast to indexing result of shape [\(positions.count)]")
    let flat = reshape([-1])
    return flat.indexCopy(0, torch.tensor(positions).to(device), value.reshape([-1])).reshape(dims)
  }

  /// A copy of `self` with `source`'s slices along `dim` written at the positions in `index`
  /// (`index_copy`, node `IndexCopyBackward0`; negative positions count from the end, as
  /// `x[idx] = v` allows). `source` broadcasts to the indexed shape. Where a position repeats,
  /// the last write wins (as on PyTorch's CPU) and, as PyTorch's backward does, every write
  /// still gets the gradient at its position.
  public func indexCopy(_ dim: Int, _ index: Tensor, _ source: Tensor) -> Tensor {
    let d = wrapDim(dim, dims.count)
    torchCheck(index.dtype == .int64 || index.dtype == .uint8, "tensors used as indices must be long, int, byte or bool tensors", kind: "IndexError")
    let wrapped = index.toArray(Int64.self).map { $0 < 0 ? $0 + Int64(size(d)) : $0 }
    var lastWrite: [Int64: Int] = [:]
    for (i, position) in wrapped.enumerated() { lastWrite[position] = i }
    let writes = lastWrite.values.sorted()
    let positions = torch.tensor(writes.map { wrapped[$0] }).to(device)
    var picked = dims
    picked[d] = index.numel()
    let (result, hit) = GradMode.with(enabled: false) { () -> (Tensor, Tensor) in
      let placed = source.to(dtype).expand(picked).indexSelect(d, torch.tensor(writes.map(Int64.init)).to(device))
      var written = picked
      written[d] = writes.count
      let hit = torch.zeros(dims, dtype: .float32, device: device)
        .indexAdd(d, positions, torch.ones(written, dtype: .float32, device: device)) > 0
      // Each position is written once, added to −0, which every float keeps (+0 included: x + 0
      // would turn a written −0 into +0).
      return (torch.where(hit, torch.fullLike(self, -0.0).indexAdd(d, positions, placed), self), hit)
    }
    let everyWrite = torch.tensor(wrapped).to(device), sourceDims = source.dims, sourceType = source.dtype
    return result.recording("IndexCopyBackward0", [self, source]) { g in
      [self.requiresGrad ? torch.where(hit, torch.zerosLike(g), g) : nil,
       source.requiresGrad ? g.indexSelect(d, everyWrite).sumToShape(sourceDims).to(sourceType) : nil]
    }
  }

  /// A copy with `value` where `mask` is true (`masked_fill`).
  public func maskedFill(_ mask: Tensor, _ value: Double) -> Tensor {
    torch.where(mask, torch.fullLike(self, value), self)
  }
}

extension torch {
  public static func gather(_ x: Tensor, _ dim: Int, _ index: Tensor) -> Tensor { x.gather(dim, index) }
  public static func indexSelect(_ x: Tensor, _ dim: Int, _ index: Tensor) -> Tensor { x.indexSelect(dim, index) }
}

extension Array {
  /// An element picked by a one-element integer tensor, as Python lists accept tensors
  /// (`labels_map[label]`).
  public subscript(index: Tensor) -> Element {
    torchCheck(index.numel() == 1 && [.int64, .uint8, .bool].contains(index.dtype),
      "only integer tensors of a single element can be converted to an index", kind: "TypeError")
    return self[Int(index.item())]
  }
}
