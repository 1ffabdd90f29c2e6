import XCTest
@testable import Torch

/// Result types and values of ops on mixed dtypes against PyTorch's
/// (scripts/generate_autograd_goldens.py, `type_promotion`): a 0-d tensor beside a tensor with
/// dims counts only when of a higher category, numbers only lift the category, uint8 wraps.
final class TypePromotionTests: XCTestCase {
  static var f32: Tensor { torch.tensor([1.5, 2.5]) }
  static var f64: Tensor { torch.tensor([1.5, 2.5], dtype: .float64) }
  static var i64: Tensor { torch.tensor([3, 4]) }
  static var u8: Tensor { torch.tensor([200, 100], dtype: .uint8) }
  static var b: Tensor { torch.tensor([true, false]) }
  static var zeroF64: Tensor { torch.tensor(2.5, dtype: .float64) }
  static var zeroI64: Tensor { torch.tensor(3) }
  static var zeroF32: Tensor { torch.tensor(2.5) }

  static let cases: [(String, @Sendable () -> Tensor)] = [
    ("f32_plus_f64", { f32 + f64 }),
    ("f32_plus_zero_f64", { f32 + zeroF64 }),
    ("i64_plus_zero_f32", { i64 + zeroF32 }),
    ("i64_plus_zero_f64", { i64 + zeroF64 }),
    ("u8_plus_zero_i64", { u8 + zeroI64 }),
    ("u8_plus_i64", { u8 + i64 }),
    ("u8_plus_u8", { u8 + u8 }),
    ("bool_plus_i64", { b + i64 }),
    ("bool_plus_zero_i64", { b + zeroI64 }),
    ("bool_times_float", { b * 2.5 }),
    ("i64_div_int", { i64 / 2 }),
    ("i64_times_float", { i64 * 2.5 }),
    ("i64_times_int", { i64 * 2 }),
    ("u8_times_int", { u8 * 2 }),
    ("u8_plus_float", { u8 + 1.5 }),
    ("zero_f32_plus_zero_f64", { zeroF32 + zeroF64 }),
    ("zero_i64_plus_zero_f32", { zeroI64 + zeroF32 }),
    ("zero_i64_times_float", { zeroI64 * 2.5 }),
    ("f32_minus_zero_f64", { f32 - zeroF64 }),
    ("u8_div_zero_i64", { u8 / zeroI64 }),
    ("f32_less_zero_f64", { f32 < zeroF64 }),
    ("maximum_f32_i64", { torch.maximum(f32, i64) }),
    ("maximum_u8_zero_i64", { torch.maximum(u8, zeroI64) }),
    ("where_i64_f32", { torch.where(b, i64, f32) }),
    ("where_f32_zero_f64", { torch.where(b, f32, zeroF64) }),
    ("i64_pow_zero_f64", { i64.pow(zeroF64) }),
    ("f32_pow_i64", { f32.pow(i64) }),
    ("u8_minus_u8_wraps", { torch.tensor([1], dtype: .uint8) - torch.tensor([2], dtype: .uint8) }),
    ("i64_clamp_fractional", { i64.clamp(min: 3.5) }),
    ("u8_clamp_whole", { u8.clamp(max: 150) }),
  ]

  func testResultTypesAndValuesMatchPyTorch() {
    for (name, make) in Self.cases {
      let result = make()
      XCTAssertEqual(result.dtype.description, AutogradGoldens.shared.names["promotion_" + name], name)
      XCTAssertEqual(result.to(.float64).flatten().toArray(Double.self), AutogradGoldens.value("promotion_" + name), name)
    }
    XCTAssertEqual(Self.cases.count, AutogradGoldens.shared.names.keys.filter { $0.hasPrefix("promotion_") }.count)
  }
}
