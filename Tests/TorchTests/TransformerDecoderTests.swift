import Foundation
import XCTest
@testable import Torch

/// nn.TransformerDecoderLayer, nn.TransformerDecoder and nn.Transformer against PyTorch
/// (scripts/generate_transformer_goldens.py): seeded construction, results, the inputs' and
/// parameters' gradients and the results' nodes (float32 to 2e-5, as AttentionTests), reprs,
/// parameter names, the square subsequent mask and misuse messages.
final class TransformerDecoderTests: XCTestCase {
  struct Case: Decodable {
    let values: [Double]
    let nodes: String
  }

  struct Goldens: Decodable {
    let generatorMD5: String
    let cases: [String: Case]
    let reprs: [String: String]
    let names: [String: [String]]
    let messages: [String: String]
  }

  static let goldens: Goldens = {
    let url = Bundle.module.url(forResource: "transformer_goldens", withExtension: "json", subdirectory: "Fixtures")!
    return try! JSONDecoder().decode(Goldens.self, from: Data(contentsOf: url))
  }()

  private func weighted(_ t: Tensor) -> Tensor { (t * (torch.arange(t.numel(), dtype: t.dtype).reshape(t.dims) % 7 - 3)).sum() }

  /// Seed 0, then `build` (drawing as the generator's case does), the weighted loss and backward.
  private func check(_ name: String, _ build: () -> (module: any Module, inputs: [Tensor], call: () -> [Tensor]),
                     file: StaticString = #filePath, line: UInt = #line) {
    torch.manualSeed(0)
    let (module, inputs, call) = build()
    let results = call()
    results.map(weighted).reduce(torch.zeros([]), +).backward()
    let tensors = results + inputs.map { $0.grad! } + module.parameters().map { $0.grad! }
    let ours = tensors.flatMap { $0.flatten().toArray(Double.self) }, theirs = Self.goldens.cases[name]!.values
    XCTAssertEqual(ours.count, theirs.count, "\(name) element count", file: file, line: line)
    let worst = zip(ours, theirs).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? .nan
    XCTAssertLessThanOrEqual(worst, 2e-5, "\(name): largest difference from PyTorch", file: file, line: line)
    XCTAssertEqual(results.map { $0.gradFn?.name ?? "None" }.joined(separator: ","), Self.goldens.cases[name]!.nodes, name, file: file, line: line)
  }

  func testDecoderLayerTrainsAsPyTorch() {
    check("decoderLayerTraining") {
      let layer = nn.TransformerDecoderLayer(8, 2, dimFeedforward: 16, dropout: 0)
      let tgt = torch.randn([4, 3, 8], requiresGrad: true), memory = torch.randn([5, 3, 8], requiresGrad: true)
      let causal = nn.Transformer.generateSquareSubsequentMask(4)
      let padding = torch.tensor([[false, false, false, false, false], [false, false, false, false, true],
                                  [false, false, true, true, true]])
      return (layer, [tgt, memory], { [layer(tgt, memory, tgtMask: causal, memoryKeyPaddingMask: padding)] })
    }
  }

  func testNormFirstGeluDecoderLayerWithEveryMask() {
    check("decoderLayerNormFirstEval") {
      let layer = nn.TransformerDecoderLayer(8, 2, dimFeedforward: 16, activation: "gelu", batchFirst: true, normFirst: true)
      layer.eval()
      let tgt = torch.randn([2, 4, 8], requiresGrad: true), memory = torch.randn([2, 6, 8], requiresGrad: true)
      let causal = torch.ones([4, 4], dtype: .bool).triu(1)
      let blocked = torch.zeros([4, 6], dtype: .bool)
      blocked[1, 2] = torch.tensor(true)
      let tgtPadding = torch.tensor([[false, false, false, false], [false, false, false, true]])
      return (layer, [tgt, memory], {
        [layer(tgt, memory, tgtMask: causal, memoryMask: blocked, tgtKeyPaddingMask: tgtPadding, tgtIsCausal: true)]
      })
    }
  }

