// Direct convolution for stride 1: few input channels (a network's first layer), any number
// up to MAX_TAPS taps where the plane is walked as one row (a layer that keeps its width), or
// few output channels (a first layer's input gradient): the product reads the prepared input
// planes in place, so no columns are built. Output rows are the GEMM's N, taps (c, ki, kj) its
// K: tap k of output row oy starts at input + offsets[k] + oy * rowPitch, contiguous in ox.
#include "Tile.h"

/// A row is computed POSITION_BLOCK positions at a time, every channel sliver of a block before
/// the next, so a long row's taps are reread from L2 rather than memory (a 32-channel 224x224
/// layer's forward and weight gradient: 4.3-5.1 -> 3.1-3.2 s on one thread).
enum { MR = CTK_GEMM_MR, NR = 16, MAX_TAPS = CTK_DIRECT_MAX_TAPS, MAX_BLOCK = 12, POSITION_BLOCK = 256 };
/// A streamed output goes out STREAMED_SLIVERS of every SLIVER_CYCLE channel slivers with
/// non-temporal stores and the rest with plain ones: the two take separate paths to memory (the
/// write-combining buffers; the caches' reads for ownership and write-backs), and on a shared
/// host either alone can be the one that holds the kernel back. The CNN's first layer (6.4 MB
/// out, 2 threads), in two states of this VM: all streamed 0.160 / 0.226 ms, all plain 0.254 /
/// 0.165 ms, two thirds streamed 0.165 / 0.165 ms (the products alone, output in L2: 0.162 ms).
enum { SLIVER_CYCLE = 3, STREAMED_SLIVERS = 2 };
/// A layer with at most BAND_CHANNELS output channels (a first layer's input gradient) whose
/// kernel rows are consecutive input rows (dilation 1, at most MAX_BAND_HEIGHT of them) runs each
/// channel in bands of BAND output rows by NR columns: every input row loaded feeds each output
/// row it is a tap of. The MR-channel tile would keep only 2·cout accumulators, too few to hide
/// the FMA latency, and load an input vector per FMA.
enum { BAND_CHANNELS = 2, BAND = 4, MAX_BAND_HEIGHT = 5, MAX_BAND_WIDTH = 8 };
_Static_assert(MR == 6, "directRowAVX2 has a case per row count up to 6");

/// Each tap's offset from an output position's address; returns K, or 0 when K is out of range.
static int64_t tapOffsets(ctk_direct_taps t, int64_t *offsets) {
  int64_t K = t.channels * t.kernelHeight * t.kernelWidth, k = 0;
  if (K <= 0 || K > MAX_TAPS) return 0;
  for (int64_t c = 0; c < t.channels; c++)
    for (int64_t ki = 0; ki < t.kernelHeight; ki++)
      for (int64_t kj = 0; kj < t.kernelWidth; kj++) offsets[k++] = c * t.channelStep + ki * t.rowStep + kj * t.columnStep;
  return K;
}

/// One output row's channels [0, mr) of a packed sliver times taps at columns [0, n) of `row`,
/// tile by tile (the AVX2 driver's tiling and summation order, without vectors).
static void directRowPortable(int64_t K, const float *a, const float *row, const int64_t *offsets, const float *bias,
                              float *out, int64_t rsOut, int64_t mr, int64_t n, int streams) {
  (void)streams;
  for (int64_t x = 0; x < n; x += NR) {
    const int64_t nr = n - x < NR ? n - x : NR;
    float acc[MR][NR];
    for (int i = 0; i < MR; i++)
      for (int j = 0; j < NR; j++) acc[i][j] = bias && i < mr ? bias[i] : 0;  // as the AVX2 tile: onto the bias
    for (int64_t k = 0; k < K; k++) {
      const float *b = row + x + offsets[k];
      for (int i = 0; i < MR; i++)
        for (int j = 0; j < nr; j++) acc[i][j] += a[k * MR + i] * b[j];
    }
    for (int i = 0; i < mr; i++)
      for (int j = 0; j < nr; j++) out[i * rsOut + x + j] = acc[i][j];
  }
}

