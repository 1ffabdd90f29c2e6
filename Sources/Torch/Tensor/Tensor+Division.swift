// Rounded division, remainders and negation of bits: `%`, torch.remainder, torch.fmod,
// torch.div(rounding_mode=), torch.floor_divide (Python's `//`), `~`.

extension Tensor {
  /// How `div(_:roundingMode:)` rounds the quotient (`rounding_mode`).
  public enum RoundingMode: String, Sendable {
    /// Toward zero, as C's integer division.
    case trunc
    /// Down, as Python's `//`.
    case floor
  }

  /// Python's modulo (`torch.remainder`, `self % other`): the result has the divisor's sign,
  /// so `-7 % 2` is 1 (node `RemainderBackward1`; its gradient is 1 for `self` and −⌊self / other⌋
  /// for `other`).
  public func remainder(_ other: Tensor) -> Tensor {
    dividing(by: other, Remainder.self, node: "RemainderBackward1", quotient: .floor)
  }

  /// `self % value` (node `RemainderBackward0`).
  public func remainder(_ value: Double) -> Tensor {
    dividing(by: scalar(value, isFloating: true), Remainder.self, node: "RemainderBackward0", quotient: .floor)
  }

  /// C's remainder (`torch.fmod`): the result has the dividend's sign, so `fmod(-7, 2)` is −1
  /// (node `FmodBackward1`; its gradient is 1 for `self` and −trunc(self / other) for `other`).
  public func fmod(_ other: Tensor) -> Tensor { dividing(by: other, Fmod.self, node: "FmodBackward1", quotient: .trunc) }

  /// `fmod(self, value)` (node `FmodBackward0`).
  public func fmod(_ value: Double) -> Tensor {
    dividing(by: scalar(value, isFloating: true), Fmod.self, node: "FmodBackward0", quotient: .trunc)
  }

  /// Division rounded as `roundingMode` says (`torch.div(a, b, rounding_mode=)`); integer
  /// operands give integers, and the gradient is zero (node `DivBackward2`). Without a mode,
  /// true division, as `/`.
  public func div(_ other: Tensor, roundingMode: RoundingMode?) -> Tensor {
    guard let roundingMode else { return self / other }
    let out = Self.rounded(self, other, roundingMode)
    guard Self.tracks(self, other) else { return out }
    return out.recording("DivBackward2", [self, other]) { [self] g in
      [requiresGrad ? torch.zerosLike(g).gradient(for: self) : nil, other.requiresGrad ? torch.zerosLike(g).gradient(for: other) : nil]
    }
  }

  /// `self / value` rounded as `roundingMode` says.
  public func div(_ value: Double, roundingMode: RoundingMode?) -> Tensor { div(scalar(value, isFloating: true), roundingMode: roundingMode) }
  public func div(_ value: Int, roundingMode: RoundingMode?) -> Tensor { div(scalar(Double(value), isFloating: false), roundingMode: roundingMode) }

  public static func % (a: Tensor, b: Tensor) -> Tensor { a.remainder(b) }
  public static func % (a: Tensor, b: Double) -> Tensor { a.remainder(b) }
  public static func % (a: Tensor, b: Int) -> Tensor {
    a.dividing(by: a.scalar(Double(b), isFloating: false), Remainder.self, node: "RemainderBackward0", quotient: .floor)
  }
  /// `2 % x`: PyTorch has no derivative for it (node `NotImplemented`).
  public static func % (a: Double, b: Tensor) -> Tensor {
    notDifferentiable(rounded(b.scalar(a, isFloating: true), b, Remainder.self), of: [b], "remainder")
  }
  public static func % (a: Int, b: Tensor) -> Tensor {
    notDifferentiable(rounded(b.scalar(Double(a), isFloating: false), b, Remainder.self), of: [b], "remainder")
  }

  /// `~x`: logical not of a bool tensor, bitwise not of an integer one (`torch.bitwise_not`).
  public static prefix func ~ (x: Tensor) -> Tensor {
    torchCheck(!x.dtype.isFloatingPoint, "~ (operator.invert) is only implemented on integer and Boolean-type tensors", kind: "TypeError")
    return x.dtype == .bool ? x.logicalNot() : -x - 1
  }

  /// Elementwise `not`, true where `self` is zero (`torch.logical_not`), a bool tensor.
  public func logicalNot() -> Tensor { GradMode.with(enabled: false) { eq(0.0) } }
  /// True where both are nonzero (`torch.logical_and`), broadcast, a bool tensor.
  public func logicalAnd(_ other: Tensor) -> Tensor { GradMode.with(enabled: false) { ne(0.0).minimum(other.ne(0.0)) } }
  /// True where either is nonzero (`torch.logical_or`), broadcast, a bool tensor.
  public func logicalOr(_ other: Tensor) -> Tensor { GradMode.with(enabled: false) { ne(0.0).maximum(other.ne(0.0)) } }

