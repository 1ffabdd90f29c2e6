
/// Reductions over some dimensions.
enum ReduceOp: Sendable {
  case sum, prod, max, min, amax, amin
}

/// The kernels a device implements. Op definitions (`Tensor+*.swift`) call these and never
/// touch device memory themselves, so a new device plugs in here without changing any op.
/// Every `into out:` tensor is freshly allocated and contiguous; inputs may be arbitrary views.
/// The one exception: an in-place `binary` passes a contiguous first operand as `out` too.
protocol Backend: Sendable {
  var device: Device { get }
  func allocate(bytes: Int) -> Storage
  /// Copies `src` into `dst` (same shape, any strides), converting the dtype.
  func copy(_ src: Tensor, into dst: Tensor)
  func fill(_ dst: Tensor, with value: Double)
  func unary(_ op: UnaryOp, _ x: Tensor, into out: Tensor)
  func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, into out: Tensor)
  func whereSelect(_ condition: Tensor, _ a: Tensor, _ b: Tensor, into out: Tensor)
  /// Reduces `x` over `dims` into `out`, whose shape is `x`'s with those dims set to 1.
  func reduce(_ op: ReduceOp, _ x: Tensor, dims: [Int], into out: Tensor)
  /// Max or min along one dim, with the index of the first extreme value.
  func argReduce(max: Bool, _ x: Tensor, dim: Int, values: Tensor?, indices: Tensor)
  /// Sorts `x` along `dim` into `values` and `indices`, contiguous [rows, length] with `dim`'s
  /// elements last: ascending or descending, NaN above every number, equal values in their
  /// original order (stable).
  func sort(_ x: Tensor, dim: Int, descending: Bool, values: Tensor, indices: Tensor)
  /// Running sums (or products) of float or int64 `x` along `dim` into the contiguous `out`
  /// (same shape and dtype), from the dim's end with `reverse` (cumsum's gradient, without
  /// flipping twice); floats accumulate in float64, as PyTorch's CPU kernel does.
  func cumulative(_ op: CumulativeOp, _ x: Tensor, dim: Int, reverse: Bool, into out: Tensor)
  func softmax(_ x: Tensor, dim: Int, log: Bool, into out: Tensor)
  func softmaxBackward(grad: Tensor, output: Tensor, dim: Int, log: Bool, into out: Tensor)
  /// out = alpha * a @ b + beta * out for 2-D operands of any strides; batched by the caller.
  func gemm(_ a: Tensor, _ b: Tensor, into out: Tensor, alpha: Double, beta: Double)
  func indexSelect(_ x: Tensor, dim: Int, index: Tensor, into out: Tensor)
  /// out[index[i]] += src[i] along `dim` (index_add_, the backward of index_select).
  func indexAdd(_ out: Tensor, dim: Int, index: Tensor, source: Tensor)
  func gather(_ x: Tensor, dim: Int, index: Tensor, into out: Tensor)
  /// out[..., index[...], ...] += src[...] (scatter_add_, the backward of gather).
  func scatterAdd(_ out: Tensor, dim: Int, index: Tensor, source: Tensor)
  /// im2col: `x` [N, C, H, W] (contiguous) to `out` [N, C, kh·kw, oh·ow], a view whose last dim
  /// has unit stride; `padValue` where a window reaches into the padding.
  func unfold(_ x: Tensor, _ window: SlidingWindow, padValue: Double, into out: Tensor)
  /// col2im, unfold's adjoint: adds `columns` [N, C, kh·kw, oh·ow] (last dim unit stride) into
  /// `out` [N, C, H, W] (contiguous, zero-filled by the caller).
  func fold(_ columns: Tensor, _ window: SlidingWindow, into out: Tensor)
  /// Max pooling of planes `x` [P, H, W] (contiguous) into `values` and int64 `indices`
  /// [P, oh, ow]: each window's maximum and its flat position h·W + w in the plane.
  func maxPool2d(_ x: Tensor, _ window: SlidingWindow, values: Tensor, indices: Tensor)
  /// Average pooling of planes `x` [P, H, W] (contiguous) into `out` [P, oh, ow] (no dilation):
  /// each window's sum over PyTorch's divisor (`divisor` when positive, else the window's size
  /// within the padded input with `includePad`, or within the input).
  func avgPool2d(_ x: Tensor, _ window: SlidingWindow, includePad: Bool, divisor: Int, into out: Tensor)
  /// Average pooling's input gradient: `grad` [P, oh, ow] spread over each window into `out`
  /// [P, H, W] (contiguous, zero-filled by the caller).
  func avgPool2dBackward(_ grad: Tensor, _ window: SlidingWindow, includePad: Bool, divisor: Int, into out: Tensor)
  /// Adaptive max pooling of planes `x` [P, H, W] (contiguous) into `values` and int64
  /// `indices` (contiguous, P·oh·ow elements, the last two dims oh and ow): each of PyTorch's
  /// bins' maximum and its flat position h·W + w.
  func adaptiveMaxPool2d(_ x: Tensor, values: Tensor, indices: Tensor)
  /// Adaptive average pooling of planes `x` [P, H, W] (contiguous) into `out` [P, oh, ow]
  /// (contiguous): each of PyTorch's bins' mean.
  func adaptiveAvgPool2d(_ x: Tensor, into out: Tensor)
  /// Its adjoint: `grad` [P, oh, ow] (contiguous) into `out` [P, H, W] (contiguous,
  /// overwritten), each cell the sum of the shares of every bin that holds it.
  func adaptiveAvgPool2dBackward(_ grad: Tensor, into out: Tensor)
  /// Resizes planes `x` [P, H, W] (contiguous) into `out` [P, oh, ow] as `plan` says
  /// (`F.interpolate`, nearest or bilinear, PyTorch's formulas).
  func resize2d(_ x: Tensor, _ plan: ResizePlan, into out: Tensor)
  /// The adjoint of `resize2d`: `grad` [P, oh, ow] (contiguous) into `out` [P, H, W]
  /// (contiguous, overwritten).
  func resize2dBackward(_ grad: Tensor, _ plan: ResizePlan, into out: Tensor)
  /// Normalizes each row of `x` (contiguous, `layout`) by its mean and 1/√(biased var + eps),
  /// then applies the affine parameters (contiguous, or nil): out = (x − mean)·rstd·w + b.
  /// Writes `out` (x's shape) and each row's `mean` and `rstd` [rows].
  func normalizeRows(_ x: Tensor, _ layout: NormalizationRows, weight: Tensor?, bias: Tensor?, eps: Double,
                     into out: Tensor, mean: Tensor, rstd: Tensor)
  /// The backward of `normalizeRows` for the gradients asked for (non-nil outputs):
  /// `gradInput` (x's shape), `gradWeight` and `gradBias` (the parameters' shape, overwritten).
  func normalizeRowsBackward(_ grad: Tensor, _ x: Tensor, _ layout: NormalizationRows, weight: Tensor?, mean: Tensor, rstd: Tensor,
                             gradInput: Tensor?, gradWeight: Tensor?, gradBias: Tensor?)
  /// Batch norm in evaluation, one pass: out = x·scale[c] + shift[c], c each element's channel
  /// (dim 1) of `x` (contiguous [N, C, *]); `scale` and `shift` [C] (contiguous, x's dtype).
  func channelAffine(_ x: Tensor, scale: Tensor, shift: Tensor, into out: Tensor)
  /// Cross entropy of log-probabilities against class targets: per-sample losses and weights.
  func nllLoss(logProbs: Tensor, target: Tensor, weight: Tensor?, ignoreIndex: Int,
               losses: Tensor, weights: Tensor)
  /// Class-index targets (int64 or uint8, 1-D) into the int64 [rows, 1] `out`, ignored ones
  /// made 0, so gathers and scatters may use every row. The default composes tensor ops
  /// (LossKernels.swift).
  func safeClassIndices(_ target: Tensor, ignoreIndex: Int, into out: Tensor)
  /// out = exp(logProbs) · scales for [rows, C] log-probabilities and [rows, 1] scales: the
  /// softmax part of cross entropy's gradient. The default composes exp and a product
  /// (LossKernels.swift).
  func scaledSoftmax(logProbs: Tensor, scales: Tensor, into out: Tensor)
  /// One fused Adam/AdamW update of a parameter and its moments, in place (all of one device
  /// and dtype). The default runs the composed ops (OptimizerKernels.swift).
  func adamStep(_ step: AdamStep, param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor?)
  /// Contiguous host bytes of a tensor, and their inverse, for moving data between devices.
  func readBytes(_ x: Tensor) -> [UInt8]
  func writeBytes(_ bytes: UnsafeRawBufferPointer, into dst: Tensor)
}

