/// im2col, col2im, max and average pooling (CUDAKernels+Convolution.swift).
extension CUDABackend {
  func unfold(_ x: Tensor, _ window: SlidingWindow, padValue: Double, into out: Tensor) {
    launch("unfold_\(t(x))", count: out.numel(), [
      .pointer(address(x)), .pointer(address(out)),
      .int64(Int64(out.elementStrides[0])), .int64(Int64(out.elementStrides[1])), .int64(Int64(out.elementStrides[2])),
      .double(padValue),
    ] + Self.windowArguments(x.dims, window) + [.int64(Int64(out.numel()))])
  }

  func fold(_ columns: Tensor, _ window: SlidingWindow, into out: Tensor) {
    launch("fold_\(t(out))", count: out.numel(), [
      .pointer(address(columns)),
      .int64(Int64(columns.elementStrides[0])), .int64(Int64(columns.elementStrides[1])), .int64(Int64(columns.elementStrides[2])),
      .pointer(address(out)),
    ] + Self.windowArguments(out.dims, window) + [.int64(Int64(out.numel()))])
  }

  func maxPool2d(_ x: Tensor, _ window: SlidingWindow, values: Tensor, indices: Tensor) {
    launch("max_pool2d_\(t(x))", count: values.numel(), [.pointer(address(x)), .pointer(address(values)), .pointer(address(indices))]
      + Self.windowArguments([x.dims[0], 1], window) + [.int64(Int64(values.numel()))])
  }

  func avgPool2d(_ x: Tensor, _ window: SlidingWindow, includePad: Bool, divisor: Int, into out: Tensor) {
    launch("avg_pool2d_\(t(x))", count: out.numel(), [.pointer(address(x)), .pointer(address(out))]
      + Self.windowArguments([x.dims[0], 1], window) + [.int64(includePad ? 1 : 0), .int64(Int64(divisor)), .int64(Int64(out.numel()))])
  }

  func avgPool2dBackward(_ grad: Tensor, _ window: SlidingWindow, includePad: Bool, divisor: Int, into out: Tensor) {
    launch("avg_pool2d_backward_\(t(grad))", count: out.numel(), [.pointer(address(grad)), .pointer(address(out))]
      + Self.windowArguments([grad.dims[0], 1], window) + [.int64(includePad ? 1 : 0), .int64(Int64(divisor)), .int64(Int64(out.numel()))])
  }

  func adaptiveMaxPool2d(_ x: Tensor, values: Tensor, indices: Tensor) {
    launch("adaptive_max_pool2d_\(t(x))", count: values.numel(), [.pointer(address(x)), .pointer(address(values)), .pointer(address(indices))]
      + Self.adaptiveArguments(x.dims, values.dims, count: values.numel()))
  }

  func adaptiveAvgPool2d(_ x: Tensor, into out: Tensor) {
    launch("adaptive_avg_pool2d_\(t(x))", count: out.numel(), [.pointer(address(x)), .pointer(address(out))]
      + Self.adaptiveArguments(x.dims, out.dims, count: out.numel()))
  }

  func adaptiveAvgPool2dBackward(_ grad: Tensor, into out: Tensor) {
    launch("adaptive_avg_pool2d_backward_\(t(grad))", count: out.numel(), [.pointer(address(grad)), .pointer(address(out))]
      + Self.adaptiveArguments(out.dims, grad.dims, count: out.numel()))
  }

  /// H, W, oh, ow of an adaptive pooling from `planes` [P, H, W] to `pooled` [..., oh, ow], and
  /// the thread count.
  private static func adaptiveArguments(_ planes: [Int], _ pooled: [Int], count: Int) -> [Argument] {
    [planes[1], planes[2], pooled[pooled.count - 2], pooled[pooled.count - 1], count].map { .int64(Int64($0)) }
  }

  func resize2d(_ x: Tensor, _ plan: ResizePlan, into out: Tensor) {
    launch("resize2d_\(t(x))", count: out.numel(), [.pointer(address(x)), .pointer(address(out))] + resizeArguments(plan)
      + [.int64(Int64(out.numel()))])
  }

  func resize2dBackward(_ grad: Tensor, _ plan: ResizePlan, into out: Tensor) {
    launch("resize2d_backward_\(t(grad))", count: out.numel(), [.pointer(address(grad)), .pointer(address(out))] + resizeArguments(plan)
      + [.pointer(address(plan.rows.first)), .pointer(address(plan.rows.end)),
         .pointer(address(plan.columns.first)), .pointer(address(plan.columns.end)), .int64(Int64(out.numel()))])
  }

  /// H, W, oh, ow, nearest, then each axis's sources and weights.
  private func resizeArguments(_ plan: ResizePlan) -> [Argument] {
    (plan.inputSize + plan.outputSize + [plan.nearest ? 1 : 0]).map { .int64(Int64($0)) }
      + [plan.rows, plan.columns].flatMap { axis in [axis.low, axis.high, axis.lambda0, axis.lambda1].map { .pointer(address($0)) } }
  }

  /// N, C, H, W and the window's kernel, padding, stride, dilation and output size.
  private static func windowArguments(_ imageShape: [Int], _ w: SlidingWindow) -> [Argument] {
    (Array(imageShape.prefix(2)) + w.inputSize + w.kernel + w.padding + w.stride + w.dilation + w.outputSize)
      .map { .int64(Int64($0)) }
  }
}
