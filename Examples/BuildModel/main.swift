// The "Build the Neural Network" tutorial, block by block, in Swift.
// Run with `swift run build-model`; `--seed N` calls torch.manualSeed(N) first, so the
// output equals PyTorch's CPU output for the same seed.
import Foundation
import Torch

let usage = """
  usage: build-model [--seed N]
  PyTorch's "Build the Neural Network" tutorial, block by block.

    --seed N   call torch.manualSeed(N) first: the output then equals PyTorch's for that seed
    --help     show this text
  """
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
  switch flag {
  case "--help", "-h":
    print(usage)
    exit(0)
  case "--seed":
    guard let text = arguments.popFirst(), let seed = UInt64(text) else {
      FileHandle.standardError.write(Data("build-model: --seed needs a non-negative integer\n\n\(usage)\n".utf8))
      exit(2)
    }
    torch.manualSeed(seed)
  default:
    FileHandle.standardError.write(Data("build-model: unknown option \(flag)\n\n\(usage)\n".utf8))
    exit(2)
  }
}

// MARK: - Get Device for Training

let device: Device = torch.cuda.isAvailable() ? "cuda" : "cpu"
print("Using \(device.type) device")

// MARK: - Define the Class

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

let model = NeuralNetwork().to(device)
print(model)

let X = torch.rand(1, 28, 28, device: device)
let logits = model(X)
let pred_probab = nn.Softmax(dim: 1)(logits)
let y_pred = pred_probab.argmax(1)
print("Predicted class: \(y_pred)")

// MARK: - Model Layers

var input_image = torch.rand(3, 28, 28)
print(input_image.size())

let flatten = nn.Flatten()
let flat_image = flatten(input_image)
print(flat_image.size())

let layer1 = nn.Linear(inFeatures: 28 * 28, outFeatures: 20)
var hidden1 = layer1(flat_image)
print(hidden1.size())

print("Before ReLU: \(hidden1)\n\n")
hidden1 = nn.ReLU()(hidden1)
print("After ReLU: \(hidden1)")

let seq_modules = nn.Sequential(
  flatten,
  layer1,
  nn.ReLU(),
  nn.Linear(20, 10)
)
input_image = torch.rand(3, 28, 28)
let seq_logits = seq_modules(input_image)

let softmax = nn.Softmax(dim: 1)
let seq_pred_probab = softmax(seq_logits)

// MARK: - Model Parameters

print("Model structure: \(model)\n\n")

for (name, param) in model.namedParameters() {
  print("Layer: \(name) | Size: \(param.size()) | Values : \(param[..<2]) \n")
}