#if CTK_X86
/// Stores one tile row; `stream` (a full, 32-byte aligned row) writes it past the caches.
CTK_AVX2 static inline void storeTileRow(float *row, __m256 lo, __m256 hi, int64_t nr, __m256i mlo, __m256i mhi, int stream) {
  if (stream) {
    _mm256_stream_ps(row, lo);
    _mm256_stream_ps(row + 8, hi);
  } else if (nr == NR) {
    _mm256_storeu_ps(row, lo);
    _mm256_storeu_ps(row + 8, hi);
  } else {
    _mm256_maskstore_ps(row, mlo, lo);
    _mm256_maskstore_ps(row + 8, mhi, hi);
  }
}

/// `tiles` tiles of NR columns side by side (columns [0, nr) of the last stored when tiles is 1)
/// for a constant number of output channels `rows`, rows·tiles ≤ MR: twelve accumulators, and
/// each broadcast weight feeds every tile. A channel count that is not a multiple of MR then
/// multiplies no rows it will not store, and its last rows still keep enough accumulators to
/// hide the FMA latency (2 rows of one tile kept 4, half the FMA throughput at 9 taps).
CTK_AVX2 static inline __attribute__((always_inline)) void directTile(
    int64_t K, const float *a, const float *row, const int64_t *offsets, const float *bias, float *out, int64_t rsOut,
    const int rows, const int tiles, int64_t nr, int stream) {
  __m256 acc[MR][2 * MR];
  // Accumulating onto the bias saves an add per output vector: 3-7% of a 3x3 single-channel
  // tile (K = 9), measured on one thread.
#pragma unroll
  for (int i = 0; i < rows; i++) {
    const __m256 start = bias ? _mm256_broadcast_ss(bias + i) : _mm256_setzero_ps();
#pragma unroll
    for (int v = 0; v < 2 * tiles; v++) acc[i][v] = start;
  }
  for (int64_t k = 0; k < K; k++, a += MR) {
    const float *b = row + offsets[k];
    __m256 columns[2 * MR];
#pragma unroll
    for (int v = 0; v < 2 * tiles; v++) columns[v] = _mm256_loadu_ps(b + 8 * v);
#pragma unroll
    for (int i = 0; i < rows; i++) {
      const __m256 weight = _mm256_broadcast_ss(a + i);
#pragma unroll
      for (int v = 0; v < 2 * tiles; v++) acc[i][v] = _mm256_fmadd_ps(weight, columns[v], acc[i][v]);
    }
  }
  __m256i mlo, mhi;
  ctkColumnMasks(nr, &mlo, &mhi);
#pragma unroll
  for (int i = 0; i < rows; i++)
#pragma unroll
    for (int v = 0; v < tiles; v++) storeTileRow(out + i * rsOut + v * NR, acc[i][2 * v], acc[i][2 * v + 1], nr, mlo, mhi, stream);
}

/// One output row (columns [0, n)) of `rows` channels: wide steps of MR / rows tiles, then
/// single tiles. A row at least NR wide ends with a full tile overlapping the one before it
/// (the overlap is computed twice, identically) instead of a narrow one with masked stores,
/// slow on many CPUs. Unless streamed, each step prefetches the output lines of the next for
/// writing, so their reads for ownership overlap the products.
CTK_AVX2 static inline __attribute__((always_inline)) void directRowRows(
    int64_t K, const float *a, const float *row, const int64_t *offsets, const float *bias, float *out, int64_t rsOut,
    const int rows, int64_t n, int streams) {
  const int tiles = MR / rows;
  int64_t x = 0;
  for (; x + tiles * NR <= n; x += tiles * NR) {
    if (!streams)
      for (int i = 0; i < rows; i++)
        for (int v = 0; v < tiles; v++) __builtin_prefetch(out + i * rsOut + x + (tiles + v) * NR, 1, 3);
    directTile(K, a, row + x, offsets, bias, out + x, rsOut, rows, tiles, NR, streams);
  }
  for (; x + NR <= n; x += NR) directTile(K, a, row + x, offsets, bias, out + x, rsOut, rows, 1, NR, streams);
  if (x < n) {
    const int64_t x0 = n >= NR ? n - NR : x;
    directTile(K, a, row + x0, offsets, bias, out + x0, rsOut, rows, 1, n - x0, streams && n - x0 == NR && x0 % 8 == 0);
  }
}

