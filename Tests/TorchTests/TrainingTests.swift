import Foundation
import XCTest
@testable import Torch

/// Optimizers, schedulers and losses against PyTorch's numbers (scripts/generate_golden.py).
final class OptimizerTests: XCTestCase {
  func trajectory(_ make: ([Tensor]) -> optim.Optimizer) -> [Double] {
    let model = nn.Linear(3, 2)
    torch.noGrad {
      model.weight.copy_(torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
      model.bias!.copy_(torch.tensor([0.05, -0.05]))
    }
    let optimizer = make(model.parameters())
    let x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]), y = torch.tensor([1, 0])
    for _ in 0..<3 {
      optimizer.zeroGrad()
      F.crossEntropy(model(x), y).backward()
      optimizer.step()
    }
    return model.weight.toArray(Double.self) + model.bias!.toArray(Double.self)
  }

  /// Three steps of each optimizer against PyTorch's. The Adam family is bit-exact: its kernel
  /// performs PyTorch's operations with PyTorch's FMAs and Python-double coefficients, and its
  /// normalized step hides last-bit differences in the gradients. SGD passes gradients through
  /// unnormalized, so it agrees to 1e-6: a few gradient elements differ from PyTorch's in their
  /// last bits (its exp and its log-softmax backward round differently).
  func testOptimizersMatchPyTorch() {
    let configurations: [String: ([Tensor]) -> optim.Optimizer] = [
      "sgd": { optim.SGD($0, lr: 0.1) },
      "sgdMomentum": { optim.SGD($0, lr: 0.1, momentum: 0.9) },
      "sgdNesterov": { optim.SGD($0, lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true) },
      "sgdDampening": { optim.SGD($0, lr: 0.05, momentum: 0.5, dampening: 0.3, maximize: true) },
      "adam": { optim.Adam($0, lr: 0.01) },
      "adamAmsgrad": { optim.Adam($0, lr: 0.01, weightDecay: 0.1, amsgrad: true) },
      "adamW": { optim.AdamW($0, lr: 0.01, betas: (0.8, 0.99)) },
      "rmsprop": { optim.RMSprop($0, lr: 0.01) },
      "rmspropCentered": { optim.RMSprop($0, lr: 0.01, alpha: 0.9, weightDecay: 0.1, momentum: 0.5, centered: true) },
    ]
    XCTAssertEqual(Set(configurations.keys), Set(pytorchOptimizerTrajectories.keys))
    for (name, make) in configurations {
      let ours = trajectory(make), theirs = pytorchOptimizerTrajectories[name]!
      let tolerance = name.hasPrefix("adam") ? 0 : 1e-6
      XCTAssertEqual(ours.count, theirs.count, name)
      for (a, b) in zip(ours, theirs) { XCTAssertEqual(a, b, accuracy: tolerance, name) }
    }
  }

  func testReprAndParamGroups() {
    let a = torch.zeros([2], requiresGrad: true), b = torch.zeros([2], requiresGrad: true)
    XCTAssertEqual(optim.SGD([a], lr: 0.001).description, """
      SGD (
      Parameter Group 0
          dampening: 0
          differentiable: False
          foreach: None
          fused: None
          lr: 0.001
          maximize: False
          momentum: 0
          nesterov: False
          weight_decay: 0
      )
      """)
    let reprs: [String: optim.Optimizer] = [
      "adam": optim.Adam([a]), "adamW": optim.AdamW([a], lr: 0.01, betas: (0.8, 0.99)),
      "sgdNesterov": optim.SGD([a], lr: 0.1, momentum: 0.9, nesterov: true),
      "rmsprop": optim.RMSprop([a], momentum: 0.5, centered: true),
    ]
    XCTAssertEqual(Set(reprs.keys), Set(pytorchOptimizerReprs.keys))
    for (name, optimizer) in reprs { XCTAssertEqual(optimizer.description, pytorchOptimizerReprs[name], name) }
    let optimizer = optim.SGD([optim.ParamGroup(params: [a], lr: 1), optim.ParamGroup(params: [b])], lr: 0.1)
    a.grad = torch.ones(2)
    b.grad = torch.ones(2)
    optimizer.step()
    XCTAssertEqual(a.toArray(), [-1, -1])
    XCTAssertEqual(b.toArray(), [-0.1, -0.1])
    optimizer.zeroGrad()
    XCTAssertNil(a.grad)
  }

  /// Six steps of `p·p·(step + 1)` from [1, −2, 3], the optimizer rebuilt from its state dict
  /// before step `resumeAt` (`check` sees that state dict).
  private func trained(_ make: (Tensor) -> optim.Optimizer, resumeAt: Int?, check: (StateDict) -> Void = { _ in }) throws -> [Float] {
    let p = torch.tensor([1.0, -2.0, 3.0], requiresGrad: true)
    var optimizer = make(p)
    for step in 0..<6 {
      if step == resumeAt {
        let saved = optimizer.stateDict()
        check(saved)
        optimizer = make(p)
        try optimizer.loadStateDict(saved)
      }
      optimizer.zeroGrad()
      (p * p * Double(step + 1)).sum().backward()
      optimizer.step()
    }
    return p.toArray()
  }

  func testStateDictResumesExactly() throws {
    let make = { (p: Tensor) in optim.Adam([p], lr: 0.1, amsgrad: true) }
    XCTAssertEqual(try trained(make, resumeAt: nil), try trained(make, resumeAt: 3))
  }

  /// RMSprop's state (square and gradient averages, momentum buffer, step) survives a state
  /// dict round trip: a resumed run continues bit for bit.
  func testRMSpropStateDictResumesExactly() throws {
    let make = { (p: Tensor) in optim.RMSprop([p], lr: 0.05, momentum: 0.5, centered: true) }
    let resumed = try trained(make, resumeAt: 3) { saved in
      XCTAssertEqual(Set(saved.keys.filter { $0.hasPrefix("state.0.") }),
                     ["state.0.step", "state.0.square_avg", "state.0.momentum_buffer", "state.0.grad_avg"])
    }
    XCTAssertEqual(try trained(make, resumeAt: nil), resumed)
  }

  func testSchedulers() {
    let p = torch.zeros([1], requiresGrad: true)
    let stepped = optim.SGD([p], lr: 1)
    let stepLR = optim.StepLR(stepped, stepSize: 2, gamma: 0.5)
    var rates: [Double] = []
    for _ in 0..<5 { stepLR.step(); rates.append(stepLR.getLastLr()[0]) }
    XCTAssertEqual(rates, [1, 0.5, 0.5, 0.25, 0.25])
    let cosine = optim.CosineAnnealingLR(optim.SGD([p], lr: 1), tMax: 4, etaMin: 0.1)
    var cosines: [Double] = []
    for _ in 0..<4 { cosine.step(); cosines.append(cosine.getLastLr()[0]) }
    let expected = (1...4).map { 0.1 + 0.9 * (1 + Foundation.cos(Double.pi * Double($0) / 4)) / 2 }
    assertClose(cosines, expected, rtol: 0, atol: 1e-12)
  }

  /// Learning rates over eight epochs, bit for bit as PyTorch's `get_last_lr()` lists them (SGD
  /// at lr 0.5; each list starts before the first step; scripts/generate_golden.py, `scheduler_rates`).
  func testMoreSchedulersGivePyTorchsRates() {
    func rates(_ make: (optim.Optimizer) -> (step: () -> Void, last: () -> [Double])) -> [Double] {
      let scheduler = make(optim.SGD([torch.zeros([1], requiresGrad: true)], lr: 0.5))
      return [scheduler.last()[0]] + (0..<8).map { _ in scheduler.step(); return scheduler.last()[0] }
    }
    XCTAssertEqual(rates { let s = optim.ExponentialLR($0, gamma: 0.7); return (s.step, s.getLastLr) }, pytorchSchedulerRates["exponential"])
    XCTAssertEqual(rates { let s = optim.MultiStepLR($0, milestones: [2, 5, 5], gamma: 0.3); return (s.step, s.getLastLr) },
                   pytorchSchedulerRates["multiStep"])
    XCTAssertEqual(rates { let s = optim.LinearLR($0, startFactor: 0.25, endFactor: 0.9, totalIters: 4); return (s.step, s.getLastLr) },
                   pytorchSchedulerRates["linear"])
    XCTAssertEqual(rates { let s = optim.LambdaLR($0) { Foundation.pow(0.95, Double($0)) + Double($0) / 10 }; return (s.step, s.getLastLr) },
                   pytorchSchedulerRates["lambda"])
  }

  /// ReduceLROnPlateau over a fixed metric sequence (the generator's PLATEAU_METRICS):
  /// patience, cooldown, relative and absolute thresholds, the floor, against PyTorch's rates.
  func testReduceLROnPlateauMatchesPyTorch() {
    let metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.8, 0.795, 0.8, 0.8, 0.85, 0.7, 0.7, 0.71, 0.72, 0.9, 0.92, 0.93]
    func rates(_ make: (optim.Optimizer) -> optim.ReduceLROnPlateau) -> [Double] {
      let scheduler = make(optim.SGD([torch.zeros([1], requiresGrad: true)], lr: 0.5))
      return [scheduler.getLastLr()[0]] + metrics.map { scheduler.step($0); return scheduler.getLastLr()[0] }
    }
    XCTAssertEqual(rates { optim.ReduceLROnPlateau($0, factor: 0.5, patience: 1, threshold: 0.01, cooldown: 1, minLr: 0.1) },
                   pytorchSchedulerRates["plateauMin"])
    XCTAssertEqual(rates { optim.ReduceLROnPlateau($0, mode: "max", factor: 0.3, patience: 2, threshold: 0.05, thresholdMode: "abs") },
                   pytorchSchedulerRates["plateauMaxAbs"])
  }

  func testCrossEntropyIsStableForLargeLogits() {
    let logits = torch.tensor([[1e4, -1e4, 0], [0, 0, 5e4]], requiresGrad: true)
    let loss = F.crossEntropy(logits, torch.tensor([1, 2]))
    loss.backward()
    XCTAssertTrue(loss.item().isFinite)
    XCTAssertTrue(logits.grad!.toArray().allSatisfy(\.isFinite))
    XCTAssertEqual(nn.CrossEntropyLoss()(torch.tensor([[2.0, 1, 0.1], [0.5, 2.5, 0.3]]), torch.tensor([0, 1])).item(), 0.3185, accuracy: 1e-4)
  }
}

