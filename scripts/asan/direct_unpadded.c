// AddressSanitizer check of ctk_conv2d_direct_unpadded_f32 (the input gradient that reads g in
// place): 3000 random shapes, paddings and channel counts on buffers allocated to their exact
// size, so a load outside the planes is reported, each output against a float64 sum. The bands
// load lanes past a row's ends from the neighbouring rows and clear them; only the first
// channel's first row and the last channel's last row could leave the buffer, and those load
// masked. Every other shape keeps its width (odd kernel, centred padding), taking the flattened
// plane, up to 70 rows so planes of several chunks come up; its tiles above the first row and
// below the last load masked. Build and run from the repository root:
//   clang -O1 -g -fsanitize=address -I Sources/CTorchKernels/include -I Sources/CTorchKernels \
//     scripts/asan/direct_unpadded.c Sources/CTorchKernels/DirectInputGradient.c \
//     Sources/CTorchKernels/Dispatch.c Sources/CTorchKernels/GEMM.c -lm -o /tmp/direct_unpadded
//   /tmp/direct_unpadded    # prints "3000 random shapes ... max error ..." or the first failure
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "CTorchKernels.h"

static float uniform(void) { return (float)rand() / (float)RAND_MAX - 0.5f; }

int main(void) {
  srand(7);
  int checked = 0;
  double worst = 0;
  for (int iteration = 0; iteration < 3000; iteration++) {
    const int flattened = iteration % 2;
    const int cout = 1 + rand() % 2, cin = 1 + rand() % 4, kh = 1 + rand() % 5;
    const int kw = flattened ? 1 + 2 * (rand() % 4) : 1 + rand() % 8;
    const int oh = 4 + rand() % (flattened ? 66 : 20), ow = 16 + rand() % 30, padTop = rand() % kh;
    const int padLeft = flattened ? (kw - 1) / 2 : rand() % kw;
    const int H = oh + rand() % 3 - 1, W = flattened ? ow : ow + rand() % 3 - 1;
    if (!ctk_conv2d_direct_unpadded_applies(cout, kh, kw, oh, ow)) continue;
    const int K = cin * kh * kw;
    // The packed sliver the kernel reads: weight (c, k) at packed[k * 6 + c].
    float *packed = calloc((size_t)6 * K, sizeof(float)), *input = malloc(sizeof(float) * cin * H * W);
    float *out = malloc(sizeof(float) * cout * oh * ow);
    for (int c = 0; c < cout; c++)
      for (int k = 0; k < K; k++) packed[k * 6 + c] = uniform();
    for (int i = 0; i < cin * H * W; i++) input[i] = uniform();
    ctk_conv2d_direct_unpadded_f32(packed, cout, cin, kh, kw, input, H, W, padTop, padLeft, oh, ow, out);
    for (int c = 0; c < cout; c++)
      for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
          double sum = 0;
          for (int ci = 0; ci < cin; ci++)
            for (int ki = 0; ki < kh; ki++)
              for (int kj = 0; kj < kw; kj++) {
                const int iy = y + ki - padTop, ix = x + kj - padLeft;
                if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                  sum += (double)packed[((ci * kh + ki) * kw + kj) * 6 + c] * input[(ci * H + iy) * W + ix];
              }
          const double error = fabs(out[(c * oh + y) * ow + x] - sum);
          if (!(error <= 1e-4)) {
            printf("FAIL: cout %d cin %d kernel %dx%d output %dx%d input %dx%d padding %d,%d at (%d, %d, %d): %g, float64 %g\n",
                   cout, cin, kh, kw, oh, ow, H, W, padTop, padLeft, c, y, x, out[(c * oh + y) * ow + x], sum);
            return 1;
          }
          if (error > worst) worst = error;
        }
    checked++;
    free(packed);
    free(input);
    free(out);
  }
  printf("%d random shapes, max error %g\n", checked, worst);
  return 0;
}
