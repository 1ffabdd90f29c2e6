import CTorchKernels

/// Softmax and log-softmax along a dim, forward and backward, and cross entropy's scaled softmax.
extension CPUBackend {
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

  /// Softmax over the last dim of a dense float32 tensor (`ctk_softmax_rows_f32`: peak,
  /// exponentials and their sum in lanes, normalization), rows split over the pool (each row's
  /// arithmetic is the same on any thread).
  private func denseSoftmaxRows(_ x: Tensor, log: Bool, into out: Tensor) {
    let length = x.dims.last ?? 1, rows = x.numel() / Swift.max(length, 1)
    let px = x.pointer(Float.self), po = out.pointer(Float.self)
    ThreadPool.parallelRows(rows, length: length) { start, count in
      ctk_softmax_rows_f32(Int64(count), Int64(length), px + start * length, po + start * length, log ? 1 : 0)
    }
  }

  /// Calls `body(row)` for each of `rows` rows of `length`, split over the pool.
  private static func forEachRowChunk(rows: Int, length: Int, _ body: (Int) -> Void) {
    ThreadPool.parallelRows(rows, length: length) { start, count in
      for r in start ..< start + count { body(r) }
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
    case .float32 where dim == output.dim() - 1 && output.isContiguous && grad.isContiguous && out.isContiguous:
      denseSoftmaxBackwardRows(grad, output, log: log, into: out)
    case .float32: softmaxBackward(grad, output, dim, log, out, Float.self)
    case .float64: softmaxBackward(grad, output, dim, log, out, Double.self)
    default: torchFail("softmax backward needs a floating point tensor")
    }
  }

  /// Softmax's and log-softmax's backward over the last dim of dense float32 rows
  /// (`ctk_softmax_backward_rows_f32`), rows split over the pool.
  private func denseSoftmaxBackwardRows(_ grad: Tensor, _ y: Tensor, log: Bool, into out: Tensor) {
    let length = y.dims.last ?? 1, rows = y.numel() / Swift.max(length, 1)
    let pg = grad.pointer(Float.self), py = y.pointer(Float.self), po = out.pointer(Float.self)
    ThreadPool.parallelRows(rows, length: length) { start, count in
      let offset = start * length
      ctk_softmax_backward_rows_f32(Int64(count), Int64(length), pg + offset, py + offset, po + offset, log ? 1 : 0)
    }
  }

  /// Dense float32 rows through `ctk_scaled_exp_rows_f32` (one pass, rows over the pool),
  /// others composed.
  func scaledSoftmax(logProbs: Tensor, scales: Tensor, into out: Tensor) {
    guard logProbs.dtype == .float32, scales.dtype == .float32, logProbs.dim() == 2, logProbs.isContiguous,
          scales.isContiguous, scales.numel() == logProbs.dims[0] else {
      return composedScaledSoftmax(logProbs: logProbs, scales: scales, into: out)
    }
    let (rows, length) = (logProbs.dims[0], logProbs.dims[1])
    let pl = logProbs.pointer(Float.self), ps = scales.pointer(Float.self), po = out.pointer(Float.self)
    ThreadPool.parallelRows(rows, length: length) { start, count in
      ctk_scaled_exp_rows_f32(Int64(count), Int64(length), pl + start * length, ps + start, po + start * length)
    }
  }

  private func softmaxBackward<T: FloatElement>(
    _ grad: Tensor, _ y: Tensor, _ dim: Int, _ log: Bool, _ out: Tensor, _: T.Type
  ) {
    let g = grad.isContiguous ? grad : grad.contiguous()
    let y = y.isContiguous ? y : y.contiguous()
    let length = y.dims[dim], step = y.elementStrides[dim]
    let pg = g.pointer(T.self), py = y.pointer(T.self), po = out.pointer(T.self)
    let rowBackward = { (base: Int) in
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
    if dim == y.dim() - 1 && out.isContiguous {
      Self.forEachRowChunk(rows: y.numel() / Swift.max(length, 1), length: length) { r in rowBackward(r * length) }
    } else {
      forEachRow(y, out, dim: dim) { base, _ in rowBackward(base) }
    }
  }
}