/// Hostile or inconsistent optimizer state (issue 11's reproducers): nothing changes unless
/// everything is valid, and nothing writes out of bounds.
final class OptimizerStateValidationTests: XCTestCase {
  func makeAdam() -> (Tensor, optim.Adam) {
    let w = nn.Parameter(torch.ones(1 << 10))
    let adam = optim.Adam([w], lr: 0.01)
    w.grad = torch.onesLike(w)
    adam.step()
    return (w, adam)
  }

  func testMomentsOfAnotherDTypeAreCastAsPyTorchDoes() throws {
    let (w, adam) = makeAdam()
    var saved = adam.stateDict()
    saved["state.0.exp_avg"] = torch.full([1 << 10], 3, dtype: .uint8)
    saved["state.0.exp_avg_sq"] = torch.full([1 << 10], 4.0, dtype: .float64)
    try adam.loadStateDict(saved)
    XCTAssertEqual(adam.state[ObjectIdentifier(w)]?["exp_avg"]?.dtype, .float32)
    XCTAssertEqual(adam.state[ObjectIdentifier(w)]?["exp_avg_sq"]?.dtype, .float32)
    w.grad = torch.onesLike(w)
    adam.step()
    XCTAssertTrue(w.toArray(Double.self).allSatisfy(\.isFinite))
    XCTAssertEqual(adam.state[ObjectIdentifier(w)]?["exp_avg"]?[0].item() ?? 0, 0.9 * 3 + 0.1, accuracy: 1e-6)
  }

