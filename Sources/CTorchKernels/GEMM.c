// SGEMM: packed panels and an MR x NR microkernel (AVX2+FMA or portable), and where the CPU has
// AVX-512F an MR x 2NR one over two adjacent panels.
#include "Tile.h"

// MARK: - SGEMM

enum { MR = CTK_GEMM_MR, NR = 16, KC = 256, MC = 72, NC = 3072 };

typedef void (*Microkernel)(int64_t kc, const float *a, const float *b, float *c, int64_t rsC,
                            float alpha, float beta, int64_t mr, int64_t nr);
/// The same for two full NR-wide panels side by side (b0's columns, then b1's).
typedef void (*WideMicrokernel)(int64_t kc, const float *a, const float *b0, const float *b1, float *c, int64_t rsC,
                                float alpha, float beta, int64_t mr);

/// Accumulates a MR x NR tile of packed A times packed B, then C = alpha*acc + beta*C.
static void microkernelPortable(int64_t kc, const float *a, const float *b, float *c, int64_t rsC,
                                float alpha, float beta, int64_t mr, int64_t nr) {
  float acc[MR][NR];
  memset(acc, 0, sizeof acc);
  for (int64_t k = 0; k < kc; k++, a += MR, b += NR)
    for (int i = 0; i < MR; i++)
      for (int j = 0; j < NR; j++) acc[i][j] += a[i] * b[j];
  for (int i = 0; i < mr; i++) {
    float *row = c + i * rsC;
    for (int j = 0; j < nr; j++) row[j] = alpha * acc[i][j] + (beta == 0 ? 0 : beta * row[j]);
  }
}

#if CTK_X86
/// Stores one row of the tile: all 16 columns, or the first `nr` through lane masks.
CTK_AVX2 static inline void storeRow(float *row, __m256 lo, __m256 hi, __m256 alpha, float beta, int64_t nr) {
  lo = _mm256_mul_ps(lo, alpha);
  hi = _mm256_mul_ps(hi, alpha);
  if (nr == NR) {
    if (beta != 0) {
      __m256 b = _mm256_set1_ps(beta);
      lo = _mm256_fmadd_ps(b, _mm256_loadu_ps(row), lo);
      hi = _mm256_fmadd_ps(b, _mm256_loadu_ps(row + 8), hi);
    }
    _mm256_storeu_ps(row, lo);
    _mm256_storeu_ps(row + 8, hi);
    return;
  }
  __m256i maskLo, maskHi;
  ctkColumnMasks(nr, &maskLo, &maskHi);
  if (beta != 0) {
    __m256 b = _mm256_set1_ps(beta);
    lo = _mm256_fmadd_ps(b, _mm256_maskload_ps(row, maskLo), lo);
    hi = _mm256_fmadd_ps(b, _mm256_maskload_ps(row + 8, maskHi), hi);
  }
  _mm256_maskstore_ps(row, maskLo, lo);
  _mm256_maskstore_ps(row + 8, maskHi, hi);
}

CTK_AVX2 static void microkernelAVX2(int64_t kc, const float *a, const float *b, float *c, int64_t rsC,
                                     float alpha, float beta, int64_t mr, int64_t nr) {
  CTKTile tile;
  ctkTileClear(&tile);
  for (int64_t k = 0; k < kc; k++, a += MR, b += NR) ctkTileAccumulate(&tile, a, _mm256_load_ps(b), _mm256_load_ps(b + 8));
  __m256 va = _mm256_set1_ps(alpha);
  // Unrolled, so each row is a register of the tile rather than a load from a spilled copy.
#pragma unroll
  for (int i = 0; i < MR; i++)
    if (i < mr) storeRow(c + i * rsC, tile.r[2 * i], tile.r[2 * i + 1], va, beta, nr);
}
#endif

#if CTK_X86
/// One row of C: alpha times the accumulated 16 columns, plus beta times what is there (the
/// same roundings as storeRow).
CTK_AVX512 static inline void storeRow16(float *row, __m512 acc, float alpha, float beta) {
  acc = _mm512_mul_ps(acc, _mm512_set1_ps(alpha));
  if (beta != 0) acc = _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_loadu_ps(row), acc);
  _mm512_storeu_ps(row, acc);
}

