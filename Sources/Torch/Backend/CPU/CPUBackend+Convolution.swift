import CTorchKernels

/// im2col, col2im, max and average pooling over image planes, one (sample, channel) plane per task;
/// layer and group normalization, one row per task.
extension CPUBackend {
  func unfold(_ x: Tensor, _ window: SlidingWindow, padValue: Double, into out: Tensor) {
    let (sn, sc, rs) = (out.elementStrides[0], out.elementStrides[1], out.elementStrides[2])
    let g = Geometry(window)
    forEachPlane(of: x.dims, window) { p, sample, channel, plane in
      switch x.dtype {
      case .float32:
        ctk_im2col_f32(x.pointer(Float.self) + p * plane, g.h, g.w, g.kh, g.kw, g.ph, g.pw, g.sh, g.sw, g.dh, g.dw, g.oh, g.ow,
                       Float(padValue), out.pointer(Float.self) + sample * sn + channel * sc, Int64(rs))
      case .float64:
        ctk_im2col_f64(x.pointer(Double.self) + p * plane, g.h, g.w, g.kh, g.kw, g.ph, g.pw, g.sh, g.sw, g.dh, g.dw, g.oh, g.ow,
                       padValue, out.pointer(Double.self) + sample * sn + channel * sc, Int64(rs))
      default: Backends.missingKernel("im2col", x.dtype, on: device)
      }
    }
  }

  func fold(_ columns: Tensor, _ window: SlidingWindow, into out: Tensor) {
    let (sn, sc, rs) = (columns.elementStrides[0], columns.elementStrides[1], columns.elementStrides[2])
    let g = Geometry(window)
    forEachPlane(of: out.dims, window) { p, sample, channel, plane in
      switch out.dtype {
      case .float32:
        ctk_col2im_f32(columns.pointer(Float.self) + sample * sn + channel * sc, Int64(rs), g.h, g.w, g.kh, g.kw, g.ph, g.pw,
                       g.sh, g.sw, g.dh, g.dw, g.oh, g.ow, out.pointer(Float.self) + p * plane)
      case .float64:
        ctk_col2im_f64(columns.pointer(Double.self) + sample * sn + channel * sc, Int64(rs), g.h, g.w, g.kh, g.kw, g.ph, g.pw,
                       g.sh, g.sw, g.dh, g.dw, g.oh, g.ow, out.pointer(Double.self) + p * plane)
      default: Backends.missingKernel("col2im", out.dtype, on: device)
      }
    }
  }

  /// Calls `body(p, sample, channel, planeSize)` for each (sample, channel) plane of an image
  /// batch of `shape` [N, C, H, W], in chunks of planes spread over the pool.
  private func forEachPlane(of shape: [Int], _ window: SlidingWindow, _ body: (Int, Int, Int, Int) -> Void) {
    let (n, c) = (shape[0], shape[1])
    let plane = window.inputSize[0] * window.inputSize[1]
    ThreadPool.parallelChunks(n * c, minimumChunk: Swift.max(1, 4096 / Swift.max(plane, 1))) { start, length in
      for p in start..<(start + length) {
        let (sample, channel) = p.quotientAndRemainder(dividingBy: c)
        body(p, sample, channel, plane)
      }
    }
  }

  func maxPool2d(_ x: Tensor, _ window: SlidingWindow, values: Tensor, indices: Tensor) {
    forEachPoolingPlane(window, planes: x.dims[0]) { p, plane, positions, g in
      let index = indices.pointer(Int64.self) + p * positions
      switch x.dtype {
      case .float32:
        ctk_maxpool2d_f32(x.pointer(Float.self) + p * plane, g.h, g.w, g.kh, g.kw, g.ph, g.pw, g.sh, g.sw, g.dh, g.dw, g.oh, g.ow,
                          values.pointer(Float.self) + p * positions, index)
      case .float64:
        ctk_maxpool2d_f64(x.pointer(Double.self) + p * plane, g.h, g.w, g.kh, g.kw, g.ph, g.pw, g.sh, g.sw, g.dh, g.dw, g.oh, g.ow,
                          values.pointer(Double.self) + p * positions, index)
      default: Backends.missingKernel("max_pool2d", x.dtype, on: device)
      }
    }
  }

