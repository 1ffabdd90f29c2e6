// The direct convolution's weight gradient (see DirectConvolution.h): per output channel, the
// sum over positions of g times each tap, the taps read in place from the prepared planes.
#include "DirectConvolution.h"

/// Taps summed per pass over g: the accumulators one channel keeps (two channels, half each).
enum { MAX_BLOCK = 12 };

/// gradW[c][k] += sum over positions of g[c] * tap k, for up to MAX_BLOCK taps of `channels`
/// output channels (planes gStride apart, weight rows wStride apart).
static void tapSumsPortable(const float *g, int64_t gStride, int64_t channels, int64_t oh, int64_t ow, const float *input,
                            int64_t rowPitch, const int64_t *offsets, int64_t taps, float *gradW, int64_t wStride) {
  for (int64_t c = 0; c < channels; c++)
    for (int64_t t = 0; t < taps; t++) {
      float total = 0;
      for (int64_t oy = 0; oy < oh; oy++) {
        const float *b = input + offsets[t] + oy * rowPitch, *gr = g + c * gStride + oy * ow;
        for (int64_t ox = 0; ox < ow; ox++) total += gr[ox] * b[ox];
      }
      gradW[c * wStride + t] += total;
    }
}

#if CTK_X86
CTK_AVX2 static float horizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

/// The AVX2 tap sums of `channels` (1 or 2) output channels for a constant number of taps, so
/// the accumulators stay in registers; two channels share each tap's load.
CTK_AVX2 static inline __attribute__((always_inline)) void tapSumsFixed(
    const float *g, int64_t gStride, const int channels, int64_t oh, int64_t ow, const float *input, int64_t rowPitch,
    const int64_t *offsets, const int taps, float *gradW, int64_t wStride) {
  __m256 acc[2][MAX_BLOCK];
  for (int c = 0; c < channels; c++)
    for (int t = 0; t < taps; t++) acc[c][t] = _mm256_setzero_ps();
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(ow % 8)), lanes);
  const int64_t full = ow / 8 * 8;
  for (int64_t oy = 0; oy < oh; oy++) {
    const float *gr = g + oy * ow, *base = input + oy * rowPitch;
    for (int64_t ox = 0; ox < full; ox += 8) {
      __m256 gv[2];
      for (int c = 0; c < channels; c++) gv[c] = _mm256_loadu_ps(gr + c * gStride + ox);
      for (int t = 0; t < taps; t++) {
        __m256 tap = _mm256_loadu_ps(base + offsets[t] + ox);
        for (int c = 0; c < channels; c++) acc[c][t] = _mm256_fmadd_ps(gv[c], tap, acc[c][t]);
      }
    }
    if (full < ow) {
      // Masked loads read zeros past the row, so whatever lies beyond (even an inf) adds nothing.
      __m256 gv[2];
      for (int c = 0; c < channels; c++) gv[c] = _mm256_maskload_ps(gr + c * gStride + full, tail);
      for (int t = 0; t < taps; t++) {
        __m256 tap = _mm256_maskload_ps(base + offsets[t] + full, tail);
        for (int c = 0; c < channels; c++) acc[c][t] = _mm256_fmadd_ps(gv[c], tap, acc[c][t]);
      }
    }
  }
  for (int c = 0; c < channels; c++)
    for (int t = 0; t < taps; t++) gradW[c * wStride + t] += horizontalSum(acc[c][t]);
}

/// Tap sums for one output channel (`channels` 1) or two (12 accumulators at most, so up to 6
/// taps a pass), each pass a constant tap count.
CTK_AVX2 static void tapSumsAVX2(const float *g, int64_t gStride, int64_t channels, int64_t oh, int64_t ow,
                                 const float *input, int64_t rowPitch, const int64_t *offsets, int64_t taps, float *gradW,
                                 int64_t wStride) {
#define TAPS_CASE(c, n) \
  case n: tapSumsFixed(g, gStride, c, oh, ow, input, rowPitch, offsets, n, gradW, wStride); break;
  if (channels == 2) {
    switch (taps) { TAPS_CASE(2, 1) TAPS_CASE(2, 2) TAPS_CASE(2, 3) TAPS_CASE(2, 4) TAPS_CASE(2, 5) TAPS_CASE(2, 6) }
  } else {
    switch (taps) {
      TAPS_CASE(1, 1) TAPS_CASE(1, 2) TAPS_CASE(1, 3) TAPS_CASE(1, 4) TAPS_CASE(1, 5) TAPS_CASE(1, 6)
      TAPS_CASE(1, 7) TAPS_CASE(1, 8) TAPS_CASE(1, 9) TAPS_CASE(1, 10) TAPS_CASE(1, 11) TAPS_CASE(1, 12)
    }
  }
#undef TAPS_CASE
}

/// The AVX-512 tap sums of `pairs` (1 or 2) pairs of output channels: each accumulator holds a
/// pair, the first channel's eight lanes in its low half and the second's in its high half, and
/// each tap's eight inputs are loaded once into both halves. Every lane sums the positions the
/// AVX2 accumulator's lane sums, in the same order, and each half is reduced as AVX2 reduces
/// its vector: the same bits, with each tap load feeding four channels (AVX2's feeds two).
CTK_AVX512 static inline __attribute__((always_inline)) void tapSumsPairs512(
    const float *g, int64_t gStride, const int pairs, int64_t oh, int64_t ow, const float *input, int64_t rowPitch,
    const int64_t *offsets, const int taps, float *gradW, int64_t wStride) {
  __m512 acc[2][MAX_BLOCK];
  for (int p = 0; p < pairs; p++)
    for (int t = 0; t < taps; t++) acc[p][t] = _mm512_setzero_ps();
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(ow % 8)), lanes);
  const int64_t full = ow / 8 * 8;
