extension optim {
  /// RMSprop (`torch.optim.RMSprop`) with PyTorch's single-tensor equations: g = grad
  /// (+ weight_decay·p); v ← αv + (1 − α)g²; with `centered`, ḡ ← lerp(ḡ, g, 1 − α) and the
  /// denominator √(v − ḡ²) + ε, else √v + ε; then p −= lr·g/denominator, or through a momentum
  /// buffer b ← momentum·b + g/denominator, p −= lr·b.
  public final class RMSprop: Optimizer {
    public convenience init(_ params: [Tensor], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                            momentum: Double = 0, centered: Bool = false, maximize: Bool = false) {
      self.init([ParamGroup(params: params)], lr: lr, alpha: alpha, eps: eps, weightDecay: weightDecay, momentum: momentum,
                centered: centered, maximize: maximize)
    }

    public init(_ groups: [ParamGroup], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                momentum: Double = 0, centered: Bool = false, maximize: Bool = false) {
      torchCheck(lr >= 0, "Invalid learning rate: \(lr)", kind: "ValueError")
      torchCheck(eps >= 0, "Invalid epsilon value: \(pythonNumber(eps))", kind: "ValueError")
      torchCheck(momentum >= 0, "Invalid momentum value: \(pythonNumber(momentum))", kind: "ValueError")
      torchCheck(weightDecay >= 0, "Invalid weight_decay value: \(pythonNumber(weightDecay))", kind: "ValueError")
      torchCheck(alpha >= 0, "Invalid alpha value: \(pythonNumber(alpha))", kind: "ValueError")
      super.init(groups, defaults: [
        .lr: lr, .momentum: momentum, .alpha: alpha, .eps: eps, .centered: centered ? 1 : 0, .weightDecay: weightDecay,
        .maximize: maximize ? 1 : 0,
      ])
    }

    public override func step() { forEachGradient(update) }

    private func update(_ p: Tensor, _ grad: Tensor, _ group: ParamGroup) {
      let lr = group.lr ?? 0, alpha = option(group, .alpha), eps = option(group, .eps)
      let weightDecay = option(group, .weightDecay), momentum = option(group, .momentum)
      let centered = option(group, .centered) != 0, maximize = option(group, .maximize) != 0
      let s = stateFor(p) {
        var fresh = ["step": torch.tensor(0.0), "square_avg": torch.zerosLike(p)]
        if momentum > 0 { fresh["momentum_buffer"] = torch.zerosLike(p) }
        if centered { fresh["grad_avg"] = torch.zerosLike(p) }
        return fresh
      }
      s["step"]!.fill_(s["step"]!.item() + 1)
      var g = maximize ? -grad : grad
      if weightDecay != 0 { g = g.add(p, alpha: weightDecay) }
      let squareAvg = s["square_avg"]!
      squareAvg.mul_(alpha).add_(g * g, alpha: 1 - alpha)
      var average: Tensor
      if centered {
        let gradAvg = s["grad_avg"]!
        gradAvg.add_(g - gradAvg, alpha: 1 - alpha)  // lerp toward g by 1 − α
        average = squareAvg.add(gradAvg * gradAvg, alpha: -1).sqrt()
      } else {
        average = squareAvg.sqrt()
      }
      average = average.add_(eps)
      if momentum > 0 {
        let buffer = s["momentum_buffer"]!
        buffer.mul_(momentum).add_(g / average)
        p.add_(buffer, alpha: -lr)
      } else {
        p.add_(g / average, alpha: -lr)
      }
    }

    override func requiredState(groupOf parameter: Tensor, in groups: [ParamGroup]) -> Set<String> {
      guard let group = groups.first(where: { $0.params.contains { $0 === parameter } }) else { return ["step", "square_avg"] }
      var required: Set<String> = ["step", "square_avg"]
      if option(group, .momentum) > 0 { required.insert("momentum_buffer") }
      if option(group, .centered) != 0 { required.insert("grad_avg") }
      return required
    }

    override var implementationFlags: [(String, SavedValue)] { [("capturable", false), ("foreach", nil), ("differentiable", false)] }
  }
}