  func avgPool2d(_ x: Tensor, _ window: SlidingWindow, includePad: Bool, divisor: Int, into out: Tensor) {
    forEachPoolingPlane(window, planes: x.dims[0]) { p, plane, positions, g in
      let (pad, d) = (Int32(includePad ? 1 : 0), Int64(divisor))
      switch x.dtype {
      case .float32:
        ctk_avgpool2d_f32(x.pointer(Float.self) + p * plane, g.h, g.w, g.kh, g.kw, g.ph, g.pw, g.sh, g.sw, g.oh, g.ow, pad, d,
                          out.pointer(Float.self) + p * positions)
      case .float64:
        ctk_avgpool2d_f64(x.pointer(Double.self) + p * plane, g.h, g.w, g.kh, g.kw, g.ph, g.pw, g.sh, g.sw, g.oh, g.ow, pad, d,
                          out.pointer(Double.self) + p * positions)
      default: Backends.missingKernel("avg_pool2d", x.dtype, on: device)
      }
    }
  }

  func avgPool2dBackward(_ grad: Tensor, _ window: SlidingWindow, includePad: Bool, divisor: Int, into out: Tensor) {
    forEachPoolingPlane(window, planes: grad.dims[0]) { p, plane, positions, g in
      let (pad, d) = (Int32(includePad ? 1 : 0), Int64(divisor))
      switch grad.dtype {
      case .float32:
        ctk_avgpool2d_backward_f32(grad.pointer(Float.self) + p * positions, g.h, g.w, g.kh, g.kw, g.ph, g.pw, g.sh, g.sw, g.oh, g.ow,
                                   pad, d, out.pointer(Float.self) + p * plane)
      case .float64:
        ctk_avgpool2d_backward_f64(grad.pointer(Double.self) + p * positions, g.h, g.w, g.kh, g.kw, g.ph, g.pw, g.sh, g.sw, g.oh, g.ow,
                                   pad, d, out.pointer(Double.self) + p * plane)
      default: Backends.missingKernel("avg_pool2d_backward", grad.dtype, on: device)
      }
    }
  }

  func adaptiveMaxPool2d(_ x: Tensor, values: Tensor, indices: Tensor) {
    forEachAdaptivePlane(x.dims, values.dims, dtype: x.dtype, "adaptive_max_pool2d") { p, plane, positions, g in
      let index = indices.pointer(Int64.self) + p * positions
      if x.dtype == .float32 {
        ctk_adaptive_maxpool2d_f32(x.pointer(Float.self) + p * plane, g.h, g.w, g.oh, g.ow, values.pointer(Float.self) + p * positions, index)
      } else {
        ctk_adaptive_maxpool2d_f64(x.pointer(Double.self) + p * plane, g.h, g.w, g.oh, g.ow, values.pointer(Double.self) + p * positions, index)
      }
    }
  }

  func adaptiveAvgPool2d(_ x: Tensor, into out: Tensor) {
    forEachAdaptivePlane(x.dims, out.dims, dtype: x.dtype, "adaptive_avg_pool2d") { p, plane, positions, g in
      if x.dtype == .float32 {
        ctk_adaptive_avgpool2d_f32(x.pointer(Float.self) + p * plane, g.h, g.w, g.oh, g.ow, out.pointer(Float.self) + p * positions)
      } else {
        ctk_adaptive_avgpool2d_f64(x.pointer(Double.self) + p * plane, g.h, g.w, g.oh, g.ow, out.pointer(Double.self) + p * positions)
      }
    }
  }

  func adaptiveAvgPool2dBackward(_ grad: Tensor, into out: Tensor) {
    forEachAdaptivePlane(out.dims, grad.dims, dtype: grad.dtype, "adaptive_avg_pool2d_backward") { p, plane, positions, g in
      if grad.dtype == .float32 {
        ctk_adaptive_avgpool2d_backward_f32(grad.pointer(Float.self) + p * positions, g.h, g.w, g.oh, g.ow, out.pointer(Float.self) + p * plane)
      } else {
        ctk_adaptive_avgpool2d_backward_f64(grad.pointer(Double.self) + p * positions, g.h, g.w, g.oh, g.ow,
                                            out.pointer(Double.self) + p * plane)
      }
    }
  }

