import Foundation
@testable import Torch
import XCTest

/// torchvision's ResNet family: reprs, state dicts, seeded initial values, and what a seeded
/// batch gives in eval and train mode, against Fixtures/model_goldens.json
/// (scripts/generate_model_goldens.py, torchvision's own models).
final class ModelTests: XCTestCase {
  nonisolated(unsafe) static let goldens: [String: Any] = {
    let url = Bundle.module.url(forResource: "Fixtures/model_goldens", withExtension: "json")!
    return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
  }()

  /// The Swift twin of each model the generator builds, by name.
  nonisolated(unsafe) static let models: [String: () -> models.ResNet] = [
    "resnet18": { Torch.models.resnet18() },
    "resnet34": { Torch.models.resnet34() },
    "resnet50": { Torch.models.resnet50() },
    "resnext50_32x4d": { Torch.models.resnext50_32x4d() },
    "resnet18_zero_init_10": { Torch.models.resnet18(numClasses: 10, zeroInitResidual: true) },
    "resnet50_dilated_10": { Torch.models.resnet50(numClasses: 10, replaceStrideWithDilation: [false, true, true]) },
  ]

  static var expected: [String: [String: Any]] { goldens["models"] as! [String: [String: Any]] }

  func testGoldensComeFromTheCheckedInGenerator() throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/generate_model_goldens.py")
    XCTAssertEqual(MD5.hex(Array(try Data(contentsOf: script))), Self.goldens["generatorMD5"] as? String, "regenerate model_goldens.json")
  }

  /// Same repr, same state-dict names and shapes in the same order, and the same seeded initial
  /// values: every sampled value bit for bit, sums to rounding of the float64 sum.
  func testSeededModelsEqualTorchvisionsModels() {
    XCTAssertEqual(Set(Self.expected.keys), Set(Self.models.keys))
    for (name, make) in Self.models.sorted(by: { $0.key < $1.key }) {
      torch.manualSeed(0)
      let model = make()
      let golden = Self.expected[name]!
      XCTAssertEqual(model.description, golden["repr"] as? String, name)
      let state = golden["state"] as! [[Any]]
      let ours = model.stateDict()
      XCTAssertEqual(ours.map(\.key), state.map { $0[0] as! String }, name)
      for (entry, (key, tensor)) in zip(state, ours) {
        XCTAssertEqual(tensor.dims, entry[1] as! [Int], "\(name).\(key)")
        assertDigest(tensor, entry[2] as! [Any], "\(name).\(key)")
      }
    }
  }

  /// A seeded batch through the seeded model: eval-mode logits, train-mode logits, the running
  /// statistics that one training forward leaves, and gradients of the logits weighted by a
  /// seeded draw, against torchvision's on the CPU, to float32 rounding (sums in another order).
  /// ResNet-50's gradients below its classifier are ill-conditioned here (PyTorch's own float32
  /// and float64 ones differ by 1-3%), so the generator gives only the classifier's.
  func testSeededModelsComputeWhatTorchvisionComputes() {
    let tolerance = 1e-4
    for (name, make) in Self.models.sorted(by: { $0.key < $1.key }) {
      guard let run = Self.expected[name]!["run"] as? [String: Any] else { continue }
      torch.manualSeed(0)
      let model = make()
      torch.manualSeed(1)
      let x = torch.randn(2, 3, 64, 64)
      model.eval()
      let evaluated = torch.noGrad { model(x) }
      assertClose(evaluated.to(.float64).flatten().toArray(Double.self), run["eval"] as! [Double], rtol: tolerance, atol: tolerance, "\(name) eval")
      model.train()
      let trained = model(x)
      assertClose(trained.detach().to(.float64).flatten().toArray(Double.self), run["train"] as! [Double], rtol: tolerance, atol: tolerance, "\(name) train")
      (trained * torch.randn(trained.dims)).sum().backward()
      let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters())
      for (key, digest) in run["gradients"] as! [String: [Any]] {
        assertDigest(parameters[key]!.grad!, digest, tolerance: 10 * tolerance, "\(name) \(key).grad")
      }
      let buffers = Dictionary(uniqueKeysWithValues: model.namedBuffers())
      for (key, digest) in run["buffers"] as! [String: [Any]] {
        assertDigest(buffers[key]!, digest, tolerance: 10 * tolerance, "\(name) \(key)")
      }
    }
  }

  /// Fine-tuning as PyTorch's tutorials do it: freeze every parameter, replace the classifier
  /// (`model.fc = nn.Linear(512, 10)`): the model then classifies into 10, and backward reaches
  /// only the new layer's parameters.
  func testReplacedClassifierIsTheOnlyPartThatLearns() {
    torch.manualSeed(0)
    let model = Torch.models.resnet18()
    for parameter in model.parameters() { parameter.requiresGrad = false }
    model.fc = nn.Linear(512, 10)
    let logits = model(torch.rand(2, 3, 32, 32))
    XCTAssertEqual(logits.shape, [2, 10])
    logits.sum().backward()
    let learning = model.namedParameters().filter { $0.1.grad != nil }.map(\.0)
    XCTAssertEqual(learning, ["fc.weight", "fc.bias"])
    // d(sum of logits)/d(bias) is 1 per sample for each class: 2 for a batch of two.
    XCTAssertEqual(model.fc.bias!.grad!.toArray(Float.self), Array(repeating: 2, count: 10))
    XCTAssertEqual(model.stateDict()["fc.weight"]?.shape, [10, 512])
  }

  /// torchvision's argument checks, with its messages.
  func testBadArgumentsStopWithTorchvisionsMessages() {
    assertStops("resnetDilationFlags", with: "ValueError: replace_stride_with_dilation should be None or a 3-element tuple, got [False, True]")
    assertStops("basicBlockGroups", with: "ValueError: BasicBlock only supports groups=1 and base_width=64")
    assertStops("basicBlockDilation", with: "NotImplementedError: Dilation > 1 not supported in BasicBlock")
    assertStops("resnetPretrained", with: "ValueError: pretrained weights ('IMAGENET1K_V1') cannot be downloaded here")
  }

  /// Compares a tensor with the generator's digest [sum, sum of squares, sampled values]: the
  /// samples bit for bit without a `tolerance`, else to `tolerance` times the tensor's RMS;
  /// the sums to what that allows.
  private func assertDigest(_ tensor: Tensor, _ digest: [Any], tolerance: Double? = nil, _ message: String,
                            file: StaticString = #filePath, line: UInt = #line) {
    let values = tensor.detach().to(.float64).flatten().toArray(Double.self)
    let (sum, squares) = (digest[0] as! Double, digest[1] as! Double)
    let picks = digest[2] as! [Double]
    guard !values.isEmpty else { return XCTAssertTrue(picks.isEmpty, message, file: file, line: line) }
    let positions = [0, values.count / 3, values.count / 2, 2 * values.count / 3, values.count - 1]
    let ours = positions.map { values[$0] }
    let rms = (squares / Double(values.count)).squareRoot()
    if let tolerance {
      assertClose(ours, picks, rtol: 0, atol: tolerance * rms, message, file: file, line: line)
    } else {
      XCTAssertEqual(ours.map(Float.init), picks.map(Float.init), message, file: file, line: line)
    }
    // The float64 sums of equal values differ only by the order of addition.
    let sumTolerance = (tolerance ?? 1e-12) * Swift.max(rms, 1e-300) * Double(values.count).squareRoot()
    assertClose([values.reduce(0, +)], [sum], rtol: 0, atol: sumTolerance + 1e-12, message + " sum", file: file, line: line)
    assertClose([values.reduce(0) { $0 + $1 * $1 }], [squares], rtol: 2 * (tolerance ?? 1e-12), atol: 1e-12, message + " sum of squares", file: file, line: line)
  }
}
