// CTorchKernels: the SIMD microkernels behind Torch's CPU backend.
//
// Every function here has an AVX2+FMA body (compiled per function with
// __attribute__((target))) and a portable body; the path is chosen once, at load
// time, from the CPU's features. Everything that is not a hot inner loop lives in Swift.
#ifndef CTORCH_KERNELS_H
#define CTORCH_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU runs the AVX2+FMA kernels.
int ctk_cpu_has_avx2_fma(void);
/// 1 when this CPU (and its OS) also runs AVX-512F, which SGEMM and the direct convolution's
/// kernels use.
int ctk_cpu_has_avx512f(void);
/// The kernel path in use: "avx2+fma, avx512f tiles", "avx2+fma" or "portable".
const char *ctk_kernel_path(void);
/// Forces the portable path (1), the AVX2 path without AVX-512 (2), or returns to the CPU's
/// best path (0); for tests and benchmarks.
void ctk_force_portable(int portable);

/// A spin-wait hint (`pause` on x86).
void ctk_cpu_relax(void);
/// CPUs this process may run on (its affinity mask), or -1 where that cannot be known.
int ctk_affinity_cpu_count(void);

/// C[M,N] = alpha * A[M,K] * B[K,N] + beta * C, single-threaded, GotoBLAS-style
/// (packed panels, 6x16 register-blocked microkernel). A and B are read through
/// arbitrary element strides, so transposed operands need no copy. C has unit
/// column stride and row stride rsC. With beta == 0, C is never read.
void ctk_sgemm(int64_t M, int64_t N, int64_t K, float alpha,
               const float *A, int64_t rsA, int64_t csA,
               const float *B, int64_t rsB, int64_t csB,
               float beta, float *C, int64_t rsC);

/// Rows rowStart..<rowEnd of C[M,N] = alpha * A[M,K] * B[K,N] + beta * C in float64, B dense
/// row-major (row stride N), A through element strides, C with unit column stride and row
/// stride rsC; with beta == 0, C is never read. Blocked and vectorized; the same bits on
/// every path and for any split of the rows.
void ctk_dgemm_rows(int64_t rowStart, int64_t rowEnd, int64_t N, int64_t K, double alpha,
                    const double *A, int64_t rsA, int64_t csA, const double *B, double beta,
                    double *C, int64_t rsC);

/// ctk_sgemm with B's column j the contiguous run of K floats at B + columnOffsets[j]: a
/// convolution's weight gradient reads its taps in place this way instead of building columns.
void ctk_sgemm_gathered_columns(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsA, int64_t csA,
                                const float *B, const int64_t *columnOffsets, float beta, float *C, int64_t rsC);

/// A packed once for many products with the same left operand (a convolution's weight, used
/// for every sample): floats `ctk_sgemm_packed_a_floats(M, K)` to hold it, filled by
/// `ctk_sgemm_pack_a`. K up to 512 is one depth block, so C is written once per product.
size_t ctk_sgemm_packed_a_floats(int64_t M, int64_t K);
void ctk_sgemm_pack_a(int64_t M, int64_t K, const float *A, int64_t rsA, int64_t csA, float *packed);
/// Packs [M, K] as ctk_sgemm_pack_a does but as one depth block whatever K: the direct
/// convolution's weight (its tiles sum every tap at once).
void ctk_direct_pack_weight(int64_t M, int64_t K, const float *A, int64_t rsA, int64_t csA, float *packed);
/// C[M,N] = packedA * B[K,N] + beta * C, single-threaded, with A packed by `ctk_sgemm_pack_a`.
void ctk_sgemm_prepacked(int64_t M, int64_t N, int64_t K, const float *packedA,
                         const float *B, int64_t rsB, int64_t csB,
                         float beta, float *C, int64_t rsC);

