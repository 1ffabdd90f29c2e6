extension nn.`init` {
  /// A (semi-)orthogonal matrix, reshaped to the tensor (its first dim against the rest), times
  /// `gain` (`orthogonal_`): PyTorch's draws (a normal matrix, transposed when wider than tall)
  /// made orthonormal by a QR factorization whose R has a non-negative diagonal. The QR runs in
  /// double here (PyTorch's runs in the tensor's dtype through LAPACK), so values agree with
  /// PyTorch's to its float32 rounding, not bit for bit.
  @discardableResult
  public static func orthogonal_(_ tensor: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
    torchCheck(tensor.dim() >= 2, "Only tensors with 2 or more dimensions are supported", kind: "ValueError")
    guard tensor.numel() > 0 else { return tensor }
    let rows = tensor.size(0), cols = tensor.numel() / rows
    return torch.noGrad {
      let drawn = Tensor(uninitialized: [rows, cols], dtype: tensor.dtype).normal_(mean: 0, std: 1, generator: generator)
      let tall = rows < cols ? drawn.t() : drawn
      let q = orthonormalFactor(tall.to(.float64).contiguous().toArray(Double.self), rows: tall.size(0), cols: tall.size(1))
      let factor = torch.tensor(q, dtype: .float64).reshape(tall.size(0), tall.size(1)).to(tensor.dtype)
      tensor.copy_((rows < cols ? factor.t() : factor).reshape(tensor.dims))
      return tensor.mul_(gain)
    }
  }

  /// Q of the reduced QR factorization of the rows × cols matrix `a` (rows ≥ cols, row-major)
  /// by Householder reflections, each column multiplied by the sign of R's diagonal entry, so
  /// the factor is the one whose R has a non-negative diagonal (a zero entry zeroes its column).
  static func orthonormalFactor(_ a: [Double], rows m: Int, cols n: Int) -> [Double] {
    var r = a
    var reflectors: [(v: [Double], tau: Double)] = []
    var signs = [Double](repeating: 0, count: n)
    for k in 0..<n {
      let column = (k..<m).map { r[$0 * n + k] }
      let norm = column.reduce(0) { $0 + $1 * $1 }.squareRoot()
      guard norm > 0 else {
        reflectors.append(([], 0))
        continue
      }
      // H = I − τ·v·vᵀ with v[0] = 1 maps the column onto β·e₁, β = −sign(α)·‖x‖.
      let alpha = column[0], beta = alpha >= 0 ? -norm : norm
      let v = [1] + column.dropFirst().map { $0 / (alpha - beta) }
      let tau = (beta - alpha) / beta
      for j in k..<n {
        let dot = (k..<m).reduce(0.0) { $0 + v[$1 - k] * r[$1 * n + j] }
        for i in k..<m { r[i * n + j] -= tau * v[i - k] * dot }
      }
      signs[k] = beta > 0 ? 1 : -1
      reflectors.append((v, tau))
    }
    // Q = H₀·H₁ ⋯ H_{n−1} applied to the first n columns of the identity, last reflector first.
    var q = [Double](repeating: 0, count: m * n)
    for j in 0..<n { q[j * n + j] = 1 }
    for k in stride(from: n - 1, through: 0, by: -1) where reflectors[k].tau != 0 {
      let (v, tau) = reflectors[k]
      for j in 0..<n {
        let dot = (k..<m).reduce(0.0) { $0 + v[$1 - k] * q[$1 * n + j] }
        for i in k..<m { q[i * n + j] -= tau * v[i - k] * dot }
      }
    }
    for i in 0..<m { for j in 0..<n { q[i * n + j] *= signs[j] } }
    return q
  }
}
