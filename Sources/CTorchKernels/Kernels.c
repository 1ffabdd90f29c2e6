// SIMD microkernels with run-time dispatch. See include/CTorchKernels.h.
#include "CTorchKernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define CTK_X86 1
#include <immintrin.h>
#define CTK_AVX2 __attribute__((target("avx2,fma")))
#endif

// MARK: - Dispatch

static int g_forcePortable = 0;

int ctk_cpu_has_avx2_fma(void) {
#if CTK_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

static int useAVX2(void) {
  static int cached = -1;
  if (cached < 0) cached = ctk_cpu_has_avx2_fma();
  return cached && !g_forcePortable;
}

const char *ctk_kernel_path(void) { return useAVX2() ? "avx2+fma" : "portable"; }
void ctk_force_portable(int portable) { g_forcePortable = portable; }

// MARK: - SGEMM

enum { MR = 6, NR = 16, KC = 256, MC = 144, NC = 3072 };

typedef void (*Microkernel)(int64_t kc, const float *a, const float *b, float *c, int64_t rsC,
                            float alpha, float beta);

/// Accumulates a MR x NR tile of packed A times packed B, then C = alpha*acc + beta*C.
static void microkernelPortable(int64_t kc, const float *a, const float *b, float *c, int64_t rsC,
                                float alpha, float beta) {
  float acc[MR][NR];
  memset(acc, 0, sizeof acc);
  for (int64_t k = 0; k < kc; k++, a += MR, b += NR)
    for (int i = 0; i < MR; i++)
      for (int j = 0; j < NR; j++) acc[i][j] += a[i] * b[j];
  for (int i = 0; i < MR; i++) {
    float *row = c + i * rsC;
    for (int j = 0; j < NR; j++) row[j] = alpha * acc[i][j] + (beta == 0 ? 0 : beta * row[j]);
  }
}

#if CTK_X86
CTK_AVX2 static inline void storeRow(float *row, __m256 lo, __m256 hi, __m256 alpha, float beta) {
  lo = _mm256_mul_ps(lo, alpha);
  hi = _mm256_mul_ps(hi, alpha);
  if (beta != 0) {
    __m256 b = _mm256_set1_ps(beta);
    lo = _mm256_fmadd_ps(b, _mm256_loadu_ps(row), lo);
    hi = _mm256_fmadd_ps(b, _mm256_loadu_ps(row + 8), hi);
  }
  _mm256_storeu_ps(row, lo);
  _mm256_storeu_ps(row + 8, hi);
}

CTK_AVX2 static void microkernelAVX2(int64_t kc, const float *a, const float *b, float *c, int64_t rsC,
                                     float alpha, float beta) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; k++, a += MR, b += NR) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 av;
    av = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(av, b0, c00); c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(av, b0, c10); c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(av, b0, c20); c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(av, b0, c30); c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(av, b0, c40); c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(av, b0, c50); c51 = _mm256_fmadd_ps(av, b1, c51);
  }
  __m256 va = _mm256_set1_ps(alpha);
  storeRow(c + 0 * rsC, c00, c01, va, beta);
  storeRow(c + 1 * rsC, c10, c11, va, beta);
  storeRow(c + 2 * rsC, c20, c21, va, beta);
  storeRow(c + 3 * rsC, c30, c31, va, beta);
  storeRow(c + 4 * rsC, c40, c41, va, beta);
  storeRow(c + 5 * rsC, c50, c51, va, beta);
}
#endif

/// Per-thread packing buffers, grown on demand and kept for the thread's lifetime
/// (the pool's threads are persistent, so a training loop allocates nothing here).
static _Thread_local float *tlsPackA, *tlsPackB;

static float *packBuffer(float **slot, size_t floats) {
  if (!*slot) *slot = aligned_alloc(64, floats * sizeof(float));
  return *slot;
}

