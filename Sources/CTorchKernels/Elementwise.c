// Dense float32 elementwise kernels (the SIMD forms of some pointwise ops).
#include "Internal.h"
#include "Transcendental.h"

CTK_DEFINE(add_f32, (int64_t n, const float *x, const float *y, float *out), (n, x, y, out),
           { for (int64_t i = 0; i < n; i++) out[i] = x[i] + y[i]; })
CTK_DEFINE(sub_f32, (int64_t n, const float *x, const float *y, float *out), (n, x, y, out),
           { for (int64_t i = 0; i < n; i++) out[i] = x[i] - y[i]; })
CTK_DEFINE(mul_f32, (int64_t n, const float *x, const float *y, float *out), (n, x, y, out),
           { for (int64_t i = 0; i < n; i++) out[i] = x[i] * y[i]; })
CTK_DEFINE(div_f32, (int64_t n, const float *x, const float *y, float *out), (n, x, y, out),
           { for (int64_t i = 0; i < n; i++) out[i] = x[i] / y[i]; })
// One rounding, as PyTorch's add(other, alpha=...) (its vector code compiles to an FMA).
CTK_DEFINE(axpy_f32, (int64_t n, float alpha, const float *x, float *y), (n, alpha, x, y),
           { for (int64_t i = 0; i < n; i++) y[i] = __builtin_fmaf(alpha, x[i], y[i]); })
// In place (x == out, relu_) through one pointer: with two, the vectorizer's overlap check
// fails for the very same array and the loop ran scalar, 25x slower (16 ms for 3.2M floats).
// Negative values become +0; NaN and −0 stay (PyTorch's relu keeps x unless x < 0).
CTK_DEFINE(relu_f32, (int64_t n, const float *x, float *out), (n, x, out), {
  if (x == out) {
    for (int64_t i = 0; i < n; i++) { float v = out[i]; out[i] = v < 0 ? 0 : v; }
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = x[i] < 0 ? 0 : x[i];
  }
})
// x + alpha * y for one y (add_(0.5), add_(t, alpha=...) with a one-element t): one rounding,
// as the general form; in place through one pointer, as relu_f32.
CTK_DEFINE(add_scaled_scalar_f32, (int64_t n, const float *x, float alpha, float y, float *out), (n, x, alpha, y, out), {
  if (x == out) {
    for (int64_t i = 0; i < n; i++) out[i] = __builtin_fmaf(alpha, y, out[i]);
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = __builtin_fmaf(alpha, y, x[i]);
  }
})
CTK_DEFINE(relu_backward_f32, (int64_t n, const float *g, const float *x, float *out), (n, g, x, out),
           { for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0 ? g[i] : 0; })
// PyTorch's formulas, each product rounded on its own (no FMA), as the Swift forms compute them.
CTK_DEFINE(tanh_backward_f32, (int64_t n, const float *g, const float *y, float *out), (n, g, y, out),
           { _Pragma("clang fp contract(off)") for (int64_t i = 0; i < n; i++) out[i] = g[i] * (1 - y[i] * y[i]); })
CTK_DEFINE(sigmoid_backward_f32, (int64_t n, const float *g, const float *y, float *out), (n, g, y, out),
           { _Pragma("clang fp contract(off)") for (int64_t i = 0; i < n; i++) out[i] = g[i] * (1 - y[i]) * y[i]; })
// Within 2 ulp (Transcendental.h), where libm's tanhf ran a scalar call per element.
CTK_DEFINE(tanh_f32, (int64_t n, const float *x, float *out), (n, x, out),
           { for (int64_t i = 0; i < n; i++) out[i] = ctk_vtanh(x[i]); })

// sigmoid and SiLU over libm's expf: the portable loops call it; the AVX2 loops compute it
// eight lanes at a time (ctk_expf8, the same bits) and leave the tail to the portable loop.
// Each formula rounds as the Swift form it replaced (no FMA contraction).

static void sigmoid_f32_portable(int64_t n, const float *x, float *out) {
  for (int64_t i = 0; i < n; i++) out[i] = 1.0f / (1.0f + expf(-x[i]));
}

static void silu_f32_portable(int64_t n, const float *x, float *out) {
  for (int64_t i = 0; i < n; i++) out[i] = x[i] / (1.0f + expf(-x[i]));
}

