// Attention: F.scaledDotProductAttention and nn.MultiheadAttention, in tensor ops (autograd,
// gradients of gradients and every device come with them), as PyTorch's reference math
// computes them.

extension F {
  /// softmax(q·kᵀ·scale + mask)·v over the last two dims (`F.scaled_dot_product_attention`):
  /// `query` [..., L, E], `key` [..., S, E], `value` [..., S, Ev]. A bool `attnMask` keeps the
  /// positions that are true; a float one is added to the scores. `isCausal` keeps position j
  /// for query i where j ≤ i. `scale` defaults to 1/√E. The nodes are those of the kernel
  /// PyTorch's CPU dispatch picks: one `ScaledDotProductFlashAttentionForCpuBackward0` for 4-D
  /// inputs of one head size without dropout, the reference math's last product otherwise;
  /// 3-D inputs run as 4-D and are squeezed back.
  public static func scaledDotProductAttention(_ query: Tensor, _ key: Tensor, _ value: Tensor, attnMask: Tensor? = nil,
                                               dropoutP: Double = 0, isCausal: Bool = false, scale: Double? = nil) -> Tensor {
    torchCheck(query.dim() >= 2 && key.dim() >= 2 && value.dim() >= 2,
      "scaled_dot_product_attention: expected query, key and value to be at least 2 dimensional, but got query.dim: \(query.dim()), key.dim: \(key.dim()) and value.dim: \(value.dim()) instead.")
    torchCheck(query.dtype == key.dtype && query.dtype == value.dtype,
      "Expected query, key, and value to have the same dtype, but got query.dtype: \(query.dtype) key.dtype: \(key.dtype) and value.dtype: \(value.dtype) instead.")
    torchCheck(!(isCausal && attnMask != nil), "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    torchCheck(query.dims.last == key.dims.last,
      "Expected query and key to have the same last dimension, but got \(query.dims.last!) and \(key.dims.last!)")
    if query.dim() == 3 && key.dim() == 3 && value.dim() == 3 {
      return scaledDotProductAttention(query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0), attnMask: attnMask,
                                       dropoutP: dropoutP, isCausal: isCausal, scale: scale).squeeze(0)
    }
    let (l, s) = (query.dims[query.dim() - 2], key.dims[key.dim() - 2])
    let factor = scale ?? 1 / Double(query.dims.last!).squareRoot()
    let bias = attentionBias(attnMask ?? (isCausal ? torch.ones([l, s], dtype: .bool, device: query.device).tril() : nil), like: query)
    // PyTorch draws this after the scores; nothing else draws in between.
    let keep = dropoutP > 0 ? dropoutMask(query.dims.dropLast() + [s], p: dropoutP, like: query) : nil
    func attention(_ x: [Tensor]) -> Tensor {
      var scores = x[0].matmul(x[1].transpose(-2, -1)) * factor
      if let bias { scores = scores + bias }
      var weights = scores.softmax(dim: -1)
      if let keep { weights = weights * keep }
      return weights.matmul(x[2])
    }
    let fused = query.dim() == 4 && key.dim() == 4 && value.dim() == 4 && value.dims.last == query.dims.last && dropoutP == 0
    guard fused else { return attention([query, key, value]) }
    let name = query.device == .cpu ? "ScaledDotProductFlashAttentionForCpuBackward0" : "ScaledDotProductEfficientAttentionBackward0"
    return Tensor.composite(name, [query, key, value], attention)
  }

  /// A mask as an additive bias: bool masks give 0 where true and −∞ where false.
  static func attentionBias(_ mask: Tensor?, like query: Tensor) -> Tensor? {
    guard let mask else { return nil }
    guard mask.dtype == .bool else { return mask.to(query.dtype) }
    return torch.where(mask, torch.zeros([], dtype: query.dtype, device: query.device),
                       torch.full([], -Double.infinity, dtype: query.dtype, device: query.device))
  }

  /// Dropout's scaled keep-mask (kept: 1/(1 − p), dropped: 0), as `F.dropout` draws it.
  static func dropoutMask(_ shape: [Int], p: Double, like x: Tensor, generator: Generator? = nil) -> Tensor {
    torchCheck(p >= 0 && p <= 1, "dropout probability has to be between 0 and 1, but got \(p)", kind: "ValueError")
    if p == 1 { return torch.zeros(shape, dtype: x.dtype, device: x.device) }
    let noise = Tensor(uninitialized: shape, dtype: x.dtype, device: x.device)
    if x.device == .cpu && (x.dtype == .float32 || x.dtype == .float64) {
      // The kept elements' 1 / (1 - p) as div_ rounds it (in float32 for float32), written by
      // the draws' own pass (0 / (1 - p) is the same 0).
      let scale = x.dtype == .float32 ? Double(Float(1) / Float(1 - p)) : 1 / (1 - p)
      return noise.bernoulliFill(1 - p, one: scale, generator: generator)
    }
    noise.bernoulli_(1 - p, generator: generator)
    return torch.noGrad { noise.div_(1 - p) }
  }
}

