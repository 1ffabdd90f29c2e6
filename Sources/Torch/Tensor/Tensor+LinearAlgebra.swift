// Matrix products: mm, addmm, matmul (1-D to batched), and the fused linear layer.

extension Tensor {
  static func checkMatrices(_ op: String, _ a: Tensor, _ b: Tensor) {
    torchCheck(a.dim() == 2, "self must be a matrix")
    torchCheck(b.dim() == 2, "mat2 must be a matrix")
    torchCheck(a.dtype == b.dtype,
      "expected m1 and m2 to have the same dtype, but got: \(a.dtype.cName) != \(b.dtype.cName)")
    torchCheck(a.device == b.device,
      "Expected all tensors to be on the same device, but found at least two devices, \(a.device) and \(b.device)!")
    torchCheck(a.dims[1] == b.dims[0],
      "\(op): mat1 and mat2 shapes cannot be multiplied (\(a.dims[0])x\(a.dims[1]) and \(b.dims[0])x\(b.dims[1]))")
  }

  /// out = a @ b (+ bias broadcast over rows), without autograd.
  static func rawMatmul(_ a: Tensor, _ b: Tensor, bias: Tensor? = nil) -> Tensor {
    let out = Tensor(uninitialized: [a.dims[0], b.dims[1]], dtype: a.dtype, device: a.device)
    let backend = Backends.backend(for: a.device)
    if let bias {
      backend.copy(bias.broadcastView(to: out.dims), into: out)
      backend.gemm(a, b, into: out, alpha: 1, beta: 1)
    } else {
      backend.gemm(a, b, into: out, alpha: 1, beta: 0)
    }
    return out
  }

  /// Matrix product of two matrices (`mm`, node `MmBackward0`).
  public func mm(_ other: Tensor) -> Tensor {
    Tensor.checkMatrices("mm", self, other)
    let (a, b) = (detach(), other.detach())
    return Tensor.rawMatmul(self, other).recording("MmBackward0", [self, other], saved: [a, b]) { g in
      let (needsSelf, needsOther) = (BackwardContext.needs(0, self), BackwardContext.needs(1, other))
      if GradMode.isEnabled { return [needsSelf ? g.mm(other.t()) : nil, needsOther ? self.t().mm(g) : nil] }
      return [needsSelf ? Tensor.rawMatmul(g, b.t()) : nil,
              needsOther ? Tensor.rawMatmul(a.t(), g) : nil]
    }
  }

  /// Matrix-vector product (`mv`, node `MvBackward0`).
  public func mv(_ vector: Tensor) -> Tensor {
    torchCheck(dim() == 2 && vector.dim() == 1,
      "vector + matrix @ vector expected, got \(dim()), \(vector.dim())")
    torchCheck(dims[1] == vector.dims[0],
      "size mismatch, got input (\(dims[0])), mat (\(dims[0])x\(dims[1])), vec (\(vector.dims[0]))")
    let (a, v) = (detach(), vector.detach())
    let out = Tensor.rawMatmul(self, vector.unsqueezedView(1))
    return out.aliased(shape: [dims[0]], strides: [1]).recording("MvBackward0", [self, vector], saved: [a, v]) { g in
      if GradMode.isEnabled {
        return [self.requiresGrad ? g.unsqueeze(1).mm(vector.unsqueeze(0)) : nil, vector.requiresGrad ? self.t().mv(g) : nil]
      }
      return [self.requiresGrad ? Tensor.rawMatmul(g.unsqueezedView(1), v.unsqueezedView(0)) : nil,
              vector.requiresGrad ? Tensor.rawMatmul(a.t(), g.unsqueezedView(1)).reshape([-1]) : nil]
    }
  }

  /// Inner product of two vectors (`dot`, node `DotBackward0`).
  public func dot(_ other: Tensor) -> Tensor {
    torchCheck(dim() == 1 && other.dim() == 1,
      "1D tensors expected, but got \(dim())D and \(other.dim())D tensors")
    torchCheck(numel() == other.numel(),
      "inconsistent tensor size, expected tensor [\(numel())] and src [\(other.numel())] to have the same number of elements, but got \(numel()) and \(other.numel()) elements respectively")
    let (a, b) = (detach(), other.detach())
    let out = Tensor.rawMatmul(unsqueezedView(0), other.unsqueezedView(1))
    return out.aliased(shape: [], strides: []).recording("DotBackward0", [self, other], saved: [a, b]) { g in
      let (x, y) = Tensor.live(self, a, other, b)
      return [self.requiresGrad ? y * g : nil, other.requiresGrad ? x * g : nil]
    }
  }

