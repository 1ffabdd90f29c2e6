import CTorchKernels

/// The gathered part of the negative log-likelihood.
extension CUDABackend {
  func nllLoss(logProbs: Tensor, target: Tensor, weight: Tensor?, ignoreIndex: Int, losses: Tensor, weights: Tensor) {
    let targets = target.dtype == .int64 ? target : target.rawCopy(dtype: .int64)
    launch("nll_\(t(logProbs))", count: losses.numel(), [
      .pointer(address(logProbs)), .int64(Int64(logProbs.elementStrides[0])), .int64(Int64(logProbs.elementStrides[1])),
      .pointer(address(targets)), .int64(Int64(targets.elementStrides.first ?? 0)),
      .pointer(weight.map(address) ?? 0), .int64(Int64(weight?.elementStrides.first ?? 0)),
      .int64(Int64(ignoreIndex)), .int64(Int64(logProbs.dims[1])), .pointer(address(losses)), .pointer(address(weights)),
      .int64(Int64(losses.numel())),
    ])
  }
}
