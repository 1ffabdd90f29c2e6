// Sorting: sort, argsort and topk along a dim.

extension Tensor {
  /// The elements along `dim` in ascending (or descending) order, with where each came from
  /// (`torch.sort`, node `SortBackward0`). NaN sorts above every number; equal values keep
  /// their order (as PyTorch's `stable=True`, which its CPU sort gives anyway).
  public func sort(dim: Int = -1, descending: Bool = false) -> (values: Tensor, indices: Tensor) {
    let (values, indices) = sorted(dim: dim, descending: descending)
    return (placingGradient(of: values.contiguous(), at: indices.contiguous(), dim: dim, node: "SortBackward0"), indices.contiguous())
  }

  /// The indices that sort `dim` (`torch.argsort`): `sort(dim:descending:).indices`.
  public func argsort(dim: Int = -1, descending: Bool = false) -> Tensor {
    GradMode.with(enabled: false) { sorted(dim: dim, descending: descending).indices.contiguous() }
  }

  /// The `k` largest (or smallest) elements along `dim`, largest (smallest) first, with their
  /// indices (`torch.topk`, node `TopkBackward0`). Ties come in index order; PyTorch leaves
  /// their order unspecified (its CPU topk may pick a later duplicate first), so tied indices
  /// can differ from PyTorch's while the values agree. Always sorted (PyTorch's `sorted=True`).
  public func topk(_ k: Int, dim: Int = -1, largest: Bool = true) -> (values: Tensor, indices: Tensor) {
    let d = dims.isEmpty ? 0 : wrapDim(dim, dims.count)
    torchCheck(k >= 0 && k <= (dims.isEmpty ? 1 : dims[d]), "selected index k out of range")
    let (values, indices) = sorted(dim: dim, descending: largest)
    let (kept, keptIndices) = (values.narrow(d, start: 0, length: k).contiguous(), indices.narrow(d, start: 0, length: k).contiguous())
    return (placingGradient(of: kept, at: keptIndices, dim: dim, node: "TopkBackward0"), keptIndices)
  }

  /// Values and indices sorted along `dim`, without history, shaped as `self` (a 0-dim tensor
  /// sorts as one element): views of the backend's rows, so topk copies only the k it keeps.
  private func sorted(dim: Int, descending: Bool) -> (values: Tensor, indices: Tensor) {
    guard !dims.isEmpty else { return (detach().clone(), torch.zeros([], dtype: .int64, device: device)) }
    let d = wrapDim(dim, dims.count)
    // The backend writes rows with `dim` last; moving it back is a view.
    let rowsShape = dims.enumerated().filter { $0.offset != d }.map(\.element) + [dims[d]]
    let values = Tensor(uninitialized: rowsShape, dtype: dtype, device: device)
    let indices = Tensor(uninitialized: rowsShape, dtype: .int64, device: device)
    if numel() > 0 { Backends.backend(for: device).sort(self, dim: d, descending: descending, values: values, indices: indices) }
    let back = Array(0..<d) + [dims.count - 1] + Array(d..<(dims.count - 1))
    return (values.permute(back), indices.permute(back))
  }

  /// `values` (picked from `self` at `indices` along `dim`) recorded as `node`, whose gradient
  /// puts each incoming value back where it came from.
  private func placingGradient(of values: Tensor, at indices: Tensor, dim: Int, node: String) -> Tensor {
    let shape = dims, scalarShape = dims.isEmpty
    let d = scalarShape ? 0 : wrapDim(dim, dims.count)
    return values.recording(node, [self]) { g in
      let grad = torch.zeros(scalarShape ? [1] : shape, dtype: g.dtype, device: g.device)
        .scatterAdd(d, scalarShape ? indices.reshape([1]) : indices, scalarShape ? g.reshape([1]) : g)
      return [scalarShape ? grad.reshape([]) : grad]
    }
  }
}

extension torch {
  /// `torch.sort(x, dim, descending)`.
  public static func sort(_ x: Tensor, dim: Int = -1, descending: Bool = false) -> (values: Tensor, indices: Tensor) {
    x.sort(dim: dim, descending: descending)
  }
  /// `torch.argsort(x, dim, descending)`.
  public static func argsort(_ x: Tensor, dim: Int = -1, descending: Bool = false) -> Tensor { x.argsort(dim: dim, descending: descending) }
  /// `torch.topk(x, k, dim, largest)`.
  public static func topk(_ x: Tensor, _ k: Int, dim: Int = -1, largest: Bool = true) -> (values: Tensor, indices: Tensor) {
    x.topk(k, dim: dim, largest: largest)
  }
}