CTK_AVX2 static void directRowAVX2(int64_t K, const float *a, const float *row, const int64_t *offsets, const float *bias,
                                   float *out, int64_t rsOut, int64_t mr, int64_t n, int streams) {
  switch (mr) {
#define ROWS_CASE(r) case r: directRowRows(K, a, row, offsets, bias, out, rsOut, r, n, streams); break;
    ROWS_CASE(1) ROWS_CASE(2) ROWS_CASE(3) ROWS_CASE(4) ROWS_CASE(5) ROWS_CASE(6)
#undef ROWS_CASE
  }
}

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

/// One channel's BAND x NR outputs at `row` (output rows rsOut apart in `out`, input rows
/// t.rowPitch apart) for a kernel `kh` rows high: weight (c, ki, kj) is a[((c·kh + ki)·kw + kj)·MR],
/// the packed sliver's row. Sums taps in (c, kj, ki) order.
CTK_AVX2 static inline __attribute__((always_inline)) void directBandTileRows(
    const float *a, const float *row, ctk_direct_taps t, const float *bias, float *out, int64_t rsOut, const int kh) {
  __m256 acc[BAND][2];
  const __m256 start = bias ? _mm256_broadcast_ss(bias) : _mm256_setzero_ps();
#pragma unroll
  for (int r = 0; r < BAND; r++) acc[r][0] = acc[r][1] = start;
  for (int64_t c = 0; c < t.channels; c++)
    for (int64_t kj = 0; kj < t.kernelWidth; kj++) {
      __m256 w[MAX_BAND_HEIGHT];
#pragma unroll
      for (int ki = 0; ki < kh; ki++) w[ki] = _mm256_broadcast_ss(a + ((c * kh + ki) * t.kernelWidth + kj) * MR);
      const float *b = row + c * t.channelStep + kj * t.columnStep;
#pragma unroll
      for (int s = 0; s < BAND + kh - 1; s++) {
        bandAccumulate(acc, w, _mm256_loadu_ps(b + s * t.rowPitch), _mm256_loadu_ps(b + s * t.rowPitch + 8), s, kh);
      }
    }
  bandStore(acc, out, rsOut);
}

CTK_AVX2 static void directBandTileAVX2(const float *a, const float *row, ctk_direct_taps t, const float *bias, float *out,
                                        int64_t rsOut) {
  switch (t.kernelHeight) {
#define HEIGHT_CASE(n) case n: directBandTileRows(a, row, t, bias, out, rsOut, n); break;
    HEIGHT_CASE(1) HEIGHT_CASE(2) HEIGHT_CASE(3) HEIGHT_CASE(4) HEIGHT_CASE(5)
#undef HEIGHT_CASE
  }
}

#endif

