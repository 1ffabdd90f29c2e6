// Float32 exp and tanh for vector loops.
//
// `ctk_expf8`: glibc's expf (2.36, its FMA variant) eight lanes at a time, bit for bit: the
// same double-precision steps (k = round(x·32/ln2), r = x·32/ln2 − k, 2^(k/32) from a 32-entry
// table, a cubic in r), so exp, softmax, sigmoid and SiLU keep the results libm's scalar calls
// gave. Lanes outside its fast range (|x| ≥ 88, NaN, ±∞) take libm's expf itself.
//
// `ctk_vexp` / `ctk_vtanh`: branch-free float forms (within 2 ulp) for loops the compiler
// vectorizes: tanh (where libm's tanhf was a scalar call) and the fused recurrent cells.
//
// `ctk_logf8`: glibc's logf (2.36, its FMA variant) eight lanes at a time, bit for bit: the same
// double-precision steps (x = 2^k·z with z near a 16-entry table's c, log(x) = k·ln2 + log c +
// log1p(z/c − 1) by a cubic), its table and constants read from libm's disassembly and data;
// lanes outside its fast path (zero, subnormal, negative, ±∞, NaN) take libm's logf itself.
//
// `ctk_log1pf8`: log(1 + x) of eight floats in doubles, rounded once (within 1 ulp): 2·atanh(s)
// by its odd series, s = x/(2 + x) near 0 (so tiny x keep every bit) and s = (m − 1)/(m + 1)
// for 1 + x = 2^k·m elsewhere, m in [√½, √2), where 1 + x is exact in double; lanes at or below
// −1, ±∞ and NaN take libm's log1pf.
//
// `ctk_expm1f8`: e^x − 1 of eight floats in doubles, rounded once (within 1 ulp): a Taylor
// polynomial near 0, the exp above less 1 elsewhere.
//
// `ctk_erff8`: erf of eight floats, evaluated in doubles (two polynomial pieces and the exp
// above) and rounded once: within 1 ulp of the correctly rounded value, where libm's erff was a
// scalar call per element (GELU's cost).
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
/// the subnormal range round once; +inf above ln(FLT_MAX), 0 below −104, NaN kept. The tanh
/// built on it is within 2 ulp of the correctly rounded values (KernelTests).
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

#if CTK_X86
#include <immintrin.h>

/// `f` of each of eight lanes through libm: the lanes a vector form leaves to it.
CTK_AVX2 static inline __attribute__((always_inline)) __m256 ctk_each_lane(__m256 x, float (*f)(float)) {
  float lanes[8];
  _mm256_storeu_ps(lanes, x);
  for (int l = 0; l < 8; l++) lanes[l] = f(lanes[l]);
  return _mm256_loadu_ps(lanes);
}

/// `f4`, a function of four doubles, over eight floats: widened, then each result rounded once.
CTK_AVX2 static inline __attribute__((always_inline)) __m256 ctk_in_doubles(__m256 x, __m256d (*f4)(__m256d)) {
  __m128 low = _mm256_cvtpd_ps(f4(_mm256_cvtps_pd(_mm256_castps256_ps128(x))));
  __m128 high = _mm256_cvtpd_ps(f4(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1))));
  return _mm256_insertf128_ps(_mm256_castps128_ps256(low), high, 1);
}

/// 2^(i/32) for i in 0..<32 as bits, less i << 47 (so adding k << 47 for k ≡ i mod 32 gives
/// 2^(k/32)): the correctly rounded powers, the table glibc's expf reads.
static const uint64_t ctk_exp2_32ths[32] = {
  0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51, 0x3fef72b83c7d517b, 0x3fef54873168b9aa,
  0x3fef387a6e756238, 0x3fef1e9df51fdee1, 0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
  0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585, 0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74,
  0x3feea11473eb0187, 0x3feea589994cce13, 0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
  0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069, 0x3fef5818dcfba487, 0x3fef7c97337b9b5f,
  0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
};