  func testInvalidStateIsRejectedAndChangesNothing() {
    let (_, adam) = makeAdam()
    let good = adam.stateDict()
    func rejects(_ edit: (inout StateDict) -> Void, _ message: String) {
      var saved = good
      edit(&saved)
      saved["param_groups.0.lr"] = torch.tensor(0.5, dtype: .float64)  // would change if applied
      XCTAssertThrowsError(try adam.loadStateDict(saved)) { error in
        XCTAssertTrue("\(error)".contains(message), "«\(error)» lacks «\(message)»")
      }
      XCTAssertEqual(adam.paramGroups[0].lr, 0.01, "a failed load leaves lr as it was")
    }
    rejects({ $0["state.-1.exp_avg"] = torch.zeros(1 << 10) }, "unexpected optimizer state key state.-1.exp_avg")
    rejects({ $0["state.0.exp_avg"] = nil }, "lacks exp_avg")
    rejects({ $0["state.0.step"] = torch.zeros(3) }, "state.0.step must be one number")
    rejects({ $0["param_groups.0.eps"] = torch.zeros(2) }, "param_groups.0.eps must be one number")
    rejects({ $0["state.0.exp_avg_sq"] = torch.zeros(5) }, "has shape torch.Size([5]) but its parameter has torch.Size([1024])")
  }

  func testSplitWithNegativeSizesStops() {
    assertStops("splitNegative", with: "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=[-2, 8]")
  }
}

final class DataTests: XCTestCase {
  var directory: String!

