import CTorchKernels

// Convolution: im2col plus one GEMM over the whole batch, forward and backward (node
// ConvolutionBackward0, as PyTorch's). Conv1d runs as Conv2d over a height of 1.

/// A 2-D convolution's arguments after PyTorch's checks.
struct ConvolutionGeometry {
  let window: SlidingWindow
  let groups: Int
  let inChannels: Int
  let outChannels: Int
}

extension F {
  /// 2-D convolution over a batch of images (`F.conv2d`): `input` [N, C_in, H, W] (or
  /// [C_in, H, W]), `weight` [C_out, C_in / groups, kH, kW], `padding` a size or
  /// `"same"` / `"valid"`.
  public static func conv2d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: any IntOrTuple = 1,
                            padding: any ConvolutionPadding = 0, dilation: any IntOrTuple = 1, groups: Int = 1) -> Tensor {
    convolution(input, weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups, spatialDims: 2, name: "conv2d")
  }

  /// 1-D convolution (`F.conv1d`): `input` [N, C_in, L] (or [C_in, L]), `weight` [C_out, C_in / groups, k].
  public static func conv1d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: any IntOrTuple = 1,
                            padding: any ConvolutionPadding = 0, dilation: any IntOrTuple = 1, groups: Int = 1) -> Tensor {
    convolution(input, weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups, spatialDims: 1, name: "conv1d")
  }

  /// Conv1d and Conv2d: checks, "same" padding, the unbatched form, then the 2-D kernel.
  static func convolution(_ input: Tensor, _ weight: Tensor, _ bias: Tensor?, stride: any IntOrTuple, padding: any ConvolutionPadding,
                          dilation: any IntOrTuple, groups: Int, spatialDims k: Int, name: String) -> Tensor {
    torchCheck(input.dim() == k + 1 || input.dim() == k + 2,
      "Expected \(k + 1)D (unbatched) or \(k + 2)D (batched) input to \(name), but got input of size: \(input.shape.dims)")
    if input.dim() == k + 1 {
      return convolution(input.unsqueeze(0), weight, bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
                         spatialDims: k, name: name).squeeze(0)
    }
    torchCheck(weight.dim() == k + 2, "weight should have at least three dimensions")
    let (strides, dilations) = (stride.values(k), dilation.values(k))
    torchCheck(strides.allSatisfy { $0 > 0 }, "non-positive stride is not supported")
    torchCheck(dilations.allSatisfy { $0 > 0 }, "dilation should be greater than zero")
    torchCheck(groups > 0, "non-positive groups is not supported")
    var x = input
    let pads: [Int]
    switch padding {
    case let mode as String:
      torchCheck(mode == "same" || mode == "valid", "Invalid padding string '\(mode)', should be one of {'valid', 'same'}", kind: "ValueError")
      if mode == "valid" { pads = Array(repeating: 0, count: k); break }
      torchCheck(strides.allSatisfy { $0 == 1 }, "padding='same' is not supported for strided convolutions")
      // PyTorch pads the total d·(k−1) evenly and puts an odd one on the right/bottom.
      let totals = (0..<k).map { dilations[$0] * (weight.dims[2 + $0] - 1) }
      pads = totals.map { $0 / 2 }
      if totals.contains(where: { $0 % 2 == 1 }) {
        x = F.pad(x, totals.reversed().flatMap { [0, $0 % 2] })
      }
    case let size as any IntOrTuple:
      pads = size.values(k)
      torchCheck(pads.allSatisfy { $0 >= 0 }, "negative padding is not supported")
    default:
      torchFail("padding must be an int, a list of ints, 'same' or 'valid'", kind: "TypeError")
    }
    checkGroups(x, weight, bias, groups: groups)
    if k == 1 {
      return conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, kernelPadding: [0] + pads, stride: [1] + strides,
                    dilation: [1] + dilations, groups: groups).squeeze(2)
    }
    return conv2d(x, weight, bias, kernelPadding: pads, stride: strides, dilation: dilations, groups: groups)
  }

  /// PyTorch's channel, group and bias checks, with its messages.
  static func checkGroups(_ input: Tensor, _ weight: Tensor, _ bias: Tensor?, groups: Int) {
    torchCheck(weight.dims[0] % groups == 0,
      "Given groups=\(groups), expected weight to be divisible by \(groups) at dimension 0, but got weight of size [\(weight.shape.dims.map(String.init).joined(separator: ", "))] instead")
    torchCheck(input.dims[1] == weight.dims[1] * groups,
      "Given groups=\(groups), weight of size \(weight.shape.dims), expected input\(input.shape.dims) to have \(weight.dims[1] * groups) channels, but got \(input.dims[1]) channels instead")
    if let bias {
      torchCheck(bias.dim() == 1 && bias.dims[0] == weight.dims[0],
        "Given weight of size \(weight.shape.dims), expected bias to be 1-dimensional with \(weight.dims[0]) elements, but got bias of size \(bias.shape.dims) instead")
    }
    torchCheck(input.dtype == weight.dtype && (bias == nil || bias!.dtype == weight.dtype),
      "Input type (\(input.dtype.cName)) and weight type (\(weight.dtype.cName)) should be the same")
    torchCheck(input.device == weight.device && (bias == nil || bias!.device == weight.device),
      "Input type (\(input.device)) and weight type (\(weight.device)) should be on the same device")
  }

  /// The 2-D convolution itself, with arguments checked.
  static func conv2d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, kernelPadding: [Int], stride: [Int], dilation: [Int], groups: Int) -> Tensor {
    let window = SlidingWindow(inputSize: Array(x.dims[2...]), kernel: Array(weight.dims[2...]), padding: kernelPadding,
                               stride: stride, dilation: dilation)
    let padded = (0..<2).map { x.dims[2 + $0] + 2 * kernelPadding[$0] }
    let effective = (0..<2).map { dilation[$0] * (weight.dims[2 + $0] - 1) + 1 }
    torchCheck(padded[0] >= effective[0] && padded[1] >= effective[1],
      "Calculated padded input size per channel: (\(padded[0]) x \(padded[1])). Kernel size: (\(effective[0]) x \(effective[1])). Kernel size can't be greater than actual input size")
    let geometry = ConvolutionGeometry(window: window, groups: groups, inChannels: x.dims[1], outChannels: weight.dims[0])
    let inputs = [x, weight] + (bias.map { [$0] } ?? [])
    // On the CPU the forward's columns are kept for the weight gradient when one will be needed.
    let cpu = CPUConvolution.handlesForward(geometry, x, weight)
    let keepColumns = cpu && GradMode.isEnabled && weight.requiresGrad
    var columns: Tensor?
    let out = GradMode.with(enabled: false) {
      guard cpu else { return Tensor.rawConvolution(x, weight, bias, geometry) }
      let result = CPUConvolution(geometry: geometry, batch: x.dims[0])
        .forward(x.rawContiguous(), weight.rawContiguous(), bias, keepingColumns: keepColumns)
      columns = result.columns
      return result.output
    }
    let (savedX, savedW) = (x.detach(), weight.detach())
    return out.recording("ConvolutionBackward0", inputs, saved: [savedX, savedW]) { g in
      var grads: [Tensor?]
      let (needsX, needsWeight) = (BackwardContext.needs(0, x), BackwardContext.needs(1, weight))
      let needsBias = bias.map { BackwardContext.needs(2, $0) } ?? false
      if GradMode.isEnabled {
        grads = [needsX ? convolutionInputGradient(g, weight, geometry) : nil,
                 needsWeight ? convolutionWeightGradient(g, x, geometry) : nil]
      } else if cpu, CPUConvolution.handles(geometry, g), needsWeight, needsX || needsBias {
        // Every gradient asked for in one pass over g.
        let fused = CPUConvolution(geometry: geometry, batch: x.dims[0])
          .gradients(g.rawContiguous(), savedX.rawContiguous(), savedW.rawContiguous(), columns: columns, input: needsX, bias: needsBias)
        return [fused.input, fused.weight] + (bias == nil ? [] : [fused.bias])
      } else {
        grads = [needsX ? Tensor.rawConvolutionInputGradient(g, savedW, geometry) : nil,
                 needsWeight ? Tensor.rawConvolutionWeightGradient(g, savedX, geometry, columns: columns) : nil]
      }
      if bias != nil { grads.append(needsBias ? biasGradient(g) : nil) }
      return grads
    }
  }

  /// ∂L/∂b: the output gradient summed over batch and positions (per channel by the C sum on
  /// the CPU without createGraph).
  static func biasGradient(_ g: Tensor) -> Tensor {
    guard !GradMode.isEnabled, g.device == .cpu, g.dtype == .float32 else { return g.sum(dims: [0, 2, 3]) }
    let dense = g.rawContiguous()
    let (n, c) = (g.dims[0], g.dims[1]), positions = g.numel() / Swift.max(n * c, 1)
    let pg = dense.pointer(Float.self)
    var sums = [Float](repeating: 0, count: c)
    sums.withUnsafeMutableBufferPointer { out in
      let po = out.baseAddress!
      ThreadPool.parallelFor(c) { channel in
        var total: Float = 0
        for sample in 0..<n { total += ctk_sum_f32(Int64(positions), pg + (sample * c + channel) * positions) }
        po[channel] = total
      }
    }
    return Tensor(sums, shape: [c])
  }

  /// ∂L/∂x in differentiable ops (for gradients of gradients): Wᵀ·g per group, folded back.
  static func convolutionInputGradient(_ g: Tensor, _ weight: Tensor, _ geometry: ConvolutionGeometry) -> Tensor {
    let (n, groups) = (g.dims[0], geometry.groups)
    let g3 = g.reshape([n, geometry.outChannels, -1])
    let w2 = weight.reshape([geometry.outChannels, -1])
    let outPerGroup = geometry.outChannels / groups
    let columns = (0..<groups).map { j in
      w2.narrow(0, start: j * outPerGroup, length: outPerGroup).t().matmul(g3.narrow(1, start: j * outPerGroup, length: outPerGroup))
    }
    return fold(groups == 1 ? columns[0] : torch.cat(columns, dim: 1), channels: geometry.inChannels, geometry.window)
  }

  /// ∂L/∂W in differentiable ops: g·unfold(x)ᵀ per group, summed over the batch.
  static func convolutionWeightGradient(_ g: Tensor, _ x: Tensor, _ geometry: ConvolutionGeometry) -> Tensor {
    let (n, groups) = (g.dims[0], geometry.groups)
    let g3 = g.reshape([n, geometry.outChannels, -1])
    let columns = unfold(x, geometry.window)
    let (outPerGroup, rowsPerGroup) = (geometry.outChannels / groups, columns.dims[1] / groups)
    let blocks = (0..<groups).map { j in
      g3.narrow(1, start: j * outPerGroup, length: outPerGroup)
        .matmul(columns.narrow(1, start: j * rowsPerGroup, length: rowsPerGroup).transpose(1, 2)).sum(dim: 0)
    }
    let kernel = geometry.window.kernel
    return (groups == 1 ? blocks[0] : torch.cat(blocks, dim: 0)).reshape([geometry.outChannels, geometry.inChannels / groups] + kernel)
  }
}

