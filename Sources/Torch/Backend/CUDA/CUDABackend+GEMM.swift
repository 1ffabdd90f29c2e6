import CTorchKernels

/// Matrix products: cuBLAS when loaded, else the tiled NVRTC kernel.
extension CUDABackend {
  func gemm(_ a: Tensor, _ b: Tensor, into out: Tensor, alpha: Double, beta: Double) {
    let (m, k, n) = (a.dims[0], a.dims[1], b.dims[1])
    if let cublas, m > 0, n > 0, k > 0,
      cublas.gemm(dtype: out.dtype, m: m, n: n, k: k,
                  a: address(a), rsA: a.elementStrides[0], csA: a.elementStrides[1],
                  b: address(b), rsB: b.elementStrides[0], csB: b.elementStrides[1],
                  c: address(out), rsC: out.elementStrides[0], alpha: alpha, beta: beta)
    {
      return
    }
    launch("gemm_\(t(out))", count: m * n, grid: ((n + 15) / 16, (m + 15) / 16), [
      .pointer(address(a)), .int64(Int64(a.elementStrides[0])), .int64(Int64(a.elementStrides[1])),
      .pointer(address(b)), .int64(Int64(b.elementStrides[0])), .int64(Int64(b.elementStrides[1])),
      .pointer(address(out)), .int64(Int64(out.elementStrides[0])), .int64(Int64(m)), .int64(Int64(n)), .int64(Int64(k)),
      .double(alpha), .double(beta),
    ])
  }
}
