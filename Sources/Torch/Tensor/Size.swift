/// A tensor's shape, printed as PyTorch prints `torch.Size`.
public struct Size: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral,
  CustomStringConvertible
{
  public var dims: [Int]

  public init(_ dims: [Int]) { self.dims = dims }
  public init(arrayLiteral elements: Int...) { dims = elements }

  public var startIndex: Int { 0 }
  public var endIndex: Int { dims.count }
  public subscript(i: Int) -> Int { dims[i < 0 ? i + dims.count : i] }

  /// The number of elements a tensor of this shape holds.
  public func numel() -> Int { dims.reduce(1, *) }

  /// `torch.Size([3, 784])`.
  public var description: String {
    "torch.Size([" + dims.map(String.init).joined(separator: ", ") + "])"
  }
}

extension Size: Equatable {
  public static func == (a: Size, b: [Int]) -> Bool { a.dims == b }
}