  /// An untracked view with a size-1 dim inserted.
  func unsqueezedView(_ d: Int) -> Tensor { GradMode.with(enabled: false) { unsqueeze(d) } }

  /// PyTorch's `matmul`: dot, mv, mm, or a batched product with broadcast batch dims.
  public func matmul(_ other: Tensor) -> Tensor {
    switch (dim(), other.dim()) {
    case (1, 1): return dot(other)
    case (2, 1): return mv(other)
    case (1, 2): return unsqueeze(0).mm(other).squeezeNamed(0, "SqueezeBackward4")
    case (2, 2): return mm(other)
    case (_, 2) where dim() > 2:
      let rows = dims.dropLast().reduce(1, *)
      let folded = reshape([rows, dims.last!]).mm(other)
      let shape = Array(dims.dropLast()) + [other.dims[1]]
      return folded.unsafeView(shape)
    default: return batchedMatmul(other)
    }
  }

  /// A view recorded as `UnsafeViewBackward0`, as PyTorch's matmul and linear results are.
  func unsafeView(_ shape: [Int]) -> Tensor {
    let original = dims
    return GradMode.with(enabled: false) { view(shape) }
      .recording("UnsafeViewBackward0", [self]) { g in [g.reshape(original)] }
  }

  private func squeezeNamed(_ d: Int, _ name: String) -> Tensor {
    let original = dims
    return GradMode.with(enabled: false) { squeeze(d) }.recording(name, [self]) { g in [g.reshape(original)] }
  }

  /// Batched matmul with broadcasting of the leading dims.
  private func batchedMatmul(_ other: Tensor) -> Tensor {
    let a = dim() == 1 ? unsqueeze(0) : self
    let b = other.dim() == 1 ? other.unsqueeze(1) : other
    let batch = broadcastShapes(Array(a.dims.dropLast(2)), Array(b.dims.dropLast(2)))
    let (m, k) = (a.dims[a.dim() - 2], a.dims[a.dim() - 1])
    let (k2, n) = (b.dims[b.dim() - 2], b.dims[b.dim() - 1])
    torchCheck(k == k2,
      "Expected size for first two dimensions of batch2 tensor to be: [\(batch.reduce(1, *)), \(k)] but got: [\(batch.reduce(1, *)), \(k2)].")
    let count = batch.reduce(1, *)
    let x = a.expand(batch + [m, k]).reshape([count, m, k])
    let y = b.expand(batch + [k, n]).reshape([count, k, n])
    var shape = batch + [m, n]
    if dim() == 1 { shape.remove(at: shape.count - 2) }
    if other.dim() == 1 { shape.removeLast() }
    return Self.batchProduct(x, y).unsafeView(shape)
  }

  /// `self @ other` per batch entry for two 3-D tensors (`torch.bmm`, node `BmmBackward0`).
  public func bmm(_ other: Tensor) -> Tensor {
    torchCheck(dim() == 3, "batch1 must be a 3D tensor")
    torchCheck(other.dim() == 3, "batch2 must be a 3D tensor")
    torchCheck(other.dims[0] == dims[0] && other.dims[1] == dims[2],
      "Expected size for first two dimensions of batch2 tensor to be: [\(dims[0]), \(dims[2])] but got: [\(other.dims[0]), \(other.dims[1])].")
    return Self.batchProduct(self, other)
  }

  /// The products x[i] @ y[i] of [count, m, k] and [count, k, n] tensors, recorded as one node.
  private static func batchProduct(_ x: Tensor, _ y: Tensor) -> Tensor {
    let (count, m, k, n) = (x.dims[0], x.dims[1], x.dims[2], y.dims[2])
    let (sx, sy) = (x.detach(), y.detach())
    let out = Tensor(uninitialized: [count, m, n], dtype: x.dtype, device: x.device)
    let backend = Backends.backend(for: x.device)
    for i in 0..<count {
      backend.gemm(sx.select(0, i), sy.select(0, i), into: out.select(0, i), alpha: 1, beta: 0)
    }
    return out.recording("BmmBackward0", [x, y], saved: [sx, sy]) { g in
      if GradMode.isEnabled {
        return [x.requiresGrad ? g.matmul(y.transpose(1, 2)) : nil, y.requiresGrad ? x.transpose(1, 2).matmul(g) : nil]
      }
      let gx = Tensor(uninitialized: [count, m, k], dtype: g.dtype, device: g.device)
      let gy = Tensor(uninitialized: [count, k, n], dtype: g.dtype, device: g.device)
      for i in 0..<count {
        let gi = g.select(0, i)
        backend.gemm(gi, sy.select(0, i).t(), into: gx.select(0, i), alpha: 1, beta: 0)
        backend.gemm(sx.select(0, i).t(), gi, into: gy.select(0, i), alpha: 1, beta: 0)
      }
      return [gx, gy]
    }
  }

}


