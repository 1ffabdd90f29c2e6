extension nn {
  /// A lookup table of `numEmbeddings` vectors of `embeddingDim` (`torch.nn.Embedding`): integer
  /// indices of any shape become their rows, shape indices + [embeddingDim]. Initialized from
  /// N(0, 1) as PyTorch's (the same draws after the same seed), the `paddingIdx` row zero; that
  /// row gets no gradient.
  public final class Embedding: Module {
    public let numEmbeddings: Int
    public let embeddingDim: Int
    /// The row that stays zero and untrained (PyTorch's `padding_idx`, made non-negative).
    public let paddingIdx: Int?
    public let weight: Tensor

    public init(_ numEmbeddings: Int, _ embeddingDim: Int, paddingIdx: Int? = nil, dtype: DType = .float32) {
      (self.numEmbeddings, self.embeddingDim) = (numEmbeddings, embeddingDim)
      self.paddingIdx = paddingIdx.map { Embedding.checkedPaddingIndex($0, numEmbeddings) }
      weight = nn.Parameter(torch.empty(numEmbeddings, embeddingDim, dtype: dtype))
      resetParameters()
    }

    /// A table that is `weight` itself (PyTorch's `_weight`): nothing drawn.
    private init(weight: Tensor, paddingIdx: Int?, requiresGrad: Bool) {
      (numEmbeddings, embeddingDim) = (weight.dims[0], weight.dims[1])
      self.paddingIdx = paddingIdx.map { Embedding.checkedPaddingIndex($0, weight.dims[0]) }
      self.weight = nn.Parameter(weight, requiresGrad: requiresGrad)
    }

    /// `nn.Embedding.from_pretrained(embeddings, freeze=True, padding_idx=None)`: the table is
    /// `embeddings` itself (its memory, as PyTorch's parameter shares it; nothing is drawn from
    /// the generator), trained unless frozen.
    public static func fromPretrained(_ embeddings: Tensor, freeze: Bool = true, paddingIdx: Int? = nil) -> Embedding {
      torchCheck(embeddings.dim() == 2, "Embeddings parameter is expected to be 2-dimensional", kind: "AssertionError")
      return Embedding(weight: embeddings, paddingIdx: paddingIdx, requiresGrad: !freeze)
    }

    /// Draws fresh rows from N(0, 1) and zeroes the padding row (`reset_parameters`).
    public func resetParameters() {
      nn.`init`.normal_(weight)
      if let paddingIdx { torch.noGrad { _ = weight[paddingIdx].fill_(0) } }
    }

    public func forward(_ input: Tensor) -> Tensor { F.embedding(input, weight, paddingIdx: paddingIdx) }

    public var extraRepr: String { "\(numEmbeddings), \(embeddingDim)" + (paddingIdx.map { ", padding_idx=\($0)" } ?? "") }

    private static func checkedPaddingIndex(_ index: Int, _ count: Int) -> Int {
      torchCheck(index < count && index >= -count, "Padding_idx must be within num_embeddings", kind: "AssertionError")
      return index < 0 ? index + count : index
    }
  }
}

extension F {
  /// Rows of `weight` at integer `input` (`F.embedding`, node `EmbeddingBackward0`): shape
  /// input + [weight's columns]. The gradient adds each output row into its table row, except
  /// rows at `paddingIdx`.
  public static func embedding(_ input: Tensor, _ weight: Tensor, paddingIdx: Int? = nil) -> Tensor {
    torchCheck(input.dtype == .int64,
      "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got \(input.type()) instead (while checking arguments for embedding)")
    torchCheck(weight.dim() == 2, "'weight' must be 2-D")
    let (rows, columns) = (weight.dims[0], weight.dims[1])
    let padding = paddingIdx.map { $0 < 0 ? $0 + rows : $0 }
    let flat = input.reshape([-1])
    let picked = GradMode.with(enabled: false) { weight.detach().indexSelect(0, flat) }.reshape(input.dims + [columns])
    return picked.recording("EmbeddingBackward0", [weight]) { g in
      var contributions = g.reshape([-1, columns])
      if let padding { contributions = contributions * flat.ne(Double(padding)).to(g.dtype).unsqueeze(1) }
      return [torch.zeros([rows, columns], dtype: g.dtype, device: g.device).indexAdd(0, flat, contributions)]
    }
  }

  /// The cosine of the angle between `x1` and `x2` along `dim` (`F.cosine_similarity`), as
  /// PyTorch computes it: Σ (x1/max(‖x1‖, eps)) · (x2/max(‖x2‖, eps)); inputs broadcast.
  public static func cosineSimilarity(_ x1: Tensor, _ x2: Tensor, dim: Int = 1, eps: Double = 1e-8) -> Tensor {
    let shape = broadcastShapes(x1.dims, x2.dims)
    let (a, b) = (x1.expand(shape), x2.expand(shape))
    func unit(_ x: Tensor) -> Tensor { x / x.norm(2, dim: dim, keepdim: true).clamp(min: eps) }
    return (unit(a) * unit(b)).sum(dim: dim)
  }

  /// `x / max(‖x‖ₚ, eps)` along `dim` (`F.normalize`): unit vectors, zero vectors left zero.
  public static func normalize(_ input: Tensor, p: Double = 2, dim: Int = 1, eps: Double = 1e-12) -> Tensor {
    input / input.norm(p, dim: dim, keepdim: true).clamp(min: eps).expandAs(input)
  }
}