/// The registry of device backends, by device type. The CPU is always present; every other
/// type has a provider that opens its backend on first use (CUDA loads its libraries then).
///
/// An op a device lacks stops with a message naming the op and the device (see
/// `missingKernel`); nothing is copied through the CPU behind the user's back, since a silent
/// round trip would hide a slow path and break the device's asynchronous stream. Fused kernels
/// with a portable definition (`adamStep`) fall back to their composed form instead.
enum Backends {
  static let cpu = CPUBackend()
  /// Backends opened or stood in (tests) for one device.
  private static let opened = Locked<[Device: any Backend]>([:])
  /// How to open a backend for a device type (`Device.type`): CUDA's through `CUDARuntime`.
  private static let providers = Locked<[String: @Sendable (Device) -> (any Backend)?]>([
    "cuda": { device in cudaBackend(for: device) },
  ])
  /// How to explain why a device type cannot be used.
  private static let unavailable: [String: @Sendable (Device) -> String] = [
    "cuda": { CUDARuntime.unavailableMessage(for: $0) },
  ]

  static func register(_ backend: any Backend) {
    opened.withLock { $0[backend.device] = backend }
  }

  /// Removes a registered backend (tests that stand in a device for a while).
  static func unregister(_ device: Device) {
    _ = opened.withLock { $0.removeValue(forKey: device) }
  }

  /// Adds (or replaces) how backends of a device type are opened.
  static func registerProvider(for type: String, _ provider: @escaping @Sendable (Device) -> (any Backend)?) {
    providers.withLock { $0[type] = provider }
  }

  static func backend(for device: Device) -> any Backend {
    if let backend = available(for: device) { return backend }
    torchFail(unavailable[device.type]?(device) ?? "no backend is registered for device type '\(device.type)'")
  }

  /// The backend of `device`, or nil where none can be opened.
  static func available(for device: Device) -> (any Backend)? {
    if device == .cpu { return cpu }
    if let backend = opened.withLock({ $0[device] }) { return backend }
    if let provider = providers.withLock({ $0[device.type] }), let backend = provider(device) { return backend }
    return nil
  }

  /// The stop for an op a device has no kernel for.
  static func missingKernel(_ op: String, _ dtype: DType, on device: Device) -> Never {
    torchFail("\"\(op)\" is not implemented on \(device) for '\(dtype.scalarTypeName)'", kind: "NotImplementedError")
  }
}

/// What a running scan combines: `cumsum`'s sums or `cumprod`'s products.
enum CumulativeOp: String {
  case sum = "cumsum", product = "cumprod"
}