extension torch {
  public static func mm(_ a: Tensor, _ b: Tensor) -> Tensor { a.mm(b) }
  public static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor { a.matmul(b) }
  /// `torch.matmul(a, b, out=out)`: the product written into `out` (resized if needed).
  @discardableResult
  public static func matmul(_ a: Tensor, _ b: Tensor, out: Tensor) -> Tensor { out.writeOutput(a.matmul(b), op: "matmul") }

  /// beta * input + alpha * (mat1 @ mat2) (`addmm`, node `AddmmBackward0`).
  public static func addmm(_ input: Tensor, _ mat1: Tensor, _ mat2: Tensor, beta: Double = 1, alpha: Double = 1) -> Tensor {
    Tensor.checkMatrices("addmm", mat1, mat2)
    let (a, b) = (mat1.detach(), mat2.detach())
    let shape = [mat1.dims[0], mat2.dims[1]]
    let out = Tensor(uninitialized: shape, dtype: mat1.dtype, device: mat1.device)
    let backend = Backends.backend(for: mat1.device)
    backend.copy(input.to(mat1.dtype).broadcastView(to: shape), into: out)
    if beta != 1 { backend.unary(UnaryOp(Affine.self, beta, 0), out, into: out) }
    backend.gemm(mat1, mat2, into: out, alpha: alpha, beta: 1)
    return out.recording("AddmmBackward0", [input, mat1, mat2], saved: [a, b]) { g in
      let gInput = BackwardContext.needs(0, input) ? (beta == 1 ? g : g * beta).sumToShape(input.dims) : nil
      let (needs1, needs2) = (BackwardContext.needs(1, mat1), BackwardContext.needs(2, mat2))
      if GradMode.isEnabled {
        return [gInput, needs1 ? g.mm(mat2.t()) * alpha : nil, needs2 ? mat1.t().mm(g) * alpha : nil]
      }
      return [gInput, needs1 ? Tensor.rawMatmul(g, b.t()) * alpha : nil, needs2 ? Tensor.rawMatmul(a.t(), g) * alpha : nil]
    }
  }
}

extension Tensor {
  /// x @ weight.T + bias in one pass: the bias is written first and the product accumulated
  /// on top. Node `AddmmBackward0` for 2-D input, `UnsafeViewBackward0` over it otherwise,
  /// as PyTorch names them.
  static func linear(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?) -> Tensor {
    if x.dim() != 2 {
      let rows = x.dims.dropLast().reduce(1, *)
      let flat = x.reshape([rows, x.dims.last ?? 1])
      return linear(flat, weight, bias).unsafeView(Array(x.dims.dropLast()) + [weight.dims[0]])
    }
    torchCheck(x.dims[1] == weight.dims[1] && weight.dim() == 2,
      "\(bias == nil ? "mm" : "addmm"): mat1 and mat2 shapes cannot be multiplied (\(x.dims[0])x\(x.dims[1]) and \(weight.dims.count == 2 ? "\(weight.dims[1])x\(weight.dims[0])" : "\(weight.dims)"))")
    checkMatrices(bias == nil ? "mm" : "addmm", x, weight.t().detach())
    let (a, w) = (x.detach(), weight.detach())
    let out = rawMatmul(x, w.t(), bias: bias)
    let inputs = bias.map { [$0, x, weight] } ?? [x, weight]
    return out.recording(bias == nil ? "MmBackward0" : "AddmmBackward0", inputs, saved: [a, w]) { g in
      let creating = GradMode.isEnabled, first = bias == nil ? 0 : 1
      let gx = BackwardContext.needs(first, x) ? (creating ? g.mm(weight) : rawMatmul(g, w)) : nil
      let gw = BackwardContext.needs(first + 1, weight) ? (creating ? g.t().mm(x) : rawMatmul(g.t(), a)) : nil
      guard let bias else { return [gx, gw] }
      return [BackwardContext.needs(0, bias) ? g.sum(dim: 0) : nil, gx, gw]
    }
  }
}

extension DType {
  /// ATen's scalar type name (`Float`, `Long`), used in some error messages.
  var cName: String {
    switch self {
    case .float32: "float"
    case .float64: "double"
    case .int64: "long int"
    case .uint8: "unsigned char"
    case .bool: "bool"
    }
  }
}
