import CTorchKernels
import Foundation

/// Matrix products: float32 through the packed SGEMM, float64 through the blocked DGEMM, int64
/// by a plain loop.
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
    case .float64: dgemm(a, b, into: out, alpha: alpha, beta: beta)
    case .int64: naiveGemm(a, b, out, alpha, beta, Int64.self)
    default: torchFail("\"addmm_impl_cpu_\" not implemented for '\(out.dtype)'")
    }
  }

  /// float64: B made dense row-major (a copy when it is a transposed or strided view), rows
  /// of C split over the pool's threads, each row computed whole by one task (so the split
  /// never changes the bits).
  private func dgemm(_ a: Tensor, _ b: Tensor, into out: Tensor, alpha: Double, beta: Double) {
    let m = a.dims[0], k = a.dims[1], n = b.dims[1]
    let dense = b.elementStrides == [n, 1] || n * k == 0 ? b : b.contiguous()
    let (pa, pb, pc) = (a.pointer(Double.self), dense.pointer(Double.self), out.pointer(Double.self))
    let (rsA, csA, rsC) = (a.elementStrides[0], a.elementStrides[1], out.elementStrides[0])
    // Rows enough for ~2^16 multiply-adds a task: smaller products stay on the caller's thread.
    let rowsPerTask = Swift.max(1, (1 << 16) / Swift.max(1, n * k))
    withExtendedLifetime(dense) {
      ThreadPool.parallelChunks(m, minimumChunk: rowsPerTask) { start, count in
        ctk_dgemm_rows(Int64(start), Int64(start + count), Int64(n), Int64(k), alpha, pa, Int64(rsA), Int64(csA), pb, beta, pc, Int64(rsC))
      }
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
