// Run-time choice between the AVX2+FMA and portable paths. See include/CTorchKernels.h.
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

int ctk_use_avx2(void) {
  // Computed once; racing first calls store the same value (atomics keep that well-defined).
  static int cached = -1;
  int value = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (value < 0) {
    value = ctk_cpu_has_avx2_fma();
    __atomic_store_n(&cached, value, __ATOMIC_RELAXED);
  }
  return value && !__atomic_load_n(&g_forcePortable, __ATOMIC_RELAXED);
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

const char *ctk_kernel_path(void) { return ctk_use_avx2() ? "avx2+fma" : "portable"; }
void ctk_force_portable(int portable) { __atomic_store_n(&g_forcePortable, portable, __ATOMIC_RELAXED); }
