// Copies of a transposed matrix into row-major order (x.t().contiguous(), and the last two
// dims of a batch swapped): dst[r][c] = src[c·ld + r]. Walking dst in order reads src with a
// stride of ld elements, one cache line per element; in tiles both sides stay in cache, and
// under AVX2 each 8x8 tile of 4-byte elements is eight loads, a shuffle network and eight
// stores. Elements are moved as bit patterns (any 4- or 8-byte dtype).
#include "Internal.h"

enum { TILE = 32 };

#define TRANSPOSE_PORTABLE(NAME, T)                                                                \
  static void NAME(int64_t rows, int64_t cols, const T *src, int64_t ld, T *dst) {                   \
    for (int64_t r0 = 0; r0 < rows; r0 += TILE)                                                    \
      for (int64_t c0 = 0; c0 < cols; c0 += TILE) {                                                \
        const int64_t r1 = r0 + TILE < rows ? r0 + TILE : rows, c1 = c0 + TILE < cols ? c0 + TILE : cols; \
        for (int64_t r = r0; r < r1; r++)                                                          \
          for (int64_t c = c0; c < c1; c++) dst[r * cols + c] = src[c * ld + r];                   \
      }                                                                                            \
  }

TRANSPOSE_PORTABLE(transpose_32_portable, uint32_t)
TRANSPOSE_PORTABLE(transpose_64, uint64_t)

#if CTK_X86
/// dst rows r..r+7, columns c..c+7 from src columns c..c+7 (each 8 elements from row r).
CTK_AVX2 static inline void tile8(const float *src, int64_t ld, float *dst, int64_t cols) {
  __m256 a[8], b[8];
  for (int k = 0; k < 8; k++) a[k] = _mm256_loadu_ps(src + k * ld);  // a[k][j] = dst[j][k]
  for (int k = 0; k < 8; k += 2) {
    b[k] = _mm256_unpacklo_ps(a[k], a[k + 1]);
    b[k + 1] = _mm256_unpackhi_ps(a[k], a[k + 1]);
  }
  for (int k = 0; k < 8; k += 4) {
    a[k] = _mm256_shuffle_ps(b[k], b[k + 2], 0x44);
    a[k + 1] = _mm256_shuffle_ps(b[k], b[k + 2], 0xEE);
    a[k + 2] = _mm256_shuffle_ps(b[k + 1], b[k + 3], 0x44);
    a[k + 3] = _mm256_shuffle_ps(b[k + 1], b[k + 3], 0xEE);
  }
  // a[k] (k < 4) holds dst row k in its low half and row k + 4 in its high half, for the
  // first four sources; a[k + 4] the same for the last four.
  for (int k = 0; k < 4; k++) {
    _mm256_storeu_ps(dst + k * cols, _mm256_permute2f128_ps(a[k], a[k + 4], 0x20));
    _mm256_storeu_ps(dst + (k + 4) * cols, _mm256_permute2f128_ps(a[k], a[k + 4], 0x31));
  }
}

CTK_AVX2 static void transpose_32_avx2(int64_t rows, int64_t cols, const uint32_t *src, int64_t ld, uint32_t *dst) {
  const int64_t fullRows = rows / 8 * 8, fullCols = cols / 8 * 8;
  for (int64_t r0 = 0; r0 < fullRows; r0 += TILE)
    for (int64_t c0 = 0; c0 < fullCols; c0 += TILE) {
      const int64_t r1 = r0 + TILE < fullRows ? r0 + TILE : fullRows, c1 = c0 + TILE < fullCols ? c0 + TILE : fullCols;
      for (int64_t r = r0; r < r1; r += 8)
        for (int64_t c = c0; c < c1; c += 8) tile8((const float *)src + c * ld + r, ld, (float *)dst + r * cols + c, cols);
    }
  for (int64_t r = 0; r < rows; r++)  // the edges: columns past the last full eight, then rows
    for (int64_t c = r < fullRows ? fullCols : 0; c < cols; c++) dst[r * cols + c] = src[c * ld + r];
}
#endif

CTK_DISPATCH(transpose_32, (int64_t rows, int64_t cols, const void *src, int64_t ld, void *dst), (rows, cols, src, ld, dst))

void ctk_transpose_64(int64_t rows, int64_t cols, const void *src, int64_t ld, void *dst) { transpose_64(rows, cols, src, ld, dst); }
