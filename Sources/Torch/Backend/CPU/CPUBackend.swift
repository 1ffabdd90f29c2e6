import CTorchKernels
import Foundation

/// The CPU implementation of every kernel. Loops work on raw pointers through `StridedLoop`;
/// dense float32 cases go to the SIMD kernels in `CTorchKernels`.
struct CPUBackend: Backend {
  var device: Device { .cpu }

  func allocate(bytes: Int) -> Storage { Storage(cpuBytes: bytes) }

  // MARK: - Copy and fill

  func copy(_ src: Tensor, into dst: Tensor) {
    if src.dtype == dst.dtype {
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

  private func fill<T: Element>(_ dst: Tensor, _ value: T) {
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
    // Dense float32 sum over trailing dims: one vectorized row sum per output element.
    if T.self == Float.self, case .sum = op, x.isContiguous,
      dims.sorted() == Array((x.dim() - dims.count)..<x.dim())
    {
      let rowLength = dims.reduce(1) { $0 * x.dims[$1] }
      let rows = x.numel() / max(rowLength, 1)
      let src = x.pointer(Float.self), dst = out.pointer(Float.self)
      for r in 0..<rows { dst[r] = ctk_sum_f32(Int64(rowLength), src + r * rowLength) }
      return
    }
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

  // MARK: - Softmax

  func softmax(_ x: Tensor, dim: Int, log: Bool, into out: Tensor) {
    switch x.dtype {
    case .float32 where x.isContiguous && dim == x.dim() - 1:
      denseSoftmaxRows(x, log: log, into: out)
    case .float32: softmax(x, dim, log, out, Float.self)
    case .float64: softmax(x, dim, log, out, Double.self)
    default: torchFail("softmax is only implemented for floating point tensors, got \(x.dtype)")
    }
  }

  /// Softmax over the last dim of a dense float32 tensor, one C pass per row:
  /// max, exp(x − max) with its sum, then the normalization.
  private func denseSoftmaxRows(_ x: Tensor, log: Bool, into out: Tensor) {
    let length = x.dims.last ?? 1, rows = x.numel() / Swift.max(length, 1)
    let px = x.pointer(Float.self), po = out.pointer(Float.self)
    for r in 0..<rows {
      let row = px + r * length, dst = po + r * length
      var peak = ctk_max_f32(Int64(length), row)
      if peak == -.infinity { peak = 0 }
      let sum = ctk_exp_shift_sum_f32(Int64(length), row, peak, dst)
      if log {
        let logSum = Foundation.logf(sum)
        for k in 0..<length { dst[k] = row[k] - peak - logSum }
      } else {
        for k in 0..<length { dst[k] /= sum }
      }
    }
  }

  /// Runs `body(xBase, outBase)` for every row along `dim` of `x` and `out` (same shape).
  private func forEachRow(_ x: Tensor, _ out: Tensor, dim: Int, _ body: (Int, Int) -> Void) {
    var outer = x.dims, xs = x.elementStrides, os = out.elementStrides
    outer.remove(at: dim)
    xs.remove(at: dim)
    os.remove(at: dim)
    let loop = StridedLoop(shape: outer, strides: [xs, os])
    let n = loop.innerCount, sx = loop.innerStride(0), so = loop.innerStride(1)
    loop.forEachRun { ox, oo in for r in 0..<n { body(ox + r * sx, oo + r * so) } }
  }

  private func softmax<T: FloatElement>(_ x: Tensor, _ dim: Int, _ log: Bool, _ out: Tensor, _: T.Type) {
    let length = x.dims[dim], sx = x.elementStrides[dim], so = out.elementStrides[dim]
    let px = x.pointer(T.self), po = out.pointer(T.self)
    forEachRow(x, out, dim: dim) { bx, bo in
      let row = px + bx, dst = po + bo
      var maximum = -T.infinity
      for k in 0..<length { let v = row[k * sx]; if v > maximum || v != v { maximum = v } }
      if maximum == -T.infinity { maximum = 0 }
      var sum: T = 0
      if log {
        for k in 0..<length { sum += T.exp(row[k * sx] - maximum) }
        let logSum = T.log(sum)
        for k in 0..<length { dst[k * so] = row[k * sx] - maximum - logSum }
      } else {
        for k in 0..<length {
          let e = T.exp(row[k * sx] - maximum)
          dst[k * so] = e
          sum += e
        }
        for k in 0..<length { dst[k * so] /= sum }
      }
    }
  }

  func softmaxBackward(grad: Tensor, output: Tensor, dim: Int, log: Bool, into out: Tensor) {
    switch output.dtype {
    case .float32: softmaxBackward(grad, output, dim, log, out, Float.self)
    case .float64: softmaxBackward(grad, output, dim, log, out, Double.self)
    default: torchFail("softmax backward needs a floating point tensor")
    }
  }

  private func softmaxBackward<T: FloatElement>(
    _ grad: Tensor, _ y: Tensor, _ dim: Int, _ log: Bool, _ out: Tensor, _: T.Type
  ) {
    let g = grad.isContiguous ? grad : grad.contiguous()
    let y = y.isContiguous ? y : y.contiguous()
    let length = y.dims[dim], step = y.elementStrides[dim]
    let pg = g.pointer(T.self), py = y.pointer(T.self), po = out.pointer(T.self)
    forEachRow(y, out, dim: dim) { base, _ in
      var dot: T = 0
      if log {
        for k in 0..<length { dot += pg[base + k * step] }
        for k in 0..<length {
          let i = base + k * step
          po[i] = pg[i] - T.exp(py[i]) * dot
        }
      } else {
        for k in 0..<length { dot += pg[base + k * step] * py[base + k * step] }
        for k in 0..<length {
          let i = base + k * step
          po[i] = py[i] * (pg[i] - dot)
        }
      }
    }
  }

  // MARK: - Matrix multiply

  func gemm(_ a: Tensor, _ b: Tensor, into out: Tensor, alpha: Double, beta: Double) {
    let m = a.dims[0], k = a.dims[1], n = b.dims[1]
    switch out.dtype {
    case .float32:
      CPUGemm.sgemm(
        m: m, n: n, k: k, alpha: Float(alpha),
        a: a.pointer(Float.self), rsA: a.elementStrides[0], csA: a.elementStrides[1],
        b: b.pointer(Float.self), rsB: b.elementStrides[0], csB: b.elementStrides[1],
        beta: Float(beta), c: out.pointer(Float.self), rsC: out.elementStrides[0])
    case .float64: naiveGemm(a, b, out, alpha, beta, Double.self)
    case .int64: naiveGemm(a, b, out, alpha, beta, Int64.self)
    default: torchFail("\"addmm_impl_cpu_\" not implemented for '\(out.dtype)'")
    }
  }

  private func naiveGemm<T: NumericElement>(_ a: Tensor, _ b: Tensor, _ out: Tensor, _ alpha: Double, _ beta: Double, _: T.Type) {
    let m = a.dims[0], k = a.dims[1], n = b.dims[1]
    let pa = a.pointer(T.self), pb = b.pointer(T.self), pc = out.pointer(T.self)
    let (ra, ca, rb, cb, rc) = (a.elementStrides[0], a.elementStrides[1], b.elementStrides[0], b.elementStrides[1], out.elementStrides[0])
    let al = T(alpha), be = T(beta)
    for i in 0..<m {
      for j in 0..<n {
        var acc: T = 0
        for p in 0..<k { acc += pa[i * ra + p * ca] * pb[p * rb + j * cb] }
        pc[i * rc + j] = beta == 0 ? al * acc : al * acc + be * pc[i * rc + j]
      }
    }
  }

  // MARK: - Indexing

  func indexSelect(_ x: Tensor, dim: Int, index: Tensor, into out: Tensor) {
    let idx = index.pointer(Int64.self), step = index.elementStrides.first ?? 0
    if dim == 0, x.isContiguous, x.dims.count > 0 {
      // Rows of a dense tensor: one memcpy each.
      let rowBytes = x.numel() / Swift.max(x.dims[0], 1) * x.dtype.itemSize
      let source = x.storage.data + x.storageOffset * x.dtype.itemSize
      let destination = out.storage.data + out.storageOffset * out.dtype.itemSize
      for i in 0..<index.numel() {
        var j = Int(idx[i * step])
        torchCheck(j >= -x.dims[0] && j < x.dims[0], "index out of range in self", kind: "IndexError")
        if j < 0 { j += x.dims[0] }
        (destination + i * rowBytes).copyMemory(from: source + j * rowBytes, byteCount: rowBytes)
      }
      return
    }
    for i in 0..<index.numel() {
      let j = Int(idx[i * step])
      torchCheck(j >= -x.dims[dim] && j < x.dims[dim],
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

  // MARK: - Losses

  func nllLoss(logProbs: Tensor, target: Tensor, weight: Tensor?, ignoreIndex: Int,
               losses: Tensor, weights: Tensor) {
    switch logProbs.dtype {
    case .float32: nll(logProbs, target, weight, ignoreIndex, losses, weights, Float.self)
    case .float64: nll(logProbs, target, weight, ignoreIndex, losses, weights, Double.self)
    default: torchFail("nll_loss needs floating point input, got \(logProbs.dtype)")
    }
  }

  private func nll<T: FloatElement>(_ lp: Tensor, _ target: Tensor, _ weight: Tensor?, _ ignore: Int,
                                    _ losses: Tensor, _ weights: Tensor, _: T.Type) {
    let rows = lp.dims[0], classes = lp.dims[1]
    let p = lp.pointer(T.self), (rs, cs) = (lp.elementStrides[0], lp.elementStrides[1])
    let pw = weight?.pointer(T.self), ws = weight?.elementStrides[0] ?? 0
    let pl = losses.pointer(T.self), pwo = weights.pointer(T.self)
    for n in 0..<rows {
      let t = target.dtype == .uint8
        ? Int(target.pointer(UInt8.self)[n * target.elementStrides[0]])
        : Int(target.pointer(Int64.self)[n * (target.elementStrides.first ?? 0)])
      if t == ignore {
        pl[n] = 0
        pwo[n] = 0
        continue
      }
      torchCheck(t >= 0 && t < classes, "Target \(t) is out of bounds.", kind: "IndexError")
      let w = pw.map { $0[t * ws] } ?? 1
      pl[n] = -w * p[n * rs + t * cs]
      pwo[n] = w
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

extension NumericElement {
  init(minimumOf _: Self.Type) {
    if Self.self == Int64.self { self = Int64.min as! Self } else { self = 0 }
  }
  init(maximumOf _: Self.Type) {
    if Self.self == Int64.self { self = Int64.max as! Self } else { self = UInt8.max as! Self }
  }
}
