import CTorchKernels

/// Reductions and arg-reductions: one block per output element.
extension CUDABackend {
  func reduce(_ op: ReduceOp, _ x: Tensor, dims: [Int], into out: Tensor) {
    let name: String
    switch op {
    case .sum: name = "sum"
    case .prod: name = "prod"
    case .max, .amax: name = "max"
    case .min, .amin: name = "min"
    }
    let inner = dims.reduce(1) { $0 * x.dims[$1] }, outer = out.numel()
    launch("reduce_\(name)_\(t(x))", count: outer, grid: (Swift.min(outer, 65_535), 1), [
      .pointer(address(x)), .info(Self.permuted(x, last: dims)), .pointer(address(out)), .int64(Int64(outer)), .int64(Int64(inner)),
    ])
  }

  func argReduce(max: Bool, _ x: Tensor, dim: Int, values: Tensor?, indices: Tensor) {
    let rows = indices.numel()
    launch("argreduce_\(max ? "max" : "min")_\(t(x))", count: rows, [
      .pointer(address(x)), .info(Self.permuted(x, last: [dim])), .pointer(values.map(address) ?? 0), .pointer(address(indices)),
      .int64(Int64(rows)), .int64(Int64(x.dims[dim])), .int32(values == nil ? 0 : 1),
    ])
  }
}

/// Running sums or products: one thread per row (from its end with `reverse`), accumulating
/// floats in double as the CPU does.
extension CUDABackend {
  func cumulative(_ op: CumulativeOp, _ x: Tensor, dim: Int, reverse: Bool, into out: Tensor) {
    torchCheck(x.dtype != .bool && x.dtype != .uint8, "\"\(op.rawValue)\" not implemented for '\(x.dtype.scalarTypeName)'")
    let length = x.dims[dim], rows = x.numel() / Swift.max(length, 1)
    launch("\(op.rawValue)_\(t(x))", count: rows, [
      .pointer(address(x)), .info(Self.permuted(x, last: [dim])), .pointer(address(out)), .info(Self.permuted(out, last: [dim])),
      .int64(Int64(rows)), .int64(Int64(length)), .int32(reverse ? 1 : 0),
    ])
  }
}
