import Foundation

extension datasets {
  /// Zalando's FashionMNIST (`torchvision.datasets.FashionMNIST`): 28×28 grey images of 10
  /// clothing classes, 60,000 for training and 10,000 for testing.
  ///
  /// Images stay uint8 in memory (47 MB for the training set) and are converted per batch
  /// by `transform` (usually `ToTensor`). Files are IDX, gzipped or not, looked up in
  /// torchvision's layout (`root/FashionMNIST/raw`), in `root` itself, and in Debian's
  /// `dataset-fashion-mnist` package (`/usr/share/datasets/fashion-mnist`).
  public final class FashionMNIST: Dataset {
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

    /// uint8 images `[N, 28, 28]` and int64 labels `[N]`.
    public let data: Tensor
    public let targets: Tensor
    public let train: Bool
    public let transform: (any Transform)?
    public let targetTransform: (any Transform)?

    /// Loads the training or test split from `root`, downloading into
    /// `root/FashionMNIST/raw` first when `download` is true and the files are missing.
    public init(root: String, train: Bool = true, download: Bool = false,
                transform: (any Transform)? = nil, targetTransform: (any Transform)? = nil,
                mirrors: [String] = FashionMNIST.mirrors, searchSystemDirectory: Bool = true) throws {
      self.train = train
      self.transform = transform
      self.targetTransform = targetTransform
      let prefix = train ? "train" : "t10k"
      let rawDirectory = (root as NSString).appendingPathComponent("FashionMNIST/raw")
      if download && Self.locate("\(prefix)-images-idx3-ubyte", in: [rawDirectory, root]) == nil {
        try Self.download(into: rawDirectory, mirrors: mirrors)
      }
      let searched = [rawDirectory, root] + (searchSystemDirectory ? [Self.systemDirectory] : [])
      func load(_ name: String, dims: Int) throws -> Tensor {
        guard let path = Self.locate(name, in: searched) else {
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

    public var count: Int { data.size(0) }

    public func sample(_ index: Int) -> (Tensor, Tensor) {
      let image = data[index], label = targets[index]
      return (transform.map { $0(image) } ?? image, targetTransform.map { $0(label) } ?? label)
    }

    /// Gathers the batch's uint8 rows with one copy each, then transforms them: the whole batch
    /// at once where the transform allows it (`isBatchable`), else sample by sample, as
    /// torchvision does, stacking the results.
    public func batch(_ indices: [Int]) -> (Tensor, Tensor) {
      let rows = Tensor(indices.map(Int64.init), shape: [indices.count])
      let images = data.indexSelect(0, rows), labels = targets.indexSelect(0, rows)
      return (Self.apply(transform, to: images), Self.apply(targetTransform, to: labels))
    }

    private static func apply(_ transform: (any Transform)?, to batch: Tensor) -> Tensor {
      guard let transform else { return batch }
      if transform.isBatchable { return transform(batch) }
      return torch.stack((0..<batch.size(0)).map { transform(batch[$0]) })
    }
  }
}