  func testDecoderStacksCopiesOfItsLayer() {
    check("decoderStack") {
      let decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, dimFeedforward: 16, dropout: 0), numLayers: 2,
                                          norm: nn.LayerNorm(8))
      let tgt = torch.randn([3, 2, 8], requiresGrad: true), memory = torch.randn([4, 2, 8], requiresGrad: true)
      return (decoder, [tgt, memory], { [decoder(tgt, memory, tgtMask: nn.Transformer.generateSquareSubsequentMask(3))] })
    }
    let decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, dimFeedforward: 16), numLayers: 2)
    XCTAssertTrue(decoder.layers[0].multihead_attn.in_proj_weight.equal(decoder.layers[1].multihead_attn.in_proj_weight))
    XCTAssertFalse(decoder.layers[0].linear1.weight === decoder.layers[1].linear1.weight)
  }

  func testTransformerTrainsAsPyTorch() {
    check("transformer") {
      let model = nn.Transformer(dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 16, dropout: 0)
      let src = torch.randn([5, 2, 8], requiresGrad: true), tgt = torch.randn([4, 2, 8], requiresGrad: true)
      let padding = torch.tensor([[false, false, false, false, false], [false, false, false, true, true]])
      return (model, [src, tgt], {
        [model(src, tgt, tgtMask: nn.Transformer.generateSquareSubsequentMask(4), srcKeyPaddingMask: padding,
               memoryKeyPaddingMask: padding)]
      })
    }
  }

  func testBatchFirstNormFirstTransformerAsPyTorch() {
    check("transformerBatchFirstNormFirst") {
      let model = nn.Transformer(dModel: 8, nhead: 4, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 12, dropout: 0,
                                 activation: "gelu", batchFirst: true, normFirst: true)
      let src = torch.randn([2, 3, 8], requiresGrad: true), tgt = torch.randn([2, 5, 8], requiresGrad: true)
      return (model, [src, tgt], { [model(src, tgt, tgtMask: nn.Transformer.generateSquareSubsequentMask(5), tgtIsCausal: true)] })
    }
  }

  func testReprsAndNamesArePyTorchs() {
    torch.manualSeed(0)
    let model = nn.Transformer(dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16)
    let layer = nn.TransformerDecoderLayer(8, 2, dimFeedforward: 16)
    XCTAssertEqual("\(model)", Self.goldens.reprs["transformer"])
    XCTAssertEqual("\(layer)", Self.goldens.reprs["decoderLayer"])
    XCTAssertEqual("\(nn.TransformerDecoder(layer, numLayers: 3, norm: nn.LayerNorm(8)))", Self.goldens.reprs["decoder"])
    XCTAssertEqual("\(nn.Transformer.generateSquareSubsequentMask(3))", Self.goldens.reprs["mask"])
    XCTAssertEqual(model.namedParameters().map(\.0), Self.goldens.names["transformer"])
    XCTAssertEqual(layer.namedParameters().map(\.0), Self.goldens.names["decoderLayer"])
  }

  /// Unbatched source and target ([S, E], [T, E]) give the batch of one's result, with either
  /// layout, and a bool key padding mask blocks what the float −inf one blocks.
  func testUnbatchedInputsGiveTheBatchOfOnesResult() {
    torch.manualSeed(2)
    for batchFirst in [false, true] {
      let model = nn.Transformer(dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 16, dropout: 0,
                                 batchFirst: batchFirst)
      let src = torch.randn(5, 8), tgt = torch.randn(3, 8), mask = nn.Transformer.generateSquareSubsequentMask(3)
      let batchDim = batchFirst ? 0 : 1
      let unbatched = model(src, tgt, tgtMask: mask)
      let batched = model(src.unsqueeze(batchDim), tgt.unsqueeze(batchDim), tgtMask: mask).squeeze(batchDim)
      XCTAssertEqual(unbatched.dims, [3, 8])
      XCTAssertLessThan((unbatched - batched).abs().max().item(), 1e-5, "batchFirst \(batchFirst)")
      let padding = torch.tensor([[false, false, false, true, true]])
      let floatPadding = torch.zeros(1, 5).maskedFill(padding, -Double.infinity)
      let byBool = model(src.unsqueeze(batchDim), tgt.unsqueeze(batchDim), srcKeyPaddingMask: padding, memoryKeyPaddingMask: padding)
      let byFloat = model(src.unsqueeze(batchDim), tgt.unsqueeze(batchDim), srcKeyPaddingMask: floatPadding,
                          memoryKeyPaddingMask: floatPadding)
      XCTAssertLessThan((byBool - byFloat).abs().max().item(), 1e-5, "batchFirst \(batchFirst)")
    }
  }

  /// PyTorch's causal-mask detection: the float square subsequent mask and its bool form count
  /// as causal, any other mask does not, and a declared flag stands.
  func testCausalMasksAreDetectedAsPyTorchDetectsThem() {
    let float = nn.Transformer.generateSquareSubsequentMask(4)
    XCTAssertTrue(nn.Transformer.isCausalMask(float, declared: nil, size: 4))
    XCTAssertTrue(nn.Transformer.isCausalMask(torch.ones([4, 4], dtype: .bool).triu(1), declared: nil, size: 4))
    XCTAssertFalse(nn.Transformer.isCausalMask(torch.ones([4, 4], dtype: .bool).triu(2), declared: nil, size: 4))
    XCTAssertFalse(nn.Transformer.isCausalMask(float, declared: nil, size: 3))
    XCTAssertFalse(nn.Transformer.isCausalMask(float, declared: false, size: 4))
    XCTAssertFalse(nn.Transformer.isCausalMask(nil, declared: nil, size: 4))
  }

  static let misuseCases: [String: @Sendable () -> Void] = [
    "transformer.batchMismatch": { _ = nn.Transformer(dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1)(torch.zeros(3, 2, 8), torch.zeros(3, 1, 8)) },
    "transformer.featureMismatch": { _ = nn.Transformer(dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1)(torch.zeros(3, 2, 8), torch.zeros(3, 2, 6)) },
  ]

  func testTransformerMisuseStopsWithPyTorchsMessages() {
    XCTAssertEqual(Set(Self.goldens.messages.keys.map { "transformer.\($0)" }), Set(Self.misuseCases.keys))
    for (name, message) in Self.goldens.messages.sorted(by: { $0.key < $1.key }) {
      assertStops("transformer.\(name)", with: "RuntimeError: \(message)")
    }
  }

  func testTransformerGoldensComeFromTheCheckedInGenerator() throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/generate_transformer_goldens.py")
    XCTAssertEqual(MD5.hex(Array(try Data(contentsOf: script))), Self.goldens.generatorMD5,
                   "transformer_goldens.json was written by another version of its generator: regenerate it")
  }
}
