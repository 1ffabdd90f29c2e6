// PyTorch's "Transforms" page (Learn the Basics), block by block, in Swift. Like the page it
// prints nothing; `--data DIR` reads the FashionMNIST files from DIR instead of ./data.
import Foundation
import Torch

var root = "data"
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
  switch (flag, arguments.first) {
  case ("--data", let value?): root = value; arguments.removeFirst()
  case ("--help", _), ("-h", _):
    print("usage: basics-transforms [--data DIR]")
    exit(0)
  default:
    FileHandle.standardError.write(Data("basics-transforms: bad option \(flag)\nusage: basics-transforms [--data DIR]\n".utf8))
    exit(2)
  }
}

let ds = try datasets.FashionMNIST(
  root: root,
  train: true,
  download: true,
  transform: transforms.ToTensor(),
  // A label is a 0-d int64 tensor here (an Int in torchvision, hence `torch.tensor(y)` there).
  targetTransform: transforms.Lambda { y in torch.zeros(10, dtype: torch.float).scatter_(0, y, value: 1) }
)

// MARK: - Lambda Transforms

let targetTransform = transforms.Lambda { y in
  torch.zeros(10, dtype: torch.float).scatter_(0, y, value: 1)
}
