extension CUDAKernels {
  /// Rank sort: element k of row r goes to position #{j : (x_j, j) sorts before (x_k, k)}.
  static let sortingTemplates = """
    #define SORT_BEFORE(a, i, b, j) ((a) != (a) || (b) != (b) \\
      ? (((a) != (a)) && ((b) != (b)) ? (i) < (j) : (descending ? ((a) != (a)) : ((b) != (b)))) \\
      : ((a) == (b) ? (i) < (j) : (descending ? (a) > (b) : (a) < (b))))
    #define SORT_RANK(T) extern "C" __global__ void sort_rank_##T(const T* x, Info xi, T* values, i64* indices, i64 n, i64 len, int descending) { \\
      GRID { i64 row = i / len, k = i % len; T v = x[offsetOf(xi, i)]; i64 rank = 0; \\
        for (i64 j = 0; j < len; ++j) { T w = x[offsetOf(xi, row * len + j)]; if (SORT_BEFORE(w, j, v, k)) ++rank; } \\
        values[row * len + rank] = v; indices[row * len + rank] = k; } }

    """
}
