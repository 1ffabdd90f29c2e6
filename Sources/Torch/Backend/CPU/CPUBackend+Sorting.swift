/// Sorting along one dim: each row's (value, index) pairs in a scratch buffer, sorted by value
/// and then index, so the order is stable and NaN sorts above every number, as PyTorch's.
extension CPUBackend {
  func sort(_ x: Tensor, dim: Int, descending: Bool, values: Tensor, indices: Tensor) {
    switch x.dtype {
    case .float32: sortFloatRows(x, dim, descending, values, indices)
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

  /// float32 rows sorted as 64-bit integers, the value's order-preserving bit pattern above
  /// the index: plain integer comparisons give the same order as `precedes` (−0 and +0 share a
  /// key, every NaN takes the largest, so ties fall to the index), rows split over the pool.
  /// The values written are the source's own bits, NaN payloads included.
  private func sortFloatRows(_ x: Tensor, _ dim: Int, _ descending: Bool, _ values: Tensor, _ indices: Tensor) {
    let length = x.dims[dim], step = x.elementStrides[dim]
    var outer = x.dims, strides = x.elementStrides
    outer.remove(at: dim)
    strides.remove(at: dim)
    guard length < 1 << 32 else { return sortRows(x, dim, descending, values, indices, Float.self) }
    let px = x.pointer(Float.self), pv = values.pointer(Float.self), pi = indices.pointer(Int64.self)
    ThreadPool.parallelRows(outer.reduce(1, *), length: length * 8) { start, count in
      var keys = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: length)
      defer { keys.deallocate() }
      for row in start ..< start + count {
        let offset = StridedLoop.offset(ofRow: row, shape: outer, strides: strides)
        for k in 0..<length {
          let key = Self.sortKey(px[offset + k * step])
          keys[k] = UInt64(descending ? ~key : key) << 32 | UInt64(k)
        }
        keys.sort()
        for k in 0..<length {
          let source = Int(truncatingIfNeeded: keys[k] & 0xffff_ffff)
          pv[row * length + k] = px[offset + source * step]
          pi[row * length + k] = Int64(source)
        }
      }
    }
  }

  /// A float's place in `precedes`' ascending order as an unsigned integer: the sign bit
  /// flipped for positives, every bit for negatives; zeros as +0, NaNs above +∞.
  @inline(__always)
  static func sortKey(_ v: Float) -> UInt32 {
    if v.isNaN { return .max }
    let bits = v == 0 ? 0 : v.bitPattern
    return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
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
