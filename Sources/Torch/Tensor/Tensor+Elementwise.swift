// Elementwise math with NumPy broadcasting, and the backward rule of each op.

/// The shape two broadcast operands produce, or PyTorch's error.
func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int] {
  if a == b { return a }
  let rank = Swift.max(a.count, b.count)
  var shape = [Int](repeating: 1, count: rank)
  for i in 0..<rank {
    let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
    let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
    torchCheck(x == y || x == 1 || y == 1,
      "The size of tensor a (\(x)) must match the size of tensor b (\(y)) at non-singleton dimension \(i)")
    shape[i] = x == 1 ? y : x
  }
  return shape
}

/// Whether `broadcastShapes(a, b)` succeeds: aligned from the last dim, each pair equal or one of them 1.
func broadcastable(_ a: [Int], _ b: [Int]) -> Bool {
  zip(a.reversed(), b.reversed()).allSatisfy { $0 == $1 || $0 == 1 || $1 == 1 }
}

extension Tensor {
  // MARK: - Broadcasting helpers

  /// A view of `self` broadcast to `shape` with zero strides (no autograd).
  func broadcastView(to shape: [Int]) -> Tensor {
    if shape == dims { return self }
    let lead = shape.count - dims.count
    var strides = [Int](repeating: 0, count: shape.count)
    for i in 0..<dims.count where dims[i] != 1 || shape[lead + i] == 1 {
      strides[lead + i] = elementStrides[i]
    }
    return Tensor(storage: storage, shape: shape, strides: strides, offset: storageOffset, dtype: dtype)
  }

  /// Sums a broadcast gradient back down to `shape` (the reverse of broadcasting).
  func sumToShape(_ shape: [Int]) -> Tensor {
    if dims == shape { return self }
    let lead = dims.count - shape.count
    var reduce: [Int] = Array(0..<lead)
    for i in 0..<shape.count where shape[i] == 1 && dims[lead + i] != 1 { reduce.append(lead + i) }
    let summed = reduce.isEmpty ? self : sum(dims: reduce, keepdim: true)
    return summed.reshape(shape)
  }

  /// The gradient for `input` from a broadcast output gradient: reduced and cast back.
  func gradient(for input: Tensor) -> Tensor? {
    guard input.requiresGrad else { return nil }
    let reduced = sumToShape(input.dims)
    return reduced.dtype == input.dtype ? reduced : reduced.to(input.dtype)
  }

  // MARK: - Kernel entry points

  /// Runs a binary kernel after broadcasting and casting both operands to `compute`.
  static func elementwise(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, compute: DType, output: DType) -> Tensor {
    torchCheck(a.device == b.device,
      "Expected all tensors to be on the same device, but found at least two devices, \(a.device) and \(b.device)!")
    let shape = broadcastShapes(a.dims, b.dims)
    let x = a.dtype == compute ? a : a.rawCopy(dtype: compute)
    let y = b.dtype == compute ? b : b.rawCopy(dtype: compute)
    let out = Tensor(uninitialized: shape, dtype: output, device: a.device)
    Backends.backend(for: a.device).binary(op, x.broadcastView(to: shape), y.broadcastView(to: shape), into: out)
    return out
  }

  /// Runs a unary kernel; integer inputs to float-only ops are computed in float32.
  func unaryResult(_ op: UnaryOp, floatOnly: Bool = true) -> Tensor {
    let x = floatOnly && !dtype.isFloatingPoint ? rawCopy(dtype: .float32) : self
    let out = Tensor(uninitialized: dims, dtype: x.dtype, device: device)
    Backends.backend(for: device).unary(op, x, into: out)
    return out
  }

  /// A 0-dim tensor for a scalar operand, typed as PyTorch's wrapped numbers are.
  func scalar(_ value: Double, isFloating: Bool) -> Tensor {
    Tensor(scalar: value, dtype: DType.promote(dtype, scalarIsFloating: isFloating), device: device)
  }

  // MARK: - Arithmetic

  /// Whether an op on these operands records history (checked before building a node, so
  /// untracked ops allocate nothing for autograd).
  @inline(__always)
  static func tracks(_ a: Tensor, _ b: Tensor) -> Bool {
    (a.requiresGrad || b.requiresGrad) && GradMode.isEnabled
  }

  /// Both operands as a backward rule should read them: live under `createGraph`, else saved.
  static func live(_ a: Tensor, _ sa: Tensor, _ b: Tensor, _ sb: Tensor) -> (Tensor, Tensor) {
    GradMode.isEnabled ? (a, b) : (sa, sb)
  }

