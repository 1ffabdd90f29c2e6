import Foundation

/// One Adam/AdamW update's coefficients, as PyTorch's single-tensor Adam computes them (in
/// double, then rounded to the parameter's type by each kernel).
struct AdamStep: Sendable {
  var beta1: Double
  var beta2: Double
  var eps: Double
  var weightDecay: Double
  /// AdamW: weight decay scales the parameter instead of adding to the gradient.
  var decoupled: Bool
  var maximize: Bool
  var lr: Double
  /// The step number, from 1.
  var step: Double

  var stepSize: Double { lr / (1 - Foundation.pow(beta1, step)) }
  var biasCorrection2Sqrt: Double { (1 - Foundation.pow(beta2, step)).squareRoot() }

  /// The update in tensor ops: what a device without a fused kernel runs (and the reference
  /// the fused kernels match). Each line is one of PyTorch's in-place ops.
  func composed(param p: Tensor, grad: Tensor, expAvg m: Tensor, expAvgSq v: Tensor, maxExpAvgSq vmax: Tensor?) {
    var g = maximize ? -grad : grad
    if weightDecay != 0 {
      if decoupled { p.mul_(1 - lr * weightDecay) } else { g = g.add(p, alpha: weightDecay) }
    }
    m.add_(g - m, alpha: 1 - beta1)  // lerp_(g, 1 - beta1): one FMA
    v.mul_(beta2).add_(g * g, alpha: 1 - beta2)
    var second = v
    if let vmax {
      vmax.copy_(vmax.maximum(v))
      second = vmax
    }
    let denom = second.sqrt() / biasCorrection2Sqrt + eps
    p.add_(m * -stepSize / denom)
  }
}

extension Backend {
  /// A device without a fused Adam kernel runs the composed update (the same math, several
  /// kernels). Backends with one override `adamStep`.
  func adamStep(_ step: AdamStep, param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor?) {
    step.composed(param: param, grad: grad, expAvg: expAvg, expAvgSq: expAvgSq, maxExpAvgSq: maxExpAvgSq)
  }
}
