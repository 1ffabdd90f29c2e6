/// The geometry of 2-D sliding windows over image planes, shared by convolution, pooling and
/// `unfold`/`fold`: the input's spatial size, the kernel, padding, stride and dilation per
/// spatial dim (height, width), and the number of window positions along each.
struct SlidingWindow: Sendable, Equatable {
  let inputSize: [Int]
  let kernel: [Int]
  let padding: [Int]
  let stride: [Int]
  let dilation: [Int]
  let outputSize: [Int]

  /// Windows placed as convolution places them; with `ceilMode` a last, partial window is kept
  /// when it starts inside the input or its left padding (pooling's `ceil_mode`).
  init(inputSize: [Int], kernel: [Int], padding: [Int], stride: [Int], dilation: [Int], ceilMode: Bool = false) {
    self.inputSize = inputSize
    self.kernel = kernel
    self.padding = padding
    self.stride = stride
    self.dilation = dilation
    outputSize = (0..<2).map { d in
      let span = inputSize[d] + 2 * padding[d] - dilation[d] * (kernel[d] - 1) - 1
      guard ceilMode else { return Self.floorDivide(span, stride[d]) + 1 }
      var count = Self.floorDivide(span + stride[d] - 1, stride[d]) + 1
      if (count - 1) * stride[d] >= inputSize[d] + padding[d] { count -= 1 }
      return count
    }
  }

  /// A window with a given number of positions (`fold`'s columns, transposed convolution).
  init(inputSize: [Int], kernel: [Int], padding: [Int], stride: [Int], dilation: [Int], outputSize: [Int]) {
    self.inputSize = inputSize
    self.kernel = kernel
    self.padding = padding
    self.stride = stride
    self.dilation = dilation
    self.outputSize = outputSize
  }

  /// Kernel taps per window (kh·kw).
  var taps: Int { kernel[0] * kernel[1] }
  /// Window positions (oh·ow).
  var positions: Int { outputSize[0] * outputSize[1] }

  private static func floorDivide(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
}

/// An `Int` or a list of one per spatial dim, as PyTorch's `_size_2_t` arguments
/// (`kernelSize: 3`, `stride: [2, 1]`).
public protocol IntOrTuple: Sendable {
  /// One value per spatial dim: an `Int` repeated `count` times, a list as given.
  func values(_ count: Int) -> [Int]
  /// As Python prints the argument: `2`, `(2, 3)`.
  var pythonDescription: String { get }
}

extension Int: IntOrTuple {
  public func values(_ count: Int) -> [Int] { Array(repeating: self, count: count) }
  public var pythonDescription: String { String(self) }
}

extension Array: IntOrTuple where Element == Int {
  public func values(_ count: Int) -> [Int] {
    if self.count == 1 { return Array(repeating: self[0], count: count) }
    torchCheck(self.count == count, "expected \(count) values, one per spatial dim, but got \(self.count): \(self)", kind: "ValueError")
    return self
  }
  public var pythonDescription: String { pythonTuple(self) }
}

/// A convolution's padding: a size (`IntOrTuple`) or `"same"` / `"valid"`, as PyTorch accepts.
public protocol ConvolutionPadding: Sendable {}
extension Int: ConvolutionPadding {}
extension Array: ConvolutionPadding where Element == Int {}
extension String: ConvolutionPadding {}

/// A Python tuple's repr: `(3, 3)`, `(3,)`.
func pythonTuple(_ values: [Int]) -> String {
  values.count == 1 ? "(\(values[0]),)" : "(" + values.map(String.init).joined(separator: ", ") + ")"
}
