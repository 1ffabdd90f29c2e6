extension Backend {
  /// A device without a fused kernel takes the exponential, then the product.
  func scaledSoftmax(logProbs: Tensor, scales: Tensor, into out: Tensor) {
    composedScaledSoftmax(logProbs: logProbs, scales: scales, into: out)
  }
}

/// exp(logProbs) · scales in two ops, the bits every fused form must give.
func composedScaledSoftmax(logProbs: Tensor, scales: Tensor, into out: Tensor) {
  torch.noGrad { _ = out.copy_(logProbs.exp() * scales) }
}
