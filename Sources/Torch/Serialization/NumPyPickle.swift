/// NumPy arrays as Python pickles them, for data sets stored as pickles (CIFAR-10's batches):
/// `numpy.core.multiarray._reconstruct(ndarray, (0,), b"b")` makes an empty array, which BUILD
/// then fills with `(version, shape, dtype, is_fortran, raw bytes)`; the dtype is
/// `numpy.dtype("u1", False, True)` with its own BUILD `(3, byte order, ...)`. Only arrays of
/// numbers are read (an object array's items would be pickled objects).
enum NumPyPickle {
  /// A dtype: its code ("u1", "f4", "<i8" ...) and byte order ("|", "<", ">", "=").
  final class DType: PickleBuildable {
    let code: String
    let path: String
    private(set) var byteOrder = "|"

    init(code: String, path: String) { (self.code, self.path) = (code, path) }

    func setState(_ state: PickleItem) throws(TorchError) {
      guard case .tuple(let items) = state, items.count >= 2, let order = NumPyPickle.text(items[1]) else {
        throw .corruptFile(path: path, reason: "a numpy dtype's state is not (version, byte order, ...)")
      }
      byteOrder = order
    }

    /// The code without its byte order ("u1" for "|u1").
    private var kind: Substring { code.drop { "<>|=".contains($0) } }

    /// Whether elements are unsigned bytes.
    var isUInt8: Bool { kind == "u1" || kind == "B" }

    /// The bytes of one element, for the number types NumPy pickles this reader accepts.
    var itemSize: Int? {
      switch kind {
      case "u1", "i1", "b1", "?", "B", "b": return 1
      case "u2", "i2", "f2": return 2
      case "u4", "i4", "f4": return 4
      case "u8", "i8", "f8": return 8
      default: return nil
      }
    }
  }

  /// An array as BUILD leaves it. `raw` points into the pickle's buffer: read it while the
  /// unpickler's `load` runs, not after.
  final class Array: PickleBuildable {
    let path: String
    private(set) var shape: [Int] = []
    private(set) var dtype: DType?
    private(set) var raw = UnsafeRawBufferPointer(start: nil, count: 0)

    init(path: String) { self.path = path }

    func setState(_ state: PickleItem) throws(TorchError) {
      guard case .tuple(var items) = state, items.count == 5 || items.count == 4 else {
        throw .corruptFile(path: path, reason: "a numpy array's state is not (version, shape, dtype, is_fortran, data)")
      }
      if items.count == 5 { items.removeFirst() }
      guard case .tuple(let dims) = items[0], case .external(let object) = items[1], let dtype = object as? DType,
            case .bytes(let raw) = items[3] else {
        throw .corruptFile(path: path, reason: "a numpy array's state holds no shape, dtype and raw bytes (an object array?)")
      }
      var shape: [Int] = []
      for dim in dims {
        guard case .int(let size) = dim, size >= 0 else { throw .corruptFile(path: path, reason: "a numpy array's shape holds a \(dim.typeName)") }
        shape.append(size)
      }
      guard let itemSize = dtype.itemSize else { throw .corruptFile(path: path, reason: "numpy dtype \(dtype.code) is not a number type") }
      let (count, overflow) = shape.reduce((1, false)) { total, size in
        let (product, over) = total.0.multipliedReportingOverflow(by: size)
        return (product, total.1 || over)
      }
      guard !overflow, count.multipliedReportingOverflow(by: itemSize) == (raw.count, false) else {
        throw .corruptFile(path: path, reason: "a numpy array of shape \(shape) and dtype \(dtype.code) holds \(raw.count) bytes")
      }
      let fortran: Bool
      switch items[2] {
      case .bool(let flag): fortran = flag
      case .int(let flag): fortran = flag != 0
      default: throw .corruptFile(path: path, reason: "a numpy array's is_fortran flag is a \(items[2].typeName)")
      }
      if fortran && shape.count > 1 { throw .corruptFile(path: path, reason: "a Fortran-ordered numpy array is not supported") }
      (self.shape, self.dtype, self.raw) = (shape, dtype, raw)
    }
  }

  /// The globals a pickle of NumPy arrays names (NumPy 1's `numpy.core` and NumPy 2's `numpy._core`).
  static func globals(path: String) -> [String: PickleGlobal] {
    let reconstruct = PickleGlobal(name: "numpy.core.multiarray._reconstruct") { (args: [PickleItem]) throws(TorchError) -> PickleItem in
      guard let first = args.first, case .global(let type) = first, type.name == "numpy.ndarray" else {
        throw .corruptFile(path: path, reason: "numpy's _reconstruct makes only numpy.ndarray here")
      }
      return .external(Array(path: path))
    }
    let dtype = PickleGlobal(name: "numpy.dtype") { (args: [PickleItem]) throws(TorchError) -> PickleItem in
      guard let first = args.first, let code = NumPyPickle.text(first) else { throw .corruptFile(path: path, reason: "numpy.dtype needs a type code") }
      return .external(DType(code: code, path: path))
    }
    return [
      "numpy.core.multiarray._reconstruct": reconstruct, "numpy._core.multiarray._reconstruct": reconstruct,
      "numpy.ndarray": PickleGlobal(name: "numpy.ndarray", call: nil), "numpy.dtype": dtype,
    ]
  }

  /// A text item: a string, or a Python 2 `str` read as latin-1.
  static func text(_ item: PickleItem) -> String? {
    switch item {
    case .string(let s): s
    case .bytes(let raw): Unpickler.latin1(raw)
    default: nil
    }
  }
}
