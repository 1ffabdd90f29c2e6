// Fused optimizer steps (Adam/AdamW), bit for bit as PyTorch's single-tensor path.
#include "Internal.h"

// MARK: - Optimizer steps

// One lane of Adam, the reference every path must match: PyTorch's single-tensor Adam, operation for operation: grad.add(param, alpha=wd) and
// exp_avg.lerp_(grad, 1 - beta1) are one FMA each, exp_avg_sq.mul_(beta2).addcmul_(grad, grad,
// value=1 - beta2) multiplies, then fuses (value * grad) * grad + exp_avg_sq, and the update is
// param + (-step_size * exp_avg) / (sqrt(exp_avg_sq) / bias_correction2_sqrt + eps).
// The coefficients (1 - beta1, 1 - beta2, 1 - lr * wd) arrive rounded from double, as
// PyTorch's Python scalars do.
static inline void adamLane(float *p, float g, float *m, float *v, float *vmax, float oneMinusBeta1,
                            float beta2, float oneMinusBeta2, float eps, float wd, int decoupled,
                            float decay, float stepSize, float bc2Sqrt) {
  if (wd != 0) {
    if (decoupled) *p *= decay; else g = __builtin_fmaf(wd, *p, g);
  }
  *m = __builtin_fmaf(oneMinusBeta1, g - *m, *m);
  *v = __builtin_fmaf(oneMinusBeta2 * g, g, *v * beta2);
  float second = *v;
  if (vmax) { *vmax = *vmax > *v ? *vmax : *v; second = *vmax; }
  float denom = sqrtf(second) / bc2Sqrt + eps;
  *p += (-stepSize * *m) / denom;
}

#define ADAM_LANES_PARAMS                                                                        \
  (int64_t n, float *p, const float *grad, float *m, float *v, float *vmax, float oneMinusBeta1, float beta2, \
   float oneMinusBeta2, float eps, float wd, int decoupled, float decay, int maximize, float stepSize,       \
   float bc2Sqrt)
#define ADAM_LANES_BODY                                                                                \
  {                                                                                                    \
    for (int64_t i = 0; i < n; i++)                                                                    \
      adamLane(p + i, maximize ? -grad[i] : grad[i], m + i, v + i, vmax ? vmax + i : 0, oneMinusBeta1, \
               beta2, oneMinusBeta2, eps, wd, decoupled, decay, stepSize, bc2Sqrt);                    \
  }

static void adam_portable ADAM_LANES_PARAMS ADAM_LANES_BODY

#if CTK_X86
/// The scalar lanes with hardware FMAs (the portable build calls libm's fmaf).
CTK_AVX2 static void adam_lanes_avx2 ADAM_LANES_PARAMS ADAM_LANES_BODY

/// Eight lanes at a time for the common case (no weight decay, amsgrad or maximize);
/// the same operations in the same order as adamLane, so results are identical.
CTK_AVX2 static void adam_avx2(int64_t n, float *p, const float *grad, float *m, float *v, float *vmax,
                               float oneMinusBeta1, float beta2, float oneMinusBeta2, float eps, float wd,
                               int decoupled, float decay, int maximize, float stepSize, float bc2Sqrt) {
  if (wd != 0 || vmax || maximize) {
    adam_lanes_avx2(n, p, grad, m, v, vmax, oneMinusBeta1, beta2, oneMinusBeta2, eps, wd, decoupled, decay, maximize,
                    stepSize, bc2Sqrt);
    return;
  }
  const __m256 a1 = _mm256_set1_ps(oneMinusBeta1), b2 = _mm256_set1_ps(beta2), a2 = _mm256_set1_ps(oneMinusBeta2);
  const __m256 e = _mm256_set1_ps(eps), s = _mm256_set1_ps(-stepSize), c2 = _mm256_set1_ps(bc2Sqrt);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 g = _mm256_loadu_ps(grad + i), mm = _mm256_loadu_ps(m + i), vv = _mm256_loadu_ps(v + i);
    mm = _mm256_fmadd_ps(a1, _mm256_sub_ps(g, mm), mm);
    vv = _mm256_fmadd_ps(_mm256_mul_ps(a2, g), g, _mm256_mul_ps(vv, b2));
    __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vv), c2), e);
    __m256 pp = _mm256_add_ps(_mm256_loadu_ps(p + i), _mm256_div_ps(_mm256_mul_ps(s, mm), denom));
    _mm256_storeu_ps(m + i, mm);
    _mm256_storeu_ps(v + i, vv);
    _mm256_storeu_ps(p + i, pp);
  }
  adam_lanes_avx2(n - i, p + i, grad + i, m + i, v + i, 0, oneMinusBeta1, beta2, oneMinusBeta2, eps, wd, decoupled,
                  decay, maximize, stepSize, bc2Sqrt);
}
#endif

void ctk_adam_step_f32(int64_t n, float *p, const float *grad, float *m, float *v, float *vmax,
                       float oneMinusBeta1, float beta2, float oneMinusBeta2, float eps, float wd, int decoupled,
                       float decay, int maximize, float stepSize, float bc2Sqrt) {
#if CTK_X86
  if (ctk_use_avx2()) {
    adam_avx2(n, p, grad, m, v, vmax, oneMinusBeta1, beta2, oneMinusBeta2, eps, wd, decoupled, decay, maximize,
              stepSize, bc2Sqrt);
    return;
  }
#endif
  adam_portable(n, p, grad, m, v, vmax, oneMinusBeta1, beta2, oneMinusBeta2, eps, wd, decoupled, decay, maximize,
                stepSize, bc2Sqrt);
}
