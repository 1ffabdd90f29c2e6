// The "Neural Networks" page of PyTorch's 60-minute blitz, block by block, in Swift: LeNet,
// its parameters, a forward and backward pass, the MSE loss and its graph, and one manual and
// one optimizer update. `--seed N` (default 0) calls torch.manualSeed(N) first, so the output equals
// scripts/blitz/neural_networks.py's (PyTorch on the CPU) for the same seed.
import BasicsSupport
import Torch

torch.manualSeed(PageOptions.parse("lenet", accepting: [.seed]).seed ?? 0)

// MARK: - Define the network

final class Net: Module {
  // 1 input image channel, 6 output channels, 5x5 square convolution
  // kernel
  let conv1 = nn.Conv2d(1, 6, 5)
  let conv2 = nn.Conv2d(6, 16, 5)
  // an affine operation: y = Wx + b
  let fc1 = nn.Linear(16 * 5 * 5, 120)  // 5*5 from image dimension
  let fc2 = nn.Linear(120, 84)
  let fc3 = nn.Linear(84, 10)

  func forward(_ input: Tensor) -> Tensor {
    // Convolution layer C1: 1 input image channel, 6 output channels,
    // 5x5 square convolution, it uses RELU activation function, and
    // outputs a Tensor with size (N, 6, 28, 28), where N is the size of the batch
    let c1 = F.relu(conv1(input))
    // Subsampling layer S2: 2x2 grid, purely functional,
    // this layer does not have any parameter, and outputs a (N, 6, 14, 14) Tensor
    let s2 = F.maxPool2d(c1, [2, 2])
    // Convolution layer C3: 6 input channels, 16 output channels,
    // 5x5 square convolution, it uses RELU activation function, and
    // outputs a (N, 16, 10, 10) Tensor
    let c3 = F.relu(conv2(s2))
    // Subsampling layer S4: 2x2 grid, purely functional,
    // this layer does not have any parameter, and outputs a (N, 16, 5, 5) Tensor
    var s4 = F.maxPool2d(c3, 2)
    // Flatten operation: purely functional, outputs a (N, 400) Tensor
    s4 = torch.flatten(s4, 1)
    // Fully connected layer F5: (N, 400) Tensor input,
    // and outputs a (N, 120) Tensor, it uses RELU activation function
    let f5 = F.relu(fc1(s4))
    // Fully connected layer F6: (N, 120) Tensor input,
    // and outputs a (N, 84) Tensor, it uses RELU activation function
    let f6 = F.relu(fc2(f5))
    // Gaussian layer OUTPUT: (N, 84) Tensor input, and
    // outputs a (N, 10) Tensor
    let output = fc3(f6)
    return output
  }
}

let net = Net()
print(net)

let params = Array(net.parameters())
print(params.count)
print(params[0].size())  // conv1's .weight

let input = torch.randn(1, 1, 32, 32)
let out = net(input)
print(out)

net.zeroGrad()
out.backward(torch.randn(1, 10))

// MARK: - Loss Function

var output = net(input)
var target = torch.randn(10)  // a dummy target, for example
target = target.view(1, -1)  // make it the same shape as output
let criterion = nn.MSELoss()

var loss = criterion(output, target)
print(loss)

print(loss.gradFn)  // MSELoss
print(loss.gradFn!.nextFunctions[0])  // Linear
print(loss.gradFn!.nextFunctions[0]!.nextFunctions[0])  // ReLU

// MARK: - Backprop

net.zeroGrad()  // zeroes the gradient buffers of all parameters

print("conv1.bias.grad before backward")
print(net.conv1.bias!.grad)

loss.backward()

print("conv1.bias.grad after backward")
print(net.conv1.bias!.grad)

// MARK: - Update the weights

let learningRate = 0.01
for f in net.parameters() {
  f.data.sub_(f.grad!.data * learningRate)
}

// create your optimizer
let optimizer = optim.SGD(net.parameters(), lr: 0.01)

// in your training loop:
optimizer.zeroGrad()  // zero the gradient buffers
output = net(input)
loss = criterion(output, target)
loss.backward()
optimizer.step()  // Does the update

print(net.conv1.bias!)  // not on the page: the parameters after both updates
