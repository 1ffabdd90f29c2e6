import CTorchKernels

/// float32 convolution on the CPU, one sample per task: each task builds its sample's columns
/// (im2col) in a buffer that stays in cache and runs the single-threaded packed GEMM on them,
/// writing straight into the NCHW output, or, for a stride-1 layer that is shallow or keeps its
/// width, copies the sample into prepared planes that the direct kernel reads in place.
/// Gradients work the same way; the weight gradient sums per-task partial products in a fixed
/// order, so results do not depend on timing. Layers with small planes and large weights run
/// as one product over the batch instead (`batchesProducts`).
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

  /// Products this shallow (C_in/g · kh·kw, e.g. a first layer's 1·3·3) run the direct kernel
  /// at stride 1: building their columns would cost more than the product itself.
  static let shallowDepthLimit = Int(CTK_DIRECT_SHALLOW_TAPS)
  /// Deeper products, up to the direct kernel's CTK_DIRECT_MAX_TAPS (4608: 512 channels of
  /// 3×3), run it too where the layer keeps its width (3×3 with padding 1, 1×1): in the shifted
  /// planes every tap is one contiguous run over the output plane, read in place by the
  /// forward's tiles and, as B's columns, by the weight gradient's GEMM
  /// (ctk_sgemm_gathered_columns), so no columns are built or kept.
  static let directDepthLimit = Int(CTK_DIRECT_MAX_TAPS)
  /// Outputs at least this large are written past the caches by the direct kernel (more than
  /// the cores' L2 caches hold: they would reach L3 or memory before being read anyway, and
  /// streaming saves each line's read for ownership).
  static let streamedOutputBytes = 4 << 20
  /// Whether the forward runs the direct kernel (and the weight gradient reads the same planes).
  var usesDirectKernel: Bool {
    guard window.stride == [1, 1] else { return false }
    return rowsPerGroup <= Self.shallowDepthLimit || (rowsPerGroup <= Self.directDepthLimit && directInput.keepsWidth)
  }
  private var inPerGroup: Int { geometry.inChannels / geometry.groups }
  private var directInput: DirectInput { DirectInput(window: window, channels: geometry.inChannels) }

  /// out[n] = W · columns(x[n]) (+ bias), for contiguous `x` and `weight`. With
  /// `keepingColumns` each sample's columns are built in a [N, C_in·kh·kw, oh·ow] tensor that is
  /// returned for the weight gradient, instead of a per-task scratch buffer (the direct kernel
  /// builds no columns, so it keeps none).
  func forward(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, keepingColumns: Bool = false) -> (output: Tensor, columns: Tensor?) {
    let out = Tensor(uninitialized: [batch, geometry.outChannels] + window.outputSize, dtype: .float32)
    let kept = keepingColumns && !usesDirectKernel ? Tensor(uninitialized: [batch, geometry.inChannels * taps, positions], dtype: .float32) : nil
    let (px, pw, po) = (x.pointer(Float.self), weight.pointer(Float.self), out.pointer(Float.self))
    let pk = kept?.pointer(Float.self)
    let pb = bias.map { $0.rawContiguous().pointer(Float.self) }
    let k = rowsPerGroup, sampleColumns = geometry.inChannels * taps * positions
    let packed = PackedWeight(outPerGroup, k, groups: geometry.groups, wholeDepth: usesDirectKernel) { group in
      (UnsafePointer(pw + group * outPerGroup * k), k, 1)
    }
    defer { packed.deallocate() }
    if usesDirectKernel {
      let input = directInput, taps = input.taps(channels: inPerGroup)
      let stream: Int32 = out.numel() * MemoryLayout<Float>.size >= Self.streamedOutputBytes ? 1 : 0
      forEachSample(scratch: input.floats) { sample, prepared in
        input.fill(from: px + sample * geometry.inChannels * plane, into: prepared)
        for group in 0..<geometry.groups {
          ctk_conv2d_direct_f32(packed[group], pb.map { $0 + group * outPerGroup }, Int64(outPerGroup), taps,
                                prepared + group * inPerGroup * input.channelFloats, Int64(input.rows), Int64(input.width),
                                po + (sample * geometry.outChannels + group * outPerGroup) * positions, stream)
        }
      }
      return (out, nil)
    }
    forEachSample(scratch: pk == nil ? sampleColumns : 0) { sample, scratch in
      let columns = pk.map { $0 + sample * sampleColumns } ?? scratch
      im2col(px + sample * geometry.inChannels * plane, into: columns)
      let output = po + sample * geometry.outChannels * positions
      if let pb {
        for channel in 0..<geometry.outChannels {
          (output + channel * positions).update(repeating: pb[channel], count: positions)
        }
      }
      for group in 0..<geometry.groups {
        ctk_sgemm_prepacked(Int64(outPerGroup), Int64(positions), Int64(k), packed[group],
                            columns + group * k * positions, Int64(positions), 1,
                            pb == nil ? 0 : 1, output + group * outPerGroup * positions, Int64(positions))
      }
    }
    return (out, kept)
  }

  /// ∂L/∂x[n] = col2im(Wᵀ · g[n]), for contiguous `g` and `weight`; a shallow layer's (see
  /// `transposedWindow`) through the direct kernel.
  func inputGradient(_ g: Tensor, _ weight: Tensor) -> Tensor {
    let pass = InputGradientPass(self, g, weight)
    defer { pass.deallocate() }
    forEachSample(scratch: pass.scratchFloats) { sample, scratch in pass.run(sample, scratch: scratch) }
    return pass.gx
  }

  /// ∂L/∂x (where `input`), ∂L/∂W and ∂L/∂b (where `bias`) in one pass over g: each of the
  /// weight gradient's tasks takes a sample's input gradient and per-channel sums right after
  /// its weight gradient, while that sample's g is still in cache, so g is read from memory
  /// once rather than once per gradient (a first layer's 6.4 MB, two or three times). The same
  /// bits as `inputGradient`, `weightGradient` and `F.biasGradient` called apart.
  func gradients(_ g: Tensor, _ x: Tensor, _ weight: Tensor, columns: Tensor?, input: Bool, bias: Bool)
    -> (input: Tensor?, weight: Tensor, bias: Tensor?) {
    let inputPass = input ? InputGradientPass(self, g, weight) : nil
    defer { inputPass?.deallocate() }
    let channels = geometry.outChannels, positions = self.positions
    let sums = bias ? UnsafeMutablePointer<Float>.allocate(capacity: batch * channels) : nil
    defer { sums?.deallocate() }
    let pg = g.pointer(Float.self)
    let gw = weightGradient(g, x, columns: columns, alongside: inputPass?.scratchFloats ?? 0) { sample, scratch in
      inputPass?.run(sample, scratch: scratch)
      if let sums {
        for channel in 0..<channels {
          sums[sample * channels + channel] = ctk_sum_f32(Int64(positions), pg + (sample * channels + channel) * positions)
        }
      }
    }
    let gb = sums.map { sums in
      // Summed over samples in order, as `F.biasGradient` sums each channel.
      Tensor((0..<channels).map { channel in (0..<batch).reduce(Float(0)) { $0 + sums[$1 * channels + channel] } }, shape: [channels])
    }
    return (inputPass?.gx, gw, gb)
  }

  /// The input gradient of a stride-1 convolution is a stride-1 convolution too: of g by the
  /// weight with its channel dims swapped and its taps reversed, padded by d·(k − 1) − p to the
  /// input's size. A layer on the direct forward takes it up to `directTransposedDepthLimit`
  /// taps: as a GEMM a shallow layer's input gradient has only C_in/g · kh·kw rows (9 for a
  /// first layer's 3×3), too few for the packed kernel, and a deeper one's builds columns and
  /// folds them back. Nil where the padding would be negative or the transposed depth too large.
  private var transposedWindow: SlidingWindow? {
    guard usesDirectKernel else { return nil }
    let padding = (0..<2).map { window.dilation[$0] * (window.kernel[$0] - 1) - window.padding[$0] }
    guard padding.allSatisfy({ $0 >= 0 }), outPerGroup * taps <= Self.directTransposedDepthLimit else { return nil }
    return SlidingWindow(inputSize: window.outputSize, kernel: window.kernel, padding: padding, stride: [1, 1],
                         dilation: window.dilation)
  }
  /// The deepest input gradient (C_out/g · kh·kw) taken as a direct convolution: 64 channels of
  /// 3×3 ran 5–21% faster than the GEMM and col2im (14² to 112² planes), 128 (1152 taps) 8%
  /// slower.
  static let directTransposedDepthLimit = 576

  /// ∂L/∂W = Σₙ g[n] · columns(x[n])ᵀ: one partial sum per slot (a fixed set of samples,
  /// summed in sample order), the slots claimed by the pool's threads one at a time and added
  /// in slot order, so the result does not depend on which thread took which slot, nor (up to
  /// `weightGradientSlots` threads) on how many there are. The columns are the forward's when
  /// given, else rebuilt from `x`. After each sample's share the task calls `alongside` with
  /// the sample and a scratch buffer of `alongsideFloats` of its own (see `gradients`).
  func weightGradient(_ g: Tensor, _ x: Tensor, columns kept: Tensor? = nil, alongside alongsideFloats: Int = 0,
                      _ alongside: ((Int, UnsafeMutablePointer<Float>) -> Void)? = nil) -> Tensor {
    let size = geometry.outChannels * rowsPerGroup
    let slots = Swift.max(1, Swift.min(batch, Swift.max(Self.weightGradientSlots, ThreadPool.threadCount)))
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: slots * size)
    defer { partials.deallocate() }
    partials.initialize(repeating: 0, count: slots * size)
    let (pg, px) = (g.pointer(Float.self), x.pointer(Float.self))
    let pk = kept?.pointer(Float.self)
    let scratchFloats = usesDirectKernel ? directInput.floats : pk == nil ? geometry.inChannels * taps * positions : 0
    let direct = usesDirectKernel ? directInput : nil, directTaps = direct?.taps(channels: inPerGroup)
    forEachClaim(slots, scratch: scratchFloats + alongsideFloats) { slot, scratch in
      for sample in Swift.stride(from: slot, to: batch, by: slots) {
        if let direct, let directTaps {
          directWeightGradient(pg + sample * geometry.outChannels * positions, px + sample * geometry.inChannels * plane,
                               direct, directTaps, prepared: scratch, into: partials + slot * size)
        } else {
          addWeightGradient(of: sample, pg, px, columns: pk, scratch: scratch, into: partials + slot * size)
        }
        alongside?(sample, scratch + scratchFloats)
      }
    }
    let gw = Tensor(uninitialized: [geometry.outChannels, geometry.inChannels / geometry.groups] + window.kernel, dtype: .float32)
    let pw = gw.pointer(Float.self)
    pw.update(from: partials, count: size)
    for slot in 1..<slots { ctk_axpy_f32(Int64(size), 1, partials + slot * size, pw) }
    return gw
  }

  /// Slots of the weight gradient (more with more threads than this): enough that a slowed
  /// thread's last one is a small share of the work on a few cores, and a number that does not
  /// change with the thread count up to there, so neither do the gradient's bits.
  static let weightGradientSlots = 8

  /// Adds the weight gradient of `sample` to `partial` with columns (the forward's `kept` ones,
  /// else rebuilt in `scratch`) and the GEMM.
  private func addWeightGradient(of sample: Int, _ pg: UnsafeMutablePointer<Float>, _ px: UnsafeMutablePointer<Float>,
                                 columns kept: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>,
                                 into partial: UnsafeMutablePointer<Float>) {
    let k = rowsPerGroup, sampleColumns = geometry.inChannels * taps * positions
    let columns = kept.map { $0 + sample * sampleColumns } ?? scratch
    if kept == nil { im2col(px + sample * geometry.inChannels * plane, into: columns) }
    let gradient = pg + sample * geometry.outChannels * positions
    for group in 0..<geometry.groups {
      ctk_sgemm(Int64(outPerGroup), Int64(k), Int64(positions), 1,
                gradient + group * outPerGroup * positions, Int64(positions), 1,
                columns + group * k * positions, 1, Int64(positions),
                1, partial + group * outPerGroup * k, Int64(k))
    }
  }

  /// Runs `body(sample, scratch)` for every sample, spread over the pool (`forEachClaim`).
  private func forEachSample(scratch count: Int, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
    forEachClaim(batch, scratch: count, body)
  }

  /// Runs `body(index, scratch)` for every index in `0..<count`: each pool thread claims
  /// indices one at a time (`ThreadPool.parallelClaims`) into its own scratch buffer of
  /// `floats` (columns, or padded planes), made at its first claim.
  private func forEachClaim(_ count: Int, scratch floats: Int, _ body: (Int, UnsafeMutablePointer<Float>) -> Void) {
    ThreadPool.parallelClaims(count) { next in
      guard var index = next() else { return }
      let scratch = Self.scratch(floats)
      defer { scratch.deallocate() }
      while true {
        body(index, scratch)
        guard let claimed = next() else { return }
        index = claimed
      }
    }
  }

  /// A task's scratch buffer of `count` floats, zeroed once: `DirectInput.fill` writes only
  /// the planes' interiors, so their borders and the slack after them stay zero from sample to
  /// sample.
  private static func scratch(_ count: Int) -> UnsafeMutablePointer<Float> {
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
    buffer.initialize(repeating: 0, count: Swift.max(count, 1))
    return buffer
  }

  /// Adds one sample's weight gradient to `partial` with the direct kernel.
  private func directWeightGradient(_ gradient: UnsafePointer<Float>, _ image: UnsafePointer<Float>, _ input: DirectInput,
                                    _ taps: ctk_direct_taps, prepared: UnsafeMutablePointer<Float>,
                                    into partial: UnsafeMutablePointer<Float>) {
    input.fill(from: image, into: prepared)
    for group in 0..<geometry.groups {
      ctk_conv2d_direct_weight_gradient_f32(
        gradient + group * outPerGroup * positions, Int64(outPerGroup), taps, prepared + group * inPerGroup * input.channelFloats,
        Int64(input.rows), Int64(input.width), partial + group * outPerGroup * rowsPerGroup)
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

extension CPUConvolution {
  /// The input gradient one sample at a time, into `gx`, with the weight prepared once for
  /// every sample: packed for the GEMM, whose columns are folded back (col2im), or flipped for
  /// the direct kernel (a shallow layer's, see `transposedWindow`).
  struct InputGradientPass {
    let gx: Tensor
    /// Floats of scratch `run` needs, per task.
    let scratchFloats: Int
    private let convolution: CPUConvolution
    private let g: UnsafePointer<Float>
    private let gxPointer: UnsafeMutablePointer<Float>
    private let weight: PreparedWeight

    private enum PreparedWeight {
      case direct(DirectInputGradient)
      case packed(PackedWeight)
    }

    init(_ convolution: CPUConvolution, _ g: Tensor, _ weight: Tensor) {
      self.convolution = convolution
      self.g = UnsafePointer(g.pointer(Float.self))
      let geometry = convolution.geometry
      let size = [convolution.batch, geometry.inChannels] + geometry.window.inputSize
      if let transposed = convolution.transposedWindow {
        let direct = DirectInputGradient(convolution, weight: weight, window: transposed)
        self.weight = .direct(direct)
        gx = Tensor(uninitialized: size, dtype: .float32)
        scratchFloats = direct.readsInPlace ? 0 : direct.input.floats
      } else {
        let (k, outPerGroup) = (convolution.rowsPerGroup, convolution.outPerGroup)
        let pw = weight.pointer(Float.self)
        self.weight = .packed(PackedWeight(k, outPerGroup, groups: geometry.groups) { group in (UnsafePointer(pw + group * outPerGroup * k), 1, k) })
        gx = torch.zeros(size)  // col2im adds into it
        scratchFloats = geometry.inChannels * convolution.taps * convolution.positions
      }
      gxPointer = gx.pointer(Float.self)
    }

    /// Writes sample `sample`'s input gradient, with `scratch` of `scratchFloats`.
    func run(_ sample: Int, scratch: UnsafeMutablePointer<Float>) {
      switch weight {
      case .direct(let direct):
        direct.run(sample, g, into: gxPointer, prepared: scratch)
      case .packed(let packed):
        let (geometry, positions) = (convolution.geometry, convolution.positions)
        let (k, outPerGroup) = (convolution.rowsPerGroup, convolution.outPerGroup)
        let gradient = g + sample * geometry.outChannels * positions
        for group in 0..<geometry.groups {
          ctk_sgemm_prepacked(Int64(k), Int64(positions), Int64(outPerGroup), packed[group],
                              gradient + group * outPerGroup * positions, Int64(positions), 1,
                              0, scratch + group * k * positions, Int64(positions))
        }
        convolution.col2im(scratch, into: gxPointer + sample * geometry.inChannels * convolution.plane)
      }
    }

    func deallocate() {
      switch weight {
      case .direct(let direct): direct.deallocate()
      case .packed(let packed): packed.deallocate()
      }
    }
  }
}

/// The input gradient of a shallow stride-1 layer as a direct convolution of g (see
/// `CPUConvolution.transposedWindow`), one sample at a time: the weight with its channel dims
/// swapped and its taps reversed, packed once.
private struct DirectInputGradient {
  let input: DirectInput
  /// Whether g is read in place (dilation 1, one or two channels per group: a copy of g padded
  /// with zeros cost a third of the time), not copied into `input`'s padded planes first.
  let readsInPlace: Bool
  private let geometry: ConvolutionGeometry
  private let packed: PackedWeight
  private let taps: ctk_direct_taps

  init(_ convolution: CPUConvolution, weight: Tensor, window transposed: SlidingWindow) {
    geometry = convolution.geometry
    let (inPerGroup, outPerGroup) = (geometry.inChannels / geometry.groups, geometry.outChannels / geometry.groups)
    let kernelTaps = geometry.window.taps, depth = outPerGroup * kernelTaps
    // Per group, [C_in/g, C_out/g · kh·kw]: flipped[ci][co·taps + (taps − 1 − t)] = W[co][ci][t].
    let pw = weight.pointer(Float.self)
    let flipped = UnsafeMutablePointer<Float>.allocate(capacity: geometry.inChannels * depth)
    defer { flipped.deallocate() }
    for group in 0..<geometry.groups {
      for co in 0..<outPerGroup {
        for ci in 0..<inPerGroup {
          let source = pw + ((group * outPerGroup + co) * inPerGroup + ci) * kernelTaps
          let target = flipped + (group * inPerGroup + ci) * depth + co * kernelTaps
          for t in 0..<kernelTaps { target[kernelTaps - 1 - t] = source[t] }
        }
      }
    }
    packed = PackedWeight(inPerGroup, depth, groups: geometry.groups, wholeDepth: true) { group in
      (UnsafePointer(flipped + group * inPerGroup * depth), depth, 1)
    }
    // One or two input channels take the band tiles, which walk zero-padded rows; more take the
    // row tiles, over shifted planes where the layer keeps its width.
    input = DirectInput(window: transposed, channels: geometry.outChannels, shiftsColumns: inPerGroup > 2)
    taps = input.taps(channels: outPerGroup)
    readsInPlace = transposed.dilation == [1, 1]
      && ctk_conv2d_direct_unpadded_applies(Int64(inPerGroup), Int64(transposed.kernel[0]), Int64(transposed.kernel[1]),
                                            Int64(transposed.outputSize[0]), Int64(transposed.outputSize[1])) != 0
  }

  /// Writes sample `sample`'s [C_in, H, W] input gradient into `gx` from g [N, C_out, oh, ow],
  /// in place or through `prepared` (`input.floats`, zeroed before the first sample).
  func run(_ sample: Int, _ g: UnsafePointer<Float>, into gx: UnsafeMutablePointer<Float>, prepared: UnsafeMutablePointer<Float>) {
    let (inPerGroup, outPerGroup) = (geometry.inChannels / geometry.groups, geometry.outChannels / geometry.groups)
    let window = input.window, plane = geometry.window.inputSize[0] * geometry.window.inputSize[1]
    let sampleG = g + sample * geometry.outChannels * geometry.window.positions
    if readsInPlace {
      let (h, w) = (window.inputSize[0], window.inputSize[1])
      for group in 0..<geometry.groups {
        ctk_conv2d_direct_unpadded_f32(packed[group], Int64(inPerGroup), Int64(outPerGroup), Int64(window.kernel[0]), Int64(window.kernel[1]),
                                       sampleG + group * outPerGroup * h * w, Int64(h), Int64(w), Int64(window.padding[0]),
                                       Int64(window.padding[1]), Int64(window.outputSize[0]), Int64(window.outputSize[1]),
                                       gx + (sample * geometry.inChannels + group * inPerGroup) * plane)
      }
      return
    }
    input.fill(from: sampleG, into: prepared)
    for group in 0..<geometry.groups {
      ctk_conv2d_direct_f32(packed[group], nil, Int64(inPerGroup), taps, prepared + group * outPerGroup * input.channelFloats,
                            Int64(input.rows), Int64(input.width), gx + (sample * geometry.inChannels + group * inPerGroup) * plane, 0)
    }
  }

  func deallocate() { packed.deallocate() }
}

/// Each group's weight matrix packed once for the GEMM or the direct kernel, shared read-only
/// by every sample's product (packing it per sample cost as much as a tenth of the convolution).
private struct PackedWeight {
  private let base: UnsafeMutablePointer<Float>
  private let stride: Int

  /// Packs `groups` matrices of `rows` x `depth`, group g's at `source(g)` = (pointer, row
  /// stride, column stride), in the GEMM's depth blocks or, for the direct kernel, as one.
  init(_ rows: Int, _ depth: Int, groups: Int, wholeDepth: Bool = false, source: (Int) -> (UnsafePointer<Float>, Int, Int)) {
    stride = ctk_sgemm_packed_a_floats(Int64(rows), Int64(depth))
    base = .allocate(capacity: stride * groups)
    for group in 0..<groups {
      let (matrix, rowStride, columnStride) = source(group)
      if wholeDepth {
        ctk_direct_pack_weight(Int64(rows), Int64(depth), matrix, Int64(rowStride), Int64(columnStride), base + group * stride)
      } else {
        ctk_sgemm_pack_a(Int64(rows), Int64(depth), matrix, Int64(rowStride), Int64(columnStride), base + group * stride)
      }
    }
  }

  subscript(group: Int) -> UnsafePointer<Float> { UnsafePointer(base + group * stride) }

  func deallocate() { base.deallocate() }
}

/// The input planes the direct kernel reads, in one of two layouts (a task fills them per
/// sample into a scratch buffer zeroed once, then writes only what the sample sets):
/// - zero-padded planes [C_in, H + 2·ph, W + 2·pw], the kernel running over output rows;
/// - for a layer that keeps its width (2·pw = dw·(kw − 1), e.g. 3×3 with padding 1), kw planes
///   per channel [C_in, kw, H + 2·ph, W], plane kj holding the input shifted by kj·dw − pw
///   columns with zeros shifted in. Every tap of the whole output plane is then one contiguous
///   run, so the kernel treats the plane as a single row: no row ends, no partial vectors.
struct DirectInput {
  let window: SlidingWindow
  let channels: Int
  /// Whether a layer that keeps its width gets the shifted planes; false keeps zero-padded
  /// planes walked row by row.
  var shiftsColumns = true

  /// Whether the layer keeps its width and gets the shifted planes (see above).
  var keepsWidth: Bool { shiftsColumns && 2 * window.padding[1] == window.dilation[1] * (window.kernel[1] - 1) }
  private var paddedHeight: Int { window.inputSize[0] + 2 * window.padding[0] }
  private var rowLength: Int { keepsWidth ? window.inputSize[1] : window.inputSize[1] + 2 * window.padding[1] }
  /// Floats per input channel, and in all (with 16 the kernel's last full-width loads may read).
  var channelFloats: Int { (keepsWidth ? window.kernel[1] : 1) * paddedHeight * rowLength }
  var floats: Int { channels * channelFloats + 16 }
  /// The output as the kernel walks it: `rows` rows of `width` positions.
  var rows: Int { keepsWidth ? 1 : window.outputSize[0] }
  var width: Int { keepsWidth ? window.outputSize[0] * window.outputSize[1] : window.outputSize[1] }

  /// Where the kernel finds each tap, for `channels` input channels.
  func taps(channels: Int) -> ctk_direct_taps {
    let (dh, dw) = (window.dilation[0], window.dilation[1]), plane = paddedHeight * rowLength
    return ctk_direct_taps(channels: Int64(channels), kernelHeight: Int64(window.kernel[0]), kernelWidth: Int64(window.kernel[1]),
                           channelStep: Int64(channelFloats), rowStep: Int64(dh * rowLength),
                           columnStep: Int64(keepsWidth ? plane : dw), rowPitch: Int64(rowLength))
  }

  /// Copies one sample's [C_in, H, W] planes into place. Called per sample: the geometry is
  /// read into locals once (each computed property reads the window's arrays).
  func fill(from image: UnsafePointer<Float>, into prepared: UnsafeMutablePointer<Float>) {
    let (h, w) = (window.inputSize[0], window.inputSize[1]), (ph, pw) = (window.padding[0], window.padding[1])
    let (shifted, planes) = (keepsWidth, keepsWidth ? window.kernel[1] : 1)
    let (length, height, dw) = (rowLength, paddedHeight, window.dilation[1])
    for channel in 0..<channels {
      for index in 0..<planes {
        // Output column x reads input column x + shift; columns outside the input stay zero.
        let shift = shifted ? index * dw - pw : -pw
        let (first, end) = (Swift.max(0, -shift), Swift.min(length, w - shift))
        guard first < end else { continue }
        let target = prepared + ((channel * planes + index) * height + ph) * length + first
        ctk_copy_rows_f32(image + channel * h * w + first + shift, Int64(w), target, Int64(length), Int64(h), Int64(end - first))
      }
    }
  }
}
