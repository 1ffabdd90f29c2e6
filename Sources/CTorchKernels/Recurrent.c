// The LSTM's and the GRU's cell, their pointwise part, forward and backward, as one pass each
// (what PyTorch's CUDA `_thnn_fused_lstm_cell` and `_thnn_fused_gru_cell` fuse): the gates'
// activations, the new state, and their derivatives. σ is the tensor op's kernel and tanh
// Transcendental.h's branch-free one, and the pointers are `restrict` (without it the
// vectorized loops' run-time overlap checks failed and the scalar loop ran, 6.5x slower), so
// each loop vectorizes (8 lanes under AVX2, 4 portably).
#include "Internal.h"
#include "Transcendental.h"

// The rows' last steps, one pointer per gate: as parameters, `restrict` tells the compiler the
// gates do not overlap (LLVM ignores it on local pointers, and the run-time overlap checks it
// generated instead spanned every row, failed, and left the loops scalar, 4x slower). Always
// inlined, so each compiles for its caller's target (AVX2+FMA or portable).
static inline __attribute__((always_inline))
void lstm_cell_row(int64_t hidden, const float *restrict i, const float *restrict f, float *restrict g, const float *restrict o,
                   float *restrict tanhCell, const float *restrict c0, float *restrict h, float *restrict c) {
  for (int64_t j = 0; j < hidden; j++) {
    float cellGate = ctk_vtanh(g[j]);
    float cell = f[j] * c0[j] + i[j] * cellGate;
    float tc = ctk_vtanh(cell);
    c[j] = cell;
    h[j] = o[j] * tc;
    g[j] = cellGate;
    tanhCell[j] = tc;
  }
}

static inline __attribute__((always_inline))
void gru_cell_row(int64_t hidden, const float *restrict reset, const float *restrict update, const float *restrict inputNew,
                  const float *restrict hiddenNew, const float *restrict h, float *restrict candidates,
                  float *restrict hiddenNews, float *restrict out) {
  for (int64_t j = 0; j < hidden; j++) {
    float candidate = ctk_vtanh(inputNew[j] + hiddenNew[j] * reset[j]);
    out[j] = (h[j] - candidate) * update[j] + candidate;
    candidates[j] = candidate;
    hiddenNews[j] = hiddenNew[j];
  }
}

// Per row of `hidden` units: gates = hiddenGates + inputGates ([4·hidden]: input, forget,
// cell, output), i = σ, f = σ, g = tanh, o = σ; c' = f·c + i·g, h' = o·tanh(c'). Writes h', c'
// ([rows, hidden] each) and i, f, g, o, tanh(c') to `workspace` ([rows, 5·hidden]). The sums
// and σ go through the workspace in place (σ is ctk_sigmoid_f32, libm's expf): every value
// has the bits the composed ops give.
CTK_DEFINE(lstm_cell_f32,
           (int64_t rows, int64_t hidden, const float *restrict hiddenGates, const float *restrict inputGates,
            const float *restrict cx, float *restrict hy, float *restrict cy, float *restrict workspace),
           (rows, hidden, hiddenGates, inputGates, cx, hy, cy, workspace), {
  for (int64_t r = 0; r < rows; r++) {
    const float *restrict hg = hiddenGates + r * 4 * hidden, *restrict ig = inputGates + r * 4 * hidden;
    const float *restrict c0 = cx + r * hidden;
    float *restrict w = workspace + r * 5 * hidden, *restrict h = hy + r * hidden, *restrict c = cy + r * hidden;
    for (int64_t j = 0; j < 4 * hidden; j++) w[j] = hg[j] + ig[j];
    ctk_sigmoid_f32(2 * hidden, w, w);
    ctk_sigmoid_f32(hidden, w + 3 * hidden, w + 3 * hidden);
    lstm_cell_row(hidden, w, w + hidden, w + 2 * hidden, w + 3 * hidden, w + 4 * hidden, c0, h, c);
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

// Per row of `hidden` units, the GRU's gates from the input's and the hidden state's parts
// ([3·hidden] each: reset, update, new): r = σ(i_r + h_r), z = σ(i_z + h_z),
// n = tanh(i_n + r·h_n), h' = (h − n)·z + n. Writes h' ([rows, hidden]) and r, z, n, h_n to
// `workspace` ([rows, 4·hidden]), with the composed ops' bits (σ in place, as the LSTM's).
CTK_DEFINE(gru_cell_f32,
           (int64_t rows, int64_t hidden, const float *restrict inputGates, const float *restrict hiddenGates,
            const float *restrict hx, float *restrict hy, float *restrict workspace),
           (rows, hidden, inputGates, hiddenGates, hx, hy, workspace), {
  for (int64_t r = 0; r < rows; r++) {
    const float *restrict ig = inputGates + r * 3 * hidden, *restrict hg = hiddenGates + r * 3 * hidden;
    const float *restrict h = hx + r * hidden;
    float *restrict w = workspace + r * 4 * hidden, *restrict out = hy + r * hidden;
    for (int64_t j = 0; j < 2 * hidden; j++) w[j] = ig[j] + hg[j];
    ctk_sigmoid_f32(2 * hidden, w, w);
    gru_cell_row(hidden, w, w + hidden, ig + 2 * hidden, hg + 2 * hidden, h, w + 2 * hidden, w + 3 * hidden, out);
  }
})

// From the gradient of h' ([rows, hidden]), h and the forward's workspace: the gradients of the
// input's and the hidden state's gate parts ([rows, 3·hidden] each; they differ in the new
// gate, where the hidden part is scaled by r) and of h.
CTK_DEFINE(gru_cell_backward_f32,
           (int64_t rows, int64_t hidden, const float *restrict gradHy, const float *restrict hx,
            const float *restrict workspace, float *restrict gradInputGates, float *restrict gradHiddenGates,
            float *restrict gradHx),
           (rows, hidden, gradHy, hx, workspace, gradInputGates, gradHiddenGates, gradHx), {
  for (int64_t r = 0; r < rows; r++) {
    const float *restrict w = workspace + r * 4 * hidden, *restrict dh = gradHy + r * hidden, *restrict h = hx + r * hidden;
    float *restrict gi = gradInputGates + r * 3 * hidden, *restrict gh = gradHiddenGates + r * 3 * hidden;
    for (int64_t j = 0; j < hidden; j++) {
      float reset = w[j], update = w[hidden + j], candidate = w[2 * hidden + j], hiddenNew = w[3 * hidden + j];
      float candidateGrad = dh[j] * (1 - update) * (1 - candidate * candidate);
      float resetGrad = candidateGrad * hiddenNew * reset * (1 - reset);
      float updateGrad = dh[j] * (h[j] - candidate) * update * (1 - update);
      gi[j] = gh[j] = resetGrad;
      gi[hidden + j] = gh[hidden + j] = updateGrad;
      gi[2 * hidden + j] = candidateGrad;
      gh[2 * hidden + j] = candidateGrad * reset;
      gradHx[r * hidden + j] = dh[j] * update;
    }
  }
})