/// glibc's fast path on four doubles (x already converted from float): the result before
/// its rounding to float.
CTK_AVX2 static inline __m256d ctk_exp4_double(__m256d x) {
  const __m256d invLn2N = _mm256_castsi256_pd(_mm256_set1_epi64x(0x40471547652b82fe));  // 32/ln 2
  const __m256d shift = _mm256_castsi256_pd(_mm256_set1_epi64x(0x4338000000000000));    // 1.5·2^52
  const __m256d c0 = _mm256_castsi256_pd(_mm256_set1_epi64x(0x3ebc6af84b912394));       // ≈ (ln2/32)³/6
  const __m256d c1 = _mm256_castsi256_pd(_mm256_set1_epi64x(0x3f2ebfce50fac4f3));       // ≈ (ln2/32)²/2
  const __m256d c2 = _mm256_castsi256_pd(_mm256_set1_epi64x(0x3f962e42ff0c52d6));       // ≈ ln2/32
  __m256d kd = _mm256_fmadd_pd(invLn2N, x, shift);
  __m256i ki = _mm256_castpd_si256(kd);
  kd = _mm256_sub_pd(kd, shift);
  __m256d r = _mm256_fmsub_pd(invLn2N, x, kd);
  __m256i t = _mm256_i64gather_epi64((const long long *)ctk_exp2_32ths, _mm256_and_si256(ki, _mm256_set1_epi64x(31)), 8);
  __m256d s = _mm256_castsi256_pd(_mm256_add_epi64(t, _mm256_slli_epi64(ki, 47)));
  __m256d z = _mm256_fmadd_pd(r, c0, c1);
  __m256d r2 = _mm256_mul_pd(r, r);
  __m256d y = _mm256_fmadd_pd(r, c2, _mm256_set1_pd(1.0));
  y = _mm256_fmadd_pd(z, r2, y);
  return _mm256_mul_pd(y, s);
}

// From scripts/generate_erf_coefficients.py, highest degree first.
// erf(u)/u in u^2 on [0, 1], degree 7: relative error 3.7e-11
static const double ctk_erf_small[8] = {-0x1.449783bb3904ap-17, 0x1.d89ff4b08b429p-14, -0x1.bcd3a49b54532p-11, 0x1.562abda913b8bp-8,
                                        -0x1.b829d0bbfc0c4p-6, 0x1.ce2f0955e91fep-4, -0x1.81274666d3800p-2, 0x1.20dd750405436p+0};
// erfc(a)·exp(a^2) in w = (2a - 5)/3 on a in [1, 4], degree 14: relative error 2.4e-10
static const double ctk_erf_large[15] = {
  0x1.e6ad4a184bc99p-20, -0x1.5372dbd4d3ce6p-18, 0x1.f58a836fca8bdp-18, -0x1.57c2565d60461p-16, 0x1.0b0fb063f297ep-14,
  -0x1.58f9e58d83984p-13, 0x1.ac67c2fba1ca6p-12, -0x1.07663656eeb71p-10, 0x1.3b1199d99a036p-9, -0x1.6d18adafc9846p-8,
  0x1.9940512dc756bp-7, -0x1.ba745613d58e4p-6, 0x1.cba83c3bb31e2p-5, -0x1.c8ca440ef2a2cp-4, 0x1.afbb3f3b39ef7p-3};

/// The polynomial `c` (`count` coefficients, highest degree first) at x, by Horner's rule.
CTK_AVX2 static inline __m256d ctk_horner4(const double *c, int count, __m256d x) {
  __m256d p = _mm256_set1_pd(c[0]);
  for (int i = 1; i < count; i++) p = _mm256_fmadd_pd(p, x, _mm256_set1_pd(c[i]));
  return p;
}

/// erf's first piece, u·P(u²), on four doubles: erf itself where |u| < 1.
CTK_AVX2 static inline __m256d ctk_erf_small4_double(__m256d u) {
  return _mm256_mul_pd(u, ctk_horner4(ctk_erf_small, 8, _mm256_mul_pd(u, u)));
}

/// erf of four doubles: u·P(u²) below |u| = 1, ±(1 − e^(−u²)·Q(w)) below 4, ±1 above; NaN kept.
CTK_AVX2 static inline __m256d ctk_erf4_double(__m256d u) {
  const __m256d sign = _mm256_set1_pd(-0.0), one = _mm256_set1_pd(1.0), four = _mm256_set1_pd(4.0);
  __m256d a = _mm256_andnot_pd(sign, u), t = _mm256_mul_pd(u, u);
  __m256d small = ctk_erf_small4_double(u);
  __m256d w = _mm256_fmsub_pd(a, _mm256_set1_pd(2.0 / 3), _mm256_set1_pd(5.0 / 3));
  // e^(−u²) with u² capped at 16: lanes past 4 take ±1 below, and the cap keeps exp's exponent sane.
  __m256d decay = ctk_exp4_double(_mm256_xor_pd(_mm256_min_pd(t, _mm256_set1_pd(16.0)), sign));
  __m256d large = _mm256_fnmadd_pd(decay, ctk_horner4(ctk_erf_large, 15, w), one);
  __m256d signOfU = _mm256_and_pd(u, sign);
  __m256d result = _mm256_blendv_pd(_mm256_or_pd(one, signOfU), _mm256_or_pd(large, signOfU), _mm256_cmp_pd(a, four, _CMP_LT_OQ));
  result = _mm256_blendv_pd(result, small, _mm256_cmp_pd(a, one, _CMP_LT_OQ));
  return _mm256_blendv_pd(result, u, _mm256_cmp_pd(u, u, _CMP_UNORD_Q));
}

