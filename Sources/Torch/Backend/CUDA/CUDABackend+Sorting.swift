/// Sorting along one dim: every element finds its rank in its row by counting the elements
/// that sort before it (value, then index: stable, NaN above all) and writes itself there.
/// O(length) work per element: suited to the rows topk and argsort see in training (classes,
/// beams, a few thousand elements), not to sorting millions on the device.
extension CUDABackend {
  func sort(_ x: Tensor, dim: Int, descending: Bool, values: Tensor, indices: Tensor) {
    torchCheck(x.dtype != .bool, "\"sort\" not implemented for 'Bool'")
    let length = x.dims[dim], count = x.numel()
    launch("sort_rank_\(t(x))", count: count, [
      .pointer(address(x)), .info(Self.permuted(x, last: [dim])), .pointer(address(values)), .pointer(address(indices)),
      .int64(Int64(count)), .int64(Int64(length)), .int32(descending ? 1 : 0),
    ])
  }
}
