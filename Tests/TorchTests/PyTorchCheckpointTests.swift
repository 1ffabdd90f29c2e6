import Foundation
import XCTest
@_spi(Testing) @testable import Torch

/// PyTorch's `.pt`/`.pth` format: the fixtures in Fixtures/checkpoints were written by PyTorch
/// (scripts/generate_checkpoint_fixtures.py, which also checks that files written here load in
/// PyTorch: `--roundtrip`); expected.json describes each one as PyTorch loaded it.
final class PyTorchCheckpointTests: XCTestCase {
  static let expected: JSON = {
    let url = Bundle.module.url(forResource: "expected", withExtension: "json", subdirectory: "Fixtures/checkpoints")!
    let bytes = [UInt8](try! Data(contentsOf: url))
    return try! bytes.withUnsafeBytes { try JSON.parse($0, maxDepth: 16) }
  }()

  func fixture(_ name: String) -> String {
    Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/checkpoints")!.path
  }

  func scratch(_ name: String) -> String {
    let folder = fixtureFolder + "/pth-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder + "/" + name
  }

  /// The tensor at a path of keys ("optimizer_state_dict/state/0/step").
  func tensor(at path: String, in value: SavedValue) -> Tensor? {
    var current: SavedValue? = value
    for part in path.split(separator: "/").map(String.init) {
      current = current?[part] ?? Int(part).flatMap { current?[$0] }
    }
    return current?.tensor
  }

  func assertMatches(_ value: SavedValue, _ description: JSON, widened: Bool, _ name: String) throws {
    let widenedTypes = ["torch.float16": "torch.float32", "torch.bfloat16": "torch.float32", "torch.int8": "torch.int64", "torch.int16": "torch.int64", "torch.int32": "torch.int64",
                        "torch.uint16": "torch.int64", "torch.uint32": "torch.int64", "torch.float8_e4m3fn": "torch.float32", "torch.float8_e5m2": "torch.float32"]
    if let repr = description["repr"]?.string { XCTAssertEqual(value.description, repr, "\(name): print(torch.load(...))") }
    let tensors = try XCTUnwrap(description["tensors"]?.members)
    for (path, entry) in tensors {
      let t = try XCTUnwrap(tensor(at: path, in: value), "\(name): \(path)")
      let dtype = try XCTUnwrap(entry["dtype"]?.string)
      XCTAssertEqual(t.dtype.description, widened ? widenedTypes[dtype] ?? dtype : dtype, "\(name): \(path) dtype")
      XCTAssertEqual(t.dims, entry["shape"]?.array?.compactMap(\.integer), "\(name): \(path) shape")
      XCTAssertEqual(t.stride(), entry["stride"]?.array?.compactMap(\.integer), "\(name): \(path) stride")
      XCTAssertEqual(t.storageOffset, entry["offset"]?.integer, "\(name): \(path) offset")
      XCTAssertEqual(t.requiresGrad, entry["requires_grad"] == .bool(true), "\(name): \(path) requires_grad")
      let expected = try XCTUnwrap(entry["values"]?.array)
      if t.dtype == .int64 {
        XCTAssertEqual(t.toArray(Int64.self).map(Int.init), expected.map { $0.integer ?? -1 }, "\(name): \(path)")
      } else if t.dtype == .bool {
        XCTAssertEqual(t.toArray(Bool.self), expected.map { $0 == .bool(true) }, "\(name): \(path)")
      } else {
        let actual = t.toArray(Double.self)
        XCTAssertEqual(actual.count, expected.count, "\(name): \(path)")
        for (a, e) in zip(actual, expected) {
          switch e {
          case .string("nan"): XCTAssertTrue(a.isNaN, "\(name): \(path) \(a) is not NaN")
          case .string("inf"): XCTAssertEqual(a, .infinity, "\(name): \(path)")
          case .string("-inf"): XCTAssertEqual(a, -.infinity, "\(name): \(path)")
          default:
            let number: Double? = if case .number(let d) = e { d } else { e.integer.map(Double.init) }
            XCTAssertEqual(a.bitPattern, number?.bitPattern, "\(name): \(path) \(a) vs \(String(describing: number))")
          }
        }
      }
    }
    for group in description["shared"]?.array ?? [] {
      let paths = group.array?.compactMap(\.string) ?? []
      let storages = try paths.map { try XCTUnwrap(tensor(at: $0, in: value)).storage }
      XCTAssertTrue(storages.allSatisfy { $0 === storages[0] }, "\(name): \(paths) share one storage")
    }
  }

