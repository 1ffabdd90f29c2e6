/// How a loss combines per-element values: `"mean"`, `"sum"` or `"none"`.
public enum Reduction: String, Sendable {
  case mean, sum, none
}

/// KL divergence's reductions: PyTorch's, and `batchmean`, the sum over the batch size (the
/// divergence's definition; `mean` divides by every element).
public enum KLDivReduction: String, Sendable {
  case mean, batchmean, sum, none
}

extension F {
  /// KL(target ‖ input) elementwise, `input` holding log-probabilities (`F.kl_div`), as
  /// PyTorch composes it: xlogy(t, t) − t·input, or eᵗ(t − input) with `logTarget`.
  public static func klDiv(_ input: Tensor, _ target: Tensor, reduction: KLDivReduction = .mean, logTarget: Bool = false) -> Tensor {
    let loss: Tensor
    if logTarget {
      loss = target.exp() * (target - input)
    } else {
      // xlogy(t, t): t·log t, 0 where t is 0 (log of 1 there keeps the gradient finite).
      let zero = target.eq(0.0)
      let one = torch.ones([], dtype: target.dtype, device: target.device)
      let xlogy = torch.where(zero, torch.zeros([], dtype: target.dtype, device: target.device), target * torch.where(zero, one, target).log())
      loss = xlogy - target * input
    }
    switch reduction {
    case .none: return loss
    case .sum: return loss.sum()
    case .mean: return loss.mean()
    case .batchmean: return input.dim() == 0 ? loss.sum() : loss.sum() / Double(input.dims[0])
    }
  }
}

