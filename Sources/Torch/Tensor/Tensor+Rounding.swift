// Rounding (`round`, `floor`, `ceil`, `trunc`) and `square`.

extension Tensor {
  /// The nearest integral value, halves to even (`torch.round`, node `RoundBackward0`, whose
  /// gradient is zero). An integer tensor comes back as a copy.
  public func round() -> Tensor { rounded(Round.self, "RoundBackward0") }
  /// The largest integral value not above each element (`torch.floor`, `FloorBackward0`).
  public func floor() -> Tensor { rounded(Floor.self, "FloorBackward0") }
  /// The smallest integral value not below each element (`torch.ceil`, `CeilBackward0`).
  public func ceil() -> Tensor { rounded(Ceil.self, "CeilBackward0") }
  /// The integral part, toward zero (`torch.trunc`, `TruncBackward0`).
  public func trunc() -> Tensor { rounded(Trunc.self, "TruncBackward0") }

  /// `self * self` (`torch.square`, PyTorch's `pow(2)`: node `PowBackward0`; integers stay integers).
  public func square() -> Tensor { pow(2) }

  private func rounded(_ kernel: any FloatUnaryKernel.Type, _ node: String) -> Tensor {
    guard dtype.isFloatingPoint else { return GradMode.with(enabled: false) { clone() } }
    return unaryResult(UnaryOp(kernel)).recording(node, [self]) { g in [torch.zerosLike(g)] }
  }
}

extension torch {
  public static func round(_ x: Tensor) -> Tensor { x.round() }
  public static func floor(_ x: Tensor) -> Tensor { x.floor() }
  public static func ceil(_ x: Tensor) -> Tensor { x.ceil() }
  public static func trunc(_ x: Tensor) -> Tensor { x.trunc() }
  public static func square(_ x: Tensor) -> Tensor { x.square() }
  public static func nonzero(_ x: Tensor) -> Tensor { x.nonzero() }
  public static func isclose(_ a: Tensor, _ b: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNan: Bool = false) -> Tensor {
    a.isclose(b, rtol: rtol, atol: atol, equalNan: equalNan)
  }
  public static func bmm(_ a: Tensor, _ b: Tensor) -> Tensor { a.bmm(b) }
}