  func resize2d(_ x: Tensor, _ plan: ResizePlan, into out: Tensor) {
    forEachResizePlane(plan, planes: x.dims[0], dtype: x.dtype, "upsample") { p, plane, positions, a in
      switch x.dtype {
      case .float32:
        ctk_resize2d_f32(x.pointer(Float.self) + p * plane, Int64(plan.inputSize[1]), a.rowLow, a.rowHigh, a.f32(plan.rows.lambda0),
                         a.f32(plan.rows.lambda1), Int64(plan.outputSize[0]), a.colLow, a.colHigh, a.f32(plan.columns.lambda0),
                         a.f32(plan.columns.lambda1), Int64(plan.outputSize[1]), a.nearest, out.pointer(Float.self) + p * positions)
      default:
        ctk_resize2d_f64(x.pointer(Double.self) + p * plane, Int64(plan.inputSize[1]), a.rowLow, a.rowHigh, a.f64(plan.rows.lambda0),
                         a.f64(plan.rows.lambda1), Int64(plan.outputSize[0]), a.colLow, a.colHigh, a.f64(plan.columns.lambda0),
                         a.f64(plan.columns.lambda1), Int64(plan.outputSize[1]), a.nearest, out.pointer(Double.self) + p * positions)
      }
    }
  }

  func resize2dBackward(_ grad: Tensor, _ plan: ResizePlan, into out: Tensor) {
    let (h, w) = (Int64(plan.inputSize[0]), Int64(plan.inputSize[1]))
    forEachResizePlane(plan, planes: grad.dims[0], dtype: grad.dtype, "upsample_backward") { p, plane, positions, a in
      switch grad.dtype {
      case .float32:
        ctk_resize2d_backward_f32(grad.pointer(Float.self) + p * positions, h, w, a.rowLow, a.rowHigh, a.f32(plan.rows.lambda0),
                                  a.f32(plan.rows.lambda1), Int64(plan.outputSize[0]), a.colLow, a.colHigh,
                                  a.f32(plan.columns.lambda0), a.f32(plan.columns.lambda1), Int64(plan.outputSize[1]), a.nearest,
                                  out.pointer(Float.self) + p * plane)
      default:
        ctk_resize2d_backward_f64(grad.pointer(Double.self) + p * positions, h, w, a.rowLow, a.rowHigh, a.f64(plan.rows.lambda0),
                                  a.f64(plan.rows.lambda1), Int64(plan.outputSize[0]), a.colLow, a.colHigh,
                                  a.f64(plan.columns.lambda0), a.f64(plan.columns.lambda1), Int64(plan.outputSize[1]), a.nearest,
                                  out.pointer(Double.self) + p * plane)
      }
    }
  }

  /// A resize plan's arrays as the C kernels take them.
  private struct ResizeArrays {
    let rowLow, rowHigh, colLow, colHigh: UnsafePointer<Int64>
    let nearest: Int32
    func f32(_ t: Tensor) -> UnsafePointer<Float> { UnsafePointer(t.pointer(Float.self)) }
    func f64(_ t: Tensor) -> UnsafePointer<Double> { UnsafePointer(t.pointer(Double.self)) }
  }

  /// Calls `body(p, planeSize, positions, arrays)` for each of `planes` planes, spread over the pool.
  private func forEachResizePlane(_ plan: ResizePlan, planes: Int, dtype: DType, _ op: String,
                                  _ body: (Int, Int, Int, ResizeArrays) -> Void) {
    guard dtype == .float32 || dtype == .float64 else { Backends.missingKernel(op, dtype, on: device) }
    let plane = plan.inputSize[0] * plan.inputSize[1], positions = plan.outputSize[0] * plan.outputSize[1]
    let arrays = ResizeArrays(rowLow: UnsafePointer(plan.rows.low.pointer(Int64.self)), rowHigh: UnsafePointer(plan.rows.high.pointer(Int64.self)),
                              colLow: UnsafePointer(plan.columns.low.pointer(Int64.self)),
                              colHigh: UnsafePointer(plan.columns.high.pointer(Int64.self)), nearest: plan.nearest ? 1 : 0)
    ThreadPool.parallelChunks(planes, minimumChunk: Swift.max(1, 4096 / Swift.max(positions, 1))) { start, length in
      for p in start..<(start + length) { body(p, plane, positions, arrays) }
    }
  }