extension nn {
  /// Attention over `numHeads` heads of `embedDim / numHeads` (`torch.nn.MultiheadAttention`):
  /// one packed input projection (`in_proj_weight` [3E, E], xavier-uniform; zero biases) and
  /// `out_proj`. Query [L, N, E], key and value [S, N, E] (`batchFirst`: [N, L, E]; or
  /// unbatched [L, E]); returns the output and, with `needWeights`, the attention weights
  /// [N, L, S] (averaged over heads) or [N, heads, L, S]. Keys and values of other sizes
  /// (`kdim`, `vdim`), `add_bias_kv` and `add_zero_attn` are not supported.
  public final class MultiheadAttention: Module {
    public let embedDim: Int
    public let numHeads: Int
    public let dropout: Double
    public let batchFirst: Bool
    public let headDim: Int
    public let in_proj_weight: Tensor
    public let in_proj_bias: Tensor?
    public let out_proj: NonDynamicallyQuantizableLinear

    public init(_ embedDim: Int, _ numHeads: Int, dropout: Double = 0, bias: Bool = true, batchFirst: Bool = false,
                dtype: DType = .float32) {
      torchCheck(embedDim > 0 && numHeads > 0,
        "embed_dim and num_heads must be greater than 0, got embed_dim=\(embedDim) and num_heads=\(numHeads) instead", kind: "ValueError")
      torchCheck(embedDim % numHeads == 0, "embed_dim must be divisible by num_heads", kind: "AssertionError")
      (self.embedDim, self.numHeads, self.dropout, self.batchFirst) = (embedDim, numHeads, dropout, batchFirst)
      headDim = embedDim / numHeads
      in_proj_weight = nn.Parameter(torch.empty([3 * embedDim, embedDim], dtype: dtype))
      in_proj_bias = bias ? nn.Parameter(torch.empty([3 * embedDim], dtype: dtype)) : nil
      out_proj = NonDynamicallyQuantizableLinear(embedDim, embedDim, bias: bias, dtype: dtype)
      resetParameters()
    }

    /// PyTorch's `_reset_parameters` (after `out_proj` drew its own weights).
    public func resetParameters() {
      nn.`init`.xavierUniform_(in_proj_weight)
      if let in_proj_bias { nn.`init`.constant_(in_proj_bias, 0) }
      if let bias = out_proj.bias { nn.`init`.constant_(bias, 0) }
    }

    /// The output and the attention weights (nil unless `needWeights`). `keyPaddingMask`
    /// [N, S] marks keys to ignore (true, or a float added to the scores); `attnMask` [L, S]
    /// or [N·heads, L, S] is added to (float) or masks (true: not allowed, as PyTorch's
    /// module reads bool masks) the scores.
    public func callAsFunction(_ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor? = nil,
                               needWeights: Bool = true, attnMask: Tensor? = nil, averageAttnWeights: Bool = true,
                               isCausal: Bool = false) -> (Tensor, Tensor?) {
      torchCheck(query.dim() == 2 || query.dim() == 3,
        "query should be unbatched 2D or batched 3D tensor but received \(query.dim())-D query tensor", kind: "AssertionError")
      let batched = query.dim() == 3
      func layout(_ x: Tensor) -> Tensor { batched ? (batchFirst ? x.transpose(1, 0) : x) : x.unsqueeze(1) }
      let (q, k, v) = (layout(query), layout(key), layout(value))
      let (output, weights) = attend(q, k, v, keyPaddingMask: keyPaddingMask.map { batched ? $0 : $0.unsqueeze(0) },
                                     needWeights: needWeights, attnMask: attnMask, averageWeights: averageAttnWeights,
                                     isCausal: isCausal, sameInput: query === key && key === value)
      guard batched else { return (output.squeeze(1), weights?.squeeze(0)) }
      return (batchFirst ? output.transpose(1, 0) : output, weights)
    }

