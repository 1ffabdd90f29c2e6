// torch.einsum: Einstein summation over labelled dims, contracted pairwise left to right, each
// pair as one batched matrix product (never the full outer product of the operands).

extension torch {
  /// Sums products of `operands` over the labels an `equation` such as `"bij,bjk->bik"` leaves
  /// out of its output (`torch.einsum`). Labels are letters; `...` stands for the dims no
  /// label names (broadcast across operands); a label repeated within one operand takes its
  /// diagonal; without `->` the output is the labels seen once, in alphabetical order, after `...`.
  public static func einsum(_ equation: String, _ operands: Tensor...) -> Tensor { einsum(equation, operands) }

  public static func einsum(_ equation: String, _ operands: [Tensor]) -> Tensor {
    let parsed = EinsumEquation(equation, operands)
    parsed.checkSizes(operands)
    var terms = zip(operands, parsed.inputs).map { EinsumTerm(tensor: $0, labels: $1).withoutRepeatedLabels() }
    var result = terms.removeFirst()
    for (index, next) in terms.enumerated() {
      let later = Set(terms[(index + 1)...].flatMap(\.labels) + parsed.output)
      result = result.contracted(with: next, keeping: later)
    }
    return result.summed(keeping: Set(parsed.output)).arranged(as: parsed.output)
  }
}

/// An equation's labels per operand and for the output, ellipsis dims as labels of their own
/// (negative numbers, right-aligned across operands as broadcasting aligns them).
private struct EinsumEquation {
  typealias Label = Int
  let inputs: [[Label]]
  let output: [Label]

  /// One term's letters (their ASCII values) and, with "...", where it stood among them.
  private struct Term {
    let letters: [Label]
    let ellipsisAt: Int?

    init(_ text: String) {
      let parts = text.components(separatedBy: "...")
      torchCheck(parts.count <= 2, "einsum(): found more than one ellipsis ('...') in the term '\(text)'")
      letters = parts.joined().unicodeScalars.map { Label($0.value) }
      ellipsisAt = parts.count == 2 ? parts[0].unicodeScalars.count : nil
    }

    /// The labels with `ellipsis` (the shared ellipsis labels, of which the last `count`) in place of "...".
    func labels(_ ellipsis: [Label], count: Int) -> [Label] {
      guard let at = ellipsisAt else { return letters }
      return Array(letters[..<at]) + ellipsis.suffix(count) + Array(letters[at...])
    }
  }

  init(_ equation: String, _ operands: [Tensor]) {
    for (index, scalar) in equation.unicodeScalars.enumerated() where !(scalar.isASCII && scalar.properties.isAlphabetic) {
      torchCheck(",.->  ".unicodeScalars.contains(scalar),
        "einsum(): invalid subscript given at index \(index) in the equation string, subscripts must be in [a-zA-Z]")
    }
    let sides = equation.filter { $0 != " " }.components(separatedBy: "->")
    torchCheck(sides.count <= 2, "einsum(): more than one '->' in the equation")
    let terms = sides[0].split(separator: ",", omittingEmptySubsequences: false).map { Term(String($0)) }
    torchCheck(terms.count >= operands.count, "einsum(): more operands were provided than specified in the equation")
    torchCheck(terms.count <= operands.count, "einsum(): fewer operands were provided than specified in the equation")
    // Dims under "..." per operand: its rank less its letters; all operands share the widest count.
    var ellipsisCount = 0
    for (index, term) in terms.enumerated() {
      let rank = operands[index].dim()
      if term.ellipsisAt != nil {
        torchCheck(rank >= term.letters.count,
          "einsum(): the number of subscripts in the equation (\(term.letters.count)) is more than the number of dimensions (\(rank)) for operand \(index)")
        ellipsisCount = Swift.max(ellipsisCount, rank - term.letters.count)
      } else {
        torchCheck(rank == term.letters.count,
          "einsum(): the number of subscripts in the equation (\(term.letters.count)) does not match the number of dimensions (\(rank)) for operand \(index) and no ellipsis was given")
      }
    }
    let ellipsis = Array((0..<ellipsisCount).map { -1 - $0 }.reversed())
    inputs = terms.enumerated().map { index, term in term.labels(ellipsis, count: operands[index].dim() - term.letters.count) }
    let all = terms.flatMap(\.letters)
    if sides.count == 2 {
      let term = Term(sides[1])
      for (i, label) in term.letters.enumerated() {
        torchCheck(!term.letters[..<i].contains(label), "einsum(): output subscript \(Self.name(label)) appears more than once in the output")
        torchCheck(all.contains(label), "einsum(): output subscript \(Self.name(label)) does not appear in the equation for any input operand")
      }
      output = term.labels(ellipsis, count: ellipsisCount)
    } else {
      output = ellipsis + Set(all).filter { label in all.filter { $0 == label }.count == 1 }.sorted()
    }
  }

