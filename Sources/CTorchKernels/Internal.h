// Shared by the kernel files: the CPU-feature dispatch and the per-function target attribute.
#ifndef CTK_INTERNAL_H
#define CTK_INTERNAL_H

#include "CTorchKernels.h"

// Every path computes each lane with the same roundings: no implicit multiply-add fusion.
#pragma STDC FP_CONTRACT OFF

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define CTK_X86 1
#include <immintrin.h>
#define CTK_AVX2 __attribute__((target("avx2,fma")))
#define CTK_AVX512 __attribute__((target("avx512f")))
#endif

/// Rows of the SGEMM microkernel: A packed by ctk_sgemm_pack_a is slivers of this many rows,
/// k-major (sliver s, depth k, row i at [s * K * MR + k * MR + i] for K <= 512).
#define CTK_GEMM_MR 6

/// Whether to take the AVX2+FMA paths: the CPU has them and the portable path is not forced.
int ctk_use_avx2(void);
/// Whether SGEMM and the direct convolution (forward, weight gradient, first-layer input gradient)
/// take their AVX-512 forms: the CPU (and OS) has AVX-512F and neither the portable nor the AVX2
/// path is forced.
int ctk_use_avx512(void);

// The exported `ctk_<name>`: `<name>_avx2` where the CPU has AVX2+FMA, else `<name>_portable`.
#define CTK_DISPATCH(name, params, args)                           \
  void ctk_##name params {                                         \
    CTK_AVX2_CALL(name, args)                                      \
    name##_portable args;                                          \
  }

// A kernel written once as a macro body and instantiated twice: for AVX2+FMA (the compiler
// vectorizes the loop 8-wide under the target attribute) and portably.
#define CTK_DEFINE(name, params, args, ...)                        \
  static void name##_portable params __VA_ARGS__                   \
  CTK_AVX2_DEF(name, params, __VA_ARGS__)                          \
  CTK_DISPATCH(name, params, args)

#if CTK_X86
#define CTK_AVX2_DEF(name, params, ...) CTK_AVX2 static void name##_avx2 params __VA_ARGS__
#define CTK_AVX2_CALL(name, args) if (ctk_use_avx2()) { name##_avx2 args; return; }
#else
#define CTK_AVX2_DEF(name, params, ...)
#define CTK_AVX2_CALL(name, args)
#endif

#endif
