// PyTorch's "Transforms" page (Learn the Basics), block by block, in Swift. Like the page it
// prints nothing; `--data DIR` reads the FashionMNIST files from DIR instead of ./data.
import BasicsSupport
import Torch

let root = PageOptions.parse("basics-transforms", accepting: [.data]).data

let ds = try datasets.FashionMNIST(
  root: root,
  train: true,
  download: true,
  transform: transforms.ToTensor(),
  targetTransform: transforms.Lambda { (y: Int) in torch.zeros(10, dtype: torch.float).scatter_(0, torch.tensor(y), value: 1) }
)

// MARK: - Lambda Transforms

let targetTransform = transforms.Lambda { (y: Int) in
  torch.zeros(10, dtype: torch.float).scatter_(0, torch.tensor(y), value: 1)
}
