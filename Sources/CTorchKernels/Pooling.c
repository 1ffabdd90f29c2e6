// Max pooling (windowed and adaptive) of one image plane, with PyTorch's index rule, and the
// per-channel passes of batch normalization over a contiguous [N, C, HW] tensor.
#include "Internal.h"

// The maximum of `plane` over rows y0 ..< y1 (step dy) and columns x0 ..< x1 (step dx), and its
// flat position (h*W + w): the first in scan order, except that a NaN always wins (as
// PyTorch's CPU kernels), stored into `value` and `index`.
#define MAX_SCAN(T, y0, y1, dy, x0, x1, dx, value, index)                               \
  {                                                                                       \
    int64_t best_ = (y0) * W + (x0);                                                      \
    T max_ = -INFINITY;                                                                   \
    for (int64_t y = (y0); y < (y1); y += (dy))                                           \
      for (int64_t x = (x0); x < (x1); x += (dx)) {                                       \
        T v = plane[y * W + x];                                                           \
        if (v > max_ || v != v) { max_ = v; best_ = y * W + x; }                          \
      }                                                                                   \
    value = max_;                                                                         \
    index = best_;                                                                        \
  }

#define IS_2X2_WINDOW (kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1)

// Each output is the maximum over its window and the flat input position of that maximum.
#define MAXPOOL_BODY(T)                                                                   \
  {                                                                                       \
    if (IS_2X2_WINDOW) {                                                                  \
      /* The common 2x2 window: no bounds, the window's first element starts the scan. */ \
      for (int64_t oy = 0; oy < oh; oy++) {                                               \
        const T *r0 = plane + 2 * oy * W, *r1 = r0 + W;                                   \
        T *o = out + oy * ow;                                                             \
        int64_t *ix = indices + oy * ow;                                                  \
        for (int64_t ox = 0; ox < ow; ox++) {                                             \
          const int64_t base = 2 * oy * W + 2 * ox;                                       \
          T value = r0[2 * ox], v;                                                        \
          int64_t best = base;                                                            \
          v = r0[2 * ox + 1]; if (v > value || v != v) { value = v; best = base + 1; }    \
          v = r1[2 * ox];     if (v > value || v != v) { value = v; best = base + W; }    \
          v = r1[2 * ox + 1]; if (v > value || v != v) { value = v; best = base + W + 1; } \
          o[ox] = value;                                                                  \
          ix[ox] = best;                                                                  \
        }                                                                                 \
      }                                                                                   \
      return;                                                                             \
    }                                                                                     \
    for (int64_t oy = 0; oy < oh; oy++)                                                   \
      for (int64_t ox = 0; ox < ow; ox++) {                                               \
        int64_t y0 = oy * sh - ph, x0 = ox * sw - pw;                                     \
        int64_t y1 = y0 + (kh - 1) * dh + 1, x1 = x0 + (kw - 1) * dw + 1;                 \
        if (y1 > H) y1 = H;                                                               \
        if (x1 > W) x1 = W;                                                               \
        while (y0 < 0) y0 += dh;                                                          \
        while (x0 < 0) x0 += dw;                                                          \
        MAX_SCAN(T, y0, y1, dh, x0, x1, dw, out[oy * ow + ox], indices[oy * ow + ox])     \
      }                                                                                   \
  }

#define POOL_PARAMS int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t ph, int64_t pw, \
  int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t oh, int64_t ow
#define POOL_ARGS H, W, kh, kw, ph, pw, sh, sw, dh, dw, oh, ow

static void maxpool2d_f32_portable(const float *plane, POOL_PARAMS, float *out, int64_t *indices) MAXPOOL_BODY(float)

#if CTK_X86
/// Lanes of `v` that replace the running maximum: greater, or NaN (a NaN always wins).
CTK_AVX2 static inline __m256 maxpoolTakes(__m256 v, __m256 value) {
  return _mm256_or_ps(_mm256_cmp_ps(v, value, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

/// Floats 2i (`*even`) and 2i + 1 (`*odd`) of row[0, 2n), i = 0..7 (lanes from n on read as
/// zero when n < 8).
CTK_AVX2 static inline void deinterleave(const float *row, int64_t n, __m256 *even, __m256 *odd) {
  __m256 a, b;
  if (n == 8) {
    a = _mm256_loadu_ps(row), b = _mm256_loadu_ps(row + 8);
  } else {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    a = _mm256_maskload_ps(row, _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(2 * n)), lanes));
    b = _mm256_maskload_ps(row + 8, _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(2 * n - 8)), lanes));
  }
  *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))), 0xD8));
  *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))), 0xD8));
}

