import CTorchKernels

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
