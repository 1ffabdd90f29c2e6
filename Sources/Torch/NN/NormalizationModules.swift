extension nn {
  /// Batch normalization (PyTorch's `_BatchNorm`): per-channel statistics of the batch while
  /// training, kept as running averages (buffers `running_mean`, `running_var`,
  /// `num_batches_tracked`) that normalize in eval mode. `momentum: nil` keeps a cumulative
  /// average instead of an exponential one.
  public class BatchNorm: Module {
    public let numFeatures: Int
    public let eps: Double
    public let momentum: Double?
    public let affine: Bool
    public let trackRunningStats: Bool
    public let weight: Tensor?
    public let bias: Tensor?
    public let runningMean: Tensor?
    public let runningVar: Tensor?
    public let numBatchesTracked: Tensor?
    /// The input ranks this variant accepts and how its message names them.
    let acceptedRanks: Set<Int>
    let rankDescription: String

    init(_ numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, bias: Bool, trackRunningStats: Bool, dtype: DType,
         acceptedRanks: Set<Int>, rankDescription: String) {
      self.numFeatures = numFeatures
      self.eps = eps
      self.momentum = momentum
      self.affine = affine
      self.trackRunningStats = trackRunningStats
      weight = affine ? nn.Parameter(torch.ones([numFeatures], dtype: dtype)) : nil
      self.bias = affine && bias ? nn.Parameter(torch.zeros([numFeatures], dtype: dtype)) : nil
      runningMean = trackRunningStats ? nn.Buffer(torch.zeros([numFeatures], dtype: dtype)) : nil
      runningVar = trackRunningStats ? nn.Buffer(torch.ones([numFeatures], dtype: dtype)) : nil
      numBatchesTracked = trackRunningStats ? nn.Buffer(torch.tensor(0)) : nil
      self.acceptedRanks = acceptedRanks
      self.rankDescription = rankDescription
    }

    /// PyTorch's names and order: weight, bias, running_mean, running_var, num_batches_tracked.
    public func namedMembers() -> [(name: String, member: ModuleMember)] {
      var members: [(name: String, member: ModuleMember)] = []
      if let weight { members.append(("weight", .parameter(weight))) }
      if let bias { members.append(("bias", .parameter(bias))) }
      if let runningMean { members.append(("running_mean", .buffer(runningMean))) }
      if let runningVar { members.append(("running_var", .buffer(runningVar))) }
      if let numBatchesTracked { members.append(("num_batches_tracked", .buffer(numBatchesTracked))) }
      return members
    }

    /// Sets the running statistics back to mean 0, variance 1 and no batches.
    public func resetRunningStats() {
      torch.noGrad {
        runningMean?.zero_()
        runningVar?.fill_(1)
        numBatchesTracked?.zero_()
      }
    }

    public func forward(_ input: Tensor) -> Tensor {
      torchCheck(acceptedRanks.contains(input.dim()), "expected \(rankDescription) input (got \(input.dim())D input)", kind: "ValueError")
      var factor = momentum ?? 0
      let training = isTraining
      if training && trackRunningStats, let numBatchesTracked {
        torch.noGrad { numBatchesTracked.add_(1) }
        if momentum == nil { factor = 1 / numBatchesTracked.item() }
      }
      let useBatchStatistics = training || runningMean == nil
      return F.batchNorm(input, runningMean: !training || trackRunningStats ? runningMean : nil,
                         runningVar: !training || trackRunningStats ? runningVar : nil, weight: weight, bias: bias,
                         training: useBatchStatistics, momentum: factor, eps: eps)
    }

    public var extraRepr: String {
      "\(numFeatures), eps=\(pythonRepr(eps)), momentum=\(momentum.map { pythonRepr($0) } ?? "None"), affine=\(pythonRepr(affine)), bias=\(pythonRepr(bias != nil)), track_running_stats=\(pythonRepr(trackRunningStats))"
    }
  }

  /// Batch normalization of [N, C] or [N, C, L] inputs (`torch.nn.BatchNorm1d`).
  public final class BatchNorm1d: BatchNorm {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true, bias: Bool = true,
                trackRunningStats: Bool = true, dtype: DType = .float32) {
      super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, bias: bias, trackRunningStats: trackRunningStats,
                 dtype: dtype, acceptedRanks: [2, 3], rankDescription: "2D or 3D")
    }
  }

  /// Batch normalization of images [N, C, H, W] (`torch.nn.BatchNorm2d`).
  public final class BatchNorm2d: BatchNorm {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true, bias: Bool = true,
                trackRunningStats: Bool = true, dtype: DType = .float32) {
      super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, bias: bias, trackRunningStats: trackRunningStats,
                 dtype: dtype, acceptedRanks: [4], rankDescription: "4D")
    }
  }

  /// Normalization over the last dims of each sample (`torch.nn.LayerNorm`).
  public final class LayerNorm: Module {
    public let normalizedShape: [Int]
    public let eps: Double
    public let elementwiseAffine: Bool
    public let weight: Tensor?
    public let bias: Tensor?

    public init(_ normalizedShape: any IntOrTuple, eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true, dtype: DType = .float32) {
      let shape = (normalizedShape as? Int).map { [$0] } ?? (normalizedShape as! [Int])
      self.normalizedShape = shape
      self.eps = eps
      self.elementwiseAffine = elementwiseAffine
      weight = elementwiseAffine ? nn.Parameter(torch.ones(shape, dtype: dtype)) : nil
      self.bias = elementwiseAffine && bias ? nn.Parameter(torch.zeros(shape, dtype: dtype)) : nil
    }

    public func forward(_ input: Tensor) -> Tensor { F.layerNorm(input, normalizedShape, weight: weight, bias: bias, eps: eps) }
    public var extraRepr: String {
      "\(pythonTuple(normalizedShape)), eps=\(pythonRepr(eps)), elementwise_affine=\(pythonRepr(elementwiseAffine)), bias=\(pythonRepr(bias != nil))"
    }
  }

  /// Root-mean-square normalization over the last dims (`torch.nn.RMSNorm`): x / √(mean(x²) + ε)
  /// times a weight of ones; ε nil is the dtype's machine epsilon, as in PyTorch.
  public final class RMSNorm: Module {
    public let normalizedShape: [Int]
    public let eps: Double?
    public let elementwiseAffine: Bool
    public let weight: Tensor?

    public init(_ normalizedShape: any IntOrTuple, eps: Double? = nil, elementwiseAffine: Bool = true, dtype: DType = .float32) {
      let shape = (normalizedShape as? Int).map { [$0] } ?? (normalizedShape as! [Int])
      (self.normalizedShape, self.eps, self.elementwiseAffine) = (shape, eps, elementwiseAffine)
      weight = elementwiseAffine ? nn.Parameter(torch.ones(shape, dtype: dtype)) : nil
    }

    public func forward(_ input: Tensor) -> Tensor { F.rmsNorm(input, normalizedShape, weight: weight, eps: eps) }
    public var extraRepr: String {
      "\(pythonTuple(normalizedShape)), eps=\(eps.map(pythonRepr) ?? "None"), elementwise_affine=\(pythonRepr(elementwiseAffine))"
    }
  }

  /// Normalization over groups of channels (`torch.nn.GroupNorm`).
  public final class GroupNorm: Module {
    public let numGroups: Int
    public let numChannels: Int
    public let eps: Double
    public let affine: Bool
    public let weight: Tensor?
    public let bias: Tensor?

    public init(_ numGroups: Int, _ numChannels: Int, eps: Double = 1e-5, affine: Bool = true, bias: Bool = true, dtype: DType = .float32) {
      torchCheck(numGroups > 0 && numChannels % numGroups == 0, "num_channels must be divisible by num_groups", kind: "ValueError")
      self.numGroups = numGroups
      self.numChannels = numChannels
      self.eps = eps
      self.affine = affine
      weight = affine ? nn.Parameter(torch.ones([numChannels], dtype: dtype)) : nil
      self.bias = affine && bias ? nn.Parameter(torch.zeros([numChannels], dtype: dtype)) : nil
    }

    public func forward(_ input: Tensor) -> Tensor { F.groupNorm(input, numGroups: numGroups, weight: weight, bias: bias, eps: eps) }
    public var extraRepr: String {
      "\(numGroups), \(numChannels), eps=\(pythonRepr(eps)), affine=\(pythonRepr(affine)), bias=\(pythonRepr(bias != nil))"
    }
  }

  /// Zeroes whole channels with probability `p` while training (`torch.nn.Dropout2d`).
  public final class Dropout2d: Dropout {
    /// `nn.Dropout2d(0.3)`.
    public convenience init(_ p: Double) { self.init(p: p) }
    public override func forward(_ input: Tensor) -> Tensor { F.dropout2d(input, p: p, training: isTraining, inplace: inplace) }
  }

  /// Resizes images by a scale factor or to a size (`torch.nn.Upsample`).
  public final class Upsample: Module {
    public let size: (any IntOrTuple)?
    public let scaleFactor: Double?
    public let mode: F.InterpolationMode
    public let alignCorners: Bool?

    public init(size: (any IntOrTuple)? = nil, scaleFactor: Double? = nil, mode: F.InterpolationMode = .nearest, alignCorners: Bool? = nil) {
      self.size = size
      self.scaleFactor = scaleFactor
      self.mode = mode
      self.alignCorners = alignCorners
    }

    public func forward(_ input: Tensor) -> Tensor {
      F.interpolate(input, size: size, scaleFactor: scaleFactor, mode: mode, alignCorners: alignCorners)
    }

    public var extraRepr: String {
      let info = scaleFactor.map { "scale_factor=\(pythonRepr($0))" } ?? "size=\(size?.pythonDescription ?? "None")"
      return info + ", mode='\(mode.rawValue)'"
    }
  }
}