extension F {
  /// Cross entropy between logits `(N, C)`, `(C)` or `(N, C, d1, ...)` (a class score per
  /// position, as a segmentation's) and class indices or class probabilities
  /// (`F.cross_entropy`). Class-index targets without label smoothing take a fused path: one
  /// node (`NllLossBackward0`, or `NllLoss2DBackward0` for spatial scores: the name PyTorch's
  /// graph shows on top) whose gradient is softmax − onehot. Everything goes through a stable
  /// log-softmax, so large logits give no nan or inf.
  public static func crossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
                                  ignoreIndex: Int = -100, reduction: Reduction = .mean,
                                  labelSmoothing: Double = 0) -> Tensor {
    torchCheck(labelSmoothing >= 0 && labelSmoothing <= 1,
      "label_smoothing must be between 0.0 and 1.0. Got: \(labelSmoothing)")
    let classDim = input.dim() == 1 ? 0 : 1
    if target.dtype.isFloatingPoint && target.dims == input.dims {
      let classes = Double(input.dims[classDim])
      var probabilities = target
      if labelSmoothing > 0 { probabilities = target * (1 - labelSmoothing) + labelSmoothing / classes }
      var terms = input.logSoftmax(dim: classDim) * probabilities
      if let weight { terms = terms * weight.reshape([-1] + Array(repeating: 1, count: input.dim() - classDim - 1)) }
      let perSample = -terms.sum(dim: classDim)
      switch reduction {
      case .none: return perSample
      case .sum: return perSample.sum()
      case .mean: return perSample.sum().divided(byScalar: Double(Swift.max(perSample.numel(), 1)))
      }
    }
    if labelSmoothing == 0 { return fusedCrossEntropy(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction) }
    if input.dim() > 2 {
      // Smoothing mixes whole rows of log-probabilities: on spatial scores, one row per position.
      let layout = ClassRows(input, target)
      let loss = crossEntropy(layout.rows(input), layout.targets(target), weight: weight, ignoreIndex: ignoreIndex,
                              reduction: reduction, labelSmoothing: labelSmoothing)
      return reduction == .none ? loss.reshape(layout.lossShape) : loss
    }
    let logProbs = input.logSoftmax(dim: classDim)
    let loss = nllLoss(logProbs, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
    // Label smoothing mixes in the mean negative log-probability over classes.
    let classes = Double(input.dims[classDim])
    let targetsFlat = target.dim() == 0 ? target.reshape([1]) : target
    let valid = targetsFlat.ne(Double(ignoreIndex)).to(input.dtype)
    var smooth = -(weight.map { logProbs * (input.dim() == 1 ? $0 : $0.unsqueeze(0)) } ?? logProbs).sum(dim: classDim)
    smooth = smooth.reshape(valid.dims) * valid
    let smoothed: Tensor
    switch reduction {
    case .none: smoothed = smooth.reshape(loss.dims)
    case .sum: smoothed = smooth.sum()
    case .mean:
      let denominator = weight.map { $0.indexSelect(0, torch.where(valid.gt(0.0), targetsFlat, torch.zerosLike(targetsFlat))) * valid }?.sum() ?? valid.sum()
      smoothed = smooth.sum() / denominator
    }
    return loss * (1 - labelSmoothing) + smoothed * (labelSmoothing / classes)
  }

  /// Cross entropy in one node: log-softmax and the gathered losses are computed without
  /// history, and the backward writes (softmax − onehot) · scale straight into the logits'
  /// gradient, so no log-probability tensor is kept for a second node.
  private static func fusedCrossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor?, ignoreIndex: Int,
                                        reduction: Reduction) -> Tensor {
    let layout = ClassRows(input, target)
    let logProbs = GradMode.with(enabled: false) { layout.rows(input).logSoftmax(dim: 1) }
    let parts = negativeLogLikelihood(logProbs, layout.targets(target), weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
    let saved = logProbs.detach()
    return layout.record(parts, reduction: reduction, of: input) { g in
      let scale = parts.rowScale(g)
      if GradMode.isEnabled {
        // createGraph: (softmax − onehot) · scale in differentiable ops.
        let probabilities = layout.rows(input).softmax(dim: 1)
        let onehot = torch.zeros([parts.rows, parts.classes], dtype: g.dtype, device: g.device).scatterAdd(1, parts.safeTargets, scale)
        return layout.scores(fromRows: probabilities * scale - onehot)
      }
      let backend = Backends.backend(for: g.device)
      let grad = Tensor(uninitialized: saved.dims, dtype: saved.dtype, device: saved.device)
      backend.scaledSoftmax(logProbs: saved, scales: scale.contiguous(), into: grad)
      backend.scatterAdd(grad, dim: 1, index: parts.safeTargets, source: (-scale).contiguous())
      return layout.scores(fromRows: grad)
    }
  }

  /// Negative log-likelihood of log-probabilities `(N, C)`, `(C)` or `(N, C, d1, ...)` at class
  /// indices (`F.nll_loss`, node `NllLossBackward0`, or `NllLoss2DBackward0` for spatial
  /// scores). 'mean' divides by the total weight of non-ignored targets.
  public static func nllLoss(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
                             ignoreIndex: Int = -100, reduction: Reduction = .mean) -> Tensor {
    let layout = ClassRows(input, target)
    let rows = GradMode.with(enabled: false) { layout.rows(input) }
    let parts = negativeLogLikelihood(rows, layout.targets(target), weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
    return layout.record(parts, reduction: reduction, of: input) { g in
      let grad = torch.zeros([parts.rows, parts.classes], dtype: g.dtype, device: g.device)
      if GradMode.isEnabled { return layout.scores(fromRows: grad.scatterAdd(1, parts.safeTargets, -parts.rowScale(g))) }
      Backends.backend(for: g.device).scatterAdd(grad, dim: 1, index: parts.safeTargets, source: (-parts.rowScale(g)).contiguous())
      return layout.scores(fromRows: grad)
    }
  }

  /// Class scores as nll_loss sees them: `(C)`, `(N, C)` or spatial `(N, C, d1, ...)` (PyTorch's
  /// nll_loss2d and nll_loss_nd), as rows of C, one per sample and position, with the target's
  /// shape checked as PyTorch checks it.
  struct ClassRows {
    let inputShape: [Int]
    var isSpatial: Bool { inputShape.count > 2 }
    /// The shape of 'none' losses: the target's.
    var lossShape: [Int] { inputShape.count == 1 ? [] : [inputShape[0]] + inputShape.dropFirst(2) }

    init(_ input: Tensor, _ target: Tensor) {
      inputShape = input.dims
      guard isSpatial else { return }
      torchCheck(target.dim() >= 1 && target.dims[0] == inputShape[0],
        "Expected input batch_size (\(inputShape[0])) to match target batch_size (\(target.dim() == 0 ? 1 : target.dims[0])).", kind: "ValueError")
      if inputShape.count == 4 {
        torchCheck(target.dim() == 3, "only batches of spatial targets supported (3D tensors) but got targets of dimension: \(target.dim())")
        torchCheck(target.dims == lossShape, "size mismatch (got input: \(inputShape) , target: \(target.dims)")
      } else {
        torchCheck(target.dims == lossShape, "Expected target size \(lossShape), got \(target.dims)")
      }
    }

    /// [rows, C]: a 1-D input as one row, spatial positions as rows (C moved last).
    func rows(_ scores: Tensor) -> Tensor {
      if inputShape.count == 1 { return scores.unsqueezedView(0) }
      guard isSpatial else { return scores }
      return scores.permute([0] + Array(2..<inputShape.count) + [1]).reshape([-1, inputShape[1]])
    }

    /// [rows] class indices (a 1-D input's scalar target as one; any other shape is left for
    /// the batch-size check to reject).
    func targets(_ target: Tensor) -> Tensor { isSpatial || target.dim() == 0 ? target.reshape([-1]) : target }

    /// A [rows, C] gradient in the input's shape.
    func scores(fromRows grad: Tensor) -> Tensor {
      guard isSpatial else { return grad.reshape(inputShape) }
      let last = inputShape.count - 1
      return grad.reshape([inputShape[0]] + inputShape.dropFirst(2) + [inputShape[1]]).permute([0, last] + Array(1..<last)).contiguous()
    }

    /// Records the loss node under PyTorch's name, its 'none' losses in the target's shape:
    /// straight from the node for (N, C) and (N, C, H, W) scores, through a view otherwise (as
    /// PyTorch's nll_loss_nd, whose graph shows ViewBackward0 on top).
    func record(_ parts: NLLParts, reduction: Reduction, of input: Tensor, _ backward: @escaping (Tensor) -> Tensor) -> Tensor {
      let viewed = reduction == .none && isSpatial && inputShape.count != 4
      let result = reduction == .none && !viewed ? parts.result.reshape(lossShape) : parts.result
      let loss = result.recording(isSpatial ? "NllLoss2DBackward0" : "NllLossBackward0", [input]) { g in [backward(g)] }
      return viewed ? loss.view(lossShape) : loss
    }
  }

  /// The untracked part of nll_loss shared by `nllLoss` and the fused cross entropy, on
  /// [rows, C] log-probabilities and [rows] targets: the reduced loss ('none': one per row), the targets with ignored ones made safe to index, and each row's share of
  /// an incoming gradient (its class weight over the reduction's divisor, 0 when ignored).
  struct NLLParts {
    let result: Tensor
    let safeTargets: Tensor
    let rows: Int
    let classes: Int
    let rowScale: (Tensor) -> Tensor
  }

  static func negativeLogLikelihood(_ input: Tensor, _ target: Tensor, weight: Tensor?, ignoreIndex: Int,
                                    reduction: Reduction) -> NLLParts {
    torchCheck(target.dtype == .int64 || target.dtype == .uint8,
      "expected target dtype to be Long or Byte, but got \(target.dtype == .float32 ? "Float" : "\(target.dtype)")")
    let (batched, targets) = (input, target)
    torchCheck(targets.dims == [batched.dims[0]],
      "Expected input batch_size (\(batched.dims[0])) to match target batch_size (\(targets.numel())).", kind: "ValueError")
    let rows = batched.dims[0], classes = batched.dims[1]
    if let weight {
      torchCheck(weight.dims == [classes],
        "weight tensor should be defined either for all \(classes) classes or no classes but got weight tensor of shape: \(weight.shape.dims)")
    }
    return GradMode.with(enabled: false) {
      let losses = Tensor(uninitialized: [rows], dtype: input.dtype, device: input.device)
      let weights = Tensor(uninitialized: [rows], dtype: input.dtype, device: input.device)
      Backends.backend(for: input.device).nllLoss(
        logProbs: batched, target: targets, weight: weight?.to(input.dtype), ignoreIndex: ignoreIndex,
        losses: losses, weights: weights)
      let total = weights.sum()
      let result: Tensor
      switch reduction {
      case .none: result = losses
      case .sum: result = losses.sum()
      case .mean: result = losses.sum() / total
      }
      let safeTargets = Tensor(uninitialized: [rows, 1], dtype: .int64, device: targets.device)
      Backends.backend(for: targets.device).safeClassIndices(targets, ignoreIndex: ignoreIndex, into: safeTargets)
      let rowScale: (Tensor) -> Tensor = { g in
        let perRow: Tensor
        switch reduction {
        case .none: perRow = g.reshape([rows])
        case .sum: perRow = g.expand([rows])
        case .mean: perRow = (g / total).expand([rows])
        }
        return (perRow * weights).reshape([rows, 1])
      }
      return NLLParts(result: result, safeTargets: safeTargets, rows: rows, classes: classes, rowScale: rowScale)
    }
  }

  /// Mean squared error (`F.mse_loss`, node `MseLossBackward0`).
  public static func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    elementwiseLoss(input, target, reduction, "MseLossBackward0", value: { d in d * d }, derivative: { d in d * 2.0 })
  }

  /// Mean absolute error (`F.l1_loss`), composed as PyTorch composes it: |input − target|
  /// then the reduction (nodes `MeanBackward0`, `SumBackward0`, `AbsBackward0`).
  public static func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    reduce((input - target).abs(), reduction)
  }

  /// Binary cross entropy of probabilities `input` in [0, 1] against `target`
  /// (`F.binary_cross_entropy`, node `BinaryCrossEntropyBackward0`), in PyTorch's form:
  /// (y − 1)·max(log1p(−x), −100) − y·max(log x, −100), so 0 and 1 cost at most 100; the gradient
  /// divides by max(x(1 − x), 1e-12).
  public static func binaryCrossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean) -> Tensor {
    torchCheck(input.dims == target.dims,
      "Using a target size (\(target.shape)) that is different to the input size (\(input.shape)) is deprecated. Please ensure they have the same size.",
      kind: "ValueError")
    torchCheck(!(weight?.requiresGrad ?? false),
      "The function 'binary_cross_entropy' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True.")
    let (x, y, w) = (input.detach(), target.detach(), weight?.detach())
    torchCheck(GradMode.with(enabled: false) { x.ge(0.0).all() && x.le(1.0).all() }, "all elements of input should be between 0 and 1")
    func clampedLogs(_ x: Tensor) -> (log: Tensor, log1m: Tensor) { (x.log().clamp(min: -100), (-x).log1p().clamp(min: -100)) }
    let result: Tensor = GradMode.with(enabled: false) {
      let (log, log1m) = clampedLogs(x)
      let loss = (y - 1.0) * log1m - y * log
      return reduce(w.map { loss * $0 } ?? loss, reduction)
    }
    let count = Double(input.numel())
    return result.recording("BinaryCrossEntropyBackward0", [input, target], saved: [x, y]) { g in
      let (p, q) = GradMode.isEnabled ? (input, target) : (x, y)
      var scale = reduction == .mean ? g / count : g
      if let w { scale = scale * w }
      let gradInput = input.requiresGrad ? scale * (p - q) / ((1.0 - p) * p).clamp(min: 1e-12) : nil
      let gradTarget: Tensor? = target.requiresGrad ? { let (log, log1m) = clampedLogs(p); return scale * (log1m - log) }() : nil
      return [gradInput, gradTarget]
    }
  }

  /// Smooth L1 (`F.smooth_l1_loss`, node `SmoothL1LossBackward0`): 0.5·d²/β where |d| < β, else
  /// |d| − 0.5·β; β = 0 is the L1 loss, as in PyTorch.
  public static func smoothL1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, beta: Double = 1) -> Tensor {
    torchCheck(beta >= 0, "smooth_l1_loss does not support negative values for beta.")
    if beta == 0 { return l1Loss(input, target, reduction: reduction) }
    return elementwiseLoss(input, target, reduction, "SmoothL1LossBackward0", value: { d in
      let z = d.abs()
      return torch.where(z.lt(beta), 0.5 * z * z / beta, z - 0.5 * beta)
    }, derivative: { d in d.clamp(min: -beta, max: beta) / beta })
  }

  /// Huber (`F.huber_loss`, node `HuberLossBackward0`): 0.5·d² where |d| < δ, else δ(|d| − 0.5·δ).
  public static func huberLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, delta: Double = 1) -> Tensor {
    torchCheck(delta > 0, "huber_loss does not support non-positive values for delta.")
    return elementwiseLoss(input, target, reduction, "HuberLossBackward0", value: { d in
      let z = d.abs()
      return torch.where(z.lt(delta), 0.5 * z * z, delta * (z - 0.5 * delta))
    }, derivative: { d in d.clamp(min: -delta, max: delta) })
  }

  /// Binary cross entropy on logits, in the stable form max(x,0) − x·y + log(1 + e^−|x|)
  /// (`F.binary_cross_entropy_with_logits`).
  public static func binaryCrossEntropyWithLogits(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
                                                  posWeight: Tensor? = nil, reduction: Reduction = .mean) -> Tensor {
    torchCheck(input.dims == target.dims,
      "Target size (\(target.shape)) must be the same as input size (\(input.shape))", kind: "ValueError")
    let extras = [weight, posWeight].compactMap { $0 }
    return Tensor.composite("BinaryCrossEntropyWithLogitsBackward0", [input, target] + extras) { x in
      let (input, target) = (x[0], x[1])
      // max(x, 0) as maximum, whose tie at x = 0 splits the gradient: with abs'(0) = 0 the
      // composed gradient there is then σ(0) − t = 0.5 − t, as PyTorch's formula gives.
      let logSigmoidNegative = (-input.abs()).exp().add(torch.onesLike(input)).log() + input.maximum(torch.zerosLike(input))
      var loss: Tensor
      if posWeight != nil {
        let logWeight = (x[x.count - 1] - 1.0) * target + 1.0
        loss = (1.0 - target) * input + logWeight * (logSigmoidNegative - input)
      } else {
        loss = logSigmoidNegative - input * target
      }
      if weight != nil { loss = loss * x[2] }
      return reduce(loss, reduction)
    }
  }

  private static func reduce(_ loss: Tensor, _ reduction: Reduction) -> Tensor {
    switch reduction {
    case .none: loss
    case .sum: loss.sum()
    case .mean: loss.mean()
    }
  }

  /// A loss of (input − target) elementwise with one node, as PyTorch's fused losses have.
  private static func elementwiseLoss(_ input: Tensor, _ target: Tensor, _ reduction: Reduction, _ name: String,
                                      value: (Tensor) -> Tensor, derivative: @escaping (Tensor) -> Tensor) -> Tensor {
    let shape = broadcastShapes(input.dims, target.dims)
    let (x, y) = (input.detach(), target.detach())
    let result: Tensor = GradMode.with(enabled: false) { reduce(value(x - y), reduction) }
    let count = Double(shape.reduce(1, *))
    return result.recording(name, [input, target], saved: [x, y]) { g in
      let scaled = reduction == .mean ? g / count : g
      let grad = derivative(GradMode.isEnabled ? input - target : x - y) * scaled
      return [input.requiresGrad ? grad.sumToShape(input.dims) : nil,
              target.requiresGrad ? (-grad).sumToShape(target.dims) : nil]
    }
  }
}

