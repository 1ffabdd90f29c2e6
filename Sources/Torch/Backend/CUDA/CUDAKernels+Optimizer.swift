extension CUDAKernels {
  /// The fused Adam/AdamW step, one thread per element, with the roundings of the C lane
  /// (CTorchKernels/Optimizer.c): each of PyTorch's in-place ops, FMAs where its kernels fuse.
  static let optimizerTemplates = """
    #define ADAM(T) extern "C" __global__ void adam_step_##T(T* p, const T* grad, T* m, T* v, T* vmax, i64 n, \\
        double oneMinusBeta1, double beta2, double oneMinusBeta2, double eps, double wd, int decoupled, double decay, \\
        int maximize, double stepSize, double bc2Sqrt) { \\
      GRID { T g = maximize ? -grad[i] : grad[i]; T param = p[i]; \\
        if (wd != 0) { if (decoupled) param = param * (T)decay; else g = fma((T)wd, param, g); } \\
        T mi = fma((T)oneMinusBeta1, g - m[i], m[i]); \\
        T vi = fma((T)oneMinusBeta2 * g, g, v[i] * (T)beta2); \\
        m[i] = mi; v[i] = vi; \\
        T second = vi; if (vmax) { second = vmax[i] > vi ? vmax[i] : vi; vmax[i] = second; } \\
        T denom = sqrt(second) / (T)bc2Sqrt + (T)eps; \\
        p[i] = param + (-(T)stepSize * mi) / denom; } }

    """
}
