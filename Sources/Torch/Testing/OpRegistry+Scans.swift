extension OpRegistry {
  /// Running products (Tensor+Cumulative.swift; cumsum is among the reductions): along a middle
  /// dim, along a transposed last dim, and with zeros (none, one, two in a row), whose gradient
  /// and gradient of gradient take the zero-aware forms.
  static let scans: [OpInfo] = [
    OpInfo("cumprod", [.x(3, 4, 2)], "x[0].cumprod(1)") { x, _ in x[0].cumprod(dim: 1) },
    OpInfo("cumprod_transposed", [.x(4, 3)], "x[0].t().cumprod(-1)") { x, _ in x[0].t().cumprod(dim: -1) },
    OpInfo("cumprod_zeros", [.x(3, 5)],
           "(x[0] * torch.tensor([[1., 0., 1., 0., 1.], [1., 1., 1., 0., 1.], [1., 1., 1., 1., 1.]], dtype=torch.float64)).cumprod(1)") { x, device in
      let mask = torch.tensor([[1.0, 0, 1, 0, 1], [1.0, 1, 1, 0, 1], [1.0, 1, 1, 1, 1]], dtype: .float64).to(device)
      return (x[0] * mask).cumprod(dim: 1)
    },
  ]
}
