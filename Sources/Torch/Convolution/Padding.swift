// F.pad: constant padding (or cropping, with negative sizes) as PyTorch's constant_pad_nd, one
// node whose gradient is the same op with the sizes negated; reflect and replicate of the last
// one or two dims through the resize kernels' gather (each output position copies one input
// position); the rest through index_select.

extension F {
  /// How `F.pad` fills the new border.
  public enum PaddingMode: String, Sendable {
    /// A constant `value`.
    case constant
    /// The input mirrored at its edge, without repeating the edge (`reflect`).
    case reflect
    /// The edge value repeated (`replicate`).
    case replicate
    /// The input wrapped around (`circular`).
    case circular
  }

  /// Pads the last dims of `input` (`F.pad`): `pad` lists (before, after) pairs starting from
  /// the last dim, `[left, right, top, bottom]` for images. Negative sizes crop (constant mode).
  public static func pad(_ input: Tensor, _ pad: [Int], mode: PaddingMode = .constant, value: Double = 0) -> Tensor {
    torchCheck(pad.count % 2 == 0, "Padding length must be divisible by 2")
    torchCheck(pad.count / 2 <= input.dim(), "Padding length should be less than or equal to two times the input dimension but got padding length \(pad.count) and input of dimension \(input.dim())")
    let padded = pad.count / 2
    if mode == .constant { return constantPad(input, pad, value: value) }
    torchCheck((padded == 1 && (input.dim() == 2 || input.dim() == 3)) || (padded == 2 && (input.dim() == 3 || input.dim() == 4))
               || (padded == 3 && (input.dim() == 4 || input.dim() == 5)),
      "Padding size \(pad.count) is not supported for \(input.dim())D input tensor.", kind: "NotImplementedError")
    for i in 0..<padded {
      let dim = input.dim() - 1 - i, size = input.dims[dim]
      let (before, after) = (pad[2 * i], pad[2 * i + 1])
      switch mode {
      case .reflect:
        torchCheck(before < size && after < size,
          "Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (\(before), \(after)) at dimension \(dim) of input \(input.shape.dims)")
      case .circular:
        torchCheck(before <= size && after <= size, "Padding value causes wrapping around more than once.")
      default:
        torchCheck(size > 0 || before + after == 0, "Expected input's non-padded dims to have non-zero size")
      }
    }
    let name = switch mode {
    case .reflect: "ReflectionPad\(padded)DBackward0"
    case .replicate: "ReplicationPad\(padded)DBackward0"
    default: "CopySlices"
    }
    let sources = (0..<padded).map { i in
      sourcePositions(size: input.dims[input.dim() - 1 - i], before: pad[2 * i], after: pad[2 * i + 1], mode: mode)
    }
    if mode != .circular && padded <= 2 && input.dtype.isFloatingPoint {
      // Rows (a single one for 1-D padding) and columns as a nearest "resize" with these sources.
      let (rows, columns) = (padded == 2 ? sources[1] : [0], sources[0])
      let size = [padded == 2 ? input.dims[input.dim() - 2] : 1, input.dims[input.dim() - 1]]
      let plan = ResizePlan(nearest: true, inputSize: size, outputSize: [rows.count, columns.count],
                            rows: .nearest(rows, size[0], input), columns: .nearest(columns, size[1], input))
      let outputShape = Array(input.dims.dropLast(padded)) + (padded == 2 ? [rows.count] : []) + [columns.count]
      return Resizing(plan: plan, inputShape: input.dims, outputShape: outputShape).forward(input, name: name)
    }
    return Tensor.composite(name, [input]) { x in
      (0..<padded).reduce(x[0]) { x, i in
        x.indexSelect(x.dim() - 1 - i, torch.tensor(sources[i]).to(x.device))
      }
    }
  }

  /// `constant_pad_nd`: an output of the padded shape filled with `value`, and the input,
  /// cropped where a size is negative, copied into its interior. The gradient is the same op
  /// with every size negated: the interior of the output's gradient, with zeros where the
  /// input was cropped.
  private static func constantPad(_ x: Tensor, _ pad: [Int], value: Double) -> Tensor {
    var (source, shape) = (x.detach(), x.dims)
    var ranges: [(dim: Int, start: Int, length: Int)] = []
    for i in 0..<(pad.count / 2) {
      let dim = x.dim() - 1 - i, (before, after) = (pad[2 * i], pad[2 * i + 1])
      let kept = x.dims[dim] + Swift.min(before, 0) + Swift.min(after, 0)
      source = source.narrow(dim, start: Swift.max(-before, 0), length: kept)
      shape[dim] = x.dims[dim] + before + after
      ranges.append((dim, Swift.max(before, 0), kept))
    }
    let out = torch.full(shape, value, dtype: x.dtype, device: x.device)
    let interior = ranges.reduce(out) { $0.narrow($1.dim, start: $1.start, length: $1.length) }
    GradMode.with(enabled: false) { _ = interior.copy_(source) }
    return out.recording("ConstantPadNdBackward0", [x]) { g in [F.pad(g, pad.map { -$0 })] }
  }

  /// For each output position along a padded dim, the input position it copies.
  private static func sourcePositions(size n: Int, before: Int, after: Int, mode: PaddingMode) -> [Int64] {
    let positions = (-before..<(n + after)).map { i -> Int64 in
      switch mode {
      case .reflect: Int64(i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i))
      case .replicate: Int64(Swift.min(Swift.max(i, 0), n - 1))
      default: Int64(((i % n) + n) % n)
      }
    }
    return positions
  }
}
