// Direct convolution for stride 1: few input channels (a network's first layer), any number
// up to MAX_TAPS taps where the plane is walked as one row (a layer that keeps its width), or
// few output channels (a first layer's input gradient, on padded planes): the product reads the
// prepared input planes in place, so no columns are built. Its row tiles come in AVX2 and
// AVX-512 forms with the same bits. Also the non-temporal fill the benchmark bounds it with, and
// the row copies that prepare its planes.
#include "DirectConvolution.h"

/// A row is computed POSITION_BLOCK positions at a time, every channel sliver of a block before
/// the next, so a long row's taps are reread from L2 rather than memory (a 32-channel 224x224
/// layer's forward and weight gradient: 4.3-5.1 -> 3.1-3.2 s on one thread).
enum { POSITION_BLOCK = 256 };
/// A streamed output goes out STREAMED_SLIVERS of every SLIVER_CYCLE channel slivers with
/// non-temporal stores and the rest with plain ones: the two take separate paths to memory (the
/// write-combining buffers; the caches' reads for ownership and write-backs), and on a shared
/// host either alone can be the one that holds the kernel back. The CNN's first layer (6.4 MB
/// out, 2 threads), in two states of this VM: all streamed 0.160 / 0.226 ms, all plain 0.254 /
/// 0.165 ms, two thirds streamed 0.165 / 0.165 ms (the products alone, output in L2: 0.162 ms).
enum { SLIVER_CYCLE = 3, STREAMED_SLIVERS = 2 };
_Static_assert(MR == 6, "DIRECT_ROW_BODY has a case per row count up to 6");

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

/// One output row (columns [0, n)) of `rows` channels through `tile`: wide steps of `tiles`
/// tiles, then single tiles. A row at least NR wide ends with a full tile overlapping the one
/// before it (the overlap is computed twice, identically) instead of a narrow one with masked
/// stores, slow on many CPUs. Unless streamed, each step prefetches the output lines of the next
/// for writing, so their reads for ownership overlap the products. The body of directRowRows
/// (AVX2) and directRowRows512 (AVX-512), which differ only in their tile.
#define DIRECT_ROW_ROWS_BODY(tile, tilesPerStep)                                                                      \
  {                                                                                                                 \
    const int tiles = (tilesPerStep);                                                                               \
    int64_t x = 0;                                                                                                  \
    for (; x + tiles * NR <= n; x += tiles * NR) {                                                                  \
      if (!streams)                                                                                                 \
        for (int i = 0; i < rows; i++)                                                                              \
          for (int v = 0; v < tiles; v++) __builtin_prefetch(out + i * rsOut + x + (tiles + v) * NR, 1, 3);        \
      tile(K, a, row + x, offsets, bias, out + x, rsOut, rows, tiles, NR, streams);                                 \
    }                                                                                                               \
    for (; x + NR <= n; x += NR) tile(K, a, row + x, offsets, bias, out + x, rsOut, rows, 1, NR, streams);          \
    if (x < n) {                                                                                                    \
      const int64_t x0 = n >= NR ? n - NR : x;                                                                      \
      tile(K, a, row + x0, offsets, bias, out + x0, rsOut, rows, 1, n - x0, streams && n - x0 == NR && x0 % 8 == 0); \
    }                                                                                                               \
  }

/// A row walk for each sliver height mr (1 to MR), so `rows` is a constant in each.
#define DIRECT_ROW_BODY(rowRows)                                                                    \
  {                                                                                               \
    switch (mr) {                                                                                 \
      case 1: rowRows(K, a, row, offsets, bias, out, rsOut, 1, n, streams); break;                \
      case 2: rowRows(K, a, row, offsets, bias, out, rsOut, 2, n, streams); break;                \
      case 3: rowRows(K, a, row, offsets, bias, out, rsOut, 3, n, streams); break;                \
      case 4: rowRows(K, a, row, offsets, bias, out, rsOut, 4, n, streams); break;                \
      case 5: rowRows(K, a, row, offsets, bias, out, rsOut, 5, n, streams); break;                \
      case 6: rowRows(K, a, row, offsets, bias, out, rsOut, 6, n, streams); break;                \
    }                                                                                             \
  }

