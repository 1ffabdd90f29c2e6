import Foundation

/// A Swift type that can be a tensor element.
public protocol Element: Sendable {
  static var dtype: DType { get }
  /// Converts with PyTorch's casting rules (truncation toward zero for integers).
  init(_ value: Double)
  var doubleValue: Double { get }
}

/// Element types with arithmetic: everything but `Bool`.
public protocol NumericElement: Element, Numeric, Comparable {}

/// float32 and float64, with the math functions the kernels need.
public protocol FloatElement: NumericElement, BinaryFloatingPoint {
  static func exp(_ x: Self) -> Self
  static func log(_ x: Self) -> Self
  static func log1p(_ x: Self) -> Self
  static func tanh(_ x: Self) -> Self
  static func erf(_ x: Self) -> Self
  static func pow(_ x: Self, _ y: Self) -> Self
  static func sin(_ x: Self) -> Self
  static func cos(_ x: Self) -> Self
  static func expm1(_ x: Self) -> Self
  static func exp2(_ x: Self) -> Self
  static func log2(_ x: Self) -> Self
  static func log10(_ x: Self) -> Self
  static func tan(_ x: Self) -> Self
  static func asin(_ x: Self) -> Self
  static func acos(_ x: Self) -> Self
  static func atan(_ x: Self) -> Self
  static func sinh(_ x: Self) -> Self
  static func cosh(_ x: Self) -> Self
}

extension Float: FloatElement {
  public static var dtype: DType { .float32 }
  public var doubleValue: Double { Double(self) }
  @inline(__always) public static func exp(_ x: Float) -> Float { Foundation.expf(x) }
  @inline(__always) public static func log(_ x: Float) -> Float { Foundation.logf(x) }
  @inline(__always) public static func log1p(_ x: Float) -> Float { Foundation.log1pf(x) }
  @inline(__always) public static func tanh(_ x: Float) -> Float { Foundation.tanhf(x) }
  @inline(__always) public static func erf(_ x: Float) -> Float { Foundation.erff(x) }
  @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float { Foundation.powf(x, y) }
  @inline(__always) public static func sin(_ x: Float) -> Float { Foundation.sinf(x) }
  @inline(__always) public static func cos(_ x: Float) -> Float { Foundation.cosf(x) }
  @inline(__always) public static func expm1(_ x: Float) -> Float { Foundation.expm1f(x) }
  @inline(__always) public static func exp2(_ x: Float) -> Float { Foundation.exp2f(x) }
  @inline(__always) public static func log2(_ x: Float) -> Float { Foundation.log2f(x) }
  @inline(__always) public static func log10(_ x: Float) -> Float { Foundation.log10f(x) }
  @inline(__always) public static func tan(_ x: Float) -> Float { Foundation.tanf(x) }
  @inline(__always) public static func asin(_ x: Float) -> Float { Foundation.asinf(x) }
  @inline(__always) public static func acos(_ x: Float) -> Float { Foundation.acosf(x) }
  @inline(__always) public static func atan(_ x: Float) -> Float { Foundation.atanf(x) }
  @inline(__always) public static func sinh(_ x: Float) -> Float { Foundation.sinhf(x) }
  @inline(__always) public static func cosh(_ x: Float) -> Float { Foundation.coshf(x) }
}

extension Double: FloatElement {
  public static var dtype: DType { .float64 }
  public var doubleValue: Double { self }
  @inline(__always) public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
  @inline(__always) public static func log(_ x: Double) -> Double { Foundation.log(x) }
  @inline(__always) public static func log1p(_ x: Double) -> Double { Foundation.log1p(x) }
  @inline(__always) public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
  @inline(__always) public static func erf(_ x: Double) -> Double { Foundation.erf(x) }
  @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
  @inline(__always) public static func sin(_ x: Double) -> Double { Foundation.sin(x) }
  @inline(__always) public static func cos(_ x: Double) -> Double { Foundation.cos(x) }
  @inline(__always) public static func expm1(_ x: Double) -> Double { Foundation.expm1(x) }
  @inline(__always) public static func exp2(_ x: Double) -> Double { Foundation.exp2(x) }
  @inline(__always) public static func log2(_ x: Double) -> Double { Foundation.log2(x) }
  @inline(__always) public static func log10(_ x: Double) -> Double { Foundation.log10(x) }
  @inline(__always) public static func tan(_ x: Double) -> Double { Foundation.tan(x) }
  @inline(__always) public static func asin(_ x: Double) -> Double { Foundation.asin(x) }
  @inline(__always) public static func acos(_ x: Double) -> Double { Foundation.acos(x) }
  @inline(__always) public static func atan(_ x: Double) -> Double { Foundation.atan(x) }
  @inline(__always) public static func sinh(_ x: Double) -> Double { Foundation.sinh(x) }
  @inline(__always) public static func cosh(_ x: Double) -> Double { Foundation.cosh(x) }
}

extension Int64: NumericElement {
  public static var dtype: DType { .int64 }
  public init(_ value: Double) {
    self = value.isFinite ? Int64(exactly: value.rounded(.towardZero)) ?? Int64.min : Int64.min
  }
  public var doubleValue: Double { Double(self) }
}

extension UInt8: NumericElement {
  public static var dtype: DType { .uint8 }
  /// Wraps modulo 256 like PyTorch's cast.
  public init(_ value: Double) {
    self = value.isFinite ? UInt8(truncatingIfNeeded: Int64(value.rounded(.towardZero))) : 0
  }
  public var doubleValue: Double { Double(self) }
}

extension Bool: Element {
  public static var dtype: DType { .bool }
  public init(_ value: Double) { self = value != 0 }
  public var doubleValue: Double { self ? 1 : 0 }
}
