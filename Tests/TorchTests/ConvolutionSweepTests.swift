import Foundation
import XCTest
@testable import Torch

/// The convolution family against PyTorch over 420 random configurations
/// (`ConvolutionSweep`: Fixtures/convolution_sweep.json, from scripts/generate_convolution_sweep.py).
/// CUDAEmulatorTests runs the same cases on the CUDA kernels.
final class ConvolutionSweepTests: XCTestCase {
  static var fixture: String { Bundle.module.url(forResource: "Fixtures/convolution_sweep", withExtension: "json")!.path }

  /// The failures of every case on `device`, numbered as in the fixture.
  static func failures(on device: Device) throws -> [String] {
    let cases = try ConvolutionSweep.load(fixture).cases
    XCTAssertGreaterThan(cases.count, 300)
    return cases.enumerated().compactMap { number, sweepCase in
      ConvolutionSweep.check(sweepCase, on: device).map { "case \(number) \(sweepCase.description): \($0)" }
    }
  }

  func testSweepMatchesPyTorch() throws {
    let failures = try Self.failures(on: .cpu)
    XCTAssertEqual(failures.count, 0, failures.prefix(12).joined(separator: "\n"))
  }

  func testSweepComesFromTheCheckedInGenerator() throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/generate_convolution_sweep.py")
    XCTAssertEqual(MD5.hex(Array(try Data(contentsOf: script))), try ConvolutionSweep.load(Self.fixture).generatorMD5,
                   "regenerate convolution_sweep.json")
  }

  func testAMalformedSweepIsReportedNotRun() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID()).json").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Data(#"{"generatorMD5": "x", "cases": [{"op": "conv2d", "seed": 1}]}"#.utf8).write(to: URL(fileURLWithPath: path))
    let cases = try ConvolutionSweep.load(path).cases
    XCTAssertEqual(ConvolutionSweep.check(cases[0]), "malformed case: dtype")
    try Data("[1, 2]".utf8).write(to: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try ConvolutionSweep.load(path)) { error in
      XCTAssertEqual(error as? TorchError, .corruptFile(path: path, reason: "not a convolution sweep (JSON with cases and generatorMD5)"))
    }
  }
}
