// Reductions: sum, mean, max/min, argmax, var/std, logsumexp, softmax, log_softmax.

extension Tensor {
  /// Normalizes a dim list, stopping on duplicates.
  private func reductionDims(_ dims: [Int]) -> [Int] {
    let wrapped = dims.map { wrapDim($0, self.dims.count) }
    torchCheck(Set(wrapped).count == wrapped.count, "dim \(wrapped) appears multiple times in the list of dims")
    return self.dims.isEmpty ? [] : wrapped.sorted()
  }

  /// Runs a reduction kernel; the result keeps reduced dims as size 1 when `keepdim`.
  private func reduced(_ op: ReduceOp, _ dims: [Int], keepdim: Bool, dtype outType: DType? = nil) -> Tensor {
    var kept = self.dims
    for d in dims { kept[d] = 1 }
    let source = outType.map { $0 == dtype ? self : rawCopy(dtype: $0) } ?? self
    let out = Tensor(uninitialized: kept, dtype: source.dtype, device: device)
    if numel() == 0 {
      Backends.backend(for: device).fill(out, with: op == .sum ? 0 : (op == .prod ? 1 : .nan))
    } else {
      Backends.backend(for: device).reduce(op, source, dims: dims, into: out)
    }
    if keepdim { return out }
    let shape = kept.indices.filter { !dims.contains($0) }.map { kept[$0] }
    return out.aliased(shape: shape, strides: contiguousStrides(shape))
  }

  /// Expands a reduced gradient back over the reduced dims.
  private static func expandReduced(_ g: Tensor, to shape: [Int], dims: [Int], keepdim: Bool) -> Tensor {
    var grad = g
    if !keepdim { for d in dims { grad = grad.unsqueeze(d) } }
    return grad.expand(shape)
  }

  /// The sum type PyTorch uses: integers and bools sum to int64.
  private var sumType: DType { dtype.isFloatingPoint ? dtype : .int64 }

  // MARK: - Sum and mean

  /// The sum of all elements (`SumBackward0`).
  public func sum() -> Tensor {
    let shape = dims
    return reduced(.sum, Array(0..<dims.count), keepdim: false, dtype: sumType)
      .recording("SumBackward0", [self]) { g in [g.expand(shape)] }
  }

  /// The sum over `dims` (`SumBackward1`).
  public func sum(dim: Int, keepdim: Bool = false) -> Tensor { sum(dims: [dim], keepdim: keepdim) }
  public func sum(dims: [Int], keepdim: Bool = false) -> Tensor {
    let axes = reductionDims(dims), shape = self.dims
    return reduced(.sum, axes, keepdim: keepdim, dtype: sumType)
      .recording("SumBackward1", [self]) { g in [Tensor.expandReduced(g, to: shape, dims: axes, keepdim: keepdim)] }
  }

  private func checkMeanType() {
    torchCheck(dtype.isFloatingPoint,
      "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: \(dtype == .int64 ? "Long" : "\(dtype)")")
  }

  /// The mean of all elements (`MeanBackward0`); floating point only, as in PyTorch.
  public func mean() -> Tensor {
    checkMeanType()
    let shape = dims, count = Double(numel())
    let total = GradMode.with(enabled: false) { reduced(.sum, Array(0..<dims.count), keepdim: false) }
    return (GradMode.with(enabled: false) { total / count })
      .recording("MeanBackward0", [self]) { g in [(g / count).expand(shape)] }
  }

  /// The mean over `dims` (`MeanBackward1`).
  public func mean(dim: Int, keepdim: Bool = false) -> Tensor { mean(dims: [dim], keepdim: keepdim) }
  public func mean(dims: [Int], keepdim: Bool = false) -> Tensor {
    checkMeanType()
    let axes = reductionDims(dims), shape = self.dims
    let count = Double(axes.reduce(1) { $0 * shape[$1] })
    let total = GradMode.with(enabled: false) { reduced(.sum, axes, keepdim: keepdim) }
    return (GradMode.with(enabled: false) { total / count })
      .recording("MeanBackward1", [self]) { g in [Tensor.expandReduced(g / count, to: shape, dims: axes, keepdim: keepdim)] }
  }

