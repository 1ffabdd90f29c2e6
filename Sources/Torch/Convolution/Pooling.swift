import CTorchKernels

// Pooling over image planes: max and average pooling read im2col columns of each plane (max
// pads with -inf), adaptive pooling picks PyTorch's bins. Each is one autograd node with
// PyTorch's name; gradients flow through the columns back to the input.

extension F {
  /// Max over sliding windows (`F.max_pool2d`); `input` [N, C, H, W] or [C, H, W].
  /// `stride` defaults to the kernel size.
  public static func maxPool2d(_ input: Tensor, kernelSize: any IntOrTuple, stride: (any IntOrTuple)? = nil, padding: any IntOrTuple = 0,
                               dilation: any IntOrTuple = 1, ceilMode: Bool = false) -> Tensor {
    maxPool2dWithIndices(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode).values
  }

  /// `F.max_pool2d(x, (2, 2))`: the kernel size by position.
  public static func maxPool2d(_ input: Tensor, _ kernelSize: any IntOrTuple, stride: (any IntOrTuple)? = nil, padding: any IntOrTuple = 0,
                               dilation: any IntOrTuple = 1, ceilMode: Bool = false) -> Tensor {
    maxPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
  }

  /// `F.max_pool2d(..., return_indices=True)`: the maxima and, for each, its flat position in
  /// its input plane (h·W + w), as `MaxUnpool2d` takes them.
  public static func maxPool2dWithIndices(_ input: Tensor, kernelSize: any IntOrTuple, stride: (any IntOrTuple)? = nil,
                                          padding: any IntOrTuple = 0, dilation: any IntOrTuple = 1, ceilMode: Bool = false)
    -> (values: Tensor, indices: Tensor) {
    let window = poolingWindow(input, "max_pool2d", kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    return maxPool(input, inputSize: window.inputSize, outputSize: window.outputSize, name: "MaxPool2DWithIndicesBackward0") {
      backend, planes, values, indices in backend.maxPool2d(planes, window, values: values, indices: indices)
    }
  }

  /// Max over sliding windows of a sequence (`F.max_pool1d`); `input` [N, C, L] or [C, L].
  public static func maxPool1d(_ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1,
                               ceilMode: Bool = false) -> Tensor {
    maxPool1dWithIndices(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode).values
  }

  /// `F.max_pool1d(..., return_indices=True)`.
  public static func maxPool1dWithIndices(_ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1,
                                          ceilMode: Bool = false) -> (values: Tensor, indices: Tensor) {
    torchCheck(input.dim() == 2 || input.dim() == 3, "max_pool1d() Expected 2D or 3D input tensor, but got \(input.shape)")
    let result = maxPool2dWithIndices(input.unsqueeze(-2), kernelSize: [1, kernelSize], stride: [1, stride ?? kernelSize],
                                      padding: [0, padding], dilation: [1, dilation], ceilMode: ceilMode)
    return (result.values.squeeze(-2), result.indices.squeeze(-2))
  }

  /// Mean over sliding windows (`F.avg_pool2d`). With `countIncludePad` the zeros of the padding
  /// count in the divisor; `divisorOverride` replaces the divisor.
  public static func avgPool2d(_ input: Tensor, kernelSize: any IntOrTuple, stride: (any IntOrTuple)? = nil, padding: any IntOrTuple = 0,
                               ceilMode: Bool = false, countIncludePad: Bool = true, divisorOverride: Int? = nil) -> Tensor {
    let window = poolingWindow(input, "avg_pool2d", kernelSize: kernelSize, stride: stride, padding: padding, dilation: 1, ceilMode: ceilMode)
    torchCheck(divisorOverride.map { $0 != 0 } ?? true, "divisor must be not zero")
    return avgPool(input, window, countIncludePad: countIncludePad, divisorOverride: divisorOverride)
  }

  /// `F.avg_pool1d`.
  public static func avgPool1d(_ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
                               countIncludePad: Bool = true) -> Tensor {
    torchCheck(input.dim() == 2 || input.dim() == 3, "avg_pool1d() Expected 2D or 3D input tensor, but got \(input.shape)")
    return avgPool2d(input.unsqueeze(-2), kernelSize: [1, kernelSize], stride: [1, stride ?? kernelSize], padding: [0, padding],
                     ceilMode: ceilMode, countIncludePad: countIncludePad).squeeze(-2)
  }

  /// Average pooling to a fixed output size (`F.adaptive_avg_pool2d`): output cell i averages
  /// input rows ⌊i·H/oh⌋ ..< ⌈(i+1)·H/oh⌉ (and the same for columns); where the size does not
  /// divide, neighbouring bins overlap.
  public static func adaptiveAvgPool2d(_ input: Tensor, _ outputSize: any IntOrTuple) -> Tensor {
    let (x, batched) = batchedImages(input, "adaptive_avg_pool2d")
    let size = outputSize.values(2)
    torchCheck(size.allSatisfy { $0 > 0 }, "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received \(pythonTuple(size))")
    let result = LinearPooling.adaptiveAverage(inputShape: x.dims, outputSize: size).forward(x)
    return batched ? result : result.squeeze(0)
  }

  /// Max pooling to a fixed output size (`F.adaptive_max_pool2d`), PyTorch's bins.
  public static func adaptiveMaxPool2d(_ input: Tensor, _ outputSize: any IntOrTuple) -> Tensor {
    adaptiveMaxPool2dWithIndices(input, outputSize).values
  }

  /// `F.adaptive_max_pool2d(..., return_indices=True)`.
  public static func adaptiveMaxPool2dWithIndices(_ input: Tensor, _ outputSize: any IntOrTuple) -> (values: Tensor, indices: Tensor) {
    torchCheck(input.dim() == 3 || input.dim() == 4, "adaptive_max_pool2d(): Expected 3D or 4D tensor, but got \(input.shape)")
    for d in 1..<input.dim() where input.dims[d] == 0 {
      torchFail("adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes \(input.shape.dims) with dimension \(d) being empty")
    }
    let size = outputSize.values(2)
    torchCheck(size.allSatisfy { $0 > 0 }, "adaptive_max_pool2d: elements of output_size must be greater than or equal to 0 but received \(pythonTuple(size))")
    let inputSize = Array(input.dims.suffix(2))
    return maxPool(input, inputSize: inputSize, outputSize: size, name: "AdaptiveMaxPool2DBackward0") { backend, planes, values, indices in
      backend.adaptiveMaxPool2d(planes, values: values, indices: indices)
    }
  }

  // MARK: - Shared

  /// An unbatched [C, H, W] input as a batch of one.
  private static func batchedImages(_ input: Tensor, _ op: String) -> (Tensor, batched: Bool) {
    torchCheck(input.dim() == 3 || input.dim() == 4, "\(op)(): Expected 3D or 4D tensor, but got \(input.shape)")
    return input.dim() == 4 ? (input, true) : (input.unsqueeze(0), false)
  }

  private static func poolingWindow(_ input: Tensor, _ op: String, kernelSize: any IntOrTuple, stride: (any IntOrTuple)?,
                                    padding: any IntOrTuple, dilation: any IntOrTuple, ceilMode: Bool) -> SlidingWindow {
    torchCheck(input.dim() == 3 || input.dim() == 4, "non-empty 3D or 4D (batch mode) tensor expected for input")
    let kernel = kernelSize.values(2), pads = padding.values(2), dilations = dilation.values(2)
    let strides = stride?.values(2) ?? kernel
    torchCheck(kernel.allSatisfy { $0 > 0 }, "kernel size should be greater than zero, but got kH: \(kernel[0]) kW: \(kernel[1])")
    torchCheck(strides.allSatisfy { $0 > 0 }, "stride should be greater than zero, but got dH: \(strides[0]) dW: \(strides[1])")
    torchCheck(dilations.allSatisfy { $0 > 0 }, "dilation should be greater than zero, but got dilationH: \(dilations[0]) dilationW: \(dilations[1])")
    for d in 0..<2 {
      torchCheck(pads[d] >= 0 && pads[d] <= ((kernel[d] - 1) * dilations[d] + 1) / 2,
        "pad should be at most half of effective kernel size, but got pad=\(pads[d]), kernel_size=\(kernel[d]) and dilation=\(dilations[d])")
    }
    let size = Array(input.dims.suffix(2))
    let window = SlidingWindow(inputSize: size, kernel: kernel, padding: pads, stride: strides, dilation: dilations, ceilMode: ceilMode)
    let channels = input.dims[input.dim() - 3]
    torchCheck(window.outputSize.allSatisfy { $0 > 0 },
      "Given input size: (\(channels)x\(size[0])x\(size[1])). Calculated output size: (\(channels)x\(window.outputSize[0])x\(window.outputSize[1])). Output size is too small")
    return window
  }

  /// Max pooling (windowed or adaptive) by the backend's kernel `pool(backend, planes [P, H, W],
  /// values, indices)`; the gradient goes back to each maximum's position (a scatter-add,
  /// itself differentiable).
  private static func maxPool(_ input: Tensor, inputSize: [Int], outputSize: [Int], name: String,
                              _ pool: (any Backend, Tensor, Tensor, Tensor) -> Void) -> (values: Tensor, indices: Tensor) {
    let (x, batched) = input.dim() == 4 ? (input, true) : (input.unsqueeze(0), false)
    let planes = x.dims[0] * x.dims[1], plane = inputSize[0] * inputSize[1], positions = outputSize[0] * outputSize[1]
    let shape = Array(x.dims.prefix(2)) + outputSize
    let values = Tensor(uninitialized: shape, dtype: x.dtype, device: x.device)
    let indices = Tensor(uninitialized: shape, dtype: .int64, device: x.device)
    if values.numel() > 0 {
      let source = GradMode.with(enabled: false) { x.rawContiguous() }
      pool(Backends.backend(for: x.device), source.aliased(shape: [planes] + inputSize, strides: [plane, inputSize[1], 1]), values, indices)
    }
    let flatIndices = indices.aliased(shape: [planes, positions], strides: [positions, 1])
    let inputShape = x.dims
    values.recording(name, [x]) { g in
      if !GradMode.isEnabled, g.device == .cpu, g.dtype == .float32 {
        return [Self.rawMaxPoolBackward(g.rawContiguous(), flatIndices, inputShape: inputShape, plane: plane)]
      }
      let routed = torch.zeros([planes, plane], dtype: g.dtype, device: g.device)
        .scatterAdd(1, flatIndices, g.reshape([planes, positions]))
      return [routed.reshape(inputShape)]
    }
    return batched ? (values, indices) : (values.squeeze(0), indices.squeeze(0))
  }

  /// Max pooling's input gradient by the C kernel, one plane per task (the scatter-add above
  /// is the differentiable form, used for gradients of gradients and on other devices).
  private static func rawMaxPoolBackward(_ g: Tensor, _ indices: Tensor, inputShape: [Int], plane: Int) -> Tensor {
    let (planes, positions) = (indices.dims[0], indices.dims[1])
    let out = Tensor(uninitialized: inputShape, dtype: .float32)
    let (pg, pi, po) = (g.pointer(Float.self), indices.pointer(Int64.self), out.pointer(Float.self))
    ThreadPool.parallelChunks(planes, minimumChunk: Swift.max(1, 4096 / Swift.max(plane, 1))) { start, length in
      for p in start..<(start + length) {
        ctk_maxpool2d_backward_f32(pg + p * positions, pi + p * positions, Int64(positions), Int64(plane), po + p * plane)
      }
    }
    return out
  }

  /// Average pooling by the backend's kernels (`LinearPooling.average`).
  private static func avgPool(_ input: Tensor, _ window: SlidingWindow, countIncludePad: Bool, divisorOverride: Int?) -> Tensor {
    let (x, batched) = input.dim() == 4 ? (input, true) : (input.unsqueeze(0), false)
    let pooling = LinearPooling.average(window: window, includePad: countIncludePad, divisor: divisorOverride ?? 0, inputShape: x.dims)
    let result = pooling.forward(x)
    return batched ? result : result.squeeze(0)
  }
}

/// A linear pooling of a batch [N, C, H, W] to [N, C, oh, ow] and its input gradient (its
/// adjoint), each the other's gradient, so gradients of gradients run the same two kernels:
/// average pooling (`average`) and adaptive average pooling (`adaptiveAverage`: one kernel for
/// every size, PyTorch's, which divides each bin's sum by its height, then its width; bins
/// overlap where the sizes do not divide). The kernels take contiguous planes [N·C, H, W] and [N·C, oh, ow].
private struct LinearPooling {
  let inputShape: [Int]
  let outputSize: [Int]
  /// The nodes' names: the pooling's and its gradient's.
  let names: (forward: String, backward: String)
  let pool: (any Backend, Tensor, Tensor) -> Void
  let adjoint: (any Backend, Tensor, Tensor) -> Void