/// erf of eight floats (see above).
CTK_AVX2 static inline __m256 ctk_erff8(__m256 x) { return ctk_in_doubles(x, ctk_erf4_double); }

/// Floats at a time `ctk_erf_blocks` takes.
enum { CTK_ERF_CHUNK = 256 };

/// erf of `n8` floats (a multiple of 8, at most CTK_ERF_CHUNK), each lane exactly as ctk_erff8
/// computes it, without computing both pieces for every lane: a block of eight whose lanes are
/// mostly at or past |u| = 1 (or NaN) takes ctk_erff8; any other block takes the first piece,
/// all that its lanes below 1 need, and its other lanes are then computed whole four at a time,
/// gathered by index. On inputs mostly below 1 (GELU's x/√2 for |x| < √2) that is a fraction
/// of the work; on inputs mostly past it, about the same.
CTK_AVX2 static inline void ctk_erf_blocks(int64_t n8, const float *u, float *out) {
  int32_t whole[CTK_ERF_CHUNK];
  int count = 0;
  const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
  for (int64_t i = 0; i < n8; i += 8) {
    const __m256 v = _mm256_loadu_ps(u + i);
    unsigned past = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, v), one, _CMP_NLT_UQ));
    if (__builtin_popcount(past) > 4) {
      _mm256_storeu_ps(out + i, ctk_erff8(v));
      continue;
    }
    _mm256_storeu_ps(out + i, ctk_in_doubles(v, ctk_erf_small4_double));
    for (; past; past &= past - 1) whole[count++] = (int32_t)i + __builtin_ctz(past);
  }
  for (int k = 0; k < count; k += 4) {
    int32_t lane[4];
    for (int j = 0; j < 4; j++) lane[j] = whole[k + j < count ? k + j : count - 1];
    float results[4];
    _mm_storeu_ps(results, _mm256_cvtpd_ps(ctk_erf4_double(_mm256_setr_pd(u[lane[0]], u[lane[1]], u[lane[2]], u[lane[3]]))));
    for (int j = 0; j < 4 && k + j < count; j++) out[lane[j]] = results[j];
  }
}

/// glibc's logf table: 1/c and log(c) for each of 16 subintervals of [0x3f330000, 2·that) in
/// float bits, interleaved, as its data holds them.
static const uint64_t ctk_logf_table[32] = {
  0x3ff661ec79f8f3be, 0xbfd57bf7808caade, 0x3ff571ed4aaf883d, 0xbfd2bef0a7c06ddb, 0x3ff49539f0f010b0, 0xbfd01eae7f513a67,
  0x3ff3c995b0b80385, 0xbfcb31d8a68224e9, 0x3ff30d190c8864a5, 0xbfc6574f0ac07758, 0x3ff25e227b0b8ea0, 0xbfc1aa2bc79c8100,
  0x3ff1bb4a4a1a343f, 0xbfba4e76ce8c0e5e, 0x3ff12358f08ae5ba, 0xbfb1973c5a611ccc, 0x3ff0953f419900a7, 0xbfa252f438e10c1e,
  0x3ff0000000000000, 0x0000000000000000, 0x3fee608cfd9a47ac, 0x3faaa5aa5df25984, 0x3feca4b31f026aa0, 0x3fbc5e53aa362eb4,
  0x3feb2036576afce6, 0x3fc526e57720db08, 0x3fe9c2d163a1aa2d, 0x3fcbc2860d224770, 0x3fe886e6037841ed, 0x3fd1058bc8a07ee1,
  0x3fe767dcf5534862, 0x3fd4043057b6ee09,
};

