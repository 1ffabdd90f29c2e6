// In-place arithmetic (`add_`, `mul_`, ...). Without autograd tracking they write straight
// into `self`; with it they rebase `self`'s history onto a new node, as PyTorch does.

extension Tensor {
  /// Whether an in-place op on `self` with these operands must record history.
  private func tracksInPlace(_ others: [Tensor]) -> Bool {
    GradMode.isEnabled && (requiresGrad || others.contains { $0.requiresGrad })
  }

  /// Stops when the op's result type cannot be stored in `self`'s dtype.
  private func checkResultType(_ other: DType) {
    let result = DType.promote(dtype, other)
    torchCheck(result == dtype || !(result.isFloatingPoint && !dtype.isFloatingPoint),
      "result type \(result == .float32 ? "Float" : "Double") can't be cast to the desired output type \(dtype == .int64 ? "Long" : "\(dtype)")")
  }

  /// self += alpha * other (`add_`).
  @discardableResult
  public func add_(_ other: Tensor, alpha: Double = 1) -> Tensor {
    checkResultType(other.dtype)
    if !tracksInPlace([other]) {
      checkInPlace()
      // One kernel (PyTorch's add_ with alpha is one kernel too; on the CPU, dense float32 is
      // ctk_axpy_f32).
      if dtype.isFloatingPoint && writeStraight(BinaryOp(AddScaled.self, alpha), other) { return self }
      writeInPlace(alpha == 1 ? self + other : self + other * alpha)
      return self
    }
    let otherDims = other.dims, otherType = other.dtype
    commitInPlace("AddBackward0", inputs: [other], compute: { alpha == 1 ? self + other : self + other * alpha }) { g in
      [g, (alpha == 1 ? g : g * alpha).sumToShape(otherDims).to(otherType)]
    }
    return self
  }

  @discardableResult
  public func add_(_ value: Double) -> Tensor { add_(scalar(value, isFloating: true)) }
  /// An integer literal is a wrapped integer, as in PyTorch: `torch.tensor([1, 2]).add_(5)`
  /// stays int64.
  @discardableResult
  public func add_(_ value: Int) -> Tensor { add_(scalar(Double(value), isFloating: false)) }

  /// self -= alpha * other (`sub_`).
  @discardableResult
  public func sub_(_ other: Tensor, alpha: Double = 1) -> Tensor { add_(other, alpha: -alpha) }

  @discardableResult
  public func sub_(_ value: Double) -> Tensor { add_(scalar(-value, isFloating: true)) }
  @discardableResult
  public func sub_(_ value: Int) -> Tensor { add_(scalar(Double(-value), isFloating: false)) }

  /// self *= other (`mul_`).
  @discardableResult
  public func mul_(_ other: Tensor) -> Tensor {
    checkResultType(other.dtype)
    if !tracksInPlace([other]) {
      checkInPlace()
      if writeStraight(BinaryOp(Mul.self), other) { return self }
      writeInPlace(self * other)
      return self
    }
    // The old value keeps its history (a recorded clone), so the rule stays differentiable.
    let old = clone(), factor = other.detach()
    commitInPlace("MulBackward0", inputs: [other], compute: { self * other }) { g in
      let (previous, multiplier) = Tensor.live(old, old.detach(), other, factor)
      return [g * multiplier, other.requiresGrad ? (g * previous).sumToShape(other.dims).to(other.dtype) : nil]
    }
    return self
  }

  @discardableResult
  public func mul_(_ value: Double) -> Tensor { mul_(scalar(value, isFloating: true)) }
  @discardableResult
  public func mul_(_ value: Int) -> Tensor { mul_(scalar(Double(value), isFloating: false)) }

  /// self /= other (`div_`).
  @discardableResult
  public func div_(_ other: Tensor) -> Tensor {
    checkResultType(.float32)
    if !tracksInPlace([other]) {
      checkInPlace()
      if dtype.isFloatingPoint && writeStraight(BinaryOp(Div.self), other) { return self }
      writeInPlace(self / other)
      return self
    }
    let old = clone(), divisor = other.detach()
    commitInPlace("DivBackward0", inputs: [other], compute: { self / other }) { g in
      let (previous, d) = Tensor.live(old, old.detach(), other, divisor)
      return [g / d, other.requiresGrad ? (-g * previous / (d * d)).sumToShape(other.dims).to(other.dtype) : nil]
    }
    return self
  }

  @discardableResult
  public func div_(_ value: Double) -> Tensor { div_(scalar(value, isFloating: true)) }
  /// True division: on an integer tensor this stops as PyTorch's does (the result is float).
  @discardableResult
  public func div_(_ value: Int) -> Tensor { div_(scalar(Double(value), isFloating: false)) }