/// Outputs ox ..< ox + n (n <= 8; fewer than 8 through masked loads and stores, for rows
/// narrower than a block) of row oy of the 2x2, stride-2 window, compared in the scalar
/// scan's order (so the same values and indices).
CTK_AVX2 static inline void maxpool2x2Block(const float *r0, const float *r1, int64_t W, int64_t oy, int64_t ox, int64_t n,
                                            float *o, int64_t *ix) {
  const __m256i columns = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  __m256 value, right, below, belowRight;
  deinterleave(r0 + 2 * ox, n, &value, &right);
  deinterleave(r1 + 2 * ox, n, &below, &belowRight);
  __m256 offset = _mm256_setzero_ps();  // int32 lanes: 0, 1, W or W + 1
  __m256 take = maxpoolTakes(right, value);
  value = _mm256_blendv_ps(value, right, take);
  offset = _mm256_blendv_ps(offset, _mm256_castsi256_ps(_mm256_set1_epi32(1)), take);
  take = maxpoolTakes(below, value);
  value = _mm256_blendv_ps(value, below, take);
  offset = _mm256_blendv_ps(offset, _mm256_castsi256_ps(_mm256_set1_epi32((int)W)), take);
  take = maxpoolTakes(belowRight, value);
  value = _mm256_blendv_ps(value, belowRight, take);
  offset = _mm256_blendv_ps(offset, _mm256_castsi256_ps(_mm256_set1_epi32((int)W + 1)), take);
  const __m256i within = _mm256_add_epi32(_mm256_castps_si256(offset), columns);
  const __m256i base = _mm256_set1_epi64x(2 * oy * W + 2 * ox);
  const __m256i low = _mm256_add_epi64(base, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(within)));
  const __m256i high = _mm256_add_epi64(base, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(within, 1)));
  if (n == 8) {
    _mm256_storeu_ps(o + ox, value);
    _mm256_storeu_si256((__m256i *)(ix + ox), low);
    _mm256_storeu_si256((__m256i *)(ix + ox + 4), high);
    return;
  }
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), wide = _mm256_setr_epi64x(0, 1, 2, 3);
  _mm256_maskstore_ps(o + ox, _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), lanes), value);
  _mm256_maskstore_epi64((long long *)(ix + ox), _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), wide), low);
  _mm256_maskstore_epi64((long long *)(ix + ox + 4), _mm256_cmpgt_epi64(_mm256_set1_epi64x(n - 4), wide), high);
}

/// The 2x2, stride-2 window eight outputs at a time, a row's last block overlapping the one
/// before it (recomputing a few outputs identically; a scalar tail after the vector stores
/// ran 4.6x slower on the CNN's first pool, 6.4 MB in), a row narrower than a block masked.
CTK_AVX2 static void maxpool2d_f32_avx2(const float *plane, POOL_PARAMS, float *out, int64_t *indices) {
  if (!IS_2X2_WINDOW || W > INT32_MAX - 16) {
    maxpool2d_f32_portable(plane, POOL_ARGS, out, indices);
    return;
  }
  for (int64_t oy = 0; oy < oh; oy++) {
    const float *r0 = plane + 2 * oy * W, *r1 = r0 + W;
    if (ow < 8) {
      maxpool2x2Block(r0, r1, W, oy, 0, ow, out + oy * ow, indices + oy * ow);
      continue;
    }
    for (int64_t ox = 0; ox < ow; ox += 8)
      maxpool2x2Block(r0, r1, W, oy, ox + 8 <= ow ? ox : ow - 8, 8, out + oy * ow, indices + oy * ow);
  }
}
#endif