// Contiguous float32 vector kernels.
void ctk_add_f32(int64_t n, const float *x, const float *y, float *out);
void ctk_sub_f32(int64_t n, const float *x, const float *y, float *out);
void ctk_mul_f32(int64_t n, const float *x, const float *y, float *out);
void ctk_div_f32(int64_t n, const float *x, const float *y, float *out);
/// y += alpha * x
/// y = alpha * x + y with one rounding (an FMA), as PyTorch's add(other, alpha=...).
void ctk_axpy_f32(int64_t n, float alpha, const float *x, float *y);
/// out = max(x, 0)
void ctk_relu_f32(int64_t n, const float *x, float *out);
/// out[i] = fma(alpha, y, x[i]) for one y; x may be out.
void ctk_add_scaled_scalar_f32(int64_t n, const float *x, float alpha, float y, float *out);
/// out = x > 0 ? grad : 0 (PyTorch's subgradient: relu'(0) = 0)
void ctk_relu_backward_f32(int64_t n, const float *grad, const float *x, float *out);
/// out = tanh(x), within 2 ulp of the correctly rounded value (vectorized; no libm call)
void ctk_tanh_f32(int64_t n, const float *x, float *out);
/// out = erf(x): libm's erff, or under AVX2 eight lanes at a time within 1 ulp of the correctly
/// rounded value (evaluated in doubles)
void ctk_erf_f32(int64_t n, const float *x, float *out);
/// out = x · 0.5 · (1 + erf(x · 0.70710677)), the exact GELU, with the erf above
void ctk_gelu_f32(int64_t n, const float *x, float *out);
/// out = grad · (Φ(x) + x · e^(−x²/2) / √(2π)), GELU's derivative (Φ as in ctk_gelu_f32)
void ctk_gelu_backward_f32(int64_t n, const float *grad, const float *x, float *out);
/// out = log(x) with libm's logf: bit for bit its results, eight lanes at a time under AVX2
void ctk_log_f32(int64_t n, const float *x, float *out);
/// out = log(1 + x): libm's log1pf, or under AVX2 eight lanes at a time within 1 ulp of the
/// correctly rounded value (evaluated in doubles)
void ctk_log1p_f32(int64_t n, const float *x, float *out);
/// out = x where x·beta > threshold, else log1p(e^(x·beta)) / beta (softplus), with expf and
/// ctk_log1p_f32's log1p
void ctk_softplus_f32(int64_t n, const float *x, float beta, float threshold, float *out);
/// out = grad where x·beta > threshold, else grad · z / (z + 1), z = e^(x·beta) (softplus's derivative)
void ctk_softplus_backward_f32(int64_t n, const float *grad, const float *x, float beta, float threshold, float *out);
/// out = x where x > 0, else alpha · expm1f(x) (ELU; `unused` keeps the two-parameter form)
void ctk_elu_f32(int64_t n, const float *x, float alpha, float unused, float *out);
/// out = grad where x > 0, else grad · alpha · expf(x) (ELU's derivative)
void ctk_elu_backward_f32(int64_t n, const float *grad, const float *x, float alpha, float unused, float *out);
/// out = e^x with libm's expf: bit for bit its results, eight lanes at a time under AVX2
void ctk_exp_f32(int64_t n, const float *x, float *out);
/// out = e^x − 1: libm's expm1f, or under AVX2 eight lanes at a time within 1 ulp of the
/// correctly rounded value (evaluated in doubles)
void ctk_expm1_f32(int64_t n, const float *x, float *out);
/// out = x^p rounded as PyTorch's CPU kernel: p of 1, 2, 3, ½, −½, −1, −2 as products,
/// quotients and square roots (x³ = (x·x)·x, x^−½ = 1/√x), vector loops under AVX2; any other p
/// through powf per element. `unused` keeps the two-parameter kernel form.
void ctk_pow_scalar_f32(int64_t n, const float *x, float p, float unused, float *out);
/// out = x clamped to [lo, hi] as min(max(x, lo), hi) with Swift's min/max (a NaN x stays NaN,
/// a NaN bound leaves x alone); the backward passes grad where lo <= x <= hi, else +0
void ctk_clamp_f32(int64_t n, const float *x, float lo, float hi, float *out);
void ctk_clamp_backward_f32(int64_t n, const float *grad, const float *x, float lo, float hi, float *out);
/// out[i] = c[i] ? a[i] : b[i] over dense operands (c: bools as bytes), elements moved as 4- or
/// 8-byte bit patterns, without a branch per element
void ctk_where_32(int64_t n, const uint8_t *c, const void *a, const void *b, void *out);
void ctk_where_64(int64_t n, const uint8_t *c, const void *a, const void *b, void *out);
/// out = √x, 1/√x (two roundings, not the approximate instruction) and 1/x: the same loops
void ctk_sqrt_f32(int64_t n, const float *x, float *out);
void ctk_rsqrt_f32(int64_t n, const float *x, float *out);
void ctk_reciprocal_f32(int64_t n, const float *x, float *out);
/// out = 1 / (1 + expf(−x)) (the same expf; x and out may be the same array)
void ctk_sigmoid_f32(int64_t n, const float *x, float *out);
/// out = x / (1 + expf(−x)) (SiLU)
void ctk_silu_f32(int64_t n, const float *x, float *out);
/// out = grad · σ(x) · (1 + x · (1 − σ(x))), SiLU's derivative
void ctk_silu_backward_f32(int64_t n, const float *grad, const float *x, float *out);
/// out = grad · (1 − y²), y = tanh(x) (tanh's derivative from its output)
void ctk_tanh_backward_f32(int64_t n, const float *grad, const float *y, float *out);
/// out = grad · (1 − y) · y, y = sigmoid(x)
void ctk_sigmoid_backward_f32(int64_t n, const float *grad, const float *y, float *out);
/// The LSTM cell's pointwise part for `rows` of `hidden` units: gates = hiddenGates + inputGates
/// (rows × 4·hidden: input, forget, cell, output), c' = σ(f)·cx + σ(i)·tanh(g), h' = σ(o)·tanh(c');
/// writes h' to hy and c' to cy (rows × hidden each) and σ(i), σ(f), tanh(g), σ(o), tanh(c') to
/// workspace (rows × 5·hidden).
void ctk_lstm_cell_f32(int64_t rows, int64_t hidden, const float *hiddenGates, const float *inputGates, const float *cx,
                       float *hy, float *cy, float *workspace);
