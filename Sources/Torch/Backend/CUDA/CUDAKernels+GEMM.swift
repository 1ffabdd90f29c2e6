extension CUDAKernels {
  /// The tiled GEMM used when cuBLAS is not loaded.
  static let gemmTemplates = """
    #define GEMM(T) extern "C" __global__ void gemm_##T(const T* A, i64 rsA, i64 csA, const T* B, i64 rsB, i64 csB, T* C, i64 rsC, \\
                                                    i64 M, i64 N, i64 K, double alpha, double beta) { \\
      __shared__ T As[16][17]; __shared__ T Bs[16][17]; \\
      int tx = threadIdx.x % 16, ty = threadIdx.x / 16; i64 row = (i64)blockIdx.y * 16 + ty, col = (i64)blockIdx.x * 16 + tx; T acc = 0; \\
      for (i64 k0 = 0; k0 < K; k0 += 16) { \\
        As[ty][tx] = (row < M && k0 + tx < K) ? A[row * rsA + (k0 + tx) * csA] : (T)0; \\
        Bs[ty][tx] = (k0 + ty < K && col < N) ? B[(k0 + ty) * rsB + col * csB] : (T)0; \\
        __syncthreads(); \\
        for (int k = 0; k < 16; ++k) acc += As[ty][k] * Bs[k][tx]; \\
        __syncthreads(); } \\
      if (row < M && col < N) { T* c = C + row * rsC + col; *c = (T)alpha * acc + (beta == 0 ? (T)0 : (T)beta * *c); } }

    """
}