extension Tensor {
  /// Forward without autograd on devices other than the CPU's float32 path (`CPUConvolution`,
  /// which `conv2d` calls itself): columns [C_in·kh·kw, N·L], then per group
  /// out[C_out/g, N·L] = W_g · columns_g (+ bias), then back to [N, C_out, oh, ow].
  static func rawConvolution(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ geometry: ConvolutionGeometry) -> Tensor {
    let window = geometry.window
    let n = x.dims[0]
    let columns = rawUnfold(x, window, channelsOuter: true)
    let matrix = columns.aliased(shape: [columns.dims[0], n * window.positions], strides: [n * window.positions, 1])
    let out = Tensor(uninitialized: [geometry.outChannels, n * window.positions], dtype: x.dtype, device: x.device)
    let backend = Backends.backend(for: x.device)
    if let bias { backend.copy(bias.unsqueezedView(1).broadcastView(to: out.dims), into: out) }
    let w2 = weightMatrix(weight, geometry)
    forEachGroup(geometry, rows: w2.dims[1]) { outRows, inRows in
      backend.gemm(w2.narrowView(0, outRows.lowerBound, outRows.count), matrix.narrowView(0, inRows.lowerBound, inRows.count),
                   into: out.narrowView(0, outRows.lowerBound, outRows.count), alpha: 1, beta: bias == nil ? 0 : 1)
    }
    return out.aliased(shape: [geometry.outChannels, n] + window.outputSize,
                       strides: [n * window.positions, window.positions, window.outputSize[1], 1])
      .permute(1, 0, 2, 3).rawContiguous()
  }

