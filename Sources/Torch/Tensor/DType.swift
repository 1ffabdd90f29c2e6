/// The element type of a tensor, mirroring `torch.dtype`.
///
/// Promotion follows PyTorch's category order `bool < uint8 < int64 < float32 < float64`:
/// a binary op computes in the higher of its operands' types.
public enum DType: Int, Sendable, Hashable, Comparable, CustomStringConvertible {
  case bool, uint8, int64, float32, float64

  /// Bytes per element.
  public var itemSize: Int {
    switch self {
    case .bool, .uint8: 1
    case .float32: 4
    case .int64, .float64: 8
    }
  }

  /// True for float32 and float64: the types autograd can differentiate.
  public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

  /// PyTorch's spelling, e.g. `torch.float32`.
  public var description: String {
    switch self {
    case .bool: "torch.bool"
    case .uint8: "torch.uint8"
    case .int64: "torch.int64"
    case .float32: "torch.float32"
    case .float64: "torch.float64"
    }
  }

  public static func < (a: DType, b: DType) -> Bool { a.rawValue < b.rawValue }

  /// The type a binary op between tensors of these types computes in.
  public static func promote(_ a: DType, _ b: DType) -> DType { Swift.max(a, b) }

  /// The type a binary op between these tensors gives (`torch.result_type`): a 0-d tensor
  /// beside a tensor with dims counts only when it is of a higher category (bool < integer <
  /// floating point), as PyTorch's rule for 0-d tensors and numbers goes: float32 + a 0-d
  /// float64 is float32, uint8 + a 0-d int64 is uint8, int64 + a 0-d float64 is float64.
  static func result(_ a: Tensor, _ b: Tensor) -> DType {
    let (aIsZeroDim, bIsZeroDim) = (a.dims.isEmpty, b.dims.isEmpty)
    guard aIsZeroDim != bIsZeroDim else { return promote(a.dtype, b.dtype) }
    let (dimensioned, zeroDim) = aIsZeroDim ? (b.dtype, a.dtype) : (a.dtype, b.dtype)
    if dimensioned.isFloatingPoint { return dimensioned }
    if dimensioned == .bool || zeroDim.isFloatingPoint { return promote(dimensioned, zeroDim) }
    return dimensioned
  }

  /// The result type of `tensor op scalar`, where a Python-style scalar only lifts the
  /// category (an integer tensor times 0.5 is float32; a float64 tensor stays float64).
  static func promote(_ tensor: DType, scalarIsFloating: Bool) -> DType {
    if scalarIsFloating { return tensor.isFloatingPoint ? tensor : .float32 }
    return tensor == .bool ? .int64 : tensor
  }
}

extension torch {
  public static let float32 = DType.float32
  public static let float = DType.float32
  public static let float64 = DType.float64
  public static let double = DType.float64
  public static let int64 = DType.int64
  public static let long = DType.int64
  public static let uint8 = DType.uint8
  public static let bool = DType.bool
}
