// Runs the backend's CUDA C kernels on the CPU, for tests on machines without a GPU.
//
// The kernel source (CUDAKernels.source) is compiled as C++ after this header. Blocks run one
// after another on the launching thread, with one fiber (ucontext) per CUDA thread; a fiber
// yields at __syncthreads() and at warp shuffles, and the scheduler releases a barrier once
// every live thread of the block (or warp) waits at it. Threads that returned count as arrived,
// as on current GPUs. As blocks never overlap, `__shared__` is a function-local static and
// atomics need no locks. Every other launch runs its blocks last-first and its threads in
// reverse order, so a kernel that relies on an order the GPU does not promise (a missing
// __syncthreads, one block reading another's output) gives different results between
// launches. Everything is deterministic; a barrier that can never release aborts with a message.
#pragma once
#if defined(__APPLE__) && !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 700  // macOS declares the ucontext functions only with it
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <type_traits>
#include <ucontext.h>
#include <utility>

// The kernel prelude defines these two itself, as NVRTC has no math.h.
#undef INFINITY
#undef NAN

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
};

namespace emu {

enum class State { runnable, blockBarrier, warpBarrier, done };

struct Fiber {
  ucontext_t context;
  char *stack = nullptr;
  dim3 threadIdx;
  State state = State::done;
  uint64_t shuffleValue = 0, shuffleResult = 0;
  int shuffleSource = 0;
};

constexpr int maxThreads = 1024, warpSize = 32;
constexpr size_t stackBytes = 64 * 1024;

inline Fiber fibers[maxThreads];
inline Fiber *current = nullptr;
inline ucontext_t scheduler;
inline dim3 blockIdx, blockDim, gridDim;
inline void (*body)(void **) = nullptr;
inline void **parameters = nullptr;
inline bool reversed = false;

inline void yield(State waitingAt) {
  current->state = waitingAt;
  swapcontext(&current->context, &scheduler);
}

inline void fiberMain() {
  body(parameters);
  current->state = State::done;
}  // returns to `scheduler` through uc_link

template <typename T> T shuffle(T value, int source) {
  static_assert(sizeof(T) <= sizeof(uint64_t), "shuffled values are at most 8 bytes");
  memcpy(&current->shuffleValue, &value, sizeof(T));
  current->shuffleSource = source;
  yield(State::warpBarrier);
  T result;
  memcpy(&result, &current->shuffleResult, sizeof(T));
  return result;
}

// Releases warp `w` if every live lane waits at a shuffle: each lane receives its source
// lane's value, or its own when the source is out of range. A full-mask shuffle that a
// returned lane misses is undefined on a GPU (it can hang), so it aborts here.
inline bool releaseWarp(int w, int threads, const char *kernel) {
  int first = w * warpSize, last = first + warpSize < threads ? first + warpSize : threads;
  bool waiting = false, returned = false;
  for (int i = first; i < last; ++i) {
    if (fibers[i].state == State::warpBarrier) waiting = true;
    else if (fibers[i].state == State::done) returned = true;
    else return false;
  }
  if (!waiting) return false;
  if (returned) {
    fprintf(stderr, "cuda_emulator: %s: a full-warp shuffle in block (%u, %u, %u) warp %d after some lanes returned\n",
            kernel, blockIdx.x, blockIdx.y, blockIdx.z, w);
    abort();
  }
  for (int i = first; i < last; ++i) {
    if (fibers[i].state != State::warpBarrier) continue;
    int source = first + fibers[i].shuffleSource;
    bool valid = fibers[i].shuffleSource >= 0 && source < last && fibers[source].state == State::warpBarrier;
    fibers[i].shuffleResult = valid ? fibers[source].shuffleValue : fibers[i].shuffleValue;
  }
  for (int i = first; i < last; ++i)
    if (fibers[i].state == State::warpBarrier) fibers[i].state = State::runnable;
  return true;
}

inline bool releaseBlock(int threads) {
  bool waiting = false;
  for (int i = 0; i < threads; ++i) {
    if (fibers[i].state == State::blockBarrier) waiting = true;
    else if (fibers[i].state != State::done) return false;
  }
  if (!waiting) return false;
  for (int i = 0; i < threads; ++i)
    if (fibers[i].state == State::blockBarrier) fibers[i].state = State::runnable;
  return true;
}

inline void runBlock(const char *kernel) {
  int threads = (int)(blockDim.x * blockDim.y * blockDim.z);
  for (int i = 0; i < threads; ++i) {
    Fiber &f = fibers[i];
    if (!f.stack) f.stack = (char *)malloc(stackBytes);
    getcontext(&f.context);
    f.context.uc_stack.ss_sp = f.stack;
    f.context.uc_stack.ss_size = stackBytes;
    f.context.uc_link = &scheduler;
    makecontext(&f.context, fiberMain, 0);
    f.threadIdx.x = i % blockDim.x;
    f.threadIdx.y = i / blockDim.x % blockDim.y;
    f.threadIdx.z = i / (blockDim.x * blockDim.y);
    f.state = State::runnable;
  }
  for (;;) {
    bool live = false;
    for (int k = 0; k < threads; ++k) {
      int i = reversed ? threads - 1 - k : k;
      if (fibers[i].state != State::runnable) continue;
      current = &fibers[i];
      swapcontext(&scheduler, &fibers[i].context);
    }
    bool released = false;
    for (int w = 0; w * warpSize < threads; ++w) released |= releaseWarp(w, threads, kernel);
    released |= releaseBlock(threads);
    for (int i = 0; i < threads; ++i) live |= fibers[i].state != State::done;
    if (!live) return;
    if (!released) {
      fprintf(stderr, "cuda_emulator: %s deadlocked in block (%u, %u, %u): threads wait at barriers that cannot release\n",
              kernel, blockIdx.x, blockIdx.y, blockIdx.z);
      abort();
    }
  }
}

// Runs `kernel` over the grid with the driver-style parameter array.
inline void launch(const char *kernel, void (*entry)(void **), dim3 grid, dim3 block, void **params) {
  body = entry;
  parameters = params;
  gridDim = grid;
  blockDim = block;
  reversed = !reversed;
  unsigned blocks = grid.x * grid.y * grid.z;
  for (unsigned k = 0; k < blocks; ++k) {
    unsigned b = reversed ? blocks - 1 - k : k;
    blockIdx.x = b % grid.x;
    blockIdx.y = b / grid.x % grid.y;
    blockIdx.z = b / (grid.x * grid.y);
    runBlock(kernel);
  }
}

// Calls a kernel with arguments read from `params[i]`, as cuLaunchKernel passes them.
template <typename... A, size_t... I> void invoke(void (*kernel)(A...), void **params, std::index_sequence<I...>) {
  kernel(*static_cast<std::decay_t<A> *>(params[I])...);
}
template <typename... A> void invoke(void (*kernel)(A...), void **params) {
  invoke(kernel, params, std::index_sequence_for<A...>{});
}

struct Kernel {
  const char *name;
  void (*entry)(void **);
};

}  // namespace emu

