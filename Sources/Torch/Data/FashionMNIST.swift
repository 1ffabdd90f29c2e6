import Foundation

extension datasets {
  /// Zalando's FashionMNIST (`torchvision.datasets.FashionMNIST`): 28×28 grey images of 10
  /// clothing classes, 60,000 for training and 10,000 for testing.
  ///
  /// A sample is `(image, label)` with the label an `Int`, as torchvision gives it, or, with a
  /// `targetTransform`, whatever that makes of the label (`Target`, e.g. a one-hot tensor).
  /// Images stay uint8 in memory (47 MB for the training set) and are converted per batch
  /// by `transform` (usually `ToTensor`). Files are IDX, gzipped or not, looked up in
  /// torchvision's layout (`root/FashionMNIST/raw`), in `root` itself, and in Debian's
  /// `dataset-fashion-mnist` package (`/usr/share/datasets/fashion-mnist`).
  public final class FashionMNIST<Target: Collatable>: Dataset {
    /// uint8 images `[N, 28, 28]` and int64 labels `[N]`.
    public let data: Tensor
    public let targets: Tensor
    public let train: Bool
    public let transform: (any Transform)?
    /// Makes a sample's target from its label (the identity for plain `Int` labels).
    public let targetTransform: transforms.Lambda<Int, Target>
    /// Whether targets are the labels themselves, so a batch gathers them as one tensor.
    private let plainLabels: Bool

    /// Loads the training or test split from `root`, downloading into
    /// `root/FashionMNIST/raw` first when `download` is true and the files are missing;
    /// `targetTransform` turns each label into the sample's target.
    public convenience init(root: String, train: Bool = true, download: Bool = false, transform: (any Transform)? = nil,
                            targetTransform: transforms.Lambda<Int, Target>, mirrors: [String] = FashionMNISTFiles.mirrors,
                            searchSystemDirectory: Bool = true) throws {
      try self.init(root: root, train: train, download: download, transform: transform, targetTransform: targetTransform,
                    plainLabels: false, mirrors: mirrors, searchSystemDirectory: searchSystemDirectory)
    }

    init(root: String, train: Bool, download: Bool, transform: (any Transform)?, targetTransform: transforms.Lambda<Int, Target>,
         plainLabels: Bool, mirrors: [String], searchSystemDirectory: Bool) throws {
      self.train = train
      self.transform = transform
      self.targetTransform = targetTransform
      self.plainLabels = plainLabels
      let prefix = train ? "train" : "t10k"
      let rawDirectory = (root as NSString).appendingPathComponent("FashionMNIST/raw")
      if download && FashionMNISTFiles.locate("\(prefix)-images-idx3-ubyte", in: [rawDirectory, root]) == nil {
        try FashionMNISTFiles.download(into: rawDirectory, mirrors: mirrors)
      }
      let searched = [rawDirectory, root] + (searchSystemDirectory ? [FashionMNISTFiles.systemDirectory] : [])
      func load(_ name: String, dims: Int) throws -> Tensor {
        guard let path = FashionMNISTFiles.locate(name, in: searched) else {
          throw TorchError.io(path: (root as NSString).appendingPathComponent(name + ".gz"),
            reason: "FashionMNIST file not found (looked in \(searched.joined(separator: ", "))). Install Debian's dataset-fashion-mnist package, pass download: true (--download), or point root (--data) at a folder holding the four IDX files")
        }
        return try IDX.load(path, expectedDims: dims)
      }
      data = try load("\(prefix)-images-idx3-ubyte", dims: 3)
      let labels = try load("\(prefix)-labels-idx1-ubyte", dims: 1)
      guard data.size(0) == labels.size(0) else {
        throw TorchError.corruptFile(path: root, reason: "\(data.size(0)) images but \(labels.size(0)) labels in the \(prefix) split")
      }
      guard data.dim() == 3, data.size(1) == 28, data.size(2) == 28 else {
        throw TorchError.corruptFile(path: root, reason: "images are \(data.shape.dims.dropFirst()) instead of 28x28")
      }
      targets = labels.long()
      let maximum = targets.numel() > 0 ? targets.max().item() : 0
      guard maximum < 10 else { throw TorchError.corruptFile(path: root, reason: "label \(Int(maximum)) is not a FashionMNIST class") }
    }