    /// A module of several inputs is called with them (`mha(q, k, v)`).
    public func forward(_ input: Tensor) -> Tensor {
      torchFail("MultiheadAttention takes query, key and value: call it as `let (output, weights) = mha(query, key, value)`")
    }

    /// PyTorch's `multi_head_attention_forward` on [L, N, E] inputs.
    private func attend(_ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor?, needWeights: Bool,
                        attnMask: Tensor?, averageWeights: Bool, isCausal: Bool, sameInput: Bool) -> (Tensor, Tensor?) {
      // PyTorch's is_causal is a hint that attnMask is the causal mask; the mask is what counts.
      torchCheck(!isCausal || attnMask != nil,
        "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method `generate_square_subsequent_mask` to create this mask.")
      let (l, n, e) = (query.dims[0], query.dims[1], query.dims[2])
      let s = key.dims[0]
      torchCheck(e == embedDim, "was expecting embedding dimension of \(embedDim), but got \(e)", kind: "AssertionError")
      torchCheck(key.dims == value.dims, "key shape \(key.shape) does not match value shape \(value.shape)", kind: "AssertionError")
      let (q, k, v) = project(query, key, value, sameInput: sameInput)
      // [L, N, E] → [N·heads, L, headDim].
      func heads(_ x: Tensor, _ length: Int) -> Tensor { x.view(length, n * numHeads, headDim).transpose(0, 1) }
      var mask = F.attentionBias(attnMask.map { $0.dtype == .bool ? $0.logicalNot() : $0 }, like: query)
      if let m = mask, m.dim() == 2 {
        torchCheck(m.dims == [l, s], "The shape of the 2D attn_mask is \(m.shape), but should be \(Size([l, s])).")
        mask = m.unsqueeze(0)
      }
      if let padding = keyPaddingMask {
        torchCheck(padding.dims == [n, s], "expecting key_padding_mask shape of \(Size([n, s])), but got \(padding.shape)", kind: "AssertionError")
        let bias = F.attentionBias(padding.dtype == .bool ? padding.logicalNot() : padding, like: query)!
          .view(n, 1, 1, s).expand(-1, numHeads, -1, -1).reshape([n * numHeads, 1, s])
        mask = mask.map { $0 + bias } ?? bias
      }
      let dropoutP = isTraining ? dropout : 0
      let (qh, kh, vh) = (heads(q, l), heads(k, s), heads(v, s))
      if needWeights {
        var scores = (qh * (1 / Double(headDim)).squareRoot()).matmul(kh.transpose(-2, -1))
        if let mask { scores = mask + scores }
        var weights = scores.softmax(dim: -1)
        if dropoutP > 0 { weights = F.dropout(weights, p: dropoutP) }
        let attended = weights.matmul(vh).transpose(0, 1).contiguous().view(l * n, embedDim)
        let output = out_proj(attended).view(l, n, embedDim)
        let perHead = weights.view(n, numHeads, l, s)
        return (output, averageWeights ? perHead.mean(dim: 1) : perHead)
      }
      let perBatch = mask.map { $0.dims[0] == 1 ? $0.view(1, 1, l, s) : $0.view(n, numHeads, -1, s) }
      let attended = F.scaledDotProductAttention(qh.view(n, numHeads, l, headDim), kh.view(n, numHeads, s, headDim),
                                                 vh.view(n, numHeads, s, headDim), attnMask: perBatch, dropoutP: dropoutP)
      let output = out_proj(attended.permute(2, 0, 1, 3).contiguous().view(n * l, embedDim)).view(l, n, embedDim)
      return (output, nil)
    }

    /// q, k, v from the packed projection: one product when query, key and value are the
    /// same tensor (self-attention), as PyTorch's `_in_projection_packed`.
    private func project(_ query: Tensor, _ key: Tensor, _ value: Tensor, sameInput: Bool) -> (Tensor, Tensor, Tensor) {
      if sameInput {
        let packed = F.linear(query, in_proj_weight, in_proj_bias).chunk(3, dim: -1).map { $0.contiguous() }
        return (packed[0], packed[1], packed[2])
      }
      let w = in_proj_weight.chunk(3), b = in_proj_bias?.chunk(3)
      return (F.linear(query, w[0], b?[0]), F.linear(key, w[1], b?[1]), F.linear(value, w[2], b?[2]))
    }
  }
}