  override func setUpWithError() throws {
    directory = fixtureFolder + "/data-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

  /// Dims whose product overflows, or a zero dim beside huge ones, are errors, not traps.
  func testIDXHeadersWithImpossibleDimsAreErrors() {
    for dims in [[0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], [0, 0xFFFF_FFFF, 0xFFFF_FFFF]] {
      var bytes: [UInt8] = [0, 0, 8, 3]
      for d in dims { bytes += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
      bytes += [1, 2, 3]
      let path = directory + "/hostile.idx"
      XCTAssertNoThrow(try Data(bytes).write(to: URL(fileURLWithPath: path)))
      XCTAssertThrowsError(try IDX.load(path, expectedDims: 3), "\(dims)") { error in
        XCTAssertTrue("\(error)".contains("hostile.idx"), "\(error)")
      }
    }
  }

  /// Decompression stops at the size the header promises: 64 MiB of zeros behind a one-image
  /// header (a 64 KiB file) is refused after reading one byte past the promise, and a header that
  /// promises more than deflate can expand the file to is refused before anything is allocated.
  func testGzipReadsAreBoundedByTheHeader() throws {
    try write("t10k-images-idx3-ubyte", idx([1, 28, 28], [UInt8](repeating: 0, count: 64 << 20)), gzip: true)
    XCTAssertThrowsError(try IDX.load(directory + "/t10k-images-idx3-ubyte.gz", expectedDims: 3)) { error in
      XCTAssertEqual("\(error)", "\(directory!)/t10k-images-idx3-ubyte.gz: IDX data holds more than the 784 bytes the header promises (dims [1, 28, 28])")
    }
    try write("t10k-labels-idx1-ubyte", idx([1 << 30], [1, 2, 3]), gzip: true)
    let path = directory + "/t10k-labels-idx1-ubyte.gz"
    let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    XCTAssertThrowsError(try IDX.load(path, expectedDims: 1)) { error in
      XCTAssertEqual("\(error)", "\(path): the header promises 1073741824 bytes (dims [1073741824]), more than a \(size)-byte gzip file can hold")
    }
    // A data file that is a link to an endless device.
    try FileManager.default.createSymbolicLink(atPath: directory + "/endless", withDestinationPath: "/dev/zero")
    XCTAssertThrowsError(try IDX.load(directory + "/endless", expectedDims: 1)) { error in
      XCTAssertEqual("\(error)", "\(directory!)/endless: is not a regular file")
    }
  }

  /// IDX bytes: magic, dims, then `values`.
  func idx(_ dims: [Int], _ values: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, 8, UInt8(dims.count)]
    for d in dims { bytes += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
    return bytes + values
  }

  func write(_ name: String, _ bytes: [UInt8], gzip: Bool = false) throws {
    let path = (directory as NSString).appendingPathComponent(name)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    if gzip {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/gzip")
      process.arguments = ["-f", path]
      try process.run()
      process.waitUntilExit()
    }
  }

  /// A tiny FashionMNIST-shaped split: `count` images of 28x28 whose pixels equal their index.
  func writeSplit(_ prefix: String, count: Int, gzip: Bool) throws {
    let pixels = (0..<count).flatMap { [UInt8](repeating: UInt8($0), count: 784) }
    try write("\(prefix)-images-idx3-ubyte", idx([count, 28, 28], pixels), gzip: gzip)
    try write("\(prefix)-labels-idx1-ubyte", idx([count], (0..<count).map { UInt8($0 % 10) }), gzip: gzip)
  }

  func testFashionMNISTReadsPlainAndGzippedIDX() throws {
    try writeSplit("train", count: 12, gzip: true)
    try writeSplit("t10k", count: 5, gzip: false)
    let train = try datasets.FashionMNIST(root: directory, train: true, transform: transforms.ToTensor())
    let test = try datasets.FashionMNIST(root: directory, train: false)
    XCTAssertEqual(train.count, 12)
    XCTAssertEqual(test.count, 5)
    let (image, label) = train[3]
    XCTAssertEqual(image.shape.dims, [1, 28, 28])
    XCTAssertEqual(image.max().item(), 3.0 / 255, accuracy: 1e-7)
    XCTAssertEqual(label, 3, "a label is an Int, as torchvision gives it")
    XCTAssertEqual(datasets.FashionMNIST.classes[9], "Ankle boot")
    // A DataLoader collates Int labels into an int64 tensor, as default_collate does.
    let (_, labels) = try XCTUnwrap(DataLoader(test, batchSize: 3).first)
    XCTAssertEqual(labels.dtype, .int64)
    XCTAssertEqual(labels.toArray(Int64.self), [0, 1, 2])
  }

  /// Transforms run per sample, as torchvision's do: the transforms page's one-hot Lambda sees one
  /// `Int` label inside a DataLoader as through `dataset[i]`; batchable transforms give
  /// the same batch as per-sample ones.
  func testTransformsRunPerSampleInsideADataLoader() throws {
    try writeSplit("t10k", count: 6, gzip: false)
    let oneHot = transforms.Lambda { (y: Int) in torch.zeros(10, dtype: torch.float).scatter_(0, torch.tensor(y), value: 1) }
    let perImage = transforms.Lambda { x in x.to(.float32) / 255.0 }
    let data = try datasets.FashionMNIST(root: directory, train: false, transform: perImage, targetTransform: oneHot, searchSystemDirectory: false)
    XCTAssertEqual(data[4].1.description, "tensor([0., 0., 0., 0., 1., 0., 0., 0., 0., 0.])")
    let (images, labels) = try XCTUnwrap(DataLoader(data, batchSize: 4).first)
    XCTAssertEqual(labels.dims, [4, 10])
    XCTAssertTrue(labels.equal(F.oneHot(torch.arange(4), numClasses: 10).float()))
    let batched = try datasets.FashionMNIST(root: directory, train: false, transform: transforms.ToTensor(), searchSystemDirectory: false)
    XCTAssertTrue(try XCTUnwrap(DataLoader(batched, batchSize: 4).first).0.equal(images.unsqueeze(1)))
  }

  func testCorruptFilesAreErrorsNamingTheFile() throws {
    func expectError(_ contains: String, file: StaticString = #filePath, line: UInt = #line) {
      XCTAssertThrowsError(try datasets.FashionMNIST(root: directory, train: false, searchSystemDirectory: false), file: file, line: line) { error in
        XCTAssertTrue("\(error)".contains(contains), "«\(error)» lacks «\(contains)»", file: file, line: line)
        XCTAssertTrue("\(error)".contains(directory), "error names no path: \(error)", file: file, line: line)
      }
    }
    expectError("Install Debian's dataset-fashion-mnist package")
    try write("t10k-images-idx3-ubyte", [0, 0, 8, 1, 0, 0, 0, 1, 7])
    try write("t10k-labels-idx1-ubyte", idx([1], [1]))
    expectError("wrong magic number 0x00000801, expected 0x00000803")
    try write("t10k-images-idx3-ubyte", idx([2, 28, 28], [UInt8](repeating: 1, count: 784)))
    expectError("IDX data holds 784 bytes but the header promises 1568")
    try write("t10k-images-idx3-ubyte", idx([2, 28, 28], [UInt8](repeating: 1, count: 1568)))
    expectError("2 images but 1 labels")
    // A gzip stream cut in half, and one with garbage after its header.
    try FileManager.default.removeItem(atPath: directory + "/t10k-images-idx3-ubyte")
    try write("t10k-images-idx3-ubyte", idx([1, 28, 28], (0..<784).map { UInt8($0 % 251) }), gzip: true)
    let gz = directory + "/t10k-images-idx3-ubyte.gz"
    let whole = try Data(contentsOf: URL(fileURLWithPath: gz))
    try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: gz))
    expectError("gzip stream")
    try (whole.prefix(12) + Data(repeating: 0xAB, count: 200)).write(to: URL(fileURLWithPath: gz))
    expectError("gzip stream")
  }