  /// PyTorch's size checks: a repeated label's dims are equal; a label's sizes across operands broadcast.
  func checkSizes(_ operands: [Tensor]) {
    var seen: [Int: Int] = [:]
    for (index, (operand, labels)) in zip(operands, inputs).enumerated() {
      for (i, label) in labels.enumerated() {
        guard let j = labels[(i + 1)...].firstIndex(of: label), operand.dims[i] != operand.dims[j] else { continue }
        torchFail("einsum(): subscript \(Self.name(label)) is repeated for operand \(index) but the sizes don't match, \(operand.dims[j]) != \(operand.dims[i])")
      }
      for (label, size) in zip(labels, operand.dims) {
        if let previous = seen[label], previous != size, previous != 1, size != 1 {
          torchFail("einsum(): subscript \(Self.name(label)) has size \(size) for operand \(index) which does not broadcast with previously seen size \(previous)")
        }
        seen[label] = Swift.max(seen[label] ?? 1, size)
      }
    }
  }

  static func name(_ label: Label) -> String { label < 0 ? "..." : String(UnicodeScalar(UInt8(label))) }
}

/// An operand or intermediate result with a label per dim.
private struct EinsumTerm {
  let tensor: Tensor
  let labels: [Int]

  /// One dim per label: a label repeated within the term keeps its diagonal.
  func withoutRepeatedLabels() -> EinsumTerm {
    var term = self
    while let (first, second) = term.repeatedPair() {
      let a = term.tensor.dims[first]  // sizes checked equal by `einsum`
      // The diagonal as a masked sum: keeps the gradient and every device without a new kernel.
      var shape = [Int](repeating: 1, count: term.tensor.dim())
      (shape[first], shape[second]) = (a, a)
      let identity = torch.eye(a, dtype: term.tensor.dtype, device: term.tensor.device).reshape(shape)
      var labels = term.labels
      labels.remove(at: second)
      term = EinsumTerm(tensor: (term.tensor * identity).sum(dim: second), labels: labels)
    }
    return term
  }

  private func repeatedPair() -> (Int, Int)? {
    for i in labels.indices { if let j = labels[(i + 1)...].firstIndex(of: labels[i]) { return (i, j) } }
    return nil
  }

  /// Sums out the labels not in `keep`.
  func summed(keeping keep: Set<Int>) -> EinsumTerm {
    let gone = labels.indices.filter { !keep.contains(labels[$0]) }
    guard !gone.isEmpty else { return self }
    return EinsumTerm(tensor: tensor.sum(dims: gone), labels: labels.enumerated().filter { keep.contains($0.element) }.map(\.element))
  }

  /// The dims permuted into `order` (labels this term has, each once).
  func arranged(as order: [Int]) -> Tensor {
    let permutation = order.map { labels.firstIndex(of: $0)! }
    return permutation == Array(labels.indices) ? tensor : tensor.permute(permutation)
  }

  func size(of label: Int) -> Int { labels.firstIndex(of: label).map { tensor.dims[$0] } ?? 1 }

  /// The product with `other`, summed over the labels both have that `keep` lacks, as one
  /// batched matmul: [batch, rows, inner] · [batch, inner, columns].
  func contracted(with other: EinsumTerm, keeping keep: Set<Int>) -> EinsumTerm {
    let a = summed(keeping: keep.union(other.labels)), b = other.summed(keeping: keep.union(labels))
    let shared = a.labels.filter(b.labels.contains)
    let batch = shared.filter(keep.contains), inner = shared.filter { !keep.contains($0) }
    let rows = a.labels.filter { !shared.contains($0) }, columns = b.labels.filter { !shared.contains($0) }
    func sizes(_ group: [Int]) -> [Int] {
      group.map { label in
        Swift.max(a.size(of: label), b.size(of: label))  // sizes checked to broadcast by `einsum`
      }
    }
    let (batchSizes, innerSizes) = (sizes(batch), sizes(inner))
    let (rowSizes, columnSizes) = (rows.map(a.size), columns.map(b.size))
    let left = a.arranged(as: batch + rows + inner).expand(batchSizes + rowSizes + innerSizes)
      .reshape([batchSizes.reduce(1, *), rowSizes.reduce(1, *), innerSizes.reduce(1, *)])
    let right = b.arranged(as: batch + inner + columns).expand(batchSizes + innerSizes + columnSizes)
      .reshape([batchSizes.reduce(1, *), innerSizes.reduce(1, *), columnSizes.reduce(1, *)])
    return EinsumTerm(tensor: left.matmul(right).reshape(batchSizes + rowSizes + columnSizes), labels: batch + rows + columns)
  }
}
