extension CUDAKernels {
  /// Softmax and its backward, one warp per row.
  static let softmaxTemplates = """
    #define SOFTMAX(T) extern "C" __global__ void softmax_##T(const T* x, Info xi, T* out, Info oi, i64 rows, i64 len, int logMode) { \\
      i64 row = (i64)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; int lane = threadIdx.x % 32; if (row >= rows) return; \\
      T m = -INFINITY; for (i64 k = lane; k < len; k += 32) { T v = x[offsetOf(xi, row * len + k)]; m = (m != m || v <= m) ? m : v; } \\
      m = warpMax(m); if (m == -INFINITY) m = 0; \\
      T s = 0; for (i64 k = lane; k < len; k += 32) s += exp(x[offsetOf(xi, row * len + k)] - m); \\
      s = warpSum(s); T logS = log(s); \\
      for (i64 k = lane; k < len; k += 32) { T v = x[offsetOf(xi, row * len + k)]; out[offsetOf(oi, row * len + k)] = logMode ? v - m - logS : exp(v - m) / s; } }
    #define SOFTMAX_BACKWARD(T) extern "C" __global__ void softmax_backward_##T(const T* g, Info gi, const T* y, Info yi, T* out, Info oi, i64 rows, i64 len, int logMode) { \\
      i64 row = (i64)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; int lane = threadIdx.x % 32; if (row >= rows) return; \\
      T dot = 0; for (i64 k = lane; k < len; k += 32) { i64 j = row * len + k; dot += logMode ? g[offsetOf(gi, j)] : g[offsetOf(gi, j)] * y[offsetOf(yi, j)]; } \\
      dot = warpSum(dot); \\
      for (i64 k = lane; k < len; k += 32) { i64 j = row * len + k; T gv = g[offsetOf(gi, j)], yv = y[offsetOf(yi, j)]; \\
        out[offsetOf(oi, j)] = logMode ? gv - exp(yv) * dot : yv * (gv - dot); } }

    """
}