  /// Every fixture loads with PyTorch's values, dtypes, strides, offsets and storage sharing;
  /// where every dtype exists here, printing the object prints what PyTorch prints.
  func testPyTorchFilesLoadWithExactValues() throws {
    let files = try XCTUnwrap(Self.expected["files"]?.members)
    XCTAssertEqual(files.count, 8)
    for (name, description) in files {
      let value: SavedValue = try torch.load(from: fixture(name), widening: true)
      try assertMatches(value, description, widened: true, name)
    }
  }

  func testFixturesComeFromTheCheckedInGenerator() throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/generate_checkpoint_fixtures.py")
    XCTAssertEqual(MD5.hex(Array(try Data(contentsOf: script))), Self.expected["generatorMD5"]?.string, "regenerate the checkpoint fixtures")
  }

  /// Loaded tensors point into the mapped file: loading allocates nothing for them, views share
  /// one storage, and writing to one (copy-on-write) changes its views but not the file.
  func testLoadingMapsTheFileAndKeepsViewsShared() throws {
    let file = scratch("big.pt")
    let big = torch.arange(Double(1 << 20)).to(.float32)
    try torch.save(["big": .tensor(big), "row": .tensor(big[0..<4])], to: file)
    let before = CPUAllocator.shared.statistics.allocated
    let loaded: SavedValue = try torch.load(from: file)
    XCTAssertLessThan(CPUAllocator.shared.statistics.allocated - before, 1 << 16, "4 MiB of tensors, no copies")
    let (whole, row) = (try XCTUnwrap(loaded["big"]?.tensor), try XCTUnwrap(loaded["row"]?.tensor))
    XCTAssertTrue(whole.storage === row.storage)
    torch.noGrad { row[1].fill_(-7) }
    XCTAssertEqual(whole[1].item(), -7)
    let again: SavedValue = try torch.load(from: file)
    XCTAssertEqual(again["big"]?.tensor?[1].item(), 1, "the file is unchanged")
  }

  /// float16, bfloat16, int8/16/32 and complex: an error that says what to do, or exact
  /// widening when asked.
  func testDTypesThisPackageLacksAreAnErrorUnlessWidened() throws {
    XCTAssertThrowsError(try torch.load(from: fixture("dtypes.pt")) as SavedValue) { error in
      XCTAssertTrue("\(error)".contains("torch.float16, which swift-torch does not have: pass widening: true to load it as torch.float32"), "\(error)")
    }
    XCTAssertThrowsError(try torch.load(from: fixture("complex.pt"), widening: true) as SavedValue) { error in
      XCTAssertTrue("\(error)".contains("torch.complex64, which swift-torch does not have, and it cannot be converted exactly"), "\(error)")
    }
    let loaded: SavedValue = try torch.load(from: fixture("dtypes.pt"), widening: true)
    XCTAssertEqual(loaded["float16"]?.tensor?.toArray(Float.self), [0, -0, 0x1p-24, 0x1p-14, 65504, -1.5, .infinity])
    XCTAssertEqual(loaded["float16"]?.tensor?.toArray(Float.self)[1].sign, .minus)
    XCTAssertEqual(loaded["int8"]?.tensor?.toArray(Int64.self), [-128, -1, 0, 127])
  }

  /// The halves' conversion is exact for every one of the 65,536 bit patterns (checked against
  /// Swift's own Float16 where the platform has it); float8 e4m3fn's 256 against its definition.
  func testHalfAndFloat8ConversionsAreExactForEveryBitPattern() throws {
    #if !(os(macOS) && arch(x86_64))
      for bits in 0...UInt16.max {
        let reference = Float(Float16(bitPattern: bits))
        let converted = StorageConversion.halfToFloat(bits)
        if reference.isNaN {
          XCTAssertTrue(converted.isNaN, "\(bits)")
        } else {
          XCTAssertEqual(converted.bitPattern, reference.bitPattern, "\(bits)")
        }
      }
    #endif
    for bits in 0...UInt8.max {
      let (sign, exponent, mantissa) = (bits >> 7, Int(bits >> 3) & 15, Double(bits & 7))
      let magnitude = exponent == 15 && mantissa == 7 ? Double.nan : exponent == 0 ? mantissa / 8 * pow(2, -6) : (1 + mantissa / 8) * pow(2, Double(exponent - 7))
      let expected = sign == 1 ? -magnitude : magnitude
      let converted = Double(StorageConversion.e4m3ToFloat(bits))
      XCTAssertTrue(converted == expected || (converted.isNaN && expected.isNaN), "\(bits): \(converted) vs \(expected)")
    }
  }

  /// Files that are not tensor checkpoints: each refused with what it is, nothing run.
  func testOtherFilesAreRefusedWithWhatTheyAre() throws {
    let cases = [
      ("legacy.pt", "PyTorch's legacy format (before 1.6)"),
      ("torchscript.pt", "a TorchScript archive (torch.jit.save)"),
      ("whole_module.pt", "whole pickled object (torch.nn.modules.linear.Linear), as torch.save(model) writes"),
      ("evil_os_system.pt", "unsupported global os.system"),
      ("evil_eval.pt", "unsupported global builtins.eval"),
    ]
    for (name, message) in cases {
      XCTAssertThrowsError(try torch.load(from: fixture(name)) as SavedValue, name) { error in
        XCTAssertTrue("\(error)".contains(message), "\(name): \(error)")
        XCTAssertTrue("\(error)".contains(fixture(name)), "\(name): the error names the file")
      }
    }
  }

  /// The unpickler's allowlist: any global it does not know is refused by name at GLOBAL or
  /// STACK_GLOBAL, before anything could call it.
  func testTheUnpicklerRefusesEveryOtherGlobal() throws {
    for (module, name) in [("os", "system"), ("builtins", "eval"), ("subprocess", "Popen"), ("torch", "load"), ("collections", "defaultdict"), ("torch._utils", "_rebuild_device_tensor_from_numpy")] {
      let classic: [UInt8] = [0x80, 2, 0x63] + Array("\(module)\n\(name)\n".utf8) + [0x29, 0x52, 0x2E]
      let stacked: [UInt8] = [0x80, 4, 0x8C, UInt8(module.utf8.count)] + Array(module.utf8) + [0x8C, UInt8(name.utf8.count)] + Array(name.utf8) + [0x93, 0x29, 0x52, 0x2E]
      for pickle in [classic, stacked] {
        XCTAssertThrowsError(try unpickle(pickle), "\(module).\(name)") { error in
          XCTAssertTrue("\(error)".contains("unsupported global \(module).\(name)"), "\(error)")
        }
      }
    }
  }

  /// Unpickles `bytes` and builds the result as torch.load does.
  @discardableResult
  func unpickle(_ bytes: [UInt8]) throws -> SavedValue {
    let unpickler = Unpickler(path: "test.pkl", globals: PyTorchCheckpoint.globals(path: "test.pkl")) { (_) throws(TorchError) in .none }
    return try bytes.withUnsafeBytes { raw in
      try unpickler.load(raw) { (item) throws(TorchError) in
        var builder = SavedValueBuilder(path: "test.pkl", budget: 16 * bytes.count + 1024)
        return try builder.build(item)
      }
    }
  }

  /// Hostile pickles cost bounded time and memory: a list holding itself, a memo reference
  /// doubled forty times, containers nested a million deep, a string longer than the file, a
  /// huge integer.
  func testHostilePicklesAreBounded() throws {
    let selfHolding: [UInt8] = [0x80, 2, 0x5D, 0x71, 0, 0x68, 0, 0x61, 0x2E]  // l = []; l.append(l)
    var doubling: [UInt8] = [0x80, 2, 0x5D, 0x71, 0, 0x30]
    for i in 0..<40 { doubling += [0x68, UInt8(i), 0x68, UInt8(i), 0x86, 0x71, UInt8(i + 1), 0x30] }
    doubling += [0x68, 40, 0x2E]
    // A million nested tuples, and a million nested lists: refused, and torn down without
    // recursing a million frames deep.
    let deepTuples: [UInt8] = [0x80, 2, 0x29] + [UInt8](repeating: 0x85, count: 1_000_000) + [0x2E]
    let deepLists: [UInt8] = [0x80, 2] + [UInt8](repeating: 0x28, count: 1_000_000) + [0x29] + [UInt8](repeating: 0x6C, count: 1_000_000) + [0x2E]
    for (name, pickle, message) in [("self", selfHolding, "nests deeper"), ("doubling", doubling, "expands to more objects"),
                                    ("tuples", deepTuples, "nests deeper"), ("lists", deepLists, "nests deeper")] {
      XCTAssertThrowsError(try unpickle(pickle), name) { error in XCTAssertTrue("\(error)".contains(message), "\(name): \(error)") }
    }
    XCTAssertThrowsError(try unpickle([0x80, 2, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x61])) { error in XCTAssertTrue("\(error)".contains("truncated"), "\(error)") }
    XCTAssertThrowsError(try unpickle([0x80, 2, 0x8A, 9] + [UInt8](repeating: 0x11, count: 9) + [0x2E])) { error in XCTAssertTrue("\(error)".contains("does not fit 64 bits"), "\(error)") }
  }

  /// Everything this package can hold survives a save and load: dtypes, views with offsets and
  /// strides (still sharing), nested containers, numbers, strings and None; also with zip64 fields.
  func testSavedFilesLoadBackEqual() throws {
    let base = torch.arange(12.0).reshape([3, 4])
    let value: SavedValue = [
      "weights": .tensor(base), "row": .tensor(base[1]), "transposed": .tensor(base.t()), "column": .tensor(base[0..., 2]),
      "double": .tensor(torch.tensor([1.0 / 3], dtype: .float64)), "long": .tensor(torch.tensor([Int64.min, 5, Int64.max])),
      "byte": .tensor(torch.tensor([0, 255], dtype: .uint8)), "flag": .tensor(torch.tensor([true, false])), "scalar": .tensor(torch.tensor(2.5)),
      "epoch": 3, "loss": 0.125, "name": "run", "none": nil, "list": [1, 2.5, "x", [true]], "tuple": .tuple([1, .tuple([])]),
      "ints": .dict(SavedDict([(0, "zero"), (1, .tensor(torch.ones(2)))])),
    ]
    for threshold in [nil, 0] {
      let file = scratch("all.pth")
      if let threshold { try torch.save(value, to: file, zip64Threshold: threshold) } else { try torch.save(value, to: file) }
      let loaded: SavedValue = try torch.load(from: file)
      XCTAssertEqual(loaded.description, value.description)
      let (weights, row, column) = (loaded["weights"]!.tensor!, loaded["row"]!.tensor!, loaded["column"]!.tensor!)
      XCTAssertTrue(weights.storage === row.storage && weights.storage === column.storage && weights.storage === loaded["transposed"]!.tensor!.storage)
      XCTAssertEqual(column.stride(), [4])
      XCTAssertEqual(row.storageOffset, 4)
      XCTAssertEqual(loaded["long"]?.tensor?.toArray(Int64.self), [Int64.min, 5, Int64.max])
      XCTAssertEqual(loaded["double"]?.tensor?.item(), 1.0 / 3)
    }
  }

  /// The tutorial's checkpoint from PyTorch (Adam after two steps): the model and optimizer
  /// resume from it, and a third step here gives PyTorch's third step.
  func testResumingPyTorchsTrainingCheckpointContinuesExactly() throws {
    let checkpoint: SavedValue = try torch.load(from: fixture("checkpoint.tar"))
    let model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    let optimizer = optim.Adam(model.parameters(), lr: 0.5)
    try model.loadStateDict(XCTUnwrap(checkpoint["model_state_dict"]))
    try optimizer.loadStateDict(XCTUnwrap(checkpoint["optimizer_state_dict"]))
    XCTAssertEqual(optimizer.paramGroups[0].lr, 0.01)
    XCTAssertEqual(checkpoint["epoch"]?.int, 2)
    optimizer.zeroGrad()
    let out = model(try XCTUnwrap(checkpoint["next_input"]?.tensor))
    (out * out).mean().backward()
    optimizer.step()
    let expected: StateDict = try torch.load(from: fixture("after_third_step.pth"))
    for (key, value) in model.stateDict() as StateDict {
      let reference = try XCTUnwrap(expected[key])
      XCTAssertTrue(torch.allclose(value, reference, rtol: 0, atol: 1e-7), "\(key): \(value) vs \(reference)")
    }
    // And back: our optimizer's state in PyTorch's shape, with PyTorch's keys and types.
    let saved: SavedValue = optimizer.stateDict()
    XCTAssertEqual(saved["param_groups"]?[0]?.dict?.keys.map(\.description),
                   ["'lr'", "'betas'", "'eps'", "'weight_decay'", "'amsgrad'", "'maximize'", "'foreach'", "'capturable'", "'differentiable'", "'fused'", "'decoupled_weight_decay'", "'params'"])
    XCTAssertEqual(saved["state"]?[0]?.dict?.keys.map(\.description), ["'step'", "'exp_avg'", "'exp_avg_sq'"])
    XCTAssertEqual(saved["state"]?[0]?["step"]?.tensor?.item(), 3)
  }

  /// A dict literal reads as the tutorial's: `torch.save({'epoch': ..., 'model_state_dict': ...}, PATH)`.
  func testTheTutorialsCheckpointDictRoundTrips() throws {
    torch.manualSeed(0)
    let model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    let optimizer = optim.SGD(model.parameters(), lr: 0.001, momentum: 0.9)
    model(torch.randn([2, 4])).sum().backward()
    optimizer.step()
    let file = scratch("model.tar")
    try torch.save(["epoch": 5, "model_state_dict": model.stateDict(), "optimizer_state_dict": optimizer.stateDict(), "loss": 0.4], to: file)
    let checkpoint: SavedValue = try torch.load(from: file)
    let restored = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    let restoredOptimizer = optim.SGD(restored.parameters(), lr: 0.1)
    try restored.loadStateDict(XCTUnwrap(checkpoint["model_state_dict"]))
    try restoredOptimizer.loadStateDict(XCTUnwrap(checkpoint["optimizer_state_dict"]))
    XCTAssertEqual(restoredOptimizer.paramGroups[0].lr, 0.001)
    XCTAssertEqual(restoredOptimizer.paramGroups[0].options[.momentum], 0.9)
    for ((key, a), (_, b)) in zip(model.stateDict() as StateDict, restored.stateDict() as StateDict) {
      XCTAssertTrue(torch.equal(a, b), key)
    }
    XCTAssertEqual(checkpoint["epoch"]?.int, 5)
    XCTAssertEqual(checkpoint["loss"]?.double, 0.4)
  }

  /// `.safetensors` paths get safetensors, any other PyTorch's format; loading looks at the
  /// content, so a file's name cannot mislead it.
  func testFormatFollowsTheExtensionOnSaveAndTheContentOnLoad() throws {
    let state = StateDict([("w", torch.tensor([1.0, 2.0]))])
    let (pth, safetensors) = (scratch("model.pth"), scratch("model.safetensors"))
    try torch.save(state, to: pth)
    try torch.save(state, to: safetensors)
    XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: pth)).prefix(4)), [0x50, 0x4B, 3, 4])
    XCTAssertNotEqual(Array(try Data(contentsOf: URL(fileURLWithPath: safetensors)).prefix(2)), [0x50, 0x4B])
    let swapped = (scratch("really-safetensors.pth"), scratch("really-pytorch.safetensors"))
    try FileManager.default.copyItem(atPath: safetensors, toPath: swapped.0)
    try FileManager.default.copyItem(atPath: pth, toPath: swapped.1)
    for file in [pth, safetensors, swapped.0, swapped.1] {
      XCTAssertEqual(try torch.load(from: file)["w"]?.toArray(Double.self), [1, 2], file)
    }
    XCTAssertThrowsError(try torch.save(state, to: scratch("m.pth"), metadata: ["epoch": "1"])) { error in
      XCTAssertTrue("\(error)".contains("string metadata is a safetensors feature"), "\(error)")
    }
    XCTAssertThrowsError(try torch.save(["nested": ["x": 1]], to: scratch("m.safetensors"))) { error in
      XCTAssertTrue("\(error)".contains("a safetensors file holds a flat dict of tensors"), "\(error)")
    }
    XCTAssertThrowsError(try torch.load(from: fixture("nested.pt")) as StateDict) { error in
      XCTAssertTrue("\(error)".contains("not a state dict; load it as a SavedValue"), "\(error)")
    }
  }

  func testSavingAWholeModuleIsAnErrorPointingToItsStateDict() throws {
    let file = scratch("model.pth")
    XCTAssertThrowsError(try torch.save(nn.Linear(2, 1), to: file)) { error in
      XCTAssertTrue("\(error)".contains("torch.save(model.stateDict(), to: \"\(file)\")"), "\(error)")
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: file))
  }

  /// `kill -9` at any moment of a save leaves the previous file or the new one, complete: a
  /// child process (the `checkpoint` tool) converts alternately one of two 24 MB files onto the
  /// same path and is killed while writing or at a random time; every time, the path loads as
  /// one of the two.
  func testKillingASaveLeavesTheOldOrTheNewFile() throws {
    let tool = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("checkpoint").path
    guard FileManager.default.isExecutableFile(atPath: tool) else { return XCTFail("\(tool) is not built (swift build builds it)") }
    let target = scratch("model.pth")
    let folder = (target as NSString).deletingLastPathComponent
    let sources = [folder + "/a.pth", folder + "/b.pth"]
    for (marker, source) in sources.enumerated() {
      try torch.save(["marker": .int(marker), "weights": .tensor(torch.full([6 << 20], Double(marker)))], to: source)
    }
    try FileManager.default.copyItem(atPath: sources[0], toPath: target)
    var random = SplitMix64(seed: 9)
    var interrupted = 0
    for round in 0..<12 {
      let child = Process()
      child.executableURL = URL(fileURLWithPath: tool)
      child.arguments = ["convert", sources[round % 2], target]
      try child.run()
      // Every other round, wait until the child has opened its temporary file (so the kill
      // lands mid-write even on a loaded machine); the others are killed at a random moment.
      if round % 2 == 0 {
        let deadline = Date().addingTimeInterval(10)
        while child.isRunning, Date() < deadline,
          (try? FileManager.default.contentsOfDirectory(atPath: folder))?.contains(where: { $0.contains(".tmp-\(child.processIdentifier)-") }) != true {
          usleep(200)
        }
        usleep(UInt32(random.below(10_000)))
      } else {
        usleep(UInt32(random.below(150_000)))
      }
      kill(child.processIdentifier, SIGKILL)
      child.waitUntilExit()
      let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".tmp-\(child.processIdentifier)-") }
      if child.terminationReason == .uncaughtSignal && !leftovers.isEmpty { interrupted += 1 }
      let loaded: SavedValue = try torch.load(from: target)
      let marker = try XCTUnwrap(loaded["marker"]?.int, "round \(round)")
      let weights = try XCTUnwrap(loaded["weights"]?.tensor)
      XCTAssertEqual(weights.numel(), 6 << 20)
      XCTAssertEqual(weights.sum().item(), Double(marker * (6 << 20)), "round \(round): complete")
    }
    // The next save removes the temporary files the killed children left.
    try torch.save(["marker": 0], to: target)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".tmp-") }, [])
    XCTAssertGreaterThan(interrupted, 0, "at least one save was killed while writing")
  }
}
