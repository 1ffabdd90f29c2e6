import CTorchKernels

/// Batch normalization of a float32 CPU tensor by the C kernels, one channel per task: the
/// moments in one pass, the output as one scale and shift per channel, and a backward that
/// needs two passes over the input. (Other devices and dtypes run the tensor formula.)
struct CPUBatchNorm {
  /// Per channel: the batch mean and the sum of squared deviations (float64).
  struct Moments {
    var mean: [Double]
    var m2: [Double]
  }

  let input: Tensor
  let weight: Tensor?
  let bias: Tensor?
  let training: Bool
  let runningMean: Tensor?
  let runningVar: Tensor?
  let eps: Double
  let (n, c, hw): (Int, Int, Int)

  init?(_ input: Tensor, weight: Tensor?, bias: Tensor?, training: Bool, runningMean: Tensor?, runningVar: Tensor?, eps: Double) {
    let tensors = [input, weight, bias, training ? nil : runningMean, training ? nil : runningVar].compactMap { $0 }
    guard tensors.allSatisfy({ $0.device == .cpu && $0.dtype == .float32 }) else { return nil }
    (self.input, self.weight, self.bias, self.training, self.runningMean, self.runningVar, self.eps) =
      (input, weight, bias, training, runningMean, runningVar, eps)
    (n, c) = (input.dims[0], input.dims[1])
    hw = input.numel() / Swift.max(n * c, 1)
  }

  /// The output (recorded as NativeBatchNormBackward0) and, in training, the batch moments.
  /// Under `createGraph` the backward differentiates `formula`, the same computation in tensor ops.
  func run(formula: @escaping ([Tensor]) -> Tensor) -> (Tensor, Moments?) {
    let x = GradMode.with(enabled: false) { input.rawContiguous() }
    let (mean, invstd, moments) = statistics(x)
    let w = weight.map { $0.toArray(Float.self) } ?? Array(repeating: 1, count: c)
    let b = bias.map { $0.toArray(Float.self) } ?? Array(repeating: 0, count: c)
    let out = Tensor(uninitialized: input.dims, dtype: .float32)
    let scale = (0..<c).map { invstd[$0] * w[$0] }
    let shift = (0..<c).map { b[$0] - mean[$0] * scale[$0] }
    CPUBackend.channelAffine(x.pointer(Float.self), samples: n, channels: c, plane: hw, scale: scale, shift: shift,
                             into: out.pointer(Float.self))
    let inputs = [input] + [weight, bias].compactMap { $0 }
    out.recording("NativeBatchNormBackward0", inputs, saved: [x]) { g in
      if GradMode.isEnabled { return Tensor.formulaGradients(formula, inputs, g) }
      return backward(g.rawContiguous(), x, mean: mean, invstd: invstd, weight: w)
    }
    return (out, moments)
  }

  /// Mean and 1/√(var + eps) per channel: the batch's (training) or the running ones.
  private func statistics(_ x: Tensor) -> (mean: [Float], invstd: [Float], Moments?) {
    if !training {
      let variance = runningVar!.toArray(Float.self)
      return (runningMean!.toArray(Float.self), variance.map { Float(1 / (Double($0) + eps).squareRoot()) }, nil)
    }
    var moments = Moments(mean: Array(repeating: 0, count: c), m2: Array(repeating: 0, count: c))
    let px = x.pointer(Float.self)
    moments.mean.withUnsafeMutableBufferPointer { means in
      moments.m2.withUnsafeMutableBufferPointer { m2 in
        let (pm, ps) = (means.baseAddress!, m2.baseAddress!)
        ThreadPool.parallelFor(c) { channel in
          ctk_channel_moments_f32(px, Int64(n), Int64(c), Int64(hw), Int64(channel), pm + channel, ps + channel)
        }
      }
    }
    let count = Double(n * hw)
    return (moments.mean.map(Float.init), moments.m2.map { Float(1 / ($0 / count + eps).squareRoot()) }, moments)
  }

  /// Gradients of input, weight and bias from per-channel sums of g and g·(x − mean).
  private func backward(_ g: Tensor, _ x: Tensor, mean: [Float], invstd: [Float], weight w: [Float]) -> [Tensor?] {
    var sumG = [Double](repeating: 0, count: c), sumGX = [Double](repeating: 0, count: c)
    let (pg, px) = (g.pointer(Float.self), x.pointer(Float.self))
    sumG.withUnsafeMutableBufferPointer { a in
      sumGX.withUnsafeMutableBufferPointer { b in
        let (pa, pb) = (a.baseAddress!, b.baseAddress!)
        ThreadPool.parallelFor(c) { channel in
          ctk_channel_gradient_sums_f32(pg, px, Int64(n), Int64(c), Int64(hw), Int64(channel), mean[channel], pa + channel, pb + channel)
        }
      }
    }
    var grads: [Tensor?] = []
    if input.requiresGrad {
      let gx = Tensor(uninitialized: input.dims, dtype: .float32)
      let po = gx.pointer(Float.self)
      let count = Double(n * hw)
      ThreadPool.parallelFor(c) { channel in
        let scale = invstd[channel] * w[channel]
        if training {
          let k = Float(sumGX[channel] * Double(invstd[channel]) * Double(invstd[channel]) / count)
          ctk_channel_batchnorm_backward_f32(pg, px, Int64(n), Int64(c), Int64(hw), Int64(channel), mean[channel],
                                             Float(sumG[channel] / count), k, scale, po)
        } else {
          ctk_channel_affine_f32(pg, Int64(n), Int64(c), Int64(hw), Int64(channel), scale, 0, po)
        }
      }
      grads.append(gx)
    } else {
      grads.append(nil)
    }
    if let weight {
      grads.append(weight.requiresGrad ? torch.tensor(zip(sumGX, invstd).map { $0 * Double($1) }, dtype: .float64).to(.float32) : nil)
    }
    if let bias { grads.append(bias.requiresGrad ? torch.tensor(sumG, dtype: .float64).to(.float32) : nil) }
    return grads
  }
}
