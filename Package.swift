// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "swift-torch",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "Torch", targets: ["Torch"]),
    .executable(name: "build-model", targets: ["BuildModel"]),
    .executable(name: "fashion-mnist", targets: ["FashionMNIST"]),
    .executable(name: "torch-bench", targets: ["TorchBench"]),
    .executable(name: "basics-quickstart", targets: ["BasicsQuickstart"]),
    .executable(name: "basics-tensors", targets: ["BasicsTensors"]),
    .executable(name: "basics-data", targets: ["BasicsData"]),
    .executable(name: "basics-transforms", targets: ["BasicsTransforms"]),
    .executable(name: "basics-autograd", targets: ["BasicsAutograd"]),
    .executable(name: "basics-optimization", targets: ["BasicsOptimization"]),
    .executable(name: "basics-saveload", targets: ["BasicsSaveLoad"]),
    .executable(name: "lenet", targets: ["LeNet"]),
    .executable(name: "blitz-autograd", targets: ["BlitzAutograd"]),
    .executable(name: "blitz-classifier", targets: ["BlitzClassifier"]),
    .executable(name: "checkpoint", targets: ["Checkpoint"]),
    .executable(name: "dist-check", targets: ["DistributedCheck"]),
  ],
  targets: [
    // MARK: - Public API
    .target(name: "Torch", dependencies: ["CTorchKernels"]),

    // MARK: - Implementation details
    /// SIMD microkernels in C, compiled per function for AVX2+FMA and picked at run time.
    .target(name: "CTorchKernels"),

    // MARK: - Examples
    .executableTarget(name: "BuildModel", dependencies: ["Torch"], path: "Examples/BuildModel"),
    .executableTarget(
      name: "FashionMNIST", dependencies: ["Torch"], path: "Examples/FashionMNIST",
      exclude: ["Resources/LICENSE-fashion-mnist.txt"],
      resources: [.copy("Resources/sample")]),
    .executableTarget(name: "TorchBench", dependencies: ["Torch"], path: "Examples/TorchBench", exclude: ["HISTORY.md"]),
    /// PyTorch's "Learn the Basics" pages, one executable each (`basics-<page>`), and their shared command line.
    .target(name: "BasicsSupport", path: "Examples/Basics/Support"),
    .executableTarget(name: "BasicsQuickstart", dependencies: ["Torch", "BasicsSupport"], path: "Examples/Basics/Quickstart"),
    .executableTarget(name: "BasicsTensors", dependencies: ["Torch"], path: "Examples/Basics/Tensors"),
    .executableTarget(name: "BasicsData", dependencies: ["Torch", "BasicsSupport"], path: "Examples/Basics/Data"),
    .executableTarget(name: "BasicsTransforms", dependencies: ["Torch", "BasicsSupport"], path: "Examples/Basics/Transforms"),
    .executableTarget(name: "BasicsAutograd", dependencies: ["Torch"], path: "Examples/Basics/Autograd"),
    .executableTarget(name: "BasicsOptimization", dependencies: ["Torch", "BasicsSupport"], path: "Examples/Basics/Optimization"),
    .executableTarget(name: "BasicsSaveLoad", dependencies: ["Torch"], path: "Examples/Basics/SaveLoad"),
    /// The 60-minute blitz's "Neural Networks" page (LeNet).
    .executableTarget(name: "LeNet", dependencies: ["Torch", "BasicsSupport"], path: "Examples/LeNet"),
    /// The 60-minute blitz's "A Gentle Introduction to torch.autograd" page.
    .executableTarget(name: "BlitzAutograd", dependencies: ["Torch"], path: "Examples/Blitz/Autograd"),
    /// The 60-minute blitz's "Training a Classifier" page (CIFAR-10).
    .executableTarget(name: "BlitzClassifier", dependencies: ["Torch", "BasicsSupport"], path: "Examples/Blitz/Classifier"),

    /// Shows and converts checkpoints between PyTorch's format and safetensors.
    .executableTarget(name: "Checkpoint", dependencies: ["Torch"], path: "Examples/Checkpoint"),

    /// torch.distributed checked under mpirun (the tests launch it).
    .executableTarget(name: "DistributedCheck", dependencies: ["Torch"], path: "Examples/DistributedCheck"),

    // MARK: - Unit test bundles
    .testTarget(name: "TorchTests", dependencies: ["Torch"], resources: [.copy("Fixtures")]),
  ],
  swiftLanguageModes: [.v6]
)
