// im2col as tensors: the raw column builders convolution and pooling share, and the
// differentiable F.unfold / F.fold, each the other's gradient.

extension Tensor {
  /// im2col without autograd: `x` [N, C, H, W] to columns [N, C·kh·kw, oh·ow]. With
  /// `channelsOuter` the buffer is laid out [C·kh·kw, N, oh·ow] instead (returned in that
  /// shape), so one GEMM covers the whole batch.
  static func rawUnfold(_ x: Tensor, _ window: SlidingWindow, padValue: Double = 0, channelsOuter: Bool = false) -> Tensor {
    let (n, c, taps, l) = (x.dims[0], x.dims[1], window.taps, window.positions)
    let input = x.rawContiguous()
    let buffer = Tensor(uninitialized: channelsOuter ? [c * taps, n, l] : [n, c * taps, l], dtype: x.dtype, device: x.device)
    let strides = channelsOuter ? [l, taps * n * l, n * l, 1] : [c * taps * l, taps * l, l, 1]
    if buffer.numel() > 0 {
      Backends.backend(for: x.device).unfold(input, window, padValue: padValue, into: buffer.aliased(shape: [n, c, taps, l], strides: strides))
    }
    return buffer
  }

  /// col2im without autograd: `columns` [N, C·kh·kw, oh·ow] (or [C·kh·kw, N, oh·ow] with
  /// `channelsOuter`) summed into a new [N, C, H, W].
  static func rawFold(_ columns: Tensor, channels c: Int, batch n: Int, _ window: SlidingWindow, channelsOuter: Bool = false) -> Tensor {
    let (taps, l) = (window.taps, window.positions)
    let source = columns.rawContiguous()
    let strides = channelsOuter ? [l, taps * n * l, n * l, 1] : [c * taps * l, taps * l, l, 1]
    let out = torch.zeros([n, c] + window.inputSize, dtype: columns.dtype, device: columns.device)
    if source.numel() > 0 {
      Backends.backend(for: columns.device).fold(source.aliased(shape: [n, c, taps, l], strides: strides), window, into: out)
    }
    return out
  }
}

extension F {
  /// Sliding local blocks of a batch of images as columns (`F.unfold`, im2col): `input`
  /// [N, C, H, W] (or [C, H, W]) to [N, C·kh·kw, L], L the number of window positions.
  public static func unfold(_ input: Tensor, kernelSize: any IntOrTuple, dilation: any IntOrTuple = 1,
                            padding: any IntOrTuple = 0, stride: any IntOrTuple = 1) -> Tensor {
    torchCheck(input.dim() == 3 || input.dim() == 4,
      "Input Error: Only 3D or 4D input Tensors are supported (got \(input.dim())D)", kind: "NotImplementedError")
    if input.dim() == 3 { return unfold(input.unsqueeze(0), kernelSize: kernelSize, dilation: dilation, padding: padding, stride: stride).squeeze(0) }
    let window = SlidingWindow(inputSize: Array(input.dims[2...]), kernel: kernelSize.values(2), padding: padding.values(2),
                               stride: stride.values(2), dilation: dilation.values(2))
    checkWindow(window, input: input)
    return unfold(input, window)
  }

  /// `unfold` of a checked window; `padValue` fills the padding (-inf for max pooling).
  static func unfold(_ input: Tensor, _ window: SlidingWindow, padValue: Double = 0) -> Tensor {
    let out = GradMode.with(enabled: false) { Tensor.rawUnfold(input, window, padValue: padValue) }
    let (n, c) = (input.dims[0], input.dims[1])
    return out.recording("Im2ColBackward0", [input]) { g in
      if GradMode.isEnabled { return [fold(g, channels: c, window)] }
      return [Tensor.rawFold(g, channels: c, batch: n, window)]
    }
  }

  /// Sums columns of sliding blocks back into images (`F.fold`, col2im), the adjoint of
  /// `unfold`: `input` [N, C·kh·kw, L] (or [C·kh·kw, L]) to [N, C, outputSize...].
  public static func fold(_ input: Tensor, outputSize: any IntOrTuple, kernelSize: any IntOrTuple, dilation: any IntOrTuple = 1,
                          padding: any IntOrTuple = 0, stride: any IntOrTuple = 1) -> Tensor {
    torchCheck(input.dim() == 2 || input.dim() == 3,
      "Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got \(input.dim())D)", kind: "NotImplementedError")
    if input.dim() == 2 {
      return fold(input.unsqueeze(0), outputSize: outputSize, kernelSize: kernelSize, dilation: dilation, padding: padding, stride: stride).squeeze(0)
    }
    let window = SlidingWindow(inputSize: outputSize.values(2), kernel: kernelSize.values(2), padding: padding.values(2),
                               stride: stride.values(2), dilation: dilation.values(2))
    torchCheck(input.dims[1] % window.taps == 0,
      "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=\(input.dims[1]) and kernel_size=\(pythonTuple(window.kernel))")
    torchCheck(window.outputSize.allSatisfy { $0 > 0 } && input.dims[2] == window.positions,
      "Given output_size=\(pythonTuple(window.inputSize)), kernel_size=\(pythonTuple(window.kernel)), dilation=\(pythonTuple(window.dilation)), padding=\(pythonTuple(window.padding)), stride=\(pythonTuple(window.stride)), expected size of input's dimension 2 to match the calculated number of sliding blocks \(window.outputSize[0]) * \(window.outputSize[1]) = \(window.positions), but got input.size(2)=\(input.dims[2]).")
    return fold(input, channels: input.dims[1] / window.taps, window)
  }

  static func fold(_ input: Tensor, channels: Int, _ window: SlidingWindow) -> Tensor {
    let n = input.dims[0]
    let out = GradMode.with(enabled: false) { Tensor.rawFold(input, channels: channels, batch: n, window) }
    return out.recording("Col2ImBackward0", [input]) { g in
      if GradMode.isEnabled { return [unfold(g, window)] }
      return [Tensor.rawUnfold(g, window)]
    }
  }

  /// Stops with PyTorch's messages when a window's arguments or the input cannot work.
  static func checkWindow(_ window: SlidingWindow, input: Tensor) {
    torchCheck(window.kernel.allSatisfy { $0 > 0 }, "kernel size should be greater than zero, but got kernel_size=\(pythonTuple(window.kernel))")
    torchCheck(window.stride.allSatisfy { $0 > 0 }, "stride should be greater than zero, but got stride=\(pythonTuple(window.stride))")
    torchCheck(window.dilation.allSatisfy { $0 > 0 }, "dilation should be greater than zero, but got dilation=\(pythonTuple(window.dilation))")
    torchCheck(window.padding.allSatisfy { $0 >= 0 }, "padding should be non-negative, but got padding=\(pythonTuple(window.padding))")
    torchCheck(window.outputSize.allSatisfy { $0 > 0 },
      "Given input with spatial size (\(window.inputSize[0]), \(window.inputSize[1])), kernel_size=\(pythonTuple(window.kernel)), dilation=\(pythonTuple(window.dilation)), padding=\(pythonTuple(window.padding)), calculated shape of the array of sliding blocks as (\(window.outputSize[0]), \(window.outputSize[1])), but its components must be at least one.")
  }
}
