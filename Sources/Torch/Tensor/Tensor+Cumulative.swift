extension Tensor {
  /// Running sums along `dim` (`torch.cumsum`, node `CumsumBackward0`, whose gradient is the
  /// running sum of the gradient from the other end). Integer and bool tensors sum in int64;
  /// float32 sums accumulate in float64 on the CPU, as PyTorch's do.
  public func cumsum(dim: Int) -> Tensor {
    let d = wrapDim(dim, Swift.max(dims.count, 1))
    let result = Self.running(.sum, dtype.isFloatingPoint ? self : to(.int64), dim: d, reverse: false)
    return result.recording("CumsumBackward0", [self]) { g in [Self.reversedCumsum(g, dim: d)] }
  }

  /// Running products along `dim` (`torch.cumprod`, node `CumprodBackward0`). Integer and bool
  /// tensors multiply in int64; float32 products accumulate in float64 on the CPU, as PyTorch's
  /// do. The gradient is PyTorch's: without zeros, the running sum from the end of g·output,
  /// divided by the input; with zeros, written so that zeros need no division (see
  /// `runningProductGradient`).
  public func cumprod(dim: Int) -> Tensor {
    let d = wrapDim(dim, Swift.max(dims.count, 1))
    let result = Self.running(.product, dtype.isFloatingPoint ? self : to(.int64), dim: d, reverse: false)
    let (saved, output) = (detach(), result.detach())
    return result.recording("CumprodBackward0", [self], saved: [saved, output]) { g in
      let x = self.live(saved)
      return [Tensor.runningProductGradient(g, x, GradMode.isEnabled ? x.cumprod(dim: d) : output, dim: d)]
    }
  }

  /// The backend's running sums or products of `x` along `dim`, from its end with `reverse`
  /// (a 0-d tensor as one element), without autograd.
  private static func running(_ op: CumulativeOp, _ x: Tensor, dim: Int, reverse: Bool) -> Tensor {
    let source = x.dims.isEmpty ? x.reshape([1]) : x
    let out = Tensor(uninitialized: source.dims, dtype: source.dtype, device: source.device)
    if source.numel() > 0 { Backends.backend(for: source.device).cumulative(op, source, dim: dim, reverse: reverse, into: out) }
    return x.dims.isEmpty ? out.reshape([]) : out
  }

  /// Running sums of `x` from the end of `dim`: PyTorch's flip, cumsum, flip when grad mode is
  /// on (so it is recorded), else the same sums in one pass.
  private static func reversedCumsum(_ x: Tensor, dim: Int) -> Tensor {
    GradMode.isEnabled ? x.flip(dims: [dim]).cumsum(dim: dim).flip(dims: [dim]) : running(.sum, x, dim: dim, reverse: true)
  }

  /// ∂L/∂x_i = Σ_{k≥i} g_k · Π_{j≤k, j≠i} x_j. Without zeros that is the running sum of g·output
  /// from the end, divided by x (PyTorch's formula, and its bits). With zeros, as values only:
  /// with P the running product of the nonzero elements and c the running count of zeros, an
  /// element before the first zero gets the sum from its end of g·P where c = 0, divided by it;
  /// the first zero the same sum where c = 1; the rest 0. Under `createGraph` with zeros, each
  /// element's sum is computed from the running product with that element set to 1, so the
  /// gradient's own derivatives at the zeros are right (PyTorch's O(n²) formula there too).
  static func runningProductGradient(_ g: Tensor, _ x: Tensor, _ output: Tensor, dim d: Int) -> Tensor {
    guard !x.dims.isEmpty, x.dims[d] > 1 else { return g }
    let isZero = x.eq(0.0)
    guard isZero.any() else { return reversedCumsum(output * g, dim: d) / x }
    if GradMode.isEnabled { return productsExcludingEach(g, x, dim: d) }
    let zerosSoFar = isZero.cumsum(dim: d)
    let (ones, zeros) = (torch.onesLike(x), torch.zerosLike(x))
    let safe = torch.where(isZero, ones, x)
    let weighted = safe.cumprod(dim: d) * g
    let beforeFirstZero = reversedCumsum(torch.where(zerosSoFar.eq(0.0), weighted, zeros), dim: d) / safe
    let atFirstZero = reversedCumsum(torch.where(zerosSoFar.eq(1.0), weighted, zeros), dim: d)
    return torch.where(zerosSoFar.eq(0.0), beforeFirstZero, torch.where(isZero.logicalAnd(zerosSoFar.eq(1.0)), atFirstZero, zeros))
  }

  /// Σ_{k≥i} g_k · Π_{j≤k, j≠i} x_j for each i, through recorded ops: one running product per i.
  private static func productsExcludingEach(_ g: Tensor, _ x: Tensor, dim d: Int) -> Tensor {
    let n = x.dims[d]
    var positionShape = [Int](repeating: 1, count: x.dims.count)
    positionShape[d] = n
    let positions = torch.arange(n, device: x.device).reshape(positionShape)
    let ones = torch.onesLike(x)
    let sums = (0..<n).map { i in
      let others = torch.where(positions.eq(Double(i)), ones, x).cumprod(dim: d)
      return (others * g).narrow(d, start: i, length: n - i).sum(dim: d, keepdim: true)
    }
    return torch.cat(sums, dim: d)
  }
}

extension torch {
  /// `torch.cumsum(x, dim)`.
  public static func cumsum(_ x: Tensor, dim: Int) -> Tensor { x.cumsum(dim: dim) }
  /// `torch.cumprod(x, dim)`.
  public static func cumprod(_ x: Tensor, dim: Int) -> Tensor { x.cumprod(dim: dim) }
}
