// A first layer's input gradient (one or two output channels of the transposed convolution)
// read from unpadded planes, so g is not copied: over the flattened plane where the layer keeps
// its width, else in bands of rows (see DirectConvolution.h).
#include "DirectConvolution.h"

#if CTK_X86
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
  // An edge tile's lanes inside the plane, per kernel row and vector: the same for every channel.
  __m256i inside[MAX_BAND_HEIGHT][8];
  if (edge) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int64_t ki = 0; ki < kh; ki++)
      for (int v = 0; v < V; v++) {
        const __m256i index = _mm256_add_epi32(lanes, _mm256_set1_epi32((int)(t0 + (ki - padTop) * W + 8 * v)));
        inside[ki][v] = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), index),
                                            _mm256_cmpgt_epi32(_mm256_set1_epi32((int)plane), index));
      }
  }
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
          x = _mm256_maskload_ps(channel + start + 8 * v, inside[ki][v]);
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

/// flatTile with 16-lane vectors: each lane sums the same products in the same order, so the
/// same bits over twice the positions per instruction.
CTK_AVX512 static inline __attribute__((always_inline)) void flatTile512(
    const float *a, const float *input, int64_t cin, int64_t kh, int64_t H, int64_t W, int64_t padTop, int64_t t0,
    float *q, int64_t qStride, const int kw, const int V, const int edge) {
  __m512 acc[7][4];
#pragma unroll
  for (int kj = 0; kj < kw; kj++)
#pragma unroll
    for (int v = 0; v < V; v++) acc[kj][v] = _mm512_setzero_ps();
  const int64_t plane = H * W;
  __mmask16 inside[MAX_BAND_HEIGHT][4];
  if (edge) {
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int64_t ki = 0; ki < kh; ki++)
      for (int v = 0; v < V; v++) {
        const __m512i index = _mm512_add_epi32(lanes, _mm512_set1_epi32((int)(t0 + (ki - padTop) * W + 16 * v)));
        inside[ki][v] = _mm512_cmpge_epi32_mask(index, _mm512_setzero_si512()) &
                        _mm512_cmplt_epi32_mask(index, _mm512_set1_epi32((int)plane));
      }
  }
  for (int64_t c = 0; c < cin; c++) {
    const float *channel = input + c * plane;
    for (int64_t ki = 0; ki < kh; ki++) {
      const int64_t start = t0 + (ki - padTop) * W;
      __m512 w[7];
#pragma unroll
      for (int kj = 0; kj < kw; kj++) w[kj] = _mm512_set1_ps(a[((c * kh + ki) * kw + kj) * MR]);
#pragma unroll
      for (int v = 0; v < V; v++) {
        __m512 x;
        if (edge) {
          x = _mm512_maskz_loadu_ps(inside[ki][v], channel + start + 16 * v);
        } else {
          x = _mm512_loadu_ps(channel + start + 16 * v);
        }
#pragma unroll
        for (int kj = 0; kj < kw; kj++) acc[kj][v] = _mm512_fmadd_ps(w[kj], x, acc[kj][v]);
      }
    }
  }
#pragma unroll
  for (int kj = 0; kj < kw; kj++)
#pragma unroll
    for (int v = 0; v < V; v++) _mm512_storeu_ps(q + kj * qStride + 16 * v, acc[kj][v]);
}

/// A flat tile of `span` positions for one kw, not inlined (a tile's hundreds of FMAs make the
/// call free), so one column-sum loop serves the AVX2 and the AVX-512 tiles.
typedef void (*FlatTileFn)(const float *a, const float *input, int64_t cin, int64_t kh, int64_t H, int64_t W, int64_t padTop,
                           int64_t t0, float *q, int64_t qStride);
typedef struct {
  FlatTileFn interior, edge;
  int span;
} FlatTiles;

