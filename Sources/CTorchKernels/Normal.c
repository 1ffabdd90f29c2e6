// The float32 normal transform of PyTorch's AVX2 CPU kernel (normal_fill_16_AVX2), written
// lane by lane so every CPU produces the same bits. Its log and sincos are the Cephes
// polynomials of avx_mathfun; GCC fuses their multiply-adds, so fmaf appears where it does.
#include "Internal.h"

#include <stdint.h>

static inline __attribute__((always_inline)) float bitsToFloat(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline __attribute__((always_inline)) uint32_t floatToBits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static inline __attribute__((always_inline)) float cephesLog(float x) {
  if (!(x > 0)) return x == 0 ? -INFINITY : NAN;
  x = x < 1.17549435e-38f ? 1.17549435e-38f : x;
  int32_t exponent = (int32_t)(floatToBits(x) >> 23);
  x = bitsToFloat((floatToBits(x) & ~0x7f800000u) | floatToBits(0.5f));
  float e = (float)(exponent - 0x7f) + 1.0f;
  float tmp = 0;
  if (x < 0.707106781186547524f) { tmp = x; e -= 1.0f; }
  x = x - 1.0f;
  x = x + tmp;
  float z = x * x;
  float y = 7.0376836292E-2f;
  y = fmaf(y, x, -1.1514610310E-1f);
  y = fmaf(y, x, 1.1676998740E-1f);
  y = fmaf(y, x, -1.2420140846E-1f);
  y = fmaf(y, x, 1.4249322787E-1f);
  y = fmaf(y, x, -1.6668057665E-1f);
  y = fmaf(y, x, 2.0000714765E-1f);
  y = fmaf(y, x, -2.4999993993E-1f);
  y = fmaf(y, x, 3.3333331174E-1f);
  y = y * x;
  y = fmaf(y, z, e * -2.12194440e-4f);
  y = fmaf(-z, 0.5f, y);
  x = x + y;
  x = fmaf(e, 0.693359375f, x);
  return x;
}

static inline __attribute__((always_inline)) void cephesSinCos(float x, float *sinOut, float *cosOut) {
  uint32_t signSin = floatToBits(x) & 0x80000000u;
  x = fabsf(x);
  float y = x * 1.27323954473516f;
  int32_t j = (int32_t)y;
  j = (j + 1) & ~1;
  y = (float)j;
  uint32_t swapSign = (uint32_t)(j & 4) << 29;
  int polyIsSin = (j & 2) == 0;
  x = fmaf(y, -0.78515625f, x);
  x = fmaf(y, -2.4187564849853515625e-4f, x);
  x = fmaf(y, -3.77489497744594108e-8f, x);
  uint32_t signCos = (uint32_t)(~(j - 2) & 4) << 29;
  signSin ^= swapSign;
  float z = x * x;
  float c = 2.443315711809948E-005f;
  c = fmaf(c, z, -1.388731625493765E-003f);
  c = fmaf(c, z, 4.166664568298827E-002f);
  c = c * z;
  c = fmaf(c, z, -(z * 0.5f));
  c = c + 1.0f;
  float s = -1.9515295891E-4f;
  s = fmaf(s, z, 8.3321608736E-3f);
  s = fmaf(s, z, -1.6666654611E-1f);
  s = s * z;
  s = fmaf(s, x, x);
  float sinValue = polyIsSin ? s : c, cosValue = polyIsSin ? c : s;
  *sinOut = bitsToFloat(floatToBits(sinValue) ^ signSin);
  *cosOut = bitsToFloat(floatToBits(cosValue) ^ signCos);
}

// One body, compiled twice: under the AVX2+FMA target fmaf is an instruction, elsewhere a
// library call; both are fused, so both paths give the same bits.
#define NORMAL_FILL_16_BODY                                                   \
  {                                                                           \
    const float twoPi = 2.0f * (float)M_PI;                                   \
    for (int j = 0; j < 8; j++) {                                             \
      float u1 = 1.0f - data[j], u2 = data[j + 8];                            \
      float radius = sqrtf(-2.0f * cephesLog(u1));                            \
      float theta = twoPi * u2, sine, cosine;                                 \
      cephesSinCos(theta, &sine, &cosine);                                    \
      data[j] = fmaf(radius * cosine, std, mean);                             \
      data[j + 8] = fmaf(radius * sine, std, mean);                           \
    }                                                                         \
  }

CTK_DEFINE(normal_fill_16_f32, (float *data, float mean, float std), (data, mean, std), NORMAL_FILL_16_BODY)