  /// ∂L/∂x without autograd: columns = W_gᵀ · g_g per group, folded (col2im) into the image.
  static func rawConvolutionInputGradient(_ g: Tensor, _ weight: Tensor, _ geometry: ConvolutionGeometry) -> Tensor {
    if CPUConvolution.handles(geometry, g, weight) {
      return CPUConvolution(geometry: geometry, batch: g.dims[0]).inputGradient(g.rawContiguous(), weight.rawContiguous())
    }
    let window = geometry.window
    let n = g.dims[0]
    let g2 = channelsFirst(g)
    let w2 = weightMatrix(weight, geometry)
    let rows = geometry.inChannels * window.taps
    let columns = Tensor(uninitialized: [rows, n * window.positions], dtype: g.dtype, device: g.device)
    let backend = Backends.backend(for: g.device)
    forEachGroup(geometry, rows: w2.dims[1]) { outRows, inRows in
      backend.gemm(w2.narrowView(0, outRows.lowerBound, outRows.count).t(), g2.narrowView(0, outRows.lowerBound, outRows.count),
                   into: columns.narrowView(0, inRows.lowerBound, inRows.count), alpha: 1, beta: 0)
    }
    return rawFold(columns, channels: geometry.inChannels, batch: n, window, channelsOuter: true)
  }

