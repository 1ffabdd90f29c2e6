import Foundation
import XCTest
@testable import Torch

/// Each Learn the Basics page's Swift twin (Examples/Basics, `basics-<page>`) prints what the
/// page prints in PyTorch (Fixtures/basics_goldens.json, from scripts/generate_basics_goldens.py
/// running scripts/basics/<page>.py), up to the spellings Swift cannot share, listed here and in
/// the README.
final class BasicsPagesTests: XCTestCase {
  struct Goldens: Decodable {
    struct Page: Decodable {
      let scriptMD5: String
      /// Command-line arguments; `{sample}` is the FashionMNIST sample shipped with the examples.
      let arguments: [String]
      let output: String
    }
    let generatorMD5: String
    let pages: [String: Page]
  }

  /// Python's spelling → Swift's, for values whose printed type differs.
  static let spellings = [
    ("<class 'float'>", "Double"),
  ]
  /// Whole lines that print a Swift `Bool` (`print(z.requiresGrad)`): Python writes `True`.
  static let lineSpellings = ["True": "true", "False": "false"]

  /// Object addresses (`<AddBackward0 object at 0x7f...>`) differ from run to run.
  static func maskingAddresses(_ text: Substring) -> String {
    String(text.replacing(#/ at 0x[0-9a-f]+>/#, with: " at 0x…>"))
  }

  var repository: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

  func goldens() throws -> Goldens {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "basics_goldens", withExtension: "json", subdirectory: "Fixtures"))
    return try JSONDecoder().decode(Goldens.self, from: Data(contentsOf: url))
  }

  /// The goldens came from the scripts as they are now.
  func testGoldensMatchTheirScripts() throws {
    let goldens = try goldens()
    XCTAssertEqual(try md5(of: "scripts/generate_basics_goldens.py"), goldens.generatorMD5)
    for (page, golden) in goldens.pages {
      XCTAssertEqual(try md5(of: "scripts/basics/\(page).py"), golden.scriptMD5, "regenerate the goldens after changing scripts/basics/\(page).py")
    }
  }

  func testQuickstartPage() throws { try expectPage("quickstart") }
  func testTensorsPage() throws { try expectPage("tensors") }
  func testTransformsPage() throws { try expectPage("transforms") }
  func testAutogradPage() throws { try expectPage("autograd") }
  func testOptimizationPage() throws { try expectPage("optimization") }

  /// Lines that print a loss: float32 sums in another order can move the 6th decimal (README).
  static func lossesAgree(_ a: Substring, _ b: Substring) -> Bool {
    guard a.contains("loss"), b.contains("loss") else { return false }
    let numbers = { (line: Substring) in line.matches(of: #/-?[0-9]+\.[0-9]+/#).map { Double($0.output)! } }
    let (x, y) = (numbers(a), numbers(b))
    let shape = { (line: Substring) in line.replacing(#/-?[0-9]+\.[0-9]+/#, with: "#") }
    return x.count == y.count && shape(a) == shape(b) && zip(x, y).allSatisfy { abs($0 - $1) <= 2e-6 }
  }

  func expectPage(_ page: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let golden = try XCTUnwrap(try goldens().pages[page], file: file, line: line)
    let expected = Self.spellings.reduce(golden.output) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    let sample = repository.appendingPathComponent("Examples/FashionMNIST/Resources/sample").path
    let output = try runExample("basics-\(page)", golden.arguments.map { $0.replacingOccurrences(of: "{sample}", with: sample) })
    let want = expected.split(separator: "\n", omittingEmptySubsequences: false).map { Self.lineSpellings[String($0)] ?? Self.maskingAddresses($0) }
    let got = output.split(separator: "\n", omittingEmptySubsequences: false).map { Self.maskingAddresses($0) }
    for (index, (a, b)) in zip(want, got).enumerated() where a != b && !Self.lossesAgree(a[...], b[...]) {
      XCTFail("\(page) line \(index + 1): PyTorch «\(a)», Swift «\(b)»", file: file, line: line)
      return
    }
    XCTAssertEqual(want.count, got.count, "\(page): line counts differ", file: file, line: line)
  }

  func md5(of path: String) throws -> String {
    let bytes = try [UInt8](Data(contentsOf: repository.appendingPathComponent(path)))
    return MD5.hex(bytes)
  }

  /// Runs an example built beside this test bundle and returns what it printed.
  func runExample(_ program: String, _ arguments: [String]) throws -> String {
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(program)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    // Pages that save write into their working folder: a fresh one, removed afterwards.
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("basics-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    process.currentDirectoryURL = scratch
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, "\(program) failed")
    return text
  }
}
