import CTorchKernels
import Foundation

/// The CPU implementation of every kernel. Loops work on raw pointers through `StridedLoop`;
/// dense float32 cases go to the SIMD kernels in `CTorchKernels`. This file holds memory,
/// copies and pointwise dispatch; each other family is in `CPUBackend+<Family>.swift`.
struct CPUBackend: Backend {
  var device: Device { .cpu }

  func allocate(bytes: Int) -> Storage { Storage(cpuBytes: bytes) }

  // MARK: - Copy and fill

  func copy(_ src: Tensor, into dst: Tensor) {
    if src.dtype == dst.dtype {
      if src.isContiguous && dst.isContiguous && src.numel() == dst.numel() {
        // Same bytes in the same order: one memmove (src and dst may overlap in a storage).
        let size = src.dtype.itemSize
        (dst.storage.data + dst.storageOffset * size).copyMemory(from: src.storage.data + src.storageOffset * size, byteCount: src.numel() * size)
        return
      }
      if dst.isContiguous, let matrices = TransposedMatrices(src) {
        matrices.copy(src, into: dst)
        return
      }
      switch src.dtype.itemSize {
      case 1: CPULoops.map(src, into: dst) { (x: UInt8) in x }
      case 4: CPULoops.map(src, into: dst) { (x: UInt32) in x }
      default: CPULoops.map(src, into: dst) { (x: UInt64) in x }
      }
      return
    }
    switch dst.dtype {
    case .float32: convert(src, into: dst, Float.self)
    case .float64: convert(src, into: dst, Double.self)
    case .int64: convert(src, into: dst, Int64.self)
    case .uint8: convert(src, into: dst, UInt8.self)
    case .bool: convert(src, into: dst, Bool.self)
    }
  }

  private func convert<D: Element>(_ src: Tensor, into dst: Tensor, _: D.Type) {
    switch src.dtype {
    case .float32: CPULoops.map(src, into: dst) { (x: Float) in D(Double(x)) }
    case .float64: CPULoops.map(src, into: dst) { (x: Double) in D(x) }
    case .int64:
      if D.self == Bool.self {
        CPULoops.map(src, into: dst) { (x: Int64) in x != 0 }
      } else {
        CPULoops.map(src, into: dst) { (x: Int64) in D(Double(x)) }
      }
    case .uint8:
      if D.self == Float.self {
        CPULoops.map(src, into: dst) { (x: UInt8) in Float(x) }
      } else {
        CPULoops.map(src, into: dst) { (x: UInt8) in D(Double(x)) }
      }
    case .bool: CPULoops.map(src, into: dst) { (x: Bool) in D(x ? 1 : 0) }
    }
  }

  func fill(_ dst: Tensor, with value: Double) {
    switch dst.dtype {
    case .float32: fill(dst, Float(value))
    case .float64: fill(dst, value)
    case .int64: fill(dst, Int64(value))
    case .uint8: fill(dst, UInt8(value))
    case .bool: fill(dst, value != 0)
    }
  }

  func fill<T: Element>(_ dst: Tensor, _ value: T) {
    if dst.isContiguous {
      dst.pointer(T.self).update(repeating: value, count: dst.numel())
      return
    }
    let loop = StridedLoop(shape: dst.dims, strides: [dst.elementStrides])
    let p = dst.pointer(T.self), n = loop.innerCount, s = loop.innerStride(0)
    loop.forEachRun1 { o in for i in 0..<n { p[o + i * s] = value } }
  }

  // MARK: - Elementwise (each op's CPU form is in its declaration, Pointwise/)

  func unary(_ op: UnaryOp, _ x: Tensor, into out: Tensor) {
    op.kernel.runCPU(x, into: out, op.p0, op.p1)
  }