  public static func + (a: Tensor, b: Tensor) -> Tensor {
    let type = DType.result(a, b)
    let out = elementwise(BinaryOp(Add.self), a, b, compute: type, output: type)
    guard tracks(a, b) else { return out }
    return out.recording("AddBackward0", [a, b]) { g in [g.gradient(for: a), g.gradient(for: b)] }
  }

  public static func - (a: Tensor, b: Tensor) -> Tensor {
    let type = DType.result(a, b)
    let out = elementwise(BinaryOp(Sub.self), a, b, compute: type, output: type)
    guard tracks(a, b) else { return out }
    return out.recording("SubBackward0", [a, b]) { g in [g.gradient(for: a), b.requiresGrad ? (-g).gradient(for: b) : nil] }
  }

  public static func * (a: Tensor, b: Tensor) -> Tensor {
    let type = DType.result(a, b)
    let out = elementwise(BinaryOp(Mul.self), a, b, compute: type, output: type)
    guard tracks(a, b) else { return out }
    // Each operand is saved only when the other needs a gradient (PyTorch's rule), so an
    // in-place change of `x` after `x * 2` is allowed.
    let (sa, sb) = (a.detach(), b.detach())
    let saved = (b.requiresGrad ? [sa] : []) + (a.requiresGrad ? [sb] : [])
    return out.recording("MulBackward0", [a, b], saved: saved) { g in
      let (x, y) = live(a, sa, b, sb)
      return [a.requiresGrad ? (g * y).gradient(for: a) : nil, b.requiresGrad ? (g * x).gradient(for: b) : nil]
    }
  }

  /// True division: integer operands give float32, as in PyTorch.
  public static func / (a: Tensor, b: Tensor) -> Tensor {
    let promoted = DType.result(a, b)
    let type = promoted.isFloatingPoint ? promoted : .float32
    let out = elementwise(BinaryOp(Div.self), a, b, compute: type, output: type)
    guard tracks(a, b) else { return out }
    let (sa, sb) = (a.detach(), b.detach())
    return out.recording("DivBackward0", [a, b], saved: b.requiresGrad ? [sa, sb] : [sb]) { g in
      let (x, y) = live(a, sa, b, sb)
      return [a.requiresGrad ? (g / y).gradient(for: a) : nil,
              b.requiresGrad ? (-g * x / (y * y)).gradient(for: b) : nil]
    }
  }

  public static prefix func - (x: Tensor) -> Tensor {
    x.unaryResult(UnaryOp(Neg.self), floatOnly: false).recording("NegBackward0", [x]) { g in [-g] }
  }

  public static func + (a: Tensor, b: Double) -> Tensor { a + a.scalar(b, isFloating: true) }
  public static func + (a: Double, b: Tensor) -> Tensor { b + b.scalar(a, isFloating: true) }
  public static func + (a: Tensor, b: Int) -> Tensor { a + a.scalar(Double(b), isFloating: false) }
  public static func + (a: Int, b: Tensor) -> Tensor { b + b.scalar(Double(a), isFloating: false) }
  public static func - (a: Tensor, b: Double) -> Tensor { a - a.scalar(b, isFloating: true) }
  public static func - (a: Tensor, b: Int) -> Tensor { a - a.scalar(Double(b), isFloating: false) }
  public static func - (a: Double, b: Tensor) -> Tensor { b.rsub(b.scalar(a, isFloating: true)) }
  public static func - (a: Int, b: Tensor) -> Tensor { b.rsub(b.scalar(Double(a), isFloating: false)) }
  public static func * (a: Tensor, b: Double) -> Tensor { a * a.scalar(b, isFloating: true) }
  public static func * (a: Double, b: Tensor) -> Tensor { b * b.scalar(a, isFloating: true) }
  public static func * (a: Tensor, b: Int) -> Tensor { a * a.scalar(Double(b), isFloating: false) }
  public static func * (a: Int, b: Tensor) -> Tensor { b * b.scalar(Double(a), isFloating: false) }
  public static func / (a: Tensor, b: Double) -> Tensor { a / a.scalar(b, isFloating: true) }
  public static func / (a: Tensor, b: Int) -> Tensor { a / a.scalar(Double(b), isFloating: false) }
  /// `2 / x` is a reciprocal then a multiply, as in PyTorch (node `MulBackward0`).
  public static func / (a: Double, b: Tensor) -> Tensor { b.reciprocal() * a }
  public static func / (a: Int, b: Tensor) -> Tensor { b.reciprocal() * Double(a) }

