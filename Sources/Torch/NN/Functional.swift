extension F {
  /// x Wᵀ + b (`F.linear`), computed in one fused product with the bias.
  public static func linear(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil) -> Tensor {
    Tensor.linear(input, weight, bias)
  }
  public static func relu(_ input: Tensor) -> Tensor { input.relu() }
  /// One-hot rows (`F.one_hot`): int64 `[..., numClasses]` with a 1 at each value's position.
  /// `numClasses` -1 takes the largest value plus one, as PyTorch does.
  public static func oneHot(_ tensor: Tensor, numClasses: Int = -1) -> Tensor {
    torchCheck(tensor.dtype == .int64, "one_hot is only applicable to index tensor of type LongTensor.")
    let values = tensor.detach()
    let smallest = values.numel() > 0 ? Int(values.min().item()) : 0
    torchCheck(smallest >= 0, "Class values must be non-negative.")
    let classes = numClasses == -1 ? (values.numel() > 0 ? Int(values.max().item()) + 1 : 0) : numClasses
    torchCheck(values.numel() == 0 || Int(values.max().item()) < classes, "Class values must be smaller than num_classes.")
    return (values.unsqueeze(-1) == torch.arange(classes, device: tensor.device)).long()
  }

  /// `F.gelu(x, approximate="none" | "tanh")`.
  public static func gelu(_ input: Tensor, approximate: String = "none") -> Tensor { input.gelu(approximate: approximate) }
  public static func silu(_ input: Tensor) -> Tensor { input.silu() }
  public static func tanh(_ input: Tensor) -> Tensor { input.tanh() }
  public static func sigmoid(_ input: Tensor) -> Tensor { input.sigmoid() }
  public static func leakyRelu(_ input: Tensor, negativeSlope: Double = 0.01) -> Tensor { input.leakyRelu(negativeSlope) }
  public static func elu(_ input: Tensor, alpha: Double = 1) -> Tensor { input.elu(alpha: alpha) }
  public static func softmax(_ input: Tensor, dim: Int? = nil) -> Tensor {
    input.softmax(dim: implicitDim(dim, input, "softmax"))
  }
  public static func logSoftmax(_ input: Tensor, dim: Int? = nil) -> Tensor {
    input.logSoftmax(dim: implicitDim(dim, input, "log_softmax"))
  }

  /// Zeroes elements with probability `p` and scales the rest by 1/(1-p) when `training`
  /// (`F.dropout`). As in PyTorch: a `bernoulli_(1 - p)` mask divided by 1 - p, then a product
  /// (`MulBackward0`), so a seeded run drops the elements PyTorch drops (see `bernoulli_`).
  /// With `inplace`, the mask multiplies `input` itself (`mul_`, node `MulBackward0`) and
  /// `input` is returned, as PyTorch's `dropout_`.
  public static func dropout(_ input: Tensor, p: Double = 0.5, training: Bool = true, inplace: Bool = false,
                             generator: Generator? = nil) -> Tensor {
    torchCheck(p >= 0 && p <= 1, "dropout probability has to be between 0 and 1, but got \(p)", kind: "ValueError")
    guard training && p > 0 && input.numel() > 0 else { return input }
    if p == 1 { return inplace ? input.mul_(0.0) : input * 0.0 }
    let noise = dropoutMask(input.dims, p: p, like: input, generator: generator)
    return inplace ? input.mul_(noise) : input * noise
  }
}
