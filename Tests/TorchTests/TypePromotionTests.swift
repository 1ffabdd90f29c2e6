import XCTest
@testable import Torch

/// Result types, shapes and values of ops on mixed dtypes against PyTorch's
/// (scripts/generate_autograd_goldens.py, `type_promotion`): a 0-d tensor beside a tensor with
/// dims counts only when of a higher category, numbers only lift the category, uint8 wraps;
/// and of ops whose types are the point (rounding, nonzero's coordinates, isclose's bools).
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
    ("round_halves_to_even", { torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, .infinity]).round() }),
    ("floor", { torch.tensor([0.5, -0.5, -1.0, 2.7]).floor() }),
    ("ceil", { torch.tensor([0.5, -0.5, -1.0, 2.7]).ceil() }),
    ("trunc", { torch.tensor([0.5, -0.5, -1.7, 2.7]).trunc() }),
    ("round_i64", { i64.round() }),
    ("square_i64", { i64.square() }),
    ("nonzero", { torch.tensor([[0, 1.0, 0], [2, 0, -1]]).nonzero() }),
    ("nonzero_bool", { b.nonzero() }),
    ("isclose", {
      torch.isclose(torch.tensor([1.0, .nan, 2, .infinity, .infinity]), torch.tensor([1.000001, .nan, 2.1, .infinity, -.infinity]))
    }),
    ("relu_keeps_negative_zero", { torch.tensor(Array(repeating: [-0.0, .nan, -1.0, 2.0], count: 5).flatMap { $0 }).relu() }),
    ("clamp_keeps_a_value_equal_to_its_bound", {
      torch.tensor(Array(repeating: [-0.0, 0.0, .nan, -2.0], count: 5).flatMap { $0 }).clamp(min: 0, max: 0)
    }),
    ("hardtanh_keeps_negative_zero", { torch.tensor([-0.0, 0.0, -1.0, 3.0]).hardtanh(minVal: 0, maxVal: 1) }),
    ("repeat_interleave_flat", { torch.tensor([[1, 2], [3, 4]]).repeatInterleave(2) }),
    ("roll_no_dims", { torch.arange(6).view(2, 3).roll(-1) }),
    ("logsumexp_of_nothing", { torch.zeros(2, 0).logsumexp(dim: 1) }),
    ("isclose_equal_nan", { torch.isclose(torch.tensor([1.0, .nan]), torch.tensor([1.1, .nan]), rtol: 0.2, equalNan: true) }),
  ]

  func testResultTypesAndValuesMatchPyTorch() {
    for (name, make) in Self.cases {
      let result = make()
      XCTAssertEqual(result.dtype.description, AutogradGoldens.shared.names["promotion_" + name], name)
      // The shape, then the values (signs of zeros included, as −0 rounds to −0).
      let expected = AutogradGoldens.value("promotion_" + name)
      let actual = result.shape.dims.map(Double.init) + result.to(.float64).flatten().toArray(Double.self)
      assertClose(actual, expected, rtol: 0, atol: 0, name)
      XCTAssertEqual(actual.map { $0 == 0 ? $0.sign : .plus }, expected.map { $0 == 0 ? $0.sign : .plus }, "\(name): signs of zeros")
    }
    XCTAssertEqual(Self.cases.count, AutogradGoldens.shared.names.keys.filter { $0.hasPrefix("promotion_") }.count)
  }
}
