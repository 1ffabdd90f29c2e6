import CTorchKernels
import XCTest
@testable import Torch

/// The AVX-512 tiles (SGEMM's, the direct convolution forward's) against the AVX2 ones on the
/// same CPU: the same bits, so a model trains to the same numbers whichever the CPU runs.
/// Skipped, with the reason, on CPUs without AVX-512F.
final class AVX512KernelTests: XCTestCase {
  override func tearDown() { ctk_force_portable(0) }

  /// SGEMM's AVX-512 tile (two panels, 32 columns) gives the AVX2 tile's bits: every element
  /// sums its products in the same order with one fused multiply-add each, so a model trains
  /// to the same numbers on either CPU. Shapes with partial tiles, odd panels, beta, depth
  /// blocks past KC and the prepacked path (Linear's weight).
  func testSGEMMAVX512TileGivesTheAVX2Bits() throws {
    try XCTSkipIf(ctk_cpu_has_avx512f() == 0, "this CPU has no AVX-512F, so SGEMM has only the AVX2 tile")
    torch.manualSeed(5)
    for (m, k, n) in [(1, 1, 1), (7, 13, 33), (6, 16, 32), (65, 300, 47), (64, 784, 512), (130, 600, 97), (3, 9, 50176)] {
      let a = torch.randn(m, k), b = torch.randn(k, n), c = torch.randn(m, n), w = torch.randn(n, k)
      func products() -> [[UInt32]] {
        [a.mm(b), torch.addmm(c, a, b, beta: 0.5, alpha: 2), F.linear(a, w), a.t().contiguous().t().mm(b)]
          .map { $0.toArray(Float.self).map(\.bitPattern) }
      }
      ctk_force_portable(2)
      let avx2 = products()
      ctk_force_portable(0)
      XCTAssertEqual(String(cString: ctk_kernel_path()), "avx2+fma, avx512f tiles")
      XCTAssertEqual(products(), avx2, "\(m)x\(k)x\(n)")
    }
  }

  /// The direct convolution's AVX-512 forward tile gives the AVX2 tile's bits, for every
  /// channel-sliver height (7 and 64 output channels), wide and narrow rows, 1x1 to 5x5 kernels,
  /// bias or none, and an output large enough to be streamed past the caches.
  func testDirectConvolutionAVX512TileGivesTheAVX2Bits() throws {
    try XCTSkipIf(ctk_cpu_has_avx512f() == 0, "this CPU has no AVX-512F, so the convolution has only the AVX2 tile")
    torch.manualSeed(6)
    let cases: [(input: [Int], cout: Int, kernel: Int, padding: Int, bias: Bool)] = [
      ([2, 32, 14, 14], 64, 3, 1, true), ([3, 3, 9, 37], 7, 5, 2, false), ([2, 256, 7, 7], 64, 1, 0, true),
      ([64, 1, 28, 28], 32, 3, 1, true), ([1, 16, 56, 56], 32, 3, 1, true), ([2, 4, 5, 5], 13, 3, 1, true),
    ]
    for c in cases {
      let x = torch.randn(c.input), w = torch.randn(c.cout, c.input[1], c.kernel, c.kernel)
      let b: Tensor? = c.bias ? torch.randn(c.cout) : nil
      func forward() -> [UInt32] { F.conv2d(x, w, b, padding: c.padding).toArray(Float.self).map(\.bitPattern) }
      ctk_force_portable(2)
      let avx2 = forward()
      ctk_force_portable(0)
      XCTAssertEqual(forward(), avx2, "\(c)")
    }
  }

  /// The direct convolution's AVX-512 weight gradient (channel pairs in the two halves of a
  /// vector) and first-layer input gradient (16-lane flat tiles) give the AVX2 kernels' bits:
  /// the CNN's first layer, channel counts that leave a pair or a single channel after the
  /// groups of four, tap blocks (5x5, 7x7), 1x1, and planes whose rows end mid-vector.
  func testDirectConvolutionGradientsAVX512GiveTheAVX2Bits() throws {
    try XCTSkipIf(ctk_cpu_has_avx512f() == 0, "this CPU has no AVX-512F, so the convolution's gradients have only the AVX2 kernels")
    torch.manualSeed(7)
    let cases: [(input: [Int], cout: Int, kernel: Int, padding: Int)] = [
      ([64, 1, 28, 28], 32, 3, 1), ([3, 2, 20, 20], 13, 3, 1), ([2, 1, 24, 24], 6, 5, 2), ([2, 1, 16, 16], 7, 7, 3),
      ([2, 2, 18, 18], 4, 1, 0), ([2, 1, 19, 21], 5, 3, 0), ([1, 1, 8, 8], 2, 3, 1),
    ]
    for c in cases {
      let x = torch.randn(c.input, requiresGrad: true), w = torch.randn([c.cout, c.input[1], c.kernel, c.kernel], requiresGrad: true)
      let y = F.conv2d(x, w, padding: c.padding)
      let g = torch.randnLike(y)
      func gradients() -> [[UInt32]] {
        torch.autograd.grad([y], [x, w], gradOutputs: [g], retainGraph: true).map { $0.toArray(Float.self).map(\.bitPattern) }
      }
      ctk_force_portable(2)
      let avx2 = gradients()
      ctk_force_portable(0)
      let avx512 = gradients()
      XCTAssertEqual(avx512[0], avx2[0], "input gradient \(c)")
      XCTAssertEqual(avx512[1], avx2[1], "weight gradient \(c)")
    }
  }
}
