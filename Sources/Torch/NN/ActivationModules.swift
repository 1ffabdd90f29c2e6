extension nn {
  /// max(x, 0) (`torch.nn.ReLU`).
  public final class ReLU: Module {
    /// Overwrites the input instead of allocating the output (`inplace=True`).
    public let inplace: Bool
    public init(inplace: Bool = false) { self.inplace = inplace }
    public func forward(_ input: Tensor) -> Tensor { inplace ? input.relu_() : input.relu() }
    public var extraRepr: String { inplace ? "inplace=True" : "" }
  }

  /// tanh(x) (`torch.nn.Tanh`).
  public final class Tanh: Module {
    public init() {}
    public func forward(_ input: Tensor) -> Tensor { input.tanh() }
  }

  /// 1 / (1 + e^-x) (`torch.nn.Sigmoid`).
  public final class Sigmoid: Module {
    public init() {}
    public func forward(_ input: Tensor) -> Tensor { input.sigmoid() }
  }

  /// x Φ(x) (`torch.nn.GELU`), exact or, with `approximate: "tanh"`, its tanh approximation.
  public final class GELU: Module {
    /// "none" (the exact x·Φ(x)) or "tanh" (its tanh approximation).
    public let approximate: String
    public init(approximate: String = "none") {
      torchCheck(approximate == "none" || approximate == "tanh", "approximate argument must be either none or tanh.")
      self.approximate = approximate
    }
    public func forward(_ input: Tensor) -> Tensor { input.gelu(approximate: approximate) }
    public var extraRepr: String { "approximate='\(approximate)'" }
  }

  /// x σ(x) (`torch.nn.SiLU`).
  public final class SiLU: Module {
    public init() {}
    public func forward(_ input: Tensor) -> Tensor { input.silu() }
  }

  /// max(x, 0) + slope · min(x, 0) (`torch.nn.LeakyReLU`).
  public final class LeakyReLU: Module {
    public let negativeSlope: Double
    public init(negativeSlope: Double = 0.01) { self.negativeSlope = negativeSlope }
    public func forward(_ input: Tensor) -> Tensor { input.leakyRelu(negativeSlope) }
    public var extraRepr: String { "negative_slope=\(negativeSlope)" }
  }

  /// x for x > 0, else α(eˣ − 1) (`torch.nn.ELU`).
  public final class ELU: Module {
    public let alpha: Double
    public init(alpha: Double = 1) { self.alpha = alpha }
    public func forward(_ input: Tensor) -> Tensor { input.elu(alpha: alpha) }
    public var extraRepr: String { "alpha=\(pythonRepr(alpha))" }
  }

  /// log(1 + e^(βx)) / β, linear where βx > threshold (`torch.nn.Softplus`).
  public final class Softplus: Module {
    public let beta: Double
    public let threshold: Double
    public init(beta: Double = 1, threshold: Double = 20) { self.beta = beta; self.threshold = threshold }
    public func forward(_ input: Tensor) -> Tensor { input.softplus(beta: beta, threshold: threshold) }
    public var extraRepr: String { "beta=\(pythonRepr(beta)), threshold=\(pythonRepr(threshold))" }
  }

  /// x · tanh(softplus(x)) (`torch.nn.Mish`).
  public final class Mish: Module {
    public init() {}
    public func forward(_ input: Tensor) -> Tensor { input.mish() }
  }

  /// x · relu6(x + 3) / 6 (`torch.nn.Hardswish`).
  public final class Hardswish: Module {
    public init() {}
    public func forward(_ input: Tensor) -> Tensor { input.hardswish() }
  }

  /// relu6(x + 3) / 6 (`torch.nn.Hardsigmoid`).
  public final class Hardsigmoid: Module {
    public init() {}
    public func forward(_ input: Tensor) -> Tensor { input.hardsigmoid() }
  }

  /// x clamped to [minVal, maxVal] (`torch.nn.Hardtanh`).
  public class Hardtanh: Module {
    public let minVal: Double
    public let maxVal: Double
    public init(minVal: Double = -1, maxVal: Double = 1) {
      torchCheck(maxVal > minVal, "max_val must be greater than min_val")
      self.minVal = minVal
      self.maxVal = maxVal
    }
    public func forward(_ input: Tensor) -> Tensor { input.hardtanh(minVal: minVal, maxVal: maxVal) }
    public var extraRepr: String { "min_val=\(pythonRepr(minVal)), max_val=\(pythonRepr(maxVal))" }
  }

  /// min(max(x, 0), 6) (`torch.nn.ReLU6`, a Hardtanh from 0 to 6 as in PyTorch).
  public final class ReLU6: Hardtanh {
    public init() { super.init(minVal: 0, maxVal: 6) }
    public override var extraRepr: String { "" }
  }

  /// x / (1 + |x|) (`torch.nn.Softsign`).
  public final class Softsign: Module {
    public init() {}
    public func forward(_ input: Tensor) -> Tensor { input.softsign() }
  }

  /// Rescales along `dim` so that values lie in [0, 1] and sum to 1 (`torch.nn.Softmax`).
  /// With `dim: nil`, PyTorch's deprecated implicit choice applies (0 for 0-D, 1-D and 3-D input, else 1).
  public final class Softmax: Module {
    public let dim: Int?
    public init(dim: Int? = nil) { self.dim = dim }
    public func forward(_ input: Tensor) -> Tensor { input.softmax(dim: implicitDim(dim, input, "softmax")) }
    public var extraRepr: String { "dim=\(dim.map(String.init) ?? "None")" }
  }

  /// log(softmax(x)) computed stably (`torch.nn.LogSoftmax`).
  public final class LogSoftmax: Module {
    public let dim: Int?
    public init(dim: Int? = nil) { self.dim = dim }
    public func forward(_ input: Tensor) -> Tensor { input.logSoftmax(dim: implicitDim(dim, input, "log_softmax")) }
    public var extraRepr: String { "dim=\(dim.map(String.init) ?? "None")" }
  }
}

/// PyTorch's `_get_softmax_dim`, with its deprecation warning.
func implicitDim(_ dim: Int?, _ input: Tensor, _ name: String) -> Int {
  if let dim { return dim }
  print("UserWarning: Implicit dimension choice for \(name) has been deprecated. Change the call to include dim=X as an argument.")
  return [0, 1, 3].contains(input.dim()) ? 0 : 1
}