static void silu_backward_f32_portable(int64_t n, const float *g, const float *x, float *out) {
  for (int64_t i = 0; i < n; i++) {
    float s = 1.0f / (1.0f + expf(-x[i]));
    out[i] = g[i] * s * (1 + x[i] * (1 - s));
  }
}

// out[i] = scalar(x[i]): libm's `scalar` on the portable path, `lanes8` eight lanes at a time
// under AVX2 (the portable loop takes the tail). exp and log give libm's bits (ctk_expf8,
// ctk_logf8), erf and log1p are within 1 ulp (Transcendental.h).
#define CTK_DEFINE_LANES(name, scalar, lanes8)                                            \
  static void name##_portable(int64_t n, const float *x, float *out) {                    \
    for (int64_t i = 0; i < n; i++) out[i] = scalar(x[i]);                                \
  }                                                                                       \
  CTK_AVX2_DEF(name, (int64_t n, const float *x, float *out), {                           \
    int64_t i = 0;                                                                        \
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, lanes8(_mm256_loadu_ps(x + i))); \
    name##_portable(n - i, x + i, out + i);                                               \
  })                                                                                      \
  CTK_DISPATCH(name, (int64_t n, const float *x, float *out), (n, x, out))

CTK_DEFINE_LANES(log_f32, logf, ctk_logf8)
CTK_DEFINE_LANES(log1p_f32, log1pf, ctk_log1pf8)
CTK_DEFINE_LANES(exp_f32, expf, ctk_expf8)
CTK_DEFINE_LANES(expm1_f32, expm1f, ctk_expm1f8)

// erf and the exact GELU: the portable loops call libm's erff; the AVX2 loops take erf in
// blocks of eight (ctk_erf_blocks: ctk_erff8's bits, within 1 ulp, usually erff's, computing only
// the first piece for lanes below |u| = 1) and otherwise round as the portable formulas, which
// are the Swift forms they replaced.

static void erf_f32_portable(int64_t n, const float *x, float *out) {
  for (int64_t i = 0; i < n; i++) out[i] = erff(x[i]);
}

static void gelu_f32_portable(int64_t n, const float *x, float *out) {
  _Pragma("clang fp contract(off)") for (int64_t i = 0; i < n; i++) out[i] = x[i] * 0.5f * (1 + erff(x[i] * 0.70710677f));
}

static void gelu_backward_f32_portable(int64_t n, const float *g, const float *x, float *out) {
  _Pragma("clang fp contract(off)") for (int64_t i = 0; i < n; i++) {
    float cdf = 0.5f * (1 + erff(x[i] * 0.70710677f));
    float pdf = expf(-0.5f * x[i] * x[i]) * 0.398942280f;
    out[i] = g[i] * (cdf + x[i] * pdf);
  }
}

// softplus: x where βx > threshold, else log1p(e^(βx))/β, over expf (libm's bits) and the log1p
// above; its derivative g·z/(z + 1), z = e^(βx), rounded as the Swift forms.

static void softplus_f32_portable(int64_t n, const float *x, float beta, float threshold, float *out) {
  for (int64_t i = 0; i < n; i++) {
    float z = x[i] * beta;
    out[i] = z > threshold ? x[i] : log1pf(expf(z)) / beta;
  }
}

static void softplus_backward_f32_portable(int64_t n, const float *g, const float *x, float beta, float threshold, float *out) {
  for (int64_t i = 0; i < n; i++) {
    float z = x[i] * beta;
    if (z > threshold) {
      out[i] = g[i];
    } else {
      float e = expf(z);
      out[i] = g[i] * e / (e + 1);
    }
  }
}

// ELU: x where x > 0, else α·expm1(x) (PyTorch's vector form); its derivative g where x > 0,
// else g·α·e^x; over expm1f and expf.

static void elu_f32_portable(int64_t n, const float *x, float alpha, float unused, float *out) {
  (void)unused;
  for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : alpha * expm1f(x[i]);
}

static void elu_backward_f32_portable(int64_t n, const float *g, const float *x, float alpha, float unused, float *out) {
  (void)unused;
  for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0 ? g[i] : g[i] * alpha * expf(x[i]);
}

