import Foundation

extension nn {
  /// `torch.nn.init`: in-place initializers that draw from the default generator exactly as
  /// PyTorch does, so seeded models start with PyTorch's weights.
  public enum `init` {
    /// fan_in and fan_out of a weight (`_calculate_fan_in_and_fan_out`).
    public static func fans(_ tensor: Tensor) -> (fanIn: Int, fanOut: Int) {
      torchCheck(tensor.dim() >= 2,
        "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions", kind: "ValueError")
      let receptive = tensor.dims.dropFirst(2).reduce(1, *)
      return (tensor.dims[1] * receptive, tensor.dims[0] * receptive)
    }

    /// The recommended gain for a nonlinearity (`calculate_gain`).
    public static func calculateGain(_ nonlinearity: String, param: Double? = nil) -> Double {
      switch nonlinearity {
      case "linear", "conv1d", "conv2d", "conv3d", "sigmoid": return 1
      case "tanh": return 5.0 / 3
      case "relu": return 2.0.squareRoot()
      case "leaky_relu":
        let slope = param ?? 0.01
        return (2.0 / (1 + slope * slope)).squareRoot()
      case "selu": return 3.0 / 4
      default: torchFail("Unsupported nonlinearity \(nonlinearity)", kind: "ValueError")
      }
    }

    @discardableResult
    public static func uniform_(_ tensor: Tensor, a: Double = 0, b: Double = 1, generator: Generator? = nil) -> Tensor {
      torch.noGrad { tensor.uniform_(a, b, generator: generator) }
    }

    @discardableResult
    public static func normal_(_ tensor: Tensor, mean: Double = 0, std: Double = 1, generator: Generator? = nil) -> Tensor {
      torch.noGrad { tensor.normal_(mean: mean, std: std, generator: generator) }
    }

    @discardableResult
    public static func constant_(_ tensor: Tensor, _ value: Double) -> Tensor { torch.noGrad { tensor.fill_(value) } }
    @discardableResult
    public static func zeros_(_ tensor: Tensor) -> Tensor { constant_(tensor, 0) }
    @discardableResult
    public static func ones_(_ tensor: Tensor) -> Tensor { constant_(tensor, 1) }

    @discardableResult
    public static func xavierUniform_(_ tensor: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
      let (fanIn, fanOut) = fans(tensor)
      let std = gain * (2.0 / Double(fanIn + fanOut)).squareRoot()
      let bound = 3.0.squareRoot() * std
      return uniform_(tensor, a: -bound, b: bound, generator: generator)
    }

    @discardableResult
    public static func xavierNormal_(_ tensor: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
      let (fanIn, fanOut) = fans(tensor)
      return normal_(tensor, mean: 0, std: gain * (2.0 / Double(fanIn + fanOut)).squareRoot(), generator: generator)
    }

    /// He initialization, uniform (`kaiming_uniform_`), computed in PyTorch's order of
    /// operations so the bound rounds to the same float.
    @discardableResult
    public static func kaimingUniform_(_ tensor: Tensor, a: Double = 0, mode: String = "fan_in",
                                       nonlinearity: String = "leaky_relu", generator: Generator? = nil) -> Tensor {
      let (fanIn, fanOut) = fans(tensor)
      let fan = Double(mode == "fan_in" ? fanIn : fanOut)
      let gain = calculateGain(nonlinearity, param: a)
      let std = gain / fan.squareRoot()
      let bound = 3.0.squareRoot() * std
      return uniform_(tensor, a: -bound, b: bound, generator: generator)
    }

    @discardableResult
    public static func kaimingNormal_(_ tensor: Tensor, a: Double = 0, mode: String = "fan_in",
                                      nonlinearity: String = "leaky_relu", generator: Generator? = nil) -> Tensor {
      let (fanIn, fanOut) = fans(tensor)
      let fan = Double(mode == "fan_in" ? fanIn : fanOut)
      return normal_(tensor, mean: 0, std: calculateGain(nonlinearity, param: a) / fan.squareRoot(), generator: generator)
    }
  }
}
