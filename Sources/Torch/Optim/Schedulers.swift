import Foundation

extension optim {
  /// `torch.optim.lr_scheduler`.
  public enum lr_scheduler {}
}

extension optim.lr_scheduler {
  /// Multiplies each group's learning rate by `gamma` every `stepSize` epochs (`StepLR`).
  public final class StepLR {
    public let optimizer: optim.Optimizer
    public let stepSize: Int
    public let gamma: Double
    public private(set) var lastEpoch = 0

    public init(_ optimizer: optim.Optimizer, stepSize: Int, gamma: Double = 0.1) {
      self.optimizer = optimizer
      self.stepSize = stepSize
      self.gamma = gamma
    }

    /// Advances one epoch; call after the epoch's optimizer steps.
    public func step() {
      lastEpoch += 1
      guard lastEpoch % stepSize == 0 else { return }
      for g in optimizer.paramGroups.indices { optimizer.paramGroups[g].lr! *= gamma }
    }

    public func getLastLr() -> [Double] { optimizer.paramGroups.map { $0.lr ?? 0 } }
  }

  /// Cosine annealing from each group's initial rate to `etaMin` over `tMax` epochs
  /// (`CosineAnnealingLR`), with PyTorch's recursive update.
  public final class CosineAnnealingLR {
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

    public func getLastLr() -> [Double] { optimizer.paramGroups.map { $0.lr ?? 0 } }
  }
}

extension optim {
  public typealias StepLR = lr_scheduler.StepLR
  public typealias CosineAnnealingLR = lr_scheduler.CosineAnnealingLR
}