void ctk_conv2d_direct_f32(const float *packedW, const float *bias, int64_t cout, ctk_direct_taps taps, const float *input,
                           int64_t oh, int64_t ow, float *out, int streamOutput) {
  const int64_t K = taps.channels * taps.kernelHeight * taps.kernelWidth;
  if (K <= 0 || K > MAX_TAPS) return;
  void (*outputRow)(int64_t, const float *, const float *, const int64_t *, const float *, float *, int64_t, int64_t, int64_t,
                    int) = directRowPortable;
#if CTK_X86
  if (ctk_use_avx2()) outputRow = directRowAVX2;
#endif
  const int64_t plane = oh * ow;
  // Streaming needs every tile row 32-byte aligned: an aligned output whose rows (so planes too)
  // are a multiple of 8 floats long, and tiles starting at a multiple of 8.
  const int streams = streamOutput && outputRow != directRowPortable && ow % 8 == 0 && ((uintptr_t)out & 31) == 0;
#if CTK_X86
  // Bands, on planes at least BAND rows high, end like rows: with a full band overlapping the
  // one before it.
  if (outputRow == directRowAVX2 && cout <= BAND_CHANNELS && taps.rowStep == taps.rowPitch &&
      taps.kernelHeight <= MAX_BAND_HEIGHT && oh >= BAND && ow >= NR) {
    for (int64_t c = 0; c < cout; c++)
      for (int64_t y = 0; y < oh; y += BAND)
        for (int64_t x = 0; x < ow; x += NR) {
          const int64_t y0 = y + BAND > oh ? oh - BAND : y, x0 = x + NR > ow ? ow - NR : x;
          directBandTileAVX2(packedW + c, input + y0 * taps.rowPitch + x0, taps, bias ? bias + c : 0,
                             out + c * plane + y0 * ow + x0, ow);
        }
    return;
  }
#endif
  int64_t offsets[MAX_TAPS];  // the bands above find their taps without them
  tapOffsets(taps, offsets);
  for (int64_t oy = 0; oy < oh; oy++)
    for (int64_t x0 = 0, n; x0 < ow; x0 += n) {
      // The last block takes the row's end, so none is narrower than a tile unless the row is.
      n = ow - x0 < POSITION_BLOCK + NR ? ow - x0 : POSITION_BLOCK;
      for (int64_t c0 = 0; c0 < cout; c0 += MR)
        outputRow(K, packedW + c0 * K, input + oy * taps.rowPitch + x0, offsets, bias ? bias + c0 : 0,
                  out + c0 * plane + oy * ow + x0, plane, cout - c0 < MR ? cout - c0 : MR, n,
                  streams && c0 / MR % SLIVER_CYCLE < STREAMED_SLIVERS);
    }
#if CTK_X86
  if (streams) _mm_sfence();  // the streamed lines are visible before anyone reads the output
#endif
}

static void stream_fill_f32_portable(float *out, int64_t n, float value) {
  for (int64_t i = 0; i < n; i++) out[i] = value;
}

#if CTK_X86
CTK_AVX2 static void stream_fill_f32_avx2(float *out, int64_t n, float value) {
  int64_t i = 0;
  for (; i < n && ((uintptr_t)(out + i) & 31); i++) out[i] = value;
  const __m256 v = _mm256_set1_ps(value);
  for (; i + 8 <= n; i += 8) _mm256_stream_ps(out + i, v);
  _mm_sfence();
  for (; i < n; i++) out[i] = value;
}
#endif

CTK_DISPATCH(stream_fill_f32, (float *out, int64_t n, float value), (out, n, value))

static void copy_rows_f32_portable(const float *source, int64_t sourcePitch, float *target, int64_t targetPitch, int64_t rows,
                                   int64_t count) {
  for (int64_t r = 0; r < rows; r++) memcpy(target + r * targetPitch, source + r * sourcePitch, (size_t)count * sizeof(float));
}

#if CTK_X86
CTK_AVX2 static void copy_rows_f32_avx2(const float *source, int64_t sourcePitch, float *target, int64_t targetPitch, int64_t rows,
                                        int64_t count) {
  if (count < 8) return copy_rows_f32_portable(source, sourcePitch, target, targetPitch, rows, count);
  // A row's last 8 floats are copied by a vector overlapping the one before (masked stores are
  // slow on many CPUs).
  for (int64_t r = 0; r < rows; r++, source += sourcePitch, target += targetPitch) {
    for (int64_t i = 0; i + 8 < count; i += 8) _mm256_storeu_ps(target + i, _mm256_loadu_ps(source + i));
    _mm256_storeu_ps(target + count - 8, _mm256_loadu_ps(source + count - 8));
  }
}
#endif