  func testDownloadChecksumsAndWritesAtomically() throws {
    let files = datasets.FashionMNIST.resources.map(\.file)
    var served: [String: [UInt8]] = [:]
    for name in files { served[name] = Array("fake \(name)".utf8) }
    let server = try LocalHTTPServer(files: served)
    defer { server.close() }
    // The served bodies do not match torchvision's sums: each download must fail, leaving nothing.
    XCTAssertThrowsError(try datasets.FashionMNIST(root: directory, download: true, mirrors: [server.baseURL])) { error in
      XCTAssertTrue("\(error)".contains("checksum mismatch"), "\(error)")
    }
    let raw = directory + "/FashionMNIST/raw"
    XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: raw)) ?? [], [])
    // With the right sum, the file arrives whole.
    let body = served[files[0]]!
    try Download.file(server.baseURL + files[0], to: raw + "/" + files[0], md5: MD5.hex(body))
    XCTAssertEqual(try AtomicFile.read(raw + "/" + files[0]), body)
    XCTAssertThrowsError(try Download.fetch(server.baseURL + "missing")) { error in
      XCTAssertTrue("\(error)".contains("404"), "\(error)")
    }
  }

  /// A hostile server cannot make the downloader use unbounded memory or time: announced and
  /// actual sizes are capped, an endless body stops at the limit, a trickle hits the stall timeout
  /// or the overall deadline, and malformed chunk sizes are errors.
  func testDownloadsAreBoundedInSizeAndTime() throws {
    let ok = "HTTP/1.1 200 OK\r\nConnection: close\r\n"
    let server = try LocalHTTPServer(answers: [
      "huge": .raw(Array((ok + "Content-Length: 4294967296\r\n\r\nabc").utf8)),
      "endless": .endless(head: ok + "\r\n"),
      "lying": .endless(head: ok + "Content-Length: 10\r\n\r\n"),
      "stall": .trickle(head: ok + "\r\n", interval: 2),
      "slow": .trickle(head: ok + "\r\n", interval: 0.05),
      "chunked-overflow": .raw(Array((ok + "Transfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nabc\r\n0\r\n\r\n").utf8)),
      "chunked-negative": .raw(Array((ok + "Transfer-Encoding: chunked\r\n\r\n-10\r\nabc\r\n0\r\n\r\n").utf8)),
      "chunked": .raw(Array((ok + "Transfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").utf8)),
    ])
    defer { server.close() }
    var limits = Download.Limits()
    limits.maxBytes = 1 << 20
    func expect(_ path: String, _ reason: String, limits: Download.Limits = limits, file: StaticString = #filePath, line: UInt = #line) {
      XCTAssertThrowsError(try Download.fetch(server.baseURL + path, limits: limits), file: file, line: line) { error in
        XCTAssertEqual("\(error)", "download of \(server.baseURL + path) failed: \(reason)", file: file, line: line)
      }
    }
    expect("huge", "the server announces 4294967296 bytes, more than the 1048576-byte limit")
    expect("endless", "the response exceeds the 1048576-byte limit")
    expect("chunked-overflow", "malformed chunk size \"7fffffffffffffff\"")
    expect("chunked-negative", "malformed chunk size \"-10\"")
    XCTAssertEqual(try Download.fetch(server.baseURL + "lying", limits: limits), [UInt8](repeating: 0, count: 10))
    XCTAssertEqual(try Download.fetch(server.baseURL + "chunked", limits: limits), Array("abcde".utf8))
    var impatient = limits
    impatient.stallTimeout = 0.3
    expect("stall", "stalled: no data for 0.3 s (38 bytes received)", limits: impatient)
    var hurried = limits
    hurried.deadline = 0.5
    XCTAssertThrowsError(try Download.fetch(server.baseURL + "slow", limits: hurried)) { error in
      XCTAssertTrue("\(error)".contains("did not finish within the 0.5 s deadline"), "\(error)")
    }
  }

  func testMD5KnownAnswers() {
    XCTAssertEqual(MD5.hex([]), "d41d8cd98f00b204e9800998ecf8427e")
    XCTAssertEqual(MD5.hex(Array("The quick brown fox jumps over the lazy dog".utf8)), "9e107d9d372bb6826bd81d3542a419d6")
    XCTAssertEqual(MD5.hex([UInt8](repeating: 97, count: 1000)), "cabe45dcc9ae5b66ba86600cca6b8ba8")
  }

  func testDataLoaderBatchingShufflingAndDropLast() {
    let x = torch.arange(10.0).reshape(10, 1), y = torch.arange(10)
    let dataset = TensorDataset(x, y)
    let plain = DataLoader(dataset, batchSize: 4)
    XCTAssertEqual(plain.count, 3)
    XCTAssertEqual(plain.map { $0.0.size(0) }, [4, 4, 2])
    XCTAssertEqual(plain.flatMap { $0.1.toArray(Int64.self) }, Array(0..<10))
    let dropped = DataLoader(dataset, batchSize: 4, dropLast: true)
    XCTAssertEqual(dropped.count, 2)
    XCTAssertEqual(dropped.map { $0.0.size(0) }, [4, 4])
    let shuffled = DataLoader(dataset, batchSize: 3, shuffle: true, generator: Generator(seed: 0))
    let batches = Array(shuffled)
    let order = batches.flatMap { $0.1.toArray(Int64.self) }
    XCTAssertEqual(order.sorted(), Array(0..<10))
    let skipped = Generator(seed: 0)
    _ = torch.randint(0, 2, [1], generator: skipped)  // PyTorch's base-seed draw comes first
    _ = torch.randint(0, 2, [1], generator: skipped)
    XCTAssertEqual(order, torch.randperm(10, generator: skipped).toArray(Int64.self))
    XCTAssertEqual(batches.flatMap { $0.0.toArray() }.map(Int64.init), order, "inputs stay paired with targets")
    XCTAssertNotEqual(Array(shuffled).flatMap { $0.1.toArray(Int64.self) }, order, "the generator advances between passes")
    torch.manualSeed(5)
    let first = DataLoader(dataset, batchSize: 10, shuffle: true).map { $0.1.toArray(Int64.self) }
    torch.manualSeed(5)
    XCTAssertEqual(DataLoader(dataset, batchSize: 10, shuffle: true).map { $0.1.toArray(Int64.self) }, first)
  }

  /// Seeded loaders visit samples in PyTorch's order and consume the generators as PyTorch's
  /// do (values from scripts/generate_golden.py's dataloader_orders).
  func testDataLoaderOrderMatchesPyTorch() {
    let dataset = TensorDataset(torch.arange(10.0).reshape(10, 1), torch.arange(10))
    func order<D>(_ loader: DataLoader<D>) -> [Int] { loader.flatMap { $0.1.toArray(Int64.self).map(Int.init) } }
    torch.manualSeed(0)
    let loader = DataLoader(dataset, batchSize: 4, shuffle: true)
    XCTAssertEqual(order(loader) + order(loader), pytorchDataLoaderOrders["defaultTwoPasses"])
    XCTAssertEqual(order(DataLoader(dataset, batchSize: 4, shuffle: true, generator: Generator(seed: 3))),
                   pytorchDataLoaderOrders["explicitGenerator"])
    torch.manualSeed(1)
    for _ in DataLoader(dataset, batchSize: 5) {}
    XCTAssertEqual(torch.randint(0, 1000, [4]).toArray(Int64.self).map(Int.init), pytorchDataLoaderOrders["afterPlainPass"])
  }
}

