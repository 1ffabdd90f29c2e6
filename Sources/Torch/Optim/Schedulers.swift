import Foundation

extension optim {
  /// `torch.optim.lr_scheduler`.
  public enum lr_scheduler {}
}

/// What every learning-rate scheduler shares (PyTorch's `LRScheduler`): the optimizer whose
/// groups' rates it sets, the epoch count, `step()` after each epoch's optimizer steps, and
/// `getLastLr()`, the rates it last set.
public protocol LRScheduler: AnyObject {
  var optimizer: optim.Optimizer { get }
  var lastEpoch: Int { get }
  /// Advances one epoch; call after the epoch's optimizer steps.
  func step()
}

extension LRScheduler {
  public func getLastLr() -> [Double] { optimizer.paramGroups.map { $0.lr ?? 0 } }

  /// Multiplies every group's rate by `factor` (the schedulers' recursive updates).
  func scaleRates(by factor: Double) {
    for g in optimizer.paramGroups.indices { optimizer.paramGroups[g].lr! *= factor }
  }
}

extension optim.lr_scheduler {
  /// Multiplies each group's learning rate by `gamma` every `stepSize` epochs (`StepLR`).
  public final class StepLR: LRScheduler {
    public let optimizer: optim.Optimizer
    public let stepSize: Int
    public let gamma: Double
    public private(set) var lastEpoch = 0

    public init(_ optimizer: optim.Optimizer, stepSize: Int, gamma: Double = 0.1) {
      self.optimizer = optimizer
      self.stepSize = stepSize
      self.gamma = gamma
    }

    public func step() {
      lastEpoch += 1
      guard lastEpoch % stepSize == 0 else { return }
      scaleRates(by: gamma)
    }
  }

  /// Cosine annealing from each group's initial rate to `etaMin` over `tMax` epochs
  /// (`CosineAnnealingLR`), with PyTorch's recursive update.
  public final class CosineAnnealingLR: LRScheduler {
    public let optimizer: optim.Optimizer
    public let tMax: Int
    public let etaMin: Double
    public private(set) var lastEpoch = 0
    private let baseLrs: [Double]

    public init(_ optimizer: optim.Optimizer, tMax: Int, etaMin: Double = 0) {
      self.optimizer = optimizer
      self.tMax = tMax
      self.etaMin = etaMin
      baseLrs = optimizer.paramGroups.map { $0.lr ?? 0 }
    }

    public func step() {
      lastEpoch += 1
      let t = Double(lastEpoch), period = Double(tMax)
      for g in optimizer.paramGroups.indices {
        let lr = optimizer.paramGroups[g].lr ?? 0, base = baseLrs[g]
        if (lastEpoch - 1 - tMax) % (2 * tMax) == 0 {
          optimizer.paramGroups[g].lr = lr + (base - etaMin) * (1 - Foundation.cos(Double.pi / period)) / 2
        } else {
          optimizer.paramGroups[g].lr = (1 + Foundation.cos(Double.pi * t / period))
            / (1 + Foundation.cos(Double.pi * (t - 1) / period)) * (lr - etaMin) + etaMin
        }
      }
    }
  }
}

extension optim.lr_scheduler {
  /// Multiplies each group's learning rate by `gamma` every epoch (`ExponentialLR`).
  public final class ExponentialLR: LRScheduler {
    public let optimizer: optim.Optimizer
    public let gamma: Double
    public private(set) var lastEpoch = 0

    public init(_ optimizer: optim.Optimizer, gamma: Double) {
      self.optimizer = optimizer
      self.gamma = gamma
    }

    public func step() {
      lastEpoch += 1
      scaleRates(by: gamma)
    }
  }

  /// Multiplies each group's learning rate by `gamma` at each epoch in `milestones`, by
  /// `gamma`ⁿ at one listed n times (`MultiStepLR`).
  public final class MultiStepLR: LRScheduler {
    public let optimizer: optim.Optimizer
    public let milestones: [Int]
    public let gamma: Double
    public private(set) var lastEpoch = 0

    public init(_ optimizer: optim.Optimizer, milestones: [Int], gamma: Double = 0.1) {
      self.optimizer = optimizer
      self.milestones = milestones.sorted()
      self.gamma = gamma
    }

    public func step() {
      lastEpoch += 1
      let count = milestones.filter { $0 == lastEpoch }.count
      guard count > 0 else { return }
      scaleRates(by: Foundation.pow(gamma, Double(count)))
    }
  }

  /// Warm-up (or cool-down): each group's rate scaled by `startFactor` at once, then linearly
  /// to `endFactor` over `totalIters` epochs, with PyTorch's recursive update (`LinearLR`).
  public final class LinearLR: LRScheduler {
    public let optimizer: optim.Optimizer
    public let startFactor: Double
    public let endFactor: Double
    public let totalIters: Int
    public private(set) var lastEpoch = 0

    public init(_ optimizer: optim.Optimizer, startFactor: Double = 1.0 / 3, endFactor: Double = 1, totalIters: Int = 5) {
      torchCheck(startFactor > 0 && startFactor <= 1,
        "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.", kind: "ValueError")
      torchCheck(endFactor >= 0 && endFactor <= 1, "Ending multiplicative factor expected to be between 0 and 1.", kind: "ValueError")
      (self.optimizer, self.startFactor, self.endFactor, self.totalIters) = (optimizer, startFactor, endFactor, totalIters)
      scaleRates(by: startFactor)
    }

    public func step() {
      lastEpoch += 1
      guard lastEpoch <= totalIters else { return }
      let change = endFactor - startFactor
      let factor = 1 + change / (Double(totalIters) * startFactor + Double(lastEpoch - 1) * change)
      scaleRates(by: factor)
    }
  }

