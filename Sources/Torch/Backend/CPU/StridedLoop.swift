/// Strided iteration over several operands that share one shape.
///
/// Dimensions of size 1 are dropped and adjacent dimensions that are contiguous in every
/// operand are merged, so a dense tensor becomes one run. The body is called once per
/// innermost run with each operand's element offset; it walks the run itself with the
/// inner strides, which is where the vectorized work happens.
struct StridedLoop {
  /// Shape and per-operand strides after coalescing; `shape` may be empty (a scalar).
  private(set) var shape: [Int]
  private(set) var strides: [[Int]]

  init(shape fullShape: [Int], strides fullStrides: [[Int]]) {
    var shape: [Int] = []
    var strides = [[Int]](repeating: [], count: fullStrides.count)
    for d in 0..<fullShape.count where fullShape[d] != 1 {
      if let last = shape.indices.last,
        strides.indices.allSatisfy({ strides[$0][last] == fullStrides[$0][d] * fullShape[d] })
      {
        shape[last] *= fullShape[d]
        for k in strides.indices { strides[k][last] = fullStrides[k][d] }
        continue
      }
      shape.append(fullShape[d])
      for k in strides.indices { strides[k].append(fullStrides[k][d]) }
    }
    self.shape = shape
    self.strides = strides
  }

  var innerCount: Int { shape.last ?? 1 }
  func innerStride(_ operand: Int) -> Int { strides[operand].last ?? 0 }
  var isEmpty: Bool { shape.contains(0) }

  /// Calls `body(offset)` for each innermost run of one operand.
  @inline(__always)
  func forEachRun1(_ body: (Int) -> Void) {
    forEachOuterIndex { offsets in body(offsets[0]) }
  }

  /// Calls `body(offset0, offset1)` for each innermost run of two operands.
  @inline(__always)
  func forEachRun(_ body: (Int, Int) -> Void) {
    forEachOuterIndex { offsets in body(offsets[0], offsets[1]) }
  }

  /// Calls `body(offset0, offset1, offset2)` for each innermost run of three operands.
  @inline(__always)
  func forEachRun3(_ body: (Int, Int, Int) -> Void) {
    forEachOuterIndex { offsets in body(offsets[0], offsets[1], offsets[2]) }
  }

  /// Calls `body(offset0, ..., offset3)` for each innermost run of four operands.
  @inline(__always)
  func forEachRun4(_ body: (Int, Int, Int, Int) -> Void) {
    forEachOuterIndex { offsets in body(offsets[0], offsets[1], offsets[2], offsets[3]) }
  }

  @inline(__always)
  private func forEachOuterIndex(_ body: (UnsafeMutableBufferPointer<Int>) -> Void) {
    if isEmpty { return }
    let operands = strides.count
    withUnsafeTemporaryAllocation(of: Int.self, capacity: max(operands, 1)) { offsets in
      offsets.initialize(repeating: 0)
      let outer = shape.count - 1
      if outer <= 0 {
        body(offsets)
        return
      }
      withUnsafeTemporaryAllocation(of: Int.self, capacity: outer) { counter in
        counter.initialize(repeating: 0)
        while true {
          body(offsets)
          var d = outer - 1
          while d >= 0 {
            counter[d] += 1
            for k in 0..<operands { offsets[k] += strides[k][d] }
            if counter[d] < shape[d] { break }
            for k in 0..<operands { offsets[k] -= strides[k][d] * shape[d] }
            counter[d] = 0
            d -= 1
          }
          if d < 0 { return }
        }
      }
    }
  }

  /// Where row `row` (row-major over `shape`, the dims other than the one a row runs along)
  /// starts, for an operand with `strides`.
  @inline(__always)
  static func offset(ofRow row: Int, shape: [Int], strides: [Int]) -> Int {
    var (offset, rest) = (0, row)
    for d in shape.indices.reversed() {
      offset += (rest % shape[d]) * strides[d]
      rest /= shape[d]
    }
    return offset
  }
}
