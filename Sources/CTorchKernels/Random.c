// PyTorch's CPU generator (mt19937) and the uniform and Bernoulli fills drawn from it, in C so
// that filling a large tensor (a model's initialization) runs at memory speed in any build.
#include "Internal.h"

enum { MT_N = 624, MT_M = 397 };

void ctk_mt_seed(CTKMT19937 *mt, uint64_t seed) {
  mt->state[0] = (uint32_t)seed;
  for (int i = 1; i < MT_N; i++) {
    uint32_t previous = mt->state[i - 1];
    mt->state[i] = 1812433253u * (previous ^ (previous >> 30)) + (uint32_t)i;
  }
  mt->index = MT_N;
  mt->fresh = 1;
}

static void twist(CTKMT19937 *mt) {
  uint32_t *s = mt->state;
  for (int i = 0; i < MT_N; i++) {
    uint32_t y = (s[i] & 0x80000000u) | (s[(i + 1) % MT_N] & 0x7FFFFFFFu);
    uint32_t value = s[(i + MT_M) % MT_N] ^ (y >> 1);
    if (y & 1) value ^= 0x9908B0DFu;
    s[i] = value;
  }
  mt->index = 0;
  mt->fresh = 0;
}

uint32_t ctk_mt_next(CTKMT19937 *mt) {
  if (mt->index >= MT_N) twist(mt);
  uint32_t y = mt->state[mt->index++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9D2C5680u;
  y ^= (y << 15) & 0xEFC60000u;
  y ^= y >> 18;
  return y;
}

/// 53 random bits from two draws (the first is the high word), as a double in [0, 1).
static double uniform53(CTKMT19937 *mt) {
  uint64_t high = ctk_mt_next(mt), low = ctk_mt_next(mt);
  return (double)(((high << 32) | low) & ((1ull << 53) - 1)) / (double)(1ull << 53);
}

void ctk_uniform_fill_f32(CTKMT19937 *mt, float *out, int64_t n, float from, float to) {
  const double span = (double)to - (double)from, start = from;
  for (int64_t i = 0; i < n; i++) {
    double x = (double)(ctk_mt_next(mt) & 0xFFFFFF) / (double)(1 << 24);
    out[i] = (float)(x * span + start);
  }
}

void ctk_uniform_fill_f64(CTKMT19937 *mt, double *out, int64_t n, double from, double to) {
  for (int64_t i = 0; i < n; i++) out[i] = uniform53(mt) * (to - from) + from;
}

void ctk_bernoulli_fill_f32(CTKMT19937 *mt, float *out, int64_t n, double p) {
  for (int64_t i = 0; i < n; i++) out[i] = uniform53(mt) < p ? 1.0f : 0.0f;
}

void ctk_bernoulli_fill_f64(CTKMT19937 *mt, double *out, int64_t n, double p) {
  for (int64_t i = 0; i < n; i++) out[i] = uniform53(mt) < p ? 1.0 : 0.0;
}
