import CTorchKernels

// Activations, each declared once: the forward kernel (CPU form and CUDA C), the derivative
// kernel `g · f'` that backward runs, PyTorch's node names, and f' in differentiable tensor
// ops, which gradients of gradients (`createGraph`) differentiate further. The tensor methods
// and functional forms follow; the modules are in NN/Activations.swift.

/// An activation declared once. Backward runs the fused derivative kernel; with `createGraph`
/// its result is recorded as a product `g · f'(x)` (named `backwardNode`), so it can be
/// differentiated again to any order.
protocol Activation: FloatUnaryKernel {
  /// PyTorch's node name, e.g. `SoftplusBackward0`.
  static var node: String { get }
  /// The node of the gradient when it is itself recorded (`SoftplusBackwardBackward0`); nil
  /// where PyTorch's gradient is a plain product (`MulBackward0`).
  static var backwardNode: String? { get }
  /// Whether the derivative kernel reads the op's output (relu, tanh, sigmoid) rather than its input.
  static var derivativeReadsOutput: Bool { get }
  /// CUDA C of `g · f'` in `x` (the incoming gradient), `y` (the saved input or output), `p0`, `p1`.
  static var derivativeCUDA: String { get }
  static func derivative<T: FloatElement>(_ g: T, _ saved: T, _ p0: T, _ p1: T) -> T
  static var denseDerivativeFloat32: DenseFloat32Zip? { get }
  /// The same for a derivative that takes the op's two parameters (as floats); by default
  /// `denseDerivativeFloat32`, which ignores them. The CPU runs this one.
  static var denseDerivativeFloat32WithParameters: DenseFloat32ZipWithParameters? { get }
  /// f'(input) in differentiable ops.
  static func derivative(at input: Tensor, _ p0: Double, _ p1: Double) -> Tensor
  /// `g · f'` on the CPU. A requirement, so that each activation's conformance compiles its
  /// own copy with `derivative` inlined: reached through the generic `ActivationDerivative<A>`
  /// the loop ran unspecialized, a witness call per element (GELU's backward of 32K elements
  /// took 3.5 ms).
  static func runDerivativeCPU(_ g: Tensor, _ saved: Tensor, into out: Tensor, _ p0: Double, _ p1: Double)
}

extension Activation {
  static var derivativeReadsOutput: Bool { false }
  static var denseDerivativeFloat32: DenseFloat32Zip? { nil }
  static var denseDerivativeFloat32WithParameters: DenseFloat32ZipWithParameters? {
    denseDerivativeFloat32.map { dense in { count, g, x, _, _, out in dense(count, g, x, out) } }
  }

  static func runDerivativeCPU(_ g: Tensor, _ saved: Tensor, into out: Tensor, _ p0: Double, _ p1: Double) {
    switch g.dtype {
    case .float32:
      let (c, d) = (Float(p0), Float(p1))
      if let dense = denseDerivativeFloat32WithParameters, g.dims == saved.dims {
        CPULoops.dense(g, saved, into: out, grain: denseGrain) { start, count, x, out in
          dense(Int64(count), x[0] + start, x[1] + start, c, d, out + start)
        }
        return
      }
      CPULoops.zip(g, saved, into: out, grain: denseGrain) { (x: Float, y: Float) in derivative(x, y, c, d) }
    case .float64:
      CPULoops.zip(g, saved, into: out, grain: denseGrain) { (x: Double, y: Double) in derivative(x, y, p0, p1) }
    default:
      torchFail("\"\(name)_backward\" not implemented for '\(g.dtype.scalarTypeName)'")
    }
  }
}

/// The derivative kernel `g · f'` of an activation, derived from its declaration.
enum ActivationDerivative<A: Activation>: FloatBinaryKernel {
  static var name: String { A.name + "_backward" }
  static var cuda: String { A.derivativeCUDA }
  static var denseFloat32: DenseFloat32Zip? { A.denseDerivativeFloat32 }
  static func apply<T: FloatElement>(_ x: T, _ y: T, _ p0: T, _ p1: T) -> T { A.derivative(x, y, p0, p1) }
  static func runCPU(_ a: Tensor, _ b: Tensor, into out: Tensor, _ p0: Double, _ p1: Double) { A.runDerivativeCPU(a, b, into: out, p0, p1) }
}