  func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, into out: Tensor) {
    op.kernel.runCPU(a, b, into: out, op.p0, op.p1)
  }

  func whereSelect(_ condition: Tensor, _ a: Tensor, _ b: Tensor, into out: Tensor) {
    switch out.dtype {
    case .float32: select(condition, a, b, out, Float.self)
    case .float64: select(condition, a, b, out, Double.self)
    case .int64: select(condition, a, b, out, Int64.self)
    case .uint8: select(condition, a, b, out, UInt8.self)
    case .bool: select(condition, a, b, out, Bool.self)
    }
  }

  private func select<T: Element>(_ c: Tensor, _ a: Tensor, _ b: Tensor, _ out: Tensor, _: T.Type) {
    if [4, 8].contains(MemoryLayout<T>.size), [c, a, b, out].allSatisfy({ $0.isContiguous && $0.dims == out.dims }) {
      let kernel = MemoryLayout<T>.size == 4 ? ctk_where_32 : ctk_where_64
      let pc = UnsafeRawPointer(c.pointer(Bool.self)).assumingMemoryBound(to: UInt8.self)
      kernel(Int64(out.numel()), pc, a.pointer(T.self), b.pointer(T.self), out.pointer(T.self))
      return
    }
    let loop = StridedLoop(
      shape: out.dims,
      strides: [out.elementStrides, c.elementStrides, a.elementStrides, b.elementStrides])
    let po = out.pointer(T.self), pc = c.pointer(Bool.self), pa = a.pointer(T.self), pb = b.pointer(T.self)
    let n = loop.innerCount
    let so = loop.innerStride(0), sc = loop.innerStride(1), sa = loop.innerStride(2), sb = loop.innerStride(3)
    loop.forEachRun4 { oo, oc, oa, ob in
      for i in 0..<n { po[oo + i * so] = pc[oc + i * sc] ? pa[oa + i * sa] : pb[ob + i * sb] }
    }
  }

  // MARK: - Host transfer

  func readBytes(_ x: Tensor) -> [UInt8] {
    let dense = x.isContiguous ? x : x.contiguous()
    let count = dense.numel() * dense.dtype.itemSize
    let start = dense.storage.data + dense.storageOffset * dense.dtype.itemSize
    return Array(UnsafeRawBufferPointer(start: start, count: count))
  }

  func writeBytes(_ bytes: UnsafeRawBufferPointer, into dst: Tensor) {
    precondition(dst.isContiguous && bytes.count == dst.numel() * dst.dtype.itemSize)
    guard let base = bytes.baseAddress, bytes.count > 0 else { return }
    (dst.storage.data + dst.storageOffset * dst.dtype.itemSize).copyMemory(from: base, byteCount: bytes.count)
  }
}

/// A tensor whose last two dims are a transposed matrix (`x.t()`, `x.transpose(-2, -1)` of a
/// batch): element strides (…, 1, ld) with ld at least the rows, and at most one batch dim
/// before them, of 4- or 8-byte elements. Copying it walks the destination in order, which
/// reads the source one element per cache line; `ctk_transpose_32/64` copy it in tiles.
struct TransposedMatrices {
  let batch: Int, rows: Int, cols: Int, batchStride: Int, ld: Int

  init?(_ x: Tensor) {
    let (dims, strides) = (x.dims, x.elementStrides)
    guard dims.count == 2 || dims.count == 3, [4, 8].contains(x.dtype.itemSize) else { return nil }
    let (r, c) = (dims[dims.count - 2], dims[dims.count - 1])
    guard r > 1, c > 1, strides[dims.count - 2] == 1, strides[dims.count - 1] >= r else { return nil }
    (batch, rows, cols, ld) = (dims.count == 3 ? dims[0] : 1, r, c, strides[dims.count - 1])
    batchStride = dims.count == 3 ? strides[0] : 0
  }

  /// Copies `src` (whose layout this describes) into the contiguous `dst`, the batch's
  /// matrices split over the pool when there are several, else the rows in bands.
  func copy(_ src: Tensor, into dst: Tensor) {
    let size = src.dtype.itemSize
    let from = UnsafeRawPointer(src.storage.data + src.storageOffset * size), to = dst.storage.data + dst.storageOffset * size
    let kernel = size == 4 ? ctk_transpose_32 : ctk_transpose_64
    let (rows, cols, ld, batchStride) = (self.rows, self.cols, self.ld, self.batchStride)
    if batch > 1 {
      ThreadPool.parallelChunks(batch, minimumChunk: Swift.max(1, 65_536 / (rows * cols))) { start, count in
        for b in start ..< start + count {
          kernel(Int64(rows), Int64(cols), from + b * batchStride * size, Int64(ld), to + b * rows * cols * size)
        }
      }
      return
    }
    let bands = rows / 8  // of eight rows, the last taking the rows left over
    guard bands > 1 else { return kernel(Int64(rows), Int64(cols), from, Int64(ld), to) }
    ThreadPool.parallelChunks(bands, minimumChunk: Swift.max(1, 65_536 / (8 * cols))) { start, count in
      let first = start * 8, last = start + count == bands ? rows : (start + count) * 8
      kernel(Int64(last - first), Int64(cols), from + first * size, Int64(ld), to + first * cols * size)
    }
  }
}
