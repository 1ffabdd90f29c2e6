/// Which layers the per-sample CPU path (`CPUConvolution`) takes, and which run as one
/// product over the batch (`Tensor.rawConvolution` and its gradients).
extension CPUConvolution {
  /// Whether the per-sample path computes this layer's gradients: float32 on the CPU, for a
  /// layer that is not better run as one product over the batch (`batchesProducts`).
  static func handles(_ geometry: ConvolutionGeometry, _ tensors: Tensor...) -> Bool {
    areFloat32OnCPU(tensors) && !batchesProducts(geometry)
  }

  /// Whether the per-sample path computes this layer's forward: as `handles`, except that a
  /// layer on the direct kernel keeps it down to 4×4 planes (256→256 3×3 on 4×4, batch 32:
  /// 3.2 ms direct, 4.3–4.7 as one product, whose columns cost more than the product saves).
  static func handlesForward(_ geometry: ConvolutionGeometry, _ tensors: Tensor...) -> Bool {
    areFloat32OnCPU(tensors) && (!batchesProducts(geometry)
      || (geometry.window.positions >= 16 && CPUConvolution(geometry: geometry, batch: 1).usesDirectKernel))
  }

  private static func areFloat32OnCPU(_ tensors: [Tensor]) -> Bool {
    tensors.allSatisfy { $0.device == .cpu && $0.dtype == .float32 }
  }

  /// A layer with small output planes and a large weight (a ResNet's last stages) runs as one
  /// product over the whole batch: columns [C_in·kh·kw, N·oh·ow] through the threaded GEMM
  /// (`Tensor.rawConvolution` and its gradients). Per sample, its product has only oh·ow
  /// columns and streams the whole weight for them, and each weight-gradient slot adds a
  /// weight-sized partial per sample. Batch 32, ms per sample-wise → one product (forward,
  /// backward): 512→512 3×3 on 2×2 13.6–14.3 → 5.5–5.7, 99–105 → 10.6–10.8; 256→512 3×3
  /// stride 2 on 4×4 7.2 → 2.6–2.7, 41 → 5.0–5.1; 256→256 3×3 on 4×4, backward 12.0–12.3 → 8.4.
  /// A weight that stays in the caches costs little to re-read: small layers keep the per-sample
  /// path.
  static func batchesProducts(_ geometry: ConvolutionGeometry) -> Bool {
    geometry.window.positions < fewPositions
      && geometry.outChannels * geometry.inChannels / geometry.groups * geometry.window.taps >= largeWeight
  }
  /// Output planes smaller than this (8×8) count as small.
  static let fewPositions = 64
  /// Weights of at least this many floats (256 KB) count as large.
  static let largeWeight = 1 << 16
}
