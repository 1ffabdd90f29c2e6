// Softmax and log-softmax over dense rows, forward and backward. A row's sums run in eight
// lanes (element k into lane k mod 8 up to the last full eight), the lanes added as
// ((0+4)+(1+5))+((2+6)+(3+7)) and the tail after them in order, on both paths, so the bits do
// not depend on the CPU and no sum waits on the one before it element by element (a serial sum
// of a 512-wide row cost as much as its exponentials). The exponentials are libm's expf
// (ctk_expf8 under AVX2: the same bits).
#include "Internal.h"
#include "Transcendental.h"

enum { LANES = 8 };

static inline float laneTree(const float a[LANES]) { return ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7])); }

/// The row's first NaN, else its largest element. (Where a +0 and a −0 tie, the one returned
/// depends on the order of comparison, but not the results: the row's exponentials then sum to
/// at least 2, so no output is a signed zero.)
static float rowPeak_portable(int64_t n, const float *x) {
  float m = -INFINITY;
  for (int64_t i = 0; i < n; i++) {
    if (x[i] != x[i]) return x[i];
    m = x[i] > m ? x[i] : m;
  }
  return m;
}

/// Σ expf(x[k] − shift) in lanes, each exponential also stored in out[k] when `store` (a
/// constant at each call: log-softmax needs only the sum).
static inline __attribute__((always_inline)) float expLanes_portable(int64_t n, const float *x, float shift, float *out,
                                                                     const int store) {
  float lanes[LANES] = {0}, tail = 0;
  int64_t i = 0;
  for (; i + LANES <= n; i += LANES)
    for (int j = 0; j < LANES; j++) {
      const float e = expf(x[i + j] - shift);
      if (store) out[i + j] = e;
      lanes[j] += e;
    }
  for (; i < n; i++) {
    const float e = expf(x[i] - shift);
    if (store) out[i] = e;
    tail += e;
  }
  return laneTree(lanes) + tail;
}

/// Σ g[k] (y == NULL) or Σ g[k]·y[k], in lanes.
static float dotLanes_portable(int64_t n, const float *g, const float *y) {
  float lanes[LANES] = {0}, tail = 0;
  int64_t i = 0;
  for (; i + LANES <= n; i += LANES)
    for (int j = 0; j < LANES; j++) lanes[j] += y ? g[i + j] * y[i + j] : g[i + j];
  for (; i < n; i++) tail += y ? g[i] * y[i] : g[i];
  return laneTree(lanes) + tail;
}

/// The shift of a row's exponentials: its peak, or 0 where every element is −∞ (the row's
/// softmax is then NaN, as PyTorch's).
static inline float shiftOf(float peak) { return peak == -INFINITY ? 0.0f : peak; }

static void softmax_rows_f32_portable(int64_t rows, int64_t n, const float *x, float *out, int log) {
  for (int64_t r = 0; r < rows; r++, x += n, out += n) {
    const float shift = shiftOf(rowPeak_portable(n, x));
    const float sum = log ? expLanes_portable(n, x, shift, out, 0) : expLanes_portable(n, x, shift, out, 1);
    if (log) {
      const float logSum = logf(sum);
      for (int64_t k = 0; k < n; k++) out[k] = (x[k] - shift) - logSum;
    } else {
      for (int64_t k = 0; k < n; k++) out[k] /= sum;
    }
  }
}

static void softmax_backward_rows_f32_portable(int64_t rows, int64_t n, const float *g, const float *y, float *out, int log) {
  for (int64_t r = 0; r < rows; r++, g += n, y += n, out += n) {
    const float dot = dotLanes_portable(n, g, log ? NULL : y);
    if (log) {
      for (int64_t k = 0; k < n; k++) out[k] = g[k] - expf(y[k]) * dot;
    } else {
      for (int64_t k = 0; k < n; k++) out[k] = y[k] * (g[k] - dot);
    }
  }
}

static void scaled_exp_rows_f32_portable(int64_t rows, int64_t n, const float *logProbs, const float *scales, float *out) {
  for (int64_t r = 0; r < rows; r++, logProbs += n, out += n)
    for (int64_t k = 0; k < n; k++) out[k] = expf(logProbs[k]) * scales[r];
}

#if CTK_X86
CTK_AVX2 static float laneTreeOf(__m256 v, float tail) {
  float lanes[LANES];
  _mm256_storeu_ps(lanes, v);
  return laneTree(lanes) + tail;
}

CTK_AVX2 static float rowPeak_avx2(int64_t n, const float *x) {
  __m256 m = _mm256_set1_ps(-INFINITY), unordered = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + LANES <= n; i += LANES) {
    const __m256 v = _mm256_loadu_ps(x + i);
    unordered = _mm256_or_ps(unordered, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    m = _mm256_max_ps(m, v);
  }
  if (_mm256_movemask_ps(unordered)) return rowPeak_portable(n, x);  // the first NaN
  float lanes[LANES], peak = -INFINITY;
  _mm256_storeu_ps(lanes, m);
  for (int j = 0; j < LANES; j++) peak = lanes[j] > peak ? lanes[j] : peak;
  const float rest = rowPeak_portable(n - i, x + i);
  if (rest != rest) return rest;
  return rest > peak ? rest : peak;
}

