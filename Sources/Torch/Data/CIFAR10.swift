import Foundation

extension datasets {
  /// CIFAR-10 (`torchvision.datasets.CIFAR10`): 32×32 color images of 10 classes, 50,000 for
  /// training and 10,000 for testing, read from the data set's Python version
  /// (`cifar-10-python.tar.gz`: pickled NumPy arrays, five training batches and a test batch)
  /// in torchvision's layout, `root/cifar-10-batches-py`.
  ///
  /// A sample is `(image, label)`: the image uint8 `[32, 32, 3]` (height, width, channel, as
  /// torchvision's `data` holds it; `ToTensor` makes it float `[3, 32, 32]`), the label an `Int`.
  /// Files are checked by their contents (pickle, array shapes and dtypes, label range), not by
  /// torchvision's MD5 sums, so a data set of your own in the same format loads too. CIFAR100
  /// is this class over CIFAR-100's files, as in torchvision.
  public class CIFAR10: Dataset {
    /// uint8 images `[N, 32, 32, 3]` (a channels-last view of the stored planes).
    public let data: Tensor
    public let targets: [Int]
    /// The class names from the data set's `batches.meta`: "airplane", "automobile", ... (the
    /// blitz page's "plane", "car", ... are its own tuple).
    public let classes: [String]
    public let train: Bool
    public let transform: (any Transform)?

