/// Sorting along one dim: each row's (value, index) pairs in a scratch buffer, sorted by value
/// and then index, so the order is stable and NaN sorts above every number, as PyTorch's.
extension CPUBackend {
  func sort(_ x: Tensor, dim: Int, descending: Bool, values: Tensor, indices: Tensor) {
    switch x.dtype {
    case .float32: sortRows(x, dim, descending, values, indices, Float.self)
    case .float64: sortRows(x, dim, descending, values, indices, Double.self)
    case .int64: sortRows(x, dim, descending, values, indices, Int64.self)
    case .uint8: sortRows(x, dim, descending, values, indices, UInt8.self)
    case .bool: torchFail("\"sort\" not implemented for 'Bool'")
    }
  }

  private func sortRows<T: NumericElement>(_ x: Tensor, _ dim: Int, _ descending: Bool, _ values: Tensor, _ indices: Tensor, _: T.Type) {
    let length = x.dims[dim], step = x.elementStrides[dim]
    var outer = x.dims, strides = x.elementStrides
    outer.remove(at: dim)
    strides.remove(at: dim)
    let px = x.pointer(T.self), pv = values.pointer(T.self), pi = indices.pointer(Int64.self)
    var order = [Int](repeating: 0, count: length), keys = [T](repeating: 0, count: length)
    for row in 0..<outer.reduce(1, *) {
      let offset = StridedLoop.offset(ofRow: row, shape: outer, strides: strides)
      for k in 0..<length { keys[k] = px[offset + k * step]; order[k] = k }
      order.sort { a, b in Self.precedes(keys[a], a, keys[b], b, descending: descending) }
      for (k, source) in order.enumerated() {
        pv[row * length + k] = keys[source]
        pi[row * length + k] = Int64(source)
      }
    }
  }

  /// Whether (a, i) sorts before (b, j): by value (NaN above all), then by index.
  @inline(__always)
  static func precedes<T: NumericElement>(_ a: T, _ i: Int, _ b: T, _ j: Int, descending: Bool) -> Bool {
    let (aNaN, bNaN) = (a != a, b != b)
    if aNaN || bNaN {
      if aNaN && bNaN { return i < j }
      return descending ? aNaN : bNaN
    }
    if a == b { return i < j }
    return descending ? a > b : a < b
  }
}
