import Foundation
import XCTest
@testable import Torch

/// `exponential_`, `torch.multinomial`, `erfinv` and `nn.init.truncNormal_` against PyTorch's
/// seeded draws (scripts/generate_sampling_goldens.py): exact exponential values, the same
/// indices for both sampling paths (exponential race, cumulative sums), the generator left where
/// PyTorch leaves it, PyTorch's messages for misuse; erfinv and the truncated normal within an
/// ulp of PyTorch's (whose x86 builds compute erfinv with MKL).
final class SamplingTests: XCTestCase {
  struct Draw: Decodable {
    let weights: String
    let samples: Int
    let replacement: Bool
    let seed: UInt64
    let shape: [Int]
    let indices: [Int64]
    let nextRand: [UInt64]
  }

  struct Erfinv: Decodable {
    let inputs: [UInt64]
    let values: [UInt64]
  }

  struct Goldens: Decodable {
    let generatorMD5: String
    let exponential: [String: [UInt64]]
    let draws: [Draw]
    let explicitGenerator: [Int64]
    let messages: [String: String]
    let erfinv: Erfinv
    let truncNormal: [String: [UInt64]]
    let truncNormalNext: [String: [UInt64]]
    let orthogonal: [String: [UInt64]]
    let orthogonalNext: [String: [UInt64]]
  }