  /// ∂L/∂W without autograd: g_g · columns_gᵀ per group, with the forward's columns
  /// ([N, C_in·kh·kw, oh·ow], CPU) or the columns rebuilt from `x`.
  static func rawConvolutionWeightGradient(_ g: Tensor, _ x: Tensor, _ geometry: ConvolutionGeometry, columns: Tensor? = nil) -> Tensor {
    if CPUConvolution.handles(geometry, g, x) {
      return CPUConvolution(geometry: geometry, batch: x.dims[0]).weightGradient(g.rawContiguous(), x.rawContiguous(), columns: columns)
    }
    let window = geometry.window
    let n = x.dims[0]
    let g2 = channelsFirst(g)
    let columns = rawUnfold(x, window, channelsOuter: true)
    let matrix = columns.aliased(shape: [columns.dims[0], n * window.positions], strides: [n * window.positions, 1])
    let perGroup = geometry.inChannels / geometry.groups * window.taps
    let out = Tensor(uninitialized: [geometry.outChannels, perGroup], dtype: g.dtype, device: g.device)
    let backend = Backends.backend(for: g.device)
    forEachGroup(geometry, rows: perGroup) { outRows, inRows in
      backend.gemm(g2.narrowView(0, outRows.lowerBound, outRows.count), matrix.narrowView(0, inRows.lowerBound, inRows.count).t(),
                   into: out.narrowView(0, outRows.lowerBound, outRows.count), alpha: 1, beta: 0)
    }
    return out.aliased(shape: [geometry.outChannels, geometry.inChannels / geometry.groups] + window.kernel,
                       strides: contiguousStrides([geometry.outChannels, geometry.inChannels / geometry.groups] + window.kernel))
  }

  /// The weight as a contiguous [C_out, C_in/g · kh·kw] matrix.
  private static func weightMatrix(_ weight: Tensor, _ geometry: ConvolutionGeometry) -> Tensor {
    let columns = weight.numel() / Swift.max(geometry.outChannels, 1)
    return weight.rawContiguous().aliased(shape: [geometry.outChannels, columns], strides: [columns, 1])
  }

  /// `g` [N, C, oh, ow] as a contiguous [C, N·oh·ow] matrix.
  private static func channelsFirst(_ g: Tensor) -> Tensor {
    let (n, c) = (g.dims[0], g.dims[1])
    let l = g.numel() / Swift.max(n * c, 1)
    let dense = g.rawContiguous().aliased(shape: [c, n, l], strides: [l, c * l, 1]).rawCopy()
    return dense.aliased(shape: [c, n * l], strides: [n * l, 1])
  }