CTK_AVX2 static inline __attribute__((always_inline)) float expLanes_avx2(int64_t n, const float *x, float shift, float *out,
                                                                          const int store) {
  const __m256 shifts = _mm256_set1_ps(shift);
  __m256 lanes = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + LANES <= n; i += LANES) {
    const __m256 e = ctk_expf8(_mm256_sub_ps(_mm256_loadu_ps(x + i), shifts));
    if (store) _mm256_storeu_ps(out + i, e);
    lanes = _mm256_add_ps(lanes, e);
  }
  float tail = 0;
  for (; i < n; i++) {
    const float e = expf(x[i] - shift);
    if (store) out[i] = e;
    tail += e;
  }
  return laneTreeOf(lanes, tail);
}

CTK_AVX2 static float dotLanes_avx2(int64_t n, const float *g, const float *y) {
  __m256 lanes = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + LANES <= n; i += LANES) {
    const __m256 v = _mm256_loadu_ps(g + i);
    lanes = _mm256_add_ps(lanes, y ? _mm256_mul_ps(v, _mm256_loadu_ps(y + i)) : v);
  }
  float tail = 0;
  for (; i < n; i++) tail += y ? g[i] * y[i] : g[i];
  return laneTreeOf(lanes, tail);
}

CTK_AVX2 static void softmax_rows_f32_avx2(int64_t rows, int64_t n, const float *x, float *out, int log) {
  for (int64_t r = 0; r < rows; r++, x += n, out += n) {
    const float shift = shiftOf(rowPeak_avx2(n, x));
    const float sum = log ? expLanes_avx2(n, x, shift, out, 0) : expLanes_avx2(n, x, shift, out, 1);
    int64_t k = 0;
    if (log) {
      const float logSum = logf(sum);
      const __m256 shifts = _mm256_set1_ps(shift), logSums = _mm256_set1_ps(logSum);
      for (; k + LANES <= n; k += LANES)
        _mm256_storeu_ps(out + k, _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(x + k), shifts), logSums));
      for (; k < n; k++) out[k] = (x[k] - shift) - logSum;
    } else {
      const __m256 sums = _mm256_set1_ps(sum);
      for (; k + LANES <= n; k += LANES) _mm256_storeu_ps(out + k, _mm256_div_ps(_mm256_loadu_ps(out + k), sums));
      for (; k < n; k++) out[k] /= sum;
    }
  }
}

CTK_AVX2 static void softmax_backward_rows_f32_avx2(int64_t rows, int64_t n, const float *g, const float *y, float *out, int log) {
  for (int64_t r = 0; r < rows; r++, g += n, y += n, out += n) {
    const float dot = dotLanes_avx2(n, g, log ? NULL : y);
    const __m256 dots = _mm256_set1_ps(dot);
    int64_t k = 0;
    if (log) {
      for (; k + LANES <= n; k += LANES) {
        const __m256 e = ctk_expf8(_mm256_loadu_ps(y + k));
        _mm256_storeu_ps(out + k, _mm256_sub_ps(_mm256_loadu_ps(g + k), _mm256_mul_ps(e, dots)));
      }
      for (; k < n; k++) out[k] = g[k] - expf(y[k]) * dot;
    } else {
      for (; k + LANES <= n; k += LANES) {
        const __m256 v = _mm256_loadu_ps(y + k);
        _mm256_storeu_ps(out + k, _mm256_mul_ps(v, _mm256_sub_ps(_mm256_loadu_ps(g + k), dots)));
      }
      for (; k < n; k++) out[k] = y[k] * (g[k] - dot);
    }
  }
}

CTK_AVX2 static void scaled_exp_rows_f32_avx2(int64_t rows, int64_t n, const float *logProbs, const float *scales, float *out) {
  for (int64_t r = 0; r < rows; r++, logProbs += n, out += n) {
    const __m256 scale = _mm256_set1_ps(scales[r]);
    int64_t k = 0;
    for (; k + LANES <= n; k += LANES) _mm256_storeu_ps(out + k, _mm256_mul_ps(ctk_expf8(_mm256_loadu_ps(logProbs + k)), scale));
    for (; k < n; k++) out[k] = expf(logProbs[k]) * scales[r];
  }
}
#endif

CTK_DISPATCH(softmax_rows_f32, (int64_t rows, int64_t length, const float *x, float *out, int log), (rows, length, x, out, log))
CTK_DISPATCH(softmax_backward_rows_f32, (int64_t rows, int64_t length, const float *g, const float *y, float *out, int log),
             (rows, length, g, y, out, log))
CTK_DISPATCH(scaled_exp_rows_f32, (int64_t rows, int64_t length, const float *logProbs, const float *scales, float *out),
             (rows, length, logProbs, scales, out))