CTK_DISPATCH(maxpool2d_f32, (const float *plane, POOL_PARAMS, float *out, int64_t *indices), (plane, POOL_ARGS, out, indices))
CTK_DEFINE(maxpool2d_f64, (const double *plane, POOL_PARAMS, double *out, int64_t *indices),
           (plane, POOL_ARGS, out, indices), MAXPOOL_BODY(double))

// PyTorch's adaptive bin o of `count` bins over `size` positions: ⌊o·size/count⌋ ..<
// ⌈(o+1)·size/count⌉.
static inline int64_t binStart(int64_t o, int64_t size, int64_t count) { return o * size / count; }
static inline int64_t binEnd(int64_t o, int64_t size, int64_t count) { return ((o + 1) * size + count - 1) / count; }

// Adaptive max pooling of one plane: output (i, j) is the maximum over input rows
// ⌊i·H/oh⌋ ..< ⌈(i+1)·H/oh⌉ and the same for columns, with max pooling's index rule.
#define ADAPTIVE_MAXPOOL(T, NAME)                                                                                   \
  void NAME(const T *plane, int64_t H, int64_t W, int64_t oh, int64_t ow, T *out, int64_t *indices) {               \
    for (int64_t oy = 0; oy < oh; oy++) {                                                                           \
      int64_t y0 = binStart(oy, H, oh), y1 = binEnd(oy, H, oh);                                                  \
      for (int64_t ox = 0; ox < ow; ox++) {                                                                         \
        int64_t x0 = binStart(ox, W, ow), x1 = binEnd(ox, W, ow);                                                \
        MAX_SCAN(T, y0, y1, 1, x0, x1, 1, out[oy * ow + ox], indices[oy * ow + ox])                                 \
      }                                                                                                             \
    }                                                                                                               \
  }
ADAPTIVE_MAXPOOL(float, ctk_adaptive_maxpool2d_f32)
ADAPTIVE_MAXPOOL(double, ctk_adaptive_maxpool2d_f64)

// Adaptive average pooling of one plane: output (i, j) is the sum over its bin (the rows and
// columns above) divided by the bin's height, then its width, as PyTorch's CPU kernel does.
// Bins overlap where the size does not divide: the backward adds each output's share to
// every cell of its bin, so a cell in two bins gets both.
#define ADAPTIVE_AVGPOOL(T, NAME, BACKWARD)                                                                         \
  void NAME(const T *plane, int64_t H, int64_t W, int64_t oh, int64_t ow, T *out) {                                 \
    for (int64_t oy = 0; oy < oh; oy++) {                                                                           \
      int64_t y0 = binStart(oy, H, oh), y1 = binEnd(oy, H, oh);                                                  \
      for (int64_t ox = 0; ox < ow; ox++) {                                                                         \
        int64_t x0 = binStart(ox, W, ow), x1 = binEnd(ox, W, ow);                                                \
        T sum = 0;                                                                                                  \
        for (int64_t y = y0; y < y1; y++)                                                                           \
          for (int64_t x = x0; x < x1; x++) sum += plane[y * W + x];                                                \
        out[oy * ow + ox] = sum / (T)(y1 - y0) / (T)(x1 - x0);                                                      \
      }                                                                                                             \
    }                                                                                                               \
  }                                                                                                                 \
  void BACKWARD(const T *grad, int64_t H, int64_t W, int64_t oh, int64_t ow, T *out) {                             \
    for (int64_t i = 0; i < H * W; i++) out[i] = 0;                                                                 \
    for (int64_t oy = 0; oy < oh; oy++) {                                                                           \
      int64_t y0 = binStart(oy, H, oh), y1 = binEnd(oy, H, oh);                                                  \
      for (int64_t ox = 0; ox < ow; ox++) {                                                                         \
        int64_t x0 = binStart(ox, W, ow), x1 = binEnd(ox, W, ow);                                                \
        T share = grad[oy * ow + ox] / (T)(y1 - y0) / (T)(x1 - x0);                                                 \
        for (int64_t y = y0; y < y1; y++)                                                                           \
          for (int64_t x = x0; x < x1; x++) out[y * W + x] += share;                                                \
      }                                                                                                             \
    }                                                                                                               \
  }
