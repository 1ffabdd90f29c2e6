import XCTest
@testable import Torch

/// nn.Embedding and F.normalize against PyTorch's printed results, generated into
/// PyTorchGolden.swift by scripts/generate_golden.py (`embedding_reprs`).
final class EmbeddingTests: XCTestCase {
  func testSeededTableLookupAndGradientMatchPyTorch() {
    torch.manualSeed(0)
    let table = nn.Embedding(10, 3, paddingIdx: 2)
    XCTAssertEqual("\(table.weight)", pytorchOpReprs["embeddingWeight"])
    let out = table(torch.tensor([1, 2, 4, 4, 3, 2] as [Int64]).view(2, 3))
    XCTAssertEqual("\(out)", pytorchOpReprs["embeddingOutput"])
    (out * torch.arange(18.0).view(2, 3, 3)).sum().backward()
    XCTAssertEqual("\(table.weight.grad!)", pytorchOpReprs["embeddingGradient"])
  }

  /// As PyTorch's: the table shares the pretrained tensor's memory, is frozen by default, and
  /// draws nothing (the generator continues as if no table had been made).
  func testPretrainedTablesShareMemoryFreezeAndDrawNothing() {
    let pretrained = torch.eye(3)
    torch.manualSeed(0)
    let firstDraw = torch.rand(1).item()
    torch.manualSeed(0)
    let frozen = nn.Embedding.fromPretrained(pretrained)
    XCTAssertEqual(torch.rand(1).item(), firstDraw)
    XCTAssertFalse(frozen.weight.requiresGrad)
    XCTAssertEqual(frozen(torch.tensor([2, 0] as [Int64])).toArray(), [0, 0, 1, 1, 0, 0])
    pretrained[0, 0] = 5
    XCTAssertEqual(frozen.weight[0, 0].item(), 5, "the same memory, as PyTorch's Parameter(embeddings)")
    XCTAssertTrue(nn.Embedding.fromPretrained(pretrained, freeze: false).weight.requiresGrad)
  }

  func testNormalizeMatchesPyTorch() {
    let x = torch.tensor([[3.0, 4], [0, 0]], requiresGrad: true)
    XCTAssertEqual("\(F.normalize(x, dim: 1))", pytorchOpReprs["normalize"])
    XCTAssertEqual("\(F.normalize(torch.tensor([[1.0, 2, 2]]), p: 1, dim: 1))", pytorchOpReprs["normalizeL1"])
  }
}
