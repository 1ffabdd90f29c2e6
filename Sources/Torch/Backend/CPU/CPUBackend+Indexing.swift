import CTorchKernels
import Foundation

/// index_select, index_add, gather and scatter_add.
extension CPUBackend {
  // MARK: - Indexing

  func indexSelect(_ x: Tensor, dim: Int, index: Tensor, into out: Tensor) {
    let idx = index.pointer(Int64.self), step = index.elementStrides.first ?? 0
    if dim == 0, x.isContiguous, x.dims.count > 0 {
      // Rows of a dense tensor: one memcpy each.
      let rowBytes = x.numel() / Swift.max(x.dims[0], 1) * x.dtype.itemSize
      let source = x.storage.data + x.storageOffset * x.dtype.itemSize
      let destination = out.storage.data + out.storageOffset * out.dtype.itemSize
      for i in 0..<index.numel() {
        let j = Int(idx[i * step])
        torchCheck(j >= 0 && j < x.dims[0], "index out of range in self", kind: "IndexError")
        (destination + i * rowBytes).copyMemory(from: source + j * rowBytes, byteCount: rowBytes)
      }
      return
    }
    for i in 0..<index.numel() {
      let j = Int(idx[i * step])
      torchCheck(j >= 0 && j < x.dims[dim],
        "index out of range in self", kind: "IndexError")
      copy(x.select(dim, j), into: out.select(dim, i))
    }
  }

  func indexAdd(_ out: Tensor, dim: Int, index: Tensor, source: Tensor) {
    let idx = index.pointer(Int64.self), step = index.elementStrides.first ?? 0
    for i in 0..<index.numel() {
      addInPlace(out.select(dim, Int(idx[i * step])), source.select(dim, i))
    }
  }

  /// dst += src for two views of one shape.
  func addInPlace(_ dst: Tensor, _ src: Tensor) {
    if dst.dtype == .float32, dst.isContiguous, src.isContiguous {
      ctk_axpy_f32(Int64(dst.numel()), 1, src.pointer(Float.self), dst.pointer(Float.self))
      return
    }
    binary(BinaryOp(Add.self), dst, src, into: dst)
  }

  func gather(_ x: Tensor, dim: Int, index: Tensor, into out: Tensor) {
    switch x.dtype {
    case .float32: gatherScatter(x, dim, index, out, Float.self, scatter: false)
    case .float64: gatherScatter(x, dim, index, out, Double.self, scatter: false)
    case .int64: gatherScatter(x, dim, index, out, Int64.self, scatter: false)
    case .uint8: gatherScatter(x, dim, index, out, UInt8.self, scatter: false)
    case .bool: torchFail("gather is not implemented for 'Bool'")
    }
  }

  func scatterAdd(_ out: Tensor, dim: Int, index: Tensor, source: Tensor) {
    switch out.dtype {
    case .float32: gatherScatter(out, dim, index, source, Float.self, scatter: true)
    case .float64: gatherScatter(out, dim, index, source, Double.self, scatter: true)
    case .int64: gatherScatter(out, dim, index, source, Int64.self, scatter: true)
    default: torchFail("scatter_add is not implemented for '\(out.dtype)'")
    }
  }

  /// gather: other[i] = x[..index[i]..]; scatter: x[..index[i]..] += other[i].
  private func gatherScatter<T: NumericElement>(
    _ x: Tensor, _ dim: Int, _ index: Tensor, _ other: Tensor, _: T.Type, scatter: Bool
  ) {
    var xStrides = x.elementStrides
    let step = xStrides[dim], size = x.dims[dim]
    xStrides[dim] = 0
    let loop = StridedLoop(shape: index.dims, strides: [other.elementStrides, index.elementStrides, xStrides])
    let po = other.pointer(T.self), pi = index.pointer(Int64.self), px = x.pointer(T.self)
    let n = loop.innerCount, so = loop.innerStride(0), si = loop.innerStride(1), sx = loop.innerStride(2)
    loop.forEachRun3 { oo, oi, ox in
      for r in 0..<n {
        let j = Int(pi[oi + r * si])
        torchCheck(j >= 0 && j < size,
          "index \(j) is out of bounds for dimension \(dim) with size \(size)", kind: "IndexError")
        let at = ox + r * sx + j * step
        if scatter { px[at] += po[oo + r * so] } else { po[oo + r * so] = px[at] }
      }
    }
  }
}
