/// An in-place write through a view (`y[0] = v`, `y[1].mul_(3)`, `y.t()[0].relu_()`) changes
/// the view's base, so, as PyTorch's `CopySlices`, the base gets the new history: its gradient
/// passes unchanged outside the view's elements, and inside them goes through the in-place
/// op's rule; the view, and later any other view of the base when its `gradFn` is next read,
/// becomes `AsStridedBackward0` of the base's new history.
extension Tensor {
  /// Records the in-place op just written through `self` (a view of `base`): `backward` takes
  /// the gradient of the view's new value and returns the gradients of its old value and of
  /// `inputs`. Needs a contiguous base (the view's elements are found in the base's gradient by
  /// their offsets); gradients of gradients through it are not supported.
  func rebaseThroughView(_ base: Tensor, inputs: [Tensor], saved: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
    let region = ViewRegion(of: self, in: base)
    let previousBase = base.snapshot()
    let baseNode = base.alias()
    baseNode.recording("CopySlices", [previousBase] + inputs, saved: saved) { g in
      refuseSecondOrder()
      let gradient = region.dense(g)
      let viewGradient = region.read(from: gradient)
      let grads = backward(viewGradient)
      region.write(grads[0], into: gradient)
      return [gradient] + grads.dropFirst()
    }
    base.gradFn = baseNode.gradFn
    refreshViewHistory(base)
  }

  /// Gives this view of `base` the base's current history: `AsStridedBackward0`, whose
  /// gradient is the base's with only the view's elements kept.
  func refreshViewHistory(_ base: Tensor) {
    let region = ViewRegion(of: self, in: base)
    let newBase = base.snapshot()
    gradFn = nil
    let viewNode = alias()
    // Restoring history, not recording an op: also when read in no-grad code (a backward rule
    // asking whether the view requires grad).
    _ = GradMode.with(enabled: true) { viewNode.recording("AsStridedBackward0", [newBase]) { g in
      refuseSecondOrder()
      let gradient = torch.zeros(region.baseDims, dtype: g.dtype, device: g.device)
      region.write(g, into: gradient)
      return [gradient]
    } }
    gradFn = viewNode.gradFn
  }
}

/// These rules copy gradients through raw aliases, which record nothing: under createGraph they
/// stop rather than return gradients without a graph.
private func refuseSecondOrder() {
  torchCheck(!GradMode.isEnabled, "double backward through an in-place operation on a view is not supported",
             kind: "NotImplementedError")
}

/// Where a view's elements sit in a contiguous tensor of its base's shape: its shape, strides
/// and offset relative to the base's first element (so the base must be contiguous).
private struct ViewRegion {
  let baseDims: [Int]
  let dims: [Int]
  let strides: [Int]
  let offset: Int

  init(of view: Tensor, in base: Tensor) {
    torchCheck(base.isContiguous,
      "an in-place operation on a view of a non-contiguous tensor is not supported here; make the base contiguous first",
      kind: "NotImplementedError")
    baseDims = base.dims
    dims = view.dims
    strides = view.elementStrides
    offset = view.storageOffset - base.storageOffset
  }

  /// A fresh contiguous copy of `g` (the base's gradient), to be written into.
  func dense(_ g: Tensor) -> Tensor {
    let copy = Tensor(uninitialized: baseDims, dtype: g.dtype, device: g.device)
    Backends.backend(for: g.device).copy(g, into: copy)
    return copy
  }

  /// The view's elements of `gradient` (contiguous, the base's shape), copied out.
  func read(from gradient: Tensor) -> Tensor {
    let values = Tensor(uninitialized: dims, dtype: gradient.dtype, device: gradient.device)
    Backends.backend(for: gradient.device).copy(place(in: gradient), into: values)
    return values
  }

  /// Writes `values` (zeros when nil) over the view's elements of `gradient`.
  func write(_ values: Tensor?, into gradient: Tensor) {
    let target = place(in: gradient)
    let source = values ?? torch.zeros(dims, dtype: gradient.dtype, device: gradient.device)
    Backends.backend(for: gradient.device).copy(source.to(gradient.dtype), into: target)
  }

  private func place(in gradient: Tensor) -> Tensor {
    gradient.aliased(shape: dims, strides: strides, offset: gradient.storageOffset + offset)
  }
}
