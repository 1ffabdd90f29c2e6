extension CUDAKernels {
  /// Fills, dtype copies, pointwise kernels (instantiated from each declaration in Pointwise/) and where.
  static let elementwiseTemplates = """
    #define FILL(T) extern "C" __global__ void fill_##T(T* out, Info oi, i64 n, double v) { GRID out[offsetOf(oi, i)] = (T)v; }
    #define COPY(S, D) extern "C" __global__ void copy_##S##_##D(const S* x, Info xi, D* out, Info oi, i64 n) { GRID out[offsetOf(oi, i)] = (D)x[offsetOf(xi, i)]; }
    #define UNARY(NAME, T, EXPR) extern "C" __global__ void unary_##NAME##_##T(const T* x, Info xi, T* out, Info oi, i64 n, double p0, double p1) { \\
      GRID { T v = x[offsetOf(xi, i)]; out[offsetOf(oi, i)] = (EXPR); } }
    #define BINARY(NAME, T, R, EXPR) extern "C" __global__ void binary_##NAME##_##T(const T* a, Info ai, const T* b, Info bi, R* out, Info oi, i64 n, double p0, double p1) { \\
      GRID { T x = a[offsetOf(ai, i)]; T y = b[offsetOf(bi, i)]; out[offsetOf(oi, i)] = (EXPR); } }
    #define WHERE(T) extern "C" __global__ void where_##T(const b8* c, Info ci, const T* a, Info ai, const T* b, Info bi, T* out, i64 n) { \\
      GRID out[i] = c[offsetOf(ci, i)] ? a[offsetOf(ai, i)] : b[offsetOf(bi, i)]; }

    """
}
