extension nn {
  /// One Transformer encoder block (`torch.nn.TransformerEncoderLayer`): self-attention, then a
  /// feed-forward network (Linear → activation → dropout → Linear), each with dropout, a
  /// residual connection and LayerNorm (after it, or before it with `normFirst`). Submodules
  /// are drawn in PyTorch's order, so a seeded layer starts with PyTorch's weights.
  public final class TransformerEncoderLayer: Module {
    public let self_attn: MultiheadAttention
    public let linear1: Linear
    public let dropout: Dropout
    public let linear2: Linear
    public let norm1: LayerNorm
    public let norm2: LayerNorm
    public let dropout1: Dropout
    public let dropout2: Dropout
    public let normFirst: Bool
    /// "relu" or "gelu".
    public let activation: String

    public init(dModel: Int, nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1, activation: String = "relu",
                layerNormEps: Double = 1e-5, batchFirst: Bool = false, normFirst: Bool = false, bias: Bool = true,
                dtype: DType = .float32) {
      torchCheck(activation == "relu" || activation == "gelu", "activation should be relu/gelu, not \(activation)")
      self_attn = MultiheadAttention(dModel, nhead, dropout: dropout, bias: bias, batchFirst: batchFirst, dtype: dtype)
      linear1 = Linear(dModel, dimFeedforward, bias: bias, dtype: dtype)
      self.dropout = Dropout(p: dropout)
      linear2 = Linear(dimFeedforward, dModel, bias: bias, dtype: dtype)
      norm1 = LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype)
      norm2 = LayerNorm(dModel, eps: layerNormEps, bias: bias, dtype: dtype)
      (dropout1, dropout2) = (Dropout(p: dropout), Dropout(p: dropout))
      (self.normFirst, self.activation) = (normFirst, activation)
    }

    /// `TransformerEncoderLayer(d_model=8, nhead=2)`.
    public convenience init(_ dModel: Int, _ nhead: Int, dimFeedforward: Int = 2048, dropout: Double = 0.1,
                            activation: String = "relu", batchFirst: Bool = false, normFirst: Bool = false) {
      self.init(dModel: dModel, nhead: nhead, dimFeedforward: dimFeedforward, dropout: dropout, activation: activation,
                batchFirst: batchFirst, normFirst: normFirst)
    }

    public func forward(_ input: Tensor) -> Tensor { callAsFunction(input, srcMask: nil) }

    /// The block over `src` [S, N, E] (or [N, S, E] with `batchFirst`, or [S, E]).
    /// `srcMask` [S, S] and `srcKeyPaddingMask` [N, S] are MultiheadAttention's masks (true:
    /// not attended, or a float added to the scores); `isCausal` says `srcMask` is causal.
    public func callAsFunction(_ src: Tensor, srcMask: Tensor? = nil, srcKeyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
      var x = src
      if normFirst {
        x = x + selfAttentionBlock(norm1(x), srcMask, srcKeyPaddingMask, isCausal)
        x = x + feedForwardBlock(norm2(x), then: dropout2)
      } else {
        x = norm1(x + selfAttentionBlock(x, srcMask, srcKeyPaddingMask, isCausal))
        x = norm2(x + feedForwardBlock(x, then: dropout2))
      }
      return x
    }

    /// A new layer of the same configuration holding a copy of these weights (`copy.deepcopy`),
    /// drawing nothing from the generator.
    public func copy() -> TransformerEncoderLayer { copiedLayer() }
  }

  /// A stack of `numLayers` copies of `encoderLayer` (`torch.nn.TransformerEncoder`: the copies
  /// start with the given layer's weights, as PyTorch's deep copies do), then `norm` if given.
  public final class TransformerEncoder: Module {
    public let layers: [TransformerEncoderLayer]
    public let numLayers: Int
    public let norm: LayerNorm?

    public init(_ encoderLayer: TransformerEncoderLayer, numLayers: Int, norm: LayerNorm? = nil) {
      layers = (0..<numLayers).map { _ in encoderLayer.copy() }
      self.numLayers = numLayers
      self.norm = norm
    }

    public func forward(_ input: Tensor) -> Tensor { callAsFunction(input, mask: nil) }

    /// Every layer in turn with the same masks, then `norm`.
    public func callAsFunction(_ src: Tensor, mask: Tensor? = nil, srcKeyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
      let output = layers.reduce(src) { x, layer in layer(x, srcMask: mask, srcKeyPaddingMask: srcKeyPaddingMask, isCausal: isCausal) }
      return norm.map { $0(output) } ?? output
    }
  }
}

extension nn.TransformerEncoderLayer: TransformerLayerParts {}
extension nn.TransformerDecoderLayer: TransformerLayerParts {}

/// What PyTorch's encoder and decoder layers share: their self-attention and feed-forward
/// blocks (`_sa_block`, `_ff_block`) and their configuration, so both compute and copy through
/// one definition.
protocol TransformerLayerParts: Module {
  var self_attn: nn.MultiheadAttention { get }
  var linear1: nn.Linear { get }
  var dropout: nn.Dropout { get }
  var linear2: nn.Linear { get }
  var norm1: nn.LayerNorm { get }
  var dropout1: nn.Dropout { get }
  var normFirst: Bool { get }
  var activation: String { get }
  init(dModel: Int, nhead: Int, dimFeedforward: Int, dropout: Double, activation: String, layerNormEps: Double,
       batchFirst: Bool, normFirst: Bool, bias: Bool, dtype: DType)
}

extension TransformerLayerParts {
  /// Self-attention over `x`, then `dropout1`.
  func selfAttentionBlock(_ x: Tensor, _ mask: Tensor?, _ padding: Tensor?, _ isCausal: Bool) -> Tensor {
    dropout1(self_attn(x, x, x, keyPaddingMask: padding, needWeights: false, attnMask: mask, isCausal: isCausal).0)
  }

  /// Linear → activation → dropout → Linear, then the layer's last dropout.
  func feedForwardBlock(_ x: Tensor, then outputDropout: nn.Dropout) -> Tensor {
    let hidden = linear1(x)
    return outputDropout(linear2(dropout(activation == "relu" ? hidden.relu() : hidden.gelu())))
  }

  /// A layer of the same configuration holding a copy of these weights, drawing nothing from
  /// the generator.
  func copiedLayer() -> Self {
    deepCopy {
      Self(dModel: self_attn.embedDim, nhead: self_attn.numHeads, dimFeedforward: linear1.outFeatures, dropout: dropout.p,
           activation: activation, layerNormEps: norm1.eps, batchFirst: self_attn.batchFirst, normFirst: normFirst,
           bias: linear1.bias != nil, dtype: linear1.weight.dtype)
    }
  }
}
