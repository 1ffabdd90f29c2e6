// Indexing with several index tensors (`x[rows, cols]`, `x[mask, idx]`): PyTorch's advanced
// indexing, where the index tensors broadcast together and pick elements pairwise.

/// The index tensors of one subscript, resolved against the view its numbers and ranges give:
/// which dims they index, their positions broadcast together (negatives wrapped, bounds
/// checked), and each picked element's position in those dims flattened.
struct AdvancedIndex {
  /// `self` after the subscript's numbers (which drop their dims) and ranges.
  let view: Tensor
  /// The view's dims the index tensors index, in order (a bool mask takes as many as it has).
  let indexedDims: [Int]
  /// The shape the index tensors broadcast to: the result's indexed part.
  let broadcastShape: [Int]
  /// Per picked element, its position in the indexed dims flattened (row-major).
  let flatPositions: Tensor

  init(_ x: Tensor, _ indices: [any TensorIndex]) {
    var view = x, dim = 0
    var positions: [(dim: Int, index: Tensor)] = []
    for index in indices {
      guard let tensor = index as? Tensor else {
        let (next, keeps) = index.apply(to: view, dim: dim)
        view = next
        if keeps { dim += 1 }
        continue
      }
      if tensor.dtype == .bool {
        for (offset, coordinate) in Self.coordinates(of: tensor, in: view, at: dim).enumerated() {
          positions.append((dim + offset, coordinate))
        }
        dim += tensor.dim()
      } else {
        torchCheck(tensor.dtype == .int64 || tensor.dtype == .uint8,
          "tensors used as indices must be long, int, byte or bool tensors", kind: "IndexError")
        positions.append((dim, tensor))
        dim += 1
      }
    }
    self.view = view
    indexedDims = positions.map(\.dim)
    broadcastShape = Self.broadcast(positions.map(\.index.dims))
    flatPositions = Self.flatten(positions, sizes: positions.map { view.dims[$0.dim] }, shape: broadcastShape, device: x.device)
  }

  /// The view's other dims, in order.
  var otherDims: [Int] { (0..<view.dim()).filter { !indexedDims.contains($0) } }

  /// The indexed dims are next to each other: the result keeps the indexed part where they
  /// were; else it comes first (PyTorch's and NumPy's rule).
  var indexedPartStays: Bool { zip(indexedDims, indexedDims.dropFirst()).allSatisfy { $1 == $0 + 1 } }

  /// The view with the indexed dims first, flattened into one: [indexed elements, other dims...].
  func flattenedView() -> Tensor {
    let order = indexedDims + otherDims
    let permuted = order == Array(0..<view.dim()) ? view : view.permute(order)
    return permuted.reshape([-1] + otherDims.map { view.dims[$0] })
  }

  /// The order taking [indexed part, other dims] to the result's layout.
  var resultOrder: [Int] {
    let indexed = broadcastShape.count, others = otherDims.count
    guard indexedPartStays, let first = indexedDims.first, first > 0 else { return Array(0..<(indexed + others)) }
    let before = Array(indexed..<(indexed + first)), part = Array(0..<indexed), after = Array((indexed + first)..<(indexed + others))
    return before + part + after
  }

  /// The coordinates of a mask's true elements (`nonzero`'s columns), one per dim it covers.
  private static func coordinates(of mask: Tensor, in view: Tensor, at dim: Int) -> [Tensor] {
    let covered = Array(view.dims.dropFirst(dim).prefix(mask.dim()))
    torchCheck(covered == mask.dims,
      "The shape of the mask \(mask.dims) at index 0 does not match the shape of the indexed tensor \(view.dims) at index \(dim)",
      kind: "IndexError")
    let coordinates = mask.nonzero()
    return (0..<mask.dim()).map { coordinates.select(1, $0) }
  }

  private static func broadcast(_ shapes: [[Int]]) -> [Int] {
    shapes.dropFirst().reduce(shapes[0]) { shape, next in
      torchCheck(broadcastable(shape, next),
        "shape mismatch: indexing tensors could not be broadcast together with shapes \(shapes.map { "\($0)" }.joined(separator: ", "))",
        kind: "IndexError")
      return broadcastShapes(shape, next)
    }
  }

  /// Row-major positions in the indexed dims, computed on the host (indices are checked there,
  /// with PyTorch's message, before any device sees them).
  private static func flatten(_ positions: [(dim: Int, index: Tensor)], sizes: [Int], shape: [Int], device: Device) -> Tensor {
    var flat = [Int64](repeating: 0, count: shape.reduce(1, *))
    for ((dim, index), size) in zip(positions, sizes) {
      let values = index.detach().to(.int64).cpu().broadcastView(to: shape).contiguous().toArray(Int64.self)
      for k in flat.indices {
        let value = values[k]
        torchCheck(value >= -Int64(size) && value < Int64(size),
          "index \(value) is out of bounds for dimension \(dim) with size \(size)", kind: "IndexError")
        flat[k] = flat[k] * Int64(size) + (value < 0 ? value + Int64(size) : value)
      }
    }
    return Tensor(flat, shape: [flat.count]).to(device)
  }
}

extension Tensor {
  /// `x[i, j, ...]` with two or more index tensors: the elements at (i[k], j[k], ...), the
  /// index tensors broadcast together (node `IndexBackward0` where no dims move).
  func advancedIndex(_ indices: [any TensorIndex]) -> Tensor {
    let plan = AdvancedIndex(self, indices)
    let picked = plan.flattenedView().indexSelect(0, plan.flatPositions, name: "IndexBackward0")
    let shape = plan.broadcastShape + plan.otherDims.map { plan.view.dims[$0] }
    let result = picked.dims == shape ? picked : picked.reshape(shape)
    let order = plan.resultOrder
    return order == Array(order.indices) ? result : result.permute(order)
  }

  /// `x[i, j, ...] = value`: `value` (broadcast to what `x[i, j, ...]` reads) written at those
  /// elements, the last write winning where they repeat (`index_put_`).
  func assignAdvanced(_ value: Tensor, at indices: [any TensorIndex]) {
    let plan = AdvancedIndex(self, indices)
    let flat = plan.flattenedView()
    let others = plan.otherDims.map { plan.view.dims[$0] }
    let order = plan.resultOrder
    let readShape = order.map { (plan.broadcastShape + others)[$0] }
    var placed = value.to(dtype).to(device).expand(readShape)
    if order != Array(order.indices) { placed = placed.permute(inverse(of: order)) }
    let written = flat.indexCopy(0, plan.flatPositions, placed.reshape([-1] + others))
    let layout = plan.indexedDims + plan.otherDims
    var restored = written.reshape(layout.map { plan.view.dims[$0] })
    if layout != Array(layout.indices) { restored = restored.permute(inverse(of: layout)) }
    plan.view.copy_(restored)
  }

  private func inverse(of order: [Int]) -> [Int] {
    var inverse = order
    for (position, dim) in order.enumerated() { inverse[dim] = position }
    return inverse
  }
}
