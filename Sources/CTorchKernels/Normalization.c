// Layer and group normalization: rows of `length` contiguous elements, each normalized by its
// own mean and 1/sqrt(var + eps). Element k of a row takes affine parameter k / span of the
// row's `w` and `b` (the caller offsets them): layer norm has span 1 (one per element), group
// norm the channel's plane size (one per channel). Sums accumulate in double, eight lanes.
#include "Internal.h"

static double sumLanes(const double lanes[8]) {
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

/// sum(x), or sum((x - mu)^2) with `squares`.
#define ROW_SUM_BODY(T)                                                                   \
  {                                                                                       \
    double lanes[8] = {0}, tail = 0;                                                      \
    int64_t k = 0;                                                                        \
    for (; k + 8 <= n; k += 8)                                                            \
      for (int l = 0; l < 8; l++) {                                                       \
        double v = (double)x[k + l] - mu;                                                 \
        lanes[l] += squares ? v * v : v;                                                  \
      }                                                                                   \
    for (; k < n; k++) {                                                                  \
      double v = (double)x[k] - mu;                                                       \
      tail += squares ? v * v : v;                                                        \
    }                                                                                     \
    *result = sumLanes(lanes) + tail;                                                     \
  }
CTK_DEFINE(row_sum_f32, (int64_t n, const float *x, double mu, int squares, double *result), (n, x, mu, squares, result),
           ROW_SUM_BODY(float))
CTK_DEFINE(row_sum_f64, (int64_t n, const double *x, double mu, int squares, double *result), (n, x, mu, squares, result),
           ROW_SUM_BODY(double))

/// sum(g * w) and sum(g * w * (x - mu)) with per-element `w` (NULL: 1), a loop for each case
/// (a test for NULL inside the loop became masked loads through it; see ELEMENT_AFFINE_BODY).
#define ROW_GRADIENT_SUMS_LOOP(weight)                                                    \
  for (; k + 8 <= n; k += 8)                                                              \
    for (int l = 0; l < 8; l++) {                                                         \
      double gw = (double)g[k + l] * (weight);                                            \
      a[l] += gw;                                                                         \
      b[l] += gw * ((double)x[k + l] - mu);                                               \
    }
#define ROW_GRADIENT_SUMS_BODY(T)                                                         \
  {                                                                                       \
    double a[8] = {0}, b[8] = {0}, tailA = 0, tailB = 0;                                  \
    int64_t k = 0;                                                                        \
    if (w) {                                                                              \
      ROW_GRADIENT_SUMS_LOOP((double)w[k + l])                                            \
    } else {                                                                              \
      ROW_GRADIENT_SUMS_LOOP(1.0)                                                         \
    }                                                                                     \
    for (; k < n; k++) {                                                                  \
      double gw = (double)g[k] * (w ? (double)w[k] : 1.0);                                \
      tailA += gw;                                                                        \
      tailB += gw * ((double)x[k] - mu);                                                  \
    }                                                                                     \
    *sumG = sumLanes(a) + tailA;                                                          \
    *sumGX = sumLanes(b) + tailB;                                                         \
  }
CTK_DEFINE(row_gradient_sums_f32, (int64_t n, const float *g, const float *x, const float *w, double mu, double *sumG, double *sumGX),
           (n, g, x, w, mu, sumG, sumGX), ROW_GRADIENT_SUMS_BODY(float))
CTK_DEFINE(row_gradient_sums_f64, (int64_t n, const double *g, const double *x, const double *w, double mu, double *sumG, double *sumGX),
           (n, g, x, w, mu, sumG, sumGX), ROW_GRADIENT_SUMS_BODY(double))

/// out = (x * rstd + (-rstd * mean)) * w + b per element (layer norm, PyTorch's order). One
/// loop per combination of parameters: with the tests for NULL inside one loop, the vectorizer
/// made masked loads through the NULL pointer, which the CPU serves slowly (a 64 x 512 layer
/// norm spent 180 us here, 5.5 ns an element).
#define ELEMENT_AFFINE_LOOP(T, withWeight, withBias)                                      \
  for (int64_t k = 0; k < n; k++) {                                                       \
    T y = x[k] * rstd + shift;                                                            \
    if (withWeight) y = y * w[k];                                                         \
    if (withBias) y = y + b[k];                                                           \
    out[k] = y;                                                                           \
  }
#define ELEMENT_AFFINE_BODY(T)                                                            \
  {                                                                                       \
    const T shift = -rstd * mean;                                                         \
    if (w && b) {                                                                         \
      ELEMENT_AFFINE_LOOP(T, 1, 1)                                                        \
    } else if (w) {                                                                       \
      ELEMENT_AFFINE_LOOP(T, 1, 0)                                                        \
    } else if (b) {                                                                       \
      ELEMENT_AFFINE_LOOP(T, 0, 1)                                                        \
    } else {                                                                              \
      ELEMENT_AFFINE_LOOP(T, 0, 0)                                                        \
    }                                                                                     \
  }
CTK_DEFINE(element_affine_f32, (int64_t n, const float *x, float mean, float rstd, const float *w, const float *b, float *out),
           (n, x, mean, rstd, w, b, out), ELEMENT_AFFINE_BODY(float))
CTK_DEFINE(element_affine_f64, (int64_t n, const double *x, double mean, double rstd, const double *w, const double *b, double *out),
           (n, x, mean, rstd, w, b, out), ELEMENT_AFFINE_BODY(double))

/// out = x * scale + shift (group norm's per-channel form).
CTK_DEFINE(scale_shift_f32, (int64_t n, const float *x, float scale, float shift, float *out), (n, x, scale, shift, out),
           { for (int64_t k = 0; k < n; k++) out[k] = x[k] * scale + shift; })
CTK_DEFINE(scale_shift_f64, (int64_t n, const double *x, double scale, double shift, double *out), (n, x, scale, shift, out),
           { for (int64_t k = 0; k < n; k++) out[k] = x[k] * scale + shift; })

/// dx = (g * w - meanG - (x - mean) * c) * rstd, with w per element (span 1), per run of `span`, or NULL.
#define NORM_INPUT_GRADIENT_LOOP(T, first, end, weight)                                  \
  for (int64_t k = first; k < end; k++) {                                                 \
    const T gw = g[k] * (weight);                                                         \
    dx[k] = (gw - meanG - (x[k] - mean) * c) * rstd;                                      \
  }
#define NORM_INPUT_GRADIENT_BODY(T)                                                       \
  {                                                                                       \
    if (w && span == 1) {                                                                 \
      NORM_INPUT_GRADIENT_LOOP(T, 0, n, w[k])                                             \
    } else if (w) {                                                                       \
      for (int64_t s = 0; s < n; s += span) {                                             \
        const T ws = w[s / span];                                                         \
        NORM_INPUT_GRADIENT_LOOP(T, s, s + span, ws)                                      \
      }                                                                                   \
    } else {                                                                              \
      NORM_INPUT_GRADIENT_LOOP(T, 0, n, (T)1)                                             \
    }                                                                                     \
  }
CTK_DEFINE(norm_input_gradient_f32,
           (int64_t n, int64_t span, const float *g, const float *x, const float *w, float mean, float rstd, float meanG, float c,
            float *dx),
           (n, span, g, x, w, mean, rstd, meanG, c, dx), NORM_INPUT_GRADIENT_BODY(float))
CTK_DEFINE(norm_input_gradient_f64,
           (int64_t n, int64_t span, const double *g, const double *x, const double *w, double mean, double rstd, double meanG,
            double c, double *dx),
           (n, span, g, x, w, mean, rstd, meanG, c, dx), NORM_INPUT_GRADIENT_BODY(double))

/// dw[k] += g * (x - mean) * rstd and db[k] += g per element (layer norm's parameter gradients),
/// a loop for each (a test for NULL inside the loop became masked stores through it).
#define ELEMENT_PARAMETER_GRADIENTS_BODY                                                  \
  {                                                                                       \
    if (dw)                                                                               \
      for (int64_t k = 0; k < n; k++) dw[k] += g[k] * ((x[k] - mean) * rstd);             \
    if (db)                                                                               \
      for (int64_t k = 0; k < n; k++) db[k] += g[k];                                      \
  }
CTK_DEFINE(element_parameter_gradients_f32, (int64_t n, const float *g, const float *x, float mean, float rstd, float *dw, float *db),
           (n, g, x, mean, rstd, dw, db), ELEMENT_PARAMETER_GRADIENTS_BODY)
CTK_DEFINE(element_parameter_gradients_f64,
           (int64_t n, const double *g, const double *x, double mean, double rstd, double *dw, double *db),
           (n, g, x, mean, rstd, dw, db), ELEMENT_PARAMETER_GRADIENTS_BODY)

// The row functions, once per element type.
#define NORM_ROW(T, S)                                                                                                  \
  void ctk_norm_row_##S(int64_t length, int64_t span, const T *x, const T *w, const T *b, double eps, T *out, T *meanOut, \
                        T *rstdOut) {                                                                                   \
    if (length <= 0) return;                                                                                            \
    double sum, m2;                                                                                                     \
    ctk_row_sum_##S(length, x, 0, 0, &sum);                                                                             \
    const double mu = sum / (double)length;                                                                             \
    ctk_row_sum_##S(length, x, mu, 1, &m2);                                                                             \
    const T mean = (T)mu, rstd = (T)(1 / sqrt(m2 / (double)length + eps));                                             \
    *meanOut = mean;                                                                                                    \
    *rstdOut = rstd;                                                                                                    \
    if (span == 1) {                                                                                                    \
      ctk_element_affine_##S(length, x, mean, rstd, w, b, out);                                                         \
      return;                                                                                                           \
    }                                                                                                                   \
    for (int64_t s = 0; s < length; s += span) {                                                                        \
      const T scale = w ? rstd * w[s / span] : rstd;                                                                    \
      const T shift = -scale * mean + (b ? b[s / span] : 0);                                                            \
      ctk_scale_shift_##S(span, x + s, scale, shift, out + s);                                                          \
    }                                                                                                                   \
  }                                                                                                                     \
                                                                                                                        \
  void ctk_norm_row_backward_##S(int64_t length, int64_t span, const T *g, const T *x, const T *w, T mean, T rstd,       \
                                 T *dx, T *dw, T *db) {                                                                 \
    if (length <= 0) return;                                                                                            \
    if (dx) {                                                                                                           \
      double sumG = 0, sumGX = 0;                                                                                       \
      if (span == 1 || !w) {                                                                                            \
        ctk_row_gradient_sums_##S(length, g, x, span == 1 ? w : NULL, mean, &sumG, &sumGX);                             \
      } else {                                                                                                          \
        for (int64_t s = 0; s < length; s += span) {                                                                    \
          double a, c;                                                                                                  \
          ctk_row_gradient_sums_##S(span, g + s, x + s, NULL, mean, &a, &c);                                            \
          sumG += a * w[s / span];                                                                                      \
          sumGX += c * w[s / span];                                                                                     \
        }                                                                                                               \
      }                                                                                                                 \
      const double n = (double)length;                                                                                  \
      ctk_norm_input_gradient_##S(length, span, g, x, w, mean, rstd, (T)(sumG / n), (T)(sumGX * rstd * rstd / n), dx); \
    }                                                                                                                   \
    if (!dw && !db) return;                                                                                             \
    if (span == 1) {                                                                                                    \
      ctk_element_parameter_gradients_##S(length, g, x, mean, rstd, dw, db);                                            \
      return;                                                                                                           \
    }                                                                                                                   \
    for (int64_t s = 0; s < length; s += span) {                                                                        \
      double a, c;                                                                                                      \
      ctk_row_gradient_sums_##S(span, g + s, x + s, NULL, mean, &a, &c);                                                \
      if (dw) dw[s / span] += (T)(c * rstd);                                                                            \
      if (db) db[s / span] += (T)a;                                                                                     \
    }                                                                                                                   \
  }

NORM_ROW(float, f32)
NORM_ROW(double, f64)
