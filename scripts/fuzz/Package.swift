// swift-tools-version: 6.0
// libFuzzer harness for swift-torch's readers of outside input (safetensors, PyTorch checkpoints,
// IDX, gzip, HTTP, CIFAR-10 batches, tar).
// Build and run (see README "Fuzzing"):
//   swift build -c debug --sanitize=fuzzer --sanitize=address --package-path scripts/fuzz
//   TORCH_FUZZ_TARGET=safetensors scripts/fuzz/.build/debug/TorchFuzz -max_total_time=600 CORPUS_DIR
// A separate package because libFuzzer supplies `main`, which needs `-parse-as-library`
// (an unsafe flag the library package itself must never carry).
import PackageDescription

let package = Package(
  name: "TorchFuzz",
  platforms: [.macOS(.v15)],
  dependencies: [.package(name: "swift-torch", path: "../..")],
  targets: [
    .executableTarget(
      name: "TorchFuzz", dependencies: [.product(name: "Torch", package: "swift-torch")],
      swiftSettings: [.unsafeFlags(["-parse-as-library"])])
  ]
)