  /// self / scalar as ATen's `div.Scalar` (node `DivBackward1`), what PyTorch's C++ code
  /// (cross entropy's mean) records; Python's `x / 2` is `DivBackward0`, as `/` here.
  func divided(byScalar value: Double) -> Tensor {
    GradMode.with(enabled: false) { self / value }.recording("DivBackward1", [self]) { g in [g / value] }
  }

  /// `scalar - self` (node `RsubBackward1`).
  private func rsub(_ scalar: Tensor) -> Tensor {
    let type = DType.result(self, scalar)
    return Tensor.elementwise(BinaryOp(Sub.self), scalar, self, compute: type, output: type)
      .recording("RsubBackward1", [self]) { g in [(-g).gradient(for: self)] }
  }

  /// self + alpha * other (`torch.add(input, other, alpha=...)`): for floating types one
  /// fused multiply-add per element, as PyTorch computes it.
  public func add(_ other: Tensor, alpha: Double = 1) -> Tensor {
    alpha == 1 ? self + other : scaledSum(other, alpha: alpha, "AddBackward0")
  }
  /// self - alpha * other (`torch.sub(input, other, alpha=...)`).
  public func sub(_ other: Tensor, alpha: Double = 1) -> Tensor {
    alpha == 1 ? self - other : scaledSum(other, alpha: -alpha, "SubBackward0")
  }

  private func scaledSum(_ other: Tensor, alpha: Double, _ node: String) -> Tensor {
    let type = DType.result(self, other)
    guard type.isFloatingPoint else { return self + other * alpha }
    let out = Self.elementwise(BinaryOp(AddScaled.self, alpha), self, other, compute: type, output: type)
    guard Self.tracks(self, other) else { return out }
    let (a, b) = (self, other)
    return out.recording(node, [a, b]) { g in [g.gradient(for: a), b.requiresGrad ? (g * alpha).gradient(for: b) : nil] }
  }
  public func mul(_ other: Tensor) -> Tensor { self * other }
  public func div(_ other: Tensor) -> Tensor { self / other }
  public func neg() -> Tensor { -self }

  /// `self ** exponent` (node `PowBackward0`). An integer tensor to a whole power stays an
  /// integer tensor (wrapping on overflow), as in PyTorch; to a fractional one it becomes float32.
  public func pow(_ exponent: Double) -> Tensor {
    if (dtype == .int64 || dtype == .uint8) && exponent == exponent.rounded() {
      torchCheck(exponent >= 0, "Integers to negative integer powers are not allowed.")
      return unaryResult(UnaryOp(PowScalar.self, exponent), floatOnly: false)
    }
    let saved = detach()
    return unaryResult(UnaryOp(PowScalar.self, exponent)).recording("PowBackward0", [self], saved: [saved]) { g in
      if exponent == 0 { return [torch.zerosLike(g)] }
      return [g * (self.live(saved).pow(exponent - 1) * exponent)]
    }
  }

  /// `self ** exponent` elementwise (node `PowBackward1`).
  public func pow(_ exponent: Tensor) -> Tensor {
    let promoted = DType.result(self, exponent)
    let type = promoted.isFloatingPoint ? promoted : .float32
    let (base, power) = (detach(), exponent.detach())
    let out = Tensor.elementwise(BinaryOp(Pow.self), self, exponent, compute: type, output: type)
    let result = out.detach()
    return out.recording("PowBackward1", [self, exponent], saved: [base, power]) { g in
      let (x, p) = Tensor.live(self, base, exponent, power)
      let y = GradMode.isEnabled ? x.pow(p) : result
      // PyTorch's conventions: zero where the exponent is 0 (not 0 · 0⁻¹ = NaN at x = 0), and
      // for the exponent zero where x = 0 and p >= 0 (not 0 · log 0 = NaN).
      let zero = torch.zerosLike(g)
      return [self.requiresGrad ? torch.where(p.eq(0.0), zero, g * p * x.pow(p - 1)).gradient(for: self) : nil,
              exponent.requiresGrad ? torch.where(x.eq(0.0) & p.ge(0.0), zero, g * y * x.log()).gradient(for: exponent) : nil]
    }
  }

  // MARK: - Unary functions

