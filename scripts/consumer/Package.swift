// swift-tools-version: 6.0
// A tiny package that depends on swift-torch by path, proving `import Torch` works as a
// dependency (no unsafeFlags, no system setup). Run by .ci/run.
import PackageDescription

let package = Package(
  name: "Consumer",
  platforms: [.macOS(.v15)],
  dependencies: [.package(name: "swift-torch", path: "../..")],
  targets: [
    .executableTarget(name: "Consumer", dependencies: [.product(name: "Torch", package: "swift-torch")])
  ]
)
