// Activations written as compositions of other ops (each one node, PyTorch's, through
// `Tensor.composite`): logsigmoid, SELU, CELU and PReLU.

extension Tensor {
  /// log σ(x) = min(x, 0) − log(1 + e^(−|x|)), stable for large |x| (`F.logsigmoid`, node
  /// `LogSigmoidBackward0`). min is `minimum`, whose tie at 0 gives the gradient σ(−0) = ½.
  public func logsigmoid() -> Tensor {
    Tensor.composite("LogSigmoidBackward0", [self]) { inputs in
      let x = inputs[0]
      return x.minimum(torch.zerosLike(x)) - (-x.abs()).exp().log1p()
    }
  }

  /// scale · elu(x, α) with PyTorch's fixed α and scale (`F.selu`, node `EluBackward0`).
  public func selu() -> Tensor {
    let (alpha, scale) = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)
    return Tensor.composite("EluBackward0", [self]) { $0[0].elu(alpha: alpha) * scale }
  }

  /// x for x > 0, else α·expm1(x·(1/α)) as PyTorch computes it (`F.celu`, node `CeluBackward0`).
  public func celu(alpha: Double = 1) -> Tensor {
    torchCheck(alpha != 0, "ZeroDivisionError: alpha cannot be 0 for CELU")
    return Tensor.composite("CeluBackward0", [self]) { inputs in
      let x = inputs[0]
      return torch.where(x.gt(0.0), x, (x * (1 / alpha)).expm1() * alpha)
    }
  }

  /// x for x > 0, else weight · x, one weight per channel (dim 1) or one for all (`F.prelu`,
  /// node `PreluKernelBackward0`).
  public func prelu(_ weight: Tensor) -> Tensor {
    let channels = dim() >= 2 ? dims[1] : 1
    torchCheck(weight.numel() == 1 || weight.numel() == channels,
      "Mismatch of parameter numbers and input channel size. Found parameter numbers = \(weight.numel()) and channel size = \(channels).")
    return Tensor.composite("PreluKernelBackward0", [self, weight]) { inputs in
      let (x, w) = (inputs[0], inputs[1])
      let slope = w.numel() == 1 || x.dim() < 2 ? w.reshape([]) : w.reshape([1, channels] + Array(repeating: 1, count: x.dim() - 2))
      return torch.where(x.gt(0.0), x, x * slope)
    }
  }
}

extension F {
  public static func logsigmoid(_ input: Tensor) -> Tensor { input.logsigmoid() }
  public static func selu(_ input: Tensor) -> Tensor { input.selu() }
  public static func celu(_ input: Tensor, alpha: Double = 1) -> Tensor { input.celu(alpha: alpha) }
  public static func prelu(_ input: Tensor, _ weight: Tensor) -> Tensor { input.prelu(weight) }
}

extension nn {
  /// log σ(x) (`torch.nn.LogSigmoid`).
  public final class LogSigmoid: Module {
    public init() {}
    public func forward(_ input: Tensor) -> Tensor { input.logsigmoid() }
  }

  /// Scaled ELU (`torch.nn.SELU`).
  public final class SELU: Module {
    public init() {}
    public func forward(_ input: Tensor) -> Tensor { input.selu() }
  }

  /// Continuously differentiable ELU (`torch.nn.CELU`).
  public final class CELU: Module {
    public let alpha: Double
    public init(alpha: Double = 1) { self.alpha = alpha }
    public func forward(_ input: Tensor) -> Tensor { input.celu(alpha: alpha) }
    public var extraRepr: String { "alpha=\(pythonRepr(alpha))" }
  }

  /// A leaky ReLU whose negative slopes are learned, one per channel or one for all
  /// (`torch.nn.PReLU`, parameter `weight` filled with `init`).
  public final class PReLU: Module {
    public let numParameters: Int
    public let weight: Tensor
    public init(numParameters: Int = 1, init value: Double = 0.25, dtype: DType = .float32) {
      self.numParameters = numParameters
      weight = nn.Parameter(torch.full([numParameters], value, dtype: dtype))
    }
    public func forward(_ input: Tensor) -> Tensor { input.prelu(weight) }
    public var extraRepr: String { "num_parameters=\(numParameters)" }
  }
}
