import CTorchKernels
import Foundation

extension optim {
  /// Adam (`torch.optim.Adam`) with PyTorch's single-tensor equations: m ← lerp(m, g, 1−β₁),
  /// v ← β₂v + (1−β₂)g², p ← p − lr/(1−β₁ᵗ) · m / (√v̂/√(1−β₂ᵗ) + ε), where v̂ is v or its running
  /// max with amsgrad. Weight decay is L2 (added to g), or decoupled (p ← p(1 − lr·wd)) in AdamW.
  public class Adam: Optimizer {
    let decoupled: Bool

    public convenience init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            eps: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) {
      self.init([ParamGroup(params: params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                amsgrad: amsgrad, maximize: maximize)
    }

    public convenience init(_ groups: [ParamGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            eps: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) {
      self.init(groups, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
                maximize: maximize, decoupled: false)
    }

    init(_ groups: [ParamGroup], lr: Double, betas: (Double, Double), eps: Double, weightDecay: Double,
         amsgrad: Bool, maximize: Bool, decoupled: Bool) {
      torchCheck(lr >= 0, "Invalid learning rate: \(lr)", kind: "ValueError")
      torchCheck(eps >= 0, "Invalid epsilon value: \(eps)", kind: "ValueError")
      torchCheck(betas.0 >= 0 && betas.0 < 1, "Invalid beta parameter at index 0: \(betas.0)", kind: "ValueError")
      torchCheck(betas.1 >= 0 && betas.1 < 1, "Invalid beta parameter at index 1: \(betas.1)", kind: "ValueError")
      self.decoupled = decoupled
      super.init(groups, defaults: [
        .lr: lr, .beta1: betas.0, .beta2: betas.1, .eps: eps, .weightDecay: weightDecay,
        .amsgrad: amsgrad ? 1 : 0, .maximize: maximize ? 1 : 0,
      ])
    }

    public override func step() { forEachGradient(update) }

    private func update(_ p: Tensor, _ grad: Tensor, _ group: ParamGroup) {
      let lr = group.lr ?? 0, beta1 = option(group, .beta1), beta2 = option(group, .beta2)
      let eps = option(group, .eps), weightDecay = option(group, .weightDecay)
      let amsgrad = option(group, .amsgrad) != 0, maximize = option(group, .maximize) != 0
      let s = stateFor(p) {
        var fresh = ["step": torch.tensor(0.0), "exp_avg": torch.zerosLike(p), "exp_avg_sq": torch.zerosLike(p)]
        if amsgrad { fresh["max_exp_avg_sq"] = torch.zerosLike(p) }
        return fresh
      }
      let step = s["step"]!.item() + 1
      s["step"]!.fill_(step)
      let update = AdamStep(beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay, decoupled: decoupled,
                            maximize: maximize, lr: lr, step: step)
      // A backend kernel on every device (fused on the CPU and CUDA; composed elsewhere).
      Backends.backend(for: p.device).adamStep(update, param: p, grad: grad, expAvg: s["exp_avg"]!,
                                               expAvgSq: s["exp_avg_sq"]!, maxExpAvgSq: s["max_exp_avg_sq"])
    }

    override func requiredState(groupOf parameter: Tensor, in groups: [ParamGroup]) -> Set<String> {
      let group = groups.first { $0.params.contains { $0 === parameter } }
      let amsgrad = group.map { option($0, .amsgrad) != 0 } ?? false
      return amsgrad ? ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["step", "exp_avg", "exp_avg_sq"]
    }

    /// Adam's extra entries: `betas` as one tuple, and PyTorch's `capturable` and
    /// `decoupled_weight_decay` flags.
    override func reprOptions(_ group: ParamGroup) -> [String: String] {
      var options = super.reprOptions(group)
      options["betas"] = "(\(pythonNumber(option(group, .beta1))), \(pythonNumber(option(group, .beta2))))"
      options["beta1"] = nil
      options["beta2"] = nil
      return options
    }

    override var implementationFlags: [(String, SavedValue)] {
      [("foreach", nil), ("capturable", false), ("differentiable", false), ("fused", nil), ("decoupled_weight_decay", .bool(decoupled))]
    }
  }

  /// Adam with decoupled weight decay (`torch.optim.AdamW`, default weight_decay 0.01).
  public final class AdamW: Adam {
    public convenience init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            eps: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false) {
      self.init([ParamGroup(params: params)], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay,
                amsgrad: amsgrad, maximize: maximize, decoupled: true)
    }

    public convenience init(_ groups: [ParamGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            eps: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false) {
      self.init(groups, lr: lr, betas: betas, eps: eps, weightDecay: weightDecay, amsgrad: amsgrad,
                maximize: maximize, decoupled: true)
    }
  }
}
