import XCTest
@testable import Torch

/// nn.utils's gradient clipping against PyTorch's values (scripts/generate_golden.py,
/// `clipping_values`): the total norm, then the weight's and the bias's gradients after the clip.
final class ClipGradTests: XCTestCase {
  /// A seeded Linear(4, 3) with the gradients of its squared outputs, as the generator builds it,
  /// and a frozen third parameter without a gradient (skipped by every clip).
  private func clipped(_ clip: ([Tensor]) -> Double) -> [Double] {
    torch.manualSeed(0)
    let layer = nn.Linear(4, 3)
    let frozen = torch.zeros([2], requiresGrad: true)
    layer(torch.randn(5, 4)).pow(2).sum().backward()
    let total = clip([layer.weight, frozen, layer.bias!])
    XCTAssertNil(frozen.grad)
    return [total] + layer.weight.grad!.flatten().toArray(Double.self) + layer.bias!.grad!.toArray(Double.self)
  }

  private func assertMatchesPyTorch(_ name: String, _ clip: ([Tensor]) -> Double, file: StaticString = #filePath, line: UInt = #line) {
    let ours = clipped(clip), theirs = pytorchClippingValues[name]!
    XCTAssertEqual(ours.count, theirs.count, file: file, line: line)
    for (a, b) in zip(ours, theirs) {
      XCTAssertLessThanOrEqual(abs(a - b), 2e-6 * max(1, abs(b)), "\(name): \(a) against PyTorch's \(b)", file: file, line: line)
    }
  }

  func testClipGradNormScalesToTheMaximumNormAsPyTorch() {
    assertMatchesPyTorch("norm2") { nn.utils.clipGradNorm_($0, maxNorm: 0.5).item() }
    assertMatchesPyTorch("norm3") { nn.utils.clipGradNorm_($0, maxNorm: 2, normType: 3).item() }
  }

  func testClipGradNormWithTheInfinityNormClipsTheLargestMagnitude() {
    assertMatchesPyTorch("normInf") { nn.utils.clipGradNorm_($0, maxNorm: 0.5, normType: .infinity).item() }
  }

  func testClipGradNormLeavesGradientsBelowTheMaximumAlone() {
    assertMatchesPyTorch("norm1Unclipped") { nn.utils.clipGradNorm_($0, maxNorm: 1e3, normType: 1).item() }
  }

  func testClipGradValueClampsEachElement() {
    assertMatchesPyTorch("value") { nn.utils.clipGradValue_($0, clipValue: 0.3); return 0 }
  }

  func testTheClippedNormIsTheMaximumNorm() {
    // Independent of PyTorch: after clipping to 0.5 the gradients' joint 2-norm is 0.5 (less 1e-6 relative).
    torch.manualSeed(1)
    let model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 2))
    model(torch.randn(8, 6)).pow(2).sum().backward()
    let before = nn.utils.getTotalNorm(model.parameters().map { $0.grad! }).item()
    let joint = torch.cat(model.parameters().map { $0.grad!.flatten() }).double().norm().item()
    XCTAssertEqual(before, joint, accuracy: 1e-5 * joint)
    XCTAssertGreaterThan(before, 0.5)
    XCTAssertEqual(nn.utils.clipGradNorm_(model.parameters(), maxNorm: 0.5).item(), before)
    let after = torch.cat(model.parameters().map { $0.grad!.flatten() }).double().norm().item()
    XCTAssertEqual(after, 0.5, accuracy: 1e-6)
  }

  func testNoGradientsGiveATotalNormOfZero() {
    XCTAssertEqual(nn.utils.clipGradNorm_([torch.zeros([3], requiresGrad: true)], maxNorm: 1).item(), 0)
  }

  func testNonFiniteChecks() {
    let x = torch.tensor([1, Double.nan, Double.infinity, -Double.infinity, 0])
    XCTAssertEqual(x.isnan().toArray(), [0, 1, 0, 0, 0])
    XCTAssertEqual(x.isinf().toArray(), [0, 0, 1, 1, 0])
    XCTAssertEqual(x.isfinite().toArray(), [1, 0, 0, 0, 1])
    XCTAssertEqual(torch.tensor([3] as [Int64]).isnan().dtype, .bool)
  }
}
