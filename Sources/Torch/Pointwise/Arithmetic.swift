import CTorchKernels

// The arithmetic kernels, each declared once (see PointwiseKernel.swift). Their autograd
// rules are in Tensor+Elementwise.swift; activations, which carry their derivative kernels,
// are in Activations.swift.

enum Neg: IntegerUnaryKernel {
  static let name = "neg"
  static let cuda = "-v"
  static let cudaInteger = "(T)-v"
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { -v }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ v: T, _: Double, _: Double) -> T { 0 &- v }
}

enum Exp: FloatUnaryKernel {
  static let name = "exp"
  static let cuda = "exp(v)"
  /// libm's expf, eight lanes at a time under AVX2 (the same bits).
  static var denseFloat32: DenseFloat32Map? { ctk_exp_f32 }
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.exp(v) }
}

enum Log: FloatUnaryKernel {
  static let name = "log"
  static let cuda = "log(v)"
  static var denseFloat32: DenseFloat32Map? { ctk_log_f32 }
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.log(v) }
}

enum Log1p: FloatUnaryKernel {
  static let name = "log1p"
  static let cuda = "log1p(v)"
  static var denseFloat32: DenseFloat32Map? { ctk_log1p_f32 }
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.log1p(v) }
}

/// libm's sinf and sin (PyTorch's CPU kernels use SLEEF: last bits can differ).
enum Sin: FloatUnaryKernel {
  static let name = "sin"
  static let cuda = "sin(v)"
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.sin(v) }
}

enum Cos: FloatUnaryKernel {
  static let name = "cos"
  static let cuda = "cos(v)"
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.cos(v) }
}

/// Rounding to an integral value (half to even for `round`, as PyTorch's nearbyint).
enum Round: FloatUnaryKernel {
  static let name = "round"
  static let cuda = "rint(v)"
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { v.rounded(.toNearestOrEven) }
}

enum Floor: FloatUnaryKernel {
  static let name = "floor"
  static let cuda = "floor(v)"
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { v.rounded(.down) }
}

enum Ceil: FloatUnaryKernel {
  static let name = "ceil"
  static let cuda = "ceil(v)"
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { v.rounded(.up) }
}

enum Trunc: FloatUnaryKernel {
  static let name = "trunc"
  static let cuda = "trunc(v)"
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { v.rounded(.towardZero) }
}

enum Sqrt: FloatUnaryKernel {
  static let name = "sqrt"
  static let cuda = "sqrt(v)"
  static var denseFloat32: DenseFloat32Map? { ctk_sqrt_f32 }
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { v.squareRoot() }
}

/// 1/√x, two roundings as PyTorch's CPU kernel (not the approximate instruction).
enum Rsqrt: FloatUnaryKernel {
  static let name = "rsqrt"
  static let cuda = "(T)1 / sqrt(v)"
  static var denseFloat32: DenseFloat32Map? { ctk_rsqrt_f32 }
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { 1 / v.squareRoot() }
}

enum Abs: IntegerUnaryKernel {
  static let name = "abs"
  static let cuda = "fabs(v)"
  static let cudaInteger = "v < 0 ? (T)-v : v"
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { Swift.abs(v) }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ v: T, _: Double, _: Double) -> T { v < 0 ? 0 &- v : v }
}

/// (v > 0) − (v < 0), as PyTorch's: +0 for −0, and 0 for NaN.
enum Sign: IntegerUnaryKernel {
  static let name = "sign"
  static let cuda = "(T)(v > 0) - (T)(v < 0)"
  static let cudaInteger = "(T)(v > 0) - (T)(v < 0)"
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { v > 0 ? 1 : (v < 0 ? -1 : 0) }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ v: T, _: Double, _: Double) -> T {
    v > 0 ? 1 : (v < 0 ? 0 &- 1 : 0)
  }
}

enum Reciprocal: FloatUnaryKernel {
  static let name = "reciprocal"
  static let cuda = "(T)1 / v"
  static var denseFloat32: DenseFloat32Map? { ctk_reciprocal_f32 }
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { 1 / v }
}

enum Erf: FloatUnaryKernel {
  static let name = "erf"
  static let cuda = "erf(v)"
  static var denseFloat32: DenseFloat32Map? { ctk_erf_f32 }
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.erf(v) }
}

