extension nn {
  /// `torch.nn.parallel`.
  public enum parallel {}
}

extension nn.parallel {
  /// Data-parallel training across the process group (`nn.parallel.DistributedDataParallel`):
  /// every rank holds the whole model and trains on its own share of each batch; gradients
  /// are averaged over the ranks during backward, so every rank takes the same optimizer step.
  ///
  /// As PyTorch's: parameters and buffers are broadcast from rank 0 at construction (and
  /// buffers again before each forward); gradients are all-reduced in buckets of parameters
  /// in reverse order (the first bucket up to 1 MB, then `bucketCapMB`), each launched as soon
  /// as its parameters' gradients have been accumulated (post-accumulate-grad hooks), so
  /// communication overlaps the rest of backward; `noSync { }` accumulates gradients locally;
  /// the wrapped model is `.module`, so state-dict keys gain the prefix `module.`. Every
  /// parameter that requires a gradient must receive one in each backward.
  public final class DistributedDataParallel: Module {
    /// The wrapped model.
    public let module: any Module
    private let reducer: GradientReducer
    /// The buffers broadcast before each forward (found once: reflection is not free).
    private let buffersToBroadcast: [Tensor]

    /// `gradientAsBucketView`: as PyTorch's, each parameter's `.grad` becomes a view of its
    /// bucket, so averaged gradients need no copy back (and, when the optimizer zeroes them in
    /// place with `zeroGrad(setToNone: false)`, no copy in either). The bucket's memory is
    /// reused each step: a `.grad` kept across steps changes with it.
    public init(_ module: any Module, bucketCapMB: Double = 25, broadcastBuffers: Bool = true, gradientAsBucketView: Bool = false) {
      _ = dist.defaultGroup()
      self.module = module
      buffersToBroadcast = broadcastBuffers && dist.getWorldSize() > 1 ? module.buffers() : []
      torch.noGrad {
        for tensor in module.parameters() + module.buffers() { dist.broadcast(tensor.detach(), src: 0) }
      }
      reducer = GradientReducer(module.parameters().filter(\.requiresGrad), bucketCapBytes: Int(bucketCapMB * 1_048_576),
                                gradientAsBucketView: gradientAsBucketView)
    }

    public func forward(_ input: Tensor) -> Tensor {
      reducer.prepareForBackward()
      if !buffersToBroadcast.isEmpty {
        torch.noGrad { for buffer in buffersToBroadcast { dist.broadcast(buffer.detach(), src: 0) } }
      }
      return module(input)
    }

    /// Runs `body` (forwards and backwards) without averaging gradients: they accumulate
    /// locally, and the next backward outside `noSync` averages the sum (`no_sync()`).
    public func noSync<R>(_ body: () throws -> R) rethrows -> R {
      let previous = reducer.synchronizing
      reducer.synchronizing = false
      defer { reducer.synchronizing = previous }
      return try body()
    }

    /// The number of gradient buckets and each one's parameter count, last parameters first.
    public var bucketSizes: [Int] { reducer.buckets.map(\.parameters.count) }
  }
}

/// DistributedDataParallel's gradient averaging: buckets of parameters, a flat buffer each,
/// summed by an asynchronous all-reduce while backward goes on. As in PyTorch, each gradient
/// is divided by the world size as it is copied into its bucket (one pass, not a copy and a
/// division), so the all-reduce's sum is the average.
///
/// A gradient this backward created (the parameter had none when the forward began) is not
/// copied back: the parameter's `.grad` becomes its view of the averaged bucket, and the
/// bucket lets go of that buffer, taking a new one at its next launch, so no later step writes
/// into a gradient handed out (a copy and a pass over every gradient saved; the old buffer
/// returns to the allocator's cache when its gradients are dropped, and the new one comes from
/// there, so memory peaks no higher than with the copy). A gradient that already existed
/// (accumulation under `noSync`, or zeroed in place) keeps its tensor and gets the averages
/// copied in, as in PyTorch.
final class GradientReducer {
  struct Bucket {
    let parameters: [Int]
    /// The flat buffer and each parameter's slice of it, shaped as the parameter; nil once its
    /// averages are handed out as gradients, until the next launch.
    var buffer: Buffer?
  }

  struct Buffer {
    let flat: Tensor
    let views: [Tensor]

    /// A buffer for the parameters `members` (indices into `all`) on their device, uninitialized:
    /// each launch writes every gradient into it before the all-reduce reads it.
    init(_ members: [Int], of all: [Tensor]) {
      let first = all[members[0]]
      let flat = Tensor(uninitialized: [members.map { all[$0].numel() }.reduce(0, +)], dtype: first.dtype, device: first.device)
      var offset = 0
      views = members.map { p in
        defer { offset += all[p].numel() }
        return flat.narrow(0, start: offset, length: all[p].numel()).view(all[p].dims)
      }
      self.flat = flat
    }
  }