  /// Calls `body(p, planeSize, positions, (h, w, oh, ow))` for each plane of an adaptive
  /// pooling from `planes` [P, H, W] to `pooled` [..., oh, ow], in chunks spread over the pool.
  private func forEachAdaptivePlane(_ planes: [Int], _ pooled: [Int], dtype: DType, _ op: String,
                                    _ body: (Int, Int, Int, (h: Int64, w: Int64, oh: Int64, ow: Int64)) -> Void) {
    guard dtype == .float32 || dtype == .float64 else { Backends.missingKernel(op, dtype, on: device) }
    let (h, w, oh, ow) = (planes[1], planes[2], pooled[pooled.count - 2], pooled[pooled.count - 1])
    let (plane, positions) = (h * w, oh * ow), sizes = (Int64(h), Int64(w), Int64(oh), Int64(ow))
    ThreadPool.parallelChunks(planes[0], minimumChunk: Swift.max(1, 4096 / Swift.max(plane, 1))) { start, length in
      for p in start..<(start + length) { body(p, plane, positions, sizes) }
    }
  }

  /// Calls `body(p, planeSize, positions, geometry)` for each of `planes` pooling planes, in
  /// chunks spread over the pool.
  private func forEachPoolingPlane(_ window: SlidingWindow, planes: Int, _ body: (Int, Int, Int, Geometry) -> Void) {
    let plane = window.inputSize[0] * window.inputSize[1], positions = window.positions
    let g = Geometry(window)
    ThreadPool.parallelChunks(planes, minimumChunk: Swift.max(1, 4096 / Swift.max(plane, 1))) { start, length in
      for p in start..<(start + length) { body(p, plane, positions, g) }
    }
  }

  func channelAffine(_ x: Tensor, scale: Tensor, shift: Tensor, into out: Tensor) {
    let (n, c) = (x.dims[0], x.dims[1]), plane = x.numel() / Swift.max(x.dims[0] * x.dims[1], 1)
    switch x.dtype {
    case .float32:
      Self.channelAffine(x.pointer(Float.self), samples: n, channels: c, plane: plane, scale: scale.pointer(Float.self),
                         shift: shift.pointer(Float.self), into: out.pointer(Float.self))
    case .float64:
      let (px, ps, pb, po) = (x.pointer(Double.self), scale.pointer(Double.self), shift.pointer(Double.self), out.pointer(Double.self))
      ThreadPool.parallelFor(c) { channel in
        let (alpha, beta) = (ps[channel], pb[channel])
        for sample in 0..<n {
          let at = (sample * c + channel) * plane
          for j in at..<(at + plane) { po[j] = px[j] * alpha + beta }
        }
      }
    default: Backends.missingKernel("native_batch_norm", x.dtype, on: device)
    }
  }

  /// out = x·scale[c] + shift[c] over float32 [N, C, plane], one channel per task.
  static func channelAffine(_ x: UnsafePointer<Float>, samples: Int, channels: Int, plane: Int, scale: UnsafePointer<Float>,
                            shift: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
    ThreadPool.parallelFor(channels) { channel in
      ctk_channel_affine_f32(x, Int64(samples), Int64(channels), Int64(plane), Int64(channel), scale[channel], shift[channel], out)
    }
  }

  func normalizeRows(_ x: Tensor, _ layout: NormalizationRows, weight: Tensor?, bias: Tensor?, eps: Double,
                     into out: Tensor, mean: Tensor, rstd: Tensor) {
    let length = layout.length
    ThreadPool.parallelChunks(layout.rows, minimumChunk: Swift.max(1, 4096 / Swift.max(length, 1))) { start, count in
      for row in start..<(start + count) {
        let (at, p) = (row * length, layout.parameterOffset(row: row))
        switch x.dtype {
        case .float32:
          ctk_norm_row_f32(Int64(length), Int64(layout.span), x.pointer(Float.self) + at, weight.map { $0.pointer(Float.self) + p },
                           bias.map { $0.pointer(Float.self) + p }, eps, out.pointer(Float.self) + at,
                           mean.pointer(Float.self) + row, rstd.pointer(Float.self) + row)
        case .float64:
          ctk_norm_row_f64(Int64(length), Int64(layout.span), x.pointer(Double.self) + at, weight.map { $0.pointer(Double.self) + p },
                           bias.map { $0.pointer(Double.self) + p }, eps, out.pointer(Double.self) + at,
                           mean.pointer(Double.self) + row, rstd.pointer(Double.self) + row)
        default: Backends.missingKernel("native_norm", x.dtype, on: device)
        }
      }
    }
  }

