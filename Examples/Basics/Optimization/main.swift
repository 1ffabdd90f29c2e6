// PyTorch's "Optimizing Model Parameters" page (Learn the Basics), block by block, in Swift.
// Seeded with torch.manualSeed(0) as scripts/basics/optimization.py is. `--data DIR` reads the
// FashionMNIST files from DIR instead of ./data; `--epochs N` shortens the page's 10 epochs.
import Foundation
import BasicsSupport
import Torch

let options = PageOptions.parse("basics-optimization", accepting: [.data, .epochs])
let root = options.data, epochsOverride = options.epochs
torch.manualSeed(0)

// MARK: - Prerequisite Code

let trainingData = try datasets.FashionMNIST(root: root, train: true, download: true, transform: transforms.ToTensor())
let testData = try datasets.FashionMNIST(root: root, train: false, download: true, transform: transforms.ToTensor())

let trainDataloader = DataLoader(trainingData, batchSize: 64)
let testDataloader = DataLoader(testData, batchSize: 64)

final class NeuralNetwork: Module {
  let flatten = nn.Flatten()
  let linear_relu_stack = nn.Sequential(
    nn.Linear(28 * 28, 512),
    nn.ReLU(),
    nn.Linear(512, 512),
    nn.ReLU(),
    nn.Linear(512, 10)
  )

  func forward(_ x: Tensor) -> Tensor {
    let x = flatten(x)
    let logits = linear_relu_stack(x)
    return logits
  }
}

let model = NeuralNetwork()

// MARK: - Hyperparameters

let learningRate = 1e-3
let batchSize = 64
var epochs = 5

// MARK: - Loss Function and Optimizer

var lossFn = nn.CrossEntropyLoss()
var optimizer = optim.SGD(model.parameters(), lr: learningRate)

// MARK: - Full Implementation

func trainLoop<D: Dataset>(_ dataloader: DataLoader<D>, _ model: NeuralNetwork, _ lossFn: nn.CrossEntropyLoss, _ optimizer: optim.Optimizer) {
  let size = dataloader.dataset.count
  model.train()
  for (batch, (X, y)) in dataloader.enumerated() {
    let pred = model(X)
    let loss = lossFn(pred, y)

    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()

    if batch % 100 == 0 {
      let (lossValue, current) = (loss.item(), batch * batchSize + X.count)
      print(String(format: "loss: %7f  [%5d/%5d]", lossValue, current, size))
    }
  }
}

func testLoop<D: Dataset>(_ dataloader: DataLoader<D>, _ model: NeuralNetwork, _ lossFn: nn.CrossEntropyLoss) {
  model.eval()
  let size = dataloader.dataset.count
  let numBatches = dataloader.count
  var (testLoss, correct) = (0.0, 0.0)

  torch.noGrad {
    for (X, y) in dataloader {
      let pred = model(X)
      testLoss += lossFn(pred, y).item()
      correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    }
  }
  testLoss /= Double(numBatches)
  correct /= Double(size)
  print(String(format: "Test Error: \n Accuracy: %0.1f%%, Avg loss: %8f \n", 100 * correct, testLoss))
}

lossFn = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr: learningRate)

epochs = epochsOverride ?? 10
for t in 0..<epochs {
  print("Epoch \(t + 1)\n-------------------------------")
  trainLoop(trainDataloader, model, lossFn, optimizer)
  testLoop(testDataloader, model, lossFn)
}
print("Done!")
