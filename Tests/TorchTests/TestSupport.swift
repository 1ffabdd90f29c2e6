import Foundation
import XCTest
@testable import Torch

/// Asserts that two tensors have the same shape and values within tolerance.
func assertClose(_ actual: Tensor, _ expected: Tensor, rtol: Double = 1e-5, atol: Double = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
  XCTAssertEqual(actual.shape.dims, expected.shape.dims, "shape \(message)", file: file, line: line)
  guard actual.shape.dims == expected.shape.dims else { return }
  assertClose(actual.toArray(Double.self), expected.toArray(Double.self), rtol: rtol, atol: atol, message, file: file, line: line)
}

/// Asserts that two arrays agree elementwise within atol + rtol·|expected|. NaN or infinity
/// where the other side differs fails; NaN matches only NaN.
func assertClose(_ a: [Double], _ b: [Double], rtol: Double = 1e-5, atol: Double = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
  XCTAssertEqual(a.count, b.count, "element count \(message)", file: file, line: line)
  guard a.count == b.count else { return }
  for i in a.indices where !isClose(a[i], b[i], rtol: rtol, atol: atol) {
    XCTFail("element \(i): \(a[i]) vs expected \(b[i]) \(message)", file: file, line: line)
    return
  }
}

/// |a − b| <= atol + rtol·|b|, false whenever either side is NaN (unless both are) or the
/// two differ in an infinity.
func isClose(_ a: Double, _ b: Double, rtol: Double, atol: Double) -> Bool {
  if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
  if a.isInfinite || b.isInfinite { return a == b }
  return Swift.abs(a - b) <= atol + rtol * Swift.abs(b)
}

/// Compares autograd's gradients of `sum(f(inputs) * weights)` with central finite
/// differences, in float64. Inputs must be float64 leaves that require grad.
func gradCheck(_ name: String, _ inputs: [Tensor], eps: Double = 1e-6, tolerance: Double = 1e-5,
               file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
  let probe = torch.noGrad { f(inputs) }
  let weights = torch.rand(probe.dims, dtype: .float64) + 0.5
  for x in inputs { x.grad = nil }
  (f(inputs) * weights).sum().backward()
  let analytic = inputs.map { $0.grad }
  compareWithCentralDifferences(name, "autograd", inputs, analytic, eps: eps, tolerance: tolerance, file: file, line: line) {
    torch.noGrad { (f(inputs) * weights).sum().item() }
  }
}

/// Compares second derivatives with finite differences of first ones (PyTorch's gradgradcheck):
/// with fixed weights w on the output and v on each input gradient, s(x) = Σ ⟨∂⟨w, f(x)⟩/∂xᵢ, vᵢ⟩
/// is differentiated by autograd through `createGraph`, and numerically by central differences
/// of first-order gradients. Inputs must be float64 leaves that require grad.
func gradGradCheck(_ name: String, _ inputs: [Tensor], eps: Double = 1e-6, tolerance: Double = 1e-5,
                   file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) {
  let analytic = secondGradients(f(inputs), inputs)
  compareWithCentralDifferences(name, "second derivative", inputs, analytic, eps: eps, tolerance: tolerance, file: file, line: line) {
    weightedGradientSum(f(inputs), inputs, createGraph: false)?.item() ?? 0
  }
}

/// s = Σᵢ ⟨∂⟨w, output⟩/∂xᵢ, vᵢ⟩ with the registry's fixed weights (`OpInfo.weights`) on the
/// output and on each input; nil when no input gets a gradient.
func weightedGradientSum(_ output: Tensor, _ inputs: [Tensor], createGraph: Bool, retainGraph: Bool? = nil) -> Tensor? {
  let gradients = torch.autograd.grad([(output * OpInfo.weights(output.dims)).sum()], inputs,
                                      retainGraph: retainGraph, createGraph: createGraph, allowUnused: true)
  let terms = zip(gradients, inputs).compactMap { g, x in g.map { ($0 * OpInfo.weights(x.dims)).sum() } }
  return terms.dropFirst().reduce(terms.first) { total, term in total.map { $0 + term } }
}

/// The gradients of `weightedGradientSum` (Hessian-vector products); nil where an input's is zero.
func secondGradients(_ output: Tensor, _ inputs: [Tensor], retainGraph: Bool? = nil) -> [Tensor?] {
  guard let total = weightedGradientSum(output, inputs, createGraph: true, retainGraph: retainGraph), total.requiresGrad else {
    return inputs.map { _ in nil }
  }
  return torch.autograd.grad([total], inputs, allowUnused: true)
}

/// Perturbs each element of each input by ±eps and checks `analytic` (nil: zeros) against the
/// central difference of `objective`.
private func compareWithCentralDifferences(_ name: String, _ what: String, _ inputs: [Tensor], _ analytic: [Tensor?],
                                           eps: Double, tolerance: Double, file: StaticString, line: UInt,
                                           _ objective: () -> Double) {
  for (k, x) in inputs.enumerated() where x.requiresGrad {
    let expected = analytic[k]?.toArray(Double.self) ?? [Double](repeating: 0, count: x.numel())
    let flat = torch.noGrad { x.reshape([-1]) }
    for i in 0..<x.numel() {
      let original = flat[i].item()
      torch.noGrad { flat[i].fill_(original + eps) }
      let plus = objective()
      torch.noGrad { flat[i].fill_(original - eps) }
      let minus = objective()
      torch.noGrad { flat[i].fill_(original) }
      let numeric = (plus - minus) / (2 * eps)
      if !isClose(expected[i], numeric, rtol: tolerance, atol: tolerance) {
        XCTFail("\(name): input \(k) element \(i): \(what) \(expected[i]) vs numeric \(numeric)", file: file, line: line)
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
/// The child is this test binary, re-run on `MisuseTests` with the case name in
/// `TORCH_MISUSE_CASE` (the class's setUp runs it).
@discardableResult
func assertStops(_ caseName: String, with message: String, environment extra: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) -> String {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
  var arguments = ["TorchTests.MisuseTests/testMisuseStopsWithPyTorchMessages"]
  #if os(macOS)
    arguments = ["-XCTest", "TorchTests.MisuseTests/testMisuseStopsWithPyTorchMessages", Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundlePath ?? ""]
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
    return ""
  }
  let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    + String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  XCTAssertNotEqual(process.terminationStatus, 0, "\(caseName) did not stop", file: file, line: line)
  XCTAssertTrue(text.contains(message), "\(caseName): expected «\(message)» in:\n\(text.prefix(2000))", file: file, line: line)
  return text
}