/// The gradients of the gate pre-activations (rows × 4·hidden) and of cx from those of h' and c'
/// (rows × hidden each) and the forward's workspace.
void ctk_lstm_cell_backward_f32(int64_t rows, int64_t hidden, const float *gradHy, const float *gradCy, const float *cx,
                                const float *workspace, float *gradGates, float *gradCx);
/// The GRU cell's pointwise part for `rows` of `hidden` units from the gates' input and hidden
/// parts (rows × 3·hidden: reset, update, new): h' = (hx − n)·z + n with r = σ, z = σ,
/// n = tanh(i_n + r·h_n); writes h' to hy and r, z, n, h_n to workspace (rows × 4·hidden).
void ctk_gru_cell_f32(int64_t rows, int64_t hidden, const float *inputGates, const float *hiddenGates, const float *hx,
                      float *hy, float *workspace);
/// The gradients of the gates' input and hidden parts (rows × 3·hidden each) and of hx from
/// that of h' and the forward's workspace.
void ctk_gru_cell_backward_f32(int64_t rows, int64_t hidden, const float *gradHy, const float *hx, const float *workspace,
                               float *gradInputGates, float *gradHiddenGates, float *gradHx);
/// dst[r·cols + c] = src[c·ld + r] for a rows x cols dst (a transposed matrix copied into
/// row-major order), elements moved as 4-byte or 8-byte bit patterns; tiled, and under AVX2 in
/// 8x8 register transposes for 4-byte elements.
void ctk_transpose_32(int64_t rows, int64_t cols, const void *src, int64_t ld, void *dst);
void ctk_transpose_64(int64_t rows, int64_t cols, const void *src, int64_t ld, void *dst);
/// Sum with partial sums in lanes (float accumulators, as PyTorch's vectorized sum), in one
/// order on every path, so the bits do not depend on the CPU.
float ctk_sum_f32(int64_t n, const float *x);
/// A row's max (min): its first NaN where it has one, else its first element equal to the
/// extremum (so the sign of a zero is the first zero's), as an in-order scan keeping strictly
/// larger (smaller) values gives; vector lanes under AVX2, the same results.
float ctk_max_f32(int64_t n, const float *x);
float ctk_min_f32(int64_t n, const float *x);
/// Softmax (log-softmax with `log` nonzero) of `rows` dense rows of `length`: e = expf(x − m),
/// m the row's peak (its first NaN, 0 for an all −∞ row), out = e / Σe, or (x − m) − logf(Σe).
/// Sums run in eight lanes then a fixed tree, the same bits on every path.
void ctk_softmax_rows_f32(int64_t rows, int64_t length, const float *x, float *out, int log);
/// Their gradients from the output y: y·(g − Σ g·y), or with `log`, g − expf(y)·Σg.
void ctk_softmax_backward_rows_f32(int64_t rows, int64_t length, const float *g, const float *y, float *out, int log);
/// out[r][k] = expf(logProbs[r][k]) · scales[r] over dense rows: the softmax part of cross
/// entropy's gradient from its log-probabilities, each row scaled by its share of the incoming
/// gradient (the bits of libm's expf, then one product).
void ctk_scaled_exp_rows_f32(int64_t rows, int64_t length, const float *logProbs, const float *scales, float *out);
/// Running sums of contiguous [outer, length, inner] blocks along `length`, from its end with
/// `reverse` nonzero (cumsum's gradient); float32 accumulates in double, int64 wraps.
void ctk_cumsum_f32(int64_t outer, int64_t length, int64_t inner, const float *x, float *out, int reverse);
void ctk_cumsum_f64(int64_t outer, int64_t length, int64_t inner, const double *x, double *out, int reverse);
void ctk_cumsum_i64(int64_t outer, int64_t length, int64_t inner, const int64_t *x, int64_t *out, int reverse);
/// Running products, as the sums (cumprod; float32 multiplies in double, int64 wraps).
void ctk_cumprod_f32(int64_t outer, int64_t length, int64_t inner, const float *x, float *out, int reverse);
void ctk_cumprod_f64(int64_t outer, int64_t length, int64_t inner, const double *x, double *out, int reverse);
void ctk_cumprod_i64(int64_t outer, int64_t length, int64_t inner, const int64_t *x, int64_t *out, int reverse);