#define threadIdx (emu::current->threadIdx)
#define blockIdx emu::blockIdx
#define blockDim emu::blockDim
#define gridDim emu::gridDim
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define EMULATED_KERNEL(name) emu::Kernel{#name, [](void **p) { emu::invoke(name, p); }}

inline float __int_as_float(int bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}
inline void __syncthreads() { emu::yield(emu::State::blockBarrier); }
// CUDA's device erfinv, absent from the host's math.h: a rational first guess and two Newton
// steps (accurate to a few ulp of a double, as the device's).
inline double erfinv(double y) {
  const double magnitude = fabs(y);
  if (!(magnitude <= 1)) return nan("");
  if (magnitude == 1) return copysign(HUGE_VAL, y);
  double x;
  if (magnitude <= 0.7) {
    const double z = y * y;
    x = y * (((-0.140543331 * z + 0.914624893) * z - 1.645349621) * z + 0.886226899) /
        ((((0.012229801 * z - 0.329097515) * z + 1.442710462) * z - 2.118377725) * z + 1);
  } else {
    const double z = sqrt(-log((1 - magnitude) / 2));
    x = copysign(((1.641345311 * z + 3.429567803) * z - 1.624906493) * z - 1.970840454, y) / ((1.6370678 * z + 3.5438892) * z + 1);
  }
  for (int step = 0; step < 2; step++) x -= (erf(x) - y) / (1.1283791670955126 * exp(-x * x));
  return x;
}
template <typename T> T __shfl_down_sync(unsigned, T value, int delta) {
  return emu::shuffle(value, (int)((emu::current - emu::fibers) % emu::warpSize) + delta);
}
template <typename T> T __shfl_sync(unsigned, T value, int lane) { return emu::shuffle(value, lane % emu::warpSize); }
template <typename T> T atomicAdd(T *address, T value) {
  T old = *address;
  *address = old + value;
  return old;
}
