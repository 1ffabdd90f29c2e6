// How a pointwise op is declared: one type per op holding its kernel name, its CPU form and
// its CUDA C expression. The CPU loops, the CUDA source and the tests' op lists all derive
// from these declarations, so an op is written in one place.

/// A dense float32 C kernel over `count` elements: out = f(x) (`Map`) or f(x, y) (`Zip`: a
/// binary op's operands, or an activation's gradient and saved input), and the same taking the
/// op's two parameters as floats.
typealias DenseFloat32Map = (_ count: Int64, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void
typealias DenseFloat32Zip = (_ count: Int64, UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void
typealias DenseFloat32MapWithParameters = (_ count: Int64, UnsafePointer<Float>?, Float, Float, UnsafeMutablePointer<Float>?) -> Void
typealias DenseFloat32ZipWithParameters =
  (_ count: Int64, UnsafePointer<Float>?, UnsafePointer<Float>?, Float, Float, UnsafeMutablePointer<Float>?) -> Void

/// A pointwise function of one tensor (`unary_<name>_<dtype>` on CUDA).
protocol UnaryKernel: SendableMetatype {
  /// The kernel's name, unique among unary kernels: CUDA's entry point is `unary_<name>_<dtype>`.
  static var name: String { get }
  /// CUDA C expression per dtype (`f32`, `i64`, ...) in the element `v` (type `T`) and the
  /// op's two parameters `p0`, `p1` (double).
  static var cudaForms: [(type: String, expression: String)] { get }
  /// Runs on the CPU: `out[i] = f(x[i])` for any strides of `x`.
  static func runCPU(_ x: Tensor, into out: Tensor, _ p0: Double, _ p1: Double)
}

/// A pointwise function of two tensors of one dtype, already broadcast (`binary_<name>_<dtype>`).
protocol BinaryKernel: SendableMetatype {
  static var name: String { get }
  /// CUDA C expression per dtype in `x`, `y` (type `T`) and `p0`, `p1`, with the output's type.
  static var cudaForms: [(type: String, result: String, expression: String)] { get }
  static func runCPU(_ a: Tensor, _ b: Tensor, into out: Tensor, _ p0: Double, _ p1: Double)
  /// Comparisons give bool results.
  static var isComparison: Bool { get }
}

extension BinaryKernel {
  static var isComparison: Bool { false }
}

// MARK: - Floating-point kernels

/// A unary kernel on float32 and float64, defined by one generic function.
protocol FloatUnaryKernel: UnaryKernel {
  /// CUDA C in `v`, `p0`, `p1`; `T` is the element type.
  static var cuda: String { get }
  static func apply<T: FloatElement>(_ v: T, _ p0: T, _ p1: T) -> T
  /// A SIMD kernel in `CTorchKernels` for dense float32 input, where one exists.
  static var denseFloat32: DenseFloat32Map? { get }
  /// The same for a kernel that takes the op's two parameters (as floats); by default
  /// `denseFloat32`, which ignores them. The CPU runs this one.
  static var denseFloat32WithParameters: DenseFloat32MapWithParameters? { get }
  /// The fewest elements worth a thread (the chunks run on the pool) for `denseFloat32`, or
  /// without one for contiguous loops of `apply`: `Int.max`, one thread, for kernels bound by
  /// memory.
  static var denseGrain: Int { get }
  /// Integer and bool input (refused unless the kernel is an `IntegerUnaryKernel`).
  static func runInteger(_ x: Tensor, into out: Tensor, _ p0: Double, _ p1: Double)
}

/// `FloatUnaryKernel.denseGrain` of the kernels that compute an exponential per element.
let transcendentalGrain = 8192

extension FloatUnaryKernel {
  static var denseFloat32: DenseFloat32Map? { nil }
  static var denseFloat32WithParameters: DenseFloat32MapWithParameters? {
    denseFloat32.map { dense in { count, x, _, _, out in dense(count, x, out) } }
  }
  static var denseGrain: Int { .max }
  static var cudaForms: [(type: String, expression: String)] { CUDAKernels.floatTypes.map { ($0, cuda) } }

  static func runCPU(_ x: Tensor, into out: Tensor, _ p0: Double, _ p1: Double) {
    switch x.dtype {
    case .float32:
      let (a, b) = (Float(p0), Float(p1))
      if let dense = denseFloat32WithParameters {
        CPULoops.dense(x, into: out, grain: denseGrain) { start, count, x, out in dense(Int64(count), x[0] + start, a, b, out + start) }
        return
      }
      CPULoops.map(x, into: out, grain: denseGrain) { (v: Float) in apply(v, a, b) }
    case .float64:
      CPULoops.map(x, into: out, grain: denseGrain) { (v: Double) in apply(v, p0, p1) }
    default:
      runInteger(x, into: out, p0, p1)
    }
  }

  static func runInteger(_ x: Tensor, into out: Tensor, _ p0: Double, _ p1: Double) {
    torchFail("\"\(name)\" not implemented for '\(x.dtype.scalarTypeName)'")
  }
}

/// A unary kernel that also runs on int64 and uint8 (wrapping arithmetic, as PyTorch's).
protocol IntegerUnaryKernel: FloatUnaryKernel {
  static var cudaInteger: String { get }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ v: T, _ p0: Double, _ p1: Double) -> T
}

extension IntegerUnaryKernel {
  static var cudaForms: [(type: String, expression: String)] {
    CUDAKernels.floatTypes.map { ($0, cuda) } + CUDAKernels.integerTypes.map { ($0, cudaInteger) }
  }

  static func runInteger(_ x: Tensor, into out: Tensor, _ p0: Double, _ p1: Double) {
    switch x.dtype {
    case .int64: CPULoops.map(x, into: out) { (v: Int64) in applyInteger(v, p0, p1) }
    case .uint8: CPULoops.map(x, into: out) { (v: UInt8) in applyInteger(v, p0, p1) }
    default: torchFail("\"\(name)\" not implemented for '\(x.dtype.scalarTypeName)'")
    }
  }
}

/// A binary kernel on float32 and float64, defined by one generic function.
protocol FloatBinaryKernel: BinaryKernel {
  static var cuda: String { get }
  static func apply<T: FloatElement>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T
  static var denseFloat32: DenseFloat32Zip? { get }
  /// Integer and bool input (refused unless the kernel is an `IntegerBinaryKernel`).
  static func runInteger(_ a: Tensor, _ b: Tensor, into out: Tensor, _ p0: Double, _ p1: Double)
}

extension FloatBinaryKernel {
  static var denseFloat32: DenseFloat32Zip? { nil }
  static var cudaForms: [(type: String, result: String, expression: String)] {
    CUDAKernels.floatTypes.map { ($0, $0, cuda) }
  }

  static func runCPU(_ a: Tensor, _ b: Tensor, into out: Tensor, _ p0: Double, _ p1: Double) {
    switch a.dtype {
    case .float32:
      if let dense = denseFloat32, a.isContiguous, b.isContiguous, a.dims == b.dims {
        dense(Int64(out.numel()), a.pointer(Float.self), b.pointer(Float.self), out.pointer(Float.self))
        return
      }
      let (c, d) = (Float(p0), Float(p1))
      CPULoops.zip(a, b, into: out) { (x: Float, y: Float) in apply(x, y, c, d) }
    case .float64:
      CPULoops.zip(a, b, into: out) { (x: Double, y: Double) in apply(x, y, p0, p1) }
    default:
      runInteger(a, b, into: out, p0, p1)
    }
  }

  static func runInteger(_ a: Tensor, _ b: Tensor, into out: Tensor, _ p0: Double, _ p1: Double) {
    torchFail("\"\(name)\" not implemented for '\(a.dtype.scalarTypeName)'")
  }
}

/// Arithmetic that also runs on int64, uint8 (wrapping) and bool (as logic).
protocol IntegerBinaryKernel: FloatBinaryKernel {
  static var cudaInteger: String { get }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ x: T, _ y: T) -> T
  /// The bool form (`||` for add, `&&` for mul), nil where PyTorch refuses bool.
  static var cudaBool: String? { get }
  static func applyBool(_ x: Bool, _ y: Bool) -> Bool
}

