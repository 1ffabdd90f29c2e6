/// Values that `torch.tensor` accepts: numbers and nested arrays of them.
public protocol TensorLiteral {
  /// The dtype PyTorch infers: int64 for integers, float32 for floats, bool for booleans.
  static var literalDType: DType { get }
  func appendValues(to values: inout [Double], shape: inout [Int], depth: Int)
  /// The values as int64, exactly for integers (all 64 bits, which a Double cannot hold),
  /// truncated toward zero for floats as PyTorch casts them.
  func appendIntegers(to values: inout [Int64])
}

extension BinaryFloatingPoint {
  /// Truncated toward zero; out of range or NaN gives Int64.min, as x86 conversion does in PyTorch.
  var truncatedInt64: Int64 { self >= -0x1p63 && self < 0x1p63 ? Int64(self) : .min }
}

extension Int: TensorLiteral {
  public static var literalDType: DType { .int64 }
  public func appendValues(to values: inout [Double], shape: inout [Int], depth: Int) { values.append(Double(self)) }
  public func appendIntegers(to values: inout [Int64]) { values.append(Int64(self)) }
}
extension Int64: TensorLiteral {
  public static var literalDType: DType { .int64 }
  public func appendValues(to values: inout [Double], shape: inout [Int], depth: Int) { values.append(Double(self)) }
  public func appendIntegers(to values: inout [Int64]) { values.append(self) }
}
extension Double: TensorLiteral {
  public static var literalDType: DType { .float32 }
  public func appendValues(to values: inout [Double], shape: inout [Int], depth: Int) { values.append(self) }
  public func appendIntegers(to values: inout [Int64]) { values.append(truncatedInt64) }
}
extension Float: TensorLiteral {
  public static var literalDType: DType { .float32 }
  public func appendValues(to values: inout [Double], shape: inout [Int], depth: Int) { values.append(Double(self)) }
  public func appendIntegers(to values: inout [Int64]) { values.append(truncatedInt64) }
}
extension Bool: TensorLiteral {
  public static var literalDType: DType { .bool }
  public func appendValues(to values: inout [Double], shape: inout [Int], depth: Int) { values.append(self ? 1 : 0) }
  public func appendIntegers(to values: inout [Int64]) { values.append(self ? 1 : 0) }
}

extension Array: TensorLiteral where Element: TensorLiteral {
  public static var literalDType: DType { Element.literalDType }
  public func appendValues(to values: inout [Double], shape: inout [Int], depth: Int) {
    if shape.count == depth {
      shape.append(count)
    } else {
      torchCheck(shape[depth] == count,
        "expected sequence of length \(shape[depth]) at dim \(depth) (got \(count))", kind: "ValueError")
    }
    for element in self { element.appendValues(to: &values, shape: &shape, depth: depth + 1) }
  }
  public func appendIntegers(to values: inout [Int64]) {
    for element in self { element.appendIntegers(to: &values) }
  }
}

extension Tensor {
  /// A tensor holding `values` (row-major) with the given shape.
  public convenience init<T: Element>(_ values: [T], shape: [Int]? = nil, requiresGrad: Bool = false) {
    let shape = shape ?? [values.count]
    torchCheck(shape.reduce(1, *) == values.count,
      "shape '\(shape)' is invalid for input of size \(values.count)")
    self.init(uninitialized: shape, dtype: T.dtype)
    values.withUnsafeBufferPointer { buffer in
      if let base = buffer.baseAddress { pointer(T.self).update(from: base, count: values.count) }
    }
    self.requiresGrad = requiresGrad
  }

  /// A 0-dim tensor holding one number.
  convenience init(scalar value: Double, dtype: DType, device: Device = .cpu) {
    self.init(uninitialized: [], dtype: dtype)
    Backends.cpu.fill(self, with: value)
    if device != .cpu { moveStorage(to: device) }
  }

  /// Replaces this tensor's storage with a copy on `device` (used by `to(device)` on leaves).
  func moveStorage(to device: Device) {
    adopt(rawCopy(device: device))
  }
}

extension torch {
  /// A tensor from a number or nested arrays, inferring the dtype as PyTorch does
  /// (`torch.tensor([[1, 2], [3, 4]])` is int64, `[1.5]` is float32).
  public static func tensor(_ data: some TensorLiteral, dtype: DType? = nil, device: Device = .cpu,
                            requiresGrad: Bool = false) -> Tensor {
    var values: [Double] = []
    var shape: [Int] = []
    data.appendValues(to: &values, shape: &shape, depth: 0)
    let type = dtype ?? type(of: data).literalDType
    let result = Tensor(uninitialized: shape, dtype: type)
    switch type {
    case .float32: fillValues(result, values.map { Float($0) })
    case .float64: fillValues(result, values)
    case .int64:
      var integers: [Int64] = []
      data.appendIntegers(to: &integers)
      fillValues(result, integers)
    case .uint8: fillValues(result, values.map { UInt8($0) })
    case .bool: fillValues(result, values.map { $0 != 0 })
    }
    let placed = device == .cpu ? result : result.to(device)
    placed.requiresGrad = requiresGrad
    return placed
  }

