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
      if dtype.isFloatingPoint, other.dtype == dtype, other.device == device, isContiguous, dims == other.dims,
        other.storage !== storage || (other.storageOffset == storageOffset && other.elementStrides == elementStrides)
      {
        // One kernel, written straight into self (PyTorch's add_ with alpha is one kernel too;
        // on the CPU, dense float32 is ctk_axpy_f32).
        Backends.backend(for: device).binary(BinaryOp(AddScaled.self, alpha), self, other, into: self)
        bumpVersion()
        return self
      }
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
    if !tracksInPlace([]) {
      checkInPlace()
      writeInPlace(clamp(min: min, max: max))
      return self
    }
    let old = detach().clone()
    commitInPlace("ClampBackward1", inputs: [], compute: { self.clamp(min: min, max: max) }) { g in
      // The mask is constant, so this stays differentiable in g under createGraph.
      let mask = Clamp.derivative(at: old, min ?? -.infinity, max ?? .infinity)
      return [g * mask]
    }
    return self
  }

  /// Swift.max(x, 0) in place (`relu_`).
  @discardableResult
  public func relu_() -> Tensor {
    if !tracksInPlace([]) {
      checkInPlace()
      writeInPlace(relu())
      return self
    }
    commitInPlace("ReluBackward0", inputs: [], compute: { self.relu() }) { [weak self] g in
      guard let self else { return [g] }
      return [g * Relu.derivative(at: self.detach(), 0, 0)]
    }
    return self
  }

  /// Copies an untracked result into `self`'s memory.
  private func writeInPlace(_ result: Tensor) {
    Backends.backend(for: device).copy(result.dtype == dtype ? result : result.rawCopy(dtype: dtype), into: self)
    bumpVersion()
  }
}