  /// `a & b` of bool tensors, as PyTorch's masks combine (`(x > 0) & (x < 1)`).
  public static func & (a: Tensor, b: Tensor) -> Tensor { a.booleanOperands(b, "&"); return a.logicalAnd(b) }
  /// `a | b` of bool tensors.
  public static func | (a: Tensor, b: Tensor) -> Tensor { a.booleanOperands(b, "|"); return a.logicalOr(b) }

  /// Bitwise `&` and `|` are implemented for bool masks; integer bit operations are not.
  private func booleanOperands(_ other: Tensor, _ op: String) {
    torchCheck(dtype == .bool && other.dtype == .bool,
      "\(op) is implemented here for bool tensors only (got \(dtype) and \(other.dtype)); for integers use arithmetic", kind: "NotImplementedError")
  }

  // MARK: - Kernels

  /// `self` op `other` for a remainder (`kernel`) whose gradient for `other` is −q·g, q the
  /// quotient rounded as `quotient` says.
  private func dividing(by other: Tensor, _ kernel: any IntegerBinaryKernel.Type, node: String, quotient: RoundingMode) -> Tensor {
    let out = Self.rounded(self, other, kernel)
    guard Self.tracks(self, other) else { return out }
    let (a, b) = (detach(), other.detach())
    return out.recording(node, [self, other], saved: [a, b]) { [self] g in
      let (x, y) = Self.live(self, a, other, b)
      return [requiresGrad ? g.gradient(for: self) : nil,
              other.requiresGrad ? (-g * Self.rounded(x.detach(), y.detach(), quotient)).gradient(for: other) : nil]
    }
  }

  private static func rounded(_ a: Tensor, _ b: Tensor, _ mode: RoundingMode) -> Tensor {
    rounded(a, b, mode == .floor ? FloorDivide.self : TruncDivide.self)
  }

  /// `kernel` over the promoted operands; integer ones on the CPU stop on a zero divisor, as PyTorch's.
  private static func rounded(_ a: Tensor, _ b: Tensor, _ kernel: any IntegerBinaryKernel.Type) -> Tensor {
    let type = DType.result(a, b)
    if type == .int64 || type == .uint8, b.device == .cpu {
      torchCheck(GradMode.with(enabled: false) { !b.eq(0.0).any() }, "ZeroDivisionError")
    }
    return elementwise(BinaryOp(kernel), a, b, compute: type, output: type)
  }

  /// `result` as PyTorch records an op it has no derivative for: a `NotImplemented` node whose
  /// backward stops with PyTorch's message.
  private static func notDifferentiable(_ result: Tensor, of inputs: [Tensor], _ op: String) -> Tensor {
    guard inputs.contains(where: \.requiresGrad), GradMode.isEnabled else { return result }
    return result.recording("NotImplemented", inputs) { _ in torchFail("derivative for aten::\(op) is not implemented") }
  }
}

extension torch {
  /// `torch.remainder(a, b)`: Python's modulo, the divisor's sign.
  public static func remainder(_ a: Tensor, _ b: Tensor) -> Tensor { a.remainder(b) }
  /// `torch.fmod(a, b)`: C's remainder, the dividend's sign.
  public static func fmod(_ a: Tensor, _ b: Tensor) -> Tensor { a.fmod(b) }
  /// `torch.div(a, b, rounding_mode=)`.
  public static func div(_ a: Tensor, _ b: Tensor, roundingMode: Tensor.RoundingMode?) -> Tensor { a.div(b, roundingMode: roundingMode) }
  /// `torch.floor_divide(a, b)`, Python's `a // b`: rounded down, with no derivative (node
  /// `NotImplemented`, as PyTorch's).
  public static func floorDivide(_ a: Tensor, _ b: Tensor) -> Tensor {
    Tensor.notDifferentiableFloorDivide(a, b)
  }
  /// `torch.logical_not(x)`.
  public static func logicalNot(_ x: Tensor) -> Tensor { x.logicalNot() }
  /// `torch.bitwise_not(x)`, `~x`.
  public static func bitwiseNot(_ x: Tensor) -> Tensor { ~x }
}

extension Tensor {
  fileprivate static func notDifferentiableFloorDivide(_ a: Tensor, _ b: Tensor) -> Tensor {
    notDifferentiable(GradMode.with(enabled: false) { rounded(a, b, .floor) }, of: [a, b], "floor_divide")
  }
}
