extension CUDAKernels {
  /// index_select, index_add, gather and scatter_add.
  static let indexingTemplates = """
    #define INDEX_SELECT(T) extern "C" __global__ void index_select_##T(const T* x, Info xi, const i64* index, i64 indexStride, T* out, Info oi, int dim, i64 n) { \\
      GRID { i64 r = i, off = 0; for (int d = oi.ndim - 1; d >= 0; --d) { i64 c = r % oi.shape[d]; r /= oi.shape[d]; \\
        if (d == dim) { c = index[c * indexStride]; } off += c * xi.strides[d]; } out[i] = x[off]; } }
    #define INDEX_ADD(T) extern "C" __global__ void index_add_##T(T* out, Info oi, const i64* index, i64 indexStride, const T* src, Info si, int dim, i64 n) { \\
      GRID { i64 r = i, off = 0; for (int d = si.ndim - 1; d >= 0; --d) { i64 c = r % si.shape[d]; r /= si.shape[d]; \\
        if (d == dim) c = index[c * indexStride]; off += c * oi.strides[d]; } atomicAdd(out + off, src[offsetOf(si, i)]); } }
    #define GATHER(T) extern "C" __global__ void gather_##T(const T* x, Info xi, const i64* index, Info ii, T* out, int dim, i64 n) { \\
      GRID { i64 r = i, off = 0; for (int d = ii.ndim - 1; d >= 0; --d) { i64 c = r % ii.shape[d]; r /= ii.shape[d]; \\
        if (d == dim) c = index[offsetOf(ii, i)]; off += c * xi.strides[d]; } out[i] = x[off]; } }
    #define SCATTER_ADD(T) extern "C" __global__ void scatter_add_##T(T* out, Info oi, const i64* index, Info ii, const T* src, Info si, int dim, i64 n) { \\
      GRID { i64 r = i, off = 0; for (int d = ii.ndim - 1; d >= 0; --d) { i64 c = r % ii.shape[d]; r /= ii.shape[d]; \\
        if (d == dim) c = index[offsetOf(ii, i)]; off += c * oi.strides[d]; } atomicAdd(out + off, src[offsetOf(si, i)]); } }

    """
}