#if CTK_X86
/// The full blocks of eight, chunk by chunk, through ctk_erf_blocks; the tail as the portable loop.
CTK_AVX2 static void erf_f32_avx2(int64_t n, const float *x, float *out) {
  const int64_t full = n / 8 * 8;
  for (int64_t i = 0; i < full; i += CTK_ERF_CHUNK)
    ctk_erf_blocks(full - i < CTK_ERF_CHUNK ? full - i : CTK_ERF_CHUNK, x + i, out + i);
  erf_f32_portable(n - full, x + full, out + full);
}

/// erf(x/√2) of a chunk of `count` floats (a multiple of 8) into `erfs`.
CTK_AVX2 static inline void erfOfHalves(int64_t count, const float *x, float *erfs) {
  float halves[CTK_ERF_CHUNK];
  for (int64_t i = 0; i < count; i += 8)
    _mm256_storeu_ps(halves + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(0.70710677f)));
  ctk_erf_blocks(count, halves, erfs);
}

/// GELU (g NULL) or g times its derivative over the full blocks of eight of x, chunk by chunk:
/// erf(x/√2) for the chunk, then the formula; returns how many elements it took.
CTK_AVX2 static inline __attribute__((always_inline)) int64_t geluBlocks(int64_t n, const float *g, const float *x, float *out,
                                                                         const int derivative) {
  const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
  const int64_t full = n / 8 * 8;
  float erfs[CTK_ERF_CHUNK];
  for (int64_t start = 0; start < full; start += CTK_ERF_CHUNK) {
    const int64_t count = full - start < CTK_ERF_CHUNK ? full - start : CTK_ERF_CHUNK;
    erfOfHalves(count, x + start, erfs);
    for (int64_t i = 0; i < count; i += 8) {
      const __m256 v = _mm256_loadu_ps(x + start + i), e = _mm256_loadu_ps(erfs + i);
      if (!derivative) {
        _mm256_storeu_ps(out + start + i, _mm256_mul_ps(_mm256_mul_ps(v, half), _mm256_add_ps(one, e)));
        continue;
      }
      const __m256 square = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(-0.5f), v), v);
      const __m256 pdf = _mm256_mul_ps(ctk_expf8(square), _mm256_set1_ps(0.398942280f));
      const __m256 cdf = _mm256_mul_ps(half, _mm256_add_ps(one, e));
      _mm256_storeu_ps(out + start + i, _mm256_mul_ps(_mm256_loadu_ps(g + start + i), _mm256_add_ps(cdf, _mm256_mul_ps(v, pdf))));
    }
  }
  return full;
}

CTK_AVX2 static void gelu_f32_avx2(int64_t n, const float *x, float *out) {
  const int64_t done = geluBlocks(n, NULL, x, out, 0);
  gelu_f32_portable(n - done, x + done, out + done);
}

CTK_AVX2 static void gelu_backward_f32_avx2(int64_t n, const float *g, const float *x, float *out) {
  const int64_t done = geluBlocks(n, g, x, out, 1);
  gelu_backward_f32_portable(n - done, g + done, x + done, out + done);
}

CTK_AVX2 static void softplus_f32_avx2(int64_t n, const float *x, float beta, float threshold, float *out) {
  const __m256 b = _mm256_set1_ps(beta), t = _mm256_set1_ps(threshold);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i), z = _mm256_mul_ps(v, b);
    __m256 soft = _mm256_div_ps(ctk_log1pf8(ctk_expf8(z)), b);
    _mm256_storeu_ps(out + i, _mm256_blendv_ps(soft, v, _mm256_cmp_ps(z, t, _CMP_GT_OQ)));
  }
  softplus_f32_portable(n - i, x + i, beta, threshold, out + i);
}

CTK_AVX2 static void softplus_backward_f32_avx2(int64_t n, const float *g, const float *x, float beta, float threshold, float *out) {
  const __m256 b = _mm256_set1_ps(beta), t = _mm256_set1_ps(threshold), one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 gv = _mm256_loadu_ps(g + i), z = _mm256_mul_ps(_mm256_loadu_ps(x + i), b), e = ctk_expf8(z);
    __m256 scaled = _mm256_div_ps(_mm256_mul_ps(gv, e), _mm256_add_ps(e, one));
    _mm256_storeu_ps(out + i, _mm256_blendv_ps(scaled, gv, _mm256_cmp_ps(z, t, _CMP_GT_OQ)));
  }
  softplus_backward_f32_portable(n - i, g + i, x + i, beta, threshold, out + i);
}