/// max(x, 0); relu'(0) = 0.
enum Relu: IntegerUnaryKernel, Activation {
  static let name = "relu"
  static let node = "ReluBackward0"
  static let backwardNode: String? = "ThresholdBackwardBackward0"
  static let cuda = "v < 0 ? (T)0 : v"
  static let cudaInteger = "v < 0 ? (T)0 : v"
  static var denseFloat32: DenseFloat32Map? { ctk_relu_f32 }
  /// x unless x < 0, as PyTorch's: NaN and −0 stay.
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { v < 0 ? 0 : v }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ v: T, _: Double, _: Double) -> T { v < 0 ? 0 : v }
  static let derivativeReadsOutput = true
  static let derivativeCUDA = "y > 0 ? x : (T)0"
  static var denseDerivativeFloat32: DenseFloat32Zip? { ctk_relu_backward_f32 }
  static func derivative<T: FloatElement>(_ g: T, _ y: T, _: T, _: T) -> T { y > 0 ? g : 0 }
  static func derivative(at x: Tensor, _: Double, _: Double) -> Tensor { x.gt(0.0).to(x.dtype) }
}

enum Tanh: Activation {
  static let name = "tanh"
  static let node = "TanhBackward0"
  static let backwardNode: String? = "TanhBackwardBackward0"
  static let cuda = "tanh(v)"
  static var denseFloat32: DenseFloat32Map? { ctk_tanh_f32 }
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { T.tanh(v) }
  static let derivativeReadsOutput = true
  static let derivativeCUDA = "x * ((T)1 - y * y)"
  static var denseDerivativeFloat32: DenseFloat32Zip? { ctk_tanh_backward_f32 }
  static func derivative<T: FloatElement>(_ g: T, _ y: T, _: T, _: T) -> T { g * (1 - y * y) }
  static func derivative(at x: Tensor, _: Double, _: Double) -> Tensor { 1.0 - x.tanh().pow(2) }
}

enum Sigmoid: Activation {
  static let name = "sigmoid"
  static let node = "SigmoidBackward0"
  static let backwardNode: String? = "SigmoidBackwardBackward0"
  static let cuda = "(T)1 / ((T)1 + exp(-v))"
  static var denseFloat32: DenseFloat32Map? { ctk_sigmoid_f32 }
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { 1 / (1 + T.exp(-v)) }
  static let derivativeReadsOutput = true
  static let derivativeCUDA = "x * ((T)1 - y) * y"
  static var denseDerivativeFloat32: DenseFloat32Zip? { ctk_sigmoid_backward_f32 }
  static func derivative<T: FloatElement>(_ g: T, _ y: T, _: T, _: T) -> T { g * (1 - y) * y }
  static func derivative(at x: Tensor, _: Double, _: Double) -> Tensor {
    let s = x.sigmoid()
    return s * (1.0 - s)
  }
}

/// The exact (erf) GELU, PyTorch's default `approximate='none'`.
enum Gelu: Activation {
  static let name = "gelu"
  static let node = "GeluBackward0"
  static let backwardNode: String? = "GeluBackwardBackward0"
  static let cuda = "v * (T)0.5 * ((T)1 + erf(v * (T)0.70710678118654752))"
  static var denseFloat32: DenseFloat32Map? { ctk_gelu_f32 }
  static let denseGrain = transcendentalGrain
  static var denseDerivativeFloat32: DenseFloat32Zip? { ctk_gelu_backward_f32 }
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { v * T(0.5) * (1 + T.erf(v * T(0.5.squareRoot()))) }
  static let derivativeCUDA = "x * ((T)0.5 * ((T)1 + erf(y * (T)0.70710678118654752)) + y * exp((T)-0.5 * y * y) * (T)0.39894228040143268)"
  static func derivative<T: FloatElement>(_ g: T, _ x: T, _: T, _: T) -> T {
    let cdf = T(0.5) * (1 + T.erf(x * T(0.5.squareRoot())))
    let pdf = T.exp(-T(0.5) * x * x) * T(1 / (2 * Double.pi).squareRoot())
    return g * (cdf + x * pdf)
  }
  static func derivative(at x: Tensor, _: Double, _: Double) -> Tensor {
    let cdf = ((x * 0.5.squareRoot()).erf() + 1.0) * 0.5
    let pdf = (x * x * -0.5).exp() * (1 / (2 * Double.pi).squareRoot())
    return cdf + x * pdf
  }
}

