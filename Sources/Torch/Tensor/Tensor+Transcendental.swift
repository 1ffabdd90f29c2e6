// torch.expm1, exp2, log2, log10, tan, asin, acos, atan, sinh, cosh and erfinv with PyTorch's backward
// rules (derivatives.yaml) and node names. Integer input computes in float32, as PyTorch's.
// Under grad mode the backward recomputes from the input, so gradients of gradients are
// recorded; otherwise it reads the saved value.

private let ln2 = 0.693147180559945309417232121458176568
private let ln10 = 2.302585092994045684017991454684364208

extension Tensor {
  /// e^x − 1, exact for small x (`torch.expm1`, node `Expm1Backward0`: g · (result + 1)).
  public func expm1() -> Tensor {
    let y = unaryResult(UnaryOp(Expm1.self)), saved = y.detach()
    return y.recording("Expm1Backward0", [self], saved: [saved]) { g in [g * ((GradMode.isEnabled ? self.expm1() : saved) + 1.0)] }
  }

  /// 2^x (`torch.exp2`, node `Exp2Backward0`: g · result · ln 2).
  public func exp2() -> Tensor {
    let y = unaryResult(UnaryOp(Exp2.self)), saved = y.detach()
    return y.recording("Exp2Backward0", [self], saved: [saved]) { g in [g * (GradMode.isEnabled ? self.exp2() : saved) * ln2] }
  }

  /// The base-2 logarithm (`torch.log2`, node `Log2Backward0`: g / (x · ln 2)).
  public func log2() -> Tensor {
    let saved = detach()
    return unaryResult(UnaryOp(Log2.self)).recording("Log2Backward0", [self], saved: [saved]) { g in [g / (self.live(saved) * ln2)] }
  }

  /// The base-10 logarithm (`torch.log10`, node `Log10Backward0`: g / (x · ln 10)).
  public func log10() -> Tensor {
    let saved = detach()
    return unaryResult(UnaryOp(Log10.self)).recording("Log10Backward0", [self], saved: [saved]) { g in [g / (self.live(saved) * ln10)] }
  }

  /// The tangent (`torch.tan`, node `TanBackward0`: g · (1 + result²)).
  public func tan() -> Tensor {
    let y = unaryResult(UnaryOp(Tan.self)), saved = y.detach()
    return y.recording("TanBackward0", [self], saved: [saved]) { g in [g * ((GradMode.isEnabled ? self.tan() : saved).pow(2) + 1.0)] }
  }

  /// The arcsine, NaN outside [−1, 1] (`torch.asin`, node `AsinBackward0`: g / √(1 − x²)).
  public func asin() -> Tensor {
    let saved = detach()
    return unaryResult(UnaryOp(Asin.self)).recording("AsinBackward0", [self], saved: [saved]) { g in
      let x = self.live(saved)
      return [g * (1.0 - x * x).rsqrt()]
    }
  }

  /// The arccosine, NaN outside [−1, 1] (`torch.acos`, node `AcosBackward0`: −g / √(1 − x²)).
  public func acos() -> Tensor {
    let saved = detach()
    return unaryResult(UnaryOp(Acos.self)).recording("AcosBackward0", [self], saved: [saved]) { g in
      let x = self.live(saved)
      return [g * -(1.0 - x * x).rsqrt()]
    }
  }

  /// The arctangent (`torch.atan`, node `AtanBackward0`: g / (x² + 1)).
  public func atan() -> Tensor {
    let saved = detach()
    return unaryResult(UnaryOp(Atan.self)).recording("AtanBackward0", [self], saved: [saved]) { g in
      let x = self.live(saved)
      return [g / (x * x + 1.0)]
    }
  }

  /// The hyperbolic sine (`torch.sinh`, node `SinhBackward0`: g · cosh x).
  public func sinh() -> Tensor {
    let saved = detach()
    return unaryResult(UnaryOp(Sinh.self)).recording("SinhBackward0", [self], saved: [saved]) { g in [g * self.live(saved).cosh()] }
  }

  /// The hyperbolic cosine (`torch.cosh`, node `CoshBackward0`: g · sinh x).
  public func cosh() -> Tensor {
    let saved = detach()
    return unaryResult(UnaryOp(Cosh.self)).recording("CoshBackward0", [self], saved: [saved]) { g in [g * self.live(saved).sinh()] }
  }

  /// The inverse error function, NaN outside [−1, 1] (`torch.erfinv`, node `ErfinvBackward0`:
  /// g · √π/2 · exp(result²)).
  public func erfinv() -> Tensor {
    let y = unaryResult(UnaryOp(Erfinv.self)), saved = y.detach()
    return y.recording("ErfinvBackward0", [self], saved: [saved]) { g in
      [g * Tensor.erfinvDerivative(GradMode.isEnabled ? self.erfinv() : saved)]
    }
  }

  /// d erfinv(x)/dx at the result y = erfinv(x): √π/2 · exp(y²).
  static func erfinvDerivative(_ y: Tensor) -> Tensor { y.pow(2).exp() * (Double.pi.squareRoot() / 2) }
}

extension torch {
  public static func erfinv(_ x: Tensor) -> Tensor { x.erfinv() }
  public static func expm1(_ x: Tensor) -> Tensor { x.expm1() }
  public static func exp2(_ x: Tensor) -> Tensor { x.exp2() }
  public static func log2(_ x: Tensor) -> Tensor { x.log2() }
  public static func log10(_ x: Tensor) -> Tensor { x.log10() }
  public static func tan(_ x: Tensor) -> Tensor { x.tan() }
  public static func asin(_ x: Tensor) -> Tensor { x.asin() }
  public static func acos(_ x: Tensor) -> Tensor { x.acos() }
  public static func atan(_ x: Tensor) -> Tensor { x.atan() }
  public static func sinh(_ x: Tensor) -> Tensor { x.sinh() }
  public static func cosh(_ x: Tensor) -> Tensor { x.cosh() }
}