/// `v ** p0` (squares and square roots exactly, as PyTorch special-cases them).
enum PowScalar: IntegerUnaryKernel {
  static let name = "pow"
  static let cuda = """
    p0 == 1 ? v : p0 == 2 ? v * v : p0 == 3 ? v * v * v : p0 == 0.5 ? sqrt(v) : p0 == -0.5 ? (T)1 / sqrt(v) : \
    p0 == -1 ? (T)1 / v : p0 == -2 ? (T)1 / (v * v) : pow(v, (T)p0)
    """
  /// Integer tensors to a whole power ≥ 0 stay integers, wrapping as PyTorch's do.
  static let cudaInteger = "integerPow(v, (i64)p0)"
  /// The special cases as vector loops, chosen once per call; other exponents call powf per
  /// element, so the chunks go to the pool as a transcendental's do.
  static var denseFloat32WithParameters: DenseFloat32MapWithParameters? { ctk_pow_scalar_f32 }
  static let denseGrain = transcendentalGrain
  /// PyTorch's special cases, products and quotients rather than `pow` (faster, and PyTorch's
  /// roundings: x³ is (x·x)·x).
  static func apply<T: FloatElement>(_ v: T, _ p0: T, _: T) -> T {
    switch p0 {
    case 1: v
    case 2: v * v
    case 3: v * v * v
    case 0.5: v.squareRoot()
    case -0.5: 1 / v.squareRoot()
    case -1: 1 / v
    case -2: 1 / (v * v)
    default: T.pow(v, p0)
    }
  }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ v: T, _ p0: Double, _: Double) -> T {
    var (result, base, exponent): (T, T, Int64) = (1, v, Int64(p0))
    while exponent > 0 {
      if exponent & 1 == 1 { result = result &* base }
      base = base &* base
      exponent >>= 1
    }
    return result
  }
}

/// `v * p0 + p1`: the scalar forms of add, sub, mul and div. A zero shift is not added, so
/// `-0.0 * 2` stays `-0.0` as in PyTorch.
enum Affine: IntegerUnaryKernel {
  static let name = "affine"
  static let cuda = "p1 == 0 ? v * (T)p0 : v * (T)p0 + (T)p1"
  static let cudaInteger = "(T)((i64)v * (i64)p0 + (i64)p1)"
  static func apply<T: FloatElement>(_ v: T, _ p0: T, _ p1: T) -> T { p1 == 0 ? v * p0 : (p0 == 1 ? v + p1 : v * p0 + p1) }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ v: T, _ p0: Double, _ p1: Double) -> T {
    v &* T(p0) &+ T(p1)
  }
}

// MARK: - Binary

enum Add: IntegerBinaryKernel {
  static let name = "add"
  static let cuda = "x + y"
  static let cudaInteger = "x + y"
  static let cudaBool: String? = "x || y"
  static var denseFloat32: DenseFloat32Zip? { ctk_add_f32 }
  static func apply<T: FloatElement>(_ x: T, _ y: T, _: T, _: T) -> T { x + y }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ x: T, _ y: T) -> T { x &+ y }
  static func applyBool(_ x: Bool, _ y: Bool) -> Bool { x || y }
}

enum Sub: IntegerBinaryKernel {
  static let name = "sub"
  static let cuda = "x - y"
  static let cudaInteger = "x - y"
  static var denseFloat32: DenseFloat32Zip? { ctk_sub_f32 }
  static func apply<T: FloatElement>(_ x: T, _ y: T, _: T, _: T) -> T { x - y }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ x: T, _ y: T) -> T { x &- y }
}

enum Mul: IntegerBinaryKernel {
  static let name = "mul"
  static let cuda = "x * y"
  static let cudaInteger = "x * y"
  static let cudaBool: String? = "x && y"
  static var denseFloat32: DenseFloat32Zip? { ctk_mul_f32 }
  static func apply<T: FloatElement>(_ x: T, _ y: T, _: T, _: T) -> T { x * y }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ x: T, _ y: T) -> T { x &* y }
  static func applyBool(_ x: Bool, _ y: Bool) -> Bool { x && y }
}