  let parameters: [Tensor]
  private(set) var buckets: [Bucket]
  let gradientAsBucketView: Bool
  var synchronizing = true
  private var bucketOfParameter: [Int] = []
  /// Per parameter: it had no gradient when this step's forward began.
  private var createdThisStep: [Bool] = []
  private var pending: [Int] = []
  private var nextLaunch = 0
  private var works: [dist.Work?] = []
  private var handles: [RemovableHandle] = []

  init(_ parameters: [Tensor], bucketCapBytes: Int, gradientAsBucketView: Bool) {
    self.parameters = parameters
    self.gradientAsBucketView = gradientAsBucketView
    buckets = Self.buckets(parameters, capBytes: bucketCapBytes)
    bucketOfParameter = Array(repeating: 0, count: parameters.count)
    for (b, bucket) in buckets.enumerated() { for p in bucket.parameters { bucketOfParameter[p] = b } }
    for (index, parameter) in parameters.enumerated() {
      handles.append(parameter.registerPostAccumulateGradHook { [unowned self] _ in self.gradientReady(index) })
    }
    reset()
  }

  deinit { for handle in handles { handle.remove() } }

  /// Parameters in reverse order, cut into buckets: the first up to 1 MB, then `capBytes`,
  /// and a new bucket wherever the dtype or device changes (each bucket's buffer lives on its
  /// parameters' device, so NCCL reduces CUDA gradients in place).
  private static func buckets(_ parameters: [Tensor], capBytes: Int) -> [Bucket] {
    var result: [[Int]] = [], current: [Int] = [], bytes = 0
    for index in parameters.indices.reversed() {
      let size = parameters[index].numel() * parameters[index].dtype.itemSize
      let cap = result.isEmpty ? Swift.min(1 << 20, capBytes) : capBytes
      let (first, next) = (parameters[current.first ?? index], parameters[index])
      if !current.isEmpty && (bytes + size > cap || first.dtype != next.dtype || first.device != next.device) {
        result.append(current)
        (current, bytes) = ([], 0)
      }
      current.append(index)
      bytes += size
    }
    if !current.isEmpty { result.append(current) }
    return result.map { Bucket(parameters: $0, buffer: Buffer($0, of: parameters)) }
  }

  /// Called by each forward: a reduction begun and not finished means a parameter got no
  /// gradient last time, which would leave the ranks waiting on each other.
  func prepareForBackward() {
    torchCheck(nextLaunch == 0 || nextLaunch == buckets.count,
      "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates that your module has parameters that were not used in producing loss.")
    reset()
    createdThisStep = parameters.map { $0.grad == nil }
  }

  private func reset() {
    pending = buckets.map(\.parameters.count)
    nextLaunch = 0
    works = Array(repeating: nil, count: buckets.count)
  }

  private func gradientReady(_ index: Int) {
    guard synchronizing, dist.getWorldSize() > 1 else { return }
    let b = bucketOfParameter[index]
    pending[b] -= 1
    // Buckets are launched in order on every rank, so the ranks' collectives match.
    while nextLaunch < buckets.count && pending[nextLaunch] == 0 {
      launch(nextLaunch)
      nextLaunch += 1
    }
    if nextLaunch == buckets.count { finish() }
  }

  /// Copies the bucket's gradients, divided by the world size, into its flat buffer and
  /// starts summing it.
  private func launch(_ b: Int) {
    let members = buckets[b].parameters
    let buffer = buckets[b].buffer ?? Buffer(members, of: parameters)
    buckets[b].buffer = buffer
    let share = 1 / Double(dist.getWorldSize())
    torch.noGrad {
      for (p, view) in zip(members, buffer.views) {
        let parameter = parameters[p]
        let grad = parameter.grad!
        if grad.storage === view.storage && grad.storageOffset == view.storageOffset {
          grad.mul_(share)
        } else {
          view.assignProduct(grad, share)
          if gradientAsBucketView { parameter.grad = view }
        }
      }
    }
    works[b] = dist.allReduce(buffer.flat, op: .sum, asyncOp: true)
  }

  /// Waits for every bucket and, unless the gradients are the buckets' views, hands the
  /// averages to the gradients this step created and copies them into the others.
  private func finish() {
    for b in buckets.indices {
      works[b]!.wait()
      guard !gradientAsBucketView, let buffer = buckets[b].buffer else { continue }
      torch.noGrad {
        for (p, view) in zip(buckets[b].parameters, buffer.views) {
          if createdThisStep[p] {
            parameters[p].grad = view
            buckets[b].buffer = nil
          } else {
            parameters[p].grad!.copy_(view)
          }
        }
      }
    }
  }
}
