/// The CUDA C source of every kernel the CUDA backend launches, compiled once per process by
/// NVRTC for the device's architecture. Each op family is one macro template instantiated
/// per op and dtype; operands carry their geometry (`Info`, the same layout as the C struct
/// `CTKTensorInfo`), so broadcasting and strided views need no copies.
enum CUDAKernels {
  static let floatTypes = ["f32", "f64"]
  static let integerTypes = ["i64", "u8"]
  static let allTypes = ["f32", "f64", "i64", "u8", "b8"]

  static func typeName(_ dtype: DType) -> String {
    switch dtype {
    case .float32: "f32"
    case .float64: "f64"
    case .int64: "i64"
    case .uint8: "u8"
    case .bool: "b8"
    }
  }

  static let prelude = """
    typedef float f32; typedef double f64; typedef long long i64; typedef unsigned char u8; typedef bool b8;
    #define INFINITY __int_as_float(0x7f800000)
    #define NAN __int_as_float(0x7fffffff)
    struct Info { i64 shape[8]; i64 strides[8]; int ndim; int unused; };
    __device__ __forceinline__ i64 offsetOf(const Info& t, i64 i) {
      if (t.ndim == 1) return i * t.strides[0];
      i64 off = 0;
      for (int d = t.ndim - 1; d >= 0; --d) { i64 s = t.shape[d]; off += (i % s) * t.strides[d]; i /= s; }
      return off;
    }
    #define GRID for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (i64)gridDim.x * blockDim.x)
    template <typename T> __device__ __forceinline__ T warpSum(T v) {
      for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
      return __shfl_sync(0xffffffffu, v, 0);
    }
    template <typename T> __device__ __forceinline__ T warpMax(T v) {
      for (int o = 16; o > 0; o >>= 1) { T w = __shfl_down_sync(0xffffffffu, v, o); v = (v != v || w <= v) ? v : w; }
      return __shfl_sync(0xffffffffu, v, 0);
    }
    #define SUM_OP(a, b) ((a) + (b))
    #define PROD_OP(a, b) ((a) * (b))
    #define MAX_OP(a, b) (((a) != (a)) ? (a) : (((b) > (a) || (b) != (b)) ? (b) : (a)))
    #define MIN_OP(a, b) (((a) != (a)) ? (a) : (((b) < (a) || (b) != (b)) ? (b) : (a)))

    """

  static let templates = """
    #define FILL(T) extern "C" __global__ void fill_##T(T* out, Info oi, i64 n, double v) { GRID out[offsetOf(oi, i)] = (T)v; }
    #define COPY(S, D) extern "C" __global__ void copy_##S##_##D(const S* x, Info xi, D* out, Info oi, i64 n) { GRID out[offsetOf(oi, i)] = (D)x[offsetOf(xi, i)]; }
    #define UNARY(NAME, T, EXPR) extern "C" __global__ void unary_##NAME##_##T(const T* x, Info xi, T* out, Info oi, i64 n, double p0, double p1) { \\
      GRID { T v = x[offsetOf(xi, i)]; out[offsetOf(oi, i)] = (EXPR); } }
    #define BINARY(NAME, T, R, EXPR) extern "C" __global__ void binary_##NAME##_##T(const T* a, Info ai, const T* b, Info bi, R* out, Info oi, i64 n, double p0, double p1) { \\
      GRID { T x = a[offsetOf(ai, i)]; T y = b[offsetOf(bi, i)]; out[offsetOf(oi, i)] = (EXPR); } }
    #define WHERE(T) extern "C" __global__ void where_##T(const b8* c, Info ci, const T* a, Info ai, const T* b, Info bi, T* out, i64 n) { \\
      GRID out[i] = c[offsetOf(ci, i)] ? a[offsetOf(ai, i)] : b[offsetOf(bi, i)]; }
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
    #define INDEX_SELECT(T) extern "C" __global__ void index_select_##T(const T* x, Info xi, const i64* index, i64 indexStride, T* out, Info oi, int dim, i64 n) { \\
      GRID { i64 r = i, off = 0; for (int d = oi.ndim - 1; d >= 0; --d) { i64 c = r % oi.shape[d]; r /= oi.shape[d]; \\
        if (d == dim) { c = index[c * indexStride]; if (c < 0) c += xi.shape[d]; } off += c * xi.strides[d]; } out[i] = x[off]; } }
    #define INDEX_ADD(T) extern "C" __global__ void index_add_##T(T* out, Info oi, const i64* index, i64 indexStride, const T* src, Info si, int dim, i64 n) { \\
      GRID { i64 r = i, off = 0; for (int d = si.ndim - 1; d >= 0; --d) { i64 c = r % si.shape[d]; r /= si.shape[d]; \\
        if (d == dim) c = index[c * indexStride]; off += c * oi.strides[d]; } atomicAdd(out + off, src[offsetOf(si, i)]); } }
    #define GATHER(T) extern "C" __global__ void gather_##T(const T* x, Info xi, const i64* index, Info ii, T* out, int dim, i64 n) { \\
      GRID { i64 r = i, off = 0; for (int d = ii.ndim - 1; d >= 0; --d) { i64 c = r % ii.shape[d]; r /= ii.shape[d]; \\
        if (d == dim) c = index[offsetOf(ii, i)]; off += c * xi.strides[d]; } out[i] = x[off]; } }
    #define SCATTER_ADD(T) extern "C" __global__ void scatter_add_##T(T* out, Info oi, const i64* index, Info ii, const T* src, Info si, int dim, i64 n) { \\
      GRID { i64 r = i, off = 0; for (int d = ii.ndim - 1; d >= 0; --d) { i64 c = r % ii.shape[d]; r /= ii.shape[d]; \\
        if (d == dim) c = index[offsetOf(ii, i)]; off += c * oi.strides[d]; } atomicAdd(out + off, src[offsetOf(si, i)]); } }
    #define NLL(T) extern "C" __global__ void nll_##T(const T* lp, i64 rs, i64 cs, const i64* target, i64 ts, const T* weight, i64 ws, \\
                                                  i64 ignore, i64 classes, T* losses, T* weights, i64 n) { \\
      GRID { i64 t = target[i * ts]; if (t == ignore) { losses[i] = 0; weights[i] = 0; continue; } \\
        if (t < 0 || t >= classes) { losses[i] = NAN; weights[i] = NAN; continue; } \\
        T w = weight ? weight[t * ws] : (T)1; losses[i] = -w * lp[i * rs + t * cs]; weights[i] = w; } }

    """

