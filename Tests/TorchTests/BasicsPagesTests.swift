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
      /// The Python page under scripts/ and the Swift program that ports it.
      let script: String
      let program: String
      let scriptMD5: String
      /// Command-line arguments; `{sample}` is the FashionMNIST sample shipped with the examples,
      /// `{cifar}` a folder `data` in the page's working folder holding the synthetic CIFAR-10
      /// archive (Fixtures/cifar10_sample.tar.gz).
      let arguments: [String]
      let output: String
    }
    struct Pixels: Decodable {
      let shape: [Int]
      let md5: String
    }
    let generatorMD5: String
    /// MD5 of scripts/basics/fashion_root.py, which the pages that read FashionMNIST share.
    let helperMD5: String
    let pages: [String: Page]
    /// What torchvision.utils.save_image hands to PIL for seeded images.
    let saveImage: [String: Pixels]
    /// What torchvision's CIFAR10 and CIFAR100 read from the synthetic archives (CIFAR10Tests).
    let cifarSample: CIFARSample
    let cifar100Sample: CIFARSample
  }
  struct CIFARSample: Decodable {
    struct Split: Decodable {
      let count: Int
      /// MD5 of the images as torchvision's `data` holds them (uint8 [N, 32, 32, 3]).
      let md5: String
      let labels: [Int]
      let classes: [String]
    }
    /// The first 16 training images through a seeded random crop and flip pipeline.
    struct Augmented: Decodable {
      let shape: [Int]
      /// MD5 of the stacked float32 images.
      let md5: String
      /// The next `torch.rand(1)` afterwards.
      let next: Double
    }
    let archiveMD5: String
    let splits: [String: Split]
    let augmented: [String: Augmented]?
  }

  /// Python's spelling → Swift's, for values whose printed type differs.
  static let spellings = [
    ("<class 'float'>", "Double"),
    // A Bool in a string interpolation (the blitz autograd page's f-strings).
    ("gradients?: True", "gradients?: true"), ("gradients?: False", "gradients?: false"),
  ]
  /// Whole lines that print a Swift `Bool` (`print(z.requiresGrad)`): Python writes `True`.
  static let lineSpellings = ["True": "true", "False": "false"]

  /// Object addresses (`<AddBackward0 object at 0x7f...>`) differ from run to run.
  static func maskingAddresses(_ text: Substring) -> String {
    String(text.replacing(#/ at 0x[0-9a-f]+>/#, with: " at 0x…>"))
  }

  var repository: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

  func goldens() throws -> Goldens { try Self.goldens() }

  static func goldens() throws -> Goldens {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "basics_goldens", withExtension: "json", subdirectory: "Fixtures"))
    return try JSONDecoder().decode(Goldens.self, from: Data(contentsOf: url))
  }

  /// The goldens came from the scripts as they are now.
  func testGoldensMatchTheirScripts() throws {
    let goldens = try goldens()
    XCTAssertEqual(try md5(of: "scripts/generate_basics_goldens.py"), goldens.generatorMD5)
    XCTAssertEqual(try md5(of: "scripts/basics/fashion_root.py"), goldens.helperMD5)
    XCTAssertEqual(try md5(of: "Tests/TorchTests/Fixtures/cifar10_sample.tar.gz"), goldens.cifarSample.archiveMD5,
                   "regenerate the goldens after regenerating the CIFAR-10 sample")
    XCTAssertEqual(try md5(of: "Tests/TorchTests/Fixtures/cifar100_sample.tar.gz"), goldens.cifar100Sample.archiveMD5,
                   "regenerate the goldens after regenerating the CIFAR-100 sample")
    for golden in goldens.pages.values {
      XCTAssertEqual(try md5(of: "scripts/\(golden.script)"), golden.scriptMD5, "regenerate the goldens after changing scripts/\(golden.script)")
    }
  }

  func testQuickstartPage() throws { try expectPage("quickstart") }
  func testTensorsPage() throws { try expectPage("tensors") }
  func testDataPage() throws { try expectPage("data") }
  func testTransformsPage() throws { try expectPage("transforms") }
  func testAutogradPage() throws { try expectPage("autograd") }
  func testOptimizationPage() throws { try expectPage("optimization") }
  func testSaveLoadPage() throws { try expectPage("saveload") }
  /// The 60-minute blitz's "Neural Networks" page (LeNet), for two seeds.
  func testLeNetPage() throws {
    try expectPage("lenet-seed0")
    try expectPage("lenet-seed7")
  }
  /// The 60-minute blitz's "A Gentle Introduction to torch.autograd" page: a seeded ResNet-18's
  /// training step, the page's gradients, and fine-tuning (frozen parameters, a new `fc`).
  func testBlitzAutogradPage() throws {
    try expectPage("blitz-autograd")
  }
  /// The 60-minute blitz's "Training a Classifier" page on the synthetic CIFAR-10 sample: the
  /// page's output line for line, its losses every 25 batches, predictions and accuracies.
  func testBlitzClassifierPage() throws {
    try expectPage("blitz-classifier")
  }

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
    let arguments = golden.arguments.map { $0.replacingOccurrences(of: "{sample}", with: sample).replacingOccurrences(of: "{cifar}", with: "data") }
    let output = try runExample(golden.program, arguments, withCIFARSample: golden.arguments.contains("{cifar}"))
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

  /// Runs an example built beside this test bundle and returns what it printed; with
  /// `withCIFARSample` its working folder holds `data/cifar-10-python.tar.gz`, the synthetic sample.
  func runExample(_ program: String, _ arguments: [String], withCIFARSample: Bool = false) throws -> String {
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(program)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    // Pages that save write into their working folder: a fresh one, removed afterwards.
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("basics-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    if withCIFARSample {
      let data = scratch.appendingPathComponent("data")
      try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
      try FileManager.default.copyItem(at: CIFAR10Tests.sampleArchive, to: data.appendingPathComponent(datasets.CIFAR10.archive))
    }
    process.currentDirectoryURL = scratch
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, "\(program) failed")
    return text
  }

  /// `utils.makeGrid` and `saveImage` give torchvision's bytes (grid layout, grey to RGB, rounding),
  /// and the PNG file holds exactly those bytes (its chunks' CRCs checked, its data inflated by zlib).
  func testSaveImageWritesTorchvisionsPixelsAsPNG() throws {
    let goldens = try goldens().saveImage
    torch.manualSeed(0)
    let batch = torch.rand(5, 1, 6, 7)
    for (name, images, expected) in [("grid", utils.makeGrid(batch, nrow: 3), goldens["grid"]!), ("single", utils.makeGrid(batch[0]), goldens["single"]!)] {
      let bytes = utils.imageBytes(images)
      XCTAssertEqual(bytes.dims, expected.shape, name)
      XCTAssertEqual(MD5.hex(bytes.toArray(UInt8.self)), expected.md5, name)
    }
    let path = fixtureFolder + "/grid-\(UUID().uuidString).png"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try utils.saveImage(batch, to: path, nrow: 3)
    let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    XCTAssertEqual(Array(file.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    typealias CRC32 = @convention(c) (UInt, UnsafePointer<UInt8>, UInt32) -> UInt
    typealias Uncompress = @convention(c) (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt>, UnsafePointer<UInt8>, UInt) -> Int32
    let crc = try XCTUnwrap(try ZLib.symbol("crc32", CRC32.self)), uncompress = try XCTUnwrap(try ZLib.symbol("uncompress", Uncompress.self))
    var offset = 8, chunks: [String: [UInt8]] = [:]
    func integer(_ at: Int) -> Int { file[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
    while offset < file.count {
      let length = integer(offset), body = Array(file[(offset + 4)..<(offset + 8 + length)])
      XCTAssertEqual(Int(crc(0, body, UInt32(body.count))), integer(offset + 8 + length), "CRC")
      chunks[String(decoding: body.prefix(4), as: UTF8.self)] = Array(body.dropFirst(4))
      offset += 12 + length
    }
    let header = try XCTUnwrap(chunks["IHDR"])
    XCTAssertEqual(Array(header.prefix(8)), [0, 0, 0, 29, 0, 0, 0, 18], "29 x 18")
    XCTAssertEqual(Array(header.suffix(5)), [8, 2, 0, 0, 0], "8-bit RGB")
    var raw = [UInt8](repeating: 0, count: 18 * (1 + 29 * 3))
    var rawCount = UInt(raw.count)
    let idat = try XCTUnwrap(chunks["IDAT"])
    XCTAssertEqual(uncompress(&raw, &rawCount, idat, UInt(idat.count)), 0)
    let rows = (0..<18).flatMap { row in raw[(row * 88 + 1)..<((row + 1) * 88)] }
    XCTAssertEqual(MD5.hex(Array(rows)), goldens["grid"]!.md5, "the file holds torchvision's bytes")
    XCTAssertNotNil(chunks["IEND"])
  }
}
