import Foundation
import XCTest

/// The examples' command lines: `--help` answers without running anything, and a missing or
/// bad value stops with the reason and the usage (exit status 2, as argparse does) instead of
/// crashing or silently using a default. The executables are built beside this test bundle.
final class CommandLineTests: XCTestCase {
  func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
    let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let executable = folder.appendingPathComponent(program)
    guard FileManager.default.isExecutableFile(atPath: executable.path) else {
      throw NSError(domain: "CommandLineTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(program) is not built beside the tests (swift build builds it)"])
    }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, out, err)
  }

  func expectUsageError(_ program: String, _ arguments: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let result = try run(program, arguments)
    XCTAssertEqual(result.status, 2, "\(program) \(arguments)", file: file, line: line)
    XCTAssertTrue(result.errors.hasPrefix("\(program): \(message)"), "«\(result.errors)» lacks «\(message)»", file: file, line: line)
    XCTAssertEqual(result.output, "", "\(program) \(arguments) ran", file: file, line: line)
  }

  func testHelpAnswersWithoutRunning() throws {
    for program in ["torch-bench", "build-model", "fashion-mnist"] {
      let result = try run(program, ["--help"])
      XCTAssertEqual(result.status, 0, program)
      XCTAssertTrue(result.output.hasPrefix("usage: \(program)"), "\(program): \(result.output)")
      XCTAssertEqual(result.output.split(separator: "\n").filter { $0.hasPrefix("Using ") || $0.hasPrefix("kernel_path ") || $0.hasSuffix(" GFLOP/s") }, [], "\(program) ran")
    }
  }

  func testMissingAndBadValuesAreUsageErrors() throws {
    try expectUsageError("torch-bench", ["--gemm"], "--gemm needs a value")
    try expectUsageError("torch-bench", ["--gemm", "abc"], "--gemm: 'abc' is not a positive integer")
    try expectUsageError("torch-bench", ["--profile-sgd", "-5"], "--profile-sgd: '-5' is not a positive integer")
    try expectUsageError("torch-bench", ["--profile-sgd"], "--profile-sgd needs a value")
    try expectUsageError("torch-bench", ["--contend", "7"], "unexpected argument 7")
    try expectUsageError("torch-bench", ["--bogus"], "unknown mode --bogus")
    try expectUsageError("build-model", ["--seed"], "--seed needs a non-negative integer")
    try expectUsageError("build-model", ["--seed", "-1"], "--seed needs a non-negative integer")
    try expectUsageError("build-model", ["--frobnicate"], "unknown option --frobnicate")
    try expectUsageError("fashion-mnist", ["--epochs"], "--epochs needs a value")
    try expectUsageError("fashion-mnist", ["--epochs", "many"], "--epochs: 'many' is not a valid number")
    try expectUsageError("fashion-mnist", ["--optimizer", "rmsprop"], "--optimizer must be adam or sgd, not rmsprop")
    try expectUsageError("fashion-mnist", ["--sampler", "sequential"], "--sampler must be random or distributed, not sequential")
    try expectUsageError("fashion-mnist", ["--batch-size", "0"], "--epochs must be >= 0 and --batch-size > 0")
    try expectUsageError("fashion-mnist", ["--bogus"], "unknown option --bogus")
  }
}
