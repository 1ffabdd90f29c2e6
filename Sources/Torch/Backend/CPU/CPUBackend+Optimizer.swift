import CTorchKernels

/// Fused optimizer steps: dense float32 Adam through the C kernel (AVX2+FMA or portable, bit for
/// bit as PyTorch), split across threads for large parameters.
extension CPUBackend {
  func adamStep(_ step: AdamStep, param p: Tensor, grad: Tensor, expAvg m: Tensor, expAvgSq v: Tensor, maxExpAvgSq vmax: Tensor?) {
    guard p.dtype == .float32, [p, grad, m, v].allSatisfy({ $0.dtype == .float32 && $0.isContiguous }),
      vmax.map({ $0.dtype == .float32 && $0.isContiguous }) ?? true
    else {
      step.composed(param: p, grad: grad, expAvg: m, expAvgSq: v, maxExpAvgSq: vmax)
      return
    }
    let (pp, gp, mp, vp, xp) = (p.pointer(Float.self), grad.pointer(Float.self), m.pointer(Float.self),
                                v.pointer(Float.self), vmax?.pointer(Float.self))
    let (stepSize, bc2Sqrt) = (step.stepSize, step.biasCorrection2Sqrt)
    ThreadPool.parallelChunks(p.numel(), minimumChunk: 1 << 16) { start, count in
      ctk_adam_step_f32(
        Int64(count), pp + start, gp + start, mp + start, vp + start, xp.map { $0 + start },
        Float(1 - step.beta1), Float(step.beta2), Float(1 - step.beta2), Float(step.eps), Float(step.weightDecay),
        step.decoupled ? 1 : 0, Float(1 - step.lr * step.weightDecay), step.maximize ? 1 : 0, Float(stepSize), Float(bc2Sqrt))
    }
    for tensor in [p, m, v] + (vmax.map { [$0] } ?? []) { tensor.bumpVersion() }
  }
}
