import CTorchKernels
import Foundation

/// The gathered part of the negative log-likelihood, and its targets as safe indices.
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
    let targets = ClassTargets(target)
    for n in 0..<rows {
      let t = Int(targets[n])
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

  /// The targets as an int64 [rows, 1] index with ignored ones made 0, in one pass.
  func safeClassIndices(_ target: Tensor, ignoreIndex: Int, into out: Tensor) {
    let targets = ClassTargets(target), po = out.pointer(Int64.self), ignored = Int64(ignoreIndex)
    for n in 0..<target.numel() {
      let t = targets[n]
      po[n] = t == ignored ? 0 : t
    }
  }
}

/// A 1-D int64 or uint8 tensor of class indices, read through its dtype and stride.
private struct ClassTargets {
  private let longs: UnsafeMutablePointer<Int64>?
  private let bytes: UnsafeMutablePointer<UInt8>?
  private let stride: Int

  init(_ target: Tensor) {
    let isByte = target.dtype == .uint8
    (longs, bytes) = isByte ? (nil, target.pointer(UInt8.self)) : (target.pointer(Int64.self), nil)
    stride = target.elementStrides.first ?? 0
  }

  subscript(n: Int) -> Int64 { longs.map { $0[n * stride] } ?? Int64(bytes![n * stride]) }
}