/// x σ(x).
enum Silu: Activation {
  static let name = "silu"
  static let node = "SiluBackward0"
  static let backwardNode: String? = nil
  static let cuda = "v / ((T)1 + exp(-v))"
  static var denseFloat32: DenseFloat32Map? { ctk_silu_f32 }
  static let denseGrain = transcendentalGrain
  static var denseDerivativeFloat32: DenseFloat32Zip? { ctk_silu_backward_f32 }
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { v / (1 + T.exp(-v)) }
  static let derivativeCUDA = "x * ((T)1 / ((T)1 + exp(-y))) * ((T)1 + y * ((T)1 - (T)1 / ((T)1 + exp(-y))))"
  static func derivative<T: FloatElement>(_ g: T, _ x: T, _: T, _: T) -> T {
    let s = 1 / (1 + T.exp(-x))
    return g * s * (1 + x * (1 - s))
  }
  static func derivative(at x: Tensor, _: Double, _: Double) -> Tensor {
    let s = x.sigmoid()
    return s * (x * (1.0 - s) + 1.0)
  }
}

/// x for x > 0, else slope · x (p0 = slope).
enum LeakyRelu: Activation {
  static let name = "leaky_relu"
  static let node = "LeakyReluBackward0"
  static let backwardNode: String? = "LeakyReluBackwardBackward0"
  static let cuda = "v > 0 ? v : v * (T)p0"
  static func apply<T: FloatElement>(_ v: T, _ p0: T, _: T) -> T { v > 0 ? v : v * p0 }
  static let derivativeCUDA = "y > 0 ? x : x * (T)p0"
  static func derivative<T: FloatElement>(_ g: T, _ x: T, _ p0: T, _: T) -> T { x > 0 ? g : g * p0 }
  static func derivative(at x: Tensor, _ slope: Double, _: Double) -> Tensor { x.gt(0.0).to(x.dtype) * (1 - slope) + slope }
}

/// x for x > 0, else α·expm1(x) (p0 = α), as PyTorch's vector kernel.
enum Elu: Activation {
  static let name = "elu"
  static let node = "EluBackward0"
  static let backwardNode: String? = "EluBackwardBackward0"
  static let cuda = "v > 0 ? v : (T)p0 * expm1(v)"
  static let denseGrain = transcendentalGrain
  static var denseFloat32WithParameters: DenseFloat32MapWithParameters? { ctk_elu_f32 }
  static var denseDerivativeFloat32WithParameters: DenseFloat32ZipWithParameters? { ctk_elu_backward_f32 }
  static func apply<T: FloatElement>(_ v: T, _ p0: T, _: T) -> T { v > 0 ? v : p0 * T.expm1(v) }
  static let derivativeCUDA = "y > 0 ? x : x * (T)p0 * exp(y)"
  static func derivative<T: FloatElement>(_ g: T, _ x: T, _ p0: T, _: T) -> T { x > 0 ? g : g * p0 * T.exp(x) }
  static func derivative(at x: Tensor, _ alpha: Double, _: Double) -> Tensor {
    torch.where(x.gt(0.0), torch.onesLike(x), x.exp() * alpha)
  }
}

/// PyTorch's clamp: v below p0 becomes p0, then above p1 becomes p1; a value equal to a bound
/// stays itself (−0 clamped at +0 is −0), NaN stays, and so does every value for a NaN bound.
func clamped<T: FloatElement>(_ v: T, _ p0: T, _ p1: T) -> T {
  let m = v < p0 ? p0 : v
  return m > p1 ? p1 : m
}

