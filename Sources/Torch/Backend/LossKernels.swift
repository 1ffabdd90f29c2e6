extension Backend {
  /// A device without a one-pass kernel compares, selects and converts.
  func safeClassIndices(_ target: Tensor, ignoreIndex: Int, into out: Tensor) {
    let safe = torch.where(target.eq(Double(ignoreIndex)), torch.zerosLike(target), target).to(.int64)
    torch.noGrad { _ = out.copy_(safe.reshape(out.dims)) }
  }

  /// A device without a fused kernel takes the exponential, then the product.
  func scaledSoftmax(logProbs: Tensor, scales: Tensor, into out: Tensor) {
    composedScaledSoftmax(logProbs: logProbs, scales: scales, into: out)
  }
}

/// exp(logProbs) · scales in two ops, the bits every fused form must give.
func composedScaledSoftmax(logProbs: Tensor, scales: Tensor, into out: Tensor) {
  torch.noGrad { _ = out.copy_(logProbs.exp() * scales) }
}