final class CheckpointTests: XCTestCase {
  /// A fresh path in this test process's own folder (removed with the process's other leftovers).
  func path(_ name: String) -> String {
    let folder = fixtureFolder + "/files-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder + "/" + name
  }

  func testRoundTripKeepsNamesOrderDTypesAndValues() throws {
    let file = path("model.safetensors")
    defer { try? FileManager.default.removeItem(atPath: file) }
    var state = NeuralNetworkForCheckpoints().stateDict()
    state["extra.long"] = torch.tensor([1, -2, 3])
    state["extra.double"] = torch.tensor([[1.5]], dtype: .float64)
    state["extra.bool"] = torch.tensor([true, false])
    state["extra.byte"] = torch.tensor([7], dtype: .uint8)
    try torch.save(state, to: file, metadata: ["note": "test"])
    let (loaded, metadata) = try torch.loadWithMetadata(from: file)
    XCTAssertEqual(metadata["note"], "test")
    XCTAssertEqual(loaded.keys, state.keys, "the order of the saved dict")
    for (key, tensor) in state {
      XCTAssertEqual(loaded[key]!.dtype, tensor.dtype, key)
      XCTAssertTrue(loaded[key]!.equal(tensor), key)
    }
    let fresh = NeuralNetworkForCheckpoints()
    var modelOnly = loaded
    for key in loaded.keys where key.hasPrefix("extra.") { modelOnly[key] = nil }
    try fresh.loadStateDict(modelOnly)
  }

  func testLoadsAFileWrittenByPyTorch() throws {
    let url = try XCTUnwrap(Bundle.module.url(forResource: "pytorch_linear", withExtension: "safetensors", subdirectory: "Fixtures"))
    let linear = nn.Linear(4, 3)
    try linear.loadStateDict(torch.load(from: url.path))
    let values = linear.weight.toArray(Double.self) + linear.bias!.toArray(Double.self)
    XCTAssertEqual(values, pytorchLinearFixture.map { Double(Float($0)) })
  }

