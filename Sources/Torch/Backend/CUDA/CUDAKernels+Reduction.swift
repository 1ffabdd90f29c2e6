extension CUDAKernels {
  /// Reductions over the trailing (permuted) dims, one block per output; arg-reductions and
  /// running sums one thread per row.
  static let reductionTemplates = """
    #define REDUCE(NAME, T, INIT, OP) extern "C" __global__ void reduce_##NAME##_##T(const T* x, Info xi, T* out, i64 outer, i64 inner) { \\
      __shared__ T partial[32]; \\
      for (i64 o = blockIdx.x; o < outer; o += gridDim.x) { \\
        T acc = INIT; \\
        for (i64 k = threadIdx.x; k < inner; k += blockDim.x) { T v = x[offsetOf(xi, o * inner + k)]; acc = OP(acc, v); } \\
        for (int s = 16; s > 0; s >>= 1) { T w = __shfl_down_sync(0xffffffffu, acc, s); acc = OP(acc, w); } \\
        if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = acc; \\
        __syncthreads(); \\
        if (threadIdx.x == 0) { T total = partial[0]; for (int w = 1; w < (int)(blockDim.x / 32); ++w) total = OP(total, partial[w]); out[o] = total; } \\
        __syncthreads(); } }
    #define ARGREDUCE(NAME, T, BETTER) extern "C" __global__ void argreduce_##NAME##_##T(const T* x, Info xi, T* values, i64* indices, i64 n, i64 len, int writeValues) { \\
      GRID { T best = x[offsetOf(xi, i * len)]; i64 at = 0; \\
        if (best == best) for (i64 k = 1; k < len; ++k) { T v = x[offsetOf(xi, i * len + k)]; if (v != v) { best = v; at = k; break; } if (BETTER) { best = v; at = k; } } \\
        indices[i] = at; if (writeValues) values[i] = best; } }
    // Running sums (products), one thread per row, from the row's end with `reverse`.
    #define CUMULATIVE(NAME, T, ACC, INIT, OP) extern "C" __global__ void NAME##_##T(const T* x, Info xi, T* out, Info oi, i64 n, i64 len, int reverse) { \\
      GRID { ACC total = INIT; for (i64 j = 0; j < len; ++j) { i64 k = reverse ? len - 1 - j : j; \\
        total = total OP (ACC)x[offsetOf(xi, i * len + k)]; out[offsetOf(oi, i * len + k)] = (T)total; } } }

    """
}