CTK_DISPATCH(copy_rows_f32, (const float *source, int64_t sourcePitch, float *target, int64_t targetPitch, int64_t rows, int64_t count),
             (source, sourcePitch, target, targetPitch, rows, count))

// MARK: - Weight gradient

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
  int64_t pair = 1;
#if CTK_X86
  if (ctk_use_avx2()) sums = tapSumsAVX2, pair = 2;
#endif
  // Channels in pairs (AVX2: a pair shares each tap's load, which is what bounds a shallow
  // layer's pass) and taps in equal blocks that fit the registers, one pass over g per block.
  const int64_t plane = oh * ow;
  for (int64_t co = 0; co < cout; co += pair) {
    int64_t channels = cout - co < pair ? cout - co : pair;
    int64_t limit = MAX_BLOCK / channels, blocks = (K + limit - 1) / limit, block = (K + blocks - 1) / blocks;
    for (int64_t k0 = 0; k0 < K; k0 += block)
      sums(g + co * plane, plane, channels, oh, ow, input, taps.rowPitch, offsets + k0, K - k0 < block ? K - k0 : block,
           gradW + co * K + k0, K);
  }
}

#if CTK_X86
// MARK: - Unpadded planes

/// The band tile reading unpadded planes [cin, H, W]: tile row s reads input row iy0 + s (rows
/// outside [0, H) are skipped), columns ix0 + kj + [0, NR) (lanes outside [0, W) count as zero).
/// Sums taps in the padded band tile's order, so both give the same bits.
CTK_AVX2 static inline __attribute__((always_inline)) void unpaddedBandRows(
    const float *a, const float *input, int64_t cin, int64_t kw, int64_t H, int64_t W, int64_t iy0, int64_t ix0, float *out,
    int64_t rsOut, const int kh) {
  __m256 acc[BAND][2];
#pragma unroll
  for (int r = 0; r < BAND; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  int valid[BAND + MAX_BAND_HEIGHT];
  for (int s = 0; s < BAND + kh - 1; s++) valid[s] = iy0 + s >= 0 && iy0 + s < H;
  __m256i mlo[MAX_BAND_WIDTH], mhi[MAX_BAND_WIDTH];
  int full[MAX_BAND_WIDTH];  // every lane in range: plain loads
  const __m256i width = _mm256_set1_epi32((int)W), minusOne = _mm256_set1_epi32(-1);
  for (int64_t kj = 0; kj < kw; kj++) {
    const int64_t col = ix0 + kj;
    const __m256i lo = _mm256_add_epi32(lanes, _mm256_set1_epi32((int)col)), hi = _mm256_add_epi32(lo, _mm256_set1_epi32(8));
    mlo[kj] = _mm256_and_si256(_mm256_cmpgt_epi32(lo, minusOne), _mm256_cmpgt_epi32(width, lo));
    mhi[kj] = _mm256_and_si256(_mm256_cmpgt_epi32(hi, minusOne), _mm256_cmpgt_epi32(width, hi));
    full[kj] = col >= 0 && col + NR <= W;
  }
  // Lanes outside a row are loaded (from the row before or after) and cleared: masked loads
  // cost more. Only the first channel's first row and the last's last row could then read
  // outside the planes; those channels load masked.
  int sFirst = 0, sLast = BAND + kh - 2;
  while (sFirst <= sLast && !valid[sFirst]) sFirst++;
  while (sLast >= sFirst && !valid[sLast]) sLast--;
  const int readsBefore = sFirst <= sLast && (iy0 + sFirst) * W + ix0 < 0;
  const int readsAfter = sFirst <= sLast && ((cin - 1) * H + iy0 + sLast) * W + ix0 + kw - 1 + NR > cin * H * W;
  for (int64_t c = 0; c < cin; c++) {
    const int masksLoads = (c == 0 && readsBefore) || (c == cin - 1 && readsAfter);
    for (int64_t kj = 0; kj < kw; kj++) {
      __m256 w[MAX_BAND_HEIGHT];
#pragma unroll
      for (int ki = 0; ki < kh; ki++) w[ki] = _mm256_broadcast_ss(a + ((c * kh + ki) * kw + kj) * MR);
      const float *b = input + (c * H + iy0) * W + ix0 + kj;
      const __m256i ml = mlo[kj], mh = mhi[kj];
      // One loop per kind of load: a test per row inside the loop cost 4%.
      if (full[kj]) {
#pragma unroll
        for (int s = 0; s < BAND + kh - 1; s++)
          if (valid[s]) bandAccumulate(acc, w, _mm256_loadu_ps(b + s * W), _mm256_loadu_ps(b + s * W + 8), s, kh);
      } else if (!masksLoads) {
        const __m256 keepLo = _mm256_castsi256_ps(ml), keepHi = _mm256_castsi256_ps(mh);
#pragma unroll
        for (int s = 0; s < BAND + kh - 1; s++)
          if (valid[s])
            bandAccumulate(acc, w, _mm256_and_ps(_mm256_loadu_ps(b + s * W), keepLo),
                           _mm256_and_ps(_mm256_loadu_ps(b + s * W + 8), keepHi), s, kh);
      } else {
#pragma unroll
        for (int s = 0; s < BAND + kh - 1; s++)
          if (valid[s]) bandAccumulate(acc, w, _mm256_maskload_ps(b + s * W, ml), _mm256_maskload_ps(b + s * W + 8, mh), s, kh);
      }
    }
  }
  bandStore(acc, out, rsOut);
}

// MARK: - Flattened planes

/// Positions a flattened plane is taken in (see flattenedChannel): with the kernel's columns as
/// partial sums, a chunk's kw planes of them stay in L1.
enum { FLAT_CHUNK = 512, FLAT_MARGIN = 64 };

/// Q[kj][t0 + i] = sum over (c, ki) of w[c][ki][kj] * input[c][t0 + i + (ki - padTop)·W], i in
/// [0, 8·V), for an output plane as wide as the input (rows of W positions in both, so a vertical
/// tap is a shift of the flattened plane by whole rows, contiguous across row ends): every
/// loaded vector feeds kw accumulators, and no lane is wasted on a row's end. Lanes whose source
/// row lies outside [0, H) load zero (`edge` tiles only).
CTK_AVX2 static inline __attribute__((always_inline)) void flatTile(
    const float *a, const float *input, int64_t cin, int64_t kh, int64_t H, int64_t W, int64_t padTop, int64_t t0,
    float *q, int64_t qStride, const int kw, const int V, const int edge) {
  __m256 acc[7][8];
#pragma unroll
  for (int kj = 0; kj < kw; kj++)
#pragma unroll
    for (int v = 0; v < V; v++) acc[kj][v] = _mm256_setzero_ps();
  const int64_t plane = H * W;
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int64_t c = 0; c < cin; c++) {
    const float *channel = input + c * plane;
    for (int64_t ki = 0; ki < kh; ki++) {
      const int64_t start = t0 + (ki - padTop) * W;  // source of the tile's first lane
      __m256 w[7];
#pragma unroll
      for (int kj = 0; kj < kw; kj++) w[kj] = _mm256_broadcast_ss(a + ((c * kh + ki) * kw + kj) * MR);
#pragma unroll
      for (int v = 0; v < V; v++) {
        __m256 x;
        if (edge) {
          const __m256i index = _mm256_add_epi32(lanes, _mm256_set1_epi32((int)(start + 8 * v)));
          const __m256i inside = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), index),
                                                     _mm256_cmpgt_epi32(_mm256_set1_epi32((int)plane), index));
          x = _mm256_maskload_ps(channel + start + 8 * v, inside);
        } else {
          x = _mm256_loadu_ps(channel + start + 8 * v);
        }
#pragma unroll
        for (int kj = 0; kj < kw; kj++) acc[kj][v] = _mm256_fmadd_ps(w[kj], x, acc[kj][v]);
      }
    }
  }
