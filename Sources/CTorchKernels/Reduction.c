// Row reductions: sum and running sums.
#include "Internal.h"

// A float32 sum in one order on every path: four groups of eight lanes over blocks of 32
// (group j, lane l takes element 32b + 8j + l), blocks of 8 left over into group 0, the groups
// added lane by lane as (0 + 1) + (2 + 3), the lanes as ((0+4)+(1+5))+((2+6)+(3+7)), then the
// tail after them in order.
static float sum_portable(int64_t n, const float *x) {
  float acc[4][8] = {{0}};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int j = 0; j < 4; j++)
      for (int l = 0; l < 8; l++) acc[j][l] += x[i + 8 * j + l];
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) acc[0][l] += x[i + l];
  float v[8];
  for (int l = 0; l < 8; l++) v[l] = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
  float s = 0;
  for (; i < n; i++) s += x[i];
  return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7])) + s;
}

#if CTK_X86
CTK_AVX2 static float sum_avx2(int64_t n, const float *x) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
  }
  for (; i + 8 <= n; i += 8) a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
  __m256 v = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
  float lanes[8];
  _mm256_storeu_ps(lanes, v);
  float s = 0;
  for (; i < n; i++) s += x[i];
  return ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7])) + s;
}
#endif

float ctk_sum_f32(int64_t n, const float *x) {
#if CTK_X86
  if (ctk_use_avx2()) return sum_avx2(n, x);
#endif
  return sum_portable(n, x);
}

// A row's max (min): the first element equal to it, as a scan that replaces its value only
// with a strictly larger (smaller) one gives, and the first NaN where the row has one. Lanes
// find the value; a NaN, or a zero (whose sign the first equal element decides), sends the
// row to the scan.
static float extremum_portable(int64_t n, const float *x, int largest) {
  float m = largest ? -INFINITY : INFINITY;
  for (int64_t i = 0; i < n; i++) {
    if (x[i] != x[i]) return x[i];
    if (largest ? x[i] > m : x[i] < m) m = x[i];
  }
  return m;
}

#if CTK_X86
CTK_AVX2 static float extremum_avx2(int64_t n, const float *x, int largest) {
  __m256 m = _mm256_set1_ps(largest ? -INFINITY : INFINITY), unordered = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    unordered = _mm256_or_ps(unordered, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    m = largest ? _mm256_max_ps(m, v) : _mm256_min_ps(m, v);
  }
  if (_mm256_movemask_ps(unordered)) return extremum_portable(n, x, largest);
  float lanes[8];
  _mm256_storeu_ps(lanes, m);
  float result = extremum_portable(n - i, x + i, largest);
  if (result != result) return result;
  for (int j = 0; j < 8; j++)
    if (largest ? lanes[j] > result : lanes[j] < result) result = lanes[j];
  return result == 0 ? extremum_portable(n, x, largest) : result;
}
#endif

float ctk_max_f32(int64_t n, const float *x) {
#if CTK_X86
  if (ctk_use_avx2()) return extremum_avx2(n, x, 1);
#endif
  return extremum_portable(n, x, 1);
}

float ctk_min_f32(int64_t n, const float *x) {
#if CTK_X86
  if (ctk_use_avx2()) return extremum_avx2(n, x, 0);
#endif
  return extremum_portable(n, x, 0);
}

// Running sums (or products) of [outer, length, inner] blocks along `length` (from its end with
// `reverse`), floats accumulating in double as PyTorch's CPU kernel does. Where inner > 1 the
// sums run down columns `inner` wide, in blocks of CUMSUM_BLOCK accumulators, so every load is
// contiguous; where inner is 1, CUMSUM_ROWS rows at a time, so their chains of dependent adds
// overlap (one row's chain alone waits an add's latency per element).
enum { CUMSUM_BLOCK = 256, CUMSUM_ROWS = 8 };
#define CUMULATIVE(NAME, S, T, ACC, INIT, COMBINE)                                                                   \
  void ctk_##NAME##_##S(int64_t outer, int64_t length, int64_t inner, const T *x, T *out, int reverse) {             \
    const int64_t first = reverse ? length - 1 : 0, step = reverse ? -1 : 1;                                         \
    int64_t o = 0;                                                                                                   \
    for (; inner == 1 && o + CUMSUM_ROWS <= outer; o += CUMSUM_ROWS) {                                               \
      ACC total[CUMSUM_ROWS];                                                                                        \
      for (int r = 0; r < CUMSUM_ROWS; r++) total[r] = INIT;                                                         \
      for (int64_t k = 0, at = first; k < length; k++, at += step)                                                   \
        for (int r = 0; r < CUMSUM_ROWS; r++) {                                                                      \
          total[r] = COMBINE(total[r], (ACC)x[(o + r) * length + at]);                                               \
          out[(o + r) * length + at] = (T)total[r];                                                                  \
        }                                                                                                            \
    }                                                                                                                \
    for (; o < outer; o++) {                                                                                         \
      const T *xs = x + o * length * inner;                                                                          \
      T *outs = out + o * length * inner;                                                                            \
      for (int64_t j0 = 0; j0 < inner; j0 += CUMSUM_BLOCK) {                                                         \
        const int64_t width = inner - j0 < CUMSUM_BLOCK ? inner - j0 : CUMSUM_BLOCK;                                 \
        ACC total[CUMSUM_BLOCK];                                                                                     \
        for (int64_t j = 0; j < width; j++) total[j] = INIT;                                                         \
        for (int64_t k = 0, at = first; k < length; k++, at += step) {                                               \
          const T *row = xs + at * inner + j0;                                                                       \
          T *target = outs + at * inner + j0;                                                                        \
          for (int64_t j = 0; j < width; j++) {                                                                      \
            total[j] = COMBINE(total[j], (ACC)row[j]);                                                               \
            target[j] = (T)total[j];                                                                                 \
          }                                                                                                          \
        }                                                                                                            \
      }                                                                                                              \
    }                                                                                                                \
  }
#define CUMULATIVE_ADD(a, b) ((a) + (b))
#define CUMULATIVE_MUL(a, b) ((a) * (b))
CUMULATIVE(cumsum, f32, float, double, 0, CUMULATIVE_ADD)
CUMULATIVE(cumsum, f64, double, double, 0, CUMULATIVE_ADD)
CUMULATIVE(cumsum, i64, int64_t, uint64_t, 0, CUMULATIVE_ADD)
CUMULATIVE(cumprod, f32, float, double, 1, CUMULATIVE_MUL)
CUMULATIVE(cumprod, f64, double, double, 1, CUMULATIVE_MUL)
CUMULATIVE(cumprod, i64, int64_t, uint64_t, 1, CUMULATIVE_MUL)
