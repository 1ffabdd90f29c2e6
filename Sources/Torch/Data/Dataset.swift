/// A map-style dataset of (input, target) pairs (`torch.utils.data.Dataset`).
///
/// `batch(_:)` builds a whole batch at once; the default stacks single samples, and
/// in-memory datasets override it to gather rows without per-sample work.
public protocol Dataset {
  /// Number of samples (`len(dataset)`).
  var count: Int { get }
  /// One sample (`dataset[i]`).
  func sample(_ index: Int) -> (Tensor, Tensor)
  /// The samples at `indices`, stacked along a new first dim.
  func batch(_ indices: [Int]) -> (Tensor, Tensor)
}

extension Dataset {
  public func batch(_ indices: [Int]) -> (Tensor, Tensor) {
    let samples = indices.map(sample)
    return (torch.stack(samples.map(\.0)), torch.stack(samples.map(\.1)))
  }

  public subscript(index: Int) -> (Tensor, Tensor) { sample(index) }
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
