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
    template <typename T> __device__ __forceinline__ T integerPow(T v, i64 e) {
      T r = 1;
      for (; e > 0; e >>= 1) { if (e & 1) r = (T)(r * v); v = (T)(v * v); }
      return r;
    }
    template <typename T> __device__ __forceinline__ T remainderOf(T x, T y) {
      T m = fmod(x, y);
      return (m != 0 && (m < 0) != (y < 0)) ? m + y : m;
    }
    template <typename T> __device__ __forceinline__ T floorDivideOf(T x, T y) {
      if (y == 0) return x / y;
      T m = fmod(x, y), q = (x - m) / y;
      if (m != 0 && (y < 0) != (m < 0)) q -= 1;
      if (q == 0) return copysign((T)0, x / y);
      T f = floor(q);
      return q - f > (T)0.5 ? f + 1 : f;
    }
    #define SUM_OP(a, b) ((a) + (b))
    #define PROD_OP(a, b) ((a) * (b))
    #define MAX_OP(a, b) (((a) != (a)) ? (a) : (((b) > (a) || (b) != (b)) ? (b) : (a)))
    #define MIN_OP(a, b) (((a) != (a)) ? (a) : (((b) < (a) || (b) != (b)) ? (b) : (a)))

    """

  /// The macro templates of every kernel family (CUDAKernels+<Family>.swift), in source order.
  static let templates = [
    elementwiseTemplates, reductionTemplates, softmaxTemplates, gemmTemplates, indexingTemplates, lossTemplates, optimizerTemplates,
    convolutionTemplates, normalizationTemplates, sortingTemplates,
  ]
    .joined()

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
      add("adam_step_\(t)", "ADAM(\(t))")
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
    for t in ["f32", "f64", "i64", "u8"] { add("sort_rank_\(t)", "SORT_RANK(\(t))") }
    for (t, accumulator) in [("f32", "f64"), ("f64", "f64"), ("i64", "i64")] {
      add("cumsum_\(t)", "CUMULATIVE(cumsum, \(t), \(accumulator), 0, +)")
      add("cumprod_\(t)", "CUMULATIVE(cumprod, \(t), \(accumulator), 1, *)")
    }
    add("gemm_i64", "GEMM(i64)")
    for t in allTypes { add("index_select_\(t)", "INDEX_SELECT(\(t))") }
    for t in floatTypes {
      add("index_add_\(t)", "INDEX_ADD(\(t))")
      add("gather_\(t)", "GATHER(\(t))")
      add("scatter_add_\(t)", "SCATTER_ADD(\(t))")
    }
    add("gather_i64", "GATHER(i64)")
    add("gather_u8", "GATHER(u8)")
    for t in floatTypes {
      add("unfold_\(t)", "IM2COL(\(t))")
      add("fold_\(t)", "COL2IM(\(t))")
      add("max_pool2d_\(t)", "MAXPOOL(\(t))")
      add("avg_pool2d_\(t)", "AVGPOOL(\(t))")
      add("avg_pool2d_backward_\(t)", "AVGPOOL_BACKWARD(\(t))")
      add("adaptive_max_pool2d_\(t)", "MAXPOOL_ADAPTIVE(\(t))")
      add("adaptive_avg_pool2d_\(t)", "AVGPOOL_ADAPTIVE(\(t))")
      add("adaptive_avg_pool2d_backward_\(t)", "AVGPOOL_ADAPTIVE_BACKWARD(\(t))")
      add("resize2d_\(t)", "RESIZE(\(t))")
      add("resize2d_backward_\(t)", "RESIZE_BACKWARD(\(t))")
      add("norm_rows_\(t)", "NORM_ROWS(\(t))")
      add("norm_rows_backward_\(t)", "NORM_ROWS_BACKWARD(\(t))")
      add("norm_parameter_gradients_\(t)", "NORM_PARAMETER_GRADIENTS(\(t))")
      add("channel_affine_\(t)", "CHANNEL_AFFINE(\(t))")
    }
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
