import CTorchKernels
import Foundation

/// The gathered part of the negative log-likelihood.
extension CPUBackend {
  // MARK: - Losses

  func nllLoss(logProbs: Tensor, target: Tensor, weight: Tensor?, ignoreIndex: Int,
               losses: Tensor, weights: Tensor) {
    switch logProbs.dtype {
    case .float32: nll(logProbs, target, weight, ignoreIndex, losses, weights, Float.self)
    case .float64: nll(logProbs, target, weight, ignoreIndex, losses, weights, Double.self)
    default: torchFail("nll_loss needs floating point input, got \(logProbs.dtype)")
    }
  }

  private func nll<T: FloatElement>(_ lp: Tensor, _ target: Tensor, _ weight: Tensor?, _ ignore: Int,
                                    _ losses: Tensor, _ weights: Tensor, _: T.Type) {
    let rows = lp.dims[0], classes = lp.dims[1]
    let p = lp.pointer(T.self), (rs, cs) = (lp.elementStrides[0], lp.elementStrides[1])
    let pw = weight?.pointer(T.self), ws = weight?.elementStrides[0] ?? 0
    let pl = losses.pointer(T.self), pwo = weights.pointer(T.self)
    for n in 0..<rows {
      let t = target.dtype == .uint8
        ? Int(target.pointer(UInt8.self)[n * target.elementStrides[0]])
        : Int(target.pointer(Int64.self)[n * (target.elementStrides.first ?? 0)])
      if t == ignore {
        pl[n] = 0
        pwo[n] = 0
        continue
      }
      torchCheck(t >= 0 && t < classes, "Target \(t) is out of bounds.", kind: "IndexError")
      let w = pw.map { $0[t * ws] } ?? 1
      pl[n] = -w * p[n * rs + t * cs]
      pwo[n] = w
    }
  }
}
