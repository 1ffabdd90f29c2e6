import CTorchKernels
import Foundation

/// Matrix products: float32 through the packed SGEMM, other types by a plain loop.
extension CPUBackend {
  // MARK: - Matrix multiply

  func gemm(_ a: Tensor, _ b: Tensor, into out: Tensor, alpha: Double, beta: Double) {
    let m = a.dims[0], k = a.dims[1], n = b.dims[1]
    switch out.dtype {
    case .float32:
      CPUGemm.sgemm(
        m: m, n: n, k: k, alpha: Float(alpha),
        a: a.pointer(Float.self), rsA: a.elementStrides[0], csA: a.elementStrides[1],
        b: b.pointer(Float.self), rsB: b.elementStrides[0], csB: b.elementStrides[1],
        beta: Float(beta), c: out.pointer(Float.self), rsC: out.elementStrides[0])
    case .float64: naiveGemm(a, b, out, alpha, beta, Double.self)
    case .int64: naiveGemm(a, b, out, alpha, beta, Int64.self)
    default: torchFail("\"addmm_impl_cpu_\" not implemented for '\(out.dtype)'")
    }
  }

  private func naiveGemm<T: NumericElement>(_ a: Tensor, _ b: Tensor, _ out: Tensor, _ alpha: Double, _ beta: Double, _: T.Type) {
    let m = a.dims[0], k = a.dims[1], n = b.dims[1]
    let pa = a.pointer(T.self), pb = b.pointer(T.self), pc = out.pointer(T.self)
    let (ra, ca, rb, cb, rc) = (a.elementStrides[0], a.elementStrides[1], b.elementStrides[0], b.elementStrides[1], out.elementStrides[0])
    let al = T(alpha), be = T(beta)
    for i in 0..<m {
      for j in 0..<n {
        var acc: T = 0
        for p in 0..<k { acc += pa[i * ra + p * ca] * pb[p * rb + j * cb] }
        pc[i * rc + j] = beta == 0 ? al * acc : al * acc + be * pc[i * rc + j]
      }
    }
  }
}
