import XCTest
@testable import Torch

/// F.scaledDotProductAttention and nn.MultiheadAttention against PyTorch
/// (scripts/generate_golden.py, `attention_values`): results, the inputs' and parameters'
/// gradients, and the results' nodes, float32 to 2e-5 (PyTorch's CPU attention kernel sums in
/// blocks).
final class AttentionTests: XCTestCase {
  /// Seed 0, then `build` (which draws as the generator's case does), the weighted loss and backward.
  private func check(_ name: String, _ build: () -> (module: (any Module)?, inputs: [Tensor], call: () -> [Tensor?]),
                     file: StaticString = #filePath, line: UInt = #line) {
    torch.manualSeed(0)
    let (module, inputs, call) = build()
    let results = call().compactMap { $0 }
    results.map(weighted).reduce(torch.zeros([]), +).backward()
    let tensors = results + inputs.map { $0.grad! } + (module?.parameters().map { $0.grad! } ?? [])
    let ours = tensors.flatMap { $0.flatten().toArray(Double.self) }, theirs = pytorchAttentionValues[name]!
    XCTAssertEqual(ours.count, theirs.count, "\(name) element count", file: file, line: line)
    let worst = zip(ours, theirs).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .nan
    XCTAssertLessThanOrEqual(worst, 2e-5, "\(name): largest difference from PyTorch", file: file, line: line)
    XCTAssertEqual(results.map { $0.gradFn?.name ?? "None" }.joined(separator: ","), pytorchAttentionNodes[name], name, file: file, line: line)
  }

  private func weighted(_ t: Tensor) -> Tensor { (t * (torch.arange(t.numel(), dtype: t.dtype).reshape(t.dims) % 7 - 3)).sum() }

  func testSelfAttentionMatchesPyTorch() {
    check("selfAttention") {
      let m = nn.MultiheadAttention(8, 2)
      let x = torch.randn([4, 3, 8], requiresGrad: true)
      return (m, [x], { let (o, w) = m(x, x, x); return [o, w] })
    }
  }

  func testPaddingAndAttentionMasksPerHeadAsPyTorch() {
    check("crossAttentionMasks") {
      let m = nn.MultiheadAttention(8, 4, batchFirst: true)
      let q = torch.randn([2, 3, 8], requiresGrad: true), kv = torch.randn([2, 5, 8], requiresGrad: true)
      let padding = torch.tensor([[false, false, false, true, true], [false, false, false, false, false]])
      let blocked = torch.tensor([[false, true, false, false, false], [false, false, false, false, false],
                                  [true, false, false, false, false]])
      return (m, [q, kv], { let (o, w) = m(q, kv, kv, keyPaddingMask: padding, attnMask: blocked, averageAttnWeights: false); return [o, w] })
    }
  }

  func testWithoutWeightsRunsScaledDotProductAttention() {
    check("withoutWeights") {
      let m = nn.MultiheadAttention(8, 2)
      let x = torch.randn([4, 3, 8], requiresGrad: true), mask = torch.randn(4, 4)
      return (m, [x], { let (o, w) = m(x, x, x, needWeights: false, attnMask: mask); return [o, w] })
    }
  }

  func testUnbatchedCrossAttentionWithoutBias() {
    check("unbatched") {
      let m = nn.MultiheadAttention(6, 3, bias: false)
      let q = torch.randn([4, 6], requiresGrad: true), k = torch.randn([5, 6], requiresGrad: true), v = torch.randn([5, 6], requiresGrad: true)
      return (m, [q, k, v], { let (o, w) = m(q, k, v); return [o, w] })
    }
  }

  func testAttentionDropoutDrawsAsPyTorch() {
    check("dropoutTraining") {
      let m = nn.MultiheadAttention(8, 2, dropout: 0.5)
      let x = torch.randn([4, 3, 8], requiresGrad: true)
      return (m, [x], { let (o, w) = m(x, x, x); return [o, w] })
    }
  }

  func testScaledDotProductAttentionMatchesPyTorch() {
    check("sdpa") {
      let q = torch.randn([2, 3, 4, 8], requiresGrad: true), k = torch.randn([2, 3, 5, 8], requiresGrad: true)
      let v = torch.randn([2, 3, 5, 6], requiresGrad: true)
      return (nil, [q, k, v], { [F.scaledDotProductAttention(q, k, v, scale: 0.3)] })
    }
    check("sdpaCausal") {
      let q = torch.randn([2, 4, 8], requiresGrad: true), k = torch.randn([2, 4, 8], requiresGrad: true), v = torch.randn([2, 4, 8], requiresGrad: true)
      return (nil, [q, k, v], { [F.scaledDotProductAttention(q, k, v, isCausal: true)] })
    }
    check("sdpaMasks") {
      let q = torch.randn([3, 4, 8], requiresGrad: true), k = torch.randn([3, 5, 8], requiresGrad: true), v = torch.randn([3, 5, 8], requiresGrad: true)
      let keep = torch.tensor([true, true, false, true, false]).expand(4, 5), bias = torch.randn(3, 4, 5)
      return (nil, [q, k, v], { [F.scaledDotProductAttention(q, k, v, attnMask: keep), F.scaledDotProductAttention(q, k, v, attnMask: bias)] })
    }
  }

  func testTransformerEncoderLayerTrainsAsPyTorch() {
    check("encoderLayerTraining") {
      let layer = nn.TransformerEncoderLayer(8, 2, dimFeedforward: 16)
      let x = torch.randn([5, 3, 8], requiresGrad: true)
      let padding = torch.tensor([[false, false, false, false, false], [false, false, false, false, true],
                                  [false, false, true, true, true]])
      return (layer, [x], { [layer(x, srcKeyPaddingMask: padding)] })
    }
  }

  func testNormFirstGeluEncoderLayerWithACausalMask() {
    check("encoderLayerNormFirstEval") {
      let layer = nn.TransformerEncoderLayer(8, 2, dimFeedforward: 16, activation: "gelu", batchFirst: true, normFirst: true)
      layer.eval()
      let x = torch.randn([3, 5, 8], requiresGrad: true)
      let causal = torch.ones([5, 5], dtype: .bool).triu(1)
      return (layer, [x], { [layer(x, srcMask: causal, isCausal: true)] })
    }
  }

  func testTransformerEncoderStacksCopiesOfItsLayer() {
    check("encoderStack") {
      let encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dimFeedforward: 16, dropout: 0), numLayers: 2, norm: nn.LayerNorm(8))
      let x = torch.randn([5, 2, 8], requiresGrad: true)
      return (encoder, [x], { [encoder(x)] })
    }
    let encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dimFeedforward: 16), numLayers: 2)
    XCTAssertTrue(encoder.layers[0].linear1.weight.equal(encoder.layers[1].linear1.weight))
    XCTAssertFalse(encoder.layers[0].linear1.weight === encoder.layers[1].linear1.weight)
  }

  func testParametersAreNamedAndDrawnAsPyTorchs() {
    let m = nn.MultiheadAttention(8, 2)
    XCTAssertEqual(m.namedParameters().map(\.0), ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
    XCTAssertEqual(m.in_proj_bias!.abs().sum().item(), 0)
    XCTAssertEqual(m.out_proj.bias!.abs().sum().item(), 0)
  }
}