  func testHostileAndTruncatedFilesAreErrors() throws {
    let file = path("bad.safetensors")
    defer { try? FileManager.default.removeItem(atPath: file) }
    func header(_ json: String, data: [UInt8] = []) -> [UInt8] {
      let bytes = Array(json.utf8)
      return (0..<8).map { UInt8(truncatingIfNeeded: bytes.count >> (8 * $0)) } + bytes + data
    }
    let cases: [(String, [UInt8])] = [
      ("too short", [1, 2, 3]),
      ("exceeds the file size", [255, 255, 255, 255, 255, 255, 0, 0] + Array("{}".utf8)),
      ("not valid JSON", header("{not json")),
      ("not a JSON object", header("[1, 2]")),
      ("unsupported dtype", header(#"{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, data: [UInt8](repeating: 0, count: 8))),
      ("outside the", header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,800]}}"#, data: [UInt8](repeating: 0, count: 8))),
      ("needs 8", header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [UInt8](repeating: 0, count: 4))),
      ("overlaps", header(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#, data: [UInt8](repeating: 0, count: 6))),
      ("invalid shape", header(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [UInt8](repeating: 0, count: 4))),
      ("follow the last tensor", header(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [1, 2])),
      ("appears twice", header(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, data: [1])),
      ("nesting deeper than 4", header(#"{"__metadata__":{"a":[[[[1]]]]}}"#)),
      ("header is not valid JSON: unterminated string at byte 3", header(#"{"a"#)),
      ("header is not valid JSON: leading zero in a number at byte 47", header(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[00,1]}}"#, data: [1])),
      ("__metadata__ must map strings to strings", header(#"{"__metadata__":{"a":1}}"#)),
      ("header length 100000008 exceeds the format's limit of 100000000 bytes", [8, 0xE1, 0xF5, 0x05, 0, 0, 0, 0] + [UInt8](repeating: 0x20, count: 100_000_008)),
    ]
    for (expected, bytes) in cases {
      try Data(bytes).write(to: URL(fileURLWithPath: file))
      XCTAssertThrowsError(try torch.load(from: file), expected) { error in
        XCTAssertTrue("\(error)".contains(expected) && "\(error)".contains(file), "«\(error)» lacks «\(expected)»")
      }
    }
    var good = SafeTensors.encode(StateDict([("w", torch.ones(4))]))
    good.removeLast(3)
    try Data(good).write(to: URL(fileURLWithPath: file))
    XCTAssertThrowsError(try torch.load(from: file))
    XCTAssertThrowsError(try torch.load(from: path("missing"))) { error in
      XCTAssertTrue("\(error)".contains("no such file"))
    }
  }

  /// A header may hold at most `maxEntries` tensors: the count is checked while parsing, so a
  /// header of millions of entries is refused without building them.
  func testHeaderEntryCountIsBounded() throws {
    func file(entries: Int) -> [UInt8] {
      let members = (0..<entries).map { #""t\#($0)":{"dtype":"U8","shape":[1],"data_offsets":[\#($0),\#($0 + 1)]}"# }
      let json = Array(("{" + members.joined(separator: ",") + "}").utf8)
      return (0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) } + json + [UInt8](repeating: 7, count: entries)
    }
    XCTAssertEqual(try SafeTensors.decode(file(entries: 100), path: "ok", maxEntries: 100).0.count, 100)
    XCTAssertThrowsError(try SafeTensors.decode(file(entries: 101), path: "many", maxEntries: 100)) { error in
      XCTAssertEqual("\(error)", "many: more than 100 tensors")
    }
  }

  /// Swift → PyTorch: Fixtures/swift_written.safetensors is byte for byte what `torch.save`
  /// writes for this state dict, and the generator loaded it with PyTorch's safetensors reader;
  /// PyTorch read back every key, dtype, shape and value (in file order).
  func testCheckpointsWrittenHereLoadInPyTorch() throws {
    let state = StateDict([
      ("weight", torch.arange(6.0).reshape([2, 3])), ("bias", torch.tensor([-1.5, 2.25])),
      ("long", torch.tensor([1, -2, 3])), ("double", torch.tensor([[0.1]], dtype: .float64)),
      ("flag", torch.tensor([true, false])), ("byte", torch.tensor([7, 255], dtype: .uint8)),
    ])
    let file = path("written.safetensors")
    try torch.save(state, to: file)
    let fixture = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/swift_written", withExtension: "safetensors"))
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), try Data(contentsOf: fixture),
                   "the fixture PyTorch read is what torch.save writes now (else rewrite it and regenerate)")
    XCTAssertEqual(pytorchReadOfSwiftFile.map(\.key).sorted(), state.keys.sorted())
    let torchNames: [DType: String] = [.float32: "torch.float32", .float64: "torch.float64", .int64: "torch.int64", .bool: "torch.bool", .uint8: "torch.uint8"]
    for read in pytorchReadOfSwiftFile {
      let tensor = try XCTUnwrap(state[read.key])
      XCTAssertEqual(read.dtype, torchNames[tensor.dtype], read.key)
      XCTAssertEqual(read.shape, tensor.shape.dims, read.key)
      XCTAssertEqual(read.values, tensor.toArray(Double.self), read.key)
    }
  }

  /// Whatever we save loads: zero-element tensors among others in any order (the header is a
  /// dictionary, so equal offsets once sorted by chance), shapes with a zero dim; a reserved name
  /// is refused at save time instead of producing a file that cannot load.
  func testEverySavedFileLoads() throws {
    let shapes: [[Int]] = [[1], [2], [3], [4], [5], [0], [2], [3, 0], [0, 4], []]
    for rotation in 0..<shapes.count {
      var state = StateDict()
      for (i, shape) in (shapes[rotation...] + shapes[..<rotation]).enumerated() {
        state["t\(i)"] = torch.ones(shape) * Double(i)
      }
      let file = path("rotation\(rotation).safetensors")
      try torch.save(state, to: file)
      let loaded = try torch.load(from: file)
      XCTAssertEqual(loaded.keys.sorted(), state.keys.sorted())
      for (key, tensor) in state {
        XCTAssertEqual(loaded[key]?.shape.dims, tensor.shape.dims, key)
        XCTAssertTrue(loaded[key]?.equal(tensor) ?? false, key)
      }
    }
    let reserved = path("reserved.safetensors")
    XCTAssertThrowsError(try torch.save(StateDict([("__metadata__", torch.ones(1))]), to: reserved)) { error in
      XCTAssertTrue("\(error)".contains("reserves"), "\(error)")
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: reserved))
  }

  /// Shapes whose byte count overflows are a thrown error naming the file, not a trap.
  func testOverflowingShapesAreAnError() throws {
    for shape in ["[2147483648, 2147483648]", "[549755813888, 4194304]", "[0, 549755813888, 549755813888]"] {
      var header = Array(#"{"w":{"dtype":"F32","shape":SHAPE,"data_offsets":[0,4]}}"#.replacingOccurrences(of: "SHAPE", with: shape).utf8)
      while header.count % 8 != 0 { header.append(0x20) }
      var bytes = (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) } + header
      bytes += [0, 0, 0, 0]
      let file = path("overflow.safetensors")
      try Data(bytes).write(to: URL(fileURLWithPath: file))
      XCTAssertThrowsError(try torch.load(from: file), shape) { error in
        XCTAssertTrue("\(error)".contains(file), "\(error)")
      }
    }
  }

  /// A save replaces the file in one step (a new file renamed over the old): a reader holding
  /// the old file keeps reading it whole, and a save that cannot be completed leaves the
  /// destination as it was and no temporary file behind.
  func testSaveReplacesTheFileAtomically() throws {
    let file = path("model.safetensors"), folder = (file as NSString).deletingLastPathComponent
    func inode(_ path: String) throws -> Int { try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as! Int }
    try torch.save(StateDict([("w", torch.ones(2))]), to: file)
    let before = try Data(contentsOf: URL(fileURLWithPath: file)), oldInode = try inode(file)
    let reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
    let flushes = AtomicFile.flushes.load(ordering: .relaxed)
    try torch.save(StateDict([("w", torch.zeros(3))]), to: file)
    XCTAssertGreaterThan(AtomicFile.flushes.load(ordering: .relaxed), flushes, "the new file reached the disk before the rename")
    XCTAssertNotEqual(try inode(file), oldInode, "the new version is a new file moved into place")
    XCTAssertEqual(reader.readDataToEndOfFile(), before, "an open reader still sees the old version, whole")
    XCTAssertEqual(try torch.load(from: file)["w"]?.toArray(Double.self), [0, 0, 0])
    // Renaming onto a non-empty directory fails: the save throws and cleans up after itself.
    let blocked = folder + "/blocked"
    try FileManager.default.createDirectory(atPath: blocked, withIntermediateDirectories: true)
    XCTAssertTrue(FileManager.default.createFile(atPath: blocked + "/keep", contents: Data([1])))
    XCTAssertThrowsError(try torch.save(StateDict([("w", torch.ones(1))]), to: blocked))
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["blocked", "model.safetensors"])
    XCTAssertEqual(try torch.load(from: file)["w"]?.toArray(Double.self), [0, 0, 0])
  }

  /// A save killed before its rename leaves `<name>.tmp-<pid>-<random>`; the next save to the
  /// same path removes those of dead processes and keeps those of live ones (which may be saving).
  func testTemporaryFilesOfDeadProcessesAreRemovedByTheNextSave() throws {
    let file = path("model.safetensors"), folder = (file as NSString).deletingLastPathComponent
    let finished = Process()
    finished.executableURL = URL(fileURLWithPath: "/bin/true")
    try finished.run()
    finished.waitUntilExit()
    let dead = "model.safetensors.tmp-\(finished.processIdentifier)-12345"
    let live = "model.safetensors.tmp-\(getpid())-67890"
    let other = "other.safetensors.tmp-\(finished.processIdentifier)-1"
    for name in [dead, live, other] {
      XCTAssertTrue(FileManager.default.createFile(atPath: folder + "/" + name, contents: Data(count: 100)))
    }
    try torch.save(StateDict([("w", torch.ones(2))]), to: file)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), [live, "model.safetensors", other].sorted())
  }
}

final class NeuralNetworkForCheckpoints: Module {
  let linear_relu_stack = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
}

/// The README's FashionMNIST claim on data the tests may use: one seeded SGD epoch of the
/// tutorial's model on the 5,000-image sample shipped with the example gives PyTorch's losses
/// and test result (Fixtures/fashion_sample_goldens.json, from scripts/generate_fashion_goldens.py).
final class FashionSampleTests: XCTestCase {
  struct Golden: Decodable {
    let generatorMD5: String
    let trainImages: Int
    let testImages: Int
    let losses: [Double]
    let testCorrect: Int
    let testLoss: Double
  }

