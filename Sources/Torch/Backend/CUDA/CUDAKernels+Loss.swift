extension CUDAKernels {
  /// The gathered part of the negative log-likelihood.
  static let lossTemplates = """
    #define NLL(T) extern "C" __global__ void nll_##T(const T* lp, i64 rs, i64 cs, const i64* target, i64 ts, const T* weight, i64 ws, \\
                                                  i64 ignore, i64 classes, T* losses, T* weights, i64 n) { \\
      GRID { i64 t = target[i * ts]; if (t == ignore) { losses[i] = 0; weights[i] = 0; continue; } \\
        if (t < 0 || t >= classes) { losses[i] = NAN; weights[i] = NAN; continue; } \\
        T w = weight ? weight[t * ws] : (T)1; losses[i] = -w * lp[i * rs + t * cs]; weights[i] = w; } }

    """
}
