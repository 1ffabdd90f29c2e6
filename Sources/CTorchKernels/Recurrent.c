// The LSTM cell's pointwise part, forward and backward, as one pass each (what PyTorch's CUDA
// `_thnn_fused_lstm_cell` fuses): the gates' activations, the new cell and hidden state, and
// their derivatives. The transcendental functions are branch-free, so each loop vectorizes
// (8 lanes under AVX2, 4 portably).
#include "Internal.h"

static inline float ctk_bits_to_float(uint32_t bits) {
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

/// e^x within 2 ulp for x in [-87.3, 88.3] (2^n · p(r), r = x − n·ln 2 in [−ln2/2, ln2/2], p
/// the degree-7 Taylor polynomial, truncation below 1e-8); 0 below, +inf above, NaN kept.
/// Enough for the sigmoid and tanh below, whose results stay within a few ulp.
static inline float ctk_lstm_exp(float x) {
  const float high = 88.3762626647949f, low = -87.3365447505531f;
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
  float scale = ctk_bits_to_float((uint32_t)((int32_t)n + 127) << 23);
  float value = p * scale;
  value = x > high ? INFINITY : value;
  value = x < low ? 0.0f : value;
  return x != x ? x : value;
}

static inline float ctk_lstm_sigmoid(float x) { return 1.0f / (1.0f + ctk_lstm_exp(-x)); }

/// tanh: below |x| = 0.4 its odd Taylor series to x^15 (truncation below 1e-8 relative), above
/// it 1 − 2/(e^{2|x|} + 1) with |x| capped at 9.1 (from about 9.01 on, tanh rounds to 1), the
/// sign restored.
static inline float ctk_lstm_tanh(float x) {
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
  float large = 1.0f - 2.0f / (ctk_lstm_exp(2.0f * capped) + 1.0f);
  float t = a < 0.4f ? series : large;
  t = x < 0 ? -t : t;
  return x != x ? x : t;
}

// Per row of `hidden` units: gates = hiddenGates + inputGates ([4·hidden]: input, forget,
// cell, output), i = σ, f = σ, g = tanh, o = σ; c' = f·c + i·g, h' = o·tanh(c'). Writes h', c'
// ([rows, hidden] each) and i, f, g, o, tanh(c') to `workspace` ([rows, 5·hidden]).
CTK_DEFINE(lstm_cell_f32,
           (int64_t rows, int64_t hidden, const float *restrict hiddenGates, const float *restrict inputGates,
            const float *restrict cx, float *restrict hy, float *restrict cy, float *restrict workspace),
           (rows, hidden, hiddenGates, inputGates, cx, hy, cy, workspace), {
  for (int64_t r = 0; r < rows; r++) {
    const float *restrict hg = hiddenGates + r * 4 * hidden, *restrict ig = inputGates + r * 4 * hidden;
    float *restrict w = workspace + r * 5 * hidden, *restrict h = hy + r * hidden, *restrict c = cy + r * hidden;
    for (int64_t j = 0; j < hidden; j++) {
      float i = ctk_lstm_sigmoid(hg[j] + ig[j]);
      float f = ctk_lstm_sigmoid(hg[hidden + j] + ig[hidden + j]);
      float g = ctk_lstm_tanh(hg[2 * hidden + j] + ig[2 * hidden + j]);
      float o = ctk_lstm_sigmoid(hg[3 * hidden + j] + ig[3 * hidden + j]);
      float cell = f * cx[r * hidden + j] + i * g;
      float tc = ctk_lstm_tanh(cell);
      c[j] = cell;
      h[j] = o * tc;
      w[j] = i;
      w[hidden + j] = f;
      w[2 * hidden + j] = g;
      w[3 * hidden + j] = o;
      w[4 * hidden + j] = tc;
    }
  }
})

// From the gradients of h' and c' ([rows, hidden] each) and the forward's workspace: the
// gradient of the gate pre-activations ([rows, 4·hidden]) and of c ([rows, hidden]).
CTK_DEFINE(lstm_cell_backward_f32,
           (int64_t rows, int64_t hidden, const float *restrict gradHy, const float *restrict gradCy, const float *restrict cx,
            const float *restrict workspace, float *restrict gradGates, float *restrict gradCx),
           (rows, hidden, gradHy, gradCy, cx, workspace, gradGates, gradCx), {
  for (int64_t r = 0; r < rows; r++) {
    const float *restrict w = workspace + r * 5 * hidden, *restrict dh = gradHy + r * hidden, *restrict dc = gradCy + r * hidden;
    float *restrict dg = gradGates + r * 4 * hidden;
    for (int64_t j = 0; j < hidden; j++) {
      float i = w[j], f = w[hidden + j], g = w[2 * hidden + j], o = w[3 * hidden + j], tc = w[4 * hidden + j];
      float cellGrad = dh[j] * o * (1 - tc * tc) + dc[j];
      dg[j] = cellGrad * g * i * (1 - i);
      dg[hidden + j] = cellGrad * cx[r * hidden + j] * f * (1 - f);
      dg[2 * hidden + j] = cellGrad * i * (1 - g * g);
      dg[3 * hidden + j] = dh[j] * tc * o * (1 - o);
      gradCx[r * hidden + j] = cellGrad * f;
    }
  }
})
