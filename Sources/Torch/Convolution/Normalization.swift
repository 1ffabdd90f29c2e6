// Batch, layer and group normalization as single autograd nodes (PyTorch's Native*Backward0),
// computed as PyTorch's CPU kernels compute them: biased variance, 1/√(var + eps), then one
// scale and shift per channel.

extension F {
  /// Normalizes each channel (dim 1) over the batch and spatial dims (`F.batch_norm`). In
  /// training the batch statistics are used and, when given, the running statistics are
  /// updated in place: `running = (1 − momentum)·running + momentum·batch`, with the unbiased
  /// variance; otherwise the running statistics normalize.
  public static func batchNorm(_ input: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
                               training: Bool = false, momentum: Double = 0.1, eps: Double = 1e-5) -> Tensor {
    torchCheck(input.dim() >= 2, "batch_norm: expected input with at least 2 dims, but got \(input.shape)")
    let channels = input.dims[1]
    let reduced = [0] + Array(2..<input.dim())
    let count = input.numel() / Swift.max(channels, 1)
    if training {
      torchCheck(count > 1, "Expected more than 1 value per channel when training, got input size \(input.shape)", kind: "ValueError")
    } else {
      torchCheck(runningMean != nil && runningVar != nil, "running_mean and running_var must be defined in evaluation mode")
    }
    for (name, tensor) in [("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVar)] {
      if let tensor {
        torchCheck(tensor.numel() == channels, "\(name) should contain \(channels) elements not \(tensor.numel())")
      }
    }
    var shape = Array(repeating: 1, count: input.dim())
    shape[1] = channels
    let parameters = [weight, bias].compactMap { $0 }
    // Statistics are accumulated in float64, as PyTorch's CPU kernels do for float32.
    let wide: DType = input.dtype == .float32 ? .float64 : input.dtype
    let formula: ([Tensor]) -> Tensor = { inputs in
      let x = inputs[0]
      let (mean, invstd): (Tensor, Tensor)
      if training {
        let xw = x.to(wide)
        let mean64 = xw.mean(dims: reduced, keepdim: true)
        let variance = squared(xw - mean64).mean(dims: reduced, keepdim: true)
        (mean, invstd) = (mean64.to(x.dtype), (variance + eps).sqrt().reciprocal().to(x.dtype))
      } else {
        let variance = runningVar!.reshape(shape).to(wide)
        (mean, invstd) = (runningMean!.reshape(shape), (variance + eps).sqrt().reciprocal().to(x.dtype))
      }
      return scaleAndShift(x, mean: mean, invstd: invstd,
                           weight: weight == nil ? nil : inputs[1].reshape(shape),
                           bias: bias == nil ? nil : inputs[weight == nil ? 1 : 2].reshape(shape))
    }
    let out: Tensor
    var moments: CPUBatchNorm.Moments?
    if let fast = CPUBatchNorm(input, weight: weight, bias: bias, training: training, runningMean: runningMean, runningVar: runningVar, eps: eps) {
      (out, moments) = fast.run(formula: formula)
    } else if !training && input.numel() > 0 {
      out = evaluationBatchNorm(input, runningMean: runningMean!, runningVar: runningVar!, weight: weight, bias: bias, eps: eps,
                                formula: formula)
    } else if training && input.numel() > 0 {
      // Channels first, each channel is one row of the row kernels.
      let (n, hw) = (input.dims[0], count / Swift.max(input.dims[0], 1))
      let layout = NormalizationRows(rows: channels, length: count, groups: channels, span: count)
      out = normalizedRows(input, layout, weight: weight, bias: bias, eps: eps, name: "NativeBatchNormBackward0", formula: formula,
                           toRows: { $0.reshape([n, channels, hw]).transpose(0, 1).contiguous() },
                           fromRows: { $0.reshape([channels, n, hw]).transpose(0, 1).contiguous().reshape(input.dims) })
    } else {
      out = Tensor.composite("NativeBatchNormBackward0", [input] + parameters, formula)
    }
    if training, let runningMean, let runningVar {
      torch.noGrad {
        let (mean, unbiased): (Tensor, Tensor)
        if let moments {
          mean = torch.tensor(moments.mean, dtype: .float64)
          unbiased = torch.tensor(moments.m2.map { $0 / Double(count - 1) }, dtype: .float64)
        } else {
          let x = input.detach().to(.float64)
          mean = x.mean(dims: reduced)
          unbiased = squared(x - mean.reshape(shape)).sum(dims: reduced) / Double(count - 1)
        }
        runningMean.copy_(mean.to(runningMean.device) * momentum + runningMean.to(.float64) * (1 - momentum))
        runningVar.copy_(unbiased.to(runningVar.device) * momentum + runningVar.to(.float64) * (1 - momentum))
      }
    }
    return out
  }

  /// Normalizes over the last dims given by `normalizedShape` (`F.layer_norm`).
  /// Root-mean-square normalization over the last `normalizedShape` dims (`F.rms_norm`), as
  /// PyTorch composes it: x · rsqrt(mean(x²) + ε) · weight; ε defaults to the dtype's epsilon.
  public static func rmsNorm(_ input: Tensor, _ normalizedShape: [Int], weight: Tensor? = nil, eps: Double? = nil) -> Tensor {
    let k = normalizedShape.count
    torchCheck(k > 0 && input.dim() >= k && Array(input.dims.suffix(k)) == normalizedShape,
      "Given normalized_shape=\(normalizedShape), expected input with shape [*, \(normalizedShape.map(String.init).joined(separator: ", "))], but got input of size\(input.shape.dims)")
    let epsilon = eps ?? (input.dtype == .float64 ? Double.ulpOfOne : Double(Float.ulpOfOne))
    let dims = Array((input.dim() - k)..<input.dim())
    let normalized = input * (input.pow(2).mean(dims: dims, keepdim: true) + epsilon).rsqrt()
    return weight.map { normalized * $0 } ?? normalized
  }

  public static func layerNorm(_ input: Tensor, _ normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
    let k = normalizedShape.count
    torchCheck(k > 0 && input.dim() >= k && Array(input.dims.suffix(k)) == normalizedShape,
      "Given normalized_shape=\(normalizedShape), expected input with shape [*, \(normalizedShape.map(String.init).joined(separator: ", "))], but got input of size\(input.shape.dims)")
    for (name, tensor) in [("weight", weight), ("bias", bias)] {
      if let tensor { torchCheck(tensor.dims == normalizedShape, "Expected \(name) to be of same shape as normalized_shape, but got \(name) of shape \(tensor.shape.dims) and normalized_shape = \(normalizedShape)") }
    }
    let dims = Array((input.dim() - k)..<input.dim())
    let formula: ([Tensor]) -> Tensor = { inputs in
      let x = inputs[0]
      let mean = x.mean(dims: dims, keepdim: true)
      let variance = Self.squared(x - mean).mean(dims: dims, keepdim: true)
      return normalize(x, mean: mean, variance: variance, eps: eps, weight: weight == nil ? nil : inputs[1],
                       bias: bias == nil ? nil : inputs[weight == nil ? 1 : 2])
    }
    let layout = NormalizationRows.layer(input.numel(), length: normalizedShape.reduce(1, *))
    return normalizedRows(input, layout, weight: weight, bias: bias, eps: eps, name: "NativeLayerNormBackward0", formula: formula)
  }

  /// Normalizes each group of `numGroups` consecutive channels over the group's channels and
  /// spatial dims (`F.group_norm`); the affine weight and bias are per channel.
  public static func groupNorm(_ input: Tensor, numGroups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Double = 1e-5) -> Tensor {
    torchCheck(input.dim() >= 2, "Expected at least 2 dimensions for input tensor but received \(input.dim())")
    let (n, channels) = (input.dims[0], input.dims[1])
    torchCheck(numGroups > 0 && channels % numGroups == 0,
      "Expected number of channels in input to be divisible by num_groups, but got input of shape \(input.shape.dims) and num_groups=\(numGroups)")
    var shape = Array(repeating: 1, count: input.dim())
    shape[1] = channels
    let formula: ([Tensor]) -> Tensor = { inputs in
      let grouped = inputs[0].reshape([n, numGroups, -1])
      let mean = grouped.mean(dim: 2, keepdim: true)
      let variance = Self.squared(grouped - mean).mean(dim: 2, keepdim: true)
      let normalized = normalize(grouped, mean: mean, variance: variance, eps: eps, weight: nil, bias: nil).reshape(input.dims)
      var out = normalized
      if weight != nil { out = out * inputs[1].reshape(shape) }
      if bias != nil { out = out + inputs[weight == nil ? 1 : 2].reshape(shape) }
      return out
    }
    return normalizedRows(input, .group(input.dims, groups: numGroups), weight: weight, bias: bias, eps: eps,
                          name: "NativeGroupNormBackward0", formula: formula)
  }

  /// `input` normalized row by row by the backend's kernels (`layout`; `toRows` and `fromRows`
  /// move between the input's layout and the rows', without autograd), recorded as one node
  /// `name` whose backward runs the backward kernels; gradients of gradients differentiate
  /// `formula`, the same computation in tensor ops.
  private static func normalizedRows(_ input: Tensor, _ layout: NormalizationRows, weight: Tensor?, bias: Tensor?, eps: Double,
                                     name: String, formula: @escaping ([Tensor]) -> Tensor,
                                     toRows: @escaping (Tensor) -> Tensor = { $0.rawContiguous() },
                                     fromRows: @escaping (Tensor) -> Tensor = { $0 }) -> Tensor {
    let backend = Backends.backend(for: input.device)
    let (x, w, b) = GradMode.with(enabled: false) { (toRows(input.detach()), weight?.detach().rawContiguous(), bias?.detach().rawContiguous()) }
    let rows = Tensor(uninitialized: x.dims, dtype: x.dtype, device: x.device)
    let mean = Tensor(uninitialized: [layout.rows], dtype: x.dtype, device: x.device)
    let rstd = Tensor(uninitialized: [layout.rows], dtype: x.dtype, device: x.device)
    if x.numel() > 0 { backend.normalizeRows(x, layout, weight: w, bias: b, eps: eps, into: rows, mean: mean, rstd: rstd) }
    let out = GradMode.with(enabled: false) { fromRows(rows) }
    let inputs = [input] + [weight, bias].compactMap { $0 }
    return out.recording(name, inputs, saved: [x, mean, rstd]) { g in
      if GradMode.isEnabled { return Tensor.formulaGradients(formula, inputs, g) }
      func gradient(_ of: Tensor?, like: Tensor?) -> Tensor? {
        guard let of, of.requiresGrad, let like else { return nil }
        return Tensor(uninitialized: like.dims, dtype: like.dtype, device: like.device)
      }
      let (gx, gw, gb) = (gradient(input, like: x), gradient(weight, like: w), gradient(bias, like: b))
      if x.numel() > 0 {
        let rowsGradient = GradMode.with(enabled: false) { toRows(g) }
        backend.normalizeRowsBackward(rowsGradient, x, layout, weight: w, mean: mean, rstd: rstd, gradInput: gx, gradWeight: gw, gradBias: gb)
      } else {
        for t in [gx, gw, gb] { t?.zero_() }
      }
      var result = [GradMode.with(enabled: false) { gx.map(fromRows) }]
      if let weight { result.append(gw?.reshape(weight.dims)) }
      if let bias { result.append(gb?.reshape(bias.dims)) }
      return result
    }
  }

  static func squared(_ x: Tensor) -> Tensor { x * x }

  /// (x − mean)/√(var + eps)·weight + bias.
  private static func normalize(_ x: Tensor, mean: Tensor, variance: Tensor, eps: Double, weight: Tensor?, bias: Tensor?) -> Tensor {
    scaleAndShift(x, mean: mean, invstd: (variance + eps).sqrt().reciprocal(), weight: weight, bias: bias)
  }

  /// Batch norm in evaluation (off the CPU's float32 path, `CPUBatchNorm`): one pass over the
  /// input with the per-channel factors of `channelFactors`, as `scaleAndShift` would use. Its
  /// gradients: g·scale for the input, Σ g·(x − mean)·invstd for the weight, Σ g for the bias
  /// (under `createGraph`, those of `formula`).
  private static func evaluationBatchNorm(_ input: Tensor, runningMean: Tensor, runningVar: Tensor, weight: Tensor?, bias: Tensor?,
                                          eps: Double, formula: @escaping ([Tensor]) -> Tensor) -> Tensor {
    let (channels, dtype) = (input.dims[1], input.dtype)
    let wide: DType = dtype == .float32 ? .float64 : dtype
    let (mean, invstd, scale, shift, x): (Tensor, Tensor, Tensor, Tensor, Tensor) = torch.noGrad {
      let mean = runningMean.reshape([channels]).to(dtype)
      let invstd = (runningVar.reshape([channels]).to(wide) + eps).sqrt().reciprocal().to(dtype)
      let (alpha, beta) = channelFactors(mean: mean, invstd: invstd, weight: weight?.reshape([channels]), bias: bias?.reshape([channels]))
      return (mean, invstd, alpha.rawContiguous(), beta.rawContiguous(), input.detach().rawContiguous())
    }
    let out = Tensor(uninitialized: input.dims, dtype: dtype, device: input.device)
    Backends.backend(for: input.device).channelAffine(x, scale: scale, shift: shift, into: out)
    let inputs = [input] + [weight, bias].compactMap { $0 }
    return out.recording("NativeBatchNormBackward0", inputs, saved: [x]) { g in
      if GradMode.isEnabled { return Tensor.formulaGradients(formula, inputs, g) }
      var perChannel = Array(repeating: 1, count: input.dim())
      perChannel[1] = channels
      let reduced = [0] + Array(2..<input.dim())
      var grads: [Tensor?] = [input.requiresGrad ? g * scale.reshape(perChannel) : nil]
      if let weight {
        let normalized = (x - mean.reshape(perChannel)) * invstd.reshape(perChannel)
        grads.append(weight.requiresGrad ? (g * normalized).sum(dims: reduced).reshape(weight.dims) : nil)
      }
      if let bias { grads.append(bias.requiresGrad ? g.sum(dims: reduced).reshape(bias.dims) : nil) }
      return grads
    }
  }

  /// x·α + β with α and β from `channelFactors`, as PyTorch's CPU kernels.
  private static func scaleAndShift(_ x: Tensor, mean: Tensor, invstd: Tensor, weight: Tensor?, bias: Tensor?) -> Tensor {
    let (alpha, beta) = channelFactors(mean: mean, invstd: invstd, weight: weight, bias: bias)
    return x * alpha + beta
  }

  /// Batch norm's per-channel factors: α = invstd·weight and β = bias − mean·α.
  private static func channelFactors(mean: Tensor, invstd: Tensor, weight: Tensor?, bias: Tensor?) -> (alpha: Tensor, beta: Tensor) {
    let alpha = weight.map { invstd * $0 } ?? invstd
    return (alpha, (bias ?? torch.zerosLike(alpha)) - mean * alpha)
  }

  /// Zeroes whole channels with probability `p` while training, scaling the rest by 1/(1 − p)
  /// (`F.dropout2d`): one draw per (sample, channel), PyTorch's `bernoulli_` from the default
  /// generator. `input` [N, C, H, W] or [C, H, W].
  public static func dropout2d(_ input: Tensor, p: Double = 0.5, training: Bool = true, inplace: Bool = false,
                               generator: Generator? = nil) -> Tensor {
    torchCheck(p >= 0 && p <= 1, "dropout probability has to be between 0 and 1, but got \(p)", kind: "ValueError")
    guard training && p > 0 && input.numel() > 0 else { return input }
    torchCheck(input.dim() == 3 || input.dim() == 4, "dropout2d: expected a 3D or 4D input, got \(input.shape)")
    let features = input.dim() == 4 ? 2 : 1
    let noiseShape = Array(input.dims.prefix(features)) + Array(repeating: 1, count: input.dim() - features)
    if p == 1 { return inplace ? input.mul_(0.0) : input * 0.0 }
    let noise = Tensor(uninitialized: noiseShape, dtype: input.dtype, device: input.device).bernoulli_(1 - p, generator: generator)
    noise.div_(1 - p)
    return inplace ? input.mul_(noise) : input * noise
  }
}