  func testOneEpochOnTheShippedSampleMatchesPyTorch() throws {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let scripts = ["generate_fashion_goldens.py", "fashion_common.py"].map { repository.appendingPathComponent("scripts/" + $0) }
    let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/fashion_sample_goldens", withExtension: "json"))
    let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    let sources = try scripts.flatMap { Array(try Data(contentsOf: $0)) }
    XCTAssertEqual(MD5.hex(sources), golden.generatorMD5, "regenerate fashion_sample_goldens.json")
    let sample = repository.appendingPathComponent("Examples/FashionMNIST/Resources/sample").path

    torch.manualSeed(0)
    let train = try datasets.FashionMNIST(root: sample, train: true, transform: transforms.ToTensor())
    let test = try datasets.FashionMNIST(root: sample, train: false, transform: transforms.ToTensor())
    XCTAssertEqual([train.count, test.count], [golden.trainImages, golden.testImages])
    let model = NeuralNetwork()
    let lossFn = nn.CrossEntropyLoss()
    let optimizer = optim.SGD(model.parameters(), lr: 1e-3)
    var losses: [Double] = []
    model.train()
    for (batch, (X, y)) in DataLoader(train, batchSize: 64, shuffle: true).enumerated() {
      let loss = lossFn(model(X), y)
      loss.backward()
      optimizer.step()
      optimizer.zeroGrad()
      if batch % 10 == 0 { losses.append(loss.item()) }
    }
    model.eval()
    var correct = 0, testLoss = 0.0, batches = 0
    torch.noGrad {
      for (X, y) in DataLoader(test, batchSize: 64) {
        let pred = model(X)
        testLoss += lossFn(pred, y).item()
        correct += Int(pred.argmax(1).eq(y).to(.int64).sum().item())
        batches += 1
      }
    }
    // Summation order differs from MKL's, so losses agree to float32 rounding, not bit for bit.
    assertClose(losses, golden.losses, rtol: 1e-5, atol: 1e-6, "training losses")
    XCTAssertEqual(correct, golden.testCorrect, "test images classified correctly")
    XCTAssertEqual(testLoss / Double(batches), golden.testLoss, accuracy: 1e-5)
  }
}