  /// Rows are split over tasks; each task adds its rows' parameter gradients into its own
  /// partial sums, which are then added in task order (so results do not depend on timing).
  func normalizeRowsBackward(_ grad: Tensor, _ x: Tensor, _ layout: NormalizationRows, weight: Tensor?, mean: Tensor, rstd: Tensor,
                             gradInput: Tensor?, gradWeight: Tensor?, gradBias: Tensor?) {
    switch x.dtype {
    case .float32: normalizeRowsBackward(Float.self, ctk_norm_row_backward_f32, grad, x, layout, weight, mean, rstd, gradInput, gradWeight, gradBias)
    case .float64: normalizeRowsBackward(Double.self, ctk_norm_row_backward_f64, grad, x, layout, weight, mean, rstd, gradInput, gradWeight, gradBias)
    default: Backends.missingKernel("native_norm_backward", x.dtype, on: device)
    }
  }

  private typealias RowBackwardKernel<T> = (Int64, Int64, UnsafePointer<T>?, UnsafePointer<T>?, UnsafePointer<T>?, T, T,
                                            UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?) -> Void

  private func normalizeRowsBackward<T: BinaryFloatingPoint & Element>(
    _: T.Type, _ kernel: RowBackwardKernel<T>, _ grad: Tensor, _ x: Tensor, _ layout: NormalizationRows, _ weight: Tensor?,
    _ mean: Tensor, _ rstd: Tensor, _ gradInput: Tensor?, _ gradWeight: Tensor?, _ gradBias: Tensor?
  ) {
    let (length, parameters) = (layout.length, layout.parameterCount)
    let wantsParameters = gradWeight != nil || gradBias != nil
    let tasks = wantsParameters ? Swift.max(1, Swift.min(ThreadPool.threadCount * ThreadPool.tasksPerThread, layout.rows)) : layout.rows
    let partials = UnsafeMutablePointer<T>.allocate(capacity: wantsParameters ? 2 * tasks * parameters : 1)
    defer { partials.deallocate() }
    if wantsParameters { partials.initialize(repeating: 0, count: 2 * tasks * parameters) }
    let (pg, px, pm, pr) = (grad.pointer(T.self), x.pointer(T.self), mean.pointer(T.self), rstd.pointer(T.self))
    let pw = weight?.pointer(T.self), pdx = gradInput?.pointer(T.self)
    ThreadPool.parallelFor(tasks) { task in
      let (dw, db) = (partials + task * parameters, partials + (tasks + task) * parameters)
      for row in Swift.stride(from: task, to: layout.rows, by: tasks) {
        let (at, p) = (row * length, layout.parameterOffset(row: row))
        kernel(Int64(length), Int64(layout.span), pg + at, px + at, pw.map { UnsafePointer($0 + p) }, pm[row], pr[row],
               pdx.map { $0 + at }, gradWeight == nil ? nil : dw + p, gradBias == nil ? nil : db + p)
      }
    }
    for (slot, target) in [gradWeight, gradBias].enumerated() {
      guard let target else { continue }
      let out = target.pointer(T.self), first = partials + slot * tasks * parameters
      out.update(from: first, count: parameters)
      for task in 1..<tasks {
        for j in 0..<parameters { out[j] += first[task * parameters + j] }
      }
    }
  }

  /// A window's numbers as the C kernels take them.
  private struct Geometry {
    let h, w, kh, kw, ph, pw, sh, sw, dh, dw, oh, ow: Int64
    init(_ window: SlidingWindow) {
      (h, w) = (Int64(window.inputSize[0]), Int64(window.inputSize[1]))
      (kh, kw) = (Int64(window.kernel[0]), Int64(window.kernel[1]))
      (ph, pw) = (Int64(window.padding[0]), Int64(window.padding[1]))
      (sh, sw) = (Int64(window.stride[0]), Int64(window.stride[1]))
      (dh, dw) = (Int64(window.dilation[0]), Int64(window.dilation[1]))
      (oh, ow) = (Int64(window.outputSize[0]), Int64(window.outputSize[1]))
    }
  }
}
