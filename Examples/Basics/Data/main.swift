// PyTorch's "Datasets & DataLoaders" page (Learn the Basics), block by block, in Swift. Seeded
// with torch.manualSeed(0) as scripts/basics/data.py is. `--data DIR` reads the FashionMNIST
// files from DIR instead of ./data; `--plot DIR` writes the page's figures there as PNG files
// (`fashion_mnist.png`: the 3x3 grid, `label.png`: the first image of the batch).
import Foundation
import BasicsSupport
import Torch

let options = PageOptions.parse("basics-data", accepting: [.data, .plot])
let root = options.data, plotDirectory = options.plot
torch.manualSeed(0)

/// Shows images as matplotlib's `imshow` would: here, a PNG file when `--plot` names a folder.
@MainActor func show(_ images: Tensor, nrow: Int = 8, as name: String) throws {
  guard let plotDirectory else { return }
  try utils.saveImage(images, to: (plotDirectory as NSString).appendingPathComponent(name), nrow: nrow)
}

// MARK: - Loading a Dataset

let trainingData = try datasets.FashionMNIST(root: root, train: true, download: true, transform: transforms.ToTensor())
let testData = try datasets.FashionMNIST(root: root, train: false, download: true, transform: transforms.ToTensor())

// MARK: - Iterating and Visualizing the Dataset

let labelsMap = [
  0: "T-Shirt",
  1: "Trouser",
  2: "Pullover",
  3: "Dress",
  4: "Coat",
  5: "Sandal",
  6: "Shirt",
  7: "Sneaker",
  8: "Bag",
  9: "Ankle Boot",
]
let (cols, rows) = (3, 3)
var figure: [Tensor] = [], titles: [String] = []
for _ in 1...(cols * rows) {
  let sampleIdx = Int(torch.randint(trainingData.count, [1]).item())
  let (img, label) = trainingData[sampleIdx]
  titles.append(labelsMap[label]!)  // the subplot titles (the PNG has no text)
  figure.append(img)
}
try show(torch.stack(figure), nrow: cols, as: "fashion_mnist.png")

// MARK: - Creating a Custom Dataset for your files

/// Images listed in a CSV file (`name,label` per line) and stored in `imgDir` as safetensors
/// files holding an `image` tensor (the page reads JPEG files with `read_image`).
final class CustomImageDataset: Dataset {
  let imgLabels: [(name: String, label: Int)]
  let imgDir: String
  let transform: (any Transform)?
  let targetTransform: transforms.Lambda<Int, Int>?

  init(annotationsFile: String, imgDir: String, transform: (any Transform)? = nil, targetTransform: transforms.Lambda<Int, Int>? = nil) throws {
    let text = try String(contentsOfFile: annotationsFile, encoding: .utf8)
    imgLabels = try text.split(whereSeparator: \.isNewline).map { line in
      let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
      guard fields.count == 2, let label = Int(fields[1]) else {
        throw TorchError.corruptFile(path: annotationsFile, reason: "expected `name, label`, found \(line)")
      }
      return (fields[0], label)
    }
    self.imgDir = imgDir
    self.transform = transform
    self.targetTransform = targetTransform
  }

  var count: Int { imgLabels.count }

  func sample(_ idx: Int) -> (Tensor, Int) {
    let imgPath = (imgDir as NSString).appendingPathComponent(imgLabels[idx].name)
    guard let image = (try? torch.load(from: imgPath))?["image"] else { fatalError("\(imgPath) holds no image tensor") }
    let label = imgLabels[idx].label
    return (transform.map { $0(image) } ?? image, targetTransform.map { $0(label) } ?? label)
  }
}

// MARK: - Preparing your data for training with DataLoaders

let trainDataloader = DataLoader(trainingData, batchSize: 64, shuffle: true)
let testDataloader = DataLoader(testData, batchSize: 64, shuffle: true)

// MARK: - Iterate through the DataLoader

// Display image and label.
let (trainFeatures, trainLabels) = trainDataloader.first!
print("Feature batch shape: \(trainFeatures.size())")
print("Labels batch shape: \(trainLabels.size())")
let img = trainFeatures[0].squeeze()
let label = trainLabels[0]
try show(img, as: "label.png")
print("Label: \(label.item(Int64.self))")
