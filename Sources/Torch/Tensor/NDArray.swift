/// A NumPy-style array that shares memory with a CPU tensor: what `tensor.numpy()` and
/// `torch.from_numpy(array)` give in PyTorch's NumPy bridge. Writes through either are seen
/// by the other; it prints as NumPy prints (`[1. 1. 1. 1. 1.]`).
public struct NDArray: CustomStringConvertible {
  /// The tensor whose memory this array is (contiguous, on the CPU).
  let tensor: Tensor

  init(sharing tensor: Tensor) {
    torchCheck(tensor.device == .cpu, "can't convert \(tensor.device) device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.", kind: "TypeError")
    torchCheck(tensor.isContiguous, "only a contiguous tensor can share its memory; call contiguous() first")
    torchCheck(!tensor.requiresGrad, "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
    self.tensor = tensor
  }

  /// An array of ones, float64 as NumPy's default (`np.ones(shape)`).
  public static func ones(_ shape: Int...) -> NDArray { NDArray(sharing: torch.ones(shape, dtype: .float64)) }

  public var shape: [Int] { tensor.dims }
  public var dtype: DType { tensor.dtype }

  /// Adds `value` to every element in place (`np.add(a, value, out=a)`).
  public func add_(_ value: Double) { torch.noGrad { _ = tensor.add_(value) } }

  /// The elements in row-major order.
  public func toArray<T: Element>(_: T.Type) -> [T] { tensor.toArray(T.self) }

  /// NumPy's `str()`: `[1. 2.]`, `[0.5  0.25]`, `[[1 2]\n [3 4]]`.
  public var description: String {
    let values = tensor.toArray(Double.self)
    let texts: [String]
    if tensor.dtype.isFloatingPoint {
      texts = Self.floatTexts(values)
    } else if tensor.dtype == .bool {
      texts = values.map { $0 != 0 ? " True" : "False" }
    } else {
      texts = values.map { String(Int64($0)) }
    }
    let width = texts.map(\.count).max() ?? 0
    let padded = texts.map { String(repeating: " ", count: width - $0.count) + $0 }
    return Self.nest(padded[...], shape[...], indent: 1)
  }

  /// Floats as NumPy's default `maxprec` mode writes them: the fewest digits (at most 8) that
  /// tell the values apart, integral values as `1.`, fractions padded on the right to a common width.
  private static func floatTexts(_ values: [Double]) -> [String] {
    func fraction(_ value: Double) -> String {
      var text = String(format: "%.8f", abs(value))
      while text.hasSuffix("0") { text.removeLast() }
      return text
    }
    let raw = values.map { ($0 < 0 ? "-" : "") + fraction($0) }
    func fractionDigits(_ text: String) -> Int { text.split(separator: ".", omittingEmptySubsequences: false).last?.count ?? 0 }
    let longest = raw.map(fractionDigits).max() ?? 0
    return raw.map { $0 + String(repeating: " ", count: longest - fractionDigits($0)) }
  }

  private static func nest(_ items: ArraySlice<String>, _ shape: ArraySlice<Int>, indent: Int) -> String {
    guard let first = shape.first else { return items.first ?? "" }
    if shape.count == 1 { return "[" + items.joined(separator: " ") + "]" }
    let stride = items.count / max(first, 1)
    let rows = (0..<first).map { row in
      nest(items[(items.startIndex + row * stride)..<(items.startIndex + (row + 1) * stride)], shape.dropFirst(), indent: indent + 1)
    }
    return "[" + rows.joined(separator: "\n" + String(repeating: " ", count: indent)) + "]"
  }
}

extension Tensor {
  /// The tensor's memory as a NumPy-style array, shared, not copied (`tensor.numpy()`).
  public func numpy() -> NDArray { NDArray(sharing: self) }
}

extension torch {
  /// A tensor sharing `array`'s memory (`torch.from_numpy`).
  public static func fromNumpy(_ array: NDArray) -> Tensor { array.tensor.detach() }
}
