import CTorchKernels
import Foundation

// The exponential, logarithmic, trigonometric and hyperbolic kernels beyond exp, log, log1p, sin
// and cos (Arithmetic.swift), each declared once. libm's functions per element, except expm1's
// float32 vector loop (ELU's too); PyTorch's CPU kernels use SLEEF, so last bits can differ.
// Their autograd rules are in Tensor+Transcendental.swift.

enum Expm1: FloatUnaryKernel {
  static let name = "expm1"
  static let cuda = "expm1(v)"
  /// Eight lanes at a time in doubles under AVX2 (within 1 ulp), libm's expm1f otherwise.
  static var denseFloat32: DenseFloat32Map? { ctk_expm1_f32 }
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.expm1(v) }
}

enum Exp2: FloatUnaryKernel {
  static let name = "exp2"
  static let cuda = "exp2(v)"
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.exp2(v) }
}

enum Log2: FloatUnaryKernel {
  static let name = "log2"
  static let cuda = "log2(v)"
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.log2(v) }
}

enum Log10: FloatUnaryKernel {
  static let name = "log10"
  static let cuda = "log10(v)"
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.log10(v) }
}

enum Tan: FloatUnaryKernel {
  static let name = "tan"
  static let cuda = "tan(v)"
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.tan(v) }
}

enum Asin: FloatUnaryKernel {
  static let name = "asin"
  static let cuda = "asin(v)"
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.asin(v) }
}

enum Acos: FloatUnaryKernel {
  static let name = "acos"
  static let cuda = "acos(v)"
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.acos(v) }
}

enum Atan: FloatUnaryKernel {
  static let name = "atan"
  static let cuda = "atan(v)"
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.atan(v) }
}

enum Sinh: FloatUnaryKernel {
  static let name = "sinh"
  static let cuda = "sinh(v)"
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.sinh(v) }
}

enum Cosh: FloatUnaryKernel {
  static let name = "cosh"
  static let cuda = "cosh(v)"
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.cosh(v) }
}

/// The inverse error function, NaN outside [−1, 1] and ±inf at ±1: PyTorch's `calc_erfinv`
/// (a rational first guess refined by two Newton steps) in double, float32 rounded from it.
/// PyTorch's x86 builds call MKL's vsErfInv instead; rounded from double, float32 differs from
/// it by at most an ulp (in 0.7% of a sweep over [−1, 1]), where calc_erfinv in float32 would
/// differ in 23%.
enum Erfinv: FloatUnaryKernel {
  static let name = "erfinv"
  /// In double on the device too (CUDA has no float erfinv overload), then rounded.
  static let cuda = "(T)erfinv((double)v)"
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T(inverseErf(Double(v))) }

  static func inverseErf(_ y: Double) -> Double {
    let magnitude = Swift.abs(y)
    guard magnitude <= 1 else { return .nan }
    guard magnitude < 1 else { return y > 0 ? .infinity : -.infinity }
    var x: Double
    if magnitude <= 0.7 {
      let z = y * y
      let numerator = ((-0.140543331 * z + 0.914624893) * z - 1.645349621) * z + 0.886226899
      let denominator = (((0.012229801 * z - 0.329097515) * z + 1.442710462) * z - 2.118377725) * z + 1
      x = y * numerator / denominator
    } else {
      let z = (-Foundation.log((1 - magnitude) / 2)).squareRoot()
      let numerator = ((1.641345311 * z + 3.429567803) * z - 1.624906493) * z - 1.970840454
      let denominator = (1.637067800 * z + 3.543889200) * z + 1
      x = Double(signOf: y, magnitudeOf: numerator) / denominator
    }
    let twoOverRootPi = 2 * 0.5641895835477562869480794515607725858
    for _ in 0..<2 { x -= (Foundation.erf(x) - y) / (twoOverRootPi * Foundation.exp(-x * x)) }
    return x
  }
}