  func goldens() throws -> Goldens {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "sampling_goldens", withExtension: "json", subdirectory: "Fixtures"))
    return try JSONDecoder().decode(Goldens.self, from: Data(contentsOf: url))
  }

  /// The weight tensors the generator builds under the same names.
  static func weights(_ name: String) -> Tensor {
    switch name {
    case "four": torch.tensor([0.1, 0.2, 0.3, 0.4])
    case "rows": torch.tensor([[0.0, 3.0, 1.0, 0.0, 5.0], [1.0, 1.0, 1.0, 1.0, 1.0]])
    case "withZeros": torch.tensor([0.0, 0.0, 1.0])
    case "uniform64": torch.ones([5], dtype: .float64)
    case "ramp": torch.arange(1.0, 41.0).reshape(4, 10)
    case "transposed": torch.arange(1.0, 13.0).reshape(4, 3).t()
    case "tiny": torch.tensor([1e-30, 1.0, 3e-8])
    default: fatalError("no weights named \(name)")
    }
  }

  func testExponentialGivesPyTorchsValues() throws {
    let goldens = try goldens()
    for (name, dtype, rate, count) in [("float32", DType.float32, 1.0, 40), ("float64", .float64, 1.0, 40), ("rate2_5", .float32, 2.5, 17)] {
      torch.manualSeed(7)
      let values = Tensor(uninitialized: [count], dtype: dtype).exponential_(rate).to(.float64).toArray(Double.self)
      XCTAssertEqual(values.map(\.bitPattern), goldens.exponential[name], name)
    }
  }

  func testMultinomialDrawsPyTorchsIndices() throws {
    let goldens = try goldens()
    XCTAssertEqual(goldens.draws.count, 17)
    for draw in goldens.draws {
      torch.manualSeed(draw.seed)
      let result = torch.multinomial(Self.weights(draw.weights), draw.samples, replacement: draw.replacement)
      let label = "\(draw.weights), \(draw.samples), replacement \(draw.replacement)"
      XCTAssertEqual(result.dtype, .int64, label)
      XCTAssertEqual(result.shape.dims, draw.shape, label)
      XCTAssertEqual(result.toArray(Int64.self), draw.indices, label)
      // The generator is left where PyTorch leaves it: the draws consumed match too.
      XCTAssertEqual(torch.rand(2).to(.float64).toArray(Double.self).map(\.bitPattern), draw.nextRand, label)
    }
    let explicit = torch.multinomial(torch.ones(3), 2, generator: torch.Generator(seed: 1))
    XCTAssertEqual(explicit.toArray(Int64.self), goldens.explicitGenerator)
  }

  /// Drawn as the race orders them: with distinct weights, the first draws favour heavy ones,
  /// and without replacement no index repeats.
  func testMultinomialWithoutReplacementNeverRepeats() {
    torch.manualSeed(0)
    let rows = torch.multinomial(torch.rand(50, 30), 30).toArray(Int64.self)
    for row in 0..<50 { XCTAssertEqual(Set(rows[(row * 30)..<((row + 1) * 30)]).count, 30) }
  }

  /// The distance in float32 units in the last place (0 for equal values, NaN with NaN, ±inf with itself).
  private func ulps(_ a: Float, _ b: Float) -> Int {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN ? 0 : .max }
    if a == b { return 0 }
    func ordered(_ x: Float) -> Int { x.sign == .minus ? -Int(x.bitPattern & 0x7fff_ffff) : Int(x.bitPattern) }
    return abs(ordered(a) - ordered(b))
  }

  /// float32 erfinv over [−1, 1] (and its ends and outside it) within an ulp of PyTorch's, and
  /// float64 erfinv inverting erf.
  func testErfinvIsWithinAnUlpOfPyTorchs() throws {
    let goldens = try goldens()
    let inputs = goldens.erfinv.inputs.map { Float(Double(bitPattern: $0)) }
    let ours = torch.tensor(inputs).erfinv().toArray(Float.self)
    let theirs = goldens.erfinv.values.map { Float(Double(bitPattern: $0)) }
    let worst = zip(ours, theirs).map { ulps($0, $1) }.max()!
    XCTAssertLessThanOrEqual(worst, 1, "erfinv's largest distance from PyTorch in ulp")
    XCTAssertEqual(ours.filter(\.isNaN).count, 2)
    XCTAssertEqual(torch.tensor(inputs).erfinv_().toArray(Float.self).map(\.bitPattern), ours.map(\.bitPattern))
    let x = torch.linspace(-3, 3, steps: 61, dtype: .float64)
    XCTAssertLessThan((x.erf().erfinv() - x).abs().max().item(), 1e-12)
  }

  /// Seeded truncated normals: PyTorch's values (both of its samplers, float32 and float64),
  /// inside the bounds, and the generator left where PyTorch leaves it.
  func testTruncNormalDrawsPyTorchsValues() throws {
    let goldens = try goldens()
    let cases = [("standard", 0.0, 1.0, -2.0, 2.0), ("vit", 0.0, 0.02, -2.0, 2.0), ("shifted", 1.0, 0.5, 0.2, 1.3),
                 ("tail", 0.0, 1.0, 2.0, 3.0), ("narrow", 0.0, 1.0, -0.2, 0.2), ("float64Tail", -1.0, 2.0, 3.0, 9.0)]
    XCTAssertEqual(Set(cases.map(\.0)), Set(goldens.truncNormal.keys))
    for (name, mean, std, a, b) in cases {
      torch.manualSeed(11)
      let dtype: DType = name.hasPrefix("float64") ? .float64 : .float32
      let ours = nn.`init`.truncNormal_(torch.empty([300], dtype: dtype), mean: mean, std: std, a: a, b: b).toArray(Double.self)
      let theirs = goldens.truncNormal[name]!.map { Double(bitPattern: $0) }
      XCTAssertEqual(ours, theirs, name)
      XCTAssertTrue(ours.allSatisfy { $0 >= a && $0 <= b }, name)
      // The generator is left where PyTorch leaves it: as many draws were made.
      XCTAssertEqual(torch.rand(2).to(.float64).toArray(Double.self).map(\.bitPattern), goldens.truncNormalNext[name], name)
    }
  }

  /// Seeded orthogonal matrices: PyTorch's to float32 rounding (its QR runs in float32, ours in
  /// double), orthonormal rows or columns, and the generator left where PyTorch leaves it.
  func testOrthogonalMatchesPyTorchsMatrices() throws {
    let goldens = try goldens()
    let cases: [(String, [Int], Double, DType)] = [("tall", [6, 4], 1, .float32), ("wide", [3, 5], 2, .float32),
                                                   ("convolution", [4, 2, 3, 3], 1, .float32), ("square64", [5, 5], 0.5, .float64)]
    XCTAssertEqual(Set(cases.map(\.0)), Set(goldens.orthogonal.keys))
    for (name, shape, gain, dtype) in cases {
      torch.manualSeed(13)
      let weight = nn.`init`.orthogonal_(torch.empty(shape, dtype: dtype), gain: gain)
      let theirs = goldens.orthogonal[name]!.map { Double(bitPattern: $0) }
      let difference = zip(weight.toArray(Double.self), theirs).map { abs($0 - $1) }.max()!
      XCTAssertLessThanOrEqual(difference, dtype == .float64 ? 1e-12 : 2e-6, name)
      XCTAssertEqual(torch.rand(2).to(.float64).toArray(Double.self).map(\.bitPattern), goldens.orthogonalNext[name], name)
      let flat = weight.to(.float64).reshape(shape[0], -1) / gain
      let gram = shape[0] <= flat.size(1) ? flat.mm(flat.t()) : flat.t().mm(flat)
      XCTAssertLessThan((gram - torch.eye(gram.size(0), dtype: .float64)).abs().max().item(), 1e-5, name)
    }
  }

  static let misuseCases: [String: @Sendable () -> Void] = [
    "sampling.threeDims": { _ = torch.multinomial(torch.ones(1, 2, 3), 1) },
    "sampling.integers": { _ = torch.multinomial(torch.tensor([1, 2]), 1) },
    "sampling.zeroSamples": { _ = torch.multinomial(torch.ones(2), 0) },
    "sampling.tooManyWithoutReplacement": { _ = torch.multinomial(torch.ones(2), 3) },
    "sampling.negativeRace": { _ = torch.multinomial(torch.tensor([-1.0, 2.0]), 1) },
    "sampling.infiniteRace": { _ = torch.multinomial(torch.tensor([Double.infinity, 1.0]), 1) },
    "sampling.zeroRowRace": { _ = torch.multinomial(torch.tensor([[1.0, 1.0], [0.0, 0.0]]), 1) },
    "sampling.negativeDraws": { _ = torch.multinomial(torch.tensor([-1.0, 2.0]), 2, replacement: true) },
    "sampling.infiniteDraws": { _ = torch.multinomial(torch.tensor([1.0, Double.infinity]), 3, replacement: true) },
    "sampling.nanDraws": { _ = torch.multinomial(torch.tensor([1.0, Double.nan]), 3, replacement: true) },
    "sampling.zeroRowDraws": { _ = torch.multinomial(torch.tensor([[1.0, 1.0], [0.0, 0.0]]), 3, replacement: true) },
    "sampling.tooManyCategories": { _ = torch.multinomial(torch.ones([16_777_217], dtype: .float64), 2) },
    "sampling.exponentialRate": { _ = torch.empty(3).exponential_(0) },
    "sampling.orthogonalVector": { _ = nn.`init`.orthogonal_(torch.empty(3)) },
  ]

  func testSamplingMisuseStopsWithPyTorchsMessages() throws {
    let goldens = try goldens()
    XCTAssertEqual(Set(goldens.messages.keys.map { "sampling.\($0)" }), Set(Self.misuseCases.keys))
    for (name, message) in goldens.messages.sorted(by: { $0.key < $1.key }) {
      assertStops("sampling.\(name)", with: message)
    }
  }

  func testSamplingGoldensComeFromTheCheckedInGenerator() throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/generate_sampling_goldens.py")
    XCTAssertEqual(MD5.hex(Array(try Data(contentsOf: script))), try goldens().generatorMD5,
                   "sampling_goldens.json was written by another version of its generator: regenerate it")
  }
}
