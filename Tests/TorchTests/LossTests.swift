import XCTest
@testable import Torch

/// Binary cross entropy, smooth L1 and Huber against PyTorch's printed results, generated into
/// PyTorchGolden.swift by scripts/generate_golden.py (`loss_reprs`).
final class LossTests: XCTestCase {
  func testBinaryCrossEntropyAndBothGradientsMatchPyTorch() {
    torch.manualSeed(0)
    let x = torch.rand([6], requiresGrad: true), y = torch.rand([6], requiresGrad: true), w = torch.rand([6])
    let loss = F.binaryCrossEntropy(x, y, weight: w)
    XCTAssertEqual("\(loss)", pytorchOpReprs["bce"])
    loss.backward()
    XCTAssertEqual("\(x.grad!)", pytorchOpReprs["bceInputGradient"])
    XCTAssertEqual("\(y.grad!)", pytorchOpReprs["bceTargetGradient"])
    // log 0 is clamped at −100, as in PyTorch.
    XCTAssertEqual("\(F.binaryCrossEntropy(torch.tensor([0.0, 1, 0.5]), torch.tensor([1.0, 0, 1]), reduction: .none))",
                   pytorchOpReprs["bceSaturated"])
  }

  func testSmoothL1AndHuberMatchPyTorch() {
    let d = torch.tensor([-2.0, -0.5, 0, 0.3, 1, 3], requiresGrad: true)
    let smooth = F.smoothL1Loss(d, torch.zeros([6]), beta: 0.7)
    XCTAssertEqual("\(smooth)", pytorchOpReprs["smoothL1"])
    smooth.backward()
    XCTAssertEqual("\(d.grad!)", pytorchOpReprs["smoothL1Gradient"])
    d.grad = nil
    let huber = F.huberLoss(d, torch.zeros([6]), reduction: .sum, delta: 0.7)
    XCTAssertEqual("\(huber)", pytorchOpReprs["huber"])
    huber.backward()
    XCTAssertEqual("\(d.grad!)", pytorchOpReprs["huberGradient"])
    XCTAssertEqual("\(F.smoothL1Loss(d, torch.zeros([6]), beta: 0))", pytorchOpReprs["smoothL1Beta0"])
  }
}