  private static func fillValues<T: Element>(_ tensor: Tensor, _ values: [T]) {
    values.withUnsafeBufferPointer { buffer in
      if let base = buffer.baseAddress { tensor.pointer(T.self).update(from: base, count: values.count) }
    }
  }

  static func filled(_ shape: [Int], _ value: Double, dtype: DType, device: Device, requiresGrad: Bool) -> Tensor {
    let result = Tensor(uninitialized: shape, dtype: dtype, device: device)
    Backends.backend(for: device).fill(result, with: value)
    result.requiresGrad = requiresGrad
    return result
  }

  /// An uninitialized tensor (`torch.empty`).
  public static func empty(_ shape: Int..., dtype: DType = .float32, device: Device = .cpu) -> Tensor {
    Tensor(uninitialized: shape, dtype: dtype, device: device)
  }

  /// An uninitialized tensor of a computed shape (`torch.empty(size)`).
  public static func empty(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) -> Tensor {
    Tensor(uninitialized: shape, dtype: dtype, device: device)
  }

  /// A tensor of zeros (`torch.zeros`).
  public static func zeros(_ shape: Int..., dtype: DType = .float32, device: Device = .cpu, requiresGrad: Bool = false) -> Tensor {
    zeros(shape, dtype: dtype, device: device, requiresGrad: requiresGrad)
  }
  public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu, requiresGrad: Bool = false) -> Tensor {
    torchCheck(shape.allSatisfy { $0 >= 0 }, "zeros: Dimension size must be non-negative.")
    return filled(shape, 0, dtype: dtype, device: device, requiresGrad: requiresGrad)
  }

  /// A tensor of ones (`torch.ones`).
  public static func ones(_ shape: Int..., dtype: DType = .float32, device: Device = .cpu, requiresGrad: Bool = false) -> Tensor {
    filled(shape, 1, dtype: dtype, device: device, requiresGrad: requiresGrad)
  }
  public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu, requiresGrad: Bool = false) -> Tensor {
    filled(shape, 1, dtype: dtype, device: device, requiresGrad: requiresGrad)
  }

  /// A tensor filled with one value (`torch.full`); an integer value gives int64, as in PyTorch.
  public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32, device: Device = .cpu, requiresGrad: Bool = false) -> Tensor {
    filled(shape, value, dtype: dtype, device: device, requiresGrad: requiresGrad)
  }
  public static func full(_ shape: [Int], _ value: Int, dtype: DType = .int64, device: Device = .cpu) -> Tensor {
    filled(shape, Double(value), dtype: dtype, device: device, requiresGrad: false)
  }

  public static func zerosLike(_ x: Tensor, dtype: DType? = nil) -> Tensor {
    filled(x.dims, 0, dtype: dtype ?? x.dtype, device: x.device, requiresGrad: false)
  }
  public static func onesLike(_ x: Tensor, dtype: DType? = nil) -> Tensor {
    filled(x.dims, 1, dtype: dtype ?? x.dtype, device: x.device, requiresGrad: false)
  }
  public static func fullLike(_ x: Tensor, _ value: Double, dtype: DType? = nil) -> Tensor {
    filled(x.dims, value, dtype: dtype ?? x.dtype, device: x.device, requiresGrad: false)
  }
  public static func emptyLike(_ x: Tensor, dtype: DType? = nil) -> Tensor {
    Tensor(uninitialized: x.dims, dtype: dtype ?? x.dtype, device: x.device)
  }

  /// `0, 1, ..., end-1` as int64 (`torch.arange(end)`).
  public static func arange(_ end: Int, dtype: DType = .int64, device: Device = .cpu) -> Tensor {
    arange(0, end, 1, dtype: dtype, device: device)
  }

  /// `start, start+step, ...` below `end` as int64.
  public static func arange(_ start: Int, _ end: Int, _ step: Int = 1, dtype: DType = .int64, device: Device = .cpu) -> Tensor {
    torchCheck(step != 0, "step must be nonzero")
    let (span, overflow) = end.subtractingReportingOverflow(start)
    torchCheck(!overflow, "invalid size, possible overflow?")
    let count = Swift.max(0, span / step + (span % step != 0 && (span > 0) == (step > 0) ? 1 : 0))
    return sequence(count, dtype: dtype, device: device) { Double(start + $0 * step) }
  }

  /// Floating-point `arange` (`torch.arange(0., 1., 0.25)`), float32 unless told otherwise.
  public static func arange(_ start: Double, _ end: Double, _ step: Double = 1, dtype: DType = .float32, device: Device = .cpu) -> Tensor {
    torchCheck(step != 0, "step must be nonzero")
    let size = ((end - start) / step).rounded(.up)
    torchCheck(size.isFinite && size < Double(Int.max), "invalid size, possible overflow?")
    let count = Swift.max(0, Int(size))
    return sequence(count, dtype: dtype, device: device) { start + Double($0) * step }
  }
  public static func arange(_ end: Double, dtype: DType = .float32, device: Device = .cpu) -> Tensor {
    arange(0, end, 1, dtype: dtype, device: device)
  }

  /// `steps` evenly spaced values from `start` to `end` inclusive (`torch.linspace`),
  /// computed as PyTorch does: in the tensor's precision, with fused multiply-adds, the
  /// first half counted up from `start` and the second half down from `end`.
  public static func linspace(_ start: Double, _ end: Double, steps: Int, dtype: DType = .float32, device: Device = .cpu) -> Tensor {
    torchCheck(steps >= 0, "number of steps must be non-negative")
    let half = steps / 2
    func value<T: BinaryFloatingPoint>(_ i: Int, _ start: T, _ end: T) -> T {
      let step = steps > 1 ? (end - start) / T(steps - 1) : 0
      return i < half ? start.addingProduct(step, T(i)) : end.addingProduct(-step, T(steps - 1 - i))
    }
    if dtype == .float32 {
      return sequence(steps, dtype: dtype, device: device) { Double(value($0, Float(start), Float(end))) }
    }
    return sequence(steps, dtype: dtype, device: device) { value($0, start, end) }
  }

  /// The identity matrix (`torch.eye`).
  public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32, device: Device = .cpu, requiresGrad: Bool = false) -> Tensor {
    torchCheck(n >= 0, "n must be greater or equal to 0, got \(n)")
    torchCheck(m.map { $0 >= 0 } ?? true, "m must be greater or equal to 0, got \(m ?? 0)")
    let columns = m ?? n
    let result = zeros([n, columns], dtype: dtype)
    for i in 0..<Swift.min(n, columns) { Backends.cpu.fill(result[i, i], with: 1) }
    let placed = device == .cpu ? result : result.to(device)
    placed.requiresGrad = requiresGrad
    return placed
  }

  private static func sequence(_ count: Int, dtype: DType, device: Device, _ value: (Int) -> Double) -> Tensor {
    let result = Tensor(uninitialized: [count], dtype: dtype)
    switch dtype {
    case .float32: let p = result.pointer(Float.self); for i in 0..<count { p[i] = Float(value(i)) }
    case .float64: let p = result.pointer(Double.self); for i in 0..<count { p[i] = value(i) }
    case .int64: let p = result.pointer(Int64.self); for i in 0..<count { p[i] = Int64(value(i)) }
    case .uint8: let p = result.pointer(UInt8.self); for i in 0..<count { p[i] = UInt8(value(i)) }
    case .bool: let p = result.pointer(Bool.self); for i in 0..<count { p[i] = value(i) != 0 }
    }
    return device == .cpu ? result : result.to(device)
  }
}

extension Tensor {
  /// The value of a one-element tensor as a Double (`item()`; float32 widens exactly).
  public func item() -> Double {
    torchCheck(numel() == 1, "a Tensor with \(numel()) elements cannot be converted to Scalar")
    let host = device == .cpu ? self : self.cpu()
    switch dtype {
    case .float32: return Double(host.pointer(Float.self).pointee)
    case .float64: return host.pointer(Double.self).pointee
    case .int64: return Double(host.pointer(Int64.self).pointee)
    case .uint8: return Double(host.pointer(UInt8.self).pointee)
    case .bool: return host.pointer(Bool.self).pointee ? 1 : 0
    }
  }

  /// The value of a one-element tensor as `T` (`x.item(Int64.self)`).
  public func item<T: Element>(_: T.Type) -> T {
    toArray(T.self)[0]
  }

  /// All elements in row-major order, converted to `T`.
  public func toArray<T: Element>(_: T.Type) -> [T] {
    let dense = (device == .cpu ? self : self.cpu()).to(T.dtype).contiguous()
    return Array(UnsafeBufferPointer(start: dense.pointer(T.self), count: dense.numel()))
  }

  /// All elements in row-major order as float32.
  public func toArray() -> [Float] { toArray(Float.self) }
}