#define FLAT_TILE_PAIR(target, tile, lanes, kw, V)                                                                     \
  enum { tile##_##kw##_span = (lanes) * (V) };                                                                           \
  target static void tile##_##kw##_interior(const float *a, const float *input, int64_t cin, int64_t kh, int64_t H,      \
                                            int64_t W, int64_t padTop, int64_t t0, float *q, int64_t qStride) {         \
    tile(a, input, cin, kh, H, W, padTop, t0, q, qStride, kw, V, 0);                                                     \
  }                                                                                                                      \
  target static void tile##_##kw##_edge(const float *a, const float *input, int64_t cin, int64_t kh, int64_t H, int64_t W, \
                                        int64_t padTop, int64_t t0, float *q, int64_t qStride) {                        \
    tile(a, input, cin, kh, H, W, padTop, t0, q, qStride, kw, V, 1);                                                     \
  }
// Spans of at most 64 positions (a plane the flattened path takes has at least 64).
FLAT_TILE_PAIR(CTK_AVX2, flatTile, 8, 1, 8)
FLAT_TILE_PAIR(CTK_AVX2, flatTile, 8, 3, 3)
FLAT_TILE_PAIR(CTK_AVX2, flatTile, 8, 5, 2)
FLAT_TILE_PAIR(CTK_AVX2, flatTile, 8, 7, 1)
FLAT_TILE_PAIR(CTK_AVX512, flatTile512, 16, 1, 4)
FLAT_TILE_PAIR(CTK_AVX512, flatTile512, 16, 3, 3)
FLAT_TILE_PAIR(CTK_AVX512, flatTile512, 16, 5, 2)
FLAT_TILE_PAIR(CTK_AVX512, flatTile512, 16, 7, 2)
#undef FLAT_TILE_PAIR

/// The tiles for kw (1, 3, 5 or 7) on the CPU's widest path.
static FlatTiles flatTiles(int64_t kw) {
  const int wide = ctk_use_avx512();
#define TILES(kw)                                                                                  \
  wide ? (FlatTiles){flatTile512_##kw##_interior, flatTile512_##kw##_edge, flatTile512_##kw##_span} \
       : (FlatTiles){flatTile_##kw##_interior, flatTile_##kw##_edge, flatTile_##kw##_span}
  switch (kw) {
    case 1: return TILES(1);
    case 3: return TILES(3);
    case 5: return TILES(5);
    default: return TILES(7);
  }
#undef TILES
}

/// One output channel of a layer that keeps its width (ow = W, padLeft = (kw − 1)/2, kw odd) over
/// its flattened plane, a chunk at a time: the kw column sums Q (flatTile) over the chunk and
/// pw positions either side, then out[p] = sum over kj of Q[kj][p + kj − pw] where column
/// x + kj − pw of p's row exists (kj ascending). No position is computed twice, where 16-wide
/// row tiles compute 32 columns for each 28.
CTK_AVX2 static inline __attribute__((always_inline)) void flattenedChannelKW(
    const float *a, const float *input, int64_t cin, int64_t kh, int64_t H, int64_t W, int64_t padTop, int64_t oh, float *out,
    const int kw, const FlatTiles tiles) {
  const int pw = (kw - 1) / 2, span = tiles.span;
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
      const int edge = t0 - padTop * W < 0 || t0 + span + (kh - 1 - padTop) * W > H * W;
      (edge ? tiles.edge : tiles.interior)(a, input, cin, kh, H, W, padTop, t0, q + (t0 - base), Q_FLOATS);
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
  const FlatTiles tiles = flatTiles(kw);
  switch (kw) {
    case 1: flattenedChannelKW(a, input, cin, kh, H, W, padTop, oh, out, 1, tiles); break;
    case 3: flattenedChannelKW(a, input, cin, kh, H, W, padTop, oh, out, 3, tiles); break;
    case 5: flattenedChannelKW(a, input, cin, kh, H, W, padTop, oh, out, 5, tiles); break;
    case 7: flattenedChannelKW(a, input, cin, kh, H, W, padTop, oh, out, 7, tiles); break;
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