ADAPTIVE_AVGPOOL(float, ctk_adaptive_avgpool2d_f32, ctk_adaptive_avgpool2d_backward_f32)
ADAPTIVE_AVGPOOL(double, ctk_adaptive_avgpool2d_f64, ctk_adaptive_avgpool2d_backward_f64)

// The gradient of max pooling for one plane: zeros, then each output's gradient added at the
// position its maximum came from.
CTK_DEFINE(maxpool2d_backward_f32, (const float *grad, const int64_t *indices, int64_t positions, int64_t plane, float *out),
           (grad, indices, positions, plane, out), {
  for (int64_t i = 0; i < plane; i++) out[i] = 0;
  for (int64_t i = 0; i < positions; i++) out[indices[i]] += grad[i];
})

// Sums over one channel of a contiguous [N, C, HW] in double, with eight partial sums (lane
// i % 8 of each row), combined in a fixed order: the AVX2 path (two 4-wide accumulators) and
// the portable path add the same numbers in the same order, so they agree bit for bit.
static double combine8(const double *p) { return ((p[0] + p[4]) + (p[1] + p[5])) + ((p[2] + p[6]) + (p[3] + p[7])); }

// f(x) summed over the channel: f is the identity or (x - mu)^2.
#define CHANNEL_SUM_PORTABLE(EXPR)                                                  \
  double lanes[8] = {0}, tail = 0;                                                  \
  for (int64_t i = 0; i < n; i++) {                                                 \
    const int64_t off = (i * c + channel) * hw;                                     \
    int64_t j = 0;                                                                  \
    for (; j + 8 <= hw; j += 8)                                                     \
      for (int l = 0; l < 8; l++) { const int64_t k = off + j + l; lanes[l] += EXPR; } \
    for (; j < hw; j++) { const int64_t k = off + j; tail += EXPR; }                \
  }                                                                                 \
  return combine8(lanes) + tail;

static double sum_portable(const float *x, double mu, int64_t n, int64_t c, int64_t hw, int64_t channel, int kind) {
  if (kind == 0) { CHANNEL_SUM_PORTABLE((double)x[k]) }
  CHANNEL_SUM_PORTABLE(((double)x[k] - mu) * ((double)x[k] - mu))
}

#if CTK_X86
CTK_AVX2 static double sum_avx2(const float *x, double mu, int64_t n, int64_t c, int64_t hw, int64_t channel, int kind) {
  __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd(), m = _mm256_set1_pd(mu);
  double tail = 0;
  for (int64_t i = 0; i < n; i++) {
    const int64_t off = (i * c + channel) * hw;
    int64_t j = 0;
    for (; j + 8 <= hw; j += 8) {
      __m256 v = _mm256_loadu_ps(x + off + j);
      __m256d a = _mm256_cvtps_pd(_mm256_castps256_ps128(v)), b = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
      if (kind == 1) {
        a = _mm256_sub_pd(a, m); b = _mm256_sub_pd(b, m);
        a = _mm256_mul_pd(a, a); b = _mm256_mul_pd(b, b);
      }
      lo = _mm256_add_pd(lo, a);
      hi = _mm256_add_pd(hi, b);
    }
    for (; j < hw; j++) {
      const double v = x[off + j];
      tail += kind == 0 ? v : (v - mu) * (v - mu);
    }
  }
  double lanes[8];
  _mm256_storeu_pd(lanes, lo);
  _mm256_storeu_pd(lanes + 4, hi);
  return combine8(lanes) + tail;
}
#endif

static double channel_sum(const float *x, double mu, int64_t n, int64_t c, int64_t hw, int64_t channel, int kind) {
#if CTK_X86
  if (ctk_use_avx2()) return sum_avx2(x, mu, n, c, hw, channel, kind);
#endif
  return sum_portable(x, mu, n, c, hw, channel, kind);
}

void ctk_channel_moments_f32(const float *x, int64_t n, int64_t c, int64_t hw, int64_t channel, double *mean, double *m2) {
  const double mu = channel_sum(x, 0, n, c, hw, channel, 0) / (double)(n * hw);
  *mean = mu;
  *m2 = channel_sum(x, mu, n, c, hw, channel, 1);
}

