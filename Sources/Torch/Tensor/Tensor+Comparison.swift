// Comparisons: elementwise, with bool results, and whole-tensor tests (`equal`, `allclose`).

extension Tensor {

  private func compare(_ kernel: any ComparisonKernel.Type, _ other: Tensor) -> Tensor {
    Tensor.elementwise(BinaryOp(kernel), self, other, compute: DType.result(self, other), output: .bool)
  }
  public func eq(_ other: Tensor) -> Tensor { compare(Equal.self, other) }
  public func ne(_ other: Tensor) -> Tensor { compare(NotEqual.self, other) }
  public func lt(_ other: Tensor) -> Tensor { compare(Less.self, other) }
  public func le(_ other: Tensor) -> Tensor { compare(LessEqual.self, other) }
  public func gt(_ other: Tensor) -> Tensor { compare(Greater.self, other) }
  public func ge(_ other: Tensor) -> Tensor { compare(GreaterEqual.self, other) }
  public func eq(_ value: Double) -> Tensor { compare(Equal.self, scalar(value, isFloating: value.rounded() != value)) }
  public func ne(_ value: Double) -> Tensor { compare(NotEqual.self, scalar(value, isFloating: value.rounded() != value)) }
  public func lt(_ value: Double) -> Tensor { compare(Less.self, scalar(value, isFloating: value.rounded() != value)) }
  public func le(_ value: Double) -> Tensor { compare(LessEqual.self, scalar(value, isFloating: value.rounded() != value)) }
  public func gt(_ value: Double) -> Tensor { compare(Greater.self, scalar(value, isFloating: value.rounded() != value)) }
  public func ge(_ value: Double) -> Tensor { compare(GreaterEqual.self, scalar(value, isFloating: value.rounded() != value)) }

  // PyTorch's operators: comparisons of tensors are tensors (`pred.argmax(1) == y`). Tensor is
  // not Equatable, so these never shadow a Bool comparison; `equal(_:)` is the Bool one.
  public static func == (a: Tensor, b: Tensor) -> Tensor { a.eq(b) }
  public static func != (a: Tensor, b: Tensor) -> Tensor { a.ne(b) }
  public static func < (a: Tensor, b: Tensor) -> Tensor { a.lt(b) }
  public static func <= (a: Tensor, b: Tensor) -> Tensor { a.le(b) }
  public static func > (a: Tensor, b: Tensor) -> Tensor { a.gt(b) }
  public static func >= (a: Tensor, b: Tensor) -> Tensor { a.ge(b) }
  public static func == (a: Tensor, b: Double) -> Tensor { a.eq(b) }
  public static func != (a: Tensor, b: Double) -> Tensor { a.ne(b) }
  public static func < (a: Tensor, b: Double) -> Tensor { a.lt(b) }
  public static func <= (a: Tensor, b: Double) -> Tensor { a.le(b) }
  public static func > (a: Tensor, b: Double) -> Tensor { a.gt(b) }
  public static func >= (a: Tensor, b: Double) -> Tensor { a.ge(b) }
  public static func == (a: Double, b: Tensor) -> Tensor { b.eq(a) }
  public static func != (a: Double, b: Tensor) -> Tensor { b.ne(a) }
  public static func < (a: Double, b: Tensor) -> Tensor { b.gt(a) }
  public static func <= (a: Double, b: Tensor) -> Tensor { b.ge(a) }
  public static func > (a: Double, b: Tensor) -> Tensor { b.lt(a) }
  public static func >= (a: Double, b: Tensor) -> Tensor { b.le(a) }

  // SIMD-style spellings, kept for code written before the operators above.
  public static func .== (a: Tensor, b: Tensor) -> Tensor { a.eq(b) }
  public static func .!= (a: Tensor, b: Tensor) -> Tensor { a.ne(b) }
  public static func .< (a: Tensor, b: Tensor) -> Tensor { a.lt(b) }
  public static func .<= (a: Tensor, b: Tensor) -> Tensor { a.le(b) }
  public static func .> (a: Tensor, b: Tensor) -> Tensor { a.gt(b) }
  public static func .>= (a: Tensor, b: Tensor) -> Tensor { a.ge(b) }
  public static func .== (a: Tensor, b: Double) -> Tensor { a.eq(b) }
  public static func .< (a: Tensor, b: Double) -> Tensor { a.lt(b) }
  public static func .> (a: Tensor, b: Double) -> Tensor { a.gt(b) }

  /// True where an element is NaN (`torch.isnan`); all false for integer tensors.
  public func isnan() -> Tensor { dtype.isFloatingPoint ? ne(self) : torch.zeros(dims, dtype: .bool, device: device) }
  /// True where an element is +∞ or −∞ (`torch.isinf`).
  public func isinf() -> Tensor { dtype.isFloatingPoint ? abs().eq(.infinity) : torch.zeros(dims, dtype: .bool, device: device) }
  /// True where an element is neither NaN nor infinite (`torch.isfinite`).
  public func isfinite() -> Tensor { dtype.isFloatingPoint ? abs().lt(.infinity) : torch.ones(dims, dtype: .bool, device: device) }

  /// True when every element is equal and the shapes match (`torch.equal`).
  public func equal(_ other: Tensor) -> Bool {
    dims == other.dims && (numel() == 0 || eq(other).all())
  }

  /// True when all elements are nonzero.
  public func all() -> Bool { numel() == 0 || to(.bool).to(.uint8).min().item() != 0 }
  /// True when any element is nonzero.
  public func any() -> Bool { numel() > 0 && to(.bool).to(.uint8).max().item() != 0 }

  /// Elementwise: equal, or both finite with |self − other| <= atol + rtol·|other|; NaNs
  /// match each other only with `equalNan` (`torch.isclose`, a bool tensor).
  public func isclose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNan: Bool = false) -> Tensor {
    torch.noGrad {
      let a = self.double(), b = other.double()
      let near = (a - b).abs().le(b.abs() * rtol + atol) & a.isfinite() & b.isfinite()
      let close = a.eq(b) | near
      return equalNan ? close | (a.isnan() & b.isnan()) : close
    }
  }

  /// `isclose` everywhere (`torch.allclose`).
  public func allclose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNan: Bool = false) -> Bool {
    isclose(other, rtol: rtol, atol: atol, equalNan: equalNan).all()
  }

  /// The coordinates of the nonzero elements, one row each in row-major order
  /// (`torch.nonzero`, int64 [count, dim()]).
  public func nonzero() -> Tensor {
    let flags = torch.noGrad { self.ne(0.0) }.cpu().contiguous().toArray(Bool.self)
    var coordinates: [Int64] = []
    for flat in flags.indices where flags[flat] {
      var rest = flat, row = [Int64](repeating: 0, count: dims.count)
      for d in Swift.stride(from: dims.count - 1, through: 0, by: -1) {
        row[d] = Int64(rest % dims[d])
        rest /= dims[d]
      }
      coordinates += row
    }
    return Tensor(coordinates, shape: [coordinates.count / Swift.max(dims.count, 1), dims.count]).to(device)
  }
}
