// The 6x16 register tile GEMM.c's microkernel accumulates, and the column masks it and
// DirectConvolution.c's tiles store a partial row with. Row i lives in r[2i] (columns 0-7) and
// r[2i+1] (columns 8-15); always inlined, so the tile stays in twelve registers.
#ifndef CTK_TILE_H
#define CTK_TILE_H

#include "Internal.h"

#if CTK_X86
typedef struct {
  __m256 r[2 * CTK_GEMM_MR];
} CTKTile;

#define CTK_TILE_INLINE CTK_AVX2 static inline __attribute__((always_inline))

CTK_TILE_INLINE void ctkTileClear(CTKTile *t) {
  for (int i = 0; i < 2 * CTK_GEMM_MR; i++) t->r[i] = _mm256_setzero_ps();
}

/// Every row i of the tile gains a[i] times the 16 columns (b0, b1).
CTK_TILE_INLINE void ctkTileAccumulate(CTKTile *t, const float *a, __m256 b0, __m256 b1) {
  for (int i = 0; i < CTK_GEMM_MR; i++) {
    __m256 av = _mm256_broadcast_ss(a + i);
    t->r[2 * i] = _mm256_fmadd_ps(av, b0, t->r[2 * i]);
    t->r[2 * i + 1] = _mm256_fmadd_ps(av, b1, t->r[2 * i + 1]);
  }
}

/// Lane masks for the first `n` of the 16 columns.
CTK_TILE_INLINE void ctkColumnMasks(int64_t n, __m256i *lo, __m256i *hi) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  *lo = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), lanes);
  *hi = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n - 8), lanes);
}
#endif

#endif
