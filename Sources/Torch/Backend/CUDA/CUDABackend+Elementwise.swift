import CTorchKernels

/// Copies, fills, pointwise kernels and where: one thread per element over coalesced geometry.
extension CUDABackend {
  func copy(_ src: Tensor, into dst: Tensor) {
    if src.dtype == dst.dtype, src.isContiguous, dst.isContiguous, src.dims == dst.dims {
      orFail { try driver.copyOnDevice(address(dst), address(src), src.numel() * src.dtype.itemSize, stream) }
      return
    }
    let infos = Self.elementwiseInfos(src, dst)
    launch("copy_\(t(src))_\(t(dst))", count: dst.numel(), [
      .pointer(address(src)), .info(infos[0]), .pointer(address(dst)), .info(infos[1]), .int64(Int64(dst.numel())),
    ])
  }

  func fill(_ dst: Tensor, with value: Double) {
    launch("fill_\(t(dst))", count: dst.numel(), [.pointer(address(dst)), .info(Self.elementwiseInfos(dst)[0]), .int64(Int64(dst.numel())), .double(value)])
  }

  func unary(_ op: UnaryOp, _ x: Tensor, into out: Tensor) {
    let infos = Self.elementwiseInfos(x, out)
    launch("unary_\(op.kernel.name)_\(t(x))", count: out.numel(), [
      .pointer(address(x)), .info(infos[0]), .pointer(address(out)), .info(infos[1]), .int64(Int64(out.numel())), .double(op.p0), .double(op.p1),
    ])
  }

  func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, into out: Tensor) {
    let infos = Self.elementwiseInfos(a, b, out)
    launch("binary_\(op.kernel.name)_\(t(a))", count: out.numel(), [
      .pointer(address(a)), .info(infos[0]), .pointer(address(b)), .info(infos[1]),
      .pointer(address(out)), .info(infos[2]), .int64(Int64(out.numel())), .double(op.p0), .double(op.p1),
    ])
  }

  func whereSelect(_ condition: Tensor, _ a: Tensor, _ b: Tensor, into out: Tensor) {
    let infos = Self.elementwiseInfos(condition, a, b, out)
    launch("where_\(t(out))", count: out.numel(), [
      .pointer(address(condition)), .info(infos[0]), .pointer(address(a)), .info(infos[1]),
      .pointer(address(b)), .info(infos[2]), .pointer(address(out)), .int64(Int64(out.numel())),
    ])
  }

  /// The geometry of operands that share one shape, with adjacent dims merged wherever every
  /// operand lays them out contiguously relative to each other (as PyTorch's TensorIterator
  /// does) and size-1 dims dropped: kernels then index with fewer 64-bit divisions, and
  /// contiguous operands become 1-D.
  static func elementwiseInfos(_ tensors: Tensor...) -> [CTKTensorInfo] {
    let kept = tensors[0].dims.indices.filter { tensors[0].dims[$0] != 1 }
    var shape: [Int] = [], strides: [[Int]] = Array(repeating: [], count: tensors.count)
    for d in kept {
      let size = tensors[0].dims[d]
      if let last = shape.last, tensors.indices.allSatisfy({ strides[$0].last! == tensors[$0].elementStrides[d] * size }) {
        shape[shape.count - 1] = last * size
        for i in tensors.indices { strides[i][strides[i].count - 1] = tensors[i].elementStrides[d] }
      } else {
        shape.append(size)
        for i in tensors.indices { strides[i].append(tensors[i].elementStrides[d]) }
      }
    }
    return strides.map { info(shape: shape, strides: $0) }
  }

  /// `x`'s geometry with `moved` dims placed last, in order (kept dims keep their order).
  static func permuted(_ x: Tensor, last moved: [Int]) -> CTKTensorInfo {
    let order = x.dims.indices.filter { !moved.contains($0) } + moved
    return info(shape: order.map { x.dims[$0] }, strides: order.map { x.elementStrides[$0] })
  }
}