enum Div: FloatBinaryKernel {
  static let name = "div"
  static let cuda = "x / y"
  static var denseFloat32: DenseFloat32Zip? { ctk_div_f32 }
  static func apply<T: FloatElement>(_ x: T, _ y: T, _: T, _: T) -> T { x / y }
}

// MARK: - Rounded division and remainders (PyTorch's CPU formulas)

/// Python's modulo (`torch.remainder`, `%`): the result takes the divisor's sign.
enum Remainder: IntegerBinaryKernel {
  static let name = "remainder"
  static let cuda = "remainderOf(x, y)"
  static let cudaInteger = "y == 0 ? (T)0 : (T)(((x % y) != 0 && ((x % y) < 0) != (y < 0)) ? (x % y) + y : (x % y))"
  static func apply<T: FloatElement>(_ x: T, _ y: T, _: T, _: T) -> T {
    let m = x.truncatingRemainder(dividingBy: y)
    return m != 0 && (m < 0) != (y < 0) ? m + y : m
  }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ x: T, _ y: T) -> T {
    let m = x.remainderReportingOverflow(dividingBy: y).partialValue
    return m != 0 && (m < 0) != (y < 0) ? m &+ y : m
  }
}

/// C's fmod (`torch.fmod`): the result takes the dividend's sign.
enum Fmod: IntegerBinaryKernel {
  static let name = "fmod"
  static let cuda = "fmod(x, y)"
  static let cudaInteger = "y == 0 ? (T)0 : (T)(x % y)"
  static func apply<T: FloatElement>(_ x: T, _ y: T, _: T, _: T) -> T { x.truncatingRemainder(dividingBy: y) }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ x: T, _ y: T) -> T {
    x.remainderReportingOverflow(dividingBy: y).partialValue
  }
}

/// Division rounded down (`torch.div(rounding_mode="floor")`, `torch.floor_divide`), for floats
/// by PyTorch's (and Python's) formula from fmod, exact where ⌊x / y⌋ of the rounded quotient is not.
enum FloorDivide: IntegerBinaryKernel {
  static let name = "floor_divide"
  static let cuda = "floorDivideOf(x, y)"
  static let cudaInteger = "y == 0 ? (T)0 : (T)((x / y) - (((x % y) != 0 && ((x < 0) != (y < 0))) ? 1 : 0))"
  static func apply<T: FloatElement>(_ x: T, _ y: T, _: T, _: T) -> T {
    if y == 0 { return x / y }
    let m = x.truncatingRemainder(dividingBy: y)
    var quotient = (x - m) / y
    if m != 0 && (y < 0) != (m < 0) { quotient -= 1 }
    guard quotient != 0 else { return T(signOf: x / y, magnitudeOf: 0) }
    let floored = quotient.rounded(.down)
    return quotient - floored > 0.5 ? floored + 1 : floored
  }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ x: T, _ y: T) -> T {
    let q = x.dividedReportingOverflow(by: y).partialValue
    return x.remainderReportingOverflow(dividingBy: y).partialValue != 0 && (x < 0) != (y < 0) ? q &- 1 : q
  }
}

/// Division rounded toward zero (`torch.div(rounding_mode="trunc")`).
enum TruncDivide: IntegerBinaryKernel {
  static let name = "trunc_divide"
  static let cuda = "trunc(x / y)"
  static let cudaInteger = "y == 0 ? (T)0 : (T)(x / y)"
  static func apply<T: FloatElement>(_ x: T, _ y: T, _: T, _: T) -> T { (x / y).rounded(.towardZero) }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ x: T, _ y: T) -> T { x.dividedReportingOverflow(by: y).partialValue }
}

enum Pow: FloatBinaryKernel {
  static let name = "pow"
  static let cuda = "pow(x, y)"
  static func apply<T: FloatElement>(_ x: T, _ y: T, _: T, _: T) -> T { T.pow(x, y) }
}