// sum(g) and sum(g * (x - mu)) in one pass over g and x, each with the lanes and order of
// channel_sum (so the results equal two separate passes bit for bit).
static void pair_portable(const float *g, const float *x, double mu, int64_t n, int64_t c, int64_t hw, int64_t channel,
                          double *sumG, double *sumGX) {
  double a[8] = {0}, b[8] = {0}, tailA = 0, tailB = 0;
  for (int64_t i = 0; i < n; i++) {
    const int64_t off = (i * c + channel) * hw;
    int64_t j = 0;
    for (; j + 8 <= hw; j += 8)
      for (int l = 0; l < 8; l++) {
        const int64_t k = off + j + l;
        a[l] += (double)g[k];
        b[l] += (double)g[k] * ((double)x[k] - mu);
      }
    for (; j < hw; j++) {
      tailA += (double)g[off + j];
      tailB += (double)g[off + j] * ((double)x[off + j] - mu);
    }
  }
  *sumG = combine8(a) + tailA;
  *sumGX = combine8(b) + tailB;
}

#if CTK_X86
CTK_AVX2 static void pair_avx2(const float *g, const float *x, double mu, int64_t n, int64_t c, int64_t hw, int64_t channel,
                               double *sumG, double *sumGX) {
  __m256d aLo = _mm256_setzero_pd(), aHi = _mm256_setzero_pd(), bLo = _mm256_setzero_pd(), bHi = _mm256_setzero_pd();
  const __m256d m = _mm256_set1_pd(mu);
  double tailA = 0, tailB = 0;
  for (int64_t i = 0; i < n; i++) {
    const int64_t off = (i * c + channel) * hw;
    int64_t j = 0;
    for (; j + 8 <= hw; j += 8) {
      __m256 gv = _mm256_loadu_ps(g + off + j), xv = _mm256_loadu_ps(x + off + j);
      __m256d g0 = _mm256_cvtps_pd(_mm256_castps256_ps128(gv)), g1 = _mm256_cvtps_pd(_mm256_extractf128_ps(gv, 1));
      __m256d x0 = _mm256_cvtps_pd(_mm256_castps256_ps128(xv)), x1 = _mm256_cvtps_pd(_mm256_extractf128_ps(xv, 1));
      aLo = _mm256_add_pd(aLo, g0);
      aHi = _mm256_add_pd(aHi, g1);
      bLo = _mm256_add_pd(bLo, _mm256_mul_pd(g0, _mm256_sub_pd(x0, m)));
      bHi = _mm256_add_pd(bHi, _mm256_mul_pd(g1, _mm256_sub_pd(x1, m)));
    }
    for (; j < hw; j++) {
      tailA += (double)g[off + j];
      tailB += (double)g[off + j] * ((double)x[off + j] - mu);
    }
  }
  double a[8], b[8];
  _mm256_storeu_pd(a, aLo);
  _mm256_storeu_pd(a + 4, aHi);
  _mm256_storeu_pd(b, bLo);
  _mm256_storeu_pd(b + 4, bHi);
  *sumG = combine8(a) + tailA;
  *sumGX = combine8(b) + tailB;
}
#endif

void ctk_channel_gradient_sums_f32(const float *g, const float *x, int64_t n, int64_t c, int64_t hw, int64_t channel, float mean,
                                   double *sumG, double *sumGX) {
#if CTK_X86
  if (ctk_use_avx2()) { pair_avx2(g, x, mean, n, c, hw, channel, sumG, sumGX); return; }
#endif
  pair_portable(g, x, mean, n, c, hw, channel, sumG, sumGX);
}

// out = x * alpha + beta over channel c.
CTK_DEFINE(channel_affine_f32, (const float *x, int64_t n, int64_t c, int64_t hw, int64_t channel, float alpha, float beta, float *out),
           (x, n, c, hw, channel, alpha, beta, out), {
  for (int64_t i = 0; i < n; i++) {
    const float *row = x + (i * c + channel) * hw;
    float *dst = out + (i * c + channel) * hw;
    for (int64_t j = 0; j < hw; j++) dst[j] = row[j] * alpha + beta;
  }
})

