import Foundation

/// PyTorch's checkpoint format (what `torch.save` has written since 1.6): a stored zip archive
/// whose one folder holds `data.pkl` (the saved object, pickle protocol 2), a record
/// `data/<key>` for each storage (64-byte aligned), `byteorder`, `version` and format metadata.
/// A tensor in the pickle is a call to `torch._utils._rebuild_tensor_v2` on a persistent
/// reference to its storage, so views of one storage share it.
enum PyTorchCheckpoint {
  /// How PyTorch stores a dtype's elements, and the dtype they load as here. Older dtypes are
  /// pickled through a storage class (`torch.FloatStorage`); newer ones through
  /// `torch.storage.UntypedStorage` and the dtype itself (`_rebuild_tensor_v3`).
  struct StorageKind {
    let pytorchType: String
    let className: String?
    let itemSize: Int
    /// The dtype these elements are, when swift-torch has it.
    let dtype: DType?
    /// The dtype they load as with `widening: true` (exactly: every value is representable).
    let widened: DType?
  }

  static let storageKinds: [StorageKind] = [
    StorageKind(pytorchType: "torch.float32", className: "FloatStorage", itemSize: 4, dtype: .float32, widened: nil),
    StorageKind(pytorchType: "torch.float64", className: "DoubleStorage", itemSize: 8, dtype: .float64, widened: nil),
    StorageKind(pytorchType: "torch.int64", className: "LongStorage", itemSize: 8, dtype: .int64, widened: nil),
    StorageKind(pytorchType: "torch.uint8", className: "ByteStorage", itemSize: 1, dtype: .uint8, widened: nil),
    StorageKind(pytorchType: "torch.bool", className: "BoolStorage", itemSize: 1, dtype: .bool, widened: nil),
    StorageKind(pytorchType: "torch.float16", className: "HalfStorage", itemSize: 2, dtype: nil, widened: .float32),
    StorageKind(pytorchType: "torch.bfloat16", className: "BFloat16Storage", itemSize: 2, dtype: nil, widened: .float32),
    StorageKind(pytorchType: "torch.int8", className: "CharStorage", itemSize: 1, dtype: nil, widened: .int64),
    StorageKind(pytorchType: "torch.int16", className: "ShortStorage", itemSize: 2, dtype: nil, widened: .int64),
    StorageKind(pytorchType: "torch.int32", className: "IntStorage", itemSize: 4, dtype: nil, widened: .int64),
    StorageKind(pytorchType: "torch.uint16", className: nil, itemSize: 2, dtype: nil, widened: .int64),
    StorageKind(pytorchType: "torch.uint32", className: nil, itemSize: 4, dtype: nil, widened: .int64),
    StorageKind(pytorchType: "torch.float8_e5m2", className: nil, itemSize: 1, dtype: nil, widened: .float32),
    StorageKind(pytorchType: "torch.float8_e4m3fn", className: nil, itemSize: 1, dtype: nil, widened: .float32),
    StorageKind(pytorchType: "torch.uint64", className: nil, itemSize: 8, dtype: nil, widened: nil),
    StorageKind(pytorchType: "torch.complex32", className: nil, itemSize: 4, dtype: nil, widened: nil),
    StorageKind(pytorchType: "torch.complex64", className: "ComplexFloatStorage", itemSize: 8, dtype: nil, widened: nil),
    StorageKind(pytorchType: "torch.complex128", className: "ComplexDoubleStorage", itemSize: 16, dtype: nil, widened: nil),
    StorageKind(pytorchType: "torch.float8_e4m3fnuz", className: nil, itemSize: 1, dtype: nil, widened: nil),
    StorageKind(pytorchType: "torch.float8_e5m2fnuz", className: nil, itemSize: 1, dtype: nil, widened: nil),
  ]

  /// The first bytes of every zip archive (a local header) and of an empty one (the end record).
  static func looksLikeZip(_ bytes: UnsafeRawBufferPointer) -> Bool {
    bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && ((bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6))
  }

  /// The pre-1.6 format: a bare pickle stream starting with PyTorch's magic number, or a tar archive.
  static func looksLegacy(_ bytes: UnsafeRawBufferPointer) -> Bool {
    let magic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    if bytes.count >= magic.count, bytes.prefix(magic.count).elementsEqual(magic) { return true }
    return bytes.count >= 262 && bytes[257..<262].elementsEqual(Array("ustar".utf8))
  }

