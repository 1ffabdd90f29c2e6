// The "A Gentle Introduction to torch.autograd" page of PyTorch's 60-minute blitz, block by
// block, in Swift (scripts/blitz/autograd.py runs the page for the goldens). Nothing can be
// downloaded, so each pretrained ResNet-18 is an untrained one drawn after torch.manualSeed(0).
// The page's training step and fine-tuning set-up print nothing; three lines (marked) show
// what they did.
import Torch

torch.manualSeed(0)

// MARK: - Usage in PyTorch

var model = models.resnet18()  // the page: resnet18(weights: ResNet18_Weights.DEFAULT)
let data = torch.rand(1, 3, 64, 64)
let labels = torch.rand(1, 1000)

let prediction = model(data)  // forward pass

let loss = (prediction - labels).sum()
loss.backward()  // backward pass

let sgd = optim.SGD(model.parameters(), lr: 1e-2, momentum: 0.9)  // the page calls it `optim`

sgd.step()  // gradient descent
print(prediction.shape)  // not on the page
print(model.fc.bias![..<4])  // not on the page: each bias moved by -lr, its gradient being 1

// MARK: - Differentiation in Autograd

var a = torch.tensor([2.0, 3.0], requiresGrad: true)
var b = torch.tensor([6.0, 4.0], requiresGrad: true)

let Q = 3 * a.pow(3) - b.pow(2)

let externalGrad = torch.tensor([1.0, 1.0])
Q.backward(externalGrad)

// check if collected gradients are correct
print(9 * a.pow(2) == a.grad!)
print(-2 * b == b.grad!)

// MARK: - Exclusion from the DAG

let x = torch.rand(5, 5)
let y = torch.rand(5, 5)
let z = torch.rand([5, 5], requiresGrad: true)

a = x + y
print("Does `a` require gradients?: \(a.requiresGrad)")
b = x + z
print("Does `b` require gradients?: \(b.requiresGrad)")

model = models.resnet18()  // the page: resnet18(weights: ResNet18_Weights.DEFAULT)

// Freeze all the parameters in the network
for param in model.parameters() {
  param.requiresGrad = false
}

model.fc = nn.Linear(512, 10)

// Optimize only the classifier
let optimizer = optim.SGD(model.parameters(), lr: 1e-2, momentum: 0.9)
print(model.namedParameters().filter { $0.1.requiresGrad }.map(\.0).joined(separator: " "))  // not on the page