  /// One instantiated kernel: its entry-point name and the macro call that defines it.
  struct Instance {
    let name: String
    let code: String
  }

  /// Every kernel in the translation unit, in source order.
  static let instances: [Instance] = {
    var result: [Instance] = []
    func add(_ name: String, _ code: String) { result.append(Instance(name: name, code: code)) }
    // Pointwise kernels come from their declarations (Pointwise/).
    for kernel in PointwiseKernels.unary {
      for (type, expression) in kernel.cudaForms {
        add("unary_\(kernel.name)_\(type)", "#define T \(type)\nUNARY(\(kernel.name), \(type), \(expression))\n#undef T")
      }
    }
    for kernel in PointwiseKernels.binary {
      for (type, result, expression) in kernel.cudaForms {
        add("binary_\(kernel.name)_\(type)", "#define T \(type)\nBINARY(\(kernel.name), \(type), \(result), \(expression))\n#undef T")
      }
    }
    for t in allTypes {
      add("fill_\(t)", "FILL(\(t))")
      for d in allTypes { add("copy_\(t)_\(d)", "COPY(\(t), \(d))") }
      add("where_\(t)", "WHERE(\(t))")
    }
    for t in floatTypes {
      add("softmax_\(t)", "SOFTMAX(\(t))")
      add("softmax_backward_\(t)", "SOFTMAX_BACKWARD(\(t))")
      add("gemm_\(t)", "GEMM(\(t))")
      add("nll_\(t)", "NLL(\(t))")
    }
    for t in ["f32", "f64", "i64"] {
      add("reduce_sum_\(t)", "REDUCE(sum, \(t), (\(t))0, SUM_OP)")
      add("reduce_prod_\(t)", "REDUCE(prod, \(t), (\(t))1, PROD_OP)")
      let (low, high) = t == "i64" ? ("(i64)0x8000000000000000LL", "(i64)0x7FFFFFFFFFFFFFFFLL") : ("(\(t))-INFINITY", "(\(t))INFINITY")
      add("reduce_max_\(t)", "REDUCE(max, \(t), \(low), MAX_OP)")
      add("reduce_min_\(t)", "REDUCE(min, \(t), \(high), MIN_OP)")
      add("argreduce_max_\(t)", "ARGREDUCE(max, \(t), v > best)")
      add("argreduce_min_\(t)", "ARGREDUCE(min, \(t), v < best)")
    }
    // uint8 keeps its type under max and min (sums and products widen to int64 first).
    add("reduce_max_u8", "REDUCE(max, u8, (u8)0, MAX_OP)")
    add("reduce_min_u8", "REDUCE(min, u8, (u8)255, MIN_OP)")
    add("argreduce_max_u8", "ARGREDUCE(max, u8, v > best)")
    add("argreduce_min_u8", "ARGREDUCE(min, u8, v < best)")
    add("gemm_i64", "GEMM(i64)")
    for t in allTypes { add("index_select_\(t)", "INDEX_SELECT(\(t))") }
    for t in floatTypes {
      add("index_add_\(t)", "INDEX_ADD(\(t))")
      add("gather_\(t)", "GATHER(\(t))")
      add("scatter_add_\(t)", "SCATTER_ADD(\(t))")
    }
    add("gather_i64", "GATHER(i64)")
    add("gather_u8", "GATHER(u8)")
    return result
  }()

  /// The whole translation unit.
  static let source = ([prelude, templates] + instances.map(\.code)).joined(separator: "\n")

  /// The backend compiles the kernels as this many translation units, in parallel (NVRTC's
  /// time grows with the number of kernels, so a first run waits about 1/cores as long).
  static let chunkCount = 16

  /// Translation unit `chunk`: the shared templates and every `chunkCount`-th kernel.
  static func chunkSource(_ chunk: Int) -> String {
    ([prelude, templates] + instances.indices.filter { $0 % chunkCount == chunk }.map { instances[$0].code })
      .joined(separator: "\n")
  }

  /// The translation unit that defines each kernel.
  static let chunkOfKernel: [String: Int] = Dictionary(
    uniqueKeysWithValues: instances.enumerated().map { ($0.element.name, $0.offset % chunkCount) })
}
