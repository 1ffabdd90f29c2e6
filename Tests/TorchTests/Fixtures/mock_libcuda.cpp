// A stand-in for libcuda.so.1 used by CUDATests on machines without a GPU: "device memory"
// is host memory, launches record their arguments, and any call can be made to fail once.
// Compiled by the tests with the system C++ compiler:
//   -DOMIT_LAUNCH       leaves out cuLaunchKernel (a driver that lacks a symbol);
//   -DEMULATE_KERNELS   includes kernels.inc (the backend's CUDA C source followed by a table
//                       `emulatedKernels` of EMULATED_KERNEL entries) and runs launches on the
//                       CPU through cuda_emulator.h.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <map>
#include <utility>

#ifdef EMULATE_KERNELS
#include "cuda_emulator.h"
#include "kernels.inc"
#endif

extern "C" {

static int failNext = 0;
static unsigned char recorded[64][160];
static unsigned recordedGrid[3], recordedBlock[3];
static int frees = 0;

void mock_fail_next(int code) { failNext = code; }
const unsigned char *mock_recorded_parameter(int i) { return recorded[i]; }
unsigned mock_recorded_grid(int i) { return recordedGrid[i]; }
unsigned mock_recorded_block(int i) { return recordedBlock[i]; }
int mock_free_count(void) { return frees; }
static int launches = 0;
/// How many kernels were launched (the README's per-step figure is pinned with it).
int mock_launch_count(void) { return launches; }

static int status(void) {
  int code = failNext;
  failNext = 0;
  return code;
}

// As in the real driver, a context is current per thread; calls that need one fail without it.
static thread_local void *currentContext = nullptr;
static int contextStatus(void) { return currentContext ? status() : 201; }  // CUDA_ERROR_INVALID_CONTEXT

int cuInit(unsigned) { return status(); }
int cuDriverGetVersion(int *v) { *v = 13050; return status(); }
int cuDeviceGetCount(int *n) { *n = 1; return status(); }
int cuDeviceGet(int *d, int ordinal) { *d = ordinal; return ordinal == 0 ? status() : 101; }
int cuDeviceGetName(char *name, int len, int) { strncpy(name, "Mock GPU", len); return status(); }
int cuDeviceGetAttribute(int *v, int attribute, int) { *v = attribute == 75 ? 9 : 0; return status(); }
int cuDevicePrimaryCtxRetain(void **ctx, int) { *ctx = (void *)0x10; return status(); }
int cuCtxSetCurrent(void *ctx) { currentContext = ctx; return status(); }
// Each allocation ends (16-byte aligned) right before an inaccessible page, so a kernel that
// reads or writes past the end of a buffer faults instead of corrupting the heap.
static std::map<uint64_t, std::pair<void *, size_t>> mappings;

int cuMemAlloc_v2(uint64_t *p, size_t bytes) {
  int s = contextStatus();
  if (s) return s;
  size_t page = (size_t)sysconf(_SC_PAGESIZE), usable = (bytes + 15) / 16 * 16;
  size_t length = (usable + page - 1) / page * page + page;
  void *base = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return 2;
  mprotect((char *)base + length - page, page, PROT_NONE);
  *p = (uint64_t)(uintptr_t)((char *)base + length - page - usable);
  mappings[*p] = {base, length};
  return 0;
}
int cuMemFree_v2(uint64_t p) {
  auto mapping = mappings.find(p);
  if (mapping == mappings.end()) return 1;  // CUDA_ERROR_INVALID_VALUE
  munmap(mapping->second.first, mapping->second.second);
  mappings.erase(mapping);
  frees += 1;
  return contextStatus();
}
int cuMemcpyHtoDAsync_v2(uint64_t d, const void *h, size_t n, void *) { memcpy((void *)(uintptr_t)d, h, n); return contextStatus(); }
int cuMemcpyDtoHAsync_v2(void *h, uint64_t d, size_t n, void *) { memcpy(h, (void *)(uintptr_t)d, n); return contextStatus(); }
int cuMemcpyDtoDAsync_v2(uint64_t d, uint64_t s, size_t n, void *) { memmove((void *)(uintptr_t)d, (void *)(uintptr_t)s, n); return contextStatus(); }
// Streams are distinct handles; launches run at once, so events only record their stream, and
// each wait is logged as (waiting stream, stream the event was recorded on) for the tests.
static int streamCount = 0;
int cuStreamCreate(void **s, unsigned) { *s = (void *)(uintptr_t)(0x20 + 0x10 * streamCount++); return contextStatus(); }
int cuStreamSynchronize(void *) { return contextStatus(); }
struct MockEvent { void *stream; };
static int eventsLive = 0, waitCount = 0;
static void *waits[64][2];
int cuEventCreate(MockEvent **e, unsigned) { *e = new MockEvent{nullptr}; eventsLive++; return contextStatus(); }
int cuEventRecord(MockEvent *e, void *stream) { e->stream = stream; return contextStatus(); }
int cuStreamWaitEvent(void *stream, MockEvent *e, unsigned) {
  if (waitCount < 64) waits[waitCount][0] = stream, waits[waitCount][1] = e->stream;
  waitCount++;
  return contextStatus();
}
int cuEventQuery(MockEvent *) { return contextStatus(); }
int cuEventDestroy_v2(MockEvent *e) { delete e; eventsLive--; return status(); }
/// Stream waits so far; wait i's waiting stream and the stream its event was recorded on.
int mock_stream_wait_count(void) { return waitCount; }
void *mock_stream_wait(int i, int recordedOn) { return waits[i][recordedOn]; }
/// Events created and not yet destroyed.
int mock_live_events(void) { return eventsLive; }
// Accepts what NVRTC produces: a cubin (ELF) or PTX text (it starts with a comment).
int cuModuleLoadData(void **m, const void *image) {
  const char *bytes = (const char *)image;
  bool elf = memcmp(bytes, "\x7f" "ELF", 4) == 0, ptx = bytes[0] == '/' && bytes[1] == '/';
  if (!elf && !ptx) return 200;  // CUDA_ERROR_INVALID_IMAGE
  *m = (void *)0x30;
  return contextStatus();
}

int cuModuleGetFunction(void **f, void *, const char *name) {
#ifdef EMULATE_KERNELS
  for (const emu::Kernel &kernel : emulatedKernels) {
    if (strcmp(kernel.name, name) == 0) {
      *f = (void *)&kernel;
      return contextStatus();
    }
  }
  return 500;  // CUDA_ERROR_NOT_FOUND
#else
  (void)name;
  *f = (void *)0x40;
  return contextStatus();
#endif
}

#ifndef OMIT_LAUNCH
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned, void *, void **params, void **) {
  launches++;
  recordedGrid[0] = gx; recordedGrid[1] = gy; recordedGrid[2] = gz;
  recordedBlock[0] = bx; recordedBlock[1] = by; recordedBlock[2] = bz;
  for (int i = 0; i < 4 && params && params[i]; i++) memcpy(recorded[i], params[i], 160);
  int s = contextStatus();
  if (s) return s;
#ifdef EMULATE_KERNELS
  const emu::Kernel *kernel = (const emu::Kernel *)f;
  if (bx * by * bz > (unsigned)emu::maxThreads || gy > 65535 || gz > 65535) return 1;  // CUDA_ERROR_INVALID_VALUE
  emu::launch(kernel->name, kernel->entry, dim3{gx, gy, gz}, dim3{bx, by, bz}, params);
#else
  (void)f;
#endif
  return 0;
}
#endif

int cuGetErrorName(int code, const char **name) {
  *name = code == 2 ? "CUDA_ERROR_OUT_OF_MEMORY" : code == 101 ? "CUDA_ERROR_INVALID_DEVICE"
        : code == 200 ? "CUDA_ERROR_INVALID_IMAGE" : code == 201 ? "CUDA_ERROR_INVALID_CONTEXT"
        : code == 500 ? "CUDA_ERROR_NOT_FOUND" : "CUDA_ERROR_UNKNOWN";
  return 0;
}
int cuGetErrorString(int code, const char **text) {
  *text = code == 2 ? "out of memory" : code == 101 ? "invalid device ordinal"
        : code == 200 ? "device kernel image is invalid" : code == 201 ? "invalid device context"
        : code == 500 ? "named symbol not found" : "unknown error";
  return 0;
}

}  // extern "C"
