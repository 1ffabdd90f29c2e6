import CTorchKernels
import Foundation

/// Reductions over dims, and max/min with their indices.
extension CPUBackend {
  // MARK: - Reductions

  func reduce(_ op: ReduceOp, _ x: Tensor, dims: [Int], into out: Tensor) {
    switch x.dtype {
    case .float32: reduce(op, x, dims, out, Float.self)
    case .float64: reduce(op, x, dims, out, Double.self)
    case .int64: reduce(op, x, dims, out, Int64.self)
    case .uint8: reduce(op, x, dims, out, UInt8.self)
    case .bool: torchFail("reduction is not implemented for 'Bool'")
    }
  }

  private func reduce<T: NumericElement>(_ op: ReduceOp, _ x: Tensor, _ dims: [Int], _ out: Tensor, _: T.Type) {
    if T.self == Float.self, x.isContiguous, out.isContiguous, denseFloatReduce(op, x, dims.sorted(), into: out) { return }
    var outStrides = out.elementStrides
    for d in dims { outStrides[d] = 0 }
    let initial: T
    switch op {
    case .sum: initial = 0
    case .prod: initial = 1
    case .max, .amax: initial = T.self is any FloatElement.Type ? T(-Double.infinity) : T(minimumOf: T.self)
    case .min, .amin: initial = T.self is any FloatElement.Type ? T(Double.infinity) : T(maximumOf: T.self)
    }
    fill(out, initial)
    let loop = StridedLoop(shape: x.dims, strides: [outStrides, x.elementStrides])
    let po = out.pointer(T.self), px = x.pointer(T.self)
    let n = loop.innerCount, so = loop.innerStride(0), sx = loop.innerStride(1)
    switch op {
    case .sum:
      loop.forEachRun { oo, ox in
        if so == 0 {
          var acc = po[oo]
          for i in 0..<n { acc += px[ox + i * sx] }
          po[oo] = acc
        } else {
          for i in 0..<n { po[oo + i * so] += px[ox + i * sx] }
        }
      }
    case .prod:
      loop.forEachRun { oo, ox in for i in 0..<n { po[oo + i * so] *= px[ox + i * sx] } }
    case .max, .amax:
      loop.forEachRun { oo, ox in
        for i in 0..<n {
          let v = px[ox + i * sx], cur = po[oo + i * so]
          if v > cur || v != v { if cur == cur { po[oo + i * so] = v } }
        }
      }
    case .min, .amin:
      loop.forEachRun { oo, ox in
        for i in 0..<n {
          let v = px[ox + i * sx], cur = po[oo + i * so]
          if v < cur || v != v { if cur == cur { po[oo + i * so] = v } }
        }
      }
    }
  }

  /// Dense float32 reductions with C row kernels, where they apply (else false): a sum, max or
  /// min over trailing dims is one vectorized row reduction per output element (`ctk_sum_f32`,
  /// `ctk_max_f32`, `ctk_min_f32`); a sum over leading dims adds the rows into the output one
  /// after another (`ctk_axpy_f32` with 1, an exact add), columns split over the pool, so each
  /// output element sums in row order, as the strided loop does.
  private func denseFloatReduce(_ op: ReduceOp, _ x: Tensor, _ dims: [Int], into out: Tensor) -> Bool {
    let span = dims.reduce(1) { $0 * x.dims[$1] }
    let (src, dst) = (x.pointer(Float.self), out.pointer(Float.self))
    if dims == Array((x.dim() - dims.count)..<x.dim()) {
      let row: (Int64, UnsafePointer<Float>?) -> Float
      switch op {
      case .sum: row = ctk_sum_f32
      case .max, .amax: row = ctk_max_f32
      case .min, .amin: row = ctk_min_f32
      case .prod: return false
      }
      for r in 0..<out.numel() { dst[r] = row(Int64(span), src + r * span) }
      return true
    }
    guard case .sum = op, dims == Array(0..<dims.count) else { return false }
    let width = out.numel()
    ThreadPool.parallelChunks(width, minimumChunk: Swift.max(64, 16_384 / Swift.max(span, 1))) { start, count in
      (dst + start).update(repeating: 0, count: count)
      for r in 0..<span { ctk_axpy_f32(Int64(count), 1, src + r * width + start, dst + start) }
    }
    return true
  }