/// Packs B[k0:k0+kc, j0:j0+nc] into NR-wide column panels, zero-padding the last one.
static void packB(int64_t kc, int64_t nc, const float *B, int64_t rsB, int64_t csB, float *dst) {
  for (int64_t j = 0; j < nc; j += NR) {
    int64_t nr = nc - j < NR ? nc - j : NR;
    for (int64_t k = 0; k < kc; k++, dst += NR) {
      const float *src = B + k * rsB + j * csB;
      if (csB == 1 && nr == NR) { memcpy(dst, src, NR * sizeof(float)); continue; }
      int64_t jj = 0;
      for (; jj < nr; jj++) dst[jj] = src[jj * csB];
      for (; jj < NR; jj++) dst[jj] = 0;
    }
  }
}

/// Packs A[i0:i0+mc, k0:k0+kc] into MR-tall row slivers, zero-padding the last one.
static void packA(int64_t mc, int64_t kc, const float *A, int64_t rsA, int64_t csA, float *dst) {
  for (int64_t i = 0; i < mc; i += MR) {
    int64_t mr = mc - i < MR ? mc - i : MR;
    const float *base = A + i * rsA;
    if (rsA == 1 && mr == MR) {
      for (int64_t k = 0; k < kc; k++, dst += MR) memcpy(dst, base + k * csA, MR * sizeof(float));
      continue;
    }
    for (int64_t k = 0; k < kc; k++, dst += MR) {
      int64_t ii = 0;
      for (; ii < mr; ii++) dst[ii] = base[ii * rsA + k * csA];
      for (; ii < MR; ii++) dst[ii] = 0;
    }
  }
}

static void scaleC(int64_t M, int64_t N, float beta, float *C, int64_t rsC) {
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) C[i * rsC + j] = beta == 0 ? 0 : beta * C[i * rsC + j];
}

void ctk_sgemm(int64_t M, int64_t N, int64_t K, float alpha,
               const float *A, int64_t rsA, int64_t csA,
               const float *B, int64_t rsB, int64_t csB,
               float beta, float *C, int64_t rsC) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0) { scaleC(M, N, beta, C, rsC); return; }
  Microkernel kernel = microkernelPortable;
#if CTK_X86
  if (useAVX2()) kernel = microkernelAVX2;
#endif
  float *bufA = packBuffer(&tlsPackA, (size_t)MC * KC);
  float *bufB = packBuffer(&tlsPackB, (size_t)KC * (NC + NR));
  float edge[MR * NR];

  for (int64_t jc = 0; jc < N; jc += NC) {
    int64_t nc = N - jc < NC ? N - jc : NC;
    for (int64_t pc = 0; pc < K; pc += KC) {
      int64_t kc = K - pc < KC ? K - pc : KC;
      float betaNow = pc == 0 ? beta : 1.0f;
      packB(kc, nc, B + pc * rsB + jc * csB, rsB, csB, bufB);
      for (int64_t ic = 0; ic < M; ic += MC) {
        int64_t mc = M - ic < MC ? M - ic : MC;
        packA(mc, kc, A + ic * rsA + pc * csA, rsA, csA, bufA);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          int64_t nr = nc - jr < NR ? nc - jr : NR;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            int64_t mr = mc - ir < MR ? mc - ir : MR;
            float *c = C + (ic + ir) * rsC + jc + jr;
            const float *a = bufA + ir * kc, *b = bufB + jr * kc;
            if (mr == MR && nr == NR) { kernel(kc, a, b, c, rsC, alpha, betaNow); continue; }
            kernel(kc, a, b, edge, NR, alpha, 0);
            for (int64_t i = 0; i < mr; i++)
              for (int64_t j = 0; j < nr; j++)
                c[i * rsC + j] = edge[i * NR + j] + (betaNow == 0 ? 0 : betaNow * c[i * rsC + j]);
          }
        }
      }
    }
  }
}

// MARK: - Vector kernels
// Each kernel is written once as a macro body and instantiated twice: for AVX2+FMA
// (the compiler vectorizes the loop 8-wide under the target attribute) and portably.

#define CTK_DEFINE(name, params, args, ...)                        \
  static void name##_portable params __VA_ARGS__                   \
  CTK_AVX2_DEF(name, params, __VA_ARGS__)                          \
  void ctk_##name params {                                         \
    CTK_AVX2_CALL(name, args)                                      \
    name##_portable args;                                          \
  }

