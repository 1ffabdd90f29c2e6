extension nn {
  /// Flattens dims `startDim...endDim` into one (`torch.nn.Flatten`); by default all but
  /// the batch dim, so a `(3, 28, 28)` batch becomes `(3, 784)`.
  public final class Flatten: Module {
    public let startDim: Int
    public let endDim: Int
    public init(startDim: Int = 1, endDim: Int = -1) {
      self.startDim = startDim
      self.endDim = endDim
    }
    public func forward(_ input: Tensor) -> Tensor { input.flatten(startDim: startDim, endDim: endDim) }
    public var extraRepr: String { "start_dim=\(startDim), end_dim=\(endDim)" }
  }

  /// Splits one dim into `sizes` (`torch.nn.Unflatten`).
  public final class Unflatten: Module {
    public let dim: Int
    public let unflattenedSize: [Int]
    public init(dim: Int, unflattenedSize: [Int]) {
      self.dim = dim
      self.unflattenedSize = unflattenedSize
    }
    public func forward(_ input: Tensor) -> Tensor { input.unflatten(dim, unflattenedSize) }
    public var extraRepr: String {
      let sizes = unflattenedSize.map(String.init).joined(separator: ", ")
      return "dim=\(dim), unflattened_size=(\(sizes)\(unflattenedSize.count == 1 ? "," : ""))"
    }
  }
}