/// PyTorch's 16-wide Box-Muller transform for float32 normal samples, in place on 16
/// uniforms: data[j], data[j+8] <- radius * (cos, sin)(theta) * std + mean, with the same
/// float32 polynomial log and sincos (Cephes, via avx_mathfun) PyTorch's AVX2 path uses.
void ctk_normal_fill_16_f32(float *data, float mean, float std);

/// One Adam/AdamW step over a contiguous parameter (PyTorch's single-tensor equations, with
/// its FMAs). oneMinusBeta1, oneMinusBeta2 and decay (1 - lr * weightDecay, for AdamW) are
/// computed in double by the caller, as PyTorch computes them in Python.
void ctk_adam_step_f32(int64_t n, float *param, const float *grad, float *expAvg, float *expAvgSq,
                       float *maxExpAvgSq, float oneMinusBeta1, float beta2, float oneMinusBeta2, float eps,
                       float weightDecay, int decoupled, float decay, int maximize,
                       float stepSize, float biasCorrection2Sqrt);

/// im2col of one channel plane [H, W] (contiguous): kh*kw rows of oh*ow values, row stride rs,
/// `pad` where a window reaches into the padding (0, or -inf for max pooling). Kernel (kh, kw), padding (ph, pw), stride
/// (sh, sw), dilation (dh, dw).
void ctk_im2col_f32(const float *plane, int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t ph, int64_t pw,
                    int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t oh, int64_t ow, float pad, float *cols, int64_t rs);
void ctk_im2col_f64(const double *plane, int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t ph, int64_t pw,
                    int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t oh, int64_t ow, double pad, double *cols, int64_t rs);
/// col2im, the adjoint of im2col: adds each row entry into the plane position it was read from.
void ctk_col2im_f32(const float *cols, int64_t rs, int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t ph, int64_t pw,
                    int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t oh, int64_t ow, float *plane);
void ctk_col2im_f64(const double *cols, int64_t rs, int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t ph, int64_t pw,
                    int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t oh, int64_t ow, double *plane);

/// Where the direct convolution kernels find tap k = (c, ki, kj) of output position (oy, ox):
/// input + c*channelStep + ki*rowStep + kj*columnStep + oy*rowPitch + ox. Zero-padded planes
/// [cin, PH, PW] have steps (PH*PW, dh*PW, dw, PW); planes shifted by each kj (see
/// CPUConvolution) let a layer that keeps its width treat the whole output plane as one row.
typedef struct {
  int64_t channels, kernelHeight, kernelWidth;
  int64_t channelStep, rowStep, columnStep, rowPitch;
} ctk_direct_taps;

/// The most taps (cin*kh*kw) the direct convolution kernels take.
#define CTK_DIRECT_MAX_TAPS 4608
/// Taps up to which a layer is shallow: its forward takes the direct kernel whatever its
/// layout, and its weight gradient the tap sums rather than the GEMM.
#define CTK_DIRECT_SHALLOW_TAPS 64