  private var planes: Int { inputShape[0] * inputShape[1] }
  private var inputPlanes: [Int] { [planes] + inputShape.suffix(2) }

  func forward(_ x: Tensor) -> Tensor {
    let out = Tensor(uninitialized: Array(inputShape.prefix(2)) + outputSize, dtype: x.dtype, device: x.device)
    if out.numel() > 0 {
      let source = GradMode.with(enabled: false) { x.rawContiguous() }
      pool(Backends.backend(for: x.device), source.reshaped(inputPlanes), out.reshaped([planes] + outputSize))
    }
    return out.recording(names.forward, [x]) { g in [backward(g)] }
  }

  func backward(_ g: Tensor) -> Tensor {
    let gx = torch.zeros(inputShape, dtype: g.dtype, device: g.device)
    if g.numel() > 0 && gx.numel() > 0 {
      let source = GradMode.with(enabled: false) { g.rawContiguous() }
      adjoint(Backends.backend(for: g.device), source.reshaped([planes] + outputSize), gx.reshaped(inputPlanes))
    }
    return gx.recording(names.backward, [g]) { gg in [forward(gg)] }
  }
}

extension LinearPooling {
  /// Average pooling over `window` (`divisor` 0 means PyTorch's window sizes: within the padded
  /// input with `includePad`, else within the input).
  static func average(window: SlidingWindow, includePad: Bool, divisor: Int, inputShape: [Int]) -> LinearPooling {
    LinearPooling(inputShape: inputShape, outputSize: window.outputSize, names: ("AvgPool2DBackward0", "AvgPool2DBackwardBackward0"),
                  pool: { $0.avgPool2d($1, window, includePad: includePad, divisor: divisor, into: $2) },
                  adjoint: { $0.avgPool2dBackward($1, window, includePad: includePad, divisor: divisor, into: $2) })
  }

  /// Adaptive average pooling to `outputSize` [oh, ow].
  static func adaptiveAverage(inputShape: [Int], outputSize: [Int]) -> LinearPooling {
    LinearPooling(inputShape: inputShape, outputSize: outputSize,
                  names: ("AdaptiveAvgPool2DBackward0", "AdaptiveAvgPool2DBackwardBackward0"),
                  pool: { $0.adaptiveAvgPool2d($1, into: $2) }, adjoint: { $0.adaptiveAvgPool2dBackward($1, into: $2) })
  }
}
