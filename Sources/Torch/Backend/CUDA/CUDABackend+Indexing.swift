import CTorchKernels

/// index_select, index_add, gather and scatter_add (atomic adds).
extension CUDABackend {
  func indexSelect(_ x: Tensor, dim: Int, index: Tensor, into out: Tensor) {
    launch("index_select_\(t(x))", count: out.numel(), [
      .pointer(address(x)), .info(Self.info(x)), .pointer(address(index)), .int64(Int64(index.elementStrides.first ?? 0)),
      .pointer(address(out)), .info(Self.info(out)), .int32(Int32(dim)), .int64(Int64(out.numel())),
    ])
  }

  func indexAdd(_ out: Tensor, dim: Int, index: Tensor, source: Tensor) {
    launch("index_add_\(t(out))", count: source.numel(), [
      .pointer(address(out)), .info(Self.info(out)), .pointer(address(index)), .int64(Int64(index.elementStrides.first ?? 0)),
      .pointer(address(source)), .info(Self.info(source)), .int32(Int32(dim)), .int64(Int64(source.numel())),
    ])
  }

  func gather(_ x: Tensor, dim: Int, index: Tensor, into out: Tensor) {
    launch("gather_\(t(x))", count: out.numel(), [
      .pointer(address(x)), .info(Self.info(x)), .pointer(address(index)), .info(Self.info(index)),
      .pointer(address(out)), .int32(Int32(dim)), .int64(Int64(out.numel())),
    ])
  }

  func scatterAdd(_ out: Tensor, dim: Int, index: Tensor, source: Tensor) {
    launch("scatter_add_\(t(out))", count: index.numel(), [
      .pointer(address(out)), .info(Self.info(out)), .pointer(address(index)), .info(Self.info(index)),
      .pointer(address(source)), .info(Self.info(source)), .int32(Int32(dim)), .int64(Int64(index.numel())),
    ])
  }
}