/// Direct convolution of one sample with stride 1, for few input channels, where building
/// columns costs more than the product, or any depth on a plane walked as one row (or few
/// output channels, as that layer's input gradient): out[co, oy, ox] = bias[co] + sum over
/// taps k of W[co, k] * (tap k of (oy, ox)). `packedW` holds the [cout, K] weight from
/// ctk_direct_pack_weight (K = cin*kh*kw <= CTK_DIRECT_MAX_TAPS); `input` is followed by 16
/// readable floats past its last tap; `bias` may be NULL. Output [cout, oh, ow]. With
/// `streamOutput` nonzero, the full aligned tile rows of two channel slivers in three are
/// written with non-temporal stores (no read for ownership; the lines leave the caches), the
/// rest with plain ones: for an output too large to stay cached until it is read.
void ctk_conv2d_direct_f32(const float *packedW, const float *bias, int64_t cout, ctk_direct_taps taps, const float *input,
                           int64_t oh, int64_t ow, float *out, int streamOutput);
/// Writes `value` to out[0, n) with the non-temporal stores the direct convolution streams
/// with (plain ones where it cannot stream): for torch-bench's memory bounds on a shallow
/// layer's forward.
void ctk_stream_fill_f32(float *out, int64_t n, float value);
/// Copies `rows` rows of `count` floats, `sourcePitch` and `targetPitch` floats apart (rows
/// of a direct convolution's input planes: a 28-float row is too short for a call to memmove
/// per row to pay for itself).
void ctk_copy_rows_f32(const float *source, int64_t sourcePitch, float *target, int64_t targetPitch, int64_t rows, int64_t count);
/// The same with dilation 1 for one or two output channels (a first layer's input gradient),
/// reading unpadded planes `input` [cin, H, W] as if padded by padTop rows and padLeft columns
/// of zeros, so no padded copy is made: `packedW` [cout, cin*kh*kw] as above, no bias, output
/// [cout, oh, ow]. Only where ctk_conv2d_direct_unpadded_applies (AVX2, cout <= 2, kh <= 5,
/// kw <= 8, oh >= 4, ow >= 16); elsewhere it does nothing: pad and call ctk_conv2d_direct_f32.
/// A layer that keeps its width (ow = W, odd kw <= 7, padLeft = (kw - 1)/2) is computed over the
/// flattened plane, with no lane spent past a row's end; others in bands of rows.
int ctk_conv2d_direct_unpadded_applies(int64_t cout, int64_t kh, int64_t kw, int64_t oh, int64_t ow);
void ctk_conv2d_direct_unpadded_f32(const float *packedW, int64_t cout, int64_t cin, int64_t kh, int64_t kw, const float *input,
                                    int64_t H, int64_t W, int64_t padTop, int64_t padLeft, int64_t oh, int64_t ow, float *out);
/// The weight gradient of the same: gradW[co, k] += sum over (oy, ox) of g[co, oy, ox] *
/// (tap k of (oy, ox)), for g [cout, oh, ow] and gradW [cout, K]: tap sums, or for K past
/// CTK_DIRECT_SHALLOW_TAPS on one row (oh 1, the shifted planes' layout) the packed GEMM
/// reading the taps in place.
void ctk_conv2d_direct_weight_gradient_f32(const float *g, int64_t cout, ctk_direct_taps taps, const float *input, int64_t oh,
                                           int64_t ow, float *gradW);

/// Max pooling of one plane [H, W]: values and flat input positions (h*W + w) of each window's
/// maximum (the first in scan order; a NaN wins), windows as im2col places them.
void ctk_maxpool2d_f32(const float *plane, int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t ph, int64_t pw,
                       int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t oh, int64_t ow, float *out, int64_t *indices);
void ctk_maxpool2d_f64(const double *plane, int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t ph, int64_t pw,
                       int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t oh, int64_t ow, double *out, int64_t *indices);

/// Max pooling's input gradient for one plane: zeros, plus grad[i] at indices[i] for each output.
void ctk_maxpool2d_backward_f32(const float *grad, const int64_t *indices, int64_t positions, int64_t plane, float *out);

/// Average pooling of one plane [H, W] (PyTorch's avg_pool2d): each window's sum over the
/// input, divided by `divisor` when positive, else by the window's size within the padded input
/// (`includePad`) or within the input. Output [oh, ow].
void ctk_avgpool2d_f32(const float *plane, int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t ph, int64_t pw, int64_t sh,
                       int64_t sw, int64_t oh, int64_t ow, int includePad, int64_t divisor, float *out);
