extension CUDAKernels {
  /// im2col (one thread per column entry), max and average pooling, windowed and adaptive (one per output), and
  /// col2im and both average poolings' backward (one thread per image element, summing the entries that read it:
  /// deterministic, no atomics). `WINDOW_PARAMS` is the geometry. An adaptive bin's rows are ⌊o·H/oh⌋ ..< ⌈(o+1)·H/oh⌉:
  /// row iy lies in bin ⌊iy·oh/H⌋ and in each later bin that starts at or before it.
  static let convolutionTemplates = """
    #define WINDOW_PARAMS i64 N, i64 C, i64 H, i64 W, i64 kh, i64 kw, i64 ph, i64 pw, i64 sh, i64 sw, i64 dh, i64 dw, i64 oh, i64 ow
    #define IM2COL(T) extern "C" __global__ void unfold_##T(const T* x, T* out, i64 sn, i64 sc, i64 rs, double pad, WINDOW_PARAMS, i64 n) { \\
      GRID { i64 L = oh * ow, l = i % L, r = i / L, tap = r % (kh * kw), p = r / (kh * kw), c = p % C, b = p / C; \\
        i64 iy = (l / ow) * sh - ph + (tap / kw) * dh, ix = (l % ow) * sw - pw + (tap % kw) * dw; \\
        out[b * sn + c * sc + tap * rs + l] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? x[(p * H + iy) * W + ix] : (T)pad; } }
    #define COL2IM(T) extern "C" __global__ void fold_##T(const T* cols, i64 sn, i64 sc, i64 rs, T* out, WINDOW_PARAMS, i64 n) { \\
      GRID { i64 ix = i % W, iy = (i / W) % H, p = i / (H * W), c = p % C, b = p / C; T acc = 0; \\
        for (i64 ki = 0; ki < kh; ++ki) { i64 ty = iy + ph - ki * dh; if (ty < 0 || ty % sh != 0 || ty / sh >= oh) continue; \\
          for (i64 kj = 0; kj < kw; ++kj) { i64 tx = ix + pw - kj * dw; if (tx < 0 || tx % sw != 0 || tx / sw >= ow) continue; \\
            acc += cols[b * sn + c * sc + (ki * kw + kj) * rs + (ty / sh) * ow + tx / sw]; } } \\
        out[i] += acc; } }
    #define MAXPOOL(T) extern "C" __global__ void max_pool2d_##T(const T* x, T* out, i64* indices, WINDOW_PARAMS, i64 n) { \\
      GRID { i64 L = oh * ow, l = i % L, p = i / L; i64 y0 = (l / ow) * sh - ph, x0 = (l % ow) * sw - pw; \\
        i64 y1 = y0 + (kh - 1) * dh + 1, x1 = x0 + (kw - 1) * dw + 1; if (y1 > H) y1 = H; if (x1 > W) x1 = W; \\
        while (y0 < 0) y0 += dh; while (x0 < 0) x0 += dw; i64 best = y0 * W + x0; T value = (T)-INFINITY; \\
        for (i64 y = y0; y < y1; y += dh) for (i64 xx = x0; xx < x1; xx += dw) { T v = x[p * H * W + y * W + xx]; \\
          if (v > value || v != v) { value = v; best = y * W + xx; } } \\
        out[i] = value; indices[i] = best; } }
    #define AVGPOOL_WINDOW(oy, ox) i64 y0 = (oy) * sh - ph, x0 = (ox) * sw - pw; \\
        i64 y1 = y0 + kh < H + ph ? y0 + kh : H + ph, x1 = x0 + kw < W + pw ? x0 + kw : W + pw, padded = (y1 - y0) * (x1 - x0); \\
        if (y0 < 0) y0 = 0; if (x0 < 0) x0 = 0; if (y1 > H) y1 = H; if (x1 > W) x1 = W; \\
        i64 divide = divisor > 0 ? divisor : includePad ? padded : (y1 - y0) * (x1 - x0);
    #define AVGPOOL(T) extern "C" __global__ void avg_pool2d_##T(const T* x, T* out, WINDOW_PARAMS, i64 includePad, i64 divisor, i64 n) { \\
      GRID { i64 L = oh * ow, l = i % L, p = i / L; AVGPOOL_WINDOW(l / ow, l % ow) T sum = 0; \\
        for (i64 y = y0; y < y1; ++y) for (i64 xx = x0; xx < x1; ++xx) sum += x[p * H * W + y * W + xx]; \\
        out[i] = sum / (T)divide; } }
    #define AVGPOOL_BACKWARD(T) extern "C" __global__ void avg_pool2d_backward_##T(const T* g, T* out, WINDOW_PARAMS, i64 includePad, i64 divisor, i64 n) { \\
      GRID { i64 ix = i % W, iy = (i / W) % H, p = i / (H * W); T acc = 0; \\
        i64 oy0 = (iy + ph - kh) / sh, ox0 = (ix + pw - kw) / sw; \\
        for (i64 oy = oy0 > 0 ? oy0 : 0; oy < oh && oy * sh - ph <= iy; ++oy) \\
          for (i64 ox = ox0 > 0 ? ox0 : 0; ox < ow && ox * sw - pw <= ix; ++ox) { \\
            AVGPOOL_WINDOW(oy, ox) if (iy < y0 || iy >= y1 || ix < x0 || ix >= x1) continue; \\
            acc += g[p * oh * ow + oy * ow + ox] / (T)divide; } \\
        out[i] = acc; } }
    #define BIN_START(o, size, count) ((o) * (size) / (count))
    #define BIN_END(o, size, count) ((((o) + 1) * (size) + (count) - 1) / (count))
    #define MAXPOOL_ADAPTIVE(T) extern "C" __global__ void adaptive_max_pool2d_##T(const T* x, T* out, i64* indices, \
        i64 H, i64 W, i64 oh, i64 ow, i64 n) { \
      GRID { i64 ox = i % ow, oy = (i / ow) % oh, p = i / (oh * ow); \
        i64 y0 = BIN_START(oy, H, oh), y1 = BIN_END(oy, H, oh), x0 = BIN_START(ox, W, ow), x1 = BIN_END(ox, W, ow); \
        i64 best = y0 * W + x0; T value = (T)-INFINITY; \
        for (i64 y = y0; y < y1; ++y) for (i64 xx = x0; xx < x1; ++xx) { T v = x[p * H * W + y * W + xx]; \
          if (v > value || v != v) { value = v; best = y * W + xx; } } \
        out[i] = value; indices[i] = best; } }
    #define AVGPOOL_ADAPTIVE(T) extern "C" __global__ void adaptive_avg_pool2d_##T(const T* x, T* out, i64 H, i64 W, i64 oh, i64 ow, i64 n) { \
      GRID { i64 ox = i % ow, oy = (i / ow) % oh, p = i / (oh * ow); \
        i64 y0 = BIN_START(oy, H, oh), y1 = BIN_END(oy, H, oh), x0 = BIN_START(ox, W, ow), x1 = BIN_END(ox, W, ow); T sum = 0; \
        for (i64 y = y0; y < y1; ++y) for (i64 xx = x0; xx < x1; ++xx) sum += x[p * H * W + y * W + xx]; \
        out[i] = sum / (T)(y1 - y0) / (T)(x1 - x0); } }
    #define AVGPOOL_ADAPTIVE_BACKWARD(T) extern "C" __global__ void adaptive_avg_pool2d_backward_##T(const T* g, T* out, \
        i64 H, i64 W, i64 oh, i64 ow, i64 n) { \
      GRID { i64 ix = i % W, iy = (i / W) % H, p = i / (H * W); T acc = 0; \
        for (i64 oy = iy * oh / H; oy < oh && BIN_START(oy, H, oh) <= iy; ++oy) { i64 y0 = BIN_START(oy, H, oh), y1 = BIN_END(oy, H, oh); \
          for (i64 ox = ix * ow / W; ox < ow && BIN_START(ox, W, ow) <= ix; ++ox) { i64 x0 = BIN_START(ox, W, ow), x1 = BIN_END(ox, W, ow); \
            acc += g[p * oh * ow + oy * ow + ox] / (T)(y1 - y0) / (T)(x1 - x0); } } \
        out[i] = acc; } }
    #define RESIZE_PARAMS(T) i64 H, i64 W, i64 oh, i64 ow, i64 nearest, const i64* rl, const i64* rh, const T* h0, const T* h1, \
        const i64* cl, const i64* ch, const T* w0, const T* w1
    #define RESIZE(T) extern "C" __global__ void resize2d_##T(const T* x, T* out, RESIZE_PARAMS(T), i64 n) { \
      GRID { i64 j = i % ow, r = (i / ow) % oh, p = i / (oh * ow); const T* top = x + p * H * W + rl[r] * W; \
        if (nearest) { out[i] = top[cl[j]]; continue; } const T* bottom = x + p * H * W + rh[r] * W; \
        T upper = top[cl[j]] * w0[j] + top[ch[j]] * w1[j], lower = bottom[cl[j]] * w0[j] + bottom[ch[j]] * w1[j]; \
        out[i] = upper * h0[r] + lower * h1[r]; } }
    #define RESIZE_BACKWARD(T) extern "C" __global__ void resize2d_backward_##T(const T* g, T* out, RESIZE_PARAMS(T), \
        const i64* rowFirst, const i64* rowEnd, const i64* colFirst, const i64* colEnd, i64 n) { \
      GRID { i64 c = i % W, r = (i / W) % H, p = i / (H * W); T acc = 0; \
        for (i64 a = rowFirst[r]; a < rowEnd[r]; ++a) for (i64 b = colFirst[c]; b < colEnd[c]; ++b) { \
          T v = g[p * oh * ow + a * ow + b]; \
          if (nearest) { if (rl[a] == r && cl[b] == c) acc += v; continue; } \
          if (rl[a] == r && cl[b] == c) acc += h0[a] * w0[b] * v; if (rl[a] == r && ch[b] == c) acc += h0[a] * w1[b] * v; \
          if (rh[a] == r && cl[b] == c) acc += h1[a] * w0[b] * v; if (rh[a] == r && ch[b] == c) acc += h1[a] * w1[b] * v; } \
        out[i] = acc; } }

    """
}
