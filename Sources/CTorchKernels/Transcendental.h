// Float32 exp, sigmoid and tanh written without branches or libm calls, so that a loop calling
// them vectorizes. The float32 sigmoid and tanh kernels (Elementwise.c) and the fused recurrent
// cells (Recurrent.c) share them, so a tensor op and a fused cell give the same bits.
#ifndef CTK_TRANSCENDENTAL_H
#define CTK_TRANSCENDENTAL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float ctk_bits_to_float(uint32_t bits) {
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

/// e^x as 2^n · p(r), r = x − n·ln 2 in [−ln2/2, ln2/2], p the degree-7 Taylor polynomial
/// (truncation below 1e-8), 2^n applied as two normal factors so results near overflow and in
/// the subnormal range round once; +inf above ln(FLT_MAX), 0 below −104, NaN kept. The sigmoid
/// and tanh built on it are within 2 ulp of the correctly rounded values (KernelTests).
static inline float ctk_vexp(float x) {
  const float high = 88.72283935546875f, low = -104.0f;
  float clamped = x > high ? high : (x < low ? low : x);
  // Round to nearest by the 1.5·2^23 trick (exact for |v| < 2^22), without a libm call.
  float n = (clamped * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = (clamped - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = (float)(1.0 / 5040);
  p = p * r + (float)(1.0 / 720);
  p = p * r + (float)(1.0 / 120);
  p = p * r + (float)(1.0 / 24);
  p = p * r + (float)(1.0 / 6);
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t k = (int32_t)n, half = k / 2;
  float value = p * ctk_bits_to_float((uint32_t)(half + 127) << 23) * ctk_bits_to_float((uint32_t)(k - half + 127) << 23);
  value = x > high ? INFINITY : value;
  value = x < low ? 0.0f : value;
  return x != x ? x : value;
}

static inline float ctk_vsigmoid(float x) { return 1.0f / (1.0f + ctk_vexp(-x)); }

/// tanh: below |x| = 0.4 its odd Taylor series to x^15 (truncation below 1e-8 relative), above
/// it 1 − 2/(e^{2|x|} + 1) with |x| capped at 9.1 (from about 9.01 on, tanh rounds to 1), the
/// sign restored.
static inline float ctk_vtanh(float x) {
  float a = x < 0 ? -x : x;
  float s = a * a;
  float q = (float)(-929569.0 / 638512875);
  q = q * s + (float)(21844.0 / 6081075);
  q = q * s + (float)(-1382.0 / 155925);
  q = q * s + (float)(62.0 / 2835);
  q = q * s + (float)(-17.0 / 315);
  q = q * s + (float)(2.0 / 15);
  q = q * s + (float)(-1.0 / 3);
  float series = a + a * s * q;
  float capped = a > 9.1f ? 9.1f : a;
  float large = 1.0f - 2.0f / (ctk_vexp(2.0f * capped) + 1.0f);
  float t = a < 0.4f ? series : large;
  t = x < 0 ? -t : t;
  return x != x ? x : t;
}

#endif
