import Foundation
import XCTest
@testable import Torch

/// Asserts that two tensors have the same shape and values within tolerance.
func assertClose(_ actual: Tensor, _ expected: Tensor, rtol: Double = 1e-5, atol: Double = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
  XCTAssertEqual(actual.shape.dims, expected.shape.dims, "shape \(message)", file: file, line: line)
  guard actual.shape.dims == expected.shape.dims else { return }
  let a = actual.toArray(Double.self), b = expected.toArray(Double.self)
  for i in a.indices where Swift.abs(a[i] - b[i]) > atol + rtol * Swift.abs(b[i]) {
    XCTFail("element \(i): \(a[i]) vs expected \(b[i]) \(message)", file: file, line: line)
    return
  }
}

/// Compares autograd's gradients of `sum(f(inputs) * weights)` with central finite
/// differences, in float64. Inputs must be float64 leaves that require grad.
func gradCheck(_ name: String, _ inputs: [Tensor], eps: Double = 1e-6, tolerance: Double = 1e-5,
               file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
  let probe = torch.noGrad { f(inputs) }
  let weights = torch.rand(probe.dims, dtype: .float64) + 0.5
  func objective() -> Double { torch.noGrad { (f(inputs) * weights).sum().item() } }
  for x in inputs { x.grad = nil }
  (f(inputs) * weights).sum().backward()
  for (k, x) in inputs.enumerated() where x.requiresGrad {
    let analytic = x.grad?.toArray(Double.self) ?? [Double](repeating: 0, count: x.numel())
    let flat = torch.noGrad { x.reshape([-1]) }
    for i in 0..<x.numel() {
      let original = flat[i].item()
      torch.noGrad { flat[i].fill_(original + eps) }
      let plus = objective()
      torch.noGrad { flat[i].fill_(original - eps) }
      let minus = objective()
      torch.noGrad { flat[i].fill_(original) }
      let numeric = (plus - minus) / (2 * eps)
      if Swift.abs(numeric - analytic[i]) > tolerance * Swift.max(1, Swift.abs(numeric)) {
        XCTFail("\(name): input \(k) element \(i): autograd \(analytic[i]) vs numeric \(numeric)", file: file, line: line)
        return
      }
    }
  }
}

/// A float64 leaf with values in [lo, hi), requiring grad.
func leaf(_ shape: [Int], _ lo: Double = -1, _ hi: Double = 1) -> Tensor {
  (torch.rand(shape, dtype: .float64) * (hi - lo) + lo).detach().requiresGrad_()
}

/// Runs a misuse case in a child process and asserts it stops with `message` on stderr.
/// The child is this test binary, re-run with the case name in `TORCH_MISUSE_CASE`.
func assertStops(_ caseName: String, with message: String, environment extra: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
  var arguments = ["TorchTests.MisuseTests/testChildRunsMisuseCase"]
  #if os(macOS)
    arguments = ["-XCTest", "TorchTests.MisuseTests/testChildRunsMisuseCase", Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundlePath ?? ""]
  #endif
  process.arguments = arguments
  var environment = ProcessInfo.processInfo.environment
  environment["TORCH_MISUSE_CASE"] = caseName
  environment.merge(extra) { $1 }
  environment["SWIFT_BACKTRACE"] = "enable=no"
  process.environment = environment
  let errors = Pipe(), output = Pipe()
  process.standardError = errors
  process.standardOutput = output
  do { try process.run() } catch {
    XCTFail("could not start child: \(error)", file: file, line: line)
    return
  }
  let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    + String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  XCTAssertNotEqual(process.terminationStatus, 0, "\(caseName) did not stop", file: file, line: line)
  XCTAssertTrue(text.contains(message), "\(caseName): expected «\(message)» in:\n\(text.prefix(2000))", file: file, line: line)
}
