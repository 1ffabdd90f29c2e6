import XCTest
@testable import Torch

/// float32 expm1, ELU, CELU, exp2, log2, log10, tan, asin, acos, atan, sinh and cosh against
/// PyTorch's values (scripts/generate_autograd_goldens.py, `float32_transcendentals`) on special
/// values, a grid over [−6, 6] and magnitudes down to 1e−8: within 2 ulp (libm, or the vector
/// loops, against PyTorch's SLEEF, each within 1 ulp), NaN and infinities where PyTorch has them.
/// ELU near 0 is the case that α(eˣ − 1) got wrong in the third digit.
final class TranscendentalTests: XCTestCase {
  static let functions: [(String, @Sendable (Tensor) -> Tensor)] = [
    ("expm1", { $0.expm1() }), ("elu", { F.elu($0) }), ("celu", { F.celu($0, alpha: 0.7) }),
    ("exp2", { $0.exp2() }), ("log2", { $0.log2() }), ("log10", { $0.log10() }), ("tan", { $0.tan() }),
    ("asin", { $0.asin() }), ("acos", { $0.acos() }), ("atan", { $0.atan() }), ("sinh", { $0.sinh() }),
    ("cosh", { $0.cosh() }),
  ]

  func testFloat32ValuesMatchPyTorch() {
    let values = AutogradGoldens.value("transcendental_inputs")
    let x = torch.tensor(values).to(.float32)
    // The same values every other element of a wider tensor: the strided (scalar) path.
    let strided = torch.stack([x, torch.zerosLike(x)], dim: 1)[0..., 0]
    XCTAssertFalse(strided.isContiguous)
    for (name, f) in Self.functions {
      let expected = AutogradGoldens.value("transcendental_" + name)
      for (path, input) in [("contiguous", x), ("strided", strided)] {
        let actual = f(input).to(.float64).toArray(Double.self)
        assertClose(actual, expected, rtol: 2.5e-7, atol: 0, "\(name), \(path)")
        XCTAssertEqual(actual.map { $0 == 0 ? $0.sign : .plus }, expected.map { $0 == 0 ? $0.sign : .plus }, "\(name), \(path): signs of zeros")
      }
    }
  }

  func testELUNearZeroKeepsEveryDigit() {
    // PyTorch: F.elu(torch.tensor([-1e-5])) is tensor([-1.0000e-05]), -9.99995e-06 to float32's
    // precision; e^x − 1 in float32 gives -1.0014e-05.
    let y = F.elu(torch.tensor([-1e-5, -1e-5, -1e-5, -1e-5, -1e-5, -1e-5, -1e-5, -1e-5, -1e-5]))
    for value in y.toArray(Double.self) { XCTAssertEqual(value, -9.99995e-6, accuracy: 1e-12) }
  }
}
