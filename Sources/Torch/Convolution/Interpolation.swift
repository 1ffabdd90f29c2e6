// Resizing images: nearest and bilinear interpolation (`F.interpolate`), with PyTorch's
// source-index rules computed in the same float precision as its CPU kernels.

extension F {
  /// How `interpolate` computes output pixels.
  public enum InterpolationMode: String, Sendable {
    case nearest, bilinear
  }

  /// Resizes a batch of images [N, C, H, W] to `size` or by `scaleFactor` (`F.interpolate`).
  /// `alignCorners` (bilinear only) maps the corner pixels of input and output onto each other.
  public static func interpolate(_ input: Tensor, size: (any IntOrTuple)? = nil, scaleFactor: Double? = nil,
                                 mode: InterpolationMode = .nearest, alignCorners: Bool? = nil) -> Tensor {
    torchCheck(input.dim() == 4, "interpolate: only 4-D input ([N, C, H, W]) is supported here, but got input of size \(input.shape)", kind: "NotImplementedError")
    torchCheck(size != nil || scaleFactor != nil, "either size or scale_factor should be defined", kind: "ValueError")
    torchCheck(size == nil || scaleFactor == nil, "only one of size or scale_factor should be defined", kind: "ValueError")
    torchCheck(mode == .bilinear || alignCorners == nil,
      "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear", kind: "ValueError")
    let inputSize = Array(input.dims[2...])
    let outputSize = size?.values(2) ?? inputSize.map { Int((Double($0) * scaleFactor!).rounded(.down)) }
    torchCheck(outputSize.allSatisfy { $0 > 0 }, "Input and output sizes should be greater than 0, but got input (H: \(inputSize[0]), W: \(inputSize[1])) output (H: \(outputSize[0]), W: \(outputSize[1]))")
    let (rows, columns): (ResizePlan.Axis, ResizePlan.Axis)
    switch mode {
    case .nearest:
      rows = .nearest(nearestSources(inputSize[0], outputSize[0], scaleFactor), inputSize[0], input)
      columns = .nearest(nearestSources(inputSize[1], outputSize[1], scaleFactor), inputSize[1], input)
    case .bilinear:
      rows = linearSources(inputSize[0], outputSize[0], scaleFactor, alignCorners: alignCorners ?? false, like: input)
      columns = linearSources(inputSize[1], outputSize[1], scaleFactor, alignCorners: alignCorners ?? false, like: input)
    }
    let plan = ResizePlan(nearest: mode == .nearest, inputSize: inputSize, outputSize: outputSize, rows: rows, columns: columns)
    return Resizing(plan: plan, inputShape: input.dims, outputShape: Array(input.dims.prefix(2)) + outputSize)
      .forward(input, name: mode == .nearest ? "UpsampleNearest2DBackward0" : "UpsampleBilinear2DBackward0")
  }

  /// PyTorch's `nearest_idx`: ⌊i·scale⌋ in float32 arithmetic whatever the tensor's dtype,
  /// capped; the same size and twice the size are exact shortcuts.
  private static func nearestSources(_ inputSize: Int, _ outputSize: Int, _ scaleFactor: Double?) -> [Int64] {
    (0..<outputSize).map { i -> Int64 in
      if outputSize == inputSize { return Int64(i) }
      if outputSize == 2 * inputSize { return Int64(i >> 1) }
      let scale = Float(scaleFactor.map { 1 / $0 } ?? Double(inputSize) / Double(outputSize))
      return Int64(Swift.min(Int((scale * Float(i)).rounded(.down)), inputSize - 1))
    }
  }

  /// PyTorch's `area_pixel_compute_source_index` for linear modes: the two neighbours of each
  /// output position's source coordinate and their weights. An axis that keeps its size is
  /// copied, whatever the scale factor (as PyTorch's CPU kernels do: 3 rows scaled by 1.3 stay
  /// the 3 rows).
  private static func linearSources(_ inputSize: Int, _ outputSize: Int, _ scaleFactor: Double?, alignCorners: Bool,
                                    like input: Tensor) -> ResizePlan.Axis {
    if outputSize == inputSize { return .nearest((0..<Int64(outputSize)).map { $0 }, inputSize, input) }
    let single = input.dtype == .float32
    var low = [Int64](), high = [Int64](), lambda0 = [Double](), lambda1 = [Double]()
    let scale: Double = alignCorners
      ? (outputSize > 1 ? Double(inputSize - 1) / Double(outputSize - 1) : 0)
      : (scaleFactor.map { 1 / $0 } ?? Double(inputSize) / Double(outputSize))
    for i in 0..<outputSize {
      var source: Double
      if single {
        let s = Float(scale)
        let f = alignCorners ? s * Float(i) : Swift.max(s * (Float(i) + 0.5) - 0.5, 0)
        source = Double(f)
      } else {
        source = alignCorners ? scale * Double(i) : Swift.max(scale * (Double(i) + 0.5) - 0.5, 0)
      }
      let index = Swift.min(Int(source), inputSize - 1)
      let next = index < inputSize - 1 ? index + 1 : index
      let l1 = single ? Double(Float(source) - Float(index)) : source - Double(index)
      let l0 = single ? Double(Float(1) - Float(l1)) : 1 - l1
      low.append(Int64(index)); high.append(Int64(next)); lambda0.append(l0); lambda1.append(l1)
    }
    return ResizePlan.Axis(low: low, high: high, lambda0: lambda0, lambda1: lambda1, inputSize: inputSize, like: input)
  }
}

