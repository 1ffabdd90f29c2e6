// A stand-in for libcuda.so.1 used by CUDATests on machines without a GPU: "device memory"
// is host memory, launches record their arguments, and any call can be made to fail once.
// Compiled by the test with the system C compiler; -DOMIT_LAUNCH leaves out cuLaunchKernel.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int failNext = 0;
static unsigned char recorded[64][160];
static unsigned recordedGrid[3], recordedBlock[3];

void mock_fail_next(int code) { failNext = code; }
const unsigned char *mock_recorded_parameter(int i) { return recorded[i]; }
unsigned mock_recorded_grid(int i) { return recordedGrid[i]; }
unsigned mock_recorded_block(int i) { return recordedBlock[i]; }

static int status(void) { int code = failNext; failNext = 0; return code; }

int cuInit(unsigned flags) { (void)flags; return status(); }
int cuDriverGetVersion(int *v) { *v = 13050; return status(); }
int cuDeviceGetCount(int *n) { *n = 1; return status(); }
int cuDeviceGet(int *d, int ordinal) { *d = ordinal; return ordinal == 0 ? status() : 101; }
int cuDeviceGetName(char *name, int len, int d) { (void)d; strncpy(name, "Mock GPU", len); return status(); }
int cuDeviceGetAttribute(int *v, int attribute, int d) { (void)d; *v = attribute == 75 ? 9 : 0; return status(); }
int cuDevicePrimaryCtxRetain(void **ctx, int d) { (void)d; *ctx = (void *)0x10; return status(); }
int cuCtxSetCurrent(void *ctx) { (void)ctx; return status(); }
int cuMemAlloc_v2(uint64_t *p, size_t bytes) { int s = status(); if (s) return s; *p = (uint64_t)(uintptr_t)malloc(bytes); return 0; }
int cuMemFree_v2(uint64_t p) { free((void *)(uintptr_t)p); return status(); }
int cuMemcpyHtoDAsync_v2(uint64_t d, const void *h, size_t n, void *s) { (void)s; memcpy((void *)(uintptr_t)d, h, n); return status(); }
int cuMemcpyDtoHAsync_v2(void *h, uint64_t d, size_t n, void *s) { (void)s; memcpy(h, (void *)(uintptr_t)d, n); return status(); }
int cuMemcpyDtoDAsync_v2(uint64_t d, uint64_t src, size_t n, void *s) { (void)s; memcpy((void *)(uintptr_t)d, (void *)(uintptr_t)src, n); return status(); }
int cuStreamCreate(void **s, unsigned flags) { (void)flags; *s = (void *)0x20; return status(); }
int cuStreamSynchronize(void *s) { (void)s; return status(); }
int cuModuleLoadData(void **m, const void *image) { (void)image; *m = (void *)0x30; return status(); }
int cuModuleGetFunction(void **f, void *m, const char *name) { (void)m; (void)name; *f = (void *)0x40; return status(); }
#ifndef OMIT_LAUNCH
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned shared, void *stream, void **params, void **extra) {
  (void)f; (void)shared; (void)stream; (void)extra;
  recordedGrid[0] = gx; recordedGrid[1] = gy; recordedGrid[2] = gz;
  recordedBlock[0] = bx; recordedBlock[1] = by; recordedBlock[2] = bz;
  for (int i = 0; i < 4 && params && params[i]; i++) memcpy(recorded[i], params[i], 160);
  return status();
}
#endif
int cuGetErrorName(int code, const char **name) {
  *name = code == 2 ? "CUDA_ERROR_OUT_OF_MEMORY" : code == 101 ? "CUDA_ERROR_INVALID_DEVICE" : "CUDA_ERROR_UNKNOWN";
  return 0;
}
int cuGetErrorString(int code, const char **text) {
  *text = code == 2 ? "out of memory" : code == 101 ? "invalid device ordinal" : "unknown error";
  return 0;
}