/// A MR x 32 tile in twelve zmm registers: each C element sums its products in k order with
/// one fused multiply-add each, as the AVX2 tile does, so the bits are the AVX2 path's.
CTK_AVX512 static void microkernelAVX512Wide(int64_t kc, const float *a, const float *b0, const float *b1, float *c,
                                             int64_t rsC, float alpha, float beta, int64_t mr) {
  __m512 acc[2 * MR];
  for (int i = 0; i < 2 * MR; i++) acc[i] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; k++, a += MR, b0 += NR, b1 += NR) {
    __m512 left = _mm512_load_ps(b0), right = _mm512_load_ps(b1);
#pragma unroll
    for (int i = 0; i < MR; i++) {
      __m512 av = _mm512_set1_ps(a[i]);
      acc[2 * i] = _mm512_fmadd_ps(av, left, acc[2 * i]);
      acc[2 * i + 1] = _mm512_fmadd_ps(av, right, acc[2 * i + 1]);
    }
  }
#pragma unroll
  for (int i = 0; i < MR; i++)
    if (i < mr) {
      storeRow16(c + i * rsC, acc[2 * i], alpha, beta);
      storeRow16(c + i * rsC + NR, acc[2 * i + 1], alpha, beta);
    }
}
#endif

/// Per-thread packing buffers, grown on demand and kept for the thread's lifetime
/// (the pool's threads are persistent, so a training loop allocates nothing here).
static _Thread_local float *tlsPackA, *tlsPackB;

static float *packBuffer(float **slot, size_t floats) {
  if (!*slot) *slot = aligned_alloc(64, floats * sizeof(float));
  return *slot;
}

#if CTK_X86
/// Transposes eight registers in place: lane j of row i becomes lane i of row j.
CTK_AVX2 static inline void transpose8(__m256 r[8]) {
  __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/// Transposes eight columns' floats k..k+7 (`columns[i] + k`) into dst[k' * NR + i].
CTK_AVX2 static inline void transposeColumns8(const float *const *columns, int64_t k, float *dst) {
  __m256 r[8];
  for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(columns[i] + k);
  transpose8(r);
  for (int j = 0; j < 8; j++) _mm256_storeu_ps(dst + j * NR, r[j]);
}
#endif

/// Packs one NR-wide panel of B whose `nr` columns are contiguous runs of `kc` floats at
/// `columns[j]` (a transposed row-major B, or taps read in place), zero-padding the rest.
static void packColumnsPanel(int64_t kc, int64_t nr, const float *const *columns, float *dst) {
  int64_t first = 0;
#if CTK_X86
  if (nr >= 8 && ctk_use_avx2()) {
    // Eight columns (sixteen in a full panel) at a time through the register transpose.
    const int64_t transposed = nr == NR ? NR : 8;
    int64_t k = 0;
    for (; k + 8 <= kc; k += 8)
      for (int64_t j = 0; j < transposed; j += 8) transposeColumns8(columns + j, k, dst + k * NR + j);
    for (; k < kc; k++)
      for (int64_t jj = 0; jj < transposed; jj++) dst[k * NR + jj] = columns[jj][k];
    first = transposed;
  }
#endif
  for (int64_t jj = first; jj < nr; jj++)
    for (int64_t k = 0; k < kc; k++) dst[k * NR + jj] = columns[jj][k];
  for (int64_t k = 0; k < kc; k++)
    for (int64_t jj = nr; jj < NR; jj++) dst[k * NR + jj] = 0;
}

#if CTK_X86
/// Packs one full MR-tall sliver of a row-major A: eight k at a time, the six rows are
/// transposed in registers and stored as k-major groups of six. Each 8-float store spills
/// two floats into the next group, which the next store overwrites (the buffers carry
/// slack for the last one).
CTK_AVX2 static void packRowMajorSliverAVX2(int64_t kc, const float *A, int64_t rsA, float *dst) {
  int64_t k = 0;
  for (; k + 8 <= kc; k += 8) {
    __m256 r[8];
    for (int i = 0; i < MR; i++) r[i] = _mm256_loadu_ps(A + i * rsA + k);
    r[6] = r[7] = _mm256_setzero_ps();
    transpose8(r);
    for (int j = 0; j < 8; j++) _mm256_storeu_ps(dst + (k + j) * MR, r[j]);
  }
  for (; k < kc; k++)
    for (int64_t ii = 0; ii < MR; ii++) dst[k * MR + ii] = A[ii * rsA + k];
}
#endif

/// Packs B[k0:k0+kc, j0:j0+nc] into NR-wide column panels, zero-padding the last one. With
/// `columnOffsets`, column j is the contiguous run at B + columnOffsets[j] (rsB, csB unused).
static void packB(int64_t kc, int64_t nc, const float *B, int64_t rsB, int64_t csB, const int64_t *columnOffsets,
                  float *dst) {
  for (int64_t j = 0; j < nc; j += NR) {
    int64_t nr = nc - j < NR ? nc - j : NR;
    if (columnOffsets || (rsB == 1 && csB != 1)) {
      // Columns contiguous in k (a transposed row-major B, or gathered ones): read each in turn.
      const float *columns[NR];
      for (int64_t jj = 0; jj < nr; jj++) columns[jj] = B + (columnOffsets ? columnOffsets[j + jj] : (j + jj) * csB);
      packColumnsPanel(kc, nr, columns, dst);
      dst += kc * NR;
      continue;
    }
    for (int64_t k = 0; k < kc; k++, dst += NR) {
      const float *src = B + k * rsB + j * csB;
      if (csB == 1 && nr == NR) { memcpy(dst, src, NR * sizeof(float)); continue; }
      int64_t jj = 0;
      for (; jj < nr; jj++) dst[jj] = src[jj * csB];
      for (; jj < NR; jj++) dst[jj] = 0;
    }
  }
}

/// Packs A[i0:i0+mc, k0:k0+kc] into MR-tall row slivers, zero-padding the last one.
static void packA(int64_t mc, int64_t kc, const float *A, int64_t rsA, int64_t csA, float *dst) {
  for (int64_t i = 0; i < mc; i += MR) {
    int64_t mr = mc - i < MR ? mc - i : MR;
    const float *base = A + i * rsA;
    if (rsA == 1 && mr == MR) {
      for (int64_t k = 0; k < kc; k++, dst += MR) memcpy(dst, base + k * csA, MR * sizeof(float));
      continue;
    }
#if CTK_X86
    if (csA == 1 && mr == MR && ctk_use_avx2()) {
      packRowMajorSliverAVX2(kc, base, rsA, dst);
      dst += kc * MR;
      continue;
    }
#endif
    if (csA == 1) {
      // Row-major A: read each row contiguously and scatter into the sliver.
      for (int64_t ii = 0; ii < MR; ii++) {
        const float *row = base + ii * rsA;
        for (int64_t k = 0; k < kc; k++) dst[k * MR + ii] = ii < mr ? row[k] : 0;
      }
      dst += kc * MR;
      continue;
    }
    for (int64_t k = 0; k < kc; k++, dst += MR) {
      int64_t ii = 0;
      for (; ii < mr; ii++) dst[ii] = base[ii * rsA + k * csA];
      for (; ii < MR; ii++) dst[ii] = 0;
    }
  }
}

static void scaleC(int64_t M, int64_t N, float beta, float *C, int64_t rsC) {
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) C[i * rsC + j] = beta == 0 ? 0 : beta * C[i * rsC + j];
}