  // MARK: - Product

  /// The product of all elements (node `ProdBackward0`); integers multiply in int64.
  public func prod() -> Tensor {
    let out = GradMode.with(enabled: false) { reduced(.prod, Array(0..<dims.count), keepdim: false, dtype: sumType) }
    let (saved, result) = (detach(), out.detach())
    return out.recording("ProdBackward0", [self], saved: [saved]) { g in
      let x = self.live(saved)
      guard x.dim() > 0 else { return [g] }
      let flat = x.reshape([-1])
      let product = GradMode.isEnabled ? flat.prod(dim: 0, keepdim: true) : result.reshape([1])
      return [Tensor.productGradient(g.reshape([1]), flat, product, dim: 0).reshape(x.dims)]
    }
  }

  /// The product along `dim` (node `ProdBackward1`).
  public func prod(dim: Int, keepdim: Bool = false) -> Tensor {
    let d = wrapDim(dim, Swift.max(dims.count, 1))
    if dims.isEmpty { return GradMode.with(enabled: false) { self.to(sumType).clone() }.recording("ProdBackward1", [self]) { [$0] } }
    let out = GradMode.with(enabled: false) { reduced(.prod, [d], keepdim: keepdim, dtype: sumType) }
    let (saved, result) = (detach(), out.detach())
    return out.recording("ProdBackward1", [self], saved: [saved]) { g in
      let x = self.live(saved)
      let product = GradMode.isEnabled ? x.prod(dim: d, keepdim: true) : (keepdim ? result : result.unsqueeze(d))
      return [Tensor.productGradient(keepdim ? g : g.unsqueeze(d), x, product, dim: d)]
    }
  }

  /// The gradient of a product along `dim` (`g` and `product` keep it as size 1): each element
  /// gets g times the product of the others. Where a slice has no zero that is g·(product / x),
  /// PyTorch's formula; with zeros it is written from the product P of the slice's nonzero
  /// elements and the sum Z of its zeros (0, but carrying their derivatives), so that gradients
  /// of gradients stay right: one zero gives P at the zero and Z·P/x elsewhere; two give
  /// (Z − x)·P at each zero (the other zero times P) and 0 elsewhere; three or more, 0.
  static func productGradient(_ g: Tensor, _ x: Tensor, _ product: Tensor, dim: Int) -> Tensor {
    let isZero = x.eq(0.0)
    guard isZero.sum().item(Int64.self) > 0 else { return g * (product / x) }
    let zeroCount = isZero.sum(dim: dim, keepdim: true).expand(x.dims)
    let ones = torch.onesLike(x), zeros = torch.zerosLike(x)
    let safeX = torch.where(isZero, ones, x)
    let nonzeroProduct = safeX.prod(dim: dim, keepdim: true).expand(x.dims)
    let zeroSum = torch.where(isZero, x, zeros).sum(dim: dim, keepdim: true).expand(x.dims)
    let oneZero = torch.where(isZero, nonzeroProduct, zeroSum * (nonzeroProduct / safeX))
    let twoZeros = torch.where(isZero, (zeroSum - x) * nonzeroProduct, zeros)
    let others = torch.where(zeroCount.eq(0.0), product.expand(x.dims) / safeX,
                             torch.where(zeroCount.eq(1.0), oneZero, torch.where(zeroCount.eq(2.0), twoZeros, zeros)))
    return g * others
  }

  // MARK: - Max and min

  /// The largest element; ties share the gradient evenly (`MaxBackward1`).
  public func max() -> Tensor { extreme(isMax: true) }
  /// The smallest element (`MinBackward1`).
  public func min() -> Tensor { extreme(isMax: false) }