#pragma unroll
  for (int kj = 0; kj < kw; kj++)
#pragma unroll
    for (int v = 0; v < V; v++) _mm256_storeu_ps(q + kj * qStride + 8 * v, acc[kj][v]);
}

/// One output channel of a layer that keeps its width (ow = W, padLeft = (kw − 1)/2, kw odd) over
/// its flattened plane, a chunk at a time: the kw column sums Q (flatTile) over the chunk and
/// pw positions either side, then out[p] = sum over kj of Q[kj][p + kj − pw] where column
/// x + kj − pw of p's row exists (kj ascending). No position is computed twice, where 16-wide
/// row tiles compute 32 columns for each 28.
CTK_AVX2 static inline __attribute__((always_inline)) void flattenedChannelKW(
    const float *a, const float *input, int64_t cin, int64_t kh, int64_t H, int64_t W, int64_t padTop, int64_t oh, float *out,
    const int kw, const int V) {
  const int pw = (kw - 1) / 2, span = 8 * V;
  const int64_t plane = oh * W;
  enum { Q_FLOATS = FLAT_CHUNK + FLAT_MARGIN + 2 * 8 };
  float q[7 * Q_FLOATS];
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), width = _mm256_set1_epi32((int)W);
  for (int64_t chunk = 0, end; chunk < plane; chunk = end) {
    end = plane - chunk <= FLAT_CHUNK + FLAT_MARGIN ? plane : chunk + FLAT_CHUNK;
    // Q over [first, last): the chunk and pw positions either side, within the plane; at least
    // one tile long (plane >= 64 >= span), the last tile overlapping the one before.
    int64_t first = chunk - pw < 0 ? 0 : chunk - pw, last = end + pw > plane ? plane : end + pw;
    if (last - first < span) first = last - span;
    const int64_t base = chunk - 8;  // Q index of position p: p - base
    // Positions past the plane's ends are read by lanes the sums below clear: zeros, not garbage.
    for (int kj = 0; kj < kw; kj++)
      for (int i = 1; i <= pw; i++) {
        if (first - i >= chunk - 8) q[kj * Q_FLOATS + first - i - base] = 0;
        q[kj * Q_FLOATS + last - 1 + i - base] = 0;
      }
    for (int64_t t = first; t < last; t += span) {
      const int64_t t0 = t + span > last ? last - span : t;
      // Tiles whose taps reach above the first row or below the last load masked: a separate
      // instance, so the other tiles' loop keeps every accumulator and weight in a register.
      if (t0 - padTop * W < 0 || t0 + span + (kh - 1 - padTop) * W > H * W)
        flatTile(a, input, cin, kh, H, W, padTop, t0, q + (t0 - base), Q_FLOATS, kw, V, 1);
      else
        flatTile(a, input, cin, kh, H, W, padTop, t0, q + (t0 - base), Q_FLOATS, kw, V, 0);
    }
    for (int64_t p = chunk; p < end; p += 8) {
      const int64_t p0 = p + 8 > end ? end - 8 : p;
      __m256i x = _mm256_add_epi32(lanes, _mm256_set1_epi32((int)(p0 % W)));
      x = _mm256_sub_epi32(x, _mm256_and_si256(_mm256_cmpgt_epi32(x, _mm256_sub_epi32(width, _mm256_set1_epi32(1))), width));
      __m256 sum = _mm256_setzero_ps();
#pragma unroll
      for (int kj = 0; kj < kw; kj++) {
        const __m256 column = _mm256_loadu_ps(q + kj * Q_FLOATS + (p0 + kj - pw - base));
        if (kj == pw) {
          sum = _mm256_add_ps(sum, column);
          continue;
        }
        const __m256i source = _mm256_add_epi32(x, _mm256_set1_epi32(kj - pw));
        const __m256i inside = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), source),
                                                   _mm256_cmpgt_epi32(width, source));
        sum = _mm256_add_ps(sum, _mm256_and_ps(column, _mm256_castsi256_ps(inside)));
      }
      _mm256_storeu_ps(out + p0, sum);
    }
  }
}

