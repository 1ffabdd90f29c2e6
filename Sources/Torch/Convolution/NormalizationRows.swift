/// The rows a normalization works on: `rows` contiguous rows of `length` elements, each
/// normalized by its own statistics. Element k of row r takes affine parameter
/// (r mod groups)·perGroup + k / span: layer norm is one group with one parameter per
/// element (span 1), group norm one parameter per channel (span = the channel's plane), and
/// batch norm, seen channels-first, one row and one parameter per channel (span = length).
struct NormalizationRows: Sendable, Equatable {
  let rows: Int
  let length: Int
  let groups: Int
  let span: Int

  /// Affine parameters per group.
  var perGroup: Int { length / Swift.max(span, 1) }
  /// Affine parameters in all.
  var parameterCount: Int { groups * perGroup }
  /// Where row `row`'s affine parameters start.
  func parameterOffset(row: Int) -> Int { (row % groups) * perGroup }

  /// `F.layer_norm` over the last `length` elements.
  static func layer(_ count: Int, length: Int) -> Self { Self(rows: count / Swift.max(length, 1), length: length, groups: 1, span: 1) }

  /// `F.group_norm` of [N, C, *] in `groups` groups.
  static func group(_ dims: [Int], groups: Int) -> Self {
    let (n, c) = (dims[0], dims[1]), plane = dims.dropFirst(2).reduce(1, *)
    return Self(rows: n * groups, length: c / groups * plane, groups: groups, span: plane)
  }
}
