extension OpRegistry {
  /// The exponentials, logarithms, trigonometric and hyperbolic functions and erfinv of
  /// Tensor+Transcendental.swift, inside their domains and away from their poles.
  static let transcendental: [OpInfo] = [
    OpInfo("expm1", [.x(3, 4, low: -2, high: 2)], "x[0].expm1()") { x, _ in x[0].expm1() },
    OpInfo("exp2", [.x(3, 4, low: -2, high: 2)], "x[0].exp2()") { x, _ in x[0].exp2() },
    OpInfo("log2", [.positive(3, 4)], "x[0].log2()") { x, _ in x[0].log2() },
    OpInfo("log10", [.positive(3, 4)], "x[0].log10()") { x, _ in x[0].log10() },
    OpInfo("tan", [.x(3, 4, low: -1.2, high: 1.2)], "x[0].tan()") { x, _ in x[0].tan() },
    OpInfo("asin", [.x(3, 4, low: -0.9, high: 0.9)], "x[0].asin()") { x, _ in x[0].asin() },
    OpInfo("acos", [.x(3, 4, low: -0.9, high: 0.9)], "x[0].acos()") { x, _ in x[0].acos() },
    OpInfo("atan", [.x(3, 4, low: -3, high: 3)], "x[0].atan()") { x, _ in x[0].atan() },
    OpInfo("sinh", [.x(3, 4, low: -2, high: 2)], "x[0].sinh()") { x, _ in x[0].sinh() },
    OpInfo("cosh", [.x(3, 4, low: -2, high: 2)], "x[0].cosh()") { x, _ in x[0].cosh() },
    OpInfo("erfinv", [.x(3, 4, low: -0.95, high: 0.95)], "x[0].erfinv()") { x, _ in x[0].erfinv() },
  ]
}