extension IntegerBinaryKernel {
  static var cudaBool: String? { nil }
  static func applyBool(_ x: Bool, _ y: Bool) -> Bool { torchFail("\"\(name)\" not implemented for 'Bool'") }

  static var cudaForms: [(type: String, result: String, expression: String)] {
    CUDAKernels.floatTypes.map { ($0, $0, cuda) } + CUDAKernels.integerTypes.map { ($0, $0, cudaInteger) }
      + (cudaBool.map { [("b8", "b8", $0)] } ?? [])
  }

  static func runInteger(_ a: Tensor, _ b: Tensor, into out: Tensor, _ p0: Double, _ p1: Double) {
    switch a.dtype {
    case .int64: CPULoops.zip(a, b, into: out) { (x: Int64, y: Int64) in applyInteger(x, y) }
    case .uint8: CPULoops.zip(a, b, into: out) { (x: UInt8, y: UInt8) in applyInteger(x, y) }
    case .bool:
      guard cudaBool != nil else { torchFail("\"\(name)\" not implemented for 'Bool'") }
      CPULoops.zip(a, b, into: out) { (x: Bool, y: Bool) in applyBool(x, y) }
    default: torchFail("\"\(name)\" not implemented for '\(a.dtype.scalarTypeName)'")
    }
  }
}