  public func exp() -> Tensor {
    let y = unaryResult(UnaryOp(Exp.self)), saved = y.detach()
    return y.recording("ExpBackward0", [self], saved: [saved]) { g in [g * (GradMode.isEnabled ? self.exp() : saved)] }
  }

  public func log() -> Tensor {
    let saved = detach()
    return unaryResult(UnaryOp(Log.self)).recording("LogBackward0", [self], saved: [saved]) { g in [g / self.live(saved)] }
  }

  /// log(1 + x), exact for small x (`torch.log1p`, node `Log1PBackward0`).
  public func log1p() -> Tensor {
    let saved = detach()
    return unaryResult(UnaryOp(Log1p.self)).recording("Log1PBackward0", [self], saved: [saved]) { g in [g / (self.live(saved) + 1.0)] }
  }

  /// The sine, elementwise (`torch.sin`, node `SinBackward0`: g · cos x).
  public func sin() -> Tensor {
    let saved = detach()
    return unaryResult(UnaryOp(Sin.self)).recording("SinBackward0", [self], saved: [saved]) { g in [g * self.live(saved).cos()] }
  }

  /// The cosine, elementwise (`torch.cos`, node `CosBackward0`: g · −sin x).
  public func cos() -> Tensor {
    let saved = detach()
    return unaryResult(UnaryOp(Cos.self)).recording("CosBackward0", [self], saved: [saved]) { g in [g * -self.live(saved).sin()] }
  }

  public func sqrt() -> Tensor {
    let y = unaryResult(UnaryOp(Sqrt.self)), saved = y.detach()
    return y.recording("SqrtBackward0", [self], saved: [saved]) { g in [g / ((GradMode.isEnabled ? self.sqrt() : saved) * 2.0)] }
  }

  /// 1/√x (`torch.rsqrt`, node `RsqrtBackward0`: −½ g y³).
  public func rsqrt() -> Tensor {
    let y = unaryResult(UnaryOp(Rsqrt.self)), saved = y.detach()
    return y.recording("RsqrtBackward0", [self], saved: [saved]) { g in [g * -0.5 * (GradMode.isEnabled ? self.rsqrt() : saved).pow(3)] }
  }

  /// |x|, with PyTorch's subgradient 0 at 0.
  public func abs() -> Tensor {
    let saved = detach()
    return unaryResult(UnaryOp(Abs.self), floatOnly: false).recording("AbsBackward0", [self], saved: [saved]) { g in
      [g * saved.sign()]
    }
  }

  public func sign() -> Tensor {
    unaryResult(UnaryOp(Sign.self), floatOnly: false).recording("SignBackward0", [self]) { g in [torch.zerosLike(g)] }
  }

  public func reciprocal() -> Tensor {
    let y = unaryResult(UnaryOp(Reciprocal.self)), saved = y.detach()
    return y.recording("ReciprocalBackward0", [self], saved: [saved]) { g in
      let r = GradMode.isEnabled ? self.reciprocal() : saved
      return [-g * r * r]
    }
  }

  /// The error function (node `ErfBackward0`); its derivative is 2/√π · e^(−x²).
  public func erf() -> Tensor {
    let saved = detach()
    return unaryResult(UnaryOp(Erf.self)).recording("ErfBackward0", [self], saved: [saved]) { g in
      let x = self.live(saved)
      return [g * ((x * x).neg().exp() * (2 / Double.pi.squareRoot()))]
    }
  }

  /// `input` when a graph of the gradient is being recorded (`createGraph`), so that backward
  /// rules stay differentiable; else the detached copy saved for the fast path.
  func live(_ saved: Tensor) -> Tensor { GradMode.isEnabled ? self : saved }

  // MARK: - Binary functions

  /// Elementwise maximum; ties split the gradient evenly, as PyTorch does.
  public func maximum(_ other: Tensor) -> Tensor { extremum(other, isMax: true) }
  public func minimum(_ other: Tensor) -> Tensor { extremum(other, isMax: false) }

  private func extremum(_ other: Tensor, isMax: Bool) -> Tensor {
    let (op, name) = isMax ? (BinaryOp(Maximum.self), "MaximumBackward0") : (BinaryOp(Minimum.self), "MinimumBackward0")
    let type = DType.result(self, other)
    let (a, b) = (detach(), other.detach())
    return Tensor.elementwise(op, self, other, compute: type, output: type)
      .recording(name, [self, other], saved: [a, b]) { g in
        let wins = (isMax ? a.gt(b) : a.lt(b)).to(g.dtype)
        let ties = a.eq(b).to(g.dtype) * 0.5
        return [self.requiresGrad ? (g * (wins + ties)).gradient(for: self) : nil,
                other.requiresGrad ? (g * (1.0 - wins - ties)).gradient(for: other) : nil]
      }
  }
}


