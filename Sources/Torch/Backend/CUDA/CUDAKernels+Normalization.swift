extension CUDAKernels {
  /// Layer, group and batch normalization over rows (NormalizationRows): forward and input
  /// gradient one warp per row (sums in double), parameter gradients one thread per parameter
  /// summing its elements in row order (deterministic, no atomics); batch norm in evaluation
  /// one thread per element.
  static let normalizationTemplates = #"""
    #define NORM_PARAMS i64 rows, i64 len, i64 groups, i64 span
    #define NORM_ROWS(T) extern "C" __global__ void norm_rows_##T(const T* x, const T* w, const T* b, T* out, T* mean, T* rstd, NORM_PARAMS, double eps) { \
      i64 row = (i64)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; int lane = threadIdx.x % 32; if (row >= rows) return; \
      const T* xr = x + row * len; T* o = out + row * len; i64 p = (row % groups) * (len / span); \
      double s = 0; for (i64 k = lane; k < len; k += 32) s += (double)xr[k]; \
      double mu = warpSum(s) / (double)len; \
      double q = 0; for (i64 k = lane; k < len; k += 32) { double v = (double)xr[k] - mu; q += v * v; } \
      T m = (T)mu, r = (T)(1.0 / sqrt(warpSum(q) / (double)len + eps)); \
      if (lane == 0) { mean[row] = m; rstd[row] = r; } \
      for (i64 k = lane; k < len; k += 32) { i64 j = p + k / span; T y; \
        if (span == 1) { y = xr[k] * r + (-r * m); if (w) y = y * w[j]; if (b) y = y + b[j]; } \
        else { T scale = w ? r * w[j] : r; y = xr[k] * scale + (-scale * m + (b ? b[j] : (T)0)); } \
        o[k] = y; } }
    #define NORM_ROWS_BACKWARD(T) extern "C" __global__ void norm_rows_backward_##T(const T* g, const T* x, const T* w, const T* mean, const T* rstd, T* dx, NORM_PARAMS) { \
      i64 row = (i64)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; int lane = threadIdx.x % 32; if (row >= rows) return; \
      const T* gr = g + row * len; const T* xr = x + row * len; i64 p = (row % groups) * (len / span); T m = mean[row], r = rstd[row]; \
      double sg = 0, sgx = 0; \
      for (i64 k = lane; k < len; k += 32) { double gw = (double)gr[k] * (w ? (double)w[p + k / span] : 1.0); sg += gw; sgx += gw * ((double)xr[k] - (double)m); } \
      sg = warpSum(sg); sgx = warpSum(sgx); \
      T meanG = (T)(sg / (double)len), c = (T)(sgx * (double)r * (double)r / (double)len); \
      for (i64 k = lane; k < len; k += 32) { T gw = w ? gr[k] * w[p + k / span] : gr[k]; dx[row * len + k] = (gw - meanG - (xr[k] - m) * c) * r; } }
    #define NORM_PARAMETER_GRADIENTS(T) extern "C" __global__ void norm_parameter_gradients_##T(const T* g, const T* x, const T* mean, const T* rstd, T* dw, T* db, NORM_PARAMS, i64 n) { \
      GRID { i64 perGroup = len / span, group = i / perGroup, first = (i % perGroup) * span; double aw = 0, ab = 0; \
        for (i64 row = group; row < rows; row += groups) { T m = mean[row], r = rstd[row]; \
          for (i64 k = first; k < first + span; ++k) { T gv = g[row * len + k]; aw += (double)(gv * ((x[row * len + k] - m) * r)); ab += (double)gv; } } \
        if (dw) dw[i] = (T)aw; if (db) db[i] = (T)ab; } }
    #define CHANNEL_AFFINE(T) extern "C" __global__ void channel_affine_##T(const T* x, const T* scale, const T* shift, T* out, i64 channels, i64 plane, i64 n) { \
      GRID { i64 c = (i / plane) % channels; out[i] = x[i] * scale[c] + shift[c]; } }

    """#
}