  func argReduce(max: Bool, _ x: Tensor, dim: Int, values: Tensor?, indices: Tensor) {
    switch x.dtype {
    case .float32: argReduce(max, x, dim, values, indices, Float.self)
    case .float64: argReduce(max, x, dim, values, indices, Double.self)
    case .int64: argReduce(max, x, dim, values, indices, Int64.self)
    case .uint8: argReduce(max, x, dim, values, indices, UInt8.self)
    case .bool: torchFail("argmax is not implemented for 'Bool'")
    }
  }

  private func argReduce<T: NumericElement>(
    _ findMax: Bool, _ x: Tensor, _ dim: Int, _ values: Tensor?, _ indices: Tensor, _: T.Type
  ) {
    let length = x.dims[dim], step = x.elementStrides[dim]
    var outer = x.dims, xStrides = x.elementStrides, iStrides = indices.elementStrides
    outer.remove(at: dim)
    xStrides.remove(at: dim)
    iStrides.remove(at: dim)
    let loop = StridedLoop(shape: outer, strides: [xStrides, iStrides])
    let px = x.pointer(T.self), pi = indices.pointer(Int64.self)
    let pv = values?.pointer(T.self)
    let n = loop.innerCount, sx = loop.innerStride(0), si = loop.innerStride(1)
    loop.forEachRun { ox, oi in
      for r in 0..<n {
        let base = px + ox + r * sx
        var best = base[0], bestIndex = 0
        if best == best {
          for k in 1..<Swift.max(length, 1) {
            let v = base[k * step]
            if v != v { best = v; bestIndex = k; break }
            if findMax ? v > best : v < best { best = v; bestIndex = k }
          }
        }
        pi[oi + r * si] = Int64(bestIndex)
        pv?[oi + r * si] = best
      }
    }
  }
}


extension NumericElement {
  init(minimumOf _: Self.Type) {
    if Self.self == Int64.self { self = Int64.min as! Self } else { self = 0 }
  }
  init(maximumOf _: Self.Type) {
    if Self.self == Int64.self { self = Int64.max as! Self } else { self = UInt8.max as! Self }
  }
}

/// Running sums or products along one dim (floats in float64, as PyTorch's CPU kernel), through
/// a contiguous copy when the input is strided, the [outer, length, inner] blocks over the pool.
extension CPUBackend {
  func cumulative(_ op: CumulativeOp, _ x: Tensor, dim: Int, reverse: Bool, into out: Tensor) {
    let source = x.rawContiguous()
    let length = x.dims[dim], inner = x.dims[(dim + 1)...].reduce(1, *), outer = x.dims[..<dim].reduce(1, *)
    let block = length * inner, direction: Int32 = reverse ? 1 : 0
    func run<T: Element>(_: T.Type, _ kernel: @escaping (Int64, Int64, Int64, UnsafePointer<T>?, UnsafeMutablePointer<T>?, Int32) -> Void) {
      let (px, po) = (source.pointer(T.self), out.pointer(T.self))
      ThreadPool.parallelChunks(outer, minimumChunk: Swift.max(1, 16384 / Swift.max(block, 1))) { start, count in
        kernel(Int64(count), Int64(length), Int64(inner), px + start * block, po + start * block, direction)
      }
    }
    switch (x.dtype, op) {
    case (.float32, .sum): run(Float.self, ctk_cumsum_f32)
    case (.float64, .sum): run(Double.self, ctk_cumsum_f64)
    case (.int64, .sum): run(Int64.self, ctk_cumsum_i64)
    case (.float32, .product): run(Float.self, ctk_cumprod_f32)
    case (.float64, .product): run(Double.self, ctk_cumprod_f64)
    case (.int64, .product): run(Int64.self, ctk_cumprod_i64)
    default: torchFail("\"\(op.rawValue)\" not implemented for '\(x.dtype.scalarTypeName)'")
    }
  }
}