#define PAIR_OF(lo, hi) _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(lo)), _mm256_castps_pd(hi), 1))
#define BOTH_HALVES(v) _mm512_castpd_ps(_mm512_broadcast_f64x4(_mm256_castps_pd(v)))
  for (int64_t oy = 0; oy < oh; oy++) {
    const float *gr = g + oy * ow, *base = input + oy * rowPitch;
    for (int64_t ox = 0; ox < full; ox += 8) {
      __m512 gv[2];
      for (int p = 0; p < pairs; p++)
        gv[p] = PAIR_OF(_mm256_loadu_ps(gr + 2 * p * gStride + ox), _mm256_loadu_ps(gr + (2 * p + 1) * gStride + ox));
      for (int t = 0; t < taps; t++) {
        __m512 tap = BOTH_HALVES(_mm256_loadu_ps(base + offsets[t] + ox));
        for (int p = 0; p < pairs; p++) acc[p][t] = _mm512_fmadd_ps(gv[p], tap, acc[p][t]);
      }
    }
    if (full < ow) {
      __m512 gv[2];
      for (int p = 0; p < pairs; p++)
        gv[p] = PAIR_OF(_mm256_maskload_ps(gr + 2 * p * gStride + full, tail),
                        _mm256_maskload_ps(gr + (2 * p + 1) * gStride + full, tail));
      for (int t = 0; t < taps; t++) {
        __m512 tap = BOTH_HALVES(_mm256_maskload_ps(base + offsets[t] + full, tail));
        for (int p = 0; p < pairs; p++) acc[p][t] = _mm512_fmadd_ps(gv[p], tap, acc[p][t]);
      }
    }
  }
#undef PAIR_OF
#undef BOTH_HALVES
  for (int p = 0; p < pairs; p++)
    for (int t = 0; t < taps; t++) {
      __m256 high = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc[p][t]), 1));
      gradW[2 * p * wStride + t] += horizontalSum(_mm512_castps512_ps256(acc[p][t]));
      gradW[(2 * p + 1) * wStride + t] += horizontalSum(high);
    }
}

/// Tap sums for two output channels (`channels` 2) or four, up to MAX_BLOCK taps a pass.
CTK_AVX512 static void tapSumsAVX512(const float *g, int64_t gStride, int64_t channels, int64_t oh, int64_t ow,
                                     const float *input, int64_t rowPitch, const int64_t *offsets, int64_t taps, float *gradW,
                                     int64_t wStride) {
#define TAPS_CASE(p, n) \
  case n: tapSumsPairs512(g, gStride, p, oh, ow, input, rowPitch, offsets, n, gradW, wStride); break;
#define ALL_TAPS(p) \
  TAPS_CASE(p, 1) TAPS_CASE(p, 2) TAPS_CASE(p, 3) TAPS_CASE(p, 4) TAPS_CASE(p, 5) TAPS_CASE(p, 6) \
  TAPS_CASE(p, 7) TAPS_CASE(p, 8) TAPS_CASE(p, 9) TAPS_CASE(p, 10) TAPS_CASE(p, 11) TAPS_CASE(p, 12)
  if (channels == 4) {
    switch (taps) { ALL_TAPS(2) }
  } else {
    switch (taps) { ALL_TAPS(1) }
  }
#undef ALL_TAPS
#undef TAPS_CASE
}
#endif

void ctk_conv2d_direct_weight_gradient_f32(const float *g, int64_t cout, ctk_direct_taps taps, const float *input, int64_t oh,
                                           int64_t ow, float *gradW) {
  int64_t offsets[MAX_TAPS];
  const int64_t K = tapOffsets(taps, offsets);
  if (K == 0) return;
  if (oh == 1 && K > CTK_DIRECT_SHALLOW_TAPS) {
    // A deeper layer's one row (the whole plane): each tap is a contiguous run, a column of B
    // read in place by the packed GEMM; the tap sums would take a pass over g per block of taps.
    ctk_sgemm_gathered_columns(cout, K, ow, 1, g, ow, 1, input, offsets, 1, gradW, K);
    return;
  }
  void (*sums)(const float *, int64_t, int64_t, int64_t, int64_t, const float *, int64_t, const int64_t *, int64_t, float *,
               int64_t) = tapSumsPortable;
  int64_t group = 1;
#if CTK_X86
  if (ctk_use_avx2()) sums = tapSumsAVX2, group = ctk_use_avx512() ? 4 : 2;
#endif
  // Channels in groups that share each tap's load, which is what bounds a shallow layer's pass
  // (AVX2: two; AVX-512: four, or a pair, a channel left over going to AVX2), and taps in equal
  // blocks that fit the registers (AVX2: 12 accumulators of 16, AVX-512: 24 of 32), one pass
  // over g per block.
  const int64_t plane = oh * ow;
  for (int64_t co = 0, channels; co < cout; co += channels) {
    channels = cout - co < group ? cout - co : group;
    int64_t limit = MAX_BLOCK / channels;
#if CTK_X86
    if (group == 4) {
      if (channels == 3) channels = 2;
      sums = channels == 1 ? tapSumsAVX2 : tapSumsAVX512, limit = MAX_BLOCK;
    }
#endif
    int64_t blocks = (K + limit - 1) / limit, block = (K + blocks - 1) / blocks;
    for (int64_t k0 = 0; k0 < K; k0 += block)
      sums(g + co * plane, plane, channels, oh, ow, input, taps.rowPitch, offsets + k0, K - k0 < block ? K - k0 : block,
           gradW + co * K + k0, K);
  }
}
