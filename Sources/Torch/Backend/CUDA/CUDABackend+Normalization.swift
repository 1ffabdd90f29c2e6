/// Layer, group and batch normalization over rows (CUDAKernels+Normalization.swift).
extension CUDABackend {
  func normalizeRows(_ x: Tensor, _ layout: NormalizationRows, weight: Tensor?, bias: Tensor?, eps: Double,
                     into out: Tensor, mean: Tensor, rstd: Tensor) {
    launch("norm_rows_\(t(x))", count: layout.rows, grid: ((layout.rows + 7) / 8, 1), [
      .pointer(address(x)), .pointer(weight.map(address) ?? 0), .pointer(bias.map(address) ?? 0),
      .pointer(address(out)), .pointer(address(mean)), .pointer(address(rstd)),
    ] + Self.rowArguments(layout) + [.double(eps)])
  }

  func normalizeRowsBackward(_ grad: Tensor, _ x: Tensor, _ layout: NormalizationRows, weight: Tensor?, mean: Tensor, rstd: Tensor,
                             gradInput: Tensor?, gradWeight: Tensor?, gradBias: Tensor?) {
    if let gradInput {
      launch("norm_rows_backward_\(t(x))", count: layout.rows, grid: ((layout.rows + 7) / 8, 1), [
        .pointer(address(grad)), .pointer(address(x)), .pointer(weight.map(address) ?? 0),
        .pointer(address(mean)), .pointer(address(rstd)), .pointer(address(gradInput)),
      ] + Self.rowArguments(layout))
    }
    if gradWeight != nil || gradBias != nil {
      launch("norm_parameter_gradients_\(t(x))", count: layout.parameterCount, [
        .pointer(address(grad)), .pointer(address(x)), .pointer(address(mean)), .pointer(address(rstd)),
        .pointer(gradWeight.map(address) ?? 0), .pointer(gradBias.map(address) ?? 0),
      ] + Self.rowArguments(layout) + [.int64(Int64(layout.parameterCount))])
    }
  }

  func channelAffine(_ x: Tensor, scale: Tensor, shift: Tensor, into out: Tensor) {
    let plane = x.numel() / Swift.max(x.dims[0] * x.dims[1], 1)
    launch("channel_affine_\(t(x))", count: x.numel(), [
      .pointer(address(x)), .pointer(address(scale)), .pointer(address(shift)), .pointer(address(out)),
      .int64(Int64(x.dims[1])), .int64(Int64(plane)), .int64(Int64(x.numel())),
    ])
  }

  private static func rowArguments(_ layout: NormalizationRows) -> [Argument] {
    [layout.rows, layout.length, layout.groups, layout.span].map { .int64(Int64($0)) }
  }
}