/// `clamped` for a CUDA kernel.
let clampCUDA = "v < (T)p0 ? ((T)p0 > (T)p1 ? (T)p1 : (T)p0) : (v > (T)p1 ? (T)p1 : v)"

/// Limits values to [p0, p1], a NaN bound standing for an absent one (`clamp(min: 0)` has
/// p1 = NaN, so an explicit infinite bound stays a bound). The gradient passes strictly
/// inside: where x > min and x < max, zero at the bounds and for NaN, as PyTorch 2.15's
/// `ClampBackward1` (`clamp(min=0)` at 0 gives 0, as relu does; `clamp(min=-inf)` at -inf 0).
enum Clamp: IntegerUnaryKernel, Activation {
  static let name = "clamp"
  static let node = "ClampBackward1"
  static let backwardNode: String? = nil
  static let cuda = clampCUDA
  static let cudaInteger = "(T)fmin(fmax((double)v, p0), p1)"
  static var denseFloat32WithParameters: DenseFloat32MapWithParameters? { ctk_clamp_f32 }
  static var denseDerivativeFloat32WithParameters: DenseFloat32ZipWithParameters? { ctk_clamp_backward_f32 }
  static func apply<T: FloatElement>(_ v: T, _ p0: T, _ p1: T) -> T { clamped(v, p0, p1) }
  static func applyInteger<T: NumericElement & FixedWidthInteger>(_ v: T, _ p0: Double, _ p1: Double) -> T {
    let low = p0.isNaN ? v : Swift.max(v, T(saturating: p0))
    return p1.isNaN ? low : Swift.min(low, T(saturating: p1))
  }
  static let derivativeCUDA = "((p0 != p0 || y > (T)p0) && (p1 != p1 || y < (T)p1)) ? x : (T)0"
  static func derivative<T: FloatElement>(_ g: T, _ x: T, _ p0: T, _ p1: T) -> T {
    (p0.isNaN || x > p0) && (p1.isNaN || x < p1) ? g : 0
  }
  static func derivative(at x: Tensor, _ low: Double, _ high: Double) -> Tensor {
    let aboveLow = low.isNaN ? torch.onesLike(x) : x.gt(low).to(x.dtype)
    return high.isNaN ? aboveLow : aboveLow * x.lt(high).to(x.dtype)
  }
}

/// log(1 + e^(βx)) / β, linear where βx > threshold (p0 = β, p1 = threshold).
enum Softplus: Activation {
  static let name = "softplus"
  static let node = "SoftplusBackward0"
  static let backwardNode: String? = "SoftplusBackwardBackward0"
  static let cuda = "v * (T)p0 > (T)p1 ? v : log1p(exp(v * (T)p0)) / (T)p0"
  static let denseGrain = transcendentalGrain
  static var denseFloat32WithParameters: DenseFloat32MapWithParameters? { ctk_softplus_f32 }
  static var denseDerivativeFloat32WithParameters: DenseFloat32ZipWithParameters? { ctk_softplus_backward_f32 }
  static func apply<T: FloatElement>(_ v: T, _ p0: T, _ p1: T) -> T { v * p0 > p1 ? v : T.log1p(T.exp(v * p0)) / p0 }
  static let derivativeCUDA = "y * (T)p0 > (T)p1 ? x : x * exp(y * (T)p0) / (exp(y * (T)p0) + (T)1)"
  static func derivative<T: FloatElement>(_ g: T, _ x: T, _ p0: T, _ p1: T) -> T {
    if x * p0 > p1 { return g }
    let z = T.exp(x * p0)
    return g * z / (z + 1)
  }
  static func derivative(at x: Tensor, _ beta: Double, _ threshold: Double) -> Tensor {
    let scaled = x * beta
    return torch.where(scaled.gt(threshold), torch.onesLike(x), scaled.sigmoid())
  }
}