// Channel c of the input gradient in training: (g - meanG - (x - mean) * k) * scale, with
// k = sum(g * (x - mean)) * invstd^2 / M and scale = invstd * weight.
CTK_DEFINE(channel_batchnorm_backward_f32, (const float *g, const float *x, int64_t n, int64_t c, int64_t hw, int64_t channel,
                                            float mean, float meanG, float k, float scale, float *out),
           (g, x, n, c, hw, channel, mean, meanG, k, scale, out), {
  for (int64_t i = 0; i < n; i++) {
    const float *gr = g + (i * c + channel) * hw, *xr = x + (i * c + channel) * hw;
    float *dst = out + (i * c + channel) * hw;
    for (int64_t j = 0; j < hw; j++) dst[j] = (gr[j] - meanG - (xr[j] - mean) * k) * scale;
  }
})

// MARK: - Average pooling

// PyTorch's window and divisor for output (oy, ox): the window clipped to the padded input
// gives the divisor with count_include_pad, clipped to the input it gives the summed region
// (and the divisor without); a positive `divisor` overrides both.
#define AVGPOOL_WINDOW                                                                         \
  int64_t y0 = oy * sh - ph, x0 = ox * sw - pw;                                                \
  int64_t y1 = y0 + kh < H + ph ? y0 + kh : H + ph, x1 = x0 + kw < W + pw ? x0 + kw : W + pw;  \
  int64_t padded = (y1 - y0) * (x1 - x0);                                                      \
  if (y0 < 0) y0 = 0;                                                                          \
  if (x0 < 0) x0 = 0;                                                                          \
  if (y1 > H) y1 = H;                                                                          \
  if (x1 > W) x1 = W;                                                                          \
  const int64_t divide = divisor > 0 ? divisor : includePad ? padded : (y1 - y0) * (x1 - x0);

#define AVGPOOL_BODY(T)                                                                        \
  {                                                                                            \
    for (int64_t oy = 0; oy < oh; oy++)                                                        \
      for (int64_t ox = 0; ox < ow; ox++) {                                                    \
        AVGPOOL_WINDOW                                                                         \
        T sum = 0;                                                                             \
        for (int64_t y = y0; y < y1; y++)                                                      \
          for (int64_t x = x0; x < x1; x++) sum += plane[y * W + x];                           \
        out[oy * ow + ox] = sum / (T)divide;                                                   \
      }                                                                                        \
  }

// The input gradient: each output's gradient over its divisor, added to its window (`out` zeroed).
#define AVGPOOL_BACKWARD_BODY(T)                                                               \
  {                                                                                            \
    for (int64_t oy = 0; oy < oh; oy++)                                                        \
      for (int64_t ox = 0; ox < ow; ox++) {                                                    \
        AVGPOOL_WINDOW                                                                         \
        const T share = grad[oy * ow + ox] / (T)divide;                                        \
        for (int64_t y = y0; y < y1; y++)                                                      \
          for (int64_t x = x0; x < x1; x++) out[y * W + x] += share;                           \
      }                                                                                        \
  }

#define AVGPOOL_PARAMS int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t ph, int64_t pw, int64_t sh, int64_t sw, \
  int64_t oh, int64_t ow, int includePad, int64_t divisor
#define AVGPOOL_ARGS H, W, kh, kw, ph, pw, sh, sw, oh, ow, includePad, divisor

CTK_DEFINE(avgpool2d_f32, (const float *plane, AVGPOOL_PARAMS, float *out), (plane, AVGPOOL_ARGS, out), AVGPOOL_BODY(float))
CTK_DEFINE(avgpool2d_f64, (const double *plane, AVGPOOL_PARAMS, double *out), (plane, AVGPOOL_ARGS, out), AVGPOOL_BODY(double))
CTK_DEFINE(avgpool2d_backward_f32, (const float *grad, AVGPOOL_PARAMS, float *out), (grad, AVGPOOL_ARGS, out),
           AVGPOOL_BACKWARD_BODY(float))
CTK_DEFINE(avgpool2d_backward_f64, (const double *grad, AVGPOOL_PARAMS, double *out), (grad, AVGPOOL_ARGS, out),
           AVGPOOL_BACKWARD_BODY(double))
