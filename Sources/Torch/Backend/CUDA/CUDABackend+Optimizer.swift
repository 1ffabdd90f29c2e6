/// The fused Adam/AdamW step (`adam_step_<dtype>`), for contiguous float tensors.
extension CUDABackend {
  func adamStep(_ step: AdamStep, param p: Tensor, grad: Tensor, expAvg m: Tensor, expAvgSq v: Tensor, maxExpAvgSq vmax: Tensor?) {
    let tensors = [p, grad, m, v] + (vmax.map { [$0] } ?? [])
    guard p.dtype.isFloatingPoint, tensors.allSatisfy({ $0.dtype == p.dtype && $0.isContiguous }) else {
      step.composed(param: p, grad: grad, expAvg: m, expAvgSq: v, maxExpAvgSq: vmax)
      return
    }
    launch("adam_step_\(t(p))", count: p.numel(), [
      .pointer(address(p)), .pointer(address(grad)), .pointer(address(m)), .pointer(address(v)),
      .pointer(vmax.map(address) ?? 0), .int64(Int64(p.numel())),
      .double(1 - step.beta1), .double(step.beta2), .double(1 - step.beta2), .double(step.eps), .double(step.weightDecay),
      .int32(step.decoupled ? 1 : 0), .double(1 - step.lr * step.weightDecay), .int32(step.maximize ? 1 : 0),
      .double(step.stepSize), .double(step.biasCorrection2Sqrt),
    ])
    for tensor in tensors where tensor !== grad { tensor.bumpVersion() }
  }
}
