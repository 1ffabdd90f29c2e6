// PyTorch's "Quickstart" page (Learn the Basics), block by block, in Swift. Seeded with
// torch.manualSeed(0) as scripts/basics/quickstart.py is. `--data DIR` reads the FashionMNIST
// files from DIR instead of ./data; `--epochs N` changes the page's 5 epochs. The state dict is
// saved as safetensors (under the page's file name).
import Foundation
import BasicsSupport
import Torch

let options = PageOptions.parse("basics-quickstart", accepting: [.data, .epochs])
let root = options.data, epochs = options.epochs ?? 5
torch.manualSeed(0)

// MARK: - Working with data

let trainingData = try datasets.FashionMNIST(root: root, train: true, download: true, transform: transforms.ToTensor())
let testData = try datasets.FashionMNIST(root: root, train: false, download: true, transform: transforms.ToTensor())

let batchSize = 64

let trainDataloader = DataLoader(trainingData, batchSize: batchSize)
let testDataloader = DataLoader(testData, batchSize: batchSize)

for (X, y) in testDataloader {
  print("Shape of X [N, C, H, W]: ", X.shape)
  print("Shape of y: ", y.shape, y.dtype)
  break
}

// MARK: - Creating Models

let device: Device = torch.cuda.isAvailable() ? "cuda" : "cpu"
print("Using \(device) device")

final class NeuralNetwork: Module {
  let flatten = nn.Flatten()
  let linear_relu_stack = nn.Sequential(
    nn.Linear(28 * 28, 512),
    nn.ReLU(),
    nn.Linear(512, 512),
    nn.ReLU(),
    nn.Linear(512, 10),
    nn.ReLU()
  )

  func forward(_ x: Tensor) -> Tensor {
    let x = flatten(x)
    let logits = linear_relu_stack(x)
    return logits
  }
}

var model = NeuralNetwork().to(device)
print(model)

// MARK: - Optimizing the Model Parameters

let lossFn = nn.CrossEntropyLoss()
let optimizer = optim.SGD(model.parameters(), lr: 1e-3)

func train<D: Dataset>(_ dataloader: DataLoader<D>, _ model: NeuralNetwork, _ lossFn: nn.CrossEntropyLoss, _ optimizer: optim.Optimizer) {
  let size = dataloader.dataset.count
  for (batch, (X, y)) in dataloader.enumerated() {
    let (X, y) = (X.to(device), y.to(device))

    // Compute prediction error
    let pred = model(X)
    let loss = lossFn(pred, y)

    // Backpropagation
    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()

    if batch % 100 == 0 {
      let (lossValue, current) = (loss.item(), batch * X.count)
      print(String(format: "loss: %7f  [%5d/%5d]", lossValue, current, size))
    }
  }
}

func test<D: Dataset>(_ dataloader: DataLoader<D>, _ model: NeuralNetwork, _ lossFn: nn.CrossEntropyLoss) {
  let size = dataloader.dataset.count
  let numBatches = dataloader.count
  model.eval()
  var (testLoss, correct) = (0.0, 0.0)
  torch.noGrad {
    for (X, y) in dataloader {
      let (X, y) = (X.to(device), y.to(device))
      let pred = model(X)
      testLoss += lossFn(pred, y).item()
      correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    }
  }
  testLoss /= Double(numBatches)
  correct /= Double(size)
  print(String(format: "Test Error: \n Accuracy: %0.1f%%, Avg loss: %8f \n", 100 * correct, testLoss))
}

for t in 0..<epochs {
  print("Epoch \(t + 1)\n-------------------------------")
  train(trainDataloader, model, lossFn, optimizer)
  test(testDataloader, model, lossFn)
}
print("Done!")

// MARK: - Saving Models

try torch.save(model.stateDict(), to: "model.pth")
print("Saved PyTorch Model State to model.pth")

// MARK: - Loading Models

model = NeuralNetwork()
try model.loadStateDict(torch.load(from: "model.pth"))

let classes = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
]

model.eval()
let (x, y) = (testData[0].0, testData[0].1)
torch.noGrad {
  let pred = model(x)
  let (predicted, actual) = (classes[pred[0].argmax(0)], classes[y])
  print("Predicted: \"\(predicted)\", Actual: \"\(actual)\"")
}
