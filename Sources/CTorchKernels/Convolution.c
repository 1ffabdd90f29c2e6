// im2col and col2im: the sliding windows of one image plane as matrix rows, and back.
// Convolution runs as these plus the packed GEMM; pooling reads the same columns.
#include "Internal.h"

// One channel plane [H, W] to kh*kw rows of length oh*ow (row stride `rs`): row (ki, kj) holds
// the input under kernel tap (ki, kj) for every output position, `pad` where it falls in the padding.
#define IM2COL_BODY(T)                                                                      \
  {                                                                                         \
    for (int64_t ki = 0; ki < kh; ki++)                                                     \
      for (int64_t kj = 0; kj < kw; kj++) {                                                 \
        T *row = cols + (ki * kw + kj) * rs;                                                \
        for (int64_t oy = 0; oy < oh; oy++) {                                               \
          T *dst = row + oy * ow;                                                           \
          const int64_t iy = oy * sh - ph + ki * dh;                                        \
          if (iy < 0 || iy >= H) {                                                          \
            for (int64_t ox = 0; ox < ow; ox++) dst[ox] = pad;                                \
            continue;                                                                       \
          }                                                                                 \
          const T *src = plane + iy * W;                                                    \
          const int64_t x0 = kj * dw - pw;                                                  \
          if (sw == 1) {                                                                    \
            int64_t lo = x0 < 0 ? -x0 : 0, hi = W - x0 < ow ? W - x0 : ow;                  \
            if (hi < lo) hi = lo;                                                           \
            for (int64_t ox = 0; ox < lo; ox++) dst[ox] = pad;                                \
            for (int64_t ox = lo; ox < hi; ox++) dst[ox] = src[x0 + ox];                    \
            for (int64_t ox = hi; ox < ow; ox++) dst[ox] = pad;                               \
          } else {                                                                          \
            for (int64_t ox = 0; ox < ow; ox++) {                                           \
              const int64_t ix = x0 + ox * sw;                                              \
              dst[ox] = (ix >= 0 && ix < W) ? src[ix] : pad;                                  \
            }                                                                               \
          }                                                                                 \
        }                                                                                   \
      }                                                                                     \
  }

// The adjoint: adds each row entry back at the input position it was read from.
#define COL2IM_BODY(T)                                                                      \
  {                                                                                         \
    for (int64_t ki = 0; ki < kh; ki++)                                                     \
      for (int64_t kj = 0; kj < kw; kj++) {                                                 \
        const T *row = cols + (ki * kw + kj) * rs;                                          \
        for (int64_t oy = 0; oy < oh; oy++) {                                               \
          const int64_t iy = oy * sh - ph + ki * dh;                                        \
          if (iy < 0 || iy >= H) continue;                                                  \
          const T *src = row + oy * ow;                                                     \
          T *dst = plane + iy * W;                                                          \
          const int64_t x0 = kj * dw - pw;                                                  \
          if (sw == 1) {                                                                    \
            int64_t lo = x0 < 0 ? -x0 : 0, hi = W - x0 < ow ? W - x0 : ow;                  \
            for (int64_t ox = lo; ox < hi; ox++) dst[x0 + ox] += src[ox];                   \
          } else {                                                                          \
            for (int64_t ox = 0; ox < ow; ox++) {                                           \
              const int64_t ix = x0 + ox * sw;                                              \
              if (ix >= 0 && ix < W) dst[ix] += src[ox];                                    \
            }                                                                               \
          }                                                                                 \
        }                                                                                   \
      }                                                                                     \
  }

#define WINDOW_PARAMS int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t ph, int64_t pw, \
  int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t oh, int64_t ow
#define WINDOW_ARGS H, W, kh, kw, ph, pw, sh, sw, dh, dw, oh, ow

CTK_DEFINE(im2col_f32, (const float *plane, WINDOW_PARAMS, float pad, float *cols, int64_t rs),
           (plane, WINDOW_ARGS, pad, cols, rs), IM2COL_BODY(float))
CTK_DEFINE(im2col_f64, (const double *plane, WINDOW_PARAMS, double pad, double *cols, int64_t rs),
           (plane, WINDOW_ARGS, pad, cols, rs), IM2COL_BODY(double))
CTK_DEFINE(col2im_f32, (const float *cols, int64_t rs, WINDOW_PARAMS, float *plane),
           (cols, rs, WINDOW_ARGS, plane), COL2IM_BODY(float))
CTK_DEFINE(col2im_f64, (const double *cols, int64_t rs, WINDOW_PARAMS, double *plane),
           (cols, rs, WINDOW_ARGS, plane), COL2IM_BODY(double))
