import CTorchKernels

extension optim {
  /// Stochastic gradient descent with momentum (`torch.optim.SGD`), PyTorch's equations:
  /// g = grad (+ weight_decay·p); buf = g on the first step, then momentum·buf + (1 − dampening)·g;
  /// g = g + momentum·buf with Nesterov, else buf; p −= lr·g.
  public final class SGD: Optimizer {
    public convenience init(_ params: [Tensor], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                            weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false) {
      self.init([ParamGroup(params: params)], lr: lr, momentum: momentum, dampening: dampening,
                weightDecay: weightDecay, nesterov: nesterov, maximize: maximize)
    }

    public init(_ groups: [ParamGroup], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false) {
      torchCheck(lr >= 0, "Invalid learning rate: \(lr)", kind: "ValueError")
      torchCheck(momentum >= 0, "Invalid momentum value: \(momentum)", kind: "ValueError")
      torchCheck(!nesterov || (momentum > 0 && dampening == 0),
        "Nesterov momentum requires a momentum and zero dampening", kind: "ValueError")
      super.init(groups, defaults: [
        .lr: lr, .momentum: momentum, .dampening: dampening, .weightDecay: weightDecay,
        .nesterov: nesterov ? 1 : 0, .maximize: maximize ? 1 : 0,
      ])
    }

    public override func step() {
      torch.noGrad {
        for group in paramGroups {
          let lr = group.lr ?? 0, momentum = option(group, .momentum), dampening = option(group, .dampening)
          let weightDecay = option(group, .weightDecay), nesterov = option(group, .nesterov) != 0
          let maximize = option(group, .maximize) != 0
          for p in group.params {
            guard let grad = p.grad else { continue }
            if momentum == 0 && weightDecay == 0 && !maximize {
              p.add_(grad, alpha: -lr)
              continue
            }
            var g = maximize ? -grad : grad
            if weightDecay != 0 { g = g.add(p, alpha: weightDecay) }
            if momentum != 0 {
              if let buffer = state[ObjectIdentifier(p)]?["momentum_buffer"] {
                buffer.mul_(momentum).add_(g, alpha: 1 - dampening)
                g = nesterov ? g.add(buffer, alpha: momentum) : buffer
              } else {
                let buffer = g.clone().detach()
                state[ObjectIdentifier(p)] = ["momentum_buffer": buffer]
                g = nesterov ? g.add(buffer, alpha: momentum) : buffer
              }
            }
            p.add_(g, alpha: -lr)
          }
        }
      }
    }
  }
}
