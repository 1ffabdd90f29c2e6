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
CTK_DEFINE(relu_f32, (int64_t n, const float *x, float *out), (n, x, out),
           { for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : (x[i] != x[i] ? x[i] : 0); })
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
CTK_DEFINE(sigmoid_f32, (int64_t n, const float *x, float *out), (n, x, out),
           { for (int64_t i = 0; i < n; i++) out[i] = ctk_vsigmoid(x[i]); })
CTK_DEFINE(silu_f32, (int64_t n, const float *x, float *out), (n, x, out),
           { for (int64_t i = 0; i < n; i++) out[i] = x[i] / (1.0f + ctk_vexp(-x[i])); })
CTK_DEFINE(silu_backward_f32, (int64_t n, const float *g, const float *x, float *out), (n, g, x, out), {
  for (int64_t i = 0; i < n; i++) {
    float s = ctk_vsigmoid(x[i]);
    out[i] = g[i] * s * (1 + x[i] * (1 - s));
  }
})
