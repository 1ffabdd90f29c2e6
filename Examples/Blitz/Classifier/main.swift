// The "Training a Classifier" page of PyTorch's 60-minute blitz, block by block, in Swift:
// CIFAR-10, a small convolutional network, two epochs of SGD with momentum, saving and loading
// the weights, and the test accuracy, overall and per class. `--seed N` (default 0) calls
// torch.manualSeed(N) first, so the output equals scripts/blitz/cifar10.py's (PyTorch on the
// CPU) for the same data. `--data DIR` is the page's root ('./data', holding
// cifar-10-python.tar.gz or its extracted folder), `--print-every N` the page's 2000, and
// `--plot DIR` saves the page's image grids as PNG files there (the page shows them).
import BasicsSupport
import Foundation
import Torch

let options = PageOptions.parse("blitz-classifier", accepting: [.data, .printEvery, .plot, .seed])
torch.manualSeed(options.seed ?? 0)

// MARK: - 1. Load and normalize CIFAR10

let transform = transforms.Compose(
  [transforms.ToTensor(),
   transforms.Normalize(mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])])

let batchSize = 4

let trainset = try datasets.CIFAR10(root: options.data, train: true,
                                    download: true, transform: transform)
let trainloader = DataLoader(trainset, batchSize: batchSize,
                             shuffle: true)  // the page: num_workers=2 (one process here)

let testset = try datasets.CIFAR10(root: options.data, train: false,
                                   download: true, transform: transform)
let testloader = DataLoader(testset, batchSize: batchSize,
                            shuffle: false)

let classes = ["plane", "car", "bird", "cat",
               "deer", "dog", "frog", "horse", "ship", "truck"]

/// Python's `f"{name:5s}"`: left-aligned in five columns.
func padded(_ name: String) -> String { name.padding(toLength: max(5, name.count), withPad: " ", startingAt: 0) }

var plots = 0

// functions to show an image
@MainActor func imshow(_ img: Tensor) throws {
  let img = img / 2 + 0.5  // unnormalize
  if let folder = options.plot {  // the page: plt.imshow(np.transpose(npimg, (1, 2, 0))); plt.show()
    plots += 1
    try utils.saveImage(img, to: "\(folder)/images_\(plots).png")
  }
}

// get some random training images
var dataiter = trainloader.makeIterator()
var (images, labels) = dataiter.next()!

// show images
try imshow(utils.makeGrid(images))
// print labels
print((0..<batchSize).map { j in padded(classes[Int(labels[j].item(Int64.self))]) }.joined(separator: " "))

// MARK: - 2. Define a Convolutional Neural Network

final class Net: Module {
  let conv1 = nn.Conv2d(3, 6, 5)
  let pool = nn.MaxPool2d(2, 2)
  let conv2 = nn.Conv2d(6, 16, 5)
  let fc1 = nn.Linear(16 * 5 * 5, 120)
  let fc2 = nn.Linear(120, 84)
  let fc3 = nn.Linear(84, 10)

  func forward(_ input: Tensor) -> Tensor {
    var x = pool(F.relu(conv1(input)))
    x = pool(F.relu(conv2(x)))
    x = torch.flatten(x, 1)  // flatten all dimensions except batch
    x = F.relu(fc1(x))
    x = F.relu(fc2(x))
    x = fc3(x)
    return x
  }
}

var net = Net()

// MARK: - 3. Define a Loss function and optimizer

let criterion = nn.CrossEntropyLoss()
let optimizer = optim.SGD(net.parameters(), lr: 0.001, momentum: 0.9)

// MARK: - 4. Train the network

let every = options.printEvery ?? 2000
for epoch in 0..<2 {  // loop over the dataset multiple times

  var runningLoss = 0.0
  for (i, data) in trainloader.enumerated() {
    // get the inputs; data is a list of [inputs, labels]
    let (inputs, labels) = data

    // zero the parameter gradients
    optimizer.zeroGrad()

    // forward + backward + optimize
    let outputs = net(inputs)
    let loss = criterion(outputs, labels)
    loss.backward()
    optimizer.step()

    // print statistics
    runningLoss += loss.item()
    if i % every == every - 1 {  // print every 2000 mini-batches
      print(String(format: "[%d, %5d] loss: %.3f", epoch + 1, i + 1, runningLoss / Double(every)))
      runningLoss = 0.0
    }
  }
}

print("Finished Training")

let PATH = "./cifar_net.pth"
try torch.save(net.stateDict(), to: PATH)

// MARK: - 5. Test the network on the test data

dataiter = testloader.makeIterator()
(images, labels) = dataiter.next()!

// print images
try imshow(utils.makeGrid(images))
print("GroundTruth: ", (0..<4).map { j in padded(classes[Int(labels[j].item(Int64.self))]) }.joined(separator: " "))

net = Net()
_ = try net.loadStateDict(torch.load(from: PATH))

var outputs = net(images)

var (_, predicted) = torch.max(outputs, dim: 1)

print("Predicted: ", (0..<4).map { j in padded(classes[Int(predicted[j].item(Int64.self))]) }.joined(separator: " "))

var correct = 0
var total = 0
// since we're not training, we don't need to calculate the gradients for our outputs
torch.noGrad {
  for (images, labels) in testloader {
    // calculate outputs by running images through the network
    let outputs = net(images)
    // the class with the highest energy is what we choose as prediction
    let (_, predicted) = torch.max(outputs.data, dim: 1)
    total += labels.size(0)
    correct += Int((predicted == labels).sum().item(Int64.self))
  }
}

print("Accuracy of the network on the 10000 test images: \(100 * correct / total) %")

// prepare to count predictions for each class
var correctPred = Dictionary(uniqueKeysWithValues: classes.map { ($0, 0) })
var totalPred = Dictionary(uniqueKeysWithValues: classes.map { ($0, 0) })

// again no gradients needed
torch.noGrad {
  for (images, labels) in testloader {
    let outputs = net(images)
    let (_, predictions) = torch.max(outputs, dim: 1)
    // collect the correct predictions for each class
    for (label, prediction) in zip(labels.toArray(Int64.self), predictions.toArray(Int64.self)) {
      if label == prediction {
        correctPred[classes[Int(label)]]! += 1
      }
      totalPred[classes[Int(label)]]! += 1
    }
  }
}

// print accuracy for each class (a Swift dictionary has no order: the page's is the classes')
for classname in classes {
  let accuracy = 100 * Double(correctPred[classname]!) / Double(totalPred[classname]!)
  print("Accuracy for class: \(padded(classname)) is \(String(format: "%.1f", accuracy)) %")
}

// MARK: - Training on GPU

let device = torch.cuda.isAvailable() ? Device.cuda(0) : Device.cpu

// Assuming that we are on a CUDA machine, this should print a CUDA device:

print(device)
