import Foundation
import XCTest
@testable import Torch

/// `datasets.CIFAR10` against what torchvision reads from the same files (the synthetic
/// sample in CIFAR-10's own format, Fixtures/cifar10_sample.tar.gz, from
/// scripts/generate_cifar_sample.py; torchvision's figures in basics_goldens.json), the
/// channels-last `ToTensor`, and the archive and pickle checks on damaged input.
final class CIFAR10Tests: XCTestCase {
  static var sampleArchive: URL { Bundle.module.url(forResource: "cifar10_sample", withExtension: "tar.gz", subdirectory: "Fixtures")! }

  private var root: URL!

  override func setUpWithError() throws {
    root = FileManager.default.temporaryDirectory.appendingPathComponent("cifar-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

  private func placeSample() throws {
    try FileManager.default.copyItem(at: Self.sampleArchive, to: root.appendingPathComponent(datasets.CIFAR10.archive))
  }

  func testReadsWhatTorchvisionReads() throws {
    try placeSample()
    try assertSplitsEqual(try BasicsPagesTests.goldens().cifarSample) { train in
      try datasets.CIFAR10(root: root.path, train: train, download: true)
    }
    // Extracted once: a second load reads the folder (the archive may go).
    try FileManager.default.removeItem(at: root.appendingPathComponent(datasets.CIFAR10.archive))
    XCTAssertEqual(try datasets.CIFAR10(root: root.path, train: false).count, 100)
  }

  /// CIFAR-100's layout (one train and one test file, `meta`): the fine labels and their names,
  /// as torchvision's CIFAR100 gives them.
  func testCIFAR100ReadsWhatTorchvisionReads() throws {
    let sample = try XCTUnwrap(Bundle.module.url(forResource: "cifar100_sample", withExtension: "tar.gz", subdirectory: "Fixtures"))
    try FileManager.default.copyItem(at: sample, to: root.appendingPathComponent(datasets.CIFAR100.archive))
    XCTAssertEqual(datasets.CIFAR100.archive, "cifar-100-python.tar.gz")
    XCTAssertEqual(datasets.CIFAR100.url, "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz")
    try assertSplitsEqual(try BasicsPagesTests.goldens().cifar100Sample) { train in
      try datasets.CIFAR100(root: root.path, train: train, download: true)
    }
  }

  /// Each split `load` makes holds torchvision's images (their MD5), labels and class names.
  private func assertSplitsEqual(_ expected: BasicsPagesTests.CIFARSample, _ load: (Bool) throws -> datasets.CIFAR10,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
    for (name, train) in [("train", true), ("test", false)] {
      let split = try load(train)
      let golden = try XCTUnwrap(expected.splits[name], file: file, line: line)
      XCTAssertEqual(split.count, golden.count, name, file: file, line: line)
      XCTAssertEqual(split.data.shape, [golden.count, 32, 32, 3], name, file: file, line: line)
      XCTAssertEqual(MD5.hex(split.data.toArray(UInt8.self)), golden.md5, "\(name): the images differ from torchvision's", file: file, line: line)
      XCTAssertEqual(Array(split.targets.prefix(golden.labels.count)), golden.labels, name, file: file, line: line)
      XCTAssertEqual(split.classes, golden.classes, name, file: file, line: line)
    }
  }

  /// A batch re-pickled by Python 3 (protocol 4: str keys, bytes, NumPy 2's `numpy._core`)
  /// reads as the Python 2 original does: it holds the test batch's first four images.
  func testBatchesPickledByPython3Load() throws {
    try placeSample()
    let original = try datasets.CIFAR10(root: root.path, train: false, download: true)
    let resaved = try XCTUnwrap(Bundle.module.url(forResource: "cifar10_batch_protocol4", withExtension: "pkl", subdirectory: "Fixtures"))
    let batch = root.appendingPathComponent(datasets.CIFAR10.baseFolder).appendingPathComponent("test_batch")
    try FileManager.default.removeItem(at: batch)
    try FileManager.default.copyItem(at: resaved, to: batch)
    let split = try datasets.CIFAR10(root: root.path, train: false)
    XCTAssertEqual(split.count, 4)
    XCTAssertEqual(split.targets, Array(original.targets.prefix(4)))
    XCTAssertTrue(torch.equal(split.data, original.data[..<4]))
  }

  /// A sample and a batch give the same transformed images: ToTensor makes channels-last
  /// uint8 pixels channels-first floats in [0, 1], Normalize maps them to [-1, 1].
  func testSamplesAndBatchesAreTransformedAlike() throws {
    try placeSample()
    let transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])])
    let split = try datasets.CIFAR10(root: root.path, train: false, download: true, transform: transform)
    let (image, label) = split[3]
    XCTAssertEqual(image.shape, [3, 32, 32])
    XCTAssertEqual(image.dtype, .float32)
    XCTAssertEqual(label, split.targets[3])
    let raw = split.data[3].toArray(UInt8.self)  // [32, 32, 3]
    let values = image.toArray(Float.self)  // [3, 32, 32]
    for (c, y, x) in [(0, 0, 0), (1, 5, 7), (2, 31, 30)] {
      XCTAssertEqual(values[c * 1024 + y * 32 + x], (Float(raw[(y * 32 + x) * 3 + c]) / 255 - 0.5) / 0.5)
    }
    let (images, labels) = split.batch([5, 3])
    XCTAssertEqual(images.shape, [2, 3, 32, 32])
    XCTAssertTrue(torch.equal(images[1], image))
    XCTAssertEqual(labels.toArray(Int64.self), [Int64(split.targets[5]), Int64(label)])
  }

  /// Seeded random crops and flips pick torchvision's corners and flips, image by image, and
  /// leave the generator where torchvision leaves it: on channels-last pixels before ToTensor
  /// (as on PIL images) and on tensors after it (rectangular crop, padding per side, a fill).
  /// The padding modes (edge, reflect, symmetric), pad_if_needed, Pad alone and the usual CIFAR
  /// normalization give torchvision's bits too.
  func testRandomCropsAndFlipsAreTorchvisions() throws {
    try placeSample()
    let pipelines: [String: any Transform] = [
      "pil": transforms.Compose([transforms.RandomCrop(32, padding: 4), transforms.RandomHorizontalFlip(), transforms.ToTensor()]),
      "tensor": transforms.Compose([transforms.ToTensor(), transforms.RandomCrop([28, 30], padding: [1, 2, 3, 4], fill: 0.5),
                                    transforms.RandomHorizontalFlip(p: 0.3)]),
      "normalized": transforms.Compose([transforms.ToTensor(),
                                        transforms.Normalize(mean: [0.4914, 0.4822, 0.4465], std: [0.2470, 0.2435, 0.2616])]),
      "edge": transforms.Compose([transforms.RandomCrop(32, padding: 4, paddingMode: .edge), transforms.ToTensor()]),
      "reflectIfNeeded": transforms.Compose([transforms.ToTensor(), transforms.RandomCrop(36, padIfNeeded: true, paddingMode: .reflect)]),
      "symmetric": transforms.Compose([transforms.RandomCrop([30, 34], padding: [2, 1], paddingMode: .symmetric),
                                       transforms.RandomHorizontalFlip(p: 0.7), transforms.ToTensor()]),
      "pad": transforms.Compose([transforms.Pad([1, 2, 3, 4], paddingMode: .reflect), transforms.ToTensor()]),
    ]
    let expected = try XCTUnwrap(try BasicsPagesTests.goldens().cifarSample.augmented)
    XCTAssertEqual(Set(pipelines.keys), Set(expected.keys))
    for (name, pipeline) in pipelines {
      let golden = try XCTUnwrap(expected[name])
      torch.manualSeed(0)
      let split = try datasets.CIFAR10(root: root.path, train: true, download: true, transform: pipeline)
      let images = torch.stack((0..<16).map { split[$0].0 })
      XCTAssertEqual(images.shape.dims, golden.shape, name)
      let bytes = images.toArray(Float.self).withUnsafeBytes { Array($0) }
      XCTAssertEqual(MD5.hex(bytes), golden.md5, "\(name): the crops or flips differ from torchvision's")
      XCTAssertEqual(torch.rand(1).item(), golden.next, "\(name): the generator is not where torchvision leaves it")
    }
  }

  /// Each mode's padding of one row 1 2 3 (two on the left, one on the right), as numpy.pad
  /// and torch's pad modes define them.
  func testPaddingModesMirrorAsTorchvisions() {
    let row = Tensor([1, 2, 3] as [Float], shape: [1, 3])
    let expected: [(transforms.Pad.Mode, [Float])] = [
      (.constant, [9, 9, 1, 2, 3, 9]), (.edge, [1, 1, 1, 2, 3, 3]), (.reflect, [3, 2, 1, 2, 3, 2]), (.symmetric, [2, 1, 1, 2, 3, 3]),
    ]
    for (mode, values) in expected {
      XCTAssertEqual(transforms.Pad([2, 0, 1, 0], fill: 9, paddingMode: mode)(row).toArray(Float.self), values, mode.rawValue)
    }
  }

  /// A crop of the image's own size returns it and draws nothing, as torchvision's; a flip with
  /// p = 1 reverses each row.
  func testCropOfTheWholeImageDrawsNothing() {
    let image = torch.rand(3, 8, 8)
    torch.manualSeed(1)
    XCTAssertTrue(torch.equal(transforms.RandomCrop(8)(image), image))
    let next = torch.rand(1).item()
    torch.manualSeed(1)
    XCTAssertEqual(torch.rand(1).item(), next)
    XCTAssertEqual(transforms.RandomCrop([4, 6], padding: [1, 2])(image).shape, [3, 4, 6])
    XCTAssertEqual(transforms.RandomHorizontalFlip(p: 1)(Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])).toArray(Float.self), [3, 2, 1, 6, 5, 4])
  }

  func testToTensorTakesColorImagesChannelsLast() {
    let pixels = Tensor((0..<12).map { UInt8($0 * 20) }, shape: [2, 2, 3])
    let image = transforms.ToTensor()(pixels)
    XCTAssertEqual(image.shape, [3, 2, 2])
    XCTAssertEqual(image.toArray(Float.self), [0, 60, 120, 180, 20, 80, 140, 200, 40, 100, 160, 220].map { Float($0) / 255 })
    XCTAssertEqual(transforms.ToTensor()(pixels.unsqueeze(0)).shape, [1, 3, 2, 2])
    // Grey images keep their layout and gain a channel.
    XCTAssertEqual(transforms.ToTensor()(torch.zeros([5, 28, 28], dtype: .uint8)).shape, [5, 1, 28, 28])
  }

  func testMissingFilesSayWhatToDo() {
    XCTAssertThrowsError(try datasets.CIFAR10(root: root.path)) { error in
      guard case TorchError.io(let path, let reason) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(path.hasSuffix("cifar-10-batches-py/data_batch_1"), path)
      XCTAssertTrue(reason.contains("download: true"), reason)
    }
    XCTAssertThrowsError(try datasets.CIFAR10(root: root.path, download: true)) { error in
      guard case TorchError.download(let url, let reason) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(url, datasets.CIFAR10.url)
      XCTAssertTrue(reason.contains("curl -LO \(datasets.CIFAR10.url)"), reason)
    }
  }

  /// A truncated archive, damaged batch and meta files stop with errors naming the file.
  func testDamagedFilesAreErrorsNamingThem() throws {
    let archive = root.appendingPathComponent(datasets.CIFAR10.archive)
    let whole = try Data(contentsOf: Self.sampleArchive)
    try whole.prefix(whole.count / 2).write(to: archive)
    XCTAssertThrowsError(try datasets.CIFAR10(root: root.path, download: true)) { error in
      guard case TorchError.corruptFile(let path, _) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(path, archive.path)
    }
    try whole.write(to: archive)
    _ = try datasets.CIFAR10(root: root.path, train: false, download: true)
    let folder = root.appendingPathComponent(datasets.CIFAR10.baseFolder)
    let batch = folder.appendingPathComponent("test_batch")
    let batchBytes = try Data(contentsOf: batch)
    for damaged in [batchBytes.prefix(5000), batchBytes.prefix(40), Data(repeating: 0x41, count: 64)] {
      try damaged.write(to: batch)
      XCTAssertThrowsError(try datasets.CIFAR10(root: root.path, train: false)) { error in
        guard case TorchError.corruptFile(let path, _) = error else { return XCTFail("\(error)") }
        XCTAssertEqual(path, batch.path)
      }
    }
    try Data([0x80, 0x02, 0x7D, 0x2E]).write(to: folder.appendingPathComponent("batches.meta"))  // {} : no label_names
    XCTAssertThrowsError(try datasets.CIFAR10(root: root.path, train: false)) { error in
      guard case TorchError.corruptFile(let path, let reason) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(path.hasSuffix("batches.meta") && reason.contains("label_names"), "\(path): \(reason)")
    }
  }

  /// An entry whose path climbs out of the target folder is refused before anything is written.
  func testArchiveEntriesCannotEscapeTheirFolder() throws {
    let archive = root.appendingPathComponent("evil.tar")
    try Self.tar([("../escaped.txt", Array("gotcha".utf8))]).write(to: archive)
    let target = root.appendingPathComponent("inside")
    XCTAssertThrowsError(try Tar.extract(archive.path, into: target.path)) { error in
      guard case TorchError.corruptFile(_, let reason) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(reason.contains("outside"), reason)
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("escaped.txt").path))
    // A well-formed entry is written, and a header with a wrong checksum is refused.
    try Self.tar([("a/b.txt", Array("hello".utf8))]).write(to: archive)
    XCTAssertEqual(try Tar.extract(archive.path, into: target.path), ["a/b.txt"])
    XCTAssertEqual(try String(contentsOf: target.appendingPathComponent("a/b.txt"), encoding: .utf8), "hello")
    var damaged = Self.tar([("c.txt", Array("x".utf8))])
    damaged[0] ^= 1
    try damaged.write(to: archive)
    XCTAssertThrowsError(try Tar.extract(archive.path, into: target.path))
  }

  /// A plain ustar archive of `files`.
  static func tar(_ files: [(String, [UInt8])]) -> Data {
    var bytes: [UInt8] = []
    for (name, content) in files {
      var header = [UInt8](repeating: 0, count: 512)
      func put(_ text: String, at offset: Int) { for (i, byte) in text.utf8.enumerated() { header[offset + i] = byte } }
      put(name, at: 0)
      put("0000644", at: 100)
      put(String(content.count, radix: 8).leftPadded(to: 11), at: 124)
      put("00000000000", at: 136)
      header[156] = UInt8(ascii: "0")
      put("ustar", at: 257)
      put("00", at: 263)
      let sum = header.enumerated().reduce(0) { $0 + ((148..<156).contains($1.offset) ? 32 : Int($1.element)) }
      put(String(sum, radix: 8).leftPadded(to: 6), at: 148)
      header[154] = 0
      header[155] = 32
      bytes += header + content + [UInt8](repeating: 0, count: (512 - content.count % 512) % 512)
    }
    return Data(bytes + [UInt8](repeating: 0, count: 1024))
  }
}

private extension String {
  func leftPadded(to width: Int) -> String { String(repeating: "0", count: Swift.max(0, width - count)) + self }
}