/// glibc's fast path on four lanes: z (as float bits widened), k and the table index i.
CTK_AVX2 static inline __m256d ctk_log4_double(__m128 z, __m128i k, __m128i i) {
  const double *table = (const double *)ctk_logf_table;
  const __m256d ln2 = _mm256_castsi256_pd(_mm256_set1_epi64x(0x3fe62e42fefa39ef));
  const __m256d a0 = _mm256_castsi256_pd(_mm256_set1_epi64x((long long)0xbfd00ea348b88334ull));
  const __m256d a1 = _mm256_castsi256_pd(_mm256_set1_epi64x(0x3fd5575b0be00b6a));
  const __m256d a2 = _mm256_castsi256_pd(_mm256_set1_epi64x((long long)0xbfdffffef20a4123ull));
  __m128i twice = _mm_slli_epi32(i, 1);
  __m256d invc = _mm256_i32gather_pd(table, twice, 8), logc = _mm256_i32gather_pd(table + 1, twice, 8);
  __m256d r = _mm256_fmadd_pd(_mm256_cvtps_pd(z), invc, _mm256_set1_pd(-1.0));
  __m256d y0 = _mm256_fmadd_pd(_mm256_cvtepi32_pd(k), ln2, logc);
  __m256d y = _mm256_fmadd_pd(r, a1, a2), r2 = _mm256_mul_pd(r, r);
  y = _mm256_fmadd_pd(r2, a0, y);
  return _mm256_fmadd_pd(r2, y, _mm256_add_pd(r, y0));
}

/// logf of eight floats, bit for bit glibc's (see above).
CTK_AVX2 static inline __m256 ctk_logf8(__m256 x) {
  __m256i ix = _mm256_castps_si256(x);
  // Positive normal floats (glibc's `ix − 0x00800000 < 0x7f800000 − 0x00800000`, unsigned).
  __m256i offset = _mm256_sub_epi32(ix, _mm256_set1_epi32(0x00800000));
  __m256i outside = _mm256_cmpgt_epi32(_mm256_xor_si256(offset, _mm256_set1_epi32((int)0x80000000)),
                                       _mm256_set1_epi32((int)(0x7effffff ^ 0x80000000)));
  if (!_mm256_testz_si256(outside, outside)) return ctk_each_lane(x, logf);
  __m256i tmp = _mm256_sub_epi32(ix, _mm256_set1_epi32(0x3f330000));
  __m256i i = _mm256_and_si256(_mm256_srli_epi32(tmp, 19), _mm256_set1_epi32(15));
  __m256i k = _mm256_srai_epi32(tmp, 23);
  __m256 z = _mm256_castsi256_ps(_mm256_sub_epi32(ix, _mm256_and_si256(tmp, _mm256_set1_epi32((int)0xff800000))));
  __m128 low = _mm256_cvtpd_ps(ctk_log4_double(_mm256_castps256_ps128(z), _mm256_castsi256_si128(k), _mm256_castsi256_si128(i)));
  __m128 high = _mm256_cvtpd_ps(ctk_log4_double(_mm256_extractf128_ps(z, 1), _mm256_extracti128_si256(k, 1), _mm256_extracti128_si256(i, 1)));
  return _mm256_insertf128_ps(_mm256_castps128_ps256(low), high, 1);
}

/// log(1 + x) of four doubles (x from floats, above −1 and finite; see above).
CTK_AVX2 static inline __m256d ctk_log1p4_double(__m256d x) {
  const __m256d one = _mm256_set1_pd(1.0);
  // Near 0: s = x / (2 + x), k = 0. 1 + x then lies in [√½, √2).
  __m256d near = _mm256_and_pd(_mm256_cmp_pd(x, _mm256_set1_pd(-0.2928932188134524), _CMP_GE_OQ),
                               _mm256_cmp_pd(x, _mm256_set1_pd(0.4142135623730951), _CMP_LT_OQ));
  // Elsewhere 1 + x = 2^k·m (exact: |x| > 0.29 here), k from the bits of (1 + x)/√½.
  __m256d u = _mm256_add_pd(one, x);
  __m256i bits = _mm256_castpd_si256(u);
  __m256i biased = _mm256_add_epi64(_mm256_sub_epi64(bits, _mm256_set1_epi64x(0x3fe6a09e667f3bcd)), _mm256_set1_epi64x(1024ll << 52));
  __m256i k = _mm256_sub_epi64(_mm256_srli_epi64(biased, 52), _mm256_set1_epi64x(1024));
  __m256d m = _mm256_castsi256_pd(_mm256_sub_epi64(bits, _mm256_slli_epi64(k, 52)));
  // k as a double: k + 2^52 + 2^51 in the low bits of that double's bits, less the same.
  const __m256d magic = _mm256_set1_pd(6755399441055744.0);
  __m256d kd = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_add_epi64(k, _mm256_castpd_si256(magic))), magic);
  __m256d numerator = _mm256_blendv_pd(_mm256_sub_pd(m, one), x, near);
  __m256d denominator = _mm256_blendv_pd(_mm256_add_pd(m, one), _mm256_add_pd(_mm256_set1_pd(2.0), x), near);
  kd = _mm256_blendv_pd(kd, _mm256_setzero_pd(), near);
  // 2·atanh(s) = 2s·(1 + s²/3 + s⁴/5 + … + s¹²/13), |s| ≤ 0.172: truncation below 2e-12.
  __m256d sv = _mm256_div_pd(numerator, denominator), t = _mm256_mul_pd(sv, sv);
  __m256d p = _mm256_set1_pd(1.0 / 13);
  p = _mm256_fmadd_pd(p, t, _mm256_set1_pd(1.0 / 11));
  p = _mm256_fmadd_pd(p, t, _mm256_set1_pd(1.0 / 9));
  p = _mm256_fmadd_pd(p, t, _mm256_set1_pd(1.0 / 7));
  p = _mm256_fmadd_pd(p, t, _mm256_set1_pd(1.0 / 5));
  p = _mm256_fmadd_pd(p, t, _mm256_set1_pd(1.0 / 3));
  p = _mm256_fmadd_pd(p, t, one);
  __m256d series = _mm256_mul_pd(_mm256_add_pd(sv, sv), p);
  // Near 0 the series alone (so −0 stays −0).
  __m256d far = _mm256_fmadd_pd(kd, _mm256_castsi256_pd(_mm256_set1_epi64x(0x3fe62e42fefa39ef)), series);
  return _mm256_blendv_pd(far, series, near);
}