/// Elementwise maximum; NaN wins, as in PyTorch.
enum Maximum: IntegerBinaryKernel {
  static let name = "maximum"
  static let cuda = "(x != x || y != y) ? (T)NAN : fmax(x, y)"
  static let cudaInteger = "x > y ? x : y"
  static let cudaBool: String? = "x || y"
  static func apply<T: FloatElement>(_ x: T, _ y: T, _: T, _: T) -> T { x.isNaN || y.isNaN ? T.nan : Swift.max(x, y) }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ x: T, _ y: T) -> T { Swift.max(x, y) }
  static func applyBool(_ x: Bool, _ y: Bool) -> Bool { x || y }
}

enum Minimum: IntegerBinaryKernel {
  static let name = "minimum"
  static let cuda = "(x != x || y != y) ? (T)NAN : fmin(x, y)"
  static let cudaInteger = "x < y ? x : y"
  static let cudaBool: String? = "x && y"
  static func apply<T: FloatElement>(_ x: T, _ y: T, _: T, _: T) -> T { x.isNaN || y.isNaN ? T.nan : Swift.min(x, y) }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ x: T, _ y: T) -> T { Swift.min(x, y) }
  static func applyBool(_ x: Bool, _ y: Bool) -> Bool { x && y }
}

/// `x + p0 * y` with one rounding (an FMA, as PyTorch's vector kernel): `add(other, alpha:)`.
/// Dense float32 takes the AXPY kernel, also in place (`out` may be `x`).
enum AddScaled: FloatBinaryKernel {
  static let name = "add_scaled"
  static let cuda = "fma((T)p0, y, x)"
  static func apply<T: FloatElement>(_ x: T, _ y: T, _ p0: T, _: T) -> T { x.addingProduct(p0, y) }

  static func runCPU(_ a: Tensor, _ b: Tensor, into out: Tensor, _ p0: Double, _ p1: Double) {
    if a.dtype == .float32, a.isContiguous, b.isContiguous, a.dims == b.dims {
      let n = out.numel()
      if out.pointer(Float.self) != a.pointer(Float.self) { out.pointer(Float.self).update(from: a.pointer(Float.self), count: n) }
      ctk_axpy_f32(Int64(n), Float(p0), b.pointer(Float.self), out.pointer(Float.self))
      return
    }
    // One y for every element (a scalar, broadcast): the per-element generic loop called fma
    // through libm (x.add_(0.5) on 3.2M floats: 8.4 ms).
    if a.dtype == .float32, a.isContiguous, out.isContiguous, out.numel() > 0, b.elementStrides.allSatisfy({ $0 == 0 }) {
      ctk_add_scaled_scalar_f32(Int64(out.numel()), a.pointer(Float.self), Float(p0), b.pointer(Float.self).pointee, out.pointer(Float.self))
      return
    }
    switch a.dtype {
    case .float32:
      let s = Float(p0)
      CPULoops.zip(a, b, into: out) { (x: Float, y: Float) in x.addingProduct(s, y) }
    case .float64:
      CPULoops.zip(a, b, into: out) { (x: Double, y: Double) in x.addingProduct(p0, y) }
    default: torchFail("\"add_scaled\" not implemented for '\(a.dtype.scalarTypeName)'")
    }
  }
}

// MARK: - Comparisons

enum Equal: ComparisonKernel {
  static let name = "eq"
  static let cuda = "x == y"
  static func compare<T: Comparable>(_ x: T, _ y: T) -> Bool { x == y }
}

enum NotEqual: ComparisonKernel {
  static let name = "ne"
  static let cuda = "x != y"
  static func compare<T: Comparable>(_ x: T, _ y: T) -> Bool { x != y }
}

enum Less: ComparisonKernel {
  static let name = "lt"
  static let cuda = "x < y"
  static func compare<T: Comparable>(_ x: T, _ y: T) -> Bool { x < y }
}

enum LessEqual: ComparisonKernel {
  static let name = "le"
  static let cuda = "x <= y"
  static func compare<T: Comparable>(_ x: T, _ y: T) -> Bool { x <= y }
}

enum Greater: ComparisonKernel {
  static let name = "gt"
  static let cuda = "x > y"
  static func compare<T: Comparable>(_ x: T, _ y: T) -> Bool { x > y }
}

enum GreaterEqual: ComparisonKernel {
  static let name = "ge"
  static let cuda = "x >= y"
  static func compare<T: Comparable>(_ x: T, _ y: T) -> Bool { x >= y }
}