CTK_AVX2 static void flattenedChannel(const float *a, const float *input, int64_t cin, int64_t kh, int64_t kw, int64_t H,
                                      int64_t W, int64_t padTop, int64_t oh, float *out) {
  switch (kw) {
    case 1: flattenedChannelKW(a, input, cin, kh, H, W, padTop, oh, out, 1, 8); break;
    case 3: flattenedChannelKW(a, input, cin, kh, H, W, padTop, oh, out, 3, 3); break;
    case 5: flattenedChannelKW(a, input, cin, kh, H, W, padTop, oh, out, 5, 2); break;
    case 7: flattenedChannelKW(a, input, cin, kh, H, W, padTop, oh, out, 7, 1); break;
  }
}

CTK_AVX2 static void unpaddedBand(const float *a, const float *input, int64_t cin, int64_t kh, int64_t kw, int64_t H, int64_t W,
                                  int64_t iy0, int64_t ix0, float *out, int64_t rsOut) {
  switch (kh) {
#define HEIGHT_CASE(n) case n: unpaddedBandRows(a, input, cin, kw, H, W, iy0, ix0, out, rsOut, n); break;
    HEIGHT_CASE(1) HEIGHT_CASE(2) HEIGHT_CASE(3) HEIGHT_CASE(4) HEIGHT_CASE(5)
#undef HEIGHT_CASE
  }
}
#endif

