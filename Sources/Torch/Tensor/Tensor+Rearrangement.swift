// Rearrangements: roll and repeat_interleave.

extension Tensor {
  /// Shifts elements along `dims` by `shifts`, wrapping around (`torch.roll`, node
  /// `RollBackward0`); with no dims, over the flattened tensor, keeping its shape.
  public func roll(_ shifts: [Int], dims rollDims: [Int] = []) -> Tensor {
    torchCheck(rollDims.isEmpty ? shifts.count == 1 : shifts.count == rollDims.count,
      "shifts and dimensions must align. shifts: \(shifts.count), dims:\(rollDims.count)")
    let axes = rollDims.map { wrapDim($0, Swift.max(dims.count, 1)) }
    let shape = dims
    return Tensor.composite("RollBackward0", [self]) { inputs in
      guard !axes.isEmpty else { return inputs[0].reshape([-1]).rolled(shifts[0], along: 0).reshape(shape) }
      return zip(shifts, axes).reduce(inputs[0]) { x, step in x.rolled(step.0, along: step.1) }
    }
  }

  /// `roll` by one shift along one dim, or over the flattened tensor.
  public func roll(_ shift: Int, dim: Int? = nil) -> Tensor { roll([shift], dims: dim.map { [$0] } ?? []) }

  /// The last `shift` elements along `dim` moved to the front (a negative shift moves the first).
  private func rolled(_ shift: Int, along dim: Int) -> Tensor {
    let size = dims.isEmpty ? 1 : dims[dim]
    guard size > 0 else { return self }
    let s = ((shift % size) + size) % size
    guard s != 0 else { return self }
    return torch.cat([narrow(dim, start: size - s, length: s), narrow(dim, start: 0, length: size - s)], dim: dim)
  }

  /// Each element (or each slice along `dim`) repeated `repeats` times in place, as
  /// `torch.repeat_interleave(x, repeats, dim)`; with no dim, over the flattened tensor.
  public func repeatInterleave(_ repeats: Int, dim: Int? = nil) -> Tensor {
    torchCheck(repeats >= 0, "repeats can not be negative")
    guard let dim else { return reshape([-1]).repeatInterleave(repeats, dim: 0) }
    let d = wrapDim(dim, Swift.max(dims.count, 1))
    var expanded = dims
    expanded.insert(repeats, at: d + 1)
    var result = dims
    result[d] *= repeats
    return unsqueeze(d + 1).expand(expanded).contiguous().view(result)
  }
}

extension torch {
  public static func roll(_ x: Tensor, _ shifts: [Int], dims: [Int] = []) -> Tensor { x.roll(shifts, dims: dims) }
  public static func roll(_ x: Tensor, _ shift: Int, dim: Int? = nil) -> Tensor { x.roll(shift, dim: dim) }
  public static func repeatInterleave(_ x: Tensor, _ repeats: Int, dim: Int? = nil) -> Tensor { x.repeatInterleave(repeats, dim: dim) }
}
