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

    /// Normal samples of `mean` and `std` truncated to [a, b] (`trunc_normal_`), drawn as
    /// PyTorch 2.15 draws them: where [a, b] holds more than 0.3 of the normal's mass, normal
    /// samples with those outside redrawn (a whole tensor of normals each round) until none is;
    /// else uniform samples on [a, b] each accepted with probability density / peak density,
    /// the rejected redrawn. A mean more than two standard deviations outside [a, b] prints
    /// PyTorch's warning.
    @discardableResult
    public static func truncNormal_(_ tensor: Tensor, mean: Double = 0, std: Double = 1, a: Double = -2, b: Double = 2,
                                    generator: Generator? = nil) -> Tensor {
      func normalCDF(_ x: Double) -> Double { (1 + Foundation.erf(x / 2.0.squareRoot())) / 2 }
      if mean < a - 2 * std || mean > b + 2 * std {
        print("UserWarning: mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may be incorrect.")
      }
      return torch.noGrad {
        normalCDF((b - mean) / std) - normalCDF((a - mean) / std) > 0.3
          ? truncatedByRedrawing(tensor, mean: mean, std: std, a: a, b: b, generator: generator)
          : truncatedByAcceptance(tensor, mean: mean, std: std, a: a, b: b, generator: generator)
      }
    }

    /// Normal samples, those outside [a, b] (as the tensor's dtype rounds them) redrawn.
    private static func truncatedByRedrawing(_ tensor: Tensor, mean: Double, std: Double, a: Double, b: Double,
                                             generator: Generator?) -> Tensor {
      let (low, high) = (torch.tensor([a], dtype: tensor.dtype).item(), torch.tensor([b], dtype: tensor.dtype).item())
      var result = tensor.normal_(mean: mean, std: std, generator: generator)
      while true {
        let outside = result.lt(low).logicalOr(result.gt(high))
        guard outside.any() else { break }
        result = torch.where(outside, torch.emptyLike(result).normal_(mean: mean, std: std, generator: generator), result)
      }
      if result !== tensor { tensor.copy_(result) }
      return tensor
    }

    /// Uniform samples on [a, b], each kept when log u < log density − log peak density, the
    /// others drawn again until all are kept.
    private static func truncatedByAcceptance(_ tensor: Tensor, mean: Double, std: Double, a: Double, b: Double,
                                              generator: Generator?) -> Tensor {
      let mode = Swift.max(a, Swift.min(mean, b))
      let logPeak = -0.5 * ((mode - mean) / std) * ((mode - mean) / std)
      func logDensity(_ x: Tensor) -> Tensor { ((x - mean) / std).pow(2) * -0.5 - logPeak }
      func rejected(_ candidates: Tensor) -> Tensor {
        torch.emptyLike(tensor).uniform_(generator: generator).log().gt(logDensity(candidates))
      }
      tensor.uniform_(a, b, generator: generator)
      var pending = rejected(tensor)
      guard pending.any() else { return tensor }
      var result = tensor.clone()
      while true {
        let candidates = torch.emptyLike(tensor).uniform_(a, b, generator: generator)
        result = torch.where(pending, candidates, result)
        pending = torch.where(pending, rejected(candidates), pending)
        if !pending.any() { break }
      }
      tensor.copy_(result)
      return tensor
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