int ctk_conv2d_direct_unpadded_applies(int64_t cout, int64_t kh, int64_t kw, int64_t oh, int64_t ow) {
#if CTK_X86
  return ctk_use_avx2() && cout <= BAND_CHANNELS && kh <= MAX_BAND_HEIGHT && kw <= MAX_BAND_WIDTH && oh >= BAND && ow >= NR;
#else
  (void)cout, (void)kh, (void)kw, (void)oh, (void)ow;
  return 0;
#endif
}

void ctk_conv2d_direct_unpadded_f32(const float *packedW, int64_t cout, int64_t cin, int64_t kh, int64_t kw, const float *input,
                                    int64_t H, int64_t W, int64_t padTop, int64_t padLeft, int64_t oh, int64_t ow, float *out) {
  if (!ctk_conv2d_direct_unpadded_applies(cout, kh, kw, oh, ow)) return;
#if CTK_X86
  if (ow == W && kw % 2 == 1 && kw <= 7 && padLeft == (kw - 1) / 2) {
    for (int64_t c = 0; c < cout; c++) flattenedChannel(packedW + c, input, cin, kh, kw, H, W, padTop, oh, out + c * oh * ow);
    return;
  }
  for (int64_t c = 0; c < cout; c++)
    for (int64_t y = 0; y < oh; y += BAND)
      for (int64_t x = 0; x < ow; x += NR) {
        const int64_t y0 = y + BAND > oh ? oh - BAND : y, x0 = x + NR > ow ? ow - NR : x;
        unpaddedBand(packedW + c, input, cin, kh, kw, H, W, y0 - padTop, x0 - padLeft, out + c * oh * ow + y0 * ow + x0, ow);
      }
#else
  (void)packedW, (void)cin, (void)input, (void)H, (void)W, (void)padTop, (void)padLeft, (void)out;
#endif
}
