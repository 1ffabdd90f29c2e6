/// Batches a dataset (`torch.utils.data.DataLoader`): a `Sequence` of `(inputs, targets)`.
///
/// Each pass draws from the generators exactly as PyTorch's does, so a seeded run visits
/// samples in PyTorch's order and leaves the default generator where PyTorch leaves it: first
/// a base seed (PyTorch's for worker processes) from `generator` or the default generator,
/// then, with `shuffle`, a `torch.randperm` from `generator`, or from a fresh generator seeded
/// by the default one.
public struct DataLoader<Data: Dataset>: Sequence {
  public let dataset: Data
  public let batchSize: Int
  public let shuffle: Bool
  public let dropLast: Bool
  public let generator: Torch.Generator?
  /// Where the order of a pass comes from instead of `shuffle` (e.g. a `DistributedSampler`).
  public let sampler: (any Sampler)?

  public init(_ dataset: Data, batchSize: Int = 1, shuffle: Bool = false, sampler: (any Sampler)? = nil, dropLast: Bool = false,
              generator: Torch.Generator? = nil) {
    torchCheck(batchSize > 0, "batch_size should be a positive integer value, but got batch_size=\(batchSize)", kind: "ValueError")
    torchCheck(sampler == nil || !shuffle, "sampler option is mutually exclusive with shuffle", kind: "ValueError")
    self.dataset = dataset
    self.batchSize = batchSize
    self.shuffle = shuffle
    self.sampler = sampler
    self.dropLast = dropLast
    self.generator = generator
  }

  /// Number of batches per pass (`len(dataloader)`).
  public var count: Int {
    let samples = sampler?.count ?? dataset.count
    return dropLast ? samples / batchSize : (samples + batchSize - 1) / batchSize
  }

  /// The first batch of a fresh pass (`next(iter(dataloader))`), drawing from the generators
  /// as a pass does.
  public var first: (Tensor, Tensor)? {
    var iterator = makeIterator()
    return iterator.next()
  }

  public func makeIterator() -> Iterator {
    let order: [Int]
    _ = Self.drawSeed(generator ?? torch.defaultGenerator)
    if let sampler {
      order = sampler.indices()
    } else if shuffle {
      let source = generator ?? Torch.Generator(seed: Self.drawSeed(torch.defaultGenerator))
      order = torch.randperm(dataset.count, generator: source).toArray(Int64.self).map(Int.init)
    } else {
      order = Array(0..<dataset.count)
    }
    return Iterator(dataset: dataset, order: order, batchSize: batchSize, batches: count)
  }

  /// `torch.empty((), dtype=torch.int64).random_(generator=...)`: 63 random bits.
  private static func drawSeed(_ generator: Torch.Generator) -> UInt64 {
    generator.withState { $0.random64() } & (1 << 63 - 1)
  }

  public struct Iterator: IteratorProtocol {
    let dataset: Data
    let order: [Int]
    let batchSize: Int
    let batches: Int
    var position = 0

    public mutating func next() -> (Tensor, Tensor)? {
      guard position < batches else { return nil }
      let start = position * batchSize
      position += 1
      return dataset.batch(Array(order[start..<Swift.min(start + batchSize, order.count)]))
    }
  }
}