/// x · tanh(softplus(x)).
enum Mish: Activation {
  static let name = "mish"
  static let node = "MishBackward0"
  static let backwardNode: String? = nil
  static let cuda = "v * tanh(log1p(exp(v)))"
  static let denseGrain = transcendentalGrain
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { v * T.tanh(T.log1p(T.exp(v))) }
  static let derivativeCUDA = "x * (tanh(log1p(exp(y))) + y * ((T)1 / ((T)1 + exp(-y))) * ((T)1 - tanh(log1p(exp(y))) * tanh(log1p(exp(y)))))"
  static func derivative<T: FloatElement>(_ g: T, _ x: T, _: T, _: T) -> T {
    let s = 1 / (1 + T.exp(-x)), t = T.tanh(T.log1p(T.exp(x)))
    return g * (t + x * s * (1 - t * t))
  }
  static func derivative(at x: Tensor, _: Double, _: Double) -> Tensor {
    let t = x.softplus().tanh()
    return t + x * x.sigmoid() * (1.0 - t * t)
  }
}

/// x · relu6(x + 3) / 6.
enum Hardswish: Activation {
  static let name = "hardswish"
  static let node = "HardswishBackward0"
  static let backwardNode: String? = "HardswishBackwardBackward0"
  static let cuda = "v * fmin(fmax(v + (T)3, (T)0), (T)6) / (T)6"
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { v * Swift.min(Swift.max(v + 3, 0), 6) / 6 }
  static let derivativeCUDA = "y < (T)-3 ? (T)0 : (y <= (T)3 ? x * (y / (T)3 + (T)0.5) : x)"
  static func derivative<T: FloatElement>(_ g: T, _ x: T, _: T, _: T) -> T {
    x < -3 ? 0 : (x <= 3 ? g * (x / 3 + T(0.5)) : g)
  }
  static func derivative(at x: Tensor, _: Double, _: Double) -> Tensor {
    torch.where(x.lt(-3.0), torch.zerosLike(x), torch.where(x.le(3.0), x / 3.0 + 0.5, torch.onesLike(x)))
  }
}

/// relu6(x + 3) / 6.
enum Hardsigmoid: Activation {
  static let name = "hardsigmoid"
  static let node = "HardsigmoidBackward0"
  static let backwardNode: String? = "HardsigmoidBackwardBackward0"
  static let cuda = "fmin(fmax(v + (T)3, (T)0), (T)6) / (T)6"
  static func apply<T: FloatElement>(_ v: T, _: T, _: T) -> T { Swift.min(Swift.max(v + 3, 0), 6) / 6 }
  // PyTorch's kernel multiplies by the float constant 1.0f/6.0f, in float64 too; so do we.
  static let derivativeCUDA = "(y > (T)-3 && y < (T)3) ? x * (T)(1.0f / 6.0f) : (T)0"
  static func derivative<T: FloatElement>(_ g: T, _ x: T, _: T, _: T) -> T { x > -3 && x < 3 ? g * T(Float(1) / Float(6)) : 0 }
  static func derivative(at x: Tensor, _: Double, _: Double) -> Tensor {
    x.gt(-3.0).to(x.dtype) * x.lt(3.0).to(x.dtype) * Double(Float(1) / Float(6))
  }
}

/// Clamps to [p0, p1]; the gradient stops at the bounds, as clamp's, but passes NaN through
/// (PyTorch's hardtanh_backward zeroes only x <= min or x >= max).
enum Hardtanh: Activation {
  static let name = "hardtanh"
  static let node = "HardtanhBackward0"
  static let backwardNode: String? = "HardtanhBackwardBackward0"
  static let cuda = clampCUDA
  static func apply<T: FloatElement>(_ v: T, _ p0: T, _ p1: T) -> T { clamped(v, p0, p1) }
  static let derivativeCUDA = "(y <= (T)p0 || y >= (T)p1) ? (T)0 : x"
  static func derivative<T: FloatElement>(_ g: T, _ x: T, _ p0: T, _ p1: T) -> T { x <= p0 || x >= p1 ? 0 : g }
  static func derivative(at x: Tensor, _ low: Double, _ high: Double) -> Tensor {
    x.gt(low).to(x.dtype) * x.lt(high).to(x.dtype)
  }
}