CTK_AVX2 static void elu_f32_avx2(int64_t n, const float *x, float alpha, float unused, float *out) {
  const __m256 a = _mm256_set1_ps(alpha), lowest = _mm256_set1_ps(-87.0f), zero = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    // Clamped into [−87, 0] (NaN kept), where expm1f8 needs no libm lane: e^−87 − 1 rounds to −1.
    __m256 v = _mm256_loadu_ps(x + i), clamped = _mm256_max_ps(lowest, _mm256_min_ps(zero, v));
    __m256 negative = _mm256_mul_ps(a, ctk_expm1f8(clamped));
    _mm256_storeu_ps(out + i, _mm256_blendv_ps(negative, v, _mm256_cmp_ps(v, zero, _CMP_GT_OQ)));
  }
  elu_f32_portable(n - i, x + i, alpha, unused, out + i);
}

CTK_AVX2 static void elu_backward_f32_avx2(int64_t n, const float *g, const float *x, float alpha, float unused, float *out) {
  const __m256 a = _mm256_set1_ps(alpha), zero = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i), gv = _mm256_loadu_ps(g + i);
    __m256 negative = _mm256_mul_ps(_mm256_mul_ps(gv, a), ctk_expf8(v));
    _mm256_storeu_ps(out + i, _mm256_blendv_ps(negative, gv, _mm256_cmp_ps(v, zero, _CMP_GT_OQ)));
  }
  elu_backward_f32_portable(n - i, g + i, x + i, alpha, unused, out + i);
}

/// 1 / (1 + e^(−x)) of eight lanes.
CTK_AVX2 static inline __m256 ctk_sigmoid8(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, ctk_expf8(_mm256_xor_ps(x, _mm256_set1_ps(-0.0f)))));
}

CTK_AVX2 static void sigmoid_f32_avx2(int64_t n, const float *x, float *out) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, ctk_sigmoid8(_mm256_loadu_ps(x + i)));
  sigmoid_f32_portable(n - i, x + i, out + i);
}

CTK_AVX2 static void silu_f32_avx2(int64_t n, const float *x, float *out) {
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i);
    __m256 e = ctk_expf8(_mm256_xor_ps(v, _mm256_set1_ps(-0.0f)));
    _mm256_storeu_ps(out + i, _mm256_div_ps(v, _mm256_add_ps(one, e)));
  }
  silu_f32_portable(n - i, x + i, out + i);
}

CTK_AVX2 static void silu_backward_f32_avx2(int64_t n, const float *g, const float *x, float *out) {
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i), s = ctk_sigmoid8(v);
    __m256 slope = _mm256_add_ps(one, _mm256_mul_ps(v, _mm256_sub_ps(one, s)));
    _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(g + i), s), slope));
  }
  silu_backward_f32_portable(n - i, g + i, x + i, out + i);
}
#endif

CTK_DISPATCH(erf_f32, (int64_t n, const float *x, float *out), (n, x, out))
CTK_DISPATCH(gelu_f32, (int64_t n, const float *x, float *out), (n, x, out))
CTK_DISPATCH(gelu_backward_f32, (int64_t n, const float *g, const float *x, float *out), (n, g, x, out))
CTK_DISPATCH(softplus_f32, (int64_t n, const float *x, float beta, float threshold, float *out),
             (n, x, beta, threshold, out))
CTK_DISPATCH(softplus_backward_f32, (int64_t n, const float *g, const float *x, float beta, float threshold, float *out),
             (n, g, x, beta, threshold, out))
CTK_DISPATCH(elu_f32, (int64_t n, const float *x, float alpha, float unused, float *out), (n, x, alpha, unused, out))
CTK_DISPATCH(elu_backward_f32, (int64_t n, const float *g, const float *x, float alpha, float unused, float *out),
             (n, g, x, alpha, unused, out))
CTK_DISPATCH(sigmoid_f32, (int64_t n, const float *x, float *out), (n, x, out))
CTK_DISPATCH(silu_f32, (int64_t n, const float *x, float *out), (n, x, out))
CTK_DISPATCH(silu_backward_f32, (int64_t n, const float *g, const float *x, float *out), (n, g, x, out))