/// An elementwise comparison: any dtype in, bool out.
protocol ComparisonKernel: BinaryKernel {
  /// CUDA C in `x`, `y`, the same for every dtype.
  static var cuda: String { get }
  static func compare<T: Comparable>(_ x: T, _ y: T) -> Bool
  /// The same comparison on bools, ordered false < true.
  static func compareBool(_ x: Bool, _ y: Bool) -> Bool
}

extension ComparisonKernel {
  static var isComparison: Bool { true }
  static var cudaForms: [(type: String, result: String, expression: String)] { CUDAKernels.allTypes.map { ($0, "b8", cuda) } }
  static func compareBool(_ x: Bool, _ y: Bool) -> Bool { compare(x ? 1 : 0, y ? 1 : 0) }

  static func runCPU(_ a: Tensor, _ b: Tensor, into out: Tensor, _ p0: Double, _ p1: Double) {
    switch a.dtype {
    case .float32: CPULoops.zip(a, b, into: out) { (x: Float, y: Float) in compare(x, y) }
    case .float64: CPULoops.zip(a, b, into: out) { (x: Double, y: Double) in compare(x, y) }
    case .int64: CPULoops.zip(a, b, into: out) { (x: Int64, y: Int64) in compare(x, y) }
    case .uint8: CPULoops.zip(a, b, into: out) { (x: UInt8, y: UInt8) in compare(x, y) }
    case .bool: CPULoops.zip(a, b, into: out) { (x: Bool, y: Bool) in compareBool(x, y) }
    }
  }
}

// MARK: - Op values

/// A unary kernel with its parameters: what `Backend.unary` runs.
struct UnaryOp: Sendable {
  let kernel: any UnaryKernel.Type
  var p0: Double = 0
  var p1: Double = 0

  init(_ kernel: any UnaryKernel.Type, _ p0: Double = 0, _ p1: Double = 0) {
    self.kernel = kernel
    self.p0 = p0
    self.p1 = p1
  }
}

/// A binary kernel with its parameters: what `Backend.binary` runs.
struct BinaryOp: Sendable {
  let kernel: any BinaryKernel.Type
  var p0: Double = 0
  var p1: Double = 0

  init(_ kernel: any BinaryKernel.Type, _ p0: Double = 0, _ p1: Double = 0) {
    self.kernel = kernel
    self.p0 = p0
    self.p1 = p1
  }

  var isComparison: Bool { kernel.isComparison }
  func `is`(_ other: any BinaryKernel.Type) -> Bool { kernel == other }
}

extension DType {
  /// ATen's scalar type name, as in "not implemented for 'Long'".
  var scalarTypeName: String {
    switch self {
    case .float32: "Float"
    case .float64: "Double"
    case .int64: "Long"
    case .uint8: "Byte"
    case .bool: "Bool"
    }
  }
}
