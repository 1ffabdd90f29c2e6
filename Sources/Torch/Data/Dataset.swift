/// A map-style dataset of (input, target) pairs (`torch.utils.data.Dataset`).
///
/// A target is whatever the dataset gives for one sample: an `Int` class index, as
/// torchvision's datasets give, or a tensor (a target transform's one-hot vector). A
/// `DataLoader` collates targets into a tensor, as PyTorch's `default_collate` does.
/// `batch(_:)` builds a whole batch at once; the default collates single samples, and
/// in-memory datasets override it to gather rows without per-sample work.
public protocol Dataset {
  /// One sample's target: `Int`, `Double` or `Tensor`.
  associatedtype Target: Collatable = Tensor
  /// Number of samples (`len(dataset)`).
  var count: Int { get }
  /// One sample (`dataset[i]`).
  func sample(_ index: Int) -> (Tensor, Target)
  /// The samples at `indices`: inputs stacked along a new first dim, targets collated.
  func batch(_ indices: [Int]) -> (Tensor, Tensor)
}

extension Dataset {
  public func batch(_ indices: [Int]) -> (Tensor, Tensor) {
    let samples = indices.map(sample)
    return (torch.stack(samples.map(\.0)), Target.collate(samples.map(\.1)))
  }

  public subscript(index: Int) -> (Tensor, Target) { sample(index) }
}

/// A target type a `DataLoader` can batch (`default_collate`): numbers become a 1-D tensor
/// (int64 for `Int`, float64 for `Double`), tensors are stacked.
public protocol Collatable {
  static func collate(_ items: [Self]) -> Tensor
}

extension Tensor: Collatable {
  public static func collate(_ items: [Tensor]) -> Tensor { torch.stack(items) }
}

extension Int: Collatable {
  public static func collate(_ items: [Int]) -> Tensor { Tensor(items.map(Int64.init), shape: [items.count]) }
}

extension Double: Collatable {
  public static func collate(_ items: [Double]) -> Tensor { torch.tensor(items, dtype: .float64) }
}

/// Samples are rows of tensors that share their first dim (`TensorDataset`).
public struct TensorDataset: Dataset {
  public let inputs: Tensor
  public let targets: Tensor

  public init(_ inputs: Tensor, _ targets: Tensor) {
    torchCheck(inputs.size(0) == targets.size(0), "Size mismatch between tensors")
    self.inputs = inputs
    self.targets = targets
  }

  public var count: Int { inputs.size(0) }
  public func sample(_ index: Int) -> (Tensor, Tensor) { (inputs[index], targets[index]) }
  public func batch(_ indices: [Int]) -> (Tensor, Tensor) {
    let rows = Tensor(indices.map(Int64.init), shape: [indices.count])
    return torch.noGrad { (inputs.indexSelect(0, rows), targets.indexSelect(0, rows)) }
  }
}