// x^p as PyTorch's CPU kernel computes it: its special exponents as products, quotients and
// square roots (x³ is (x·x)·x, x^−½ is 1/√x, each step rounded), any other through powf. The
// form is chosen once per call, so the special cases are vector loops.
typedef enum { POW_IDENTITY, POW_SQUARE, POW_CUBE, POW_SQRT, POW_RSQRT, POW_RECIPROCAL, POW_RECIPROCAL_SQUARE, POW_LIBM } ctk_pow_form;

static ctk_pow_form powForm(float p) {
  return p == 1 ? POW_IDENTITY : p == 2 ? POW_SQUARE : p == 3 ? POW_CUBE : p == 0.5f ? POW_SQRT : p == -0.5f ? POW_RSQRT
       : p == -1 ? POW_RECIPROCAL : p == -2 ? POW_RECIPROCAL_SQUARE : POW_LIBM;
}

static inline float powOne(ctk_pow_form form, float v, float p) {
  switch (form) {
  case POW_IDENTITY: return v;
  case POW_SQUARE: return v * v;
  case POW_CUBE: return v * v * v;
  case POW_SQRT: return sqrtf(v);
  case POW_RSQRT: return 1.0f / sqrtf(v);
  case POW_RECIPROCAL: return 1.0f / v;
  case POW_RECIPROCAL_SQUARE: return 1.0f / (v * v);
  default: return powf(v, p);
  }
}

static void powForm_portable(ctk_pow_form form, int64_t n, const float *x, float p, float *out) {
  switch (form) {  // one loop per form, so each is a plain (vectorizable) loop
#define POW_LOOP(f) case f: for (int64_t i = 0; i < n; i++) out[i] = powOne(f, x[i], p); break;
    POW_LOOP(POW_IDENTITY) POW_LOOP(POW_SQUARE) POW_LOOP(POW_CUBE) POW_LOOP(POW_SQRT) POW_LOOP(POW_RSQRT)
    POW_LOOP(POW_RECIPROCAL) POW_LOOP(POW_RECIPROCAL_SQUARE) POW_LOOP(POW_LIBM)
#undef POW_LOOP
  }
}

#if CTK_X86
CTK_AVX2 static inline __attribute__((always_inline)) __m256 powEight(ctk_pow_form form, __m256 v) {
  const __m256 one = _mm256_set1_ps(1.0f);
  switch (form) {
  case POW_SQUARE: return _mm256_mul_ps(v, v);
  case POW_CUBE: return _mm256_mul_ps(_mm256_mul_ps(v, v), v);
  case POW_SQRT: return _mm256_sqrt_ps(v);
  case POW_RSQRT: return _mm256_div_ps(one, _mm256_sqrt_ps(v));
  case POW_RECIPROCAL: return _mm256_div_ps(one, v);
  case POW_RECIPROCAL_SQUARE: return _mm256_div_ps(one, _mm256_mul_ps(v, v));
  default: return v;
  }
}

CTK_AVX2 static void powForm_avx2(ctk_pow_form form, int64_t n, const float *x, float p, float *out) {
  int64_t i = 0;
  switch (form) {
#define POW_LANES(f) case f: for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, powEight(f, _mm256_loadu_ps(x + i))); break;
    POW_LANES(POW_IDENTITY) POW_LANES(POW_SQUARE) POW_LANES(POW_CUBE) POW_LANES(POW_SQRT) POW_LANES(POW_RSQRT)
    POW_LANES(POW_RECIPROCAL) POW_LANES(POW_RECIPROCAL_SQUARE)
#undef POW_LANES
  default: break;  // powf per element
  }
  powForm_portable(form, n - i, x + i, p, out + i);
}
#endif

static void powForm_dispatch(ctk_pow_form form, int64_t n, const float *x, float p, float *out) {
#if CTK_X86
  if (ctk_use_avx2()) { powForm_avx2(form, n, x, p, out); return; }
#endif
  powForm_portable(form, n, x, p, out);
}

void ctk_pow_scalar_f32(int64_t n, const float *x, float p, float unused, float *out) {
  (void)unused;
  powForm_dispatch(powForm(p), n, x, p, out);
}
void ctk_sqrt_f32(int64_t n, const float *x, float *out) { powForm_dispatch(POW_SQRT, n, x, 0.5f, out); }
void ctk_rsqrt_f32(int64_t n, const float *x, float *out) { powForm_dispatch(POW_RSQRT, n, x, -0.5f, out); }
void ctk_reciprocal_f32(int64_t n, const float *x, float *out) { powForm_dispatch(POW_RECIPROCAL, n, x, -1, out); }

