// What the direct convolution's files share (DirectConvolution.c: the forward and its row
// bands; DirectWeightGradient.c; DirectInputGradient.c: a first layer's input gradient over
// unpadded planes): the tile sizes, the taps' offsets and the band tile's accumulate and store.
// Output rows are the GEMM's N, taps (c, ki, kj) its K: tap k of output row oy starts at
// input + offsets[k] + oy * rowPitch, contiguous in ox.
#ifndef CTK_DIRECT_CONVOLUTION_H
#define CTK_DIRECT_CONVOLUTION_H

#include "Tile.h"

/// Rows of the packed weight's slivers, columns of a tile, and the most taps a product takes.
enum { MR = CTK_GEMM_MR, NR = 16, MAX_TAPS = CTK_DIRECT_MAX_TAPS };
/// A layer with at most BAND_CHANNELS output channels (a first layer's input gradient) whose
/// kernel rows are consecutive input rows (dilation 1, at most MAX_BAND_HEIGHT of them) runs each
/// channel in bands of BAND output rows by NR columns: every input row loaded feeds each output
/// row it is a tap of. The MR-channel tile would keep only 2·cout accumulators, too few to hide
/// the FMA latency, and load an input vector per FMA.
enum { BAND_CHANNELS = 2, BAND = 4, MAX_BAND_HEIGHT = 5, MAX_BAND_WIDTH = 8 };

/// Each tap's offset from an output position's address; returns K, or 0 when K is out of range.
static inline int64_t tapOffsets(ctk_direct_taps t, int64_t *offsets) {
  int64_t K = t.channels * t.kernelHeight * t.kernelWidth, k = 0;
  if (K <= 0 || K > MAX_TAPS) return 0;
  for (int64_t c = 0; c < t.channels; c++)
    for (int64_t ki = 0; ki < t.kernelHeight; ki++)
      for (int64_t kj = 0; kj < t.kernelWidth; kj++) offsets[k++] = c * t.channelStep + ki * t.rowStep + kj * t.columnStep;
  return K;
}

#if CTK_X86
/// Adds input row s of a band (lo, hi: NR columns) times kernel row ki's weight w[ki] into each
/// band row s − ki it is a tap of.
CTK_AVX2 static inline __attribute__((always_inline)) void bandAccumulate(__m256 acc[BAND][2], const __m256 *w, __m256 lo,
                                                                          __m256 hi, const int s, const int kh) {
#pragma unroll
  for (int ki = 0; ki < kh; ki++)
    if (s - ki >= 0 && s - ki < BAND) {
      acc[s - ki][0] = _mm256_fmadd_ps(w[ki], lo, acc[s - ki][0]);
      acc[s - ki][1] = _mm256_fmadd_ps(w[ki], hi, acc[s - ki][1]);
    }
}

CTK_AVX2 static inline __attribute__((always_inline)) void bandStore(__m256 acc[BAND][2], float *out, int64_t rsOut) {
#pragma unroll
  for (int r = 0; r < BAND; r++) {
    _mm256_storeu_ps(out + r * rsOut, acc[r][0]);
    _mm256_storeu_ps(out + r * rsOut + 8, acc[r][1]);
  }
}
#endif

#endif