    /// Loads the training or test split from `root/cifar-10-batches-py`. With `download`, a
    /// missing folder is extracted from `root/cifar-10-python.tar.gz`; the archive itself must
    /// be fetched first (`curl -LO` the URL in `CIFAR10.url`): it is served over https, which
    /// this package's downloader does not speak.
    public init(root: String, train: Bool = true, download: Bool = false, transform: (any Transform)? = nil) throws {
      let layout = Self.layout
      self.train = train
      self.transform = transform
      let folder = (root as NSString).appendingPathComponent(layout.baseFolder)
      let files = train ? layout.trainFiles : layout.testFiles
      let missing = (files + [layout.metaFile]).map { (folder as NSString).appendingPathComponent($0) }
        .filter { !FileManager.default.isReadableFile(atPath: $0) }
      if download && !missing.isEmpty {
        let archive = (root as NSString).appendingPathComponent(layout.archive)
        guard FileManager.default.isReadableFile(atPath: archive) else {
          throw TorchError.download(url: layout.url, reason: "served over https, which this package's downloader does not speak (it has no TLS): fetch it with `curl -LO \(layout.url)` into \(root), then run again to extract it there")
        }
        try Tar.extract(archive, into: root)
      } else if let first = missing.first {
        throw TorchError.io(path: first, reason: "\(layout.name) file not found: pass download: true with \(layout.archive) in \(root), or point root at the folder that holds \(layout.baseFolder)")
      }
      classes = try Self.labelNames((folder as NSString).appendingPathComponent(layout.metaFile), key: layout.metaKey)
      var pixels: [[UInt8]] = [], labels: [Int] = []
      for file in files {
        let (filePixels, fileLabels) = try Self.batch((folder as NSString).appendingPathComponent(file), classes: classes.count)
        pixels.append(filePixels)
        labels += fileLabels
      }
      // Each image is three planes (red, green, blue): torchvision's [N, 3, 32, 32], seen
      // channels last as its `data` is (a view, as NumPy's transpose is: no copy).
      let planes = Tensor(uninitialized: [labels.count, 3, 32, 32], dtype: .uint8)
      var offset = 0
      for filePixels in pixels {
        filePixels.withUnsafeBytes { planes.storage.data.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        offset += filePixels.count
      }
      data = planes.permute(0, 2, 3, 1)
      targets = labels
    }

    public var count: Int { data.size(0) }

    public func sample(_ index: Int) -> (Tensor, Int) {
      let image = data[index]
      return (transform.map { $0(image) } ?? image, targets[index])
    }

    /// Gathers the batch's images with one copy, then transforms them: the whole batch at once
    /// where the transform allows it, else image by image, stacking the results.
    public func batch(_ indices: [Int]) -> (Tensor, Tensor) {
      let images = data.indexSelect(0, Tensor(indices.map(Int64.init), shape: [indices.count]))
      let labels = Int.collate(indices.map { targets[$0] })
      guard let transform else { return (images, labels) }
      if transform.isBatchable { return (transform(images), labels) }
      return (torch.stack((0..<images.size(0)).map { transform(images[$0]) }), labels)
    }

    /// Where torchvision downloads the archive from, the archive's name and the folder it holds.
    public class var url: String { layout.url }
    public class var archive: String { layout.archive }
    public class var baseFolder: String { layout.baseFolder }
    /// Where the data set's files are.
    class var layout: CIFARLayout { .cifar10 }

    /// The pickle in `bytes` (a dict, read from `path`), handed to `read` while its bytes are alive.
    private static func unpickle<T>(_ bytes: UnsafeRawBufferPointer, _ path: String,
                                    _ read: (PickleDict) throws(TorchError) -> T) throws(TorchError) -> T {
      let unpickler = Unpickler(path: path, globals: NumPyPickle.globals(path: path),
                                persistentLoad: { (_: PickleItem) throws(TorchError) -> PickleItem in
                                  throw .corruptFile(path: path, reason: "a data set pickle has no persistent ids")
                                }, source: "the pickle")
      return try unpickler.load(bytes) { (item: PickleItem) throws(TorchError) -> T in
        guard case .dict(let dict) = item else { throw .corruptFile(path: path, reason: "holds a \(item.typeName), not a dict") }
        return try read(dict)
      }
    }

    private static func unpickle<T>(_ path: String, _ read: (PickleDict) throws(TorchError) -> T) throws -> T {
      let file = try MappedFile(path: path)
      return try withExtendedLifetime(file) { try unpickle(file.bytes, path, read) }
    }

    private static func entry(_ dict: PickleDict, _ key: String, _ path: String) throws(TorchError) -> PickleItem {
      guard let item = dict.contents[.string(key)] else { throw .corruptFile(path: path, reason: "has no \"\(key)\" entry") }
      return item
    }

    /// The meta file's class names, under `key`.
    private static func labelNames(_ path: String, key: String) throws -> [String] {
      try unpickle(path) { (dict: PickleDict) throws(TorchError) -> [String] in
        guard case .list(let list) = try entry(dict, key, path), !list.items.isEmpty else {
          throw .corruptFile(path: path, reason: "\(key) is not a list of names")
        }
        var names: [String] = []
        for item in list.items {
          guard let name = NumPyPickle.text(item) else { throw .corruptFile(path: path, reason: "\(key) holds a \(item.typeName)") }
          names.append(name)
        }
        return names
      }
    }

    /// One batch file's images (`n` rows of 3072 bytes) and labels, checked against each other.
    /// The pixels come back in an array, not a tensor, so that they return to the system once
    /// copied into the data set's tensor rather than to the tensor allocator's cache.
    private static func batch(_ path: String, classes: Int) throws -> ([UInt8], [Int]) {
      let file = try MappedFile(path: path)
      return try withExtendedLifetime(file) { try batch(file.bytes, path: path, classes: classes) }
    }

    /// A batch file's bytes read from `path`: its images and labels.
    static func batch(_ bytes: UnsafeRawBufferPointer, path: String, classes: Int) throws(TorchError) -> ([UInt8], [Int]) {
      try unpickle(bytes, path) { (dict: PickleDict) throws(TorchError) -> ([UInt8], [Int]) in
        guard case .external(let object) = try entry(dict, "data", path), let array = object as? NumPyPickle.Array,
              array.dtype?.isUInt8 == true, array.shape.count == 2, array.shape[1] == 3072 else {
          throw .corruptFile(path: path, reason: "data is not a uint8 array of 3072 values (3x32x32) per image")
        }
        // CIFAR-10's "labels", CIFAR-100's "fine_labels" (as torchvision takes them).
        let key = dict.contents[.string("labels")] == nil ? "fine_labels" : "labels"
        guard case .list(let list) = try entry(dict, key, path), list.items.count == array.shape[0] else {
          throw .corruptFile(path: path, reason: "\(key) is not a list of one label per image (\(array.shape[0]) images)")
        }
        var labels: [Int] = []
        for item in list.items {
          guard case .int(let label) = item, (0..<classes).contains(label) else {
            throw .corruptFile(path: path, reason: "a label is not one of the \(classes) classes")
          }
          labels.append(label)
        }
        return (Array(array.raw.bindMemory(to: UInt8.self)), labels)
      }
    }
  }
}

extension datasets {
  /// CIFAR-100 (`torchvision.datasets.CIFAR100`, a CIFAR10 as in torchvision): the same 32×32
  /// images in 100 classes, 50,000 for training and 10,000 for testing, from
  /// `cifar-100-python.tar.gz` in `root/cifar-100-python`; labels are the fine labels and
  /// `classes` the fine label names, as torchvision gives them.
  public final class CIFAR100: CIFAR10 {
    override class var layout: CIFARLayout { .cifar100 }
  }
}

/// Where a CIFAR data set's files are, as torchvision names them.
struct CIFARLayout {
  let name: String
  let url: String
  let archive: String
  let baseFolder: String
  let trainFiles: [String]
  let testFiles: [String]
  let metaFile: String
  /// The meta file's entry holding the class names.
  let metaKey: String

  static let cifar10 = CIFARLayout(
    name: "CIFAR-10", url: "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", archive: "cifar-10-python.tar.gz",
    baseFolder: "cifar-10-batches-py", trainFiles: (1...5).map { "data_batch_\($0)" }, testFiles: ["test_batch"],
    metaFile: "batches.meta", metaKey: "label_names")
  static let cifar100 = CIFARLayout(
    name: "CIFAR-100", url: "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz", archive: "cifar-100-python.tar.gz",
    baseFolder: "cifar-100-python", trainFiles: ["train"], testFiles: ["test"], metaFile: "meta", metaKey: "fine_label_names")
}