    public var count: Int { data.size(0) }

    public func sample(_ index: Int) -> (Tensor, Target) {
      let image = data[index]
      return (transform.map { $0(image) } ?? image, targetTransform(Int(targets[index].item(Int64.self))))
    }

    /// Gathers the batch's uint8 rows with one copy each, then transforms them: the whole batch
    /// at once where the transform allows it (`isBatchable`), else sample by sample, as
    /// torchvision does, stacking the results. Plain labels are gathered as one int64 tensor;
    /// transformed ones are made per sample and collated.
    public func batch(_ indices: [Int]) -> (Tensor, Tensor) {
      let rows = Tensor(indices.map(Int64.init), shape: [indices.count])
      let images = data.indexSelect(0, rows), labels = targets.indexSelect(0, rows)
      let collated = plainLabels ? labels : Target.collate(labels.toArray(Int64.self).map { targetTransform(Int($0)) })
      return (Self.apply(transform, to: images), collated)
    }

    private static func apply(_ transform: (any Transform)?, to batch: Tensor) -> Tensor {
      guard let transform else { return batch }
      if transform.isBatchable { return transform(batch) }
      return torch.stack((0..<batch.size(0)).map { transform(batch[$0]) })
    }
  }
}

extension datasets.FashionMNIST where Target == Int {
  /// The split with plain `Int` labels, as torchvision gives them without a target transform.
  public convenience init(root: String, train: Bool = true, download: Bool = false, transform: (any Transform)? = nil,
                          mirrors: [String] = FashionMNISTFiles.mirrors, searchSystemDirectory: Bool = true) throws {
    try self.init(root: root, train: train, download: download, transform: transform, targetTransform: transforms.Lambda { $0 },
                  plainLabels: true, mirrors: mirrors, searchSystemDirectory: searchSystemDirectory)
  }

  /// The class names, by label.
  public static var classes: [String] { FashionMNISTFiles.classes }
  /// Where the files are downloaded from.
  public static var mirrors: [String] { FashionMNISTFiles.mirrors }
  /// torchvision's file names and MD5 sums of the mirror's gzipped files.
  public static var resources: [(file: String, md5: String)] { FashionMNISTFiles.resources }
  /// Debian's `dataset-fashion-mnist` folder, searched after `root`.
  public static var systemDirectory: String { FashionMNISTFiles.systemDirectory }
}

/// FashionMNIST's files: class names, checksums, mirrors, and where to find or fetch them.
public enum FashionMNISTFiles {
  public static let classes = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
  ]
  public static let mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
  /// torchvision's file names and MD5 sums of the mirror's gzipped files.
  public static let resources: [(file: String, md5: String)] = [
    ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
    ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
    ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
  ]
  public static let systemDirectory = "/usr/share/datasets/fashion-mnist"

  /// The gzipped or plain file for `name` in the first folder that has one.
  static func locate(_ name: String, in directories: [String]) -> String? {
    for directory in directories {
      for candidate in [name + ".gz", name] {
        let path = (directory as NSString).appendingPathComponent(candidate)
        if FileManager.default.isReadableFile(atPath: path) { return path }
      }
    }
    return nil
  }

  /// Fetches the four files, checking each against torchvision's MD5 sum.
  static func download(into directory: String, mirrors: [String]) throws {
    for (file, md5) in resources {
      let destination = (directory as NSString).appendingPathComponent(file)
      if FileManager.default.fileExists(atPath: destination) { continue }
      var failures: [String] = []
      for mirror in mirrors {
        do {
          try Download.file(mirror + file, to: destination, md5: md5)
          failures = []
          break
        } catch {
          failures.append("\(error)")
        }
      }
      if !failures.isEmpty { throw TorchError.download(url: file, reason: failures.joined(separator: "; ")) }
    }
  }
}
