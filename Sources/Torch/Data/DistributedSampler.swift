/// The order in which a DataLoader visits a dataset's samples (`torch.utils.data.Sampler`).
public protocol Sampler: AnyObject {
  /// The sample indices of one pass, in order.
  func indices() -> [Int]
  /// How many indices a pass yields (`len(sampler)`).
  var count: Int { get }
}

/// Each rank's share of a dataset (`torch.utils.data.DistributedSampler`), exactly PyTorch's:
/// with `shuffle`, a `randperm` from a generator seeded with `seed + epoch`; the list padded
/// by repeating its start to a multiple of `numReplicas` (or, with `dropLast`, cut to one);
/// rank r takes every `numReplicas`-th index from r. Call `setEpoch` before each epoch so the
/// ranks shuffle alike and differently each epoch.
public final class DistributedSampler: Sampler {
  public let datasetCount: Int
  public let numReplicas: Int
  public let rank: Int
  public let shuffle: Bool
  public let seed: UInt64
  public let dropLast: Bool
  public private(set) var epoch = 0

  /// `numReplicas` and `rank` default to the process group's world size and rank.
  public convenience init<Data: Dataset>(_ dataset: Data, numReplicas: Int? = nil, rank: Int? = nil, shuffle: Bool = true,
                                         seed: UInt64 = 0, dropLast: Bool = false) {
    self.init(count: dataset.count, numReplicas: numReplicas, rank: rank, shuffle: shuffle, seed: seed, dropLast: dropLast)
  }

  /// A sampler over `count` samples.
  public init(count: Int, numReplicas: Int? = nil, rank: Int? = nil, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false) {
    let replicas = numReplicas ?? dist.getWorldSize(), rank = rank ?? dist.getRank()
    torchCheck(replicas > 0, "Invalid num_replicas \(replicas), num_replicas should be positive", kind: "ValueError")
    torchCheck(rank >= 0 && rank < replicas, "Invalid rank \(rank), rank should be in the interval [0, \(replicas - 1)]", kind: "ValueError")
    (datasetCount, self.numReplicas, self.rank, self.shuffle, self.seed, self.dropLast) = (count, replicas, rank, shuffle, seed, dropLast)
  }

  /// Samples per rank (`num_samples`).
  public var count: Int {
    dropLast && datasetCount % numReplicas != 0
      ? (datasetCount - numReplicas + numReplicas - 1) / numReplicas  // ceil((n - r) / r)
      : (datasetCount + numReplicas - 1) / numReplicas
  }

  /// Samples over all ranks (`total_size`).
  public var totalSize: Int { count * numReplicas }

  /// Sets the epoch, which seeds the next pass's shuffle (`set_epoch`).
  public func setEpoch(_ epoch: Int) { self.epoch = epoch }

  public func indices() -> [Int] {
    var order: [Int]
    if shuffle {
      let generator = Generator(seed: seed &+ UInt64(epoch))
      order = torch.randperm(datasetCount, generator: generator).toArray(Int64.self).map(Int.init)
    } else {
      order = Array(0..<datasetCount)
    }
    if dropLast {
      order = Array(order.prefix(totalSize))
    } else if totalSize > order.count && !order.isEmpty {
      let padding = totalSize - order.count
      let repeated = Array(repeatElement(order, count: (padding + order.count - 1) / order.count).joined())
      order += repeated.prefix(padding)
    }
    return Swift.stride(from: rank, to: order.count, by: numReplicas).map { order[$0] }
  }
}