/// The microkernels this CPU runs: a MR x NR one, and a MR x 2NR one or NULL.
typedef struct {
  Microkernel tile;
  WideMicrokernel wide;
} Microkernels;

static Microkernels pickMicrokernel(void) {
#if CTK_X86
  if (ctk_use_avx512()) return (Microkernels){microkernelAVX2, microkernelAVX512Wide};
  if (ctk_use_avx2()) return (Microkernels){microkernelAVX2, NULL};
#endif
  return (Microkernels){microkernelPortable, NULL};
}

/// C[mc, nc] (+)= packed A block times packed B block: every MR x NR tile of it, two full
/// panels at a time where there is a wide kernel.
static void multiplyPacked(Microkernels kernels, int64_t mc, int64_t nc, int64_t kc, const float *a, const float *b,
                           float alpha, float beta, float *C, int64_t rsC) {
  for (int64_t jr = 0; jr < nc;) {
    int64_t nr = nc - jr < NR ? nc - jr : NR;
    int wide = kernels.wide && nc - jr >= 2 * NR;
    for (int64_t ir = 0; ir < mc; ir += MR) {
      int64_t mr = mc - ir < MR ? mc - ir : MR;
      if (wide)
        kernels.wide(kc, a + ir * kc, b + jr * kc, b + (jr + NR) * kc, C + ir * rsC + jr, rsC, alpha, beta, mr);
      else
        kernels.tile(kc, a + ir * kc, b + jr * kc, C + ir * rsC + jr, rsC, alpha, beta, mr, nr);
    }
    jr += wide ? 2 * NR : NR;
  }
}

