extension CUDAKernels {
  /// im2col (one thread per column entry) and col2im (one thread per image element, summing
  /// the entries that read it: deterministic, no atomics). `WINDOW_PARAMS` is the geometry.
  static let convolutionTemplates = """
    #define WINDOW_PARAMS i64 N, i64 C, i64 H, i64 W, i64 kh, i64 kw, i64 ph, i64 pw, i64 sh, i64 sw, i64 dh, i64 dw, i64 oh, i64 ow
    #define UNFOLD(T) extern "C" __global__ void unfold_##T(const T* x, T* out, i64 sn, i64 sc, i64 rs, double pad, WINDOW_PARAMS, i64 n) { \\
      GRID { i64 L = oh * ow, l = i % L, r = i / L, tap = r % (kh * kw), p = r / (kh * kw), c = p % C, b = p / C; \\
        i64 iy = (l / ow) * sh - ph + (tap / kw) * dh, ix = (l % ow) * sw - pw + (tap % kw) * dw; \\
        out[b * sn + c * sc + tap * rs + l] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? x[(p * H + iy) * W + ix] : (T)pad; } }
    #define FOLD(T) extern "C" __global__ void fold_##T(const T* cols, i64 sn, i64 sc, i64 rs, T* out, WINDOW_PARAMS, i64 n) { \\
      GRID { i64 ix = i % W, iy = (i / W) % H, p = i / (H * W), c = p % C, b = p / C; T acc = 0; \\
        for (i64 ki = 0; ki < kh; ++ki) { i64 ty = iy + ph - ki * dh; if (ty < 0 || ty % sh != 0 || ty / sh >= oh) continue; \\
          for (i64 kj = 0; kj < kw; ++kj) { i64 tx = ix + pw - kj * dw; if (tx < 0 || tx % sw != 0 || tx / sw >= ow) continue; \\
            acc += cols[b * sn + c * sc + (ki * kw + kj) * rs + (ty / sh) * ow + tx / sw]; } } \\
        out[i] += acc; } }

    """
}
