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
    let single = input.dtype == .float32
    switch mode {
    case .nearest:
      let rows = nearestSources(inputSize[0], outputSize[0], scaleFactor, single: single)
      let columns = nearestSources(inputSize[1], outputSize[1], scaleFactor, single: single)
      return Tensor.composite("UpsampleNearest2DBackward0", [input]) { x in
        x[0].indexSelect(2, rows.to(input.device)).indexSelect(3, columns.to(input.device))
      }
    case .bilinear:
      let rows = linearSources(inputSize[0], outputSize[0], scaleFactor, alignCorners: alignCorners ?? false, single: single)
      let columns = linearSources(inputSize[1], outputSize[1], scaleFactor, alignCorners: alignCorners ?? false, single: single)
      func weights(_ values: [Double], _ shape: [Int]) -> Tensor { torch.tensor(values, dtype: .float64).reshape(shape).to(input.dtype).to(input.device) }
      let (w0, w1) = (weights(columns.lambda0, [1, 1, 1, -1]), weights(columns.lambda1, [1, 1, 1, -1]))
      let (h0, h1) = (weights(rows.lambda0, [1, 1, -1, 1]), weights(rows.lambda1, [1, 1, -1, 1]))
      return Tensor.composite("UpsampleBilinear2DBackward0", [input]) { x in
        func alongWidth(_ r: Tensor) -> Tensor {
          r.indexSelect(3, columns.low.to(input.device)) * w0 + r.indexSelect(3, columns.high.to(input.device)) * w1
        }
        let top = alongWidth(x[0].indexSelect(2, rows.low.to(input.device)))
        let bottom = alongWidth(x[0].indexSelect(2, rows.high.to(input.device)))
        return h0 * top + h1 * bottom
      }
    }
  }

  /// PyTorch's `nearest_idx`: ⌊i·scale⌋ (float32 arithmetic for float32 tensors), capped.
  private static func nearestSources(_ inputSize: Int, _ outputSize: Int, _ scaleFactor: Double?, single: Bool) -> Tensor {
    let indices = (0..<outputSize).map { i -> Int64 in
      if outputSize == inputSize { return Int64(i) }
      if outputSize == 2 * inputSize { return Int64(i >> 1) }
      let scale = scaleFactor.map { 1 / $0 } ?? Double(inputSize) / Double(outputSize)
      let source = single ? Double((Float(scale) * Float(i)).rounded(.down)) : (scale * Double(i)).rounded(.down)
      return Int64(Swift.min(Int(source), inputSize - 1))
    }
    return torch.tensor(indices)
  }

  /// PyTorch's `area_pixel_compute_source_index` for linear modes: the two neighbours of each
  /// output position's source coordinate and their weights.
  private static func linearSources(_ inputSize: Int, _ outputSize: Int, _ scaleFactor: Double?, alignCorners: Bool, single: Bool)
    -> (low: Tensor, high: Tensor, lambda0: [Double], lambda1: [Double]) {
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
    return (torch.tensor(low), torch.tensor(high), lambda0, lambda1)
  }
}
