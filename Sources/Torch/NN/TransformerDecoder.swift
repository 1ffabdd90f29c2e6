extension nn {
  /// One Transformer decoder block (`torch.nn.TransformerDecoderLayer`): self-attention over the
  /// target, attention from the target to `memory` (the encoder's output), then a feed-forward
  /// network (Linear → activation → dropout → Linear), each with dropout, a residual connection
  /// and LayerNorm (after it, or before it with `normFirst`). Submodules are drawn in PyTorch's
  /// order, so a seeded layer starts with PyTorch's weights.
  public final class TransformerDecoderLayer: Module {
    public let self_attn: MultiheadAttention
    public let multihead_attn: MultiheadAttention
    public let linear1: Linear
    public let dropout: Dropout
    public let linear2: Linear
    public let norm1: LayerNorm
    public let norm2: LayerNorm
    public let norm3: LayerNorm
    public let dropout1: Dropout
    public let dropout2: Dropout
    public let dropout3: Dropout
    public let normFirst: Bool
    /// "relu" or "gelu".
    public let activation: String

    public init(dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: String = "relu",
                layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true,
                dtype: DType = .float32) {
      torchCheck(activation == "relu" || activation == "gelu", "activation should be relu/gelu, not \(activation)")
      self_attn = MultiheadAttention(dModel, nhead, dropout: dropout, bias: bias, batchFirst: batchFirst, dtype: dtype)
      multihead_attn = MultiheadAttention(dModel, nhead, dropout: dropout, bias: bias, batchFirst: batchFirst, dtype: dtype)
      linear1 = Linear(dModel, dimFeedforward, bias: bias, dtype: dtype)
      self.dropout = Dropout(p: dropout)
      linear2 = Linear(dimFeedforward, dModel, bias: bias, dtype: dtype)
      (norm1, norm2, norm3) = (LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype),
                               LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype),
                               LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype))
      (dropout1, dropout2, dropout3) = (Dropout(p: dropout), Dropout(p: dropout), Dropout(p: dropout))
      (self.normFirst, self.activation) = (normFirst, activation)
    }

    /// `TransformerDecoderLayer(d_model=8, nhead=2)`.
    public convenience init(_ dModel: Int, _ nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1,
                            activation: String = "relu", batchFirst: Bool = false, normFirst: Bool = false) {
      self.init(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout, activation: activation,
                batchFirst: batchFirst, normFirst: normFirst)
    }

    /// A module of two inputs is called with them (`layer(tgt, memory)`).
    public func forward(_ input: Tensor) -> Tensor {
      torchFail("TransformerDecoderLayer takes the target and the memory: call it as `layer(tgt, memory)`")
    }

    /// The block over `tgt` [T, N, E] attending to `memory` [S, N, E] (or [N, T, E] and
    /// [N, S, E] with `batchFirst`, or unbatched [T, E] and [S, E]). The masks are
    /// MultiheadAttention's: `tgtMask` [T, T] and `tgtKeyPaddingMask` [N, T] for the
    /// self-attention, `memoryMask` [T, S] and `memoryKeyPaddingMask` [N, S] for the attention
    /// to the memory; `tgtIsCausal` and `memoryIsCausal` say the matching mask is causal.
    public func callAsFunction(_ tgt: Tensor, _ memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil,
                               tgtIsCausal: Bool = false, memoryIsCausal: Bool = false) -> Tensor {
      var x = tgt
      if normFirst {
        x = x + selfAttentionBlock(norm1(x), tgtMask, tgtKeyPaddingMask, tgtIsCausal)
        x = x + memoryAttentionBlock(norm2(x), memory, memoryMask, memoryKeyPaddingMask, memoryIsCausal)
        x = x + feedForwardBlock(norm3(x), then: dropout3)
      } else {
        x = norm1(x + selfAttentionBlock(x, tgtMask, tgtKeyPaddingMask, tgtIsCausal))
        x = norm2(x + memoryAttentionBlock(x, memory, memoryMask, memoryKeyPaddingMask, memoryIsCausal))
        x = norm3(x + feedForwardBlock(x, then: dropout3))
      }
      return x
    }

    private func memoryAttentionBlock(_ x: Tensor, _ memory: Tensor, _ mask: Tensor?, _ padding: Tensor?, _ isCausal: Bool) -> Tensor {
      dropout2(multihead_attn(x, memory, memory, keyPaddingMask: padding, needWeights: false, attnMask: mask, isCausal: isCausal).0)
    }

    /// A new layer of the same configuration holding a copy of these weights (`copy.deepcopy`),
    /// drawing nothing from the generator.
    public func copy() -> TransformerDecoderLayer { copiedLayer() }
  }

  /// A stack of `numLayers` copies of `decoderLayer` (`torch.nn.TransformerDecoder`: the copies
  /// start with the given layer's weights, as PyTorch's deep copies do), then `norm` if given.
  public final class TransformerDecoder: Module {
    public let layers: [TransformerDecoderLayer]
    public let numLayers: Int
    public let norm: LayerNorm?

    public init(_ decoderLayer: TransformerDecoderLayer, numLayers: Int, norm: LayerNorm? = nil) {
      layers = (0..<numLayers).map { _ in decoderLayer.copy() }
      self.numLayers = numLayers
      self.norm = norm
    }

    public func forward(_ input: Tensor) -> Tensor {
      torchFail("TransformerDecoder takes the target and the memory: call it as `decoder(tgt, memory)`")
    }

    /// Every layer in turn with the same masks, then `norm`. `tgtIsCausal` nil: as PyTorch,
    /// the target mask counts as causal when it equals `Transformer.generateSquareSubsequentMask`.
    public func callAsFunction(_ tgt: Tensor, _ memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil,
                               tgtIsCausal: Bool? = nil, memoryIsCausal: Bool = false) -> Tensor {
      let length = tgt.size(tgt.dim() == 3 && layers.first?.self_attn.batchFirst == true ? 1 : 0)
      let causal = Transformer.isCausalMask(tgtMask, declared: tgtIsCausal, size: length)
      let output = layers.reduce(tgt) { x, layer in
        layer(x, memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
              memoryKeyPaddingMask: memoryKeyPaddingMask, tgtIsCausal: causal, memoryIsCausal: memoryIsCausal)
      }
      return norm.map { $0(output) } ?? output
    }
  }
}