extension torch {
  /// Elementwise choice: `a` where `condition` is true, else `b` (node `WhereBackward0`).
  public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    torchCheck(condition.dtype == .bool, "where expected condition to be a boolean tensor, but got a tensor with dtype \(condition.dtype)")
    let shape = broadcastShapes(broadcastShapes(condition.dims, a.dims), b.dims)
    let type = DType.result(a, b)
    let x = a.dtype == type ? a : a.rawCopy(dtype: type), y = b.dtype == type ? b : b.rawCopy(dtype: type)
    let out = Tensor(uninitialized: shape, dtype: type, device: a.device)
    Backends.backend(for: a.device).whereSelect(
      condition.broadcastView(to: shape), x.broadcastView(to: shape), y.broadcastView(to: shape), into: out)
    let mask = condition.detach()
    return out.recording("WhereBackward0", [a, b]) { g in
      let zero = torch.zerosLike(g)
      return [a.requiresGrad ? torch.where(mask, g, zero).gradient(for: a) : nil,
              b.requiresGrad ? torch.where(mask, zero, g).gradient(for: b) : nil]
    }
  }

  public static func add(_ a: Tensor, _ b: Tensor, alpha: Double = 1) -> Tensor { a.add(b, alpha: alpha) }
  public static func sub(_ a: Tensor, _ b: Tensor) -> Tensor { a - b }
  public static func mul(_ a: Tensor, _ b: Tensor) -> Tensor { a * b }
  public static func div(_ a: Tensor, _ b: Tensor) -> Tensor { a / b }
  /// The `out=` forms: the result written into `out` (resized if needed), which is returned.
  @discardableResult
  public static func add(_ a: Tensor, _ b: Tensor, alpha: Double = 1, out: Tensor) -> Tensor { out.writeOutput(a.add(b, alpha: alpha), op: "add") }
  @discardableResult
  public static func sub(_ a: Tensor, _ b: Tensor, out: Tensor) -> Tensor { out.writeOutput(a - b, op: "sub") }
  @discardableResult
  public static func mul(_ a: Tensor, _ b: Tensor, out: Tensor) -> Tensor { out.writeOutput(a * b, op: "mul") }
  @discardableResult
  public static func div(_ a: Tensor, _ b: Tensor, out: Tensor) -> Tensor { out.writeOutput(a / b, op: "div") }

  public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { a.maximum(b) }
  public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { a.minimum(b) }
  public static func exp(_ x: Tensor) -> Tensor { x.exp() }
  public static func log(_ x: Tensor) -> Tensor { x.log() }
  public static func sin(_ x: Tensor) -> Tensor { x.sin() }
  public static func cos(_ x: Tensor) -> Tensor { x.cos() }
  public static func prod(_ x: Tensor) -> Tensor { x.prod() }
  public static func prod(_ x: Tensor, dim: Int, keepdim: Bool = false) -> Tensor { x.prod(dim: dim, keepdim: keepdim) }
  public static func logicalAnd(_ a: Tensor, _ b: Tensor) -> Tensor { a.logicalAnd(b) }
  public static func logicalOr(_ a: Tensor, _ b: Tensor) -> Tensor { a.logicalOr(b) }
  public static func sqrt(_ x: Tensor) -> Tensor { x.sqrt() }
  public static func abs(_ x: Tensor) -> Tensor { x.abs() }
  public static func tanh(_ x: Tensor) -> Tensor { x.tanh() }
  public static func sigmoid(_ x: Tensor) -> Tensor { x.sigmoid() }
  public static func relu(_ x: Tensor) -> Tensor { x.relu() }
  public static func clamp(_ x: Tensor, min: Double? = nil, max: Double? = nil) -> Tensor { x.clamp(min: min, max: max) }
  public static func erf(_ x: Tensor) -> Tensor { x.erf() }
  public static func pow(_ x: Tensor, _ exponent: Double) -> Tensor { x.pow(exponent) }
  public static func allclose(_ a: Tensor, _ b: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8) -> Bool {
    a.allclose(b, rtol: rtol, atol: atol)
  }
  public static func equal(_ a: Tensor, _ b: Tensor) -> Bool { a.equal(b) }
}
