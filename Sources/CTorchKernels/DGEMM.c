// float64 matrix product over a range of rows, for the CPU backend's float64 matmul (which
// splits rows over the pool's threads): blocked so a row of C's block stays in L1 and B's block
// in L2, the inner loop over columns vectorized. Products and sums are rounded apart (no FMA
// contraction), so both paths give the same bits.
#include "Internal.h"

enum { DGEMM_COLUMNS = 256, DGEMM_DEPTH = 128 };

CTK_DEFINE(dgemm_rows,
           (int64_t rowStart, int64_t rowEnd, int64_t n, int64_t k, double alpha, const double *a, int64_t rsA,
            int64_t csA, const double *restrict b, double beta, double *restrict c, int64_t rsC),
           (rowStart, rowEnd, n, k, alpha, a, rsA, csA, b, beta, c, rsC), {
  _Pragma("clang fp contract(off)")
  for (int64_t i = rowStart; i < rowEnd; i++) {
    double *row = c + i * rsC;
    if (beta == 0) {
      for (int64_t j = 0; j < n; j++) row[j] = 0;
    } else if (beta != 1) {
      for (int64_t j = 0; j < n; j++) row[j] *= beta;
    }
  }
  for (int64_t j0 = 0; j0 < n; j0 += DGEMM_COLUMNS) {
    const int64_t j1 = j0 + DGEMM_COLUMNS < n ? j0 + DGEMM_COLUMNS : n;
    for (int64_t p0 = 0; p0 < k; p0 += DGEMM_DEPTH) {
      const int64_t p1 = p0 + DGEMM_DEPTH < k ? p0 + DGEMM_DEPTH : k;
      for (int64_t i = rowStart; i < rowEnd; i++) {
        double *restrict row = c + i * rsC;
        for (int64_t p = p0; p < p1; p++) {
          const double scaled = alpha * a[i * rsA + p * csA];
          const double *restrict bRow = b + p * n;
          for (int64_t j = j0; j < j1; j++) row[j] += scaled * bRow[j];
        }
      }
    }
  }
})