/// Where each output row and column of a resize reads, and with what weights: index and weight
/// tensors on the input's device, plus, per input position, the range of outputs that read it
/// (the CUDA backward sums those instead of scattering with atomics).
struct ResizePlan {
  struct Axis {
    let low: Tensor, high: Tensor
    let lambda0: Tensor, lambda1: Tensor
    /// Per input position, the outputs first ..< end that read it (the sources never decrease).
    let first: Tensor, end: Tensor

    init(low: [Int64], high: [Int64], lambda0: [Double], lambda1: [Double], inputSize: Int, like input: Tensor) {
      var first = [Int64](repeating: Int64(low.count), count: inputSize), end = [Int64](repeating: 0, count: inputSize)
      for (i, sources) in zip(low, high).enumerated() {
        for s in [Int(sources.0), Int(sources.1)] { first[s] = Swift.min(first[s], Int64(i)); end[s] = Swift.max(end[s], Int64(i + 1)) }
      }
      func place(_ values: [Int64]) -> Tensor { Tensor(values, shape: [values.count]).to(input.device) }
      func weights(_ values: [Double]) -> Tensor { torch.tensor(values, dtype: .float64).to(input.dtype).to(input.device) }
      (self.low, self.high, self.first, self.end) = (place(low), place(high), place(first), place(end))
      (self.lambda0, self.lambda1) = (weights(lambda0), weights(lambda1))
    }

    static func nearest(_ sources: [Int64], _ inputSize: Int, _ input: Tensor) -> Axis {
      Axis(low: sources, high: sources, lambda0: sources.map { _ in 1 }, lambda1: sources.map { _ in 0 }, inputSize: inputSize, like: input)
    }
  }

  let nearest: Bool
  let inputSize: [Int]
  let outputSize: [Int]
  let rows: Axis
  let columns: Axis
}

/// A resize (or any row-and-column gather, such as reflect padding) and its adjoint, each
/// recorded with the other as its gradient (both are linear), so gradients of gradients run the
/// same kernels. The shapes are the whole tensors'; the plan's sizes their last two dims (or
/// the last one, with a plane height of 1).
struct Resizing {
  let plan: ResizePlan
  let inputShape: [Int]
  let outputShape: [Int]

  private var planes: Int { inputShape.reduce(1, *) / Swift.max(plan.inputSize[0] * plan.inputSize[1], 1) }

  func forward(_ x: Tensor, name: String) -> Tensor {
    apply(x, shape: outputShape, from: plan.inputSize, to: plan.outputSize) { $0.resize2d($1, plan, into: $2) }
      .recording(name, [x]) { g in [backward(g, name: name)] }
  }

  func backward(_ g: Tensor, name: String) -> Tensor {
    apply(g, shape: inputShape, from: plan.outputSize, to: plan.inputSize) { $0.resize2dBackward($1, plan, into: $2) }
      .recording(name.replacingOccurrences(of: "Backward0", with: "BackwardBackward0"), [g]) { gg in [forward(gg, name: name)] }
  }

  /// A new tensor of `shape` that `kernel(backend, planes of t [P, from], planes of the result
  /// [P, to])` fills (nothing runs for an empty result).
  private func apply(_ t: Tensor, shape: [Int], from: [Int], to: [Int], _ kernel: (any Backend, Tensor, Tensor) -> Void) -> Tensor {
    let result = Tensor(uninitialized: shape, dtype: t.dtype, device: t.device)
    if result.numel() > 0 {
      let source = GradMode.with(enabled: false) { t.rawContiguous() }
      kernel(Backends.backend(for: t.device), source.reshaped([planes] + from), result.reshaped([planes] + to))
    }
    return result
  }
}
