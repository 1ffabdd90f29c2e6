// Image resizing (F.interpolate, nearest and bilinear) of one plane, with the source rows and
// columns and their weights computed by the caller (PyTorch's rules). Nearest matches PyTorch's
// CPU kernels bit for bit, forward and backward (sources summed in output order). Bilinear
// follows their formula, (x[lr][lc]·w0 + x[lr][hc]·w1)·h0 + (x[hr][lc]·w0 + x[hr][hc]·w1)·h1, and
// the backward adds each output's (h·w)·g into its sources in output order; PyTorch's
// vectorized float kernels round differently in the last bit (measured: at most 6e-8 on
// values in [0, 1)).
#include "Internal.h"

#pragma STDC FP_CONTRACT OFF

#define RESIZE(T, NAME)                                                                                              \
  void NAME(const T *x, int64_t W, const int64_t *rowLow, const int64_t *rowHigh, const T *h0, const T *h1, int64_t oh, \
            const int64_t *colLow, const int64_t *colHigh, const T *w0, const T *w1, int64_t ow, int nearest, T *out) {  \
    for (int64_t i = 0; i < oh; i++) {                                                                                 \
      const T *top = x + rowLow[i] * W, *bottom = x + rowHigh[i] * W;                                                  \
      T *row = out + i * ow;                                                                                           \
      if (nearest) {                                                                                                   \
        for (int64_t j = 0; j < ow; j++) row[j] = top[colLow[j]];                                                      \
        continue;                                                                                                      \
      }                                                                                                                \
      for (int64_t j = 0; j < ow; j++) {                                                                               \
        T upper = top[colLow[j]] * w0[j] + top[colHigh[j]] * w1[j];                                                    \
        T lower = bottom[colLow[j]] * w0[j] + bottom[colHigh[j]] * w1[j];                                              \
        row[j] = upper * h0[i] + lower * h1[i];                                                                        \
      }                                                                                                                \
    }                                                                                                                  \
  }

#define RESIZE_BACKWARD(T, NAME)                                                                                     \
  void NAME(const T *g, int64_t H, int64_t W, const int64_t *rowLow, const int64_t *rowHigh, const T *h0, const T *h1, \
            int64_t oh, const int64_t *colLow, const int64_t *colHigh, const T *w0, const T *w1, int64_t ow, int nearest, \
            T *gx) {                                                                                                   \
    for (int64_t k = 0; k < H * W; k++) gx[k] = 0;                                                                     \
    for (int64_t i = 0; i < oh; i++) {                                                                                 \
      T *top = gx + rowLow[i] * W, *bottom = gx + rowHigh[i] * W;                                                      \
      const T *row = g + i * ow;                                                                                       \
      for (int64_t j = 0; j < ow; j++) {                                                                               \
        if (nearest) {                                                                                                 \
          top[colLow[j]] += row[j];                                                                                    \
          continue;                                                                                                    \
        }                                                                                                              \
        top[colLow[j]] += h0[i] * w0[j] * row[j];                                                                      \
        top[colHigh[j]] += h0[i] * w1[j] * row[j];                                                                     \
        bottom[colLow[j]] += h1[i] * w0[j] * row[j];                                                                   \
        bottom[colHigh[j]] += h1[i] * w1[j] * row[j];                                                                  \
      }                                                                                                                \
    }                                                                                                                  \
  }

RESIZE(float, ctk_resize2d_f32)
RESIZE(double, ctk_resize2d_f64)
RESIZE_BACKWARD(float, ctk_resize2d_backward_f32)
RESIZE_BACKWARD(double, ctk_resize2d_backward_f64)