CTK_AVX2 static inline __attribute__((always_inline)) void directRowRows(
    int64_t K, const float *a, const float *row, const int64_t *offsets, const float *bias, float *out, int64_t rsOut,
    const int rows, int64_t n, int streams) DIRECT_ROW_ROWS_BODY(directTile, MR / rows)

CTK_AVX2 static void directRowAVX2(int64_t K, const float *a, const float *row, const int64_t *offsets, const float *bias,
                                   float *out, int64_t rsOut, int64_t mr, int64_t n, int streams) DIRECT_ROW_BODY(directRowRows)

/// directTile with AVX-512: a tile is one zmm of NR columns, `rows` channels by `tiles` tiles
/// (rows·tiles ≤ 2·MR, twelve accumulators). Each output starts at its bias and adds its taps in
/// k order with one fused multiply-add each, as the AVX2 tile does, so the bits are the same.
CTK_AVX512 static inline __attribute__((always_inline)) void directTile512(
    int64_t K, const float *a, const float *row, const int64_t *offsets, const float *bias, float *out, int64_t rsOut,
    const int rows, const int tiles, int64_t nr, int stream) {
  __m512 acc[MR][2 * MR];
#pragma unroll
  for (int i = 0; i < rows; i++) {
    const __m512 start = bias ? _mm512_set1_ps(bias[i]) : _mm512_setzero_ps();
#pragma unroll
    for (int v = 0; v < tiles; v++) acc[i][v] = start;
  }
  for (int64_t k = 0; k < K; k++, a += MR) {
    const float *b = row + offsets[k];
    __m512 columns[2 * MR];
#pragma unroll
    for (int v = 0; v < tiles; v++) columns[v] = _mm512_loadu_ps(b + NR * v);
#pragma unroll
    for (int i = 0; i < rows; i++) {
      const __m512 weight = _mm512_set1_ps(a[i]);
#pragma unroll
      for (int v = 0; v < tiles; v++) acc[i][v] = _mm512_fmadd_ps(weight, columns[v], acc[i][v]);
    }
  }
  const __mmask16 mask = (__mmask16)(nr >= NR ? 0xFFFF : (1u << nr) - 1);
#pragma unroll
  for (int i = 0; i < rows; i++)
#pragma unroll
    for (int v = 0; v < tiles; v++) {
      float *target = out + i * rsOut + v * NR;
      if (stream) {  // two 32-byte halves: the rows are aligned to 32 bytes, not 64
        _mm256_stream_ps(target, _mm512_castps512_ps256(acc[i][v]));
        _mm256_stream_ps(target + 8, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc[i][v]), 1)));
      } else {
        _mm512_mask_storeu_ps(target, mask, acc[i][v]);
      }
    }
}

/// The row walk over directTile512, 2·MR / rows tiles a step.
CTK_AVX512 static inline __attribute__((always_inline)) void directRowRows512(
    int64_t K, const float *a, const float *row, const int64_t *offsets, const float *bias, float *out, int64_t rsOut,
    const int rows, int64_t n, int streams) DIRECT_ROW_ROWS_BODY(directTile512, 2 * MR / rows)

CTK_AVX512 static void directRowAVX512(int64_t K, const float *a, const float *row, const int64_t *offsets, const float *bias,
                                       float *out, int64_t rsOut, int64_t mr, int64_t n, int streams) DIRECT_ROW_BODY(directRowRows512)

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
  if (ctk_use_avx2()) outputRow = ctk_use_avx512() ? directRowAVX512 : directRowAVX2;
#endif
  const int64_t plane = oh * ow;
  // Streaming needs every tile row 32-byte aligned: an aligned output whose rows (so planes too)
  // are a multiple of 8 floats long, and tiles starting at a multiple of 8.
  const int streams = streamOutput && outputRow != directRowPortable && ow % 8 == 0 && ((uintptr_t)out & 31) == 0;
#if CTK_X86
  // Bands, on planes at least BAND rows high, end like rows: with a full band overlapping the
  // one before it.
  if (outputRow != directRowPortable && cout <= BAND_CHANNELS && taps.rowStep == taps.rowPitch &&
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
