extension nn {
  /// The encoder-decoder Transformer (`torch.nn.Transformer`): a TransformerEncoder of
  /// `numEncoderLayers` layers with a final LayerNorm, whose output is the memory of a
  /// TransformerDecoder of `numDecoderLayers` layers with a final LayerNorm. Built in PyTorch's
  /// order and then, as PyTorch's `_reset_parameters`, every parameter of more than one
  /// dimension redrawn by `xavierUniform_`, so a seeded model starts with PyTorch's weights.
  public final class Transformer: Module {
    public let encoder: TransformerEncoder
    public let decoder: TransformerDecoder
    public let dModel: Int
    public let nhead: Int
    public let batchFirst: Bool

    public init(dModel: Int = 512, nhead: Int = 8, numEncoderLayers: Int = 6, numDecoderLayers: Int = 6,
                dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: String = "relu", layerNormEps: Double = 1e-5,
                batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true, dtype: DType = .float32) {
      let encoderLayer = TransformerEncoderLayer(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout,
                                                 activation: activation, layerNormEps: layerNormEps, batchFirst: batchFirst,
                                                 normFirst: normFirst, bias: bias, dtype: dtype)
      encoder = TransformerEncoder(encoderLayer, numLayers: numEncoderLayers,
                                   norm: LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype))
      let decoderLayer = TransformerDecoderLayer(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout,
                                                 activation: activation, layerNormEps: layerNormEps, batchFirst: batchFirst,
                                                 normFirst: normFirst, bias: bias, dtype: dtype)
      decoder = TransformerDecoder(decoderLayer, numLayers: numDecoderLayers,
                                   norm: LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype))
      (self.dModel, self.nhead, self.batchFirst) = (dModel, nhead, batchFirst)
      for parameter in parameters() where parameter.dim() > 1 { nn.`init`.xavierUniform_(parameter) }
    }

    public func forward(_ input: Tensor) -> Tensor {
      torchFail("Transformer takes the source and the target: call it as `model(src, tgt)`")
    }

    /// The decoder's output for `tgt` [T, N, E] attending to the encoding of `src` [S, N, E]
    /// (batch first with `batchFirst`; unbatched [S, E] and [T, E]). The masks are the
    /// encoder's (`srcMask`, `srcKeyPaddingMask`) and the decoder's (`tgtMask`,
    /// `tgtKeyPaddingMask`; `memoryMask`, `memoryKeyPaddingMask` for its attention to the
    /// encoding); an `...IsCausal` left nil is detected from its mask, as PyTorch does.
    public func callAsFunction(_ src: Tensor, _ tgt: Tensor, srcMask: Tensor? = nil, tgtMask: Tensor? = nil,
                               memoryMask: Tensor? = nil, srcKeyPaddingMask: Tensor? = nil, tgtKeyPaddingMask: Tensor? = nil,
                               memoryKeyPaddingMask: Tensor? = nil, srcIsCausal: Bool? = nil, tgtIsCausal: Bool? = nil,
                               memoryIsCausal: Bool = false) -> Tensor {
      let batched = src.dim() == 3
      torchCheck(!batched || src.size(batchFirst ? 0 : 1) == tgt.size(batchFirst ? 0 : 1), "the batch number of src and tgt must be equal")
      torchCheck(src.size(-1) == dModel && tgt.size(-1) == dModel, "the feature number of src and tgt must be equal to d_model")
      let sourceLength = src.size(batched && batchFirst ? 1 : 0)
      let memory = encoder(src, mask: srcMask, srcKeyPaddingMask: srcKeyPaddingMask,
                           isCausal: Self.isCausalMask(srcMask, declared: srcIsCausal, size: sourceLength))
      return decoder(tgt, memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
                     memoryKeyPaddingMask: memoryKeyPaddingMask, tgtIsCausal: tgtIsCausal, memoryIsCausal: memoryIsCausal)
    }

    /// A float mask [size, size] with −inf above the diagonal and 0 elsewhere
    /// (`generate_square_subsequent_mask`): position i attends to positions up to i.
    public static func generateSquareSubsequentMask(_ size: Int, dtype: DType = .float32, device: Device = .cpu) -> Tensor {
      torch.full([size, size], -Double.infinity, dtype: dtype, device: device).triu(1)
    }

    /// PyTorch's `_detect_is_causal_mask`: a declared flag stands; else a mask counts as causal
    /// when it equals the square subsequent mask of `size` (a bool mask: true above the diagonal).
    static func isCausalMask(_ mask: Tensor?, declared: Bool?, size: Int) -> Bool {
      if let declared { return declared }
      guard let mask, mask.dims == [size, size] else { return false }
      let causal = generateSquareSubsequentMask(size, dtype: mask.dtype == .bool ? .float32 : mask.dtype, device: mask.device)
      return mask.dtype == .bool ? mask.equal(causal.isinf()) : mask.equal(causal)
    }
  }
}