// clamp as PyTorch's: m = v < lo ? lo : v, then m > hi ? hi : m. A value equal to a bound
// stays itself (so −0 clamped at +0 is −0), NaN stays, and a NaN bound, which stands for an
// absent one, leaves the value alone; its derivative passes g strictly inside, where (lo is
// NaN or x > lo) and (hi is NaN or x < hi), else +0.
static void clamp_f32_portable(int64_t n, const float *x, float lo, float hi, float *out) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i], m = v < lo ? lo : v;
    out[i] = m > hi ? hi : m;
  }
}

static void clamp_backward_f32_portable(int64_t n, const float *g, const float *x, float lo, float hi, float *out) {
  const int no_lo = lo != lo, no_hi = hi != hi;
  for (int64_t i = 0; i < n; i++) out[i] = (no_lo || x[i] > lo) && (no_hi || x[i] < hi) ? g[i] : 0;
}

#if CTK_X86
CTK_AVX2 static void clamp_f32_avx2(int64_t n, const float *x, float lo, float hi, float *out) {
  const __m256 los = _mm256_set1_ps(lo), his = _mm256_set1_ps(hi);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 m = _mm256_blendv_ps(v, los, _mm256_cmp_ps(v, los, _CMP_LT_OQ));
    _mm256_storeu_ps(out + i, _mm256_blendv_ps(m, his, _mm256_cmp_ps(m, his, _CMP_GT_OQ)));
  }
  clamp_f32_portable(n - i, x + i, lo, hi, out + i);
}

CTK_AVX2 static void clamp_backward_f32_avx2(int64_t n, const float *g, const float *x, float lo, float hi, float *out) {
  const __m256 los = _mm256_set1_ps(lo), his = _mm256_set1_ps(hi);
  // An absent (NaN) bound admits every lane, NaN inputs included; a present one compares.
  const __m256 no_lo = _mm256_cmp_ps(los, los, _CMP_UNORD_Q), no_hi = _mm256_cmp_ps(his, his, _CMP_UNORD_Q);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 inside = _mm256_and_ps(_mm256_or_ps(no_lo, _mm256_cmp_ps(v, los, _CMP_GT_OQ)),
                                        _mm256_or_ps(no_hi, _mm256_cmp_ps(v, his, _CMP_LT_OQ)));
    _mm256_storeu_ps(out + i, _mm256_and_ps(_mm256_loadu_ps(g + i), inside));
  }
  clamp_backward_f32_portable(n - i, g + i, x + i, lo, hi, out + i);
}
#endif

CTK_DISPATCH(clamp_f32, (int64_t n, const float *x, float lo, float hi, float *out), (n, x, lo, hi, out))
CTK_DISPATCH(clamp_backward_f32, (int64_t n, const float *g, const float *x, float lo, float hi, float *out), (n, g, x, lo, hi, out))

// torch.where over dense operands, elements as 4- or 8-byte bit patterns, without a branch
// per element (a random condition mispredicted half of them).
static void where_32_portable(int64_t n, const uint8_t *c, const void *a, const void *b, void *out) {
  const uint32_t *x = a, *y = b;
  uint32_t *o = out;
  for (int64_t i = 0; i < n; i++) o[i] = c[i] ? x[i] : y[i];
}

#if CTK_X86
CTK_AVX2 static void where_32_avx2(int64_t n, const uint8_t *c, const void *a, const void *b, void *out) {
  const float *x = a, *y = b;
  float *o = out;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i picks = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(c + i)));
    const __m256 mask = _mm256_castsi256_ps(_mm256_cmpgt_epi32(picks, _mm256_setzero_si256()));
    _mm256_storeu_ps(o + i, _mm256_blendv_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i), mask));
  }
  where_32_portable(n - i, c + i, x + i, y + i, o + i);
}
#endif

CTK_DISPATCH(where_32, (int64_t n, const uint8_t *c, const void *a, const void *b, void *out), (n, c, a, b, out))
CTK_DEFINE(where_64, (int64_t n, const uint8_t *c, const void *a, const void *b, void *out), (n, c, a, b, out), {
  const uint64_t *x = a, *y = b;
  uint64_t *o = out;
  for (int64_t i = 0; i < n; i++) o[i] = c[i] ? x[i] : y[i];
})