extension FixedWidthInteger {
  /// The nearest representable value to `value` (infinities to the extremes).
  init(saturating value: Double) {
    if value.isNaN || value <= Double(Self.min) {
      self = .min
    } else if value >= Double(Self.max) {
      self = .max
    } else {
      self = Self(value.rounded(.towardZero))
    }
  }
}

// MARK: - Tensor methods

extension Tensor {
  /// Runs activation `A` with its autograd rule (see `Activation`).
  func activation<A: Activation>(_: A.Type, _ p0: Double = 0, _ p1: Double = 0) -> Tensor {
    let out = unaryResult(UnaryOp(A.self, p0, p1), floatOnly: !(A.self is any IntegerUnaryKernel.Type))
    guard requiresGrad && GradMode.isEnabled else { return out }
    let saved = A.derivativeReadsOutput ? out.detach() : detach()
    return out.recording(A.node, [self], saved: [saved]) { g in
      [Tensor.activationGradient(A.self, g, saved: saved, slopeAt: self, p0, p1)]
    }
  }

  /// g · f′ for activation `A`, its backward rule (the in-place forms' too): the derivative
  /// kernel on `saved` (what it reads: the output or the input), or under createGraph the same
  /// values recorded as the product with the slope at `point`, so they differentiate again.
  static func activationGradient<A: Activation>(_: A.Type, _ g: Tensor, saved: Tensor, slopeAt point: Tensor,
                                                _ p0: Double, _ p1: Double) -> Tensor {
    let gradient = { Tensor.elementwise(BinaryOp(ActivationDerivative<A>.self, p0, p1), g, saved, compute: g.dtype, output: g.dtype) }
    guard GradMode.isEnabled else { return gradient() }
    let slope = A.derivative(at: point, p0, p1)
    guard let name = A.backwardNode else { return g * slope }
    return gradient().recording(name, [g, slope]) { h in [h * slope, h * g] }
  }

  public func tanh() -> Tensor { activation(Tanh.self) }
  public func sigmoid() -> Tensor { activation(Sigmoid.self) }
  /// max(x, 0), with PyTorch's subgradient relu'(0) = 0.
  public func relu() -> Tensor { activation(Relu.self) }
  /// x·Φ(x), the exact (erf) GELU by default (`F.gelu`, node `GeluBackward0`); with `approximate: "tanh"`, PyTorch's
  /// ½x(1 + tanh(√(2/π)(x + 0.044715x³))), composed from tensor ops.
  public func gelu(approximate: String = "none") -> Tensor {
    torchCheck(approximate == "none" || approximate == "tanh", "approximate argument must be either none or tanh.")
    guard approximate == "tanh" else { return activation(Gelu.self) }
    return Tensor.composite("GeluBackward0", [self]) { inputs in
      let x = inputs[0]
      let inner = (x + x * x * x * 0.044715) * (2 / Double.pi).squareRoot()
      return x * 0.5 * (inner.tanh() + 1.0)
    }
  }
  public func silu() -> Tensor { activation(Silu.self) }
  public func leakyRelu(_ negativeSlope: Double = 0.01) -> Tensor { activation(LeakyRelu.self, negativeSlope) }
  public func elu(alpha: Double = 1) -> Tensor { activation(Elu.self, alpha) }
  /// log(1 + e^(βx)) / β, and x itself where βx > threshold (`F.softplus`).
  public func softplus(beta: Double = 1, threshold: Double = 20) -> Tensor { activation(Softplus.self, beta, threshold) }
  /// x · tanh(softplus(x)) (`F.mish`).
  public func mish() -> Tensor { activation(Mish.self) }
  /// x · relu6(x + 3) / 6 (`F.hardswish`).
  public func hardswish() -> Tensor { activation(Hardswish.self) }
  /// relu6(x + 3) / 6 (`F.hardsigmoid`).
  public func hardsigmoid() -> Tensor { activation(Hardsigmoid.self) }
  /// x clamped to [minVal, maxVal], gradient zero at and beyond the bounds (`F.hardtanh`).
  public func hardtanh(minVal: Double = -1, maxVal: Double = 1) -> Tensor {
    torchCheck(maxVal > minVal, "hardtanh: max_val must be greater than min_val")
    return activation(Hardtanh.self, minVal, maxVal)
  }
  /// min(max(x, 0), 6), PyTorch's `hardtanh(x, 0, 6)` (node `HardtanhBackward0`).
  public func relu6() -> Tensor { activation(Hardtanh.self, 0, 6) }
  /// x / (1 + |x|), composed as PyTorch composes it (node `DivBackward0`).
  public func softsign() -> Tensor { self / (abs() + 1.0) }