  /// Calls `body` with each group's rows of the output channels and of the column matrix.
  private static func forEachGroup(_ geometry: ConvolutionGeometry, rows perGroup: Int, _ body: (Range<Int>, Range<Int>) -> Void) {
    let outPerGroup = geometry.outChannels / geometry.groups
    for j in 0..<geometry.groups {
      body(j * outPerGroup..<(j + 1) * outPerGroup, j * perGroup..<(j + 1) * perGroup)
    }
  }
}

extension F {
  /// Transposed 2-D convolution (`F.conv_transpose2d`), the gradient of `conv2d` with respect
  /// to its input: `weight` [C_in, C_out / groups, kH, kW]; the output is
  /// (H − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1 high (and wide).
  public static func convTranspose2d(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: any IntOrTuple = 1,
                                     padding: any IntOrTuple = 0, outputPadding: any IntOrTuple = 0, groups: Int = 1,
                                     dilation: any IntOrTuple = 1) -> Tensor {
    torchCheck(input.dim() == 3 || input.dim() == 4,
      "Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: \(input.shape.dims)")
    if input.dim() == 3 {
      return convTranspose2d(input.unsqueeze(0), weight, bias, stride: stride, padding: padding, outputPadding: outputPadding,
                             groups: groups, dilation: dilation).squeeze(0)
    }
    let (strides, pads, extra, dilations) = (stride.values(2), padding.values(2), outputPadding.values(2), dilation.values(2))
    torchCheck(strides.allSatisfy { $0 > 0 }, "non-positive stride is not supported")
    torchCheck(pads.allSatisfy { $0 >= 0 }, "negative padding is not supported")
    torchCheck(groups > 0, "non-positive groups is not supported")
    torchCheck(weight.dim() == 4, "weight should have at least three dimensions")
    torchCheck((0..<2).allSatisfy { extra[$0] < strides[$0] || extra[$0] < dilations[$0] },
      "output padding must be smaller than either stride or dilation, but got output_padding_height: \(extra[0]) output_padding_width: \(extra[1]) stride_height: \(strides[0]) stride_width: \(strides[1]) dilation_height: \(dilations[0]) dilation_width: \(dilations[1])")
    torchCheck(input.dims[1] == weight.dims[0],
      "Given transposed=1, weight of size \(weight.shape.dims), expected input\(input.shape.dims) to have \(weight.dims[0]) channels, but got \(input.dims[1]) channels instead")
    torchCheck(weight.dims[0] % groups == 0,
      "Given groups=\(groups), expected weight to be divisible by \(groups) at dimension 0, but got weight of size [\(weight.shape.dims.map(String.init).joined(separator: ", "))] instead")
    let outChannels = weight.dims[1] * groups
    if let bias {
      torchCheck(bias.dim() == 1 && bias.dims[0] == outChannels,
        "Given transposed=1, weight of size \(weight.shape.dims), expected bias to be 1-dimensional with \(outChannels) elements, but got bias of size \(bias.shape.dims) instead")
    }
    let kernel = Array(weight.dims[2...])
    let size: [Int] = (0..<2).map { d in
      let span: Int = (input.dims[2 + d] - 1) * strides[d] - 2 * pads[d]
      return span + dilations[d] * (kernel[d] - 1) + extra[d] + 1
    }
    torchCheck(size.allSatisfy { $0 > 0 }, "Given input size per channel: (\(input.dims[2]) x \(input.dims[3])). Calculated output size per channel: (\(size[0]) x \(size[1])). Output size is too small")
    let window = SlidingWindow(inputSize: size, kernel: kernel, padding: pads, stride: strides, dilation: dilations,
                               outputSize: Array(input.dims[2...]))
    let (n, inPerGroup) = (input.dims[0], input.dims[1] / groups)
    return Tensor.composite("ConvolutionBackward0", [input, weight] + (bias.map { [$0] } ?? [])) { inputs in
      let x3 = inputs[0].reshape([n, input.dims[1], -1])
      let w2 = inputs[1].reshape([input.dims[1], -1])
      let columns = (0..<groups).map { j in
        w2.narrow(0, start: j * inPerGroup, length: inPerGroup).t().matmul(x3.narrow(1, start: j * inPerGroup, length: inPerGroup))
      }
      let out = fold(groups == 1 ? columns[0] : torch.cat(columns, dim: 1), channels: outChannels, window)
      return inputs.count > 2 ? out + inputs[2].reshape([1, outChannels, 1, 1]) : out
    }
  }
}