/// log1pf of eight floats (see above).
CTK_AVX2 static inline __m256 ctk_log1pf8(__m256 x) {
  // Lanes at or below −1, ±∞ or NaN (not above −1, or equal to ∞) go to log1pf.
  __m256 outside = _mm256_or_ps(_mm256_cmp_ps(x, _mm256_set1_ps(-1.0f), _CMP_NGT_UQ),
                                _mm256_cmp_ps(x, _mm256_set1_ps(INFINITY), _CMP_EQ_OQ));
  return _mm256_testz_ps(outside, outside) ? ctk_in_doubles(x, ctk_log1p4_double) : ctk_each_lane(x, log1pf);
}

/// e^x − 1 of four doubles (x from floats, |x| below expf's overflow): x·(1 + x/2! + … + x¹⁰/11!)
/// where |x| < 0.5 (truncation below 3e-11, and −0 stays −0), e^x − 1 from the exp above
/// elsewhere (|e^x − 1| ≥ 0.39 there, so the difference loses nothing).
CTK_AVX2 static inline __m256d ctk_expm1_4_double(__m256d x) {
  static const double inverseFactorials[11] = {1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720,
                                               1.0 / 120,      1.0 / 24,      1.0 / 6,      0.5,          1.0};
  __m256d series = _mm256_mul_pd(x, ctk_horner4(inverseFactorials, 11, x));
  __m256d difference = _mm256_sub_pd(ctk_exp4_double(x), _mm256_set1_pd(1.0));
  __m256d small = _mm256_cmp_pd(_mm256_andnot_pd(_mm256_set1_pd(-0.0), x), _mm256_set1_pd(0.5), _CMP_LT_OQ);
  return _mm256_blendv_pd(difference, series, small);
}

/// expm1f of eight floats, each rounded once from doubles (within 1 ulp); lanes outside expf's
/// fast range (|x| ≥ 88, NaN, ±∞) take libm's expm1f.
CTK_AVX2 static inline __m256 ctk_expm1f8(__m256 x) {
  __m256i top = _mm256_and_si256(_mm256_srli_epi32(_mm256_castps_si256(x), 20), _mm256_set1_epi32(0x7ff));
  __m256i outside = _mm256_cmpgt_epi32(top, _mm256_set1_epi32(0x42a));
  return _mm256_testz_si256(outside, outside) ? ctk_in_doubles(x, ctk_expm1_4_double) : ctk_each_lane(x, expm1f);
}

/// expf of eight floats, bit for bit glibc's (see above).
CTK_AVX2 static inline __m256 ctk_expf8(__m256 x) {
  __m256i top = _mm256_and_si256(_mm256_srli_epi32(_mm256_castps_si256(x), 20), _mm256_set1_epi32(0x7ff));
  __m256i outside = _mm256_cmpgt_epi32(top, _mm256_set1_epi32(0x42a));
  return _mm256_testz_si256(outside, outside) ? ctk_in_doubles(x, ctk_exp4_double) : ctk_each_lane(x, expf);
}
#endif

#endif