void ctk_avgpool2d_f64(const double *plane, int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t ph, int64_t pw, int64_t sh,
                       int64_t sw, int64_t oh, int64_t ow, int includePad, int64_t divisor, double *out);
/// Its input gradient for one plane: adds grad[o] / divisor(o) to every input of window o (`out` [H, W] zeroed by the caller).
void ctk_avgpool2d_backward_f32(const float *grad, int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t ph, int64_t pw,
                                int64_t sh, int64_t sw, int64_t oh, int64_t ow, int includePad, int64_t divisor, float *out);
void ctk_avgpool2d_backward_f64(const double *grad, int64_t H, int64_t W, int64_t kh, int64_t kw, int64_t ph, int64_t pw,
                                int64_t sh, int64_t sw, int64_t oh, int64_t ow, int includePad, int64_t divisor, double *out);

// Layer and group normalization of one contiguous float32 (or float64) row of `length` elements; element k
// takes affine parameter w[k / span], b[k / span] (span 1: layer norm; a channel's plane size:
// group norm, with w and b offset to the row's group). w and b may be NULL.
/// Normalizes one row by its mean and 1/sqrt(biased var + eps) (moments in double), writing
/// both and the affine output.
void ctk_norm_row_f32(int64_t length, int64_t span, const float *x, const float *w, const float *b, double eps, float *out,
                      float *mean, float *rstd);
void ctk_norm_row_f64(int64_t length, int64_t span, const double *x, const double *w, const double *b, double eps, double *out,
                      double *mean, double *rstd);
/// One row's backward: dx (when not NULL) from sums of g*w and g*w*(x - mean) in double, and
/// dw[k / span] += sum g*(x - mean)*rstd, db[k / span] += sum g (each when not NULL).
void ctk_norm_row_backward_f32(int64_t length, int64_t span, const float *g, const float *x, const float *w, float mean,
                               float rstd, float *dx, float *dw, float *db);
void ctk_norm_row_backward_f64(int64_t length, int64_t span, const double *g, const double *x, const double *w, double mean,
                               double rstd, double *dx, double *dw, double *db);

// Batch normalization over a contiguous float32 [N, C, HW], one channel per call.
/// Mean and sum of squared deviations of channel `channel`, accumulated in double.
void ctk_channel_moments_f32(const float *x, int64_t n, int64_t c, int64_t hw, int64_t channel, double *mean, double *m2);
/// out = x * alpha + beta over one channel.
void ctk_channel_affine_f32(const float *x, int64_t n, int64_t c, int64_t hw, int64_t channel, float alpha, float beta, float *out);
/// sum(g) and sum(g * (x - mean)) over one channel, in double.
void ctk_channel_gradient_sums_f32(const float *g, const float *x, int64_t n, int64_t c, int64_t hw, int64_t channel, float mean,
                                   double *sumG, double *sumGX);
/// out = (g - meanG - (x - mean) * k) * scale over one channel (training-mode input gradient).
void ctk_channel_batchnorm_backward_f32(const float *g, const float *x, int64_t n, int64_t c, int64_t hw, int64_t channel,
                                        float mean, float meanG, float k, float scale, float *out);

/// PyTorch's CPU random engine (32-bit Mersenne Twister): the state words, the next word to
/// temper (624: twist first), and whether it was seeded and never twisted.
typedef struct {
  uint32_t state[624];
  int32_t index;
  int32_t fresh;
} CTKMT19937;

void ctk_mt_seed(CTKMT19937 *mt, uint64_t seed);
/// The next tempered 32-bit word.
uint32_t ctk_mt_next(CTKMT19937 *mt);
/// float32 in [from, to): 24 bits per element, scaled in double (ATen's uniform_real).
void ctk_uniform_fill_f32(CTKMT19937 *mt, float *out, int64_t n, float from, float to);
/// float64 in [from, to): 53 bits from two draws per element.
void ctk_uniform_fill_f64(CTKMT19937 *mt, double *out, int64_t n, double from, double to);
/// `one` where a 53-bit uniform double is below p, else 0: 1 for bernoulli_, 1/(1 - p) for a
/// dropout mask drawn already scaled.
void ctk_bernoulli_fill_f32(CTKMT19937 *mt, float *out, int64_t n, double p, float one);
void ctk_bernoulli_fill_f64(CTKMT19937 *mt, double *out, int64_t n, double p, double one);