  // MARK: - Loading

  /// The object saved in `file`, every tensor on the CPU (as `map_location="cpu"`), pointing
  /// into the mapping where the bytes can be used as they are.
  static func load(_ file: MappedFile, widening: Bool) throws(TorchError) -> SavedValue {
    let path = file.path
    let archive = try ZipArchive(file.bytes, path: path)
    let prefix = try folder(of: archive, path: path)
    let bigEndian = try byteOrderIsBig(archive, prefix: prefix, file: file)
    let pickle = try archive.stored(prefix + "data.pkl", path: path)
    let storages = StorageTable(file: file, archive: archive, prefix: prefix, bigEndian: bigEndian, widening: widening)
    let unpickler = Unpickler(path: path, globals: globals(path: path, storages: storages), persistentLoad: storages.load)
    let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[pickle.dataOffset..<(pickle.dataOffset + pickle.size)])
    return try unpickler.load(bytes) { (item) throws(TorchError) in
      var builder = SavedValueBuilder(path: path, budget: 16 * pickle.size + 1024)
      return try builder.build(item)
    }
  }

  /// The archive's one top-level folder (`model/` for `model.pth`), found from its data.pkl;
  /// TorchScript archives, which hold code too, are refused by name.
  private static func folder(of archive: ZipArchive, path: String) throws(TorchError) -> String {
    let pickles = archive.entries.map(\.name).filter { $0.hasSuffix("data.pkl") && $0.split(separator: "/").count == 2 }
    guard let pickle = pickles.first, pickles.count == 1 else {
      throw .unsupportedFile(path: path, reason: "a zip archive but not a PyTorch checkpoint: it has \(pickles.isEmpty ? "no" : "more than one") <folder>/data.pkl")
    }
    let prefix = String(pickle.dropLast("data.pkl".count))
    if archive[prefix + "constants.pkl"] != nil || archive.entries.contains(where: { $0.name.hasPrefix(prefix + "code/") }) {
      throw .unsupportedFile(path: path, reason: "a TorchScript archive (torch.jit.save), which holds Python code as well as weights; in Python, save its state_dict() with torch.save and load that")
    }
    return prefix
  }

  private static func byteOrderIsBig(_ archive: ZipArchive, prefix: String, file: MappedFile) throws(TorchError) -> Bool {
    guard archive[prefix + "byteorder"] != nil else { return false }
    let record = try archive.stored(prefix + "byteorder", path: file.path)
    let text = String(decoding: file.bytes[record.dataOffset..<(record.dataOffset + Swift.min(record.size, 16))], as: UTF8.self)
    switch text {
    case "little": return false
    case "big": return true
    default: throw .corruptFile(path: file.path, reason: "byteorder is neither little nor big")
    }
  }

  /// The globals a tensor checkpoint may name, and what each builds: nothing else is importable.
  static func globals(path: String, storages: StorageTable? = nil) -> [String: PickleGlobal] {
    func fail(_ reason: String) -> TorchError { .corruptFile(path: path, reason: "data.pkl: \(reason)") }
    var table: [String: PickleGlobal] = [:]
    func add(_ name: String, _ call: (([PickleItem]) throws(TorchError) -> PickleItem)?) { table[name] = PickleGlobal(name: name, call: call) }
    add("collections.OrderedDict") { (args) throws(TorchError) in
      guard args.isEmpty else { throw fail("OrderedDict called with arguments") }
      let dict = PickleDict()
      dict.isOrdered = true
      return .dict(dict)
    }
    add("torch._utils._rebuild_tensor_v2") { (args) throws(TorchError) in
      guard args.count == 6 || args.count == 7, case .external(let object) = args[0], let storage = object as? LoadedStorage else {
        throw fail("_rebuild_tensor_v2 expects (storage, offset, size, stride, requires_grad, hooks)")
      }
      return try .tensor(rebuildTensor(storage, args, fail: fail))
    }
    add("torch._utils._rebuild_tensor_v3") { (args) throws(TorchError) in
      guard args.count == 7 || args.count == 8, case .external(let object) = args[0], let record = object as? UntypedRecord,
        case .global(let dtype) = args[6], let kind = storageKinds.first(where: { $0.pytorchType == dtype.name }), let storages
      else { throw fail("_rebuild_tensor_v3 expects (untyped storage, offset, size, stride, requires_grad, hooks, dtype)") }
      return try .tensor(rebuildTensor(storages.typed(record, as: kind), args, fail: fail))
    }
    let rebuildParameter: ([PickleItem]) throws(TorchError) -> PickleItem = { (args) throws(TorchError) in
      guard args.count >= 2, case .tensor(let data) = args[0], case .bool(let requiresGrad) = args[1] else {
        throw fail("_rebuild_parameter expects (tensor, requires_grad, hooks)")
      }
      if requiresGrad && data.dtype.isFloatingPoint { _ = data.requiresGrad_() }
      data.isParameter = true
      return .tensor(data)
    }
    add("torch._utils._rebuild_parameter", rebuildParameter)
    add("torch._utils._rebuild_parameter_with_state", rebuildParameter)
    add("torch.Size") { (args) throws(TorchError) in
      guard args.count == 1, case .tuple(let dims) = args[0] else { throw fail("torch.Size expects one tuple") }
      return .tuple(dims)
    }
    for kind in storageKinds {
      if let className = kind.className { add("torch." + className, nil) }
      add(kind.pytorchType, nil)
    }
    add("torch.storage.UntypedStorage", nil)
    return table
  }

  /// `_rebuild_tensor_v2/v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, ...)`:
  /// a view of the storage, checked to lie inside it.
  private static func rebuildTensor(_ storage: LoadedStorage, _ args: [PickleItem], fail: (String) -> TorchError) throws(TorchError) -> Tensor {
    guard case .int(let offset) = args[1], case .tuple(let sizeItems) = args[2], case .tuple(let strideItems) = args[3],
      case .bool(let requiresGrad) = args[4]
    else { throw fail("a tensor's offset, size, stride or requires_grad has the wrong type") }
    let sizes = sizeItems.compactMap { if case .int(let i) = $0, i >= 0 { i } else { nil } }
    let strides = strideItems.compactMap { if case .int(let i) = $0, i >= 0 { i } else { nil } }
    guard sizes.count == sizeItems.count, strides.count == sizes.count, strideItems.count == sizes.count, sizes.count <= 64, offset >= 0 else {
      throw fail("a tensor with size \(sizeItems.count) and stride \(strideItems.count) entries, offset \(offset)")
    }
    let (_, numelOverflows) = sizes.reduce((1, false)) { acc, d in
      let (product, o) = acc.0.multipliedReportingOverflow(by: d)
      return (product, acc.1 || o)
    }
    guard !numelOverflows else { throw fail("a tensor of size \(sizes) has too many elements to address") }
    if !sizes.contains(0) {
      var last = offset
      for (size, stride) in zip(sizes, strides) {
        let (reach, o1) = (size - 1).multipliedReportingOverflow(by: stride)
        let (sum, o2) = last.addingReportingOverflow(reach)
        guard !o1, !o2 else { throw fail("a tensor of size \(sizes) and stride \(strides) too large to address") }
        last = sum
      }
      guard last < storage.count else {
        throw fail("a tensor of size \(sizes), stride \(strides) and offset \(offset) reaches element \(last) of a storage of \(storage.count)")
      }
    } else {
      guard offset <= storage.count else { throw fail("an empty tensor at offset \(offset) past its storage of \(storage.count)") }
    }
    let tensor = Tensor(storage: storage.storage, shape: sizes, strides: strides, offset: offset, dtype: storage.dtype)
    if requiresGrad && tensor.dtype.isFloatingPoint { _ = tensor.requiresGrad_() }
    return tensor
  }

  /// A storage as loaded: its memory, what it holds, and how many elements.
  final class LoadedStorage {
    let storage: Storage
    let dtype: DType
    let count: Int
    let kind: String
    init(storage: Storage, dtype: DType, count: Int, kind: String) {
      self.storage = storage
      self.dtype = dtype
      self.count = count
      self.kind = kind
    }
  }

  /// An untyped storage's record, typed when a tensor names its dtype (`_rebuild_tensor_v3`).
  final class UntypedRecord {
    let key: String
    let byteCount: Int
    init(key: String, byteCount: Int) {
      self.key = key
      self.byteCount = byteCount
    }
  }

  /// Resolves the pickle's persistent ids `('storage', torch.FloatStorage, '<key>', '<location>', numel)`
  /// to storages, loading each record once (later references share it).
  final class StorageTable {
    let file: MappedFile
    let archive: ZipArchive
    let prefix: String
    let bigEndian: Bool
    let widening: Bool
    private var loaded: [String: LoadedStorage] = [:]

    init(file: MappedFile, archive: ZipArchive, prefix: String, bigEndian: Bool, widening: Bool) {
      self.file = file
      self.archive = archive
      self.prefix = prefix
      self.bigEndian = bigEndian
      self.widening = widening
    }

    private func fail(_ reason: String) -> TorchError { .corruptFile(path: file.path, reason: reason) }

    func load(_ id: PickleItem) throws(TorchError) -> PickleItem {
      guard case .tuple(let fields) = id, fields.count == 5, case .string("storage") = fields[0], case .global(let type) = fields[1],
        case .string(let key) = fields[2], case .string = fields[3], case .int(let count) = fields[4], count >= 0
      else { throw fail("data.pkl: a persistent id that is not ('storage', type, key, location, numel)") }
      if type.name == "torch.storage.UntypedStorage" {
        let record = try archive.stored(prefix + "data/" + key, path: file.path)
        guard count <= record.size else { throw fail("storage \(key) declares \(count) bytes but its record holds \(record.size)") }
        return .external(UntypedRecord(key: key, byteCount: count))
      }
      guard let kind = PyTorchCheckpoint.storageKinds.first(where: { $0.className.map { "torch." + $0 } == type.name }) else {
        throw fail("data.pkl: \(type.name) is not a storage type")
      }
      return .external(try typed(key: key, kind: kind, count: count))
    }

    /// An untyped record as elements of `kind` (its bytes, whole elements of them).
    func typed(_ record: UntypedRecord, as kind: StorageKind) throws(TorchError) -> LoadedStorage {
      try typed(key: record.key, kind: kind, count: record.byteCount / kind.itemSize)
    }

    private func typed(key: String, kind: StorageKind, count: Int) throws(TorchError) -> LoadedStorage {
      if let existing = loaded[key] {
        guard existing.kind == kind.pytorchType, existing.count == count else { throw fail("storage \(key) is referenced as two different storages") }
        return existing
      }
      guard let target = kind.dtype ?? (widening ? kind.widened : nil) else {
        let advice = kind.widened.map { ": pass widening: true to load it as \($0)" } ?? ", and it cannot be converted exactly"
        throw .unsupportedFile(path: file.path, reason: "storage \(key) holds \(kind.pytorchType), which swift-torch does not have\(advice)")
      }
      let record = try archive.stored(prefix + "data/" + key, path: file.path)
      let (bytes, overflow) = count.multipliedReportingOverflow(by: kind.itemSize)
      guard !overflow, bytes <= record.size else { throw fail("storage \(key) declares \(count) elements but its record holds \(record.size) bytes") }
      let storage = makeStorage(kind: kind, target: target, count: count, at: record.dataOffset)
      let result = LoadedStorage(storage: storage, dtype: target, count: count, kind: kind.pytorchType)
      loaded[key] = result
      return result
    }

    /// The record's bytes in place when they can be used as they are (native order, aligned,
    /// a dtype swift-torch has); otherwise a converted copy.
    private func makeStorage(kind: StorageKind, target: DType, count: Int, at offset: Int) -> Storage {
      let source = file.base! + offset
      if kind.dtype == target, !bigEndian || kind.itemSize == 1, Int(bitPattern: source) % kind.itemSize == 0 {
        return file.storage(at: offset, byteCount: count * kind.itemSize)
      }
      let storage = Storage(cpuBytes: count * target.itemSize)
      StorageConversion.convert(UnsafeRawPointer(source), from: kind.pytorchType, count: count, bigEndian: bigEndian, into: storage.data)
      return storage
    }
  }

  // MARK: - Saving

  /// Writes `value` to `path` in PyTorch's format, streaming each storage from its tensor's
  /// memory, atomically. `zip64Threshold` is lowered by tests to exercise the zip64 fields.
  static func save(_ value: SavedValue, to path: String, zip64Threshold: Int = 0xFFFF_FFFF) throws(TorchError) {
    var storages: [(storage: Storage, dtype: DType)] = []
    var keys: [ObjectIdentifier: Int] = [:]
    var conflict: String?
    var pickler = Pickler()
    pickler.value(value) { p, tensor in
      let id = ObjectIdentifier(tensor.storage)
      let key = keys[id] ?? storages.count
      if key == storages.count {
        keys[id] = key
        storages.append((tensor.storage, tensor.dtype))
      } else if storages[key].dtype != tensor.dtype {
        conflict = "two tensors view one storage as \(storages[key].dtype) and \(tensor.dtype)"
      }
      writeTensor(tensor, key: key, into: &p)
    }
    pickler.stop()
    if let conflict { throw .invalidArgument("cannot save to \(path): \(conflict)") }
    let folder = archiveName(path)
    try AtomicFile.write(to: path) { (file) throws(TorchError) in
      let zip = ZipWriter(file, alignment: 64, zip64Threshold: zip64Threshold)
      try zip.add(folder + "data.pkl", pickler.bytes)
      try zip.add(folder + ".format_version", Array("1".utf8))
      try zip.add(folder + ".storage_alignment", Array("64".utf8))
      try zip.add(folder + "byteorder", Array("little".utf8))
      for (key, entry) in storages.enumerated() {
        let count = entry.storage.byteCount / entry.dtype.itemSize * entry.dtype.itemSize
        if entry.storage.device == .cpu {
          try zip.add(folder + "data/\(key)", UnsafeRawBufferPointer(start: entry.storage.data, count: count))
        } else {
          let whole = Tensor(storage: entry.storage, shape: [count / entry.dtype.itemSize], strides: [1], offset: 0, dtype: entry.dtype)
          try zip.add(folder + "data/\(key)", Backends.backend(for: whole.device).readBytes(whole))
        }
      }
      try zip.add(folder + "version", Array("3\n".utf8))
      try zip.add(folder + ".data/serialization_id", Array((0..<40).map { _ in UInt8(ascii: "0") + UInt8.random(in: 0...9) }))
      try zip.finish()
    }
  }

  /// `_rebuild_tensor_v2((persistent id), offset, size, stride, requires_grad, OrderedDict())`,
  /// wrapped in `_rebuild_parameter(tensor, requires_grad, OrderedDict())` for a parameter.
  private static func writeTensor(_ tensor: Tensor, key: Int, into p: inout Pickler) {
    if tensor.isParameter {
      p.global("torch._utils", "_rebuild_parameter")
      p.mark()
    }
    writeData(tensor, key: key, requiresGrad: tensor.requiresGrad && !tensor.isParameter, into: &p)
    if tensor.isParameter {
      p.value(.bool(tensor.requiresGrad)) { _, _ in }
      p.value(.dict(SavedDict(isOrdered: true))) { _, _ in }
      p.tupleFromMark()
      p.reduce()
    }
  }

  private static func writeData(_ tensor: Tensor, key: Int, requiresGrad: Bool, into p: inout Pickler) {
    let kind = storageKinds.first { $0.dtype == tensor.dtype && $0.className != nil }!
    p.global("torch._utils", "_rebuild_tensor_v2")
    p.mark()
    p.mark()
    p.string("storage")
    p.global("torch", kind.className!)
    p.string(String(key))
    p.string(tensor.device.description)
    p.int(tensor.storage.byteCount / kind.itemSize)
    p.tupleFromMark()
    p.binpersid()
    p.int(tensor.storageOffset)
    p.tuple({ q in for d in tensor.dims { q.int(d) } }, count: tensor.dims.count)
    p.tuple({ q in for s in tensor.stride() { q.int(s) } }, count: tensor.dims.count)
    p.value(.bool(requiresGrad)) { _, _ in }
    p.value(.dict(SavedDict(isOrdered: true))) { _, _ in }
    p.tupleFromMark()
    p.reduce()
  }

  /// The archive's folder, as PyTorch names it: the file's name without its extension.
  private static func archiveName(_ path: String) -> String {
    let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    return (stem.isEmpty || stem.contains("/") ? "archive" : stem) + "/"
  }
}
