// Triangles of matrices (tril, triu: causal attention masks, triangular factors) and tiling
// (repeat).

extension Tensor {
  /// The lower triangle of the last two dims, on and below diagonal `diagonal` (`torch.tril`,
  /// node `TrilBackward0`); the rest zero.
  public func tril(_ diagonal: Int = 0) -> Tensor { triangle(diagonal, lower: true) }
  /// The upper triangle of the last two dims, on and above diagonal `diagonal` (`torch.triu`,
  /// node `TriuBackward0`).
  public func triu(_ diagonal: Int = 0) -> Tensor { triangle(diagonal, lower: false) }

  private func triangle(_ diagonal: Int, lower: Bool) -> Tensor {
    let name = lower ? "tril" : "triu"
    torchCheck(dims.count >= 2, "\(name): input tensor must have at least 2 dimensions")
    let (rows, columns) = (dims[dims.count - 2], dims[dims.count - 1])
    let offset = torch.arange(columns, device: device).unsqueeze(0) - torch.arange(rows, device: device).unsqueeze(1)
    let keep = lower ? offset.le(Double(diagonal)) : offset.ge(Double(diagonal))
    let result = GradMode.with(enabled: false) { torch.where(keep, self, torch.zeros([], dtype: dtype, device: device)) }
    return result.recording(lower ? "TrilBackward0" : "TriuBackward0", [self]) { g in [g.triangle(diagonal, lower: lower)] }
  }

  /// The tensor tiled `repeats[i]` times along each dim (`x.repeat(2, 3)`, node
  /// `RepeatBackward0`); extra leading repeats add dims. A copy, as PyTorch's.
  public func `repeat`(_ repeats: Int...) -> Tensor { `repeat`(repeats) }
  public func `repeat`(_ repeats: [Int]) -> Tensor {
    torchCheck(repeats.count >= dims.count, "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    torchCheck(repeats.allSatisfy { $0 >= 0 }, "Trying to create tensor with negative dimension \(repeats.first { $0 < 0 }!): \(repeats)")
    let padded = Array(repeating: 1, count: repeats.count - dims.count) + dims
    // [r0, s0, r1, s1, ...]: each size beside its repeat count, expanded then flattened in pairs.
    let interleaved = zip(repeats, padded).flatMap { [$0, $1] }
    let target = zip(repeats, padded).map { $0 * $1 }
    let tiled = GradMode.with(enabled: false) {
      reshape(padded.flatMap { [1, $0] }).expand(interleaved).contiguous().reshape(target)
    }
    let repeatAxes = repeats.indices.map { 2 * $0 }, original = dims
    return tiled.recording("RepeatBackward0", [self]) { g in
      [g.reshape(interleaved).sum(dims: repeatAxes).reshape(original)]
    }
  }
}

extension torch {
  /// `torch.tril(x, diagonal)`.
  public static func tril(_ input: Tensor, diagonal: Int = 0) -> Tensor { input.tril(diagonal) }
  /// `torch.triu(x, diagonal)`.
  public static func triu(_ input: Tensor, diagonal: Int = 0) -> Tensor { input.triu(diagonal) }
}