  private func extreme(isMax: Bool) -> Tensor {
    torchCheck(numel() > 0,
      "\(isMax ? "max" : "min")(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
    let value = reduced(isMax ? .max : .min, Array(0..<dims.count), keepdim: false)
    let saved = detach(), result = value.detach()
    return value.recording(isMax ? "MaxBackward1" : "MinBackward1", [self], saved: [saved]) { g in
      let mask = saved.eq(result).to(g.dtype)
      return [mask * (g / mask.sum())]
    }
  }

  /// Max along `dim` with the index of the first maximum; the gradient goes to that index
  /// alone (`MaxBackward0`).
  public func max(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
    extreme(dim: dim, keepdim: keepdim, isMax: true)
  }

  public func min(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
    extreme(dim: dim, keepdim: keepdim, isMax: false)
  }

  private func extreme(dim: Int, keepdim: Bool, isMax: Bool) -> (values: Tensor, indices: Tensor) {
    let d = wrapDim(dim, dims.count)
    let source = dims.isEmpty ? reshape([1]) : self
    var kept = source.dims
    torchCheck(kept[d] > 0, "\(isMax ? "max" : "min")(): Expected reduction dim \(d) to have non-zero size.", kind: "IndexError")
    kept[d] = 1
    let values = Tensor(uninitialized: kept, dtype: dtype, device: device)
    let indices = Tensor(uninitialized: kept, dtype: .int64, device: device)
    Backends.backend(for: device).argReduce(max: isMax, source, dim: d, values: values, indices: indices)
    let outShape = keepdim || dims.isEmpty ? (dims.isEmpty ? [] : kept) : kept.enumerated().filter { $0.offset != d }.map(\.element)
    let v = values.aliased(shape: outShape, strides: contiguousStrides(outShape))
    let i = indices.aliased(shape: outShape, strides: contiguousStrides(outShape))
    let shape = dims, keptIndices = indices
    v.recording(isMax ? "MaxBackward0" : "MinBackward0", [self]) { g in
      var grad = torch.zeros(shape.isEmpty ? [1] : shape, dtype: g.dtype, device: g.device)
      let expanded = g.reshape(kept)
      if GradMode.isEnabled {
        grad = grad.scatterAdd(d, keptIndices, expanded)
      } else {
        Backends.backend(for: g.device).scatterAdd(grad, dim: d, index: keptIndices, source: expanded.contiguous())
      }
      return [shape.isEmpty ? grad.reshape([]) : grad]
    }
    return (v, i)
  }

  /// Index of the largest element, flattened (`argmax()`), int64.
  public func argmax() -> Tensor { flatten().detach().max(dim: 0).indices }
  /// Index of the largest element along `dim` (`argmax(dim)`), int64.
  public func argmax(dim: Int, keepdim: Bool = false) -> Tensor {
    GradMode.with(enabled: false) { self.max(dim: dim, keepdim: keepdim).indices }
  }
  public func argmax(_ dim: Int) -> Tensor { argmax(dim: dim) }
  public func argmin() -> Tensor { flatten().detach().min(dim: 0).indices }
  public func argmin(dim: Int, keepdim: Bool = false) -> Tensor {
    GradMode.with(enabled: false) { self.min(dim: dim, keepdim: keepdim).indices }
  }

  /// Max over several dims, gradient split among ties (`amax`).
  public func amax(dims: [Int], keepdim: Bool = false) -> Tensor { extremes(.amax, dims: dims, keepdim: keepdim) }
  /// Min over several dims, gradient split among ties (`amin`).
  public func amin(dims: [Int], keepdim: Bool = false) -> Tensor { extremes(.amin, dims: dims, keepdim: keepdim) }

  /// `amax` or `amin`: the gradient goes to every element equal to its slice's extreme, split
  /// evenly among them (`AmaxBackward0`, `AminBackward0`).
  private func extremes(_ op: ReduceOp, dims: [Int], keepdim: Bool) -> Tensor {
    let axes = reductionDims(dims), shape = self.dims
    let value = reduced(op, axes, keepdim: keepdim)
    let saved = detach(), result = value.detach()
    return value.recording(op == .amax ? "AmaxBackward0" : "AminBackward0", [self], saved: [saved]) { g in
      let expandedResult = Tensor.expandReduced(result, to: shape, dims: axes, keepdim: keepdim)
      let mask = saved.eq(expandedResult).to(g.dtype)
      let count = mask.sum(dims: axes, keepdim: true)
      return [mask * Tensor.expandReduced(g, to: shape, dims: axes, keepdim: keepdim) / count]
    }
  }

  // MARK: - Variance

  /// Variance over all elements with Bessel's correction by default (`VarBackward0`).
  public func `var`(correction: Int = 1) -> Tensor { `var`(dims: Array(0..<dims.count), correction: correction) }
  public func `var`(dim: Int, correction: Int = 1, keepdim: Bool = false) -> Tensor {
    `var`(dims: [dim], correction: correction, keepdim: keepdim)
  }
  public func `var`(dims: [Int], correction: Int = 1, keepdim: Bool = false) -> Tensor {
    let axes = reductionDims(dims), shape = self.dims
    let n = axes.reduce(1) { $0 * shape[$1] }
    let divisor = Double(Swift.max(n - correction, 0))
    let saved = detach()
    let result = GradMode.with(enabled: false) {
      let centered = self - self.mean(dims: axes, keepdim: true)
      return (centered * centered).sum(dims: axes, keepdim: keepdim) / divisor
    }
    return result.recording("VarBackward0", [self], saved: [saved]) { g in
      let x = self.live(saved)
      let centered = x - x.mean(dims: axes, keepdim: true)
      return [Tensor.expandReduced(g, to: shape, dims: axes, keepdim: keepdim) * centered * (2 / divisor)]
    }
  }

  /// Standard deviation (`StdBackward0`).
  public func std(correction: Int = 1) -> Tensor { std(dims: Array(0..<dims.count), correction: correction) }
  public func std(dim: Int, correction: Int = 1, keepdim: Bool = false) -> Tensor {
    std(dims: [dim], correction: correction, keepdim: keepdim)
  }
  public func std(dims: [Int], correction: Int = 1, keepdim: Bool = false) -> Tensor {
    let axes = reductionDims(dims), shape = self.dims
    let n = axes.reduce(1) { $0 * shape[$1] }
    let divisor = Double(Swift.max(n - correction, 0))
    let saved = detach()
    let result = GradMode.with(enabled: false) { self.var(dims: axes, correction: correction, keepdim: keepdim).sqrt() }
    let value = result.detach()
    return result.recording("StdBackward0", [self], saved: [saved]) { g in
      let x = self.live(saved)
      let centered = x - x.mean(dims: axes, keepdim: true)
      let std = GradMode.isEnabled ? x.std(dims: axes, correction: correction, keepdim: keepdim) : value
      let scale = Tensor.expandReduced(g / (std * divisor), to: shape, dims: axes, keepdim: keepdim)
      return [scale * centered]
    }
  }

  // MARK: - Norms

  /// The p-norm over all elements (`x.norm(p)`, node `LinalgVectorNormBackward0`).
  public func norm(_ p: Double = 2) -> Tensor { norm(p, dims: Array(0..<dims.count)) }
  /// The p-norm along `dim` (`x.norm(p, dim=d)`).
  public func norm(_ p: Double = 2, dim: Int, keepdim: Bool = false) -> Tensor { norm(p, dims: [dim], keepdim: keepdim) }

  /// (Σ|x|^p)^(1/p) over `dims`, for p > 0; the gradient at a zero norm is zero, as PyTorch's.
  public func norm(_ p: Double, dims: [Int], keepdim: Bool = false) -> Tensor {
    torchCheck(p >= 0 || p == -.infinity, "linalg.vector_norm: only p >= 0 and p = ±inf are supported here, got \(p)")
    torchCheck(dtype.isFloatingPoint, "linalg.vector_norm: Expected a floating point tensor as input. Got \(dtype.scalarTypeName)")
    let axes = reductionDims(dims), shape = self.dims
    if p.isInfinite {
      // The largest (smallest) |x|: its gradient goes to the elements at it, shared among ties,
      // with x's sign, as PyTorch's.
      return Tensor.composite("LinalgVectorNormBackward0", [self]) { x in
        p > 0 ? x[0].abs().amax(dims: axes, keepdim: keepdim) : x[0].abs().amin(dims: axes, keepdim: keepdim)
      }
    }
    if p == 0 {  // the count of nonzero elements, whose gradient is zero
      return GradMode.with(enabled: false) { self.ne(0.0).to(self.dtype).sum(dims: axes, keepdim: keepdim) }
        .recording("LinalgVectorNormBackward0", [self]) { g in [torch.zeros(shape, dtype: g.dtype, device: g.device)] }
    }
    let saved = detach()
    let result = GradMode.with(enabled: false) {
      p == 2 ? (self * self).sum(dims: axes, keepdim: keepdim).sqrt() : self.abs().pow(p).sum(dims: axes, keepdim: keepdim).pow(1 / p)
    }
    let value = result.detach()
    return result.recording("LinalgVectorNormBackward0", [self], saved: [saved]) { g in
      let x = self.live(saved)
      let reducedNorm = GradMode.isEnabled ? x.norm(p, dims: axes, keepdim: keepdim) : value
      // Zero norms are found on the reduced norms: where there are none (the usual case) no
      // mask is applied over the whole input.
      let zeroNorms = reducedNorm.eq(0.0)
      let hasZeroNorm = zeroNorms.any()
      guard p == 2 else {
        // PyTorch's: scale = g / ‖x‖^(p−1), 0 where the norm is 0, then x·|x|^(p−2)·scale for
        // p > 2 and sign(x)·|x|^(p−1)·scale below (its roundings, −0 kept where x is −0).
        let quotient = g / reducedNorm.pow(p - 1)
        let scale = hasZeroNorm ? torch.where(zeroNorms, torch.zerosLike(quotient), quotient) : quotient
        let direction = p > 2 ? x * x.abs().pow(p - 2) : x.sign() * x.abs().pow(p - 1)
        return [direction * Tensor.expandReduced(scale, to: shape, dims: axes, keepdim: keepdim)]
      }
      // PyTorch's (x / ‖x‖)·g, and +0 where the norm is 0.
      let grad = Tensor.expandReduced(g, to: shape, dims: axes, keepdim: keepdim)
      let safe = Tensor.expandReduced(hasZeroNorm ? torch.where(zeroNorms, torch.onesLike(reducedNorm), reducedNorm) : reducedNorm,
                                      to: shape, dims: axes, keepdim: keepdim)
      let direction = x / safe
      guard hasZeroNorm else { return [direction * grad] }
      let zeroed = Tensor.expandReduced(zeroNorms, to: shape, dims: axes, keepdim: keepdim)
      return [torch.where(zeroed, torch.zerosLike(direction), direction * grad)]
    }
  }

  // MARK: - Log-sum-exp and softmax

  /// log(sum(exp(x))) over `dim`, computed stably (`LogsumexpBackward0`).
  public func logsumexp(dim: Int, keepdim: Bool = false) -> Tensor { logsumexp(dims: [dim], keepdim: keepdim) }
  public func logsumexp(dims: [Int], keepdim: Bool = false) -> Tensor {
    let axes = reductionDims(dims), shape = self.dims
    let saved = detach()
    let result = GradMode.with(enabled: false) {
      // An empty sum of exponentials is 0, whose log is −inf (the max of nothing would be NaN).
      if axes.contains(where: { shape[$0] == 0 }) { return self.sum(dims: axes, keepdim: keepdim) - Double.infinity }
      let peak = self.amax(dims: axes, keepdim: true)
      let finitePeak = torch.where(peak.abs().eq(.infinity), torch.zerosLike(peak), peak)
      let total = (self - finitePeak).exp().sum(dims: axes, keepdim: true).log() + finitePeak
      return keepdim ? total : total.reshape(Tensor.removing(axes, from: total.dims))
    }
    let value = result.detach()
    return result.recording("LogsumexpBackward0", [self], saved: [saved]) { g in
      let x = self.live(saved)
      let total = GradMode.isEnabled ? x.logsumexp(dims: axes, keepdim: keepdim) : value
      let r = Tensor.expandReduced(total, to: shape, dims: axes, keepdim: keepdim)
      return [Tensor.expandReduced(g, to: shape, dims: axes, keepdim: keepdim) * (x - r).exp()]
    }
  }

  static func removing(_ axes: [Int], from shape: [Int]) -> [Int] {
    shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
  }

  /// exp(x) / sum(exp(x)) along `dim`, numerically stable (`SoftmaxBackward0`).
  public func softmax(dim: Int) -> Tensor { softmaxFamily(dim: dim, log: false) }

  /// x - logsumexp(x) along `dim`, numerically stable (`LogSoftmaxBackward0`).
  public func logSoftmax(dim: Int) -> Tensor { softmaxFamily(dim: dim, log: true) }

  private func softmaxFamily(dim: Int, log: Bool) -> Tensor {
    let d = wrapDim(dim, dims.count)
    let source = dtype.isFloatingPoint ? self : rawCopy(dtype: .float32)
    let out = Tensor(uninitialized: dims, dtype: source.dtype, device: device)
    if numel() > 0 {
      if dims.isEmpty {
        Backends.backend(for: device).fill(out, with: log ? 0 : 1)
      } else {
        Backends.backend(for: device).softmax(source, dim: d, log: log, into: out)
      }
    }
    let saved = out.detach()
    return out.recording(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", [self], saved: [saved]) { g in
      if saved.dims.isEmpty { return [torch.zerosLike(g)] }
      if GradMode.isEnabled {
        // createGraph: the same rule in differentiable ops, through a recomputed output.
        let y = self.softmax(dim: d)
        return [log ? g - y * g.sum(dim: d, keepdim: true) : y * (g - (g * y).sum(dim: d, keepdim: true))]
      }
      let grad = Tensor(uninitialized: saved.dims, dtype: saved.dtype, device: saved.device)
      Backends.backend(for: saved.device).softmaxBackward(grad: g, output: saved, dim: d, log: log, into: grad)
      return [grad]
    }
  }
}

extension ReduceOp: Equatable {}

extension torch {
  public static func sum(_ x: Tensor) -> Tensor { x.sum() }
  public static func sum(_ x: Tensor, dim: Int, keepdim: Bool = false) -> Tensor { x.sum(dim: dim, keepdim: keepdim) }
  public static func mean(_ x: Tensor) -> Tensor { x.mean() }
  public static func mean(_ x: Tensor, dim: Int, keepdim: Bool = false) -> Tensor { x.mean(dim: dim, keepdim: keepdim) }
  public static func max(_ x: Tensor) -> Tensor { x.max() }
  public static func max(_ x: Tensor, dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) { x.max(dim: dim, keepdim: keepdim) }
  public static func min(_ x: Tensor) -> Tensor { x.min() }
  public static func argmax(_ x: Tensor) -> Tensor { x.argmax() }
  public static func argmax(_ x: Tensor, dim: Int, keepdim: Bool = false) -> Tensor { x.argmax(dim: dim, keepdim: keepdim) }
  public static func softmax(_ x: Tensor, dim: Int) -> Tensor { x.softmax(dim: dim) }
  public static func logSoftmax(_ x: Tensor, dim: Int) -> Tensor { x.logSoftmax(dim: dim) }
  public static func logsumexp(_ x: Tensor, dim: Int, keepdim: Bool = false) -> Tensor { x.logsumexp(dim: dim, keepdim: keepdim) }
}
