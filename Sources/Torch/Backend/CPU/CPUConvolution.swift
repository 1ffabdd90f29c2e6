import CTorchKernels

/// float32 convolution on the CPU, one sample per task: each task builds its sample's columns
/// (im2col) in a buffer that stays in cache and runs the single-threaded packed GEMM on them,
/// writing straight into the NCHW output. Gradients work the same way; the weight gradient
/// sums per-task partial products in a fixed order, so results do not depend on timing.
struct CPUConvolution {
  let geometry: ConvolutionGeometry
  let batch: Int

  private var window: SlidingWindow { geometry.window }
  private var taps: Int { window.taps }
  private var positions: Int { window.positions }
  private var plane: Int { window.inputSize[0] * window.inputSize[1] }
  /// Column rows per group (C_in/g · kh·kw) and output channels per group.
  private var rowsPerGroup: Int { geometry.inChannels / geometry.groups * taps }
  private var outPerGroup: Int { geometry.outChannels / geometry.groups }

  /// Whether the fast path applies: float32 on the CPU.
  static func handles(_ tensors: Tensor...) -> Bool { tensors.allSatisfy { $0.device == .cpu && $0.dtype == .float32 } }

  /// out[n] = W · columns(x[n]) (+ bias), for contiguous `x` and `weight`. With
  /// `keepingColumns` each sample's columns are built in a [N, C_in·kh·kw, oh·ow] tensor that is
  /// returned for the weight gradient, instead of a per-task scratch buffer.
  func forward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, keepingColumns: Bool = false) -> (output: Tensor, columns: Tensor?) {
    let out = Tensor(uninitialized: [batch, geometry.outChannels] + window.outputSize, dtype: .float32)
    let kept = keepingColumns ? Tensor(uninitialized: [batch, geometry.inChannels * taps, positions], dtype: .float32) : nil
    let (px, pw, po) = (x.pointer(Float.self), weight.pointer(Float.self), out.pointer(Float.self))
    let pk = kept?.pointer(Float.self)
    let pb = bias.map { $0.rawContiguous().pointer(Float.self) }
    let k = rowsPerGroup, sampleColumns = geometry.inChannels * taps * positions
    forEachSample(needsColumns: pk == nil) { sample, scratch in
      let columns = pk.map { $0 + sample * sampleColumns } ?? scratch
      im2col(px + sample * geometry.inChannels * plane, into: columns)
      let output = po + sample * geometry.outChannels * positions
      if let pb {
        for channel in 0..<geometry.outChannels {
          (output + channel * positions).update(repeating: pb[channel], count: positions)
        }
      }
      for group in 0..<geometry.groups {
        ctk_sgemm(Int64(outPerGroup), Int64(positions), Int64(k), 1,
                  pw + group * outPerGroup * k, Int64(k), 1,
                  columns + group * k * positions, Int64(positions), 1,
                  pb == nil ? 0 : 1, output + group * outPerGroup * positions, Int64(positions))
      }
    }
    return (out, kept)
  }

  /// ∂L/∂x[n] = col2im(Wᵀ · g[n]), for contiguous `g` and `weight`.
  func inputGradient(_ g: Tensor, _ weight: Tensor) -> Tensor {
    let gx = torch.zeros([batch, geometry.inChannels] + window.inputSize)
    let (pg, pw, px) = (g.pointer(Float.self), weight.pointer(Float.self), gx.pointer(Float.self))
    let k = rowsPerGroup
    forEachSample { sample, columns in
      let gradient = pg + sample * geometry.outChannels * positions
      for group in 0..<geometry.groups {
        ctk_sgemm(Int64(k), Int64(positions), Int64(outPerGroup), 1,
                  pw + group * outPerGroup * k, 1, Int64(k),
                  gradient + group * outPerGroup * positions, Int64(positions), 1,
                  0, columns + group * k * positions, Int64(positions))
      }
      col2im(columns, into: px + sample * geometry.inChannels * plane)
    }
    return gx
  }

  /// ∂L/∂W = Σₙ g[n] · columns(x[n])ᵀ: one partial sum per task, added in task order. The
  /// columns are the forward's when given, else rebuilt from `x`.
  func weightGradient(_ g: Tensor, _ x: Tensor, columns kept: Tensor? = nil) -> Tensor {
    let k = rowsPerGroup
    let size = geometry.outChannels * k
    let tasks = Swift.max(1, Swift.min(ThreadPool.threadCount, batch))
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: tasks * size)
    defer { partials.deallocate() }
    partials.initialize(repeating: 0, count: tasks * size)
    let (pg, px) = (g.pointer(Float.self), x.pointer(Float.self))
    let pk = kept?.pointer(Float.self), sampleColumns = geometry.inChannels * taps * positions
    ThreadPool.parallelFor(tasks) { task in
      let scratch = UnsafeMutablePointer<Float>.allocate(capacity: pk == nil ? sampleColumns : 1)
      defer { scratch.deallocate() }
      let partial = partials + task * size
      for sample in Swift.stride(from: task, to: batch, by: tasks) {
        let columns = pk.map { $0 + sample * sampleColumns } ?? scratch
        if pk == nil { im2col(px + sample * geometry.inChannels * plane, into: columns) }
        let gradient = pg + sample * geometry.outChannels * positions
        for group in 0..<geometry.groups {
          ctk_sgemm(Int64(outPerGroup), Int64(k), Int64(positions), 1,
                    gradient + group * outPerGroup * positions, Int64(positions), 1,
                    columns + group * k * positions, 1, Int64(positions),
                    1, partial + group * outPerGroup * k, Int64(k))
        }
      }
    }
    let gw = Tensor(uninitialized: [geometry.outChannels, geometry.inChannels / geometry.groups] + window.kernel, dtype: .float32)
    let pw = gw.pointer(Float.self)
    pw.update(from: partials, count: size)
    for task in 1..<tasks { ctk_axpy_f32(Int64(size), 1, partials + task * size, pw) }
    return gw
  }

  /// Runs `body(sample, columns)` for every sample, spread over the pool, each task with its
  /// own column buffer [C_in·kh·kw, oh·ow].
  /// (`needsColumns: false`: the body brings its own, and the buffer is a token.)
  private func forEachSample(needsColumns: Bool = true, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
    let rows = geometry.inChannels * taps
    ThreadPool.parallelChunks(batch, minimumChunk: 1) { start, length in
      let columns = UnsafeMutablePointer<Float>.allocate(capacity: needsColumns ? rows * positions : 1)
      defer { columns.deallocate() }
      for sample in start..<(start + length) { body(sample, columns) }
    }
  }

  private func im2col(_ image: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>) {
    let w = window
    for channel in 0..<geometry.inChannels {
      ctk_im2col_f32(image + channel * plane, Int64(w.inputSize[0]), Int64(w.inputSize[1]), Int64(w.kernel[0]), Int64(w.kernel[1]),
                     Int64(w.padding[0]), Int64(w.padding[1]), Int64(w.stride[0]), Int64(w.stride[1]),
                     Int64(w.dilation[0]), Int64(w.dilation[1]), Int64(w.outputSize[0]), Int64(w.outputSize[1]),
                     0, columns + channel * taps * positions, Int64(positions))
    }
  }

  private func col2im(_ columns: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>) {
    let w = window
    for channel in 0..<geometry.inChannels {
      ctk_col2im_f32(columns + channel * taps * positions, Int64(positions), Int64(w.inputSize[0]), Int64(w.inputSize[1]),
                     Int64(w.kernel[0]), Int64(w.kernel[1]), Int64(w.padding[0]), Int64(w.padding[1]),
                     Int64(w.stride[0]), Int64(w.stride[1]), Int64(w.dilation[0]), Int64(w.dilation[1]),
                     Int64(w.outputSize[0]), Int64(w.outputSize[1]), image + channel * plane)
    }
  }
}