/// The CRC-32 of zip and gzip over `count` bytes, continuing from `crc` (0 to start).
uint32_t ctk_crc32(uint32_t crc, const void *data, size_t count);

/// A tensor's geometry as CUDA kernels receive it (by value, up to 8 dims). The CUDA C
/// sources in Backend/CUDA declare the same struct, so both sides agree on its layout.
typedef struct {
  int64_t shape[8];
  int64_t strides[8];
  int32_t ndim;
  int32_t unused;
} CTKTensorInfo;

/// Adaptive max pooling of one plane [H, W] to [oh, ow]: each output's maximum over PyTorch's
/// bin (rows ⌊i·H/oh⌋ ..< ⌈(i+1)·H/oh⌉, columns likewise) and its flat position, with max
/// pooling's rule (the first maximum in scan order; a NaN wins).
void ctk_adaptive_maxpool2d_f32(const float *plane, int64_t H, int64_t W, int64_t oh, int64_t ow, float *out, int64_t *indices);
void ctk_adaptive_maxpool2d_f64(const double *plane, int64_t H, int64_t W, int64_t oh, int64_t ow, double *out,
                                int64_t *indices);
/// Adaptive average pooling of one plane [H, W] to [oh, ow]: each bin's sum divided by its
/// height, then its width (PyTorch's CPU order).
void ctk_adaptive_avgpool2d_f32(const float *plane, int64_t H, int64_t W, int64_t oh, int64_t ow, float *out);
void ctk_adaptive_avgpool2d_f64(const double *plane, int64_t H, int64_t W, int64_t oh, int64_t ow, double *out);
/// Its input gradient: `out` [H, W] overwritten with each output's share of `grad` [oh, ow]
/// summed over every bin that holds the cell (bins overlap where sizes do not divide).
void ctk_adaptive_avgpool2d_backward_f32(const float *grad, int64_t H, int64_t W, int64_t oh, int64_t ow, float *out);
void ctk_adaptive_avgpool2d_backward_f64(const double *grad, int64_t H, int64_t W, int64_t oh, int64_t ow, double *out);

/// Resizes one plane [H, W] to [oh, ow] (F.interpolate): output (i, j) reads rows rowLow[i] /
/// rowHigh[i] and columns colLow[j] / colHigh[j]; nearest copies x[rowLow[i]][colLow[j]],
/// bilinear weighs them by h0/h1 and w0/w1 in PyTorch's order (nearest gives PyTorch's bits).
void ctk_resize2d_f32(const float *x, int64_t W, const int64_t *rowLow, const int64_t *rowHigh, const float *h0,
                      const float *h1, int64_t oh, const int64_t *colLow, const int64_t *colHigh, const float *w0,
                      const float *w1, int64_t ow, int nearest, float *out);
void ctk_resize2d_f64(const double *x, int64_t W, const int64_t *rowLow, const int64_t *rowHigh, const double *h0,
                      const double *h1, int64_t oh, const int64_t *colLow, const int64_t *colHigh, const double *w0,
                      const double *w1, int64_t ow, int nearest, double *out);
/// The adjoint: gx [H, W] (overwritten) gains each output's gradient times its weights, in
/// output order, as PyTorch's CPU backward adds them.
void ctk_resize2d_backward_f32(const float *g, int64_t H, int64_t W, const int64_t *rowLow, const int64_t *rowHigh,
                               const float *h0, const float *h1, int64_t oh, const int64_t *colLow, const int64_t *colHigh,
                               const float *w0, const float *w1, int64_t ow, int nearest, float *gx);
void ctk_resize2d_backward_f64(const double *g, int64_t H, int64_t W, const int64_t *rowLow, const int64_t *rowHigh,
                               const double *h0, const double *h1, int64_t oh, const int64_t *colLow,
                               const int64_t *colHigh, const double *w0, const double *w1, int64_t ow, int nearest,
                               double *gx);

/// NCCL's ncclCommInitRank(comm, nranks, id, rank), called through its address: its
/// 128-byte ncclUniqueId is passed by value, which Swift cannot spell for a function it holds
/// only as a pointer. Returns NCCL's ncclResult_t.
int ctk_nccl_comm_init_rank(const void *function, void **comm, int nranks, const void *uniqueId, int rank);

#ifdef __cplusplus
}
#endif
#endif