/// The blocked product behind ctk_sgemm and ctk_sgemm_gathered_columns (see packB).
static void sgemm(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsA, int64_t csA, const float *B,
                  int64_t rsB, int64_t csB, const int64_t *columnOffsets, float beta, float *C, int64_t rsC) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0) { scaleC(M, N, beta, C, rsC); return; }
  Microkernels kernels = pickMicrokernel();
  float *bufA = packBuffer(&tlsPackA, (size_t)MC * KC + 16);
  float *bufB = packBuffer(&tlsPackB, (size_t)KC * (NC + NR));

  for (int64_t jc = 0; jc < N; jc += NC) {
    int64_t nc = N - jc < NC ? N - jc : NC;
    for (int64_t pc = 0; pc < K; pc += KC) {
      int64_t kc = K - pc < KC ? K - pc : KC;
      float betaNow = pc == 0 ? beta : 1.0f;
      if (columnOffsets)
        packB(kc, nc, B + pc, 1, 0, columnOffsets + jc, bufB);
      else
        packB(kc, nc, B + pc * rsB + jc * csB, rsB, csB, NULL, bufB);
      for (int64_t ic = 0; ic < M; ic += MC) {
        int64_t mc = M - ic < MC ? M - ic : MC;
        packA(mc, kc, A + ic * rsA + pc * csA, rsA, csA, bufA);
        multiplyPacked(kernels, mc, nc, kc, bufA, bufB, alpha, betaNow, C + ic * rsC + jc, rsC);
      }
    }
  }
}

void ctk_sgemm(int64_t M, int64_t N, int64_t K, float alpha,
               const float *A, int64_t rsA, int64_t csA,
               const float *B, int64_t rsB, int64_t csB,
               float beta, float *C, int64_t rsC) {
  sgemm(M, N, K, alpha, A, rsA, csA, B, rsB, csB, NULL, beta, C, rsC);
}

void ctk_sgemm_gathered_columns(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsA, int64_t csA,
                                const float *B, const int64_t *columnOffsets, float beta, float *C, int64_t rsC) {
  sgemm(M, N, K, alpha, A, rsA, csA, B, 1, 0, columnOffsets, beta, C, rsC);
}

// MARK: - Prepacked A

/// Depth blocks of a prepacked A: one up to 512 (B's panel, 16 x 512 floats, still fits L1
/// beside an A sliver), else KC.
static int64_t prepackedDepth(int64_t K) { return K <= 2 * KC ? K : KC; }
static int64_t roundedRows(int64_t M) { return (M + MR - 1) / MR * MR; }

size_t ctk_sgemm_packed_a_floats(int64_t M, int64_t K) {
  return (size_t)(roundedRows(M > 0 ? M : 0) * (K > 0 ? K : 0)) + 16;
}

void ctk_sgemm_pack_a(int64_t M, int64_t K, const float *A, int64_t rsA, int64_t csA, float *packed) {
  if (M <= 0 || K <= 0) return;
  int64_t depth = prepackedDepth(K);
  for (int64_t pc = 0; pc < K; pc += depth) {
    int64_t kc = K - pc < depth ? K - pc : depth;
    packA(M, kc, A + pc * csA, rsA, csA, packed);
    packed += roundedRows(M) * kc;
  }
}

void ctk_direct_pack_weight(int64_t M, int64_t K, const float *A, int64_t rsA, int64_t csA, float *packed) {
  if (M > 0 && K > 0) packA(M, K, A, rsA, csA, packed);
}

void ctk_sgemm_prepacked(int64_t M, int64_t N, int64_t K, const float *packedA,
                         const float *B, int64_t rsB, int64_t csB,
                         float beta, float *C, int64_t rsC) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) { scaleC(M, N, beta, C, rsC); return; }
  Microkernels kernels = pickMicrokernel();
  int64_t depth = prepackedDepth(K);
  // B's buffer holds KC x (NC + NR) floats: deeper blocks take proportionally narrower ones.
  int64_t width = (int64_t)KC * NC / depth / NR * NR;
  float *bufB = packBuffer(&tlsPackB, (size_t)KC * (NC + NR));
  for (int64_t jc = 0; jc < N; jc += width) {
    int64_t nc = N - jc < width ? N - jc : width;
    const float *a = packedA;
    for (int64_t pc = 0; pc < K; pc += depth) {
      int64_t kc = K - pc < depth ? K - pc : depth;
      packB(kc, nc, B + pc * rsB + jc * csB, rsB, csB, NULL, bufB);
      multiplyPacked(kernels, M, nc, kc, a, bufB, 1, pc == 0 ? beta : 1.0f, C + jc, rsC);
      a += roundedRows(M) * kc;
    }
  }
}