  /// Limits values to [min, max] (node `ClampBackward1`); the gradient passes strictly
  /// between the bounds (zero at a bound, as PyTorch's). A NaN bound makes every element NaN.
  public func clamp(min: Double? = nil, max: Double? = nil) -> Tensor {
    torchCheck(min != nil || max != nil, "torch.clamp: At least one of 'min' or 'max' must not be None")
    // A fractional bound is a float scalar: an integer tensor is clamped in float32, as PyTorch promotes.
    if !dtype.isFloatingPoint, [min, max].contains(where: { $0.map { $0.rounded() != $0 } ?? false }) {
      return to(.float32).clamp(min: min, max: max)
    }
    if min?.isNaN == true || max?.isNaN == true { return self * 0.0 + Double.nan }
    return activation(Clamp.self, min ?? .nan, max ?? .nan)
  }
}

extension F {
  public static func softplus(_ input: Tensor, beta: Double = 1, threshold: Double = 20) -> Tensor { input.softplus(beta: beta, threshold: threshold) }
  public static func mish(_ input: Tensor) -> Tensor { input.mish() }
  public static func hardswish(_ input: Tensor) -> Tensor { input.hardswish() }
  public static func hardsigmoid(_ input: Tensor) -> Tensor { input.hardsigmoid() }
  public static func hardtanh(_ input: Tensor, minVal: Double = -1, maxVal: Double = 1) -> Tensor { input.hardtanh(minVal: minVal, maxVal: maxVal) }
  public static func relu6(_ input: Tensor) -> Tensor { input.relu6() }
  public static func softsign(_ input: Tensor) -> Tensor { input.softsign() }
}

/// Every pointwise kernel, for the CUDA source and the tests that walk every op. A kernel
/// declared but missing here has no CUDA entry point: `DeviceParity` fails on it.
enum PointwiseKernels {
  static let activations: [any Activation.Type] = [
    Relu.self, Tanh.self, Sigmoid.self, Gelu.self, Silu.self, LeakyRelu.self, Elu.self, Clamp.self,
    Softplus.self, Mish.self, Hardswish.self, Hardsigmoid.self, Hardtanh.self,
  ]
  static let unary: [any UnaryKernel.Type] =
    [Neg.self, Exp.self, Log.self, Log1p.self, Sin.self, Cos.self, Round.self, Floor.self, Ceil.self, Trunc.self,
     Sqrt.self, Rsqrt.self, Abs.self, Sign.self, Reciprocal.self, Erf.self, PowScalar.self, Affine.self,
     Expm1.self, Exp2.self, Log2.self, Log10.self, Tan.self, Asin.self, Acos.self, Atan.self, Sinh.self, Cosh.self,
     Erfinv.self]
    + activations.map { $0 as any UnaryKernel.Type }
  static let binary: [any BinaryKernel.Type] =
    [Add.self, Sub.self, Mul.self, Div.self, Pow.self, Maximum.self, Minimum.self, AddScaled.self,
     Remainder.self, Fmod.self, FloorDivide.self, TruncDivide.self,
     Equal.self, NotEqual.self, Less.self, LessEqual.self, Greater.self, GreaterEqual.self]
    + activations.map { $0.derivativeKernel }
}

extension Activation {
  static var derivativeKernel: any BinaryKernel.Type { ActivationDerivative<Self>.self }
}
