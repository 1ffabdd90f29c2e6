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
  /// in reverse order, assigned as PyTorch's rebuilt buckets are (each closes once it holds
  /// `bucketCapMB`, default 25, the first already at 1 MB unless a cap was given; PyTorch's
  /// own first step uses one bucket while it records the order), each launched as soon as its
  /// parameters' gradients have been accumulated (post-accumulate-grad hooks), so
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
    public init(_ module: any Module, bucketCapMB: Double? = nil, broadcastBuffers: Bool = true, gradientAsBucketView: Bool = false) {
      _ = dist.defaultGroup()
      self.module = module
      buffersToBroadcast = broadcastBuffers && dist.getWorldSize() > 1 ? module.buffers() : []
      torch.noGrad {
        for tensor in module.parameters() + module.buffers() { dist.broadcast(tensor.detach(), src: 0) }
      }
      reducer = GradientReducer(module.parameters().filter(\.requiresGrad), limits: .init(capMB: bucketCapMB),
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

  init(_ parameters: [Tensor], limits: BucketLimits, gradientAsBucketView: Bool) {
    self.parameters = parameters
    self.gradientAsBucketView = gradientAsBucketView
    buckets = Self.buckets(parameters, limits: limits)
    bucketOfParameter = Array(repeating: 0, count: parameters.count)
    for (b, bucket) in buckets.enumerated() { for p in bucket.parameters { bucketOfParameter[p] = b } }
    for (index, parameter) in parameters.enumerated() {
      handles.append(parameter.registerPostAccumulateGradHook { [unowned self] _ in self.gradientReady(index) })
    }
    reset()
  }

  deinit { for handle in handles { handle.remove() } }

  /// The buckets of `parameters` in launch order: `bucketAssignment` over the parameters in
  /// reverse.
  private static func buckets(_ parameters: [Tensor], limits: BucketLimits) -> [Bucket] {
    let ready = Array(parameters.indices.reversed())
    let assignment = bucketAssignment(bytes: ready.map { parameters[$0].numel() * parameters[$0].dtype.itemSize },
                                      kinds: ready.map { BucketKind(dtype: parameters[$0].dtype, device: parameters[$0].device) },
                                      limits: limits)
    return assignment.map { positions in
      let members = positions.map { ready[$0] }
      return Bucket(parameters: members, buffer: Buffer(members, of: parameters))
    }
  }

  /// How many bytes close a bucket, as PyTorch's `bucket_cap_mb`: 25 MB by default, the
  /// first bucket already at 1 MB (PyTorch's `_DEFAULT_FIRST_BUCKET_BYTES`) so the last
  /// layers' gradients go out early; a cap given applies to every bucket, the first included.
  struct BucketLimits {
    let first: Int
    let rest: Int

    init(capMB: Double?) {
      rest = Int((capMB ?? 25) * 1_048_576)
      first = capMB == nil ? 1 << 20 : rest
    }
  }

  /// What a bucket holds one of: its buffer lives on its parameters' device, so NCCL reduces
  /// CUDA gradients in place.
  struct BucketKind: Hashable {
    let dtype: DType
    let device: Device
  }

  /// PyTorch's bucket assignment (`compute_bucket_assignment_by_size`) for tensors of `bytes`
  /// and `kinds` in the order backward makes them ready (a model's parameters in reverse): each
  /// kind keeps one open bucket; a tensor joins its kind's, which closes as soon as it holds at
  /// least its limit, `limits.first` for a kind's first bucket and `limits.rest` after. With
  /// the default limits the first bucket launched holds the last layers and the tensor that
  /// takes it past 1 MB, and the one left for the end of backward is smaller. Buckets still
  /// open at the end follow, in the order of their first tensor. Returns positions in the
  /// given order, bucket by bucket.
  static func bucketAssignment(bytes: [Int], kinds: [BucketKind], limits: BucketLimits) -> [[Int]] {
    var closed: [[Int]] = []
    var open: [BucketKind: (members: [Int], bytes: Int)] = [:]
    var closedBefore: Set<BucketKind> = []
    for (position, kind) in kinds.enumerated() {
      var bucket = open[kind] ?? ([], 0)
      bucket.members.append(position)
      bucket.bytes += bytes[position]
      let limit = closedBefore.contains(kind) ? limits.rest : limits.first
      if bucket.bytes >= limit {
        closed.append(bucket.members)
        closedBefore.insert(kind)
        open[kind] = nil
      } else {
        open[kind] = bucket
      }
    }
    return closed + open.values.map(\.members).sorted { $0[0] < $1[0] }
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
      let members = buckets[b].parameters
      torch.noGrad {
        for (p, view) in zip(members, buffer.views) {
          if createdThisStep[p] { parameters[p].grad = view } else { parameters[p].grad!.copy_(view) }
        }
      }
      if members.contains(where: { createdThisStep[$0] }) { buckets[b].buffer = nil }
    }
  }
}