  /// Each group's rate is its initial rate times `lrLambda(epoch)`, from epoch 0 on (`LambdaLR`).
  public final class LambdaLR: LRScheduler {
    public let optimizer: optim.Optimizer
    public private(set) var lastEpoch = 0
    private let lrLambda: (Int) -> Double
    private let baseLrs: [Double]

    public init(_ optimizer: optim.Optimizer, lrLambda: @escaping (Int) -> Double) {
      (self.optimizer, self.lrLambda) = (optimizer, lrLambda)
      baseLrs = optimizer.paramGroups.map { $0.lr ?? 0 }
      apply()
    }

    public func step() {
      lastEpoch += 1
      apply()
    }

    private func apply() {
      for g in optimizer.paramGroups.indices { optimizer.paramGroups[g].lr = baseLrs[g] * lrLambda(lastEpoch) }
    }
  }
}

extension optim.lr_scheduler {
  /// Multiplies the rates by `factor` once a metric has stopped improving for more than
  /// `patience` epochs (`ReduceLROnPlateau`): `step(validationLoss)` after each epoch. "Improving" is beating the
  /// best so far by `threshold` (relative, or absolute with `thresholdMode: "abs"`); after a
  /// reduction `cooldown` epochs pass before bad epochs count again; rates stop at `minLr`
  /// and change only by more than `eps`.
  public final class ReduceLROnPlateau {
    public let optimizer: optim.Optimizer
    public let mode: String
    public let factor: Double
    public let patience: Int
    public let threshold: Double
    public let thresholdMode: String
    public let cooldown: Int
    public let minLrs: [Double]
    public let eps: Double
    public private(set) var lastEpoch = 0
    public private(set) var best: Double
    public private(set) var numBadEpochs = 0
    public private(set) var cooldownCounter = 0

    public init(_ optimizer: optim.Optimizer, mode: String = "min", factor: Double = 0.1, patience: Int = 10, threshold: Double = 1e-4,
                thresholdMode: String = "rel", cooldown: Int = 0, minLr: [Double]? = nil, eps: Double = 1e-8) {
      torchCheck(factor < 1, "Factor should be < 1.0.", kind: "ValueError")
      torchCheck(mode == "min" || mode == "max", "mode \(mode) is unknown!", kind: "ValueError")
      torchCheck(thresholdMode == "rel" || thresholdMode == "abs", "threshold mode \(thresholdMode) is unknown!", kind: "ValueError")
      let groups = optimizer.paramGroups.count
      torchCheck(minLr == nil || minLr!.count == 1 || minLr!.count == groups, "expected \(groups) min_lrs, got \(minLr?.count ?? 0)", kind: "ValueError")
      (self.optimizer, self.mode, self.factor, self.patience) = (optimizer, mode, factor, patience)
      (self.threshold, self.thresholdMode, self.cooldown, self.eps) = (threshold, thresholdMode, cooldown, eps)
      minLrs = minLr.map { $0.count == 1 ? Array(repeating: $0[0], count: groups) : $0 } ?? Array(repeating: 0, count: groups)
      best = mode == "min" ? .infinity : -.infinity
    }

    /// `ReduceLROnPlateau(opt, min_lr=1e-5)`: one floor for every group.
    public convenience init(_ optimizer: optim.Optimizer, mode: String = "min", factor: Double = 0.1, patience: Int = 10,
                            threshold: Double = 1e-4, thresholdMode: String = "rel", cooldown: Int = 0, minLr: Double, eps: Double = 1e-8) {
      self.init(optimizer, mode: mode, factor: factor, patience: patience, threshold: threshold, thresholdMode: thresholdMode,
                cooldown: cooldown, minLr: [minLr], eps: eps)
    }

    /// One epoch's metric (a validation loss in "min" mode, an accuracy in "max" mode).
    public func step(_ metrics: Double) {
      lastEpoch += 1
      if isBetter(metrics) {
        best = metrics
        numBadEpochs = 0
      } else {
        numBadEpochs += 1
      }
      if cooldownCounter > 0 {
        cooldownCounter -= 1
        numBadEpochs = 0
      }
      if numBadEpochs > patience {
        reduceRates()
        cooldownCounter = cooldown
        numBadEpochs = 0
      }
    }

    /// `scheduler.step(val_loss)` with a one-element tensor.
    public func step(_ metrics: Tensor) { step(metrics.item()) }

    public func getLastLr() -> [Double] { optimizer.paramGroups.map { $0.lr ?? 0 } }

    private func isBetter(_ value: Double) -> Bool {
      switch (mode, thresholdMode) {
      case ("min", "rel"): value < best * (1 - threshold)
      case ("min", _): value < best - threshold
      case (_, "rel"): value > best * (threshold + 1)
      default: value > best + threshold
      }
    }

    private func reduceRates() {
      for g in optimizer.paramGroups.indices {
        let old = optimizer.paramGroups[g].lr ?? 0
        let new = Swift.max(old * factor, minLrs[g])
        if old - new > eps { optimizer.paramGroups[g].lr = new }
      }
    }
  }
}

extension optim {
  public typealias ReduceLROnPlateau = lr_scheduler.ReduceLROnPlateau
  public typealias StepLR = lr_scheduler.StepLR
  public typealias CosineAnnealingLR = lr_scheduler.CosineAnnealingLR
  public typealias ExponentialLR = lr_scheduler.ExponentialLR
  public typealias MultiStepLR = lr_scheduler.MultiStepLR
  public typealias LinearLR = lr_scheduler.LinearLR
  public typealias LambdaLR = lr_scheduler.LambdaLR
}
