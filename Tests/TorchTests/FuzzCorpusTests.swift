import Foundation
import XCTest
@_spi(Fuzzing) @testable import Torch

/// The libFuzzer targets (`FuzzTargets`, run for minutes by scripts/fuzz) at test size: every
/// seed in Fixtures/fuzz/<target> (from scripts/generate_fuzz_seeds.py, plus inputs libFuzzer
/// found worth keeping) and deterministic mutations of each go through the reader. `ok-*` seeds
/// must be accepted and `bad-*` seeds refused; a mutant may go either way but must not trap.
final class FuzzCorpusTests: XCTestCase {
  /// 2,000 by default; `TORCH_FUZZ_MUTANTS=N` (and `TORCH_FUZZ_TARGETS=a,b` to pick readers)
  /// for a longer run without libFuzzer.
  static let mutantsPerSeed = ProcessInfo.processInfo.environment["TORCH_FUZZ_MUTANTS"].flatMap(Int.init) ?? 2000
  static let targets = ProcessInfo.processInfo.environment["TORCH_FUZZ_TARGETS"].map { Set($0.split(separator: ",").map(String.init)) }

  func testEveryReaderSurvivesItsCorpusAndMutations() throws {
    let corpus = try XCTUnwrap(Bundle.module.url(forResource: "fuzz", withExtension: nil, subdirectory: "Fixtures"))
    for (name, run) in FuzzTargets.all where Self.targets?.contains(name) ?? true {
      let folder = corpus.appendingPathComponent(name)
      let seeds = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
      XCTAssertTrue(seeds.contains { $0.hasPrefix("ok-") } && seeds.contains { $0.hasPrefix("bad-") }, "\(name) needs ok- and bad- seeds")
      var accepted = 0, refused = 0
      var random = SplitMix64(seed: 0x5EED)
      for seed in seeds {
        let bytes = try [UInt8](Data(contentsOf: folder.appendingPathComponent(seed)))
        let outcome = bytes.withUnsafeBytes(run)
        if seed.hasPrefix("ok-") { XCTAssertTrue(outcome, "\(name)/\(seed) was refused") }
        if seed.hasPrefix("bad-") { XCTAssertFalse(outcome, "\(name)/\(seed) was accepted") }
        for _ in 0..<Self.mutantsPerSeed {
          let mutant = mutate(bytes, &random)
          if mutant.withUnsafeBytes(run) { accepted += 1 } else { refused += 1 }
        }
      }
      // Both paths are reached: the mutations are neither all harmless nor all fatal.
      XCTAssertGreaterThan(accepted, 0, "\(name): no mutant was accepted")
      XCTAssertGreaterThan(refused, 0, "\(name): every mutant was accepted")
    }
  }

  /// One to four of libFuzzer's basic mutations: flip a bit, write an interesting byte, insert,
  /// erase, duplicate a range, or truncate.
  func mutate(_ input: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
    var bytes = input
    let interesting: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF, 0x20, 0x22, 0x2C, 0x2D, 0x30, 0x39, 0x5B, 0x5D, 0x7B, 0x7D, 0x0D, 0x0A]
    for _ in 0...random.below(4) {
      let position = bytes.isEmpty ? 0 : random.below(bytes.count)
      switch random.below(6) {
      case 0 where !bytes.isEmpty: bytes[position] ^= 1 << UInt8(random.below(8))
      case 1 where !bytes.isEmpty: bytes[position] = interesting[random.below(interesting.count)]
      case 2: bytes.insert(contentsOf: (0...random.below(8)).map { _ in UInt8(random.below(256)) }, at: position)
      case 3 where !bytes.isEmpty: bytes.removeSubrange(position..<min(bytes.count, position + 1 + random.below(8)))
      case 4 where !bytes.isEmpty:
        let length = min(bytes.count - position, 1 + random.below(16))
        bytes.insert(contentsOf: bytes[position..<(position + length)], at: random.below(bytes.count))
      default: bytes.removeLast(bytes.isEmpty ? 0 : random.below(bytes.count))
      }
    }
    return bytes
  }
}

/// A small deterministic generator (SplitMix64) for test inputs.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// A number in `0..<bound`.
  mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