  /// Limits values to [min, max] in place (`clamp_`).
  @discardableResult
  public func clamp_(min: Double? = nil, max: Double? = nil) -> Tensor {
    if [min, max].contains(where: { $0.map { $0.rounded() != $0 } ?? false }) { checkResultType(.float32) }
    // The kernels read a NaN bound as an absent one; a given NaN makes every element NaN.
    let (low, high) = (min ?? .nan, max ?? .nan), nanBound = min?.isNaN == true || max?.isNaN == true
    if !tracksInPlace([]) {
      checkInPlace()
      torchCheck(min != nil || max != nil, "torch.clamp: At least one of 'min' or 'max' must not be None")
      if !nanBound, writeStraight(UnaryOp(Clamp.self, low, high)) { return self }
      writeInPlace(clamp(min: min, max: max))
      return self
    }
    let old = detach().clone()
    commitInPlace("ClampBackward1", inputs: [], compute: { self.clamp(min: min, max: max) }) { g in
      [nanBound ? torch.zerosLike(g) : Tensor.activationGradient(Clamp.self, g, saved: old, slopeAt: old, low, high)]
    }
    return self
  }

  /// Writes `value` where `mask` (bool, broadcasting to this shape) is true (`masked_fill_`,
  /// node `MaskedFillBackward0`: the gradient passes where the mask is false).
  @discardableResult
  public func maskedFill_(_ mask: Tensor, _ value: Double) -> Tensor {
    torchCheck(mask.dtype == .bool, "masked_fill_ only supports boolean masks, but got mask with dtype \(mask.dtype.cName)")
    torchCheck(broadcastShapes(dims, mask.dims) == dims,
      "masked_fill_: the mask of shape \(mask.shape) does not broadcast to the tensor's shape \(shape)")
    let fixedMask = mask.detach()
    if !tracksInPlace([]) {
      checkInPlace()
      writeInPlace(maskedFill(fixedMask, value))
      return self
    }
    commitInPlace("MaskedFillBackward0", inputs: [], compute: { self.maskedFill(fixedMask, value) }) { g in
      [g.maskedFill(fixedMask, 0)]
    }
    return self
  }

  /// Swift.max(x, 0) in place (`relu_`).
  @discardableResult
  public func relu_() -> Tensor {
    if !tracksInPlace([]) {
      checkInPlace()
      if writeStraight(UnaryOp(Relu.self)) { return self }
      writeInPlace(relu())
      return self
    }
    commitInPlace("ReluBackward0", inputs: [], compute: { self.relu() }, savingOutput: true) { g, output in
      // relu's rule, on the result as written (its mask is the input's).
      [Tensor.activationGradient(Relu.self, g, saved: output!, slopeAt: output!, 0, 0)]
    }
    return self
  }

  /// The inverse error function in place (`erfinv_`, node `ErfinvBackward0`).
  @discardableResult
  public func erfinv_() -> Tensor {
    torchCheck(dtype.isFloatingPoint, "result type Float can't be cast to the desired output type \(dtype.scalarTypeName)")
    if !tracksInPlace([]) {
      checkInPlace()
      writeInPlace(erfinv())
      return self
    }
    commitInPlace("ErfinvBackward0", inputs: [], compute: { self.erfinv() }, savingOutput: true) { g, output in
      [g * Tensor.erfinvDerivative(output!)]
    }
    return self
  }

  /// Runs `op(self, other)` straight into `self`'s memory, when that reads each element before
  /// writing it: `self` dense, `other` broadcasting to `self`'s shape in `self`'s dtype and
  /// either in other memory or the very same view. False: the caller computes out of place.
  func writeStraight(_ op: BinaryOp, _ other: Tensor) -> Bool {
    guard isContiguous, other.device == device, DType.promote(dtype, other.dtype) == dtype,
          broadcastShapes(dims, other.dims) == dims,
          other.storage !== storage || (other.dims == dims && other.storageOffset == storageOffset && other.elementStrides == elementStrides)
    else { return false }
    let operand = other.dtype == dtype ? other : other.rawCopy(dtype: dtype)
    Backends.backend(for: device).binary(op, self, operand.broadcastView(to: dims), into: self)
    bumpVersion()
    return true
  }

  /// Runs the float kernel `op` on a dense floating-point `self` in place; false otherwise.
  func writeStraight(_ op: UnaryOp) -> Bool {
    guard isContiguous && dtype.isFloatingPoint else { return false }
    Backends.backend(for: device).unary(op, self, into: self)
    bumpVersion()
    return true
  }

  /// `self = source * factor` in one pass (`at::mul_out`), for a dense `self` of `source`'s
  /// shape and dtype in other memory, without autograd.
  func assignProduct(_ source: Tensor, _ factor: Double) {
    precondition(isContiguous && source.dims == dims && source.dtype == dtype && source.device == device && source.storage !== storage)
    let multiplier = scalar(factor, isFloating: true).broadcastView(to: dims)
    Backends.backend(for: device).binary(BinaryOp(Mul.self), source, multiplier, into: self)
    bumpVersion()
  }

  /// Copies an untracked result into `self`'s memory.
  private func writeInPlace(_ result: Tensor) {
    Backends.backend(for: device).copy(result.dtype == dtype ? result : result.rawCopy(dtype: dtype), into: self)
    bumpVersion()
  }
}