#if CTK_X86
#define CTK_AVX2_DEF(name, params, ...) CTK_AVX2 static void name##_avx2 params __VA_ARGS__
#define CTK_AVX2_CALL(name, args) if (useAVX2()) { name##_avx2 args; return; }
#else
#define CTK_AVX2_DEF(name, params, ...)
#define CTK_AVX2_CALL(name, args)
#endif

CTK_DEFINE(add_f32, (int64_t n, const float *x, const float *y, float *out), (n, x, y, out),
           { for (int64_t i = 0; i < n; i++) out[i] = x[i] + y[i]; })
CTK_DEFINE(sub_f32, (int64_t n, const float *x, const float *y, float *out), (n, x, y, out),
           { for (int64_t i = 0; i < n; i++) out[i] = x[i] - y[i]; })
CTK_DEFINE(mul_f32, (int64_t n, const float *x, const float *y, float *out), (n, x, y, out),
           { for (int64_t i = 0; i < n; i++) out[i] = x[i] * y[i]; })
CTK_DEFINE(div_f32, (int64_t n, const float *x, const float *y, float *out), (n, x, y, out),
           { for (int64_t i = 0; i < n; i++) out[i] = x[i] / y[i]; })
CTK_DEFINE(axpy_f32, (int64_t n, float alpha, const float *x, float *y), (n, alpha, x, y),
           { for (int64_t i = 0; i < n; i++) y[i] += alpha * x[i]; })
CTK_DEFINE(relu_f32, (int64_t n, const float *x, float *out), (n, x, out),
           { for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : (x[i] != x[i] ? x[i] : 0); })
CTK_DEFINE(relu_backward_f32, (int64_t n, const float *g, const float *x, float *out), (n, g, x, out),
           { for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0 ? g[i] : 0; })

static float sum_portable(int64_t n, const float *x) {
  float acc[8] = {0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) acc[j] += x[i + j];
  float s = 0;
  for (; i < n; i++) s += x[i];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + s;
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
  if (useAVX2()) return sum_avx2(n, x);
#endif
  return sum_portable(n, x);
}

static float max_portable(int64_t n, const float *x) {
  float m = -INFINITY;
  for (int64_t i = 0; i < n; i++) {
    if (x[i] != x[i]) return x[i];
    m = x[i] > m ? x[i] : m;
  }
  return m;
}

float ctk_max_f32(int64_t n, const float *x) { return max_portable(n, x); }

static float expShiftSum_portable(int64_t n, const float *x, float shift, float *out) {
  float s = 0;
  for (int64_t i = 0; i < n; i++) { out[i] = expf(x[i] - shift); s += out[i]; }
  return s;
}

float ctk_exp_shift_sum_f32(int64_t n, const float *x, float shift, float *out) {
  return expShiftSum_portable(n, x, shift, out);
}

// MARK: - Optimizer steps

CTK_DEFINE(adam_step_f32,
           (int64_t n, float *p, const float *grad, float *m, float *v, float *vmax, float lr,
            float beta1, float beta2, float eps, float wd, int decoupled, int maximize,
            float stepSize, float bc2Sqrt),
           (n, p, grad, m, v, vmax, lr, beta1, beta2, eps, wd, decoupled, maximize, stepSize, bc2Sqrt), {
  float oneMinusBeta1 = 1.0f - beta1, oneMinusBeta2 = 1.0f - beta2, decay = 1.0f - lr * wd;
  for (int64_t i = 0; i < n; i++) {
    float g = maximize ? -grad[i] : grad[i];
    if (wd != 0) {
      if (decoupled) p[i] *= decay; else g += wd * p[i];
    }
    m[i] += oneMinusBeta1 * (g - m[i]);
    v[i] = v[i] * beta2 + oneMinusBeta2 * g * g;
    float second = v[i];
    if (vmax) { vmax[i] = vmax[i] > v[i] ? vmax[i] : v[i]; second = vmax[i]; }
    float denom = sqrtf(second) / bc2Sqrt + eps;
    p[i] += (-stepSize * m[i]) / denom;
  }
})
