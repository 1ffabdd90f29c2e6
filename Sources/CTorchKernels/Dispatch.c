// Run-time choice of the kernel paths: AVX-512F (SGEMM and the direct convolution), AVX2+FMA
// or portable, capped by ATEN_CPU_CAPABILITY as PyTorch's dispatch is. See include/CTorchKernels.h.
#if defined(__linux__)
#define _GNU_SOURCE
#include <sched.h>
#endif
#include "Internal.h"

// MARK: - Dispatch

static int g_forcePortable = 0;

int ctk_cpu_has_avx2_fma(void) {
#if CTK_X86
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return 0;
#endif
}

int ctk_cpu_has_avx512f(void) {
#if CTK_X86
  __builtin_cpu_init();
  return ctk_cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f");
#else
  return 0;
#endif
}

/// `detect()` computed once into `cache`; racing first calls store the same value (atomics
/// keep that well-defined).
static int cachedFeature(int *cache, int (*detect)(void)) {
  int value = __atomic_load_n(cache, __ATOMIC_RELAXED);
  if (value < 0) {
    value = detect();
    __atomic_store_n(cache, value, __ATOMIC_RELAXED);
  }
  return value;
}

/// The paths `ATEN_CPU_CAPABILITY` allows, as PyTorch reads it: "default" the portable one,
/// "avx2" no AVX-512, anything else (or unset) all.
static int allowedByEnvironment(const char *path) {
  const char *capability = getenv("ATEN_CPU_CAPABILITY");
  if (!capability) return 1;
  if (strcmp(capability, "default") == 0) return 0;
  return strcmp(capability, "avx2") != 0 || strcmp(path, "avx2") == 0;
}
static int avx2Detected(void) { return ctk_cpu_has_avx2_fma() && allowedByEnvironment("avx2"); }
static int avx512Detected(void) { return ctk_cpu_has_avx512f() && allowedByEnvironment("avx512"); }

int ctk_use_avx2(void) {
  static int cached = -1;
  return cachedFeature(&cached, avx2Detected) && __atomic_load_n(&g_forcePortable, __ATOMIC_RELAXED) != 1;
}

int ctk_use_avx512(void) {
  static int cached = -1;
  return cachedFeature(&cached, avx512Detected) && __atomic_load_n(&g_forcePortable, __ATOMIC_RELAXED) == 0;
}

void ctk_cpu_relax(void) {
#if CTK_X86
  __builtin_ia32_pause();
#endif
}

int ctk_affinity_cpu_count(void) {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
#endif
  return -1;
}

const char *ctk_kernel_path(void) {
  return ctk_use_avx512() ? "avx2+fma, avx512f tiles" : ctk_use_avx2() ? "avx2+fma" : "portable";
}
void ctk_force_portable(int portable) { __atomic_store_n(&g_forcePortable, portable, __ATOMIC_RELAXED); }