extension nn {
  /// `torch.nn.CrossEntropyLoss`: log-softmax then negative log-likelihood, fused.
  public final class CrossEntropyLoss: Module {
    public let weight: Tensor?
    public let ignoreIndex: Int
    public let reduction: Reduction
    public let labelSmoothing: Double
    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean, labelSmoothing: Double = 0) {
      self.weight = weight.map(nn.Buffer)
      self.ignoreIndex = ignoreIndex
      self.reduction = reduction
      self.labelSmoothing = labelSmoothing
    }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
      F.crossEntropy(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction, labelSmoothing: labelSmoothing)
    }
  }

  /// `torch.nn.NLLLoss`.
  public final class NLLLoss: Module {
    public let weight: Tensor?
    public let ignoreIndex: Int
    public let reduction: Reduction
    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean) {
      self.weight = weight.map(nn.Buffer)
      self.ignoreIndex = ignoreIndex
      self.reduction = reduction
    }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
      F.nllLoss(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
    }
  }

  /// `torch.nn.MSELoss`.
  /// `torch.nn.KLDivLoss`: KL divergence of log-probabilities from a target distribution.
  public final class KLDivLoss: Module {
    public let reduction: KLDivReduction
    public let logTarget: Bool
    public init(reduction: KLDivReduction = .mean, logTarget: Bool = false) { (self.reduction, self.logTarget) = (reduction, logTarget) }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor { F.klDiv(input, target, reduction: reduction, logTarget: logTarget) }
  }

  /// `torch.nn.CosineSimilarity`: `F.cosineSimilarity` along `dim`.
  public final class CosineSimilarity: Module {
    public let dim: Int
    public let eps: Double
    public init(dim: Int = 1, eps: Double = 1e-8) { (self.dim, self.eps) = (dim, eps) }
    public func callAsFunction(_ x1: Tensor, _ x2: Tensor) -> Tensor { F.cosineSimilarity(x1, x2, dim: dim, eps: eps) }
  }

  public final class MSELoss: Module {
    public let reduction: Reduction
    public init(reduction: Reduction = .mean) { self.reduction = reduction }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor { F.mseLoss(input, target, reduction: reduction) }
  }

  /// `torch.nn.BCELoss`: binary cross entropy of probabilities.
  public final class BCELoss: Module {
    public let weight: Tensor?
    public let reduction: Reduction
    public init(weight: Tensor? = nil, reduction: Reduction = .mean) {
      self.weight = weight.map(nn.Buffer)
      self.reduction = reduction
    }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
      F.binaryCrossEntropy(input, target, weight: weight, reduction: reduction)
    }
  }

  /// `torch.nn.SmoothL1Loss`.
  public final class SmoothL1Loss: Module {
    public let reduction: Reduction
    public let beta: Double
    public init(reduction: Reduction = .mean, beta: Double = 1) { (self.reduction, self.beta) = (reduction, beta) }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor { F.smoothL1Loss(input, target, reduction: reduction, beta: beta) }
  }

  /// `torch.nn.HuberLoss`.
  public final class HuberLoss: Module {
    public let reduction: Reduction
    public let delta: Double
    public init(reduction: Reduction = .mean, delta: Double = 1) { (self.reduction, self.delta) = (reduction, delta) }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor { F.huberLoss(input, target, reduction: reduction, delta: delta) }
  }

  /// `torch.nn.L1Loss`.
  public final class L1Loss: Module {
    public let reduction: Reduction
    public init(reduction: Reduction = .mean) { self.reduction = reduction }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor { F.l1Loss(input, target, reduction: reduction) }
  }

  /// `torch.nn.BCEWithLogitsLoss`.
  public final class BCEWithLogitsLoss: Module {
    public let weight: Tensor?
    public let posWeight: Tensor?
    public let reduction: Reduction
    public init(weight: Tensor? = nil, reduction: Reduction = .mean, posWeight: Tensor? = nil) {
      self.weight = weight.map(nn.Buffer)
      self.posWeight = posWeight.map(nn.Buffer)
      self.reduction = reduction
    }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor {
      F.binaryCrossEntropyWithLogits(input, target, weight: weight, posWeight: posWeight, reduction: reduction)
    }
  }
}
