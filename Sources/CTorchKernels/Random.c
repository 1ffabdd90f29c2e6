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

/// Word i's successor from itself, word i + 1 and word i + M (mt19937's recurrence).
#define MT_MIX(a, b, c) ((c) ^ ((((a) & 0x80000000u) | ((b) & 0x7FFFFFFFu)) >> 1) ^ ((0u - ((b) & 1u)) & 0x9908B0DFu))

/// The whole state's twist without wrapping indices: the first N - M words read words not yet
/// twisted, the next ones the new words N - M back, the last one the new first word. With the
/// words drawn one at a time and indices wrapped by `% N`, a Transformer encoder's dropout
/// masks took 27% of its training step on one thread; twisted and tempered in blocks, 4%.
CTK_DEFINE(mt_twist, (uint32_t *s), (s), {
  for (int i = 0; i < MT_N - MT_M; i++) s[i] = MT_MIX(s[i], s[i + 1], s[i + MT_M]);
  for (int i = MT_N - MT_M; i < MT_N - 1; i++) s[i] = MT_MIX(s[i], s[i + 1], s[i + MT_M - MT_N]);
  s[MT_N - 1] = MT_MIX(s[MT_N - 1], s[0], s[MT_M - 1]);
})

/// A state word as the generator outputs it.
static inline uint32_t temper(uint32_t y) {
  y ^= y >> 11;
  y ^= (y << 7) & 0x9D2C5680u;
  y ^= (y << 15) & 0xEFC60000u;
  return y ^ (y >> 18);
}

/// Tempers n state words into out.
CTK_DEFINE(mt_temper, (const uint32_t *state, uint32_t *out, int64_t n), (state, out, n), {
  for (int64_t i = 0; i < n; i++) out[i] = temper(state[i]);
})

static void twist(CTKMT19937 *mt) {
  ctk_mt_twist(mt->state);
  mt->index = 0;
  mt->fresh = 0;
}

/// The next n tempered words, as n calls of ctk_mt_next give them.
static void nextWords(CTKMT19937 *mt, uint32_t *out, int64_t n) {
  while (n > 0) {
    if (mt->index >= MT_N) twist(mt);
    const int64_t take = MT_N - mt->index < n ? MT_N - mt->index : n;
    ctk_mt_temper(mt->state + mt->index, out, take);
    mt->index += (int32_t)take;
    out += take;
    n -= take;
  }
}

uint32_t ctk_mt_next(CTKMT19937 *mt) {
  if (mt->index >= MT_N) twist(mt);
  return temper(mt->state[mt->index++]);
}

/// 53 random bits from two words (the first is the high word).
static inline uint64_t bits53(uint32_t high, uint32_t low) { return ((uint64_t)(high & 0x1FFFFFu) << 32) | low; }

/// Words are drawn in blocks of this many elements' worth (on the stack).
enum { FILL_BLOCK = 512 };

/// Draws the words of the next block of the `left` elements still to fill (`perElement` words
/// each) into `words`; returns how many elements the block holds.
static int64_t nextBlock(CTKMT19937 *mt, uint32_t *words, int64_t left, int perElement) {
  const int64_t m = left < FILL_BLOCK ? left : FILL_BLOCK;
  nextWords(mt, words, perElement * m);
  return m;
}

void ctk_uniform_fill_f32(CTKMT19937 *mt, float *out, int64_t n, float from, float to) {
  const double span = (double)to - (double)from, start = from;
  uint32_t words[FILL_BLOCK];
  for (int64_t i = 0, m; i < n; i += m) {
    m = nextBlock(mt, words, n - i, 1);
    for (int64_t j = 0; j < m; j++) {
      double x = (double)(words[j] & 0xFFFFFF) / (double)(1 << 24);
      out[i + j] = (float)(x * span + start);
    }
  }
}

void ctk_uniform_fill_f64(CTKMT19937 *mt, double *out, int64_t n, double from, double to) {
  uint32_t words[2 * FILL_BLOCK];
  for (int64_t i = 0, m; i < n; i += m) {
    m = nextBlock(mt, words, n - i, 2);
    for (int64_t j = 0; j < m; j++) out[i + j] = (double)bits53(words[2 * j], words[2 * j + 1]) / (double)(1ull << 53) * (to - from) + from;
  }
}

/// A 53-bit draw x is below p as a double (x / 2^53, exact) iff x < ceil(p * 2^53): the
/// Bernoulli fills compare integers.
static uint64_t bernoulliThreshold(double p) {
  if (!(p > 0)) return 0;
  if (p >= 1) return 1ull << 53;
  return (uint64_t)ceil(p * (double)(1ull << 53));
}

CTK_DEFINE(bernoulli_words_f32, (const uint32_t *words, float *out, int64_t n, uint64_t threshold, float one),
           (words, out, n, threshold, one), {
  for (int64_t j = 0; j < n; j++) out[j] = bits53(words[2 * j], words[2 * j + 1]) < threshold ? one : 0.0f;
})

void ctk_bernoulli_fill_f32(CTKMT19937 *mt, float *out, int64_t n, double p, float one) {
  const uint64_t threshold = bernoulliThreshold(p);
  uint32_t words[2 * FILL_BLOCK];
  for (int64_t i = 0, m; i < n; i += m) {
    m = nextBlock(mt, words, n - i, 2);
    ctk_bernoulli_words_f32(words, out + i, m, threshold, one);
  }
}

void ctk_bernoulli_fill_f64(CTKMT19937 *mt, double *out, int64_t n, double p, double one) {
  const uint64_t threshold = bernoulliThreshold(p);
  uint32_t words[2 * FILL_BLOCK];
  for (int64_t i = 0, m; i < n; i += m) {
    m = nextBlock(mt, words, n - i, 2);
    for (int64_t j = 0; j < m; j++) out[i + j] = bits53(words[2 * j], words[2 * j + 1]) < threshold ? one : 0.0;
  }
}
