import CTorchKernels

/// Softmax and its backward: one warp per row.
extension CUDABackend {
  func softmax(_ x: Tensor, dim: Int, log: Bool, into out: Tensor) {
    let length = x.dims[dim], rows = x.numel() / Swift.max(length, 1)
    launch("softmax_\(t(x))", count: rows, grid: ((rows + 7) / 8, 1), [
      .pointer(address(x)), .info(Self.permuted(x, last: [dim])), .pointer(address(out)), .info(Self.permuted(out, last: [dim])),
      .int64(Int64(rows)), .int64(Int64(length)), .int32(log ? 1 : 0),
    ])
  }

  func softmaxBackward(grad: Tensor, output: Tensor, dim: Int, log: Bool, into out: Tensor) {
    let length = output.dims[dim], rows = output.numel() / Swift.max(length, 1)
    launch("softmax_backward_\(t(output))", count: rows, grid: ((rows + 7) / 8, 1), [
      .pointer(address(grad)), .info(Self.permuted(grad, last: [dim])), .pointer(address(output)), .info(Self.permuted(output, last: [dim])),
      .pointer(address(out)), .info(Self.permuted(out, last: [dim])), .int64(Int64(rows)), .int64(Int64(length)), .int32(log ? 1 : 0),
    ])
  }
}
