import Foundation

/// `torch.save` and `torch.load`: PyTorch's own checkpoint format (`.pt`, `.pth`, `.bin`,
/// anything but `.safetensors`), readable by `torch.load(path, weights_only=True)` in PyTorch
/// 2.x, and Hugging Face's safetensors (`.safetensors`). Loading tells the formats apart by
/// content, not by name, memory-maps the file and never runs code from it.
extension torch {
  /// Saves any checkpoint object (`torch.save(obj, path)`): a state dict, or a dict of them with
  /// numbers and strings, e.g. `["epoch": 5, "model_state_dict": .init(model.stateDict())]`.
  /// Written in PyTorch's format (safetensors when `path` ends in `.safetensors`, which holds
  /// only a flat dict of tensors), streamed, and atomically: a crash leaves the old file or the new.
  public static func save(_ value: SavedValue, to path: String) throws {
    if isSafetensorsPath(path) {
      guard let state = value.stateDict else {
        throw TorchError.invalidArgument("cannot save to \(path): a safetensors file holds a flat dict of tensors; save nested checkpoints to .pt or .pth")
      }
      try save(state, to: path)
      return
    }
    try PyTorchCheckpoint.save(value, to: path)
  }

  /// Saves a state dict (`torch.save(model.state_dict(), path)`), in PyTorch's format, or in
  /// safetensors for a `.safetensors` path (the only one that keeps string `metadata`).
  public static func save(_ state: StateDict, to path: String, metadata: [String: String] = [:]) throws {
    if isSafetensorsPath(path) {
      guard state["__metadata__"] == nil else {
        throw TorchError.io(path: path, reason: "a tensor cannot be named __metadata__: the safetensors format reserves that key")
      }
      try AtomicFile.write(to: path) { (file) throws(TorchError) in try SafeTensors.write(state, metadata: metadata, to: file) }
      return
    }
    guard metadata.isEmpty else {
      throw TorchError.invalidArgument("cannot save to \(path): string metadata is a safetensors feature; save a dict such as [\"model_state_dict\": .init(state), \"epoch\": 3] instead")
    }
    try PyTorchCheckpoint.save(SavedValue(state), to: path)
  }

  /// `torch.save(model, path)` pickles the model's Python class with its weights, which has no
  /// Swift equivalent: this always throws, pointing to `torch.save(model.stateDict(), to:)`.
  public static func save(_ module: some Module, to path: String) throws {
    throw TorchError.invalidArgument("torch.save(model) would pickle a Python class; save the weights with torch.save(model.stateDict(), to: \"\(path)\") and load them into a model built in code with model.loadStateDict(torch.load(from: \"\(path)\"))")
  }

  /// Loads a state dict (`model.load_state_dict(torch.load(path))`) from either format, onto
  /// the CPU. A PyTorch file must hold a dict of names to tensors; for other checkpoints ask
  /// for a `SavedValue`. With `widening`, dtypes swift-torch lacks load exactly as wider ones
  /// (float16 and bfloat16 as float32, int8/16/32 as int64); without it they are an error.
  public static func load(from path: String, widening: Bool = false) throws -> StateDict {
    switch try read(path, widening: widening) {
    case .pytorch(let value): try stateDict(in: value, path: path)
    case .safetensors(let state, _): state
    }
  }

  /// Loads any checkpoint object (`torch.load(path, weights_only=True)`): dicts, lists, tuples,
  /// numbers, strings, None and tensors, every tensor on the CPU. Tensors stored whole and
  /// aligned point into the memory-mapped file (copy-on-write), so loading copies nothing.
  @_disfavoredOverload
  public static func load(from path: String, widening: Bool = false) throws -> SavedValue {
    switch try read(path, widening: widening) {
    case .pytorch(let value): value
    case .safetensors(let state, _): SavedValue(state)
    }
  }

  /// Loads a safetensors file with its string metadata (a PyTorch file has none: empty).
  public static func loadWithMetadata(from path: String) throws -> (StateDict, [String: String]) {
    switch try read(path, widening: false) {
    case .pytorch(let value): (try stateDict(in: value, path: path), [:])
    case .safetensors(let state, let metadata): (state, metadata)
    }
  }

  /// A file's contents in the format its first bytes name.
  private enum Loaded {
    case pytorch(SavedValue)
    case safetensors(StateDict, metadata: [String: String])
  }

  /// Maps `path` and reads it as PyTorch's zip format or safetensors; the legacy format is refused.
  private static func read(_ path: String, widening: Bool) throws -> Loaded {
    let file = try MappedFile(path: path)
    if PyTorchCheckpoint.looksLikeZip(file.bytes) { return .pytorch(try PyTorchCheckpoint.load(file, widening: widening)) }
    if PyTorchCheckpoint.looksLegacy(file.bytes) {
      throw TorchError.unsupportedFile(path: path, reason: "PyTorch's legacy format (before 1.6); in Python, load it and save it again with torch.save, which writes the zip format")
    }
    let (state, metadata) = try SafeTensors.decode(file)
    return .safetensors(state, metadata: metadata)
  }

  private static func stateDict(in value: SavedValue, path: String) throws -> StateDict {
    guard let state = value.stateDict else {
      throw TorchError.stateDict("\(path) holds \(value.kindDescription), not a state dict; load it as a SavedValue (let checkpoint: SavedValue = try torch.load(from: path))")
    }
    return state
  }

  /// `save` in PyTorch's format with zip64 fields for sizes and offsets from `zip64Threshold`
  /// bytes on (normally 4 GiB), so tests can check zip64 files without writing gigabytes.
  @_spi(Testing)
  public static func save(_ value: SavedValue, to path: String, zip64Threshold: Int) throws {
    try PyTorchCheckpoint.save(value, to: path, zip64Threshold: zip64Threshold)
  }

  private static func isSafetensorsPath(_ path: String) -> Bool { path.lowercased().hasSuffix(".safetensors") }
}

extension SavedValue {
  /// What kind of object this is, for messages ("a dict with 4 entries").
  var kindDescription: String {
    switch self {
    case .dict(let d): "a dict with \(d.count) entries (keys \(d.keys.prefix(4).map(\.description).joined(separator: ", "))\(d.count > 4 ? ", ..." : ""))"
    case .list(let items): "a list of \(items.count)"
    case .tuple(let items): "a tuple of \(items.count)"
    case .tensor: "a tensor"
    default: "a \(description.prefix(20))"
    }
  }
}
