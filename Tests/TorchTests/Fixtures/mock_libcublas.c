// A stand-in for libcublas used by CUDATests: records each GEMM's layout arguments and
// computes the column-major product on host memory, so the row-major mapping can be checked.
#include <stdint.h>

static int recordedInts[8];

const int *mock_cublas_recorded(void) { return recordedInts; }

int cublasCreate_v2(void **handle) { *handle = (void *)0x50; return 0; }
int cublasSetStream_v2(void *handle, void *stream) { (void)handle; (void)stream; return 0; }
int cublasSetMathMode(void *handle, int mode) { (void)handle; recordedInts[7] = mode; return 0; }

#define GEMM(NAME, T)                                                                          \
  int NAME(void *handle, int ta, int tb, int m, int n, int k, const T *alpha, const T *A, int lda, \
           const T *B, int ldb, const T *beta, T *C, int ldc) {                                \
    (void)handle;                                                                              \
    recordedInts[0] = ta; recordedInts[1] = tb; recordedInts[2] = m; recordedInts[3] = n;      \
    recordedInts[4] = k; recordedInts[5] = lda; recordedInts[6] = ldb;                         \
    for (int j = 0; j < n; j++)                                                                \
      for (int i = 0; i < m; i++) {                                                            \
        T acc = 0;                                                                             \
        for (int p = 0; p < k; p++) {                                                          \
          T a = ta ? A[p + i * lda] : A[i + p * lda];                                          \
          T b = tb ? B[j + p * ldb] : B[p + j * ldb];                                          \
          acc += a * b;                                                                        \
        }                                                                                      \
        C[i + j * ldc] = *alpha * acc + (*beta == 0 ? 0 : *beta * C[i + j * ldc]);             \
      }                                                                                        \
    return 0;                                                                                  \
  }
GEMM(cublasSgemm_v2, float)
GEMM(cublasDgemm_v2, double)
